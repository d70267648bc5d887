"""Shared test material: seed 002's network and a helper to compare two fighters' weights."""

import numpy as np

SEED_002_NETWORK = [
    {"input_dim": 2, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 1, "activation": "sigmoid"},
]


def max_weight_difference(a, b) -> float:
    """Largest absolute difference between two lists of (W, b) pairs."""
    return max(
        float(np.max(np.abs(np.asarray(p, dtype=np.float64) - np.asarray(q, dtype=np.float64))))
        for (wa, ba), (wb, bb) in zip(a, b, strict=True)
        for p, q in ((wa, wb), (ba, bb))
    )
