"""`python -m bench.studies.numpy_floor`: David at the NumPy floor (see the package's docstring)."""

from bench.studies.numpy_floor.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
