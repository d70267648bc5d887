"""David at the NumPy floor: his training step against the same maths written as plain NumPy.

    python -m bench.studies.numpy_floor [--quick] [--repeats N] [--threads N] [--fights NAME,...]

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
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m bench.studies.numpy_floor
"""

from bench.studies.numpy_floor.cli import main
from bench.studies.numpy_floor.fights import (
    DTYPE,
    FIGHTS,
    MOONS,
    WIDE,
    Fight,
    batch_order,
    make_data,
    step_flops,
)
from bench.studies.numpy_floor.floor import Floor
from bench.studies.numpy_floor.measure import run_fight
from bench.studies.numpy_floor.table import environment, load_average, report
from bench.studies.numpy_floor.timing import Timings, interleaved, peak_sgemm_gflops

__all__ = [
    "DTYPE",
    "FIGHTS",
    "MOONS",
    "WIDE",
    "Fight",
    "Floor",
    "Timings",
    "batch_order",
    "environment",
    "interleaved",
    "load_average",
    "main",
    "make_data",
    "peak_sgemm_gflops",
    "report",
    "run_fight",
    "step_flops",
]
