"""A fighter's task in its worker: the harness's evaluation around the timed updates."""

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from bench.plan.preflight import case_data
from bench.plan.suite import load_suite
from bench.run.executor import fighter_tasks
from bench.run.train import memory_traced, run_task
from bench.store.phases import PHASES_KEY
from numpy_nn import Network


def blas_threads() -> int:
    return max(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")


class RecordingNetwork(Network):
    """David, noting NumPy's BLAS threads at each prediction and each training step."""

    predicting: list[int] = []
    training: list[int] = []

    def predict_proba(self, x):
        RecordingNetwork.predicting.append(blas_threads())
        return super().predict_proba(x)

    def _backward(self, *args, **kwargs):
        RecordingNetwork.training.append(blas_threads())
        return super()._backward(*args, **kwargs)


@pytest.fixture(scope="module")
def moons_task(tmp_path_factory):
    suite = load_suite("quick")
    case = next(c for c in suite.cases if c.name == "moons-float64")
    cache = str(tmp_path_factory.mktemp("cache"))
    data = case_data(case, 0, cache)
    return next(t for t in fighter_tasks(case, 0, data, cache) if t.fighter == "david")


def test_the_harness_predicts_on_one_blas_thread_and_trains_on_the_fighters(moons_task):
    RecordingNetwork.predicting.clear()
    RecordingNetwork.training.clear()
    with threadpool_limits(2, user_api="blas"):
        record = run_task(moons_task, RecordingNetwork)
        after = blas_threads()
    assert record["status"] == "ok", record["reason"]
    # Every epoch's two whole-set predictions, the snapshots and the final boundary: one thread,
    # (a busy machine made OpenBLAS's threads 15-40x slower there, for the same bits).
    assert len(RecordingNetwork.predicting) >= 2 * moons_task.epochs + 1
    assert set(RecordingNetwork.predicting) == {1}
    # The timed updates keep the process's own setting, before, between and after evaluations.
    assert set(RecordingNetwork.training) == {2} and after == 2


def test_a_task_splits_its_wall_time_into_phases(moons_task):
    record = run_task(moons_task, Network)
    phases = record[PHASES_KEY]
    assert set(phases) == {"setup", "training", "evaluation", "boundaries", "memory"}
    assert phases["training"] == record["train_seconds"]
    assert all(seconds >= 0 for seconds in phases.values())
    assert sum(phases.values()) == pytest.approx(record["wall_seconds"])
    # Snapshots moved from evaluation to boundaries; together they are the harness's per-epoch
    # work the record has always reported.
    assert (
        phases["evaluation"]
        < record["evaluation_seconds"]
        < phases["evaluation"] + phases["boundaries"]
    )
    assert "snapshot_seconds" not in record and "final_seconds" not in record


class CountedBuilds(Network):
    """David, counting the models built: the timed run's, then one per memory pass."""

    builds = 0

    def __init__(self, *args, **kwargs):
        type(self).builds += 1
        super().__init__(*args, **kwargs)


class UntracedBuilds(CountedBuilds):
    traced_memory = False  # as a fighter whose tensors live in C++ declares it


@pytest.mark.parametrize(("model_class", "builds"), [(CountedBuilds, 3), (UntracedBuilds, 2)])
def test_the_memory_pass_is_traced_unless_the_class_says_not(moons_task, model_class, builds):
    model_class.builds = 0
    record = run_task(moons_task, model_class)
    assert record["status"] == "ok", record["reason"]
    assert model_class.builds == builds  # the timed run, the resident pass, the traced pass
    assert record["peak_memory_bytes"] > 0


def test_the_tensorflow_and_jax_fighters_take_the_resident_pass_only():
    from keras_ref import CompiledLoopNetwork, KerasNetwork

    assert not memory_traced(KerasNetwork) and not memory_traced(CompiledLoopNetwork)
    assert memory_traced(Network)  # David: every array he allocates is traced


def test_a_declaration_that_is_not_true_or_false_fails_the_fight_naming_it(moons_task):
    class Confused(Network):
        traced_memory = "no"

    record = run_task(moons_task, Confused)
    assert record["status"] == "failed"
    assert "Confused.traced_memory is 'no'" in record["reason"]
    assert "True" in record["reason"] and "False" in record["reason"]
