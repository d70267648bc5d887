"""Your own data: a CSV file with a header row, one sample per row, a column of class labels.

Rows in messages are data rows counted from 1: row 1 is the line after the header.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from .errors import DatasetError
from .split import Split, stratified_split


def check_params(params: dict[str, Any]) -> None:
    """A DatasetError if the feature list repeats a column or includes the target."""
    features = params["features"]
    if features is None:
        return
    if params["target"] in features:
        raise DatasetError(
            f"dataset 'csv': the target {params['target']!r} cannot also be a feature"
        )
    repeated = sorted({name for name in features if features.count(name) > 1})
    if repeated:
        raise DatasetError(f"dataset 'csv': features lists {', '.join(map(repr, repeated))} twice")


def read(params: dict[str, Any]) -> bytes:
    """The CSV file's bytes (their SHA-256 goes into the cache key)."""
    path = Path(params["path"])
    try:
        return path.read_bytes()
    except FileNotFoundError as err:
        where = "" if path.is_absolute() else f" (relative paths start from {Path.cwd()})"
        raise DatasetError(f"{path}: no such CSV file{where}") from err
    except IsADirectoryError as err:
        raise DatasetError(f"{path}: is a directory, not a CSV file") from err
    except OSError as err:
        raise DatasetError(f"{path}: cannot read ({err.strerror or err})") from err


def _parse(content: bytes, path: str) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            # pandas only warns when a row has more fields than the header, and drops them.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            # Blank lines are kept (as empty rows, reported), so row numbers match the file's.
            return pd.read_csv(io.BytesIO(content), index_col=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError as err:
        raise DatasetError(f"{path}: empty file, no header row") from err
    except UnicodeDecodeError as err:
        raise DatasetError(f"{path}: not UTF-8 text ({err})") from err
    except pd.errors.ParserWarning as err:
        raise DatasetError(f"{path}: rows have more fields than the header has columns") from err
    except (pd.errors.ParserError, ValueError) as err:
        fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if fields:
            columns, line, found = map(int, fields.groups())
            raise DatasetError(
                f"{path}: row {line - 1} (line {line}) has {found} fields; the header has "
                f"{columns} columns"
            ) from err
        raise DatasetError(f"{path}: not a valid CSV file ({str(err).strip()})") from err


def _header(content: bytes, path: str) -> list[str]:
    """The header row's names as written (pandas would rename a repeated one 'label.1')."""
    names = pd.read_csv(io.BytesIO(content), header=None, nrows=1, dtype=str).iloc[0]
    return ["" if pd.isna(name) else str(name) for name in names]


def _check_unique(names: list[str], path: str) -> None:
    """A DatasetError naming the columns the header repeats (blank names count as repeats)."""
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DatasetError(
            f"{path}: the header repeats column(s) {', '.join(map(repr, repeated))}: each column "
            "needs its own name (which one would be the target or a feature is ambiguous)"
        )


# Standardising computes squares of the values: beyond this they overflow float64 to inf.
LARGEST_FEATURE = 1e150


def _shown(value: Any) -> str:
    """A value as the user wrote it: 'wide' for text, 2.5 for a number."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _feature(column: pd.Series, path: str, name: str) -> np.ndarray:
    """A feature column as float64; a DatasetError naming the first bad row."""
    missing = column.isna().to_numpy()
    if missing.any():
        raise DatasetError(
            f"{path}: column {name!r}, row {_first(missing) + 1}: no value (empty, NA or NaN)"
        )
    if is_bool_dtype(column):
        return column.to_numpy(dtype=np.float64)
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row = _first(bad)
        what = "not a finite number" if np.isinf(values[row]) else "not a number"
        raise DatasetError(
            f"{path}: column {name!r}, row {row + 1}: {_shown(column.iloc[row])} is {what}; "
            "features must be "
            "numeric (list the numeric columns in `features` to leave this one out)"
        )
    huge = np.abs(values) > LARGEST_FEATURE
    if huge.any():
        row = _first(huge)
        raise DatasetError(
            f"{path}: column {name!r}, row {row + 1}: {_shown(column.iloc[row])} is too large "
            f"to standardise (|value| above {LARGEST_FEATURE:g} overflows its variance); rescale "
            "the column"
        )
    return values


def _target(column: pd.Series, path: str, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Labels 0..k-1 and the class names (the target's values, sorted)."""
    missing = column.isna().to_numpy()
    if missing.any():
        raise DatasetError(
            f"{path}: target column {name!r}, row {_first(missing) + 1}: no value (empty, NA "
            "or NaN)"
        )
    if is_numeric_dtype(column) or is_bool_dtype(column):
        values = column.to_numpy()
        if values.dtype.kind == "f":
            fractional = ~np.isfinite(values) | (values != np.round(values))
            if fractional.any():
                row = _first(fractional)
                raise DatasetError(
                    f"{path}: target column {name!r}, row {row + 1}: {_shown(values[row])} is "
                    "not a class label; the harness classifies: use integer or text labels"
                )
            values = values.astype(np.int64)
        classes, labels = np.unique(values, return_inverse=True)
    else:
        classes, labels = np.unique(column.astype(str).to_numpy(dtype=object), return_inverse=True)
    return labels.astype(np.int64), tuple(str(c) for c in classes)


def make(seed: int, params: dict[str, Any], content: bytes | None) -> Split:
    """The file's rows split (stratified by the target) into train and test parts."""
    path, target = str(params["path"]), params["target"]
    frame = _parse(content or b"", path)
    _check_unique(_header(content or b"", path), path)
    columns = [str(c) for c in frame.columns]
    features = params["features"] or [c for c in columns if c != target]
    for role, wanted in [("target", [target]), ("feature", features)]:
        for column in wanted:
            if column not in columns:
                raise DatasetError(
                    f"{path}: no {role} column {column!r}; its columns: {', '.join(columns)}"
                )
    if not features:
        raise DatasetError(f"{path}: no feature columns besides the target {target!r}")
    if frame.empty:
        raise DatasetError(f"{path}: no data rows after the header")
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        raise DatasetError(f"{path}: row {_first(blank) + 1} is empty")
    y, class_names = _target(frame[target], path, target)
    x = np.column_stack([_feature(frame[name], path, name) for name in features])
    return stratified_split(x, y, params["test_size"], seed, class_names)
