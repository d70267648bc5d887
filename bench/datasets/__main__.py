"""`python -m bench.datasets [--download]`: are Fashion-MNIST's four files here and genuine?

With --download, files not found anywhere are first downloaded into the project's data folder
(datasets/fashion-mnist/), each checked against datasets/checksums.toml before it is kept.
"""

from __future__ import annotations

import argparse
import sys

from . import fashion_mnist
from .download import download
from .errors import DatasetError


def main(argv: list[str] | None = None) -> int:
    """Print where the files are and that their checksums match; exit 2 (and say how) if not."""
    parser = argparse.ArgumentParser(prog="python -m bench.datasets", description=__doc__)
    parser.add_argument(
        "--download", action="store_true", help="download missing files into datasets/ first"
    )
    args = parser.parse_args([] if argv is None else argv)
    try:
        try:
            fashion_mnist.locate()
        except DatasetError:
            if not args.download:
                raise
            for path in download(fashion_mnist.NAME):
                print(f"{path}: downloaded and checked")
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
    sys.exit(main(sys.argv[1:]))
