"""Process settings are read from the environment at import, reported by settings(), and quiet.

Each case needs a fresh process: TensorFlow reads its settings once, when it loads.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, keras_ref\n"
    "from tensorflow.python.framework import config\n"
    "found = keras_ref.settings()\n"
    "found['determinism_enabled'] = config.is_op_determinism_enabled()\n"
    "print(json.dumps(found))\n"
)


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KERAS_BACKEND", "TF_ENABLE_ONEDNN_OPTS", "KERAS_REF_DETERMINISTIC")
    }
    env.update(environment, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("environment", "onednn", "deterministic"),
    [
        # TensorFlow as shipped chooses oneDNN by the CPU (on with AVX512_VNNI, BF16 or AMX;
        # off on, e.g., an AMD EPYC without AVX-512): read and recorded, not asserted.
        ({}, None, False),
        ({"TF_ENABLE_ONEDNN_OPTS": "1"}, True, False),
        ({"TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_REF_DETERMINISTIC": "1"}, False, True),
    ],
    ids=["shipped", "onednn-on", "parity"],
)
def test_settings_follow_the_environment(environment, onednn, deterministic):
    done = run_python(PROBE, **environment)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["backend"] == "tensorflow"
    assert isinstance(found["onednn"], bool)
    if onednn is not None:  # asserted only where the test sets it
        assert found["onednn"] is onednn
    assert found["deterministic"] is deterministic
    assert found["determinism_enabled"] is deterministic
    assert found["environment"]["KERAS_REF_DETERMINISTIC"] == environment.get(
        "KERAS_REF_DETERMINISTIC"
    )
    # TensorFlow's start-up notices ("oneDNN custom operations are on", absl) are kept quiet.
    assert "oneDNN" not in done.stderr and "absl" not in done.stderr


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        (
            {"KERAS_REF_DETERMINISTIC": "maybe"},
            "KERAS_REF_DETERMINISTIC='maybe'; choose one of 1, 0 (or true, false)",
        ),
        ({"KERAS_BACKEND": "torch"}, "KERAS_BACKEND='torch'; keras_ref supports tensorflow, jax"),
    ],
)
def test_bad_settings_are_refused_at_import(environment, message):
    done = run_python("import keras_ref", **environment)
    assert done.returncode != 0
    assert f"ValueError: {message}" in done.stderr


@pytest.mark.slow
def test_xla_under_op_determinism_is_refused_not_silently_dropped():
    """Keras would train without XLA and only warn; a result labelled XLA would be false."""
    code = (
        "import keras_ref\n"
        "try:\n"
        "    keras_ref.KerasNetwork([{'input_dim': 2, 'output_dim': 1, 'activation': 'sigmoid'}],"
        " jit_compile=True)\n"
        "except ValueError as err:\n"
        "    print(err)\n"
        "print(keras_ref.CompiledLoopNetwork("
        "[{'input_dim': 2, 'output_dim': 1, 'activation': 'sigmoid'}]).options['jit_compile'])\n"
    )
    done = run_python(code, KERAS_REF_DETERMINISTIC="1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == [
        "jit_compile=True: Keras turns XLA off while TensorFlow's op determinism is on "
        "(KERAS_REF_DETERMINISTIC=1); choose jit_compile=False or 'auto', or unset "
        "KERAS_REF_DETERMINISTIC",
        "True",  # the compiled loop asks tf.function for XLA itself, which determinism allows
    ]
