"""Peak training memory means something in every seed, whatever the worker trained before.

Measured on digits before the fix, in one reused worker: David 1.89 MB in seed 0 and 0 in seeds
1-2 (resident growth: the heap's freed pages were reused), so every memory round was "one seed".
Now each fight's number is taken on its own untimed pass (bench/run/memory.py), and David's is
his analytic footprint plus the copy of the data fit makes in his dtype, plus a small constant.
"""

import textwrap

import numpy as np
import pytest

from bench.datasets import load_dataset
from bench.plan.suite import load_suite
from bench.run.memory import TracedMemory
from bench.run.progress import Progress
from bench.run.runner import run_suite
from bench.run.train import FighterTask, training_memory
from bench.store.run_folder import load_run
from numpy_nn import Network

SEEDS = 3
BATCH_SIZE = 32
CONSTANT = 64 * 1024  # Python's own objects: lists, views, the batch order (tests/numpy_nn)

SUITE = f"""
[suite]
name = "memory"

[defaults]
seeds = {SEEDS}
epochs = 2
mode = "fair"
dtype = "float32"
batch_size = {BATCH_SIZE}
fighters = ["david", "sklearn"]

[[case]]
name = "digits"
dataset = "digits"
hidden = [64]
activation = "relu"
optimizer = {{ name = "adam", learning_rate = 0.001 }}
"""


@pytest.fixture(scope="module")
def fights(tmp_path_factory):
    """Three seeds of David and scikit-learn on digits, each fighter in one reused worker."""
    tmp = tmp_path_factory.mktemp("memory")
    path = tmp / "suite.toml"
    path.write_text(textwrap.dedent(SUITE))
    suite = load_suite(path)
    run_suite(suite, tmp / "run", suite.cases, Progress(0), cache_dir=tmp / "cache")
    return sorted(load_run(tmp / "run").fights, key=lambda fight: fight.seed)


def davids_footprint(seed: int) -> int:
    """Network.training_memory_bytes, plus X and one-hot y converted to float32 by fit."""
    data = load_dataset("digits", seed)
    layers = [
        {"input_dim": 64, "output_dim": 64, "activation": "relu"},
        {"input_dim": 64, "output_dim": 10, "activation": "softmax"},
    ]
    network = Network(layers, optimizer={"name": "adam"}, dtype="float32")
    converted = len(data.x_train) * (data.n_features + data.n_classes) * 4
    return network.training_memory_bytes(BATCH_SIZE) + converted


@pytest.mark.slow
def test_every_seed_of_every_fighter_has_its_peak(fights):
    assert [fight.seed for fight in fights] == list(range(SEEDS))
    for name in ("david", "sklearn"):
        peaks = [fight.fighters[name].peak_memory_bytes for fight in fights]
        assert all(peak and peak > 100_000 for peak in peaks), (name, peaks)
        # The same work in every seed: the same memory. David's within a few pages; scikit-learn's
        # within 10% (its peaks moved 1.13-1.20 MB between seeds in CI: Python objects it
        # allocates and frees with the data's values). Before the fix seeds 1-2 read 0.
        spread = 64 * 1024 if name == "david" else 0.10 * min(peaks)
        assert max(peaks) - min(peaks) <= spread, (name, peaks)


@pytest.mark.slow
def test_davids_peak_is_his_analytic_footprint(fights):
    for fight in fights:
        peak = fight.fighters["david"].peak_memory_bytes
        footprint = davids_footprint(fight.seed)
        assert footprint <= peak <= footprint + CONSTANT, (fight.seed, peak, footprint)


@pytest.mark.slow
def test_the_memory_round_is_decided_over_seeds(fights):
    from bench.judging.rounds import memory_round

    decided = memory_round(fights, "sklearn")
    assert decided.seeds_compared == SEEDS
    assert "one seed" not in decided.sentence


def test_the_measurement_ignores_what_the_process_freed_before():
    """Two measurements of the same allocation, the second after a bigger one was freed."""

    def allocate(instrument) -> int:
        with instrument as measured:
            measured.model_built()
            block = np.ones(2_000_000)  # 16 MB, touched
            del block
        return measured.bytes

    first = allocate(TracedMemory())
    big = np.ones(8_000_000)
    del big  # freed: glibc may keep it, and raise its mmap threshold
    second = allocate(TracedMemory())
    assert first >= 16_000_000 and second >= 16_000_000, (first, second)


class PythonObjects:
    """A model whose training allocates 100,000 small Python objects, as building a graph does."""

    def __init__(self) -> None:
        self.kept: list = []

    def fit(self, x, y, epochs, evaluate, batch_size) -> None:
        self.kept = [[i] for i in range(100_000)]


def test_tracemallocs_own_tables_are_not_counted_as_the_fighters_memory():
    # Measured in one pass, the resident set grew by 44 MB for 10.4 MB of objects: tracemalloc's
    # tables for 100,000 traces. Each instrument now watches a pass of its own.
    task = FighterTask("f", "case", 0, "native", [], "mse", {}, 0.0, "float32", 1, 32, {})
    data = type("Data", (), {"x_train": None, "y_train": None})
    traced = training_memory(task, PythonObjects, data)
    with TracedMemory() as alone:
        PythonObjects().fit(None, None, 1, False, 32)
    resident = training_memory(task, PythonObjects, data, traced=False)
    assert alone.bytes <= traced <= 1.3 * alone.bytes, (traced, alone.bytes)
    # Only an upper bound: in a process that freed objects before, the pass reuses their pages
    # unseen (10.1 MB in a fresh one, 4.8 MB late in the test suite): the traced pass's reason.
    assert resident <= 1.3 * alone.bytes, (resident, alone.bytes)
