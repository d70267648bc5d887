"""The plain-data layer spec (the moons article's format) and its validation."""

from __future__ import annotations

from typing import Any

from .activations import ACTIVATIONS
from .initializers import INITIALIZERS

LAYER_KEYS = ("input_dim", "output_dim", "activation", "init", "bias_init", "l2", "negative_slope")
DEFAULT_INIT = "glorot_uniform"  # Keras's default, so native and fair modes start alike
DEFAULT_BIAS_INIT = "zeros"


class SpecError(ValueError):
    """A model spec that cannot be built."""


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _non_negative_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def validate_layers(layers: Any) -> list[dict[str, Any]]:
    """Check a list of layer dicts and return it normalised with defaults filled in."""
    if not isinstance(layers, list | tuple) or not layers:
        raise SpecError(f"a model spec is a non-empty list of layer dicts, got {layers!r}")
    normalised = []
    for index, layer in enumerate(layers):
        where = f"layer {index}"
        if not isinstance(layer, dict):
            raise SpecError(
                f"{where}: expected a dict with keys {', '.join(LAYER_KEYS)}, got {layer!r}"
            )
        unknown = sorted(set(layer) - set(LAYER_KEYS))
        if unknown:
            raise SpecError(
                f"{where}: unknown key(s) {unknown}; valid keys: {', '.join(LAYER_KEYS)}"
            )
        for key in ("input_dim", "output_dim", "activation"):
            if key not in layer:
                raise SpecError(f"{where}: missing {key!r}")
        for key in ("input_dim", "output_dim"):
            if not _positive_int(layer[key]):
                raise SpecError(f"{where}: {key} must be a positive integer, got {layer[key]!r}")
        if index > 0 and layer["input_dim"] != layers[index - 1]["output_dim"]:
            raise SpecError(
                f"{where}: input_dim {layer['input_dim']} does not match the output_dim "
                f"{layers[index - 1]['output_dim']} of layer {index - 1}"
            )
        if layer["activation"] not in ACTIVATIONS:
            raise SpecError(
                f"{where}: unknown activation {layer['activation']!r}; "
                f"choose one of {', '.join(ACTIVATIONS)}"
            )
        entry = {"init": DEFAULT_INIT, "bias_init": DEFAULT_BIAS_INIT, "l2": None, **layer}
        for key in ("init", "bias_init"):
            if entry[key] not in INITIALIZERS:
                raise SpecError(
                    f"{where}: unknown {key} {entry[key]!r}; "
                    f"choose one of {', '.join(INITIALIZERS)}"
                )
        if entry["l2"] is not None and not _non_negative_number(entry["l2"]):
            raise SpecError(f"{where}: l2 must be a number >= 0, got {entry['l2']!r}")
        if "negative_slope" in layer:
            if layer["activation"] != "leaky_relu":
                raise SpecError(f"{where}: negative_slope applies to leaky_relu only")
            if not _non_negative_number(layer["negative_slope"]):
                raise SpecError(
                    f"{where}: negative_slope must be a number >= 0, "
                    f"got {layer['negative_slope']!r}"
                )
        normalised.append(entry)
    return normalised
