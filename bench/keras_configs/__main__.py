"""`python -m bench.keras_configs`: Keras configurations against David (see the package doc)."""

import sys

from bench.keras_configs.cli import main

if __name__ == "__main__":
    sys.exit(main())
