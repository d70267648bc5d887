"""A user's own network as a fighter: the layout adapter, a suite's [fighter.NAME], entry points."""

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from bench.cli import main
from bench.doctor.problems import OPTIMIZERS, PROBLEMS, instance
from bench.fighters.base import Unsupported
from bench.fighters.user import ENTRY_POINT_GROUP, installed_fighters
from bench.plan.suite import load_suite
from bench.run.progress import Progress
from bench.run.runner import run_suite
from bench.store.run_folder import load_run
from numpy_nn import Network

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

from naive_moons_net import NaiveMoonsNet  # noqa: E402  (an example file, not a package)


@pytest.fixture(scope="module")
def moons():
    return instance(PROBLEMS["moons"])


def _pair(cls, moons, optimizer):
    nets = [
        cls(moons.layers, loss="binary_crossentropy", optimizer=optimizer, dtype="float64")
        for cls in (cls, Network)
    ]
    for net in nets:
        net.set_weights(moons.weights)
    return nets


def test_the_adapter_keeps_the_articles_layout_and_gives_back_the_shared_one(moons):
    net = NaiveMoonsNet(moons.layers, dtype="float64")
    net.set_weights(moons.weights)
    (w, b), (w2, _), _ = moons.weights
    assert sorted(net.params) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    assert net.params["W1"].shape == (6, 2) and np.array_equal(net.params["W1"], w.T)
    assert net.params["b1"].shape == (6, 1) and np.array_equal(net.params["b1"][:, 0], b)
    assert np.array_equal(net.params["W2"], w2.T)
    for (w_back, b_back), (w_given, b_given) in zip(net.get_weights(), moons.weights, strict=True):
        assert np.array_equal(w_back, w_given) and np.array_equal(b_back, b_given)


def test_the_naive_networks_gradients_equal_davids(moons):
    # David's gradients equal Keras's to ~1e-16 (tests/test_parity.py).
    naive, david = _pair(NaiveMoonsNet, moons, OPTIMIZERS["sgd"])
    flat = np.concatenate(
        [np.concatenate([w.ravel(), b]) for w, b in naive.gradients(moons.x, moons.y)]
    )
    ours = david._gradient(david._check_x(moons.x), david._check_y(moons.y, len(moons.x)))
    assert np.max(np.abs(flat - ours)) < 1e-15


def test_the_naive_network_trains_like_david_on_the_same_batches(moons):
    naive, david = _pair(NaiveMoonsNet, moons, OPTIMIZERS["momentum"])
    steps = moons.steps(40)
    seen = []
    history = naive.fit(
        moons.x,
        moons.y,
        epochs=40,
        batches=steps,
        evaluate=False,
        callback=lambda epoch, logs: seen.append(epoch),
    )
    david.fit(moons.x, moons.y, epochs=40, batches=steps, evaluate=False)
    assert seen == list(range(1, 41)) and len(history.epoch_seconds) == 40
    for (w, b), (w_d, b_d) in zip(naive.get_weights(), david.get_weights(), strict=True):
        assert np.max(np.abs(w - w_d)) < 1e-14 and np.max(np.abs(b - b_d)) < 1e-14


def test_a_callback_returning_true_stops_the_fit(moons):
    net = NaiveMoonsNet(moons.layers, dtype="float64")
    history = net.fit(moons.x, moons.y, epochs=5, batch_size=16, callback=lambda e, logs: True)
    assert len(history.epoch_seconds) == 1 and len(history.loss) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"activation": "tanh"}, "layer 0: activation 'tanh'"),
        ({"loss": "mean_squared_error"}, "loss 'mean_squared_error'"),
        ({"optimizer": {"name": "adam"}}, "optimizer 'adam'"),
        ({"optimizer": {"name": "sgd", "nesterov": True}}, "optimizer 'sgd' option(s) nesterov"),
        ({"l2": 0.01}, "l2 = 0.01"),
    ],
)
def test_what_the_network_does_not_do_is_refused_as_unsupported(moons, change, message):
    layers = [dict(layer) for layer in moons.layers]
    if "activation" in change:
        layers[0]["activation"] = change.pop("activation")
    with pytest.raises(Unsupported) as refused:
        NaiveMoonsNet(layers, **change)
    assert str(refused.value) == message


@pytest.mark.slow
def test_the_examples_suite_fights_the_naive_network_and_holds_parity_with_david(tmp_path):
    suite = load_suite(ROOT / "examples" / "my_network.toml", seeds=1, fighters=["david", "mine"])
    mine = suite.user_fighters["mine"]
    assert mine.model == f"{ROOT / 'examples' / 'naive_moons_net.py'}:NaiveMoonsNet"
    run_suite(suite, tmp_path / "run", suite.cases, Progress(0), cache_dir=tmp_path / "cache")
    (fight,) = load_run(tmp_path / "run").fights
    assert fight.fighters["mine"].status == "ok"
    parity = fight.parity["mine"]
    assert parity.epochs_compared == 30
    assert parity.max_loss_difference < 1e-12 and parity.max_weight_difference < 1e-12


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A package installed on the path that registers two fighters, one under a roster name."""
    (tmp_path / "demo_fighters.py").write_text("from numpy_nn import Network as DemoNet\n")
    info = tmp_path / "demo_fighters-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-fighters\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\ndemo = demo_fighters:DemoNet\ndavid = demo_fighters:DemoNet\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    # Worker processes find the package the way the coordinator does.
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return tmp_path


def test_an_installed_package_registers_fighters_through_the_entry_point_group(installed, capsys):
    fighters = installed_fighters()
    assert sorted(fighters) == ["demo"]  # the roster's names stay the roster's
    assert fighters["demo"].model == "demo_fighters:DemoNet"
    assert fighters["demo"].description == "demo_fighters:DemoNet (registered by demo-fighters)"
    assert main(["list"]) == 0
    assert "    demo                 installed    demo_fighters:DemoNet" in capsys.readouterr().out


def test_a_suite_names_an_installed_fighter_and_it_fights(installed):
    path = installed / "suite.toml"
    path.write_text(
        textwrap.dedent(
            """
            [defaults]
            seeds = 1
            epochs = 3
            dtype = "float64"
            fighters = ["david", "demo"]
            [[case]]
            name = "moons"
            dataset = "moons"
            dataset_params = { n_samples = 100 }
            hidden = [4]
            """
        )
    )
    suite = load_suite(path)
    run_suite(suite, installed / "run", suite.cases, Progress(0), cache_dir=installed / "cache")
    (fight,) = load_run(installed / "run").fights
    assert fight.fighters["demo"].status == "ok"
    assert fight.parity["demo"].max_loss_difference == 0.0  # David under another name
