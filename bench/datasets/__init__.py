"""Seeded datasets: generated or loaded, split, standardised, fingerprinted and cached.

Every fighter must train on the same bytes, so a dataset is a pure function of its name, its
resolved parameters, the seed and the content of any file it reads, and carries a SHA-256
fingerprint of its arrays. Modules: `registry` (the datasets and their parameters, checked by
`params`), `generators` (drawn and bundled data), `fashion_mnist` (read through `idx`),
`csv_file` (your own data), `split` (stratified, standardised), `cache`, and `dataset`.
"""

from .dataset import GENERATOR_VERSION, Dataset, load_dataset
from .errors import DatasetError
from .registry import DATASETS, describe_datasets, resolve_params

__all__ = [
    "DATASETS",
    "GENERATOR_VERSION",
    "Dataset",
    "DatasetError",
    "describe_datasets",
    "load_dataset",
    "resolve_params",
]
