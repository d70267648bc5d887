"""Checks that need each case's data, made before anything trains: sizes, and the model's shape.

A suite that cannot run is refused with one clear line (exit 2) before the first fight; a seed
whose data cannot be built is left for its fight to record, so the rest of the run goes on.
"""

from __future__ import annotations

from bench.datasets import Dataset, load_dataset
from bench.errors import HarnessError
from bench.plan.case import Case
from bench.plan.fingerprint import config_fingerprint
from bench.plan.suite import Suite, SuiteError
from numpy_nn import Network


def case_data(case: Case, seed: int, cache_dir: str | None) -> Dataset:
    """The fight's dataset, generated once into the cache every worker reads."""
    dataset_seed = case.dataset_seed if case.dataset_seed is not None else seed
    return load_dataset(case.dataset, dataset_seed, cache_dir=cache_dir, **case.dataset_params)


def parameter_count(layers: list[dict]) -> int:
    """Weights and biases of a layer spec."""
    return sum(layer["input_dim"] * layer["output_dim"] + layer["output_dim"] for layer in layers)


def _check_case(suite: Suite, case: Case, data: Dataset) -> None:
    label = f"{suite.path}: case {case.name!r}"
    for name, settings in case.fighters.items():
        layers = case.layers(data.n_features, data.n_classes, name)
        parameters = parameter_count(layers)
        if parameters > suite.max_parameters:
            raise SuiteError(
                f"{label}: field 'hidden': {parameters:,} parameters exceed the limit of "
                f"{suite.max_parameters:,}; raise it with max_parameters under [suite]"
            )
        batch = settings.batch_size or len(data.x_train)
        steps = settings.epochs * -(-len(data.x_train) // batch)
        if steps > suite.max_steps:
            raise SuiteError(
                f"{label}: field 'epochs': {settings.epochs:,} epochs of "
                f"{steps // settings.epochs:,} steps ({steps:,} steps) exceed the limit of "
                f"{suite.max_steps:,}; raise it with max_steps under [suite]"
            )
    # The model's shape is right for this data (e.g. a sigmoid output needs two classes):
    # built with every hidden width 1, so the check costs nothing whatever the real widths.
    layers = case.layers(data.n_features, data.n_classes)
    tiny = [{**layer, "input_dim": 1, "output_dim": 1} for layer in layers[:-1]]
    tiny.append({**layers[-1], "input_dim": 1 if tiny else layers[-1]["input_dim"]})
    try:
        Network(tiny, loss=case.loss_for(data.n_classes), l2=case.l2)
    except ValueError as err:
        field, value = ("loss", case.loss) if case.loss else ("output", case.output)
        choices = (
            "leave loss unset to follow the output layer"
            if case.loss
            else "leave output unset (sigmoid for 2 classes, softmax for more)"
        )
        raise SuiteError(
            f"{label}: field {field!r}: {value!r} does not fit: {err} (dataset {data.name!r} "
            f"has {data.n_classes} classes); {choices}"
        ) from err


def preflight(suite: Suite, cases: list[Case], cache_dir: str | None) -> dict[tuple[str, int], str]:
    """Build every fight's data (into the cache), check each case; return fight fingerprints."""
    fingerprints = {}
    for case in cases:
        checked = False
        for seed in case.seeds:
            try:
                data = case_data(case, seed, cache_dir)
            except HarnessError:
                continue  # recorded by the fight itself
            if not checked:
                _check_case(suite, case, data)
                checked = True
            fingerprints[(case.name, seed)] = config_fingerprint(
                case, data.fingerprint, suite.user_fighters
            )
    return fingerprints
