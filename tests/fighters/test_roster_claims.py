"""A fighter's description claims only what its process is started with, on any CPU.

Before: `keras-xla` was described as "oneDNN on" but left TF_ENABLE_ONEDNN_OPTS unset, so on an
AMD EPYC without AVX-512 (where TensorFlow as shipped leaves oneDNN off) its process reported
oneDNN off: "at full strength" was not what ran.
"""

import pytest

from bench.fighters.roster import ROSTER

CLAIMS = {  # words in a description -> the variable and value its env must set
    "oneDNN kernels on": ("TF_ENABLE_ONEDNN_OPTS", "1"),
    "oneDNN off": ("TF_ENABLE_ONEDNN_OPTS", "0"),
    "determinism on": ("KERAS_REF_DETERMINISTIC", "1"),
}


@pytest.mark.parametrize("name", list(ROSTER))
def test_every_claimed_setting_is_set_explicitly(name):
    config = ROSTER[name]
    for words, (variable, value) in CLAIMS.items():
        if words in config.description:
            assert config.env.get(variable) == value, (name, words)


def test_full_strength_keras_sets_onednn_on():
    config = ROSTER["keras-xla"]
    assert "full strength" in config.description
    assert "oneDNN kernels on" in config.description
    assert config.env["TF_ENABLE_ONEDNN_OPTS"] == "1"


def test_as_shipped_keras_leaves_onednn_to_tensorflow():
    assert "TF_ENABLE_ONEDNN_OPTS" not in ROSTER["keras"].env
