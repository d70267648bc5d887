"""David at the NumPy floor: his training step against the same maths written as plain NumPy.

    python -m bench.numpy_floor [--quick] [--repeats N] [--threads N] [--fights NAME,...]

For each fight, in one process and interleaved (the order rotates every repeat), this times:
- David: one epoch of `Network` training steps (its internals, no evaluation: what fit's
  `epoch_seconds` measures);
- the floor: the same steps hand-written as straight NumPy (flat parameter buffer, preallocated
  batch buffers, in-place operations, Adam's passes over cache-sized pieces, no classes, no
  checks); both start from the same weights and follow the same batches, and after one epoch
  from the same start they must hold the same weights bit for bit (the "same weights" column),
  which is what makes this the same maths;
- matmul: only the step's matrix products (forward, weight gradients, input gradients) on the
  same shapes, which measures the machine's float32 matmul rate at the fight's shapes.
It prints ms/epoch (medians), David/floor (median of the paired per-repeat ratios with a bootstrap
95% interval, and the ratio of the fastest epochs), FLOPs per step, and the GFLOP/s David achieves
as a share of the matmul rate. Timings on a shared machine are noisy: read the ratios, not the ms.
Imports only NumPy, numpy_nn, threadpoolctl and the standard library.

The BLAS kernel decides the matmul rate. To see OpenBLAS at its native kernel on a machine that
pins one (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE), unset both for this command only:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m bench.numpy_floor
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from numpy_nn import Network
from numpy_nn.optimizers import PIECE_BYTES

DTYPE = np.float32


@dataclass(frozen=True)
class Fight:
    """A network, an optimiser and a data shape: what one row of the table times."""

    name: str
    sizes: tuple[int, ...]  # input, hidden..., output units; hidden layers are relu
    head: str  # "sigmoid" (binary cross-entropy) or "softmax" (categorical cross-entropy)
    optimizer: dict[str, Any]
    n_samples: int
    batch_size: int
    repeats: int  # timed epochs per contestant (--quick divides it)
    quick_samples: int = 0  # fewer samples (same shapes per step) under --quick; 0: unchanged

    def layers(self) -> list[dict[str, Any]]:
        """The numpy_nn layer spec."""
        pairs = list(zip(self.sizes[:-1], self.sizes[1:], strict=True))
        return [
            {
                "input_dim": fan_in,
                "output_dim": fan_out,
                "activation": self.head if index == len(pairs) - 1 else "relu",
            }
            for index, (fan_in, fan_out) in enumerate(pairs)
        ]


MOONS = (2, 25, 50, 50, 25, 1)  # the moons article's network
WIDE = (784, 2048, 2048, 10)
FIGHTS = [
    Fight("moons-sgd", MOONS, "sigmoid", {"name": "sgd", "learning_rate": 0.01}, 900, 32, 300),
    Fight("moons-adam", MOONS, "sigmoid", {"name": "adam", "learning_rate": 0.001}, 900, 32, 300),
    Fight(
        "w2048-sgd", WIDE, "softmax", {"name": "sgd", "learning_rate": 0.01}, 10_000, 128, 7, 2048
    ),
    Fight(
        "w2048-adam",
        WIDE,
        "softmax",
        {"name": "adam", "learning_rate": 0.001},
        10_000,
        128,
        7,
        2048,
    ),
]


# ------------------------------------------------------------------------------------ data


def make_data(fight: Fight, n_samples: int, rng: np.random.Generator):
    """Features and labels of the fight's shape: two noisy moons, or Gaussian 784-pixel images."""
    if fight.sizes[0] == 2:
        # sklearn's make_moons, written out: two interleaved half circles plus noise 0.2.
        half = n_samples // 2
        t_outer, t_inner = np.linspace(0, np.pi, n_samples - half), np.linspace(0, np.pi, half)
        x = np.concatenate(
            [
                np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1),
                np.stack([1 - np.cos(t_inner), 0.5 - np.sin(t_inner)], axis=1),
            ]
        )
        x += rng.normal(0, 0.2, size=x.shape)
        x = (x - x.mean(axis=0)) / x.std(axis=0)
        labels = np.repeat([0, 1], [n_samples - half, half])
    else:
        x = rng.standard_normal((n_samples, fight.sizes[0]))
        labels = rng.integers(0, fight.sizes[-1], size=n_samples)
    return x.astype(DTYPE), labels


def batch_order(n_samples: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch: a fresh permutation cut into batches (the last one may be smaller)."""
    perm = rng.permutation(n_samples)
    return [perm[i : i + batch_size] for i in range(0, n_samples, batch_size)]


def step_flops(sizes: tuple[int, ...], rows: int) -> int:
    """Matmul FLOPs of one step: forward, weight gradients, input gradients (not the first)."""
    products = [fan_in * fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True)]
    return 2 * rows * (2 * sum(products) + sum(products[1:]))


# ------------------------------------------------------------------------------------ the floor


class Floor:
    """The fight's training step as plain NumPy: what the step costs with nothing around it.

    Same maths as numpy_nn, operation for operation (so the weights come out bit-identical), with
    every buffer allocated once: parameters and gradients in one flat array each (one optimiser
    pass per step), per-batch-size views of preallocated layer buffers, in-place activations.
    """

    def __init__(self, fight: Fight, flat_weights: np.ndarray, x: np.ndarray, y: np.ndarray):
        self.sizes, self.x, self.y = fight.sizes, x, y
        self.sigmoid = fight.head == "sigmoid"
        self.params = flat_weights.astype(DTYPE, copy=True)
        self.grads = np.zeros_like(self.params)
        self.weights, self.biases = self._views(self.params)
        self.grad_weights, self.grad_biases = self._views(self.grads)
        self.n_layers = len(self.weights)
        rows = fight.batch_size
        self._x_rows = np.empty((rows, self.sizes[0]), DTYPE)
        self._y_rows = np.empty((rows, self.sizes[-1]), DTYPE)
        self._z_rows = [np.empty((rows, units), DTYPE) for units in self.sizes[1:]]
        self._g_rows = [np.empty((rows, units), DTYPE) for units in self.sizes[1:]]
        self._scratch_rows = np.empty((rows, self.sizes[-1]), DTYPE)
        self.buffers: dict[int, tuple] = {}
        spec = fight.optimizer
        self.adam = spec["name"] == "adam"
        self.lr = DTYPE(spec["learning_rate"])
        if self.adam:  # Keras's Adam, as numpy_nn.Adam computes it
            self.beta_1, self.beta_2, self.epsilon = 0.9, 0.999, 1e-7
            self.m, self.v = np.zeros_like(self.params), np.zeros_like(self.params)
            self.scratch = np.zeros_like(self.params)
            self.iterations = 0

    def _views(self, flat: np.ndarray):
        weights, biases, start = [], [], 0
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            weights.append(flat[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
            start += fan_in * fan_out
            biases.append(flat[start : start + fan_out])
            start += fan_out
        return weights, biases

    def _rows(self, rows: int) -> tuple:
        """The batch buffers for `rows` rows: leading-row views of the full-batch buffers."""
        buffers = (
            self._x_rows[:rows],
            self._y_rows[:rows],
            [z[:rows] for z in self._z_rows],
            [g[:rows] for g in self._g_rows],
            self._scratch_rows[:rows],
        )
        self.buffers[rows] = buffers
        return buffers

    def epoch(self, order: list[np.ndarray]) -> None:
        """One epoch of training steps over the batches in `order`."""
        x, y, weights, biases = self.x, self.y, self.weights, self.biases
        grad_weights, grad_biases = self.grad_weights, self.grad_biases
        last = self.n_layers - 1
        matmul, maximum, multiply = np.matmul, np.maximum, np.multiply
        add_reduce = np.add.reduce
        for indices in order:
            rows = len(indices)
            buffers = self.buffers.get(rows) or self._rows(rows)
            xb, yb, zs, gs, scratch = buffers
            x.take(indices, 0, xb, "clip")
            y.take(indices, 0, yb, "clip")
            # forward: relu hidden layers, in place
            a = xb
            for i in range(last):
                z = zs[i]
                matmul(a, weights[i], out=z)
                z += biases[i]
                maximum(z, 0.0, out=z)
                a = z
            out = zs[last]
            matmul(a, weights[last], out=out)
            out += biases[last]
            if self.sigmoid:  # exp(min(z, 0)) / (1 + exp(-|z|)): exp never overflows
                np.abs(out, out=scratch)
                np.negative(scratch, out=scratch)
                np.exp(scratch, out=scratch)
                scratch += 1.0
                np.minimum(out, 0.0, out=out)
                np.exp(out, out=out)
                out /= scratch
            else:
                out -= out.max(axis=1, keepdims=True)
                np.exp(out, out=out)
                out /= out.sum(axis=1, keepdims=True)
            # fused cross-entropy gradient: (p - y) / n (and / units for binary cross-entropy)
            g = gs[last]
            np.subtract(out, yb, out=g)
            g /= out.size if self.sigmoid else rows
            for i in range(last, 0, -1):
                a_in = zs[i - 1]
                matmul(a_in.T, g, out=grad_weights[i])
                add_reduce(g, axis=0, out=grad_biases[i])
                previous = gs[i - 1]
                matmul(g, weights[i].T, out=previous)
                multiply(previous, a_in > 0, out=previous)
                g = previous
            matmul(xb.T, g, out=grad_weights[0])
            add_reduce(g, axis=0, out=grad_biases[0])
            if self.adam:
                self._adam()
            else:
                self.grads *= self.lr
                self.params -= self.grads

    def _adam(self) -> None:
        step = DTYPE(self.iterations + 1)
        beta_1_power = np.power(DTYPE(np.float32(self.beta_1)), step)
        beta_2_power = np.power(DTYPE(np.float32(self.beta_2)), step)
        alpha = self.lr * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        one_minus_beta_1, one_minus_beta_2 = DTYPE(1 - self.beta_1), DTYPE(1 - self.beta_2)
        epsilon = DTYPE(self.epsilon)
        # The dozen passes run over cache-sized pieces, as numpy_nn's optimisers do.
        piece = PIECE_BYTES // self.params.itemsize
        for start in range(0, self.params.size, piece):
            part = slice(start, start + piece)
            params, grads, scratch = self.params[part], self.grads[part], self.scratch[part]
            m, v = self.m[part], self.v[part]
            np.subtract(grads, m, out=scratch)
            scratch *= one_minus_beta_1
            m += scratch
            np.square(grads, out=scratch)
            scratch -= v
            scratch *= one_minus_beta_2
            v += scratch
            np.sqrt(v, out=grads)
            grads += epsilon
            np.multiply(m, alpha, out=scratch)
            scratch /= grads
            params -= scratch
        self.iterations += 1

    def matmul_epoch(self, order: list[np.ndarray]) -> None:
        """Only the matrix products of one epoch's steps, on the floor's own buffers."""
        weights, grad_weights, last = self.weights, self.grad_weights, self.n_layers - 1
        matmul = np.matmul
        for indices in order:
            rows = len(indices)
            xb, _, zs, gs, _ = self.buffers.get(rows) or self._rows(rows)
            a = xb
            for w, z in zip(weights, zs, strict=True):
                matmul(a, w, out=z)
                a = z
            for i in range(last, 0, -1):
                matmul(zs[i - 1].T, gs[i], out=grad_weights[i])
                matmul(gs[i], weights[i].T, out=gs[i - 1])
            matmul(xb.T, gs[0], out=grad_weights[0])


# ------------------------------------------------------------------------------------ timing


@dataclass
class Timings:
    """Seconds per epoch, one list per contestant, in repeat order."""

    seconds: dict[str, list[float]] = field(default_factory=dict)

    def median(self, name: str) -> float:
        """Median seconds per epoch of one contestant."""
        return float(np.median(self.seconds[name]))

    def paired_ratio(self, top: str, bottom: str, rng: np.random.Generator):
        """Median of the per-repeat ratios top/bottom, its bootstrap 95% interval, min/min."""
        ratios = np.divide(self.seconds[top], self.seconds[bottom])
        resampled = rng.choice(ratios, size=(2000, ratios.size), replace=True)
        low, high = np.percentile(np.median(resampled, axis=1), [2.5, 97.5])
        fastest = min(self.seconds[top]) / min(self.seconds[bottom])
        return float(np.median(ratios)), float(low), float(high), fastest


def interleaved(
    contestants: dict[str, Callable[[list[np.ndarray]], None]],
    orders: Callable[[], list[np.ndarray]],
    repeats: int,
) -> Timings:
    """Time one epoch of each contestant per repeat, rotating who goes first; gc off."""
    timings = Timings({name: [] for name in contestants})
    names = list(contestants)
    was_enabled = gc.isenabled()
    gc.disable()  # as timeit does: a collection would land on whoever happens to be running
    try:
        for repeat in range(repeats):
            order = orders()
            turn = repeat % len(names)
            for name in names[turn:] + names[:turn]:
                start = time.perf_counter()
                contestants[name](order)
                timings.seconds[name].append(time.perf_counter() - start)
    finally:
        if was_enabled:
            gc.enable()
    return timings


def peak_sgemm_gflops(n: int = 2048, repeats: int = 5) -> float:
    """Best float32 GFLOP/s of an n x n x n matrix product (the BLAS's best case)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n), dtype=DTYPE), rng.standard_normal((n, n), dtype=DTYPE)
    out = np.empty((n, n), DTYPE)
    np.matmul(a, b, out=out)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


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


# ------------------------------------------------------------------------------------ report


def environment() -> list[str]:
    """The BLAS and the settings that decide its speed."""
    lines = [f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}"]
    for pool in threadpool_info():
        lines.append(
            f"{pool.get('internal_api')} {pool.get('version')}: kernel "
            f"{pool.get('architecture')}, {pool.get('num_threads')} threads "
            f"({pool.get('threading_layer')})"
        )
    settings = {k: v for k, v in sorted(os.environ.items()) if k.startswith("OPENBLAS_")}
    lines.append(
        "OPENBLAS_* env: " + (", ".join(f"{k}={v}" for k, v in settings.items()) or "none")
    )
    lines.append(f"{os.cpu_count()} CPUs, {load_average()}")
    return lines


def load_average() -> str:
    """The 1-minute load average: other work on the CPUs makes the timings noisy."""
    return f"load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""


def _ratio(values: tuple[float, float, float, float], percent: bool = False) -> str:
    median, low, high, fastest = values
    if percent:
        return f"{100 * median:5.1f}% [{100 * low:.1f}, {100 * high:.1f}]"
    return f"{median:.3f} [{low:.3f}, {high:.3f}] min {fastest:.3f}"


def report(rows: list[dict[str, Any]]) -> str:
    """The results table."""
    header = (
        f"{'fight':11} {'steps':>5} {'MFLOP/step':>10} {'reps':>4} {'David ms':>9} "
        f"{'floor ms':>9} {'David/floor median [95%] min/min':>34} {'matmul ms':>9} "
        f"{'GFLOP/s':>7} {'David GFLOP/s':>13} {'David % of matmul [95%]':>24} {'floor %':>7} "
        "same weights"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        gap = row["weight_gap"]
        lines.append(
            f"{row['fight'].name:11} {row['steps']:5d} {row['step_flops'] / 1e6:10.2f} "
            f"{row['repeats']:4d} {row['david_ms']:9.2f} {row['floor_ms']:9.2f} "
            f"{_ratio(row['david_over_floor']):>34} {row['matmul_ms']:9.2f} "
            f"{row['matmul_gflops']:7.1f} {row['david_gflops']:13.1f} "
            f"{_ratio(row['matmul_over_david'], True):>24} "
            f"{100 * row['matmul_over_floor'][0]:6.1f}% "
            + ("bit-identical" if gap == 0 else f"max |dW| {gap:.2g}")
        )
    lines.append(
        "GFLOP/s: the float32 matmul rate at the fight's shapes (matmul-only epochs); "
        "David % of matmul: the median over repeats of matmul ms / David ms."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the fights and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.numpy_floor", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and samples")
    parser.add_argument("--repeats", type=int, help="timed epochs per contestant")
    parser.add_argument("--threads", type=int, help="BLAS threads (default: as configured)")
    names = [fight.name for fight in FIGHTS]
    parser.add_argument("--fights", default=",".join(names), help=f"of {', '.join(names)}")
    args = parser.parse_args(argv)
    chosen = args.fights.split(",")
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        parser.error(f"unknown fight(s) {unknown}; choose from {', '.join(names)}")
    with threadpool_limits(limits=args.threads, user_api="blas"):
        print("\n".join(environment()))
        print(f"peak float32 matmul (2048^3): {peak_sgemm_gflops():.1f} GFLOP/s")
        rows = []
        for fight in FIGHTS:
            if fight.name in chosen:
                rows.append(run_fight(fight, args.quick, args.repeats))
                print(report(rows[-1:]).splitlines()[-2], flush=True)
        print()
        print(report(rows))
        print(f"at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
