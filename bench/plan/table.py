"""A table of a suite file as a pydantic model whose bad values read in the harness's words.

Each field's type carries a `Says`; `problem` turns pydantic's first error into (field, message):
`field 'epochs': must be a positive integer, got -1`, never pydantic's own wording.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, get_args

from pydantic import BaseModel, ConfigDict


class Says:
    """A field's message for a bad value: a template of `key`, `value` (the field's whole value)
    and `leaf` (the bad element), or a function of (value, the table holding it)."""

    def __init__(self, message: str | Callable[[Any, dict[str, Any]], str]) -> None:
        self.message = message

    def __call__(self, key: str, value: Any, leaf: Any, table: dict[str, Any]) -> str:
        """The message for this bad value."""
        if callable(self.message):
            return self.message(value, table)
        return self.message.format(key=key, value=value, leaf=leaf)


class Refused(ValueError):
    """A check across fields failed: the field to blame and the message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def one_of(what: str, options: tuple[str, ...] | list[str]) -> Says:
    """The message of a field that takes one of `options`."""
    return Says(f"unknown {what} {{leaf!r}}; choose one of {', '.join(options)}")


class Table(BaseModel):
    """A table of a suite file: TOML's own types, nothing converted, no unknown keys."""

    model_config = ConfigDict(
        extra="forbid", strict=True, use_attribute_docstrings=True, frozen=True
    )
    UNKNOWN: ClassVar[str] = "unknown field(s)"  # how unknown keys are named in messages
    MISSING: ClassVar[str] = "missing"
    NOT_A_TABLE: ClassVar[str] = "must be a table, got {value!r}"
    EXTRA: ClassVar[type[Table] | None] = None  # the model of tables under keys of its own


def says(model: type[BaseModel], field: str) -> Says:
    """The message a model's field gives a bad value (on its type, or inside `X | None`)."""
    info = model.model_fields[field]
    inner = (m for a in get_args(info.annotation) for m in getattr(a, "__metadata__", ()))
    return next(m for m in (*info.metadata, *inner) if isinstance(m, Says))


def problem(errors: list[Any], model: type[Table], table: dict[str, Any]) -> tuple[str, str]:
    """The first of pydantic's `errors` on `table` as (field, message) in the harness's words;
    a key of an extra table is `david.epochs`, a problem of the whole table has field ''."""
    extra = [e for e in errors if e["type"] == "extra_forbidden" and len(e["loc"]) == 1]
    if extra:  # checked first: a misspelt key explains the "missing" one
        unknown = sorted(str(e["loc"][0]) for e in extra)
        return "", f"{model.UNKNOWN} {unknown}; valid: {', '.join(model.model_fields)}"
    first = errors[0]
    key = str(first["loc"][0]) if first["loc"] else ""
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, Refused):
        return cause.field, str(cause)
    if cause is not None:  # a validator's own words
        return key, str(cause)
    if first["type"] == "missing":
        return key, model.MISSING
    if key not in model.model_fields and model.EXTRA is not None:  # e.g. a fighter's overrides
        value = table.get(key)
        if not isinstance(value, dict):
            return key, model.EXTRA.NOT_A_TABLE.format(value=value)
        inner = [{**e, "loc": e["loc"][1:]} for e in errors if e["loc"][:1] == (key,)]
        field, message = problem(inner, model.EXTRA, value)
        return f"{key}.{field}" if field else key, message
    # In a union (`relu` or a list of them), the innermost bad choice is the one to name.
    choices = [e for e in errors if e["loc"][:1] == (key,) and e["type"] == "literal_error"]
    leaf = choices[-1]["input"] if choices else first["input"]
    return key, says(model, key)(key, table.get(key), leaf, table)
