"""One fight measured: David, the floor and the matmuls timed side by side on the same batches."""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.studies.numpy_floor.fights import Fight, batch_order, make_data, step_flops
from bench.studies.numpy_floor.floor import Floor
from bench.studies.numpy_floor.timing import interleaved
from numpy_nn import Network


def run_fight(fight: Fight, quick: bool, repeats: int | None) -> dict[str, Any]:
    """Time David, the floor and the matmuls on one fight; check they compute the same."""
    rng = np.random.default_rng(0)
    n_samples = fight.quick_samples if quick and fight.quick_samples else fight.n_samples
    repeats = repeats or (max(3, fight.repeats // 10) if quick else fight.repeats)
    features, labels = make_data(fight, n_samples, rng)
    net = Network(fight.layers(), optimizer=dict(fight.optimizer), dtype="float32", seed=0)
    # What fit hands its epochs: contiguous float32 features, targets shaped like the output.
    x, y = net._check_x(features), net._check_y(labels, n_samples)
    floor = Floor(fight, net.get_flat_weights(), x, y)

    order = batch_order(n_samples, fight.batch_size, rng)
    net._run_epoch(x, y, order)
    floor.epoch(order)
    weight_gap = float(np.max(np.abs(net.get_flat_weights() - floor.params)))
    floor.matmul_epoch(order)  # warm-up

    timings = interleaved(
        {
            "david": lambda batches: net._run_epoch(x, y, batches),
            "floor": floor.epoch,
            "matmul": floor.matmul_epoch,
        },
        lambda: batch_order(n_samples, fight.batch_size, rng),
        repeats,
    )
    epoch_flops = sum(step_flops(fight.sizes, len(indices)) for indices in order)
    stats = np.random.default_rng(1)
    matmul_rate = epoch_flops / timings.median("matmul") / 1e9
    return {
        "fight": fight,
        "n_samples": n_samples,
        "steps": len(order),
        "repeats": repeats,
        "step_flops": step_flops(fight.sizes, fight.batch_size),
        "weight_gap": weight_gap,
        "david_ms": timings.median("david") * 1e3,
        "floor_ms": timings.median("floor") * 1e3,
        "matmul_ms": timings.median("matmul") * 1e3,
        "david_over_floor": timings.paired_ratio("david", "floor", stats),
        # share of the matmul rate = matmul time / contestant time, paired per repeat
        "matmul_over_david": timings.paired_ratio("matmul", "david", stats),
        "matmul_over_floor": timings.paired_ratio("matmul", "floor", stats),
        "matmul_gflops": matmul_rate,
        "david_gflops": epoch_flops / timings.median("david") / 1e9,
    }
