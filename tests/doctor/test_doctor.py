"""The doctor: a correct network passes; each planted bug is pinned to its check, layer and term.

One worker pool serves the module, so Keras (the reference) is imported once. The networks are
the worked example (examples/naive_moons_net.py) and copies of it with one classic bug each
(tests/fighters/planted_bugs.py).
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from patients import examine as examined

from bench.cli import main
from bench.doctor.run import Options, diagnose
from bench.fighters.roster import FighterConfig

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "naive_moons_net.py"
PLANTED = Path(__file__).parents[1] / "fixtures" / "fighters" / "planted_bugs.py"
MISBEHAVING = Path(__file__).parents[1] / "fixtures" / "fighters" / "misbehaving.py"


def examine(pool, path, class_name, **options):
    """The doctor's diagnosis of path:class_name, the moons problem only unless told."""
    return examined(pool, path, class_name, **{"problems": ["moons"], **options})


@pytest.mark.slow
def test_the_worked_example_passes_every_check(pool):
    diagnosis = examine(pool, EXAMPLE, "NaiveMoonsNet", problems=["moons", "blobs", "circles"])
    assert diagnosis.failure is None
    assert [(f.check, f.status, f.optimizer) for f in diagnosis.findings] == [
        ("forward", "pass", None),
        ("gradients", "pass", None),
        ("training", "pass", "sgd"),
        ("training", "pass", "momentum"),
    ]
    # float64 rounding apart: the same function as Keras.
    assert all(f.gap < 1e-13 for f in diagnosis.findings)
    assert diagnosis.problems[1:] == [
        ("blobs", "skipped: your network does not support layer 0: activation 'tanh'"),
        ("circles", "skipped: your network does not support layer 0: activation 'tanh'"),
    ]


def test_gradients_read_from_an_sgd_step_when_the_class_has_no_gradients_method(pool):
    diagnosis = examine(pool, PLANTED, "GradientsBySgdStep", optimizers=["sgd"])
    assert diagnosis.failure is None
    gradients = diagnosis.findings[1]
    assert gradients.details[0] == (
        "your gradients read with one plain SGD step at learning rate 1 (W - W')"
    )
    assert gradients.gap < 1e-12


def test_a_bias_gradient_without_its_1_over_m_is_pinned_to_db(pool):
    failure = examine(pool, PLANTED, "BiasGradientScale").failure
    assert (failure.check, failure.layer, failure.parameter) == ("gradients", 2, "b")
    assert failure.hint == (
        "db of layer 2 is m = 64 times Keras's: the 1/m of the mean over the batch is missing"
    )
    verdicts = {(row[0], row[2]): row[5] for row in failure.table[1]}
    assert verdicts == {
        (layer, param): ("WRONG" if param == "b" else "ok") for layer in "012" for param in "Wb"
    }
    assert failure.gap == pytest.approx(63.0)  # |64 db - db| / |db|


def test_a_sigmoid_derivative_taken_on_the_pre_activation_is_named(pool):
    failure = examine(pool, PLANTED, "SigmoidDerivative").failure
    # The output layer is the first wrong in back-propagation order; the layers below inherit.
    assert (failure.check, failure.layer, failure.parameter) == ("gradients", 2, "W and b")
    assert failure.hint.startswith(
        "the sigmoid derivative computed on the pre-activation Z as if it were the activation"
    )
    assert failure.message.endswith("also wrong below it: layer 1, 0")


def test_a_missing_relu_derivative_is_pinned_to_the_hidden_relu_layer(pool):
    failure = examine(pool, PLANTED, "ReluDerivative").failure
    assert (failure.check, failure.layer, failure.parameter) == ("gradients", 0, "W and b")
    assert failure.hint == "the relu derivative left out (dZ = dA)"
    assert failure.message.startswith("layer 0 (relu, 2->6): dW and db differ from Keras's")


def test_weights_reshaped_instead_of_transposed_fail_the_forward_pass_at_layer_0(pool):
    failure = examine(pool, PLANTED, "TransposedLayout").failure
    assert (failure.check, failure.layer) == ("forward", 0)
    assert failure.message.startswith(
        "layer 0 (relu, 2->6) is the first whose output differs from Keras's: largest gap"
    )
    assert failure.hint.startswith("W read in (output_dim, input_dim) order by reshape")


def test_a_velocity_applied_before_its_update_parts_at_step_1(pool):
    diagnosis = examine(pool, PLANTED, "VelocityOrder")
    failure = diagnosis.failure
    assert [f.status for f in diagnosis.findings[:2]] == ["pass", "pass"]  # forward, gradients
    assert (failure.check, failure.optimizer, failure.step) == ("training", "sgd", 1)
    assert "the trajectories part at step 1 of 50" in failure.message
    assert failure.hint.startswith("your weights did not move in the first step: a velocity")


@pytest.mark.slow
def test_a_network_that_raises_crashes_or_hangs_fails_its_check_and_the_pool_goes_on(pool):
    raiser = examine(pool, MISBEHAVING, "Raiser").failure
    assert (raiser.check, raiser.message) == (
        "gradients",
        "your network raised RuntimeError: out of memory (simulated) while computing gradients",
    )
    assert raiser.traceback[-1] == "RuntimeError: out of memory (simulated)"
    crasher = examine(pool, MISBEHAVING, "Crasher").failure
    assert crasher.check == "gradients"
    assert crasher.message.startswith(
        "your network's process died while computing gradients (limit 120 s): SIGSEGV; log "
    )
    sleeper = examine(pool, MISBEHAVING, "Sleeper", time_limit=3.0).failure
    assert (sleeper.check, sleeper.message) == (
        "gradients",
        "your network's process timed out while computing gradients (limit 3 s): worker killed",
    )
    # The doctor goes on with the next patient in the same pool.
    assert examine(pool, EXAMPLE, "NaiveMoonsNet", optimizers=["sgd"]).failure is None


def test_a_network_that_supports_no_problem_says_so(pool):
    diagnosis = examine(pool, MISBEHAVING, "Picky", problems=None)
    assert diagnosis.failure.message == (
        "no problem the network supports: it refused every problem: anything at all"
    )


@pytest.mark.slow
def test_david_passes_the_doctor_on_every_problem_and_optimiser(pool):
    patient = {"name": "david", "display": "David", "description": "numpy_nn"}
    diagnosis = diagnose(
        FighterConfig(**patient, model="numpy_nn:Network"),
        Options(optimizers=["sgd", "momentum", "adam"], speed=False),
        pool.log_dir,
        lambda line: None,
        pool,
    )
    assert diagnosis.failure is None
    assert [(f.check, f.problem) for f in diagnosis.findings if f.check != "training"] == [
        ("forward", "moons"),
        ("forward", "blobs"),
        ("forward", "circles"),
        ("gradients", "moons"),
        ("gradients", "blobs"),
        ("gradients", "circles"),
    ]
    assert [f.optimizer for f in diagnosis.findings if f.check == "training"] == [
        "sgd",
        "momentum",
        "adam",
    ]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nobody", "doctor: unknown fighter 'nobody'; give PATH.py:CLASS"),
        ("missing.py:Net", "doctor: 'missing.py:Net': no such file"),
        ("examples/naive_moons_net.py:1x", "doctor: 'examples/naive_moons_net.py:1x': '1x' is not"),
    ],
)
def test_a_bad_target_is_refused_before_anything_starts(target, message, capsys):
    assert main(["doctor", target]) == 2
    assert capsys.readouterr().err.startswith(f"error: {message}")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--problems", "moons,spiral"], "--problems 'moons,spiral': choose from moons, blobs"),
        (["--optimizers", "nag"], "--optimizers 'nag': choose from sgd, momentum, adam"),
        (["--steps", "0"], "--steps must be at least 1, got 0"),
        (["--time-limit", "nan"], "--time-limit must be a number of seconds > 0, got nan"),
        (
            ["--layers", "2-x-1", "--activations", "sigmoid", "--loss", "mean_squared_error"],
            "--layers '2-x-1': give the widths from input to output, e.g. 2-5-1",
        ),
        (
            ["--layers", "2-5-1", "--activations", "sigmoid,swish", "--loss", "mean_squared_error"],
            "--activations: unknown activation 'swish'; choose one of relu, sigmoid, tanh, linear",
        ),
        (
            ["--layers", "2-5-1", "--activations", "sigmoid", "--loss", "mean_squared_error"],
            "--activations 'sigmoid': 1 activation(s) for the 2 layer(s) of --layers 2-5-1",
        ),
        (
            ["--layers", "2-5-1", "--activations", "sigmoid,sigmoid", "--loss", "hinge"],
            "--loss 'hinge': choose one of binary_crossentropy, categorical_crossentropy",
        ),
        (["--layers", "2-5-1"], "--activations, --loss missing: a stated problem needs"),
    ],
)
def test_bad_options_are_refused_with_the_valid_choices(flags, message, capsys):
    assert main(["doctor", f"{EXAMPLE}:NaiveMoonsNet", *flags]) == 2
    assert capsys.readouterr().err.startswith(f"error: {message}")


@pytest.mark.slow
def test_the_command_prints_the_report_writes_markdown_and_never_imports_tensorflow(tmp_path):
    out = tmp_path / "doctor" / "bug.md"
    code = textwrap.dedent(
        f"""
        import sys
        from bench.cli import main
        code = main(["doctor", "{PLANTED}:SigmoidDerivative", "--out", "{out}",
                     "--problems", "moons"])
        loaded = {{"tensorflow", "keras", "keras_ref"}} & set(sys.modules)
        assert not loaded, loaded
        sys.exit(code)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 1, done.stderr
    verdict = "FAIL at check 2 (gradients), problem moons, layer 2 W and b"
    assert f"verdict: {verdict}\n" in done.stdout
    assert "   not run: the doctor stops at the first failure" in done.stdout
    markdown = out.read_text()
    assert f"**{verdict}**" in markdown
    assert "| 2 | sigmoid | W |" in markdown
    assert (tmp_path / "doctor" / "bug-logs" / "yours.log").exists()
