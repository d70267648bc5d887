"""Whether NumPy's BLAS runs the best kernels the CPU has: an older kernel changes who wins.

OpenBLAS picks its kernels for the CPU at load time unless OPENBLAS_CORETYPE forces a family.
threadpoolctl reports the family in use ("Haswell", "SkylakeX", ...); the CPU's flags say what it
could run. David and scikit-learn compute their matrix products in NumPy's BLAS, TensorFlow and
JAX in their own kernels, so an older BLAS kernel handicaps only one side of a fight.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Instruction-set levels, oldest first.
LEVELS = ("SSE", "AVX", "AVX2", "AVX-512")
# OpenBLAS core families by the widest vector instructions their kernels use.
KERNEL_LEVELS = {
    **dict.fromkeys(("skylakex", "cooperlake", "sapphirerapids"), "AVX-512"),
    **dict.fromkeys(("haswell", "zen", "excavator"), "AVX2"),
    **dict.fromkeys(("sandybridge", "bulldozer", "piledriver", "steamroller"), "AVX"),
    **dict.fromkeys(
        ("prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "barcelona", "opteron"),
        "SSE",
    ),
}


def cpu_level(flags: Iterable[str]) -> str:
    """The widest vector instruction set among the CPU's flags."""
    flags = set(flags)
    if "avx512f" in flags:
        return "AVX-512"
    if "avx2" in flags:
        return "AVX2"
    return "AVX" if "avx" in flags else "SSE"


def kernel_level(architecture: str | None) -> str | None:
    """The instruction set of an OpenBLAS kernel family, None when unknown."""
    return KERNEL_LEVELS.get(str(architecture or "").lower())


def older_kernels(cpu: str, pools: Iterable[Mapping[str, Any]]) -> list[str]:
    """The BLAS pools ('openblas 0.3.30 Haswell (AVX2)') whose kernels are older than the CPU's."""
    if cpu not in LEVELS:
        return []
    older = []
    for pool in pools:
        level = kernel_level(pool.get("architecture"))
        if level is not None and LEVELS.index(level) < LEVELS.index(cpu):
            older.append(f"{pool.get('library')} {pool.get('architecture')} ({level})")
    return list(dict.fromkeys(older))
