"""`python -m bench.studies.keras_configs`: Keras configurations against David (package doc)."""

import sys

from bench.studies.keras_configs.cli import main

if __name__ == "__main__":
    sys.exit(main())
