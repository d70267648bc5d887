"""`python -m bench.datasets`: are Fashion-MNIST's four files here, and are they genuine?"""

from __future__ import annotations

import sys

from . import fashion_mnist
from .errors import DatasetError


def main() -> int:
    """Print where the files are and that their checksums match; exit 2 (and say how) if not."""
    try:
        paths = fashion_mnist.locate()
        fashion_mnist.read_official()
    except DatasetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for key, path in paths.items():
        checksums = fashion_mnist.FILES[key].checksums
        print(f"{path}: genuine (content SHA-256 {checksums.sha256})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
