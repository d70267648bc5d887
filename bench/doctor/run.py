"""The doctor's visit: the checks in order, each in worker processes, stopping at the first failure.

The patient (the user's class) and the reference (Keras, deterministic, float64) each run in a
worker process of their own (bench/run/pool.py): the coordinator never imports TensorFlow, and a
network that raises, hangs or crashes its process becomes a failed check with the reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.run.fair_start import BatchSchedule
from bench.run.pool import CallFailed, WorkerLost, WorkerPool

from ..errors import HarnessError
from ..fighters.conventions import Convention, equivalent_optimizer, scaled_words
from ..fighters.roster import FighterConfig, fighter_config
from . import hints
from . import problems as p
from .compare import (
    compare_forward,
    compare_gradients,
    compare_round_trip,
    compare_training,
    prefix_reading_broken,
)
from .finding import Finding
from .problems import describe_optimizer

REFERENCE = "keras-deterministic"  # op determinism on, oneDNN off: the parity proof's Keras
REFERENCE_SECONDS = 600.0
SPEED = {"fighters": ("david", "keras"), "samples": 2000, "batch": 32, "epochs": 6}
SPEED_DTYPE = "float32"
CHECKS = {
    "forward": "1. forward pass against Keras, from the same weights",
    "gradients": "2. gradients against finite differences and against Keras",
    "training": "3. training against Keras: one optimiser step, then a few hundred",
}


@dataclass
class Options:
    """What the doctor runs."""

    problems: list[str] | None = None  # None: built from what the patient accepts
    stated: p.Problem | None = None  # the user's own problem (--layers ...), instead
    optimizers: list[str] = field(default_factory=lambda: list(p.DEFAULT_OPTIMIZERS))
    steps: int = p.DEFAULT_STEPS
    time_limit: float = 120.0
    speed: bool = True


@dataclass
class Diagnosis:
    """Everything the doctor found, in the order it looked."""

    patient: FighterConfig
    reference: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (name, described or skipped)
    declared: dict[str, Any] = field(default_factory=dict)  # what the patient says of itself
    findings: list[Finding] = field(default_factory=list)
    speed: Finding | None = None

    @property
    def failure(self) -> Finding | None:
        """The first failed check, if any."""
        return next((f for f in self.findings if f.failed), None)


# The reference's answers by question: deterministic Keras answers the same question alike, so a
# process that examines several networks (the tests) asks it once.
_ANSWERS: dict[str, tuple[Any, dict[str, Any]]] = {}


class _Stop(Exception):
    """The patient failed: the visit ends with this finding."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding


class _Visit:
    """One doctor's visit: the pool, the calls, and the findings as they come."""

    def __init__(self, pool: WorkerPool, patient: str, options: Options, say: Callable):
        self.pool, self.patient, self.options, self.say = pool, patient, options, say
        self.reference: dict[str, Any] = {}  # the reference process's settings, once it answered
        self.declared = Convention()  # the loss convention the patient declares
        self.declared_biases = True
        self.convention = Convention()  # the one its gradients showed, once they did

    def ask(self, fighter: str, probe: str, doing: str, check: str, problem: str, **kwargs):
        """A probe's value; the patient's failure stops the visit, the reference's is ours."""
        # The time limit is the patient's: the reference (and David, Keras for speed) get ample
        # time, as a loaded machine can slow Keras's first graph build past a short limit.
        limit = self.options.time_limit if fighter == self.patient else REFERENCE_SECONDS
        key = None
        if fighter == REFERENCE and fighter != self.patient:
            key = hashlib.sha256(pickle.dumps((probe, kwargs))).hexdigest()
            if key in _ANSWERS:
                value, self.reference = _ANSWERS[key]
                return value
        try:
            value = self.pool.call(fighter, f"bench.doctor.probes:{probe}", kwargs, limit, doing)
            if key is not None:
                self.reference = self.pool.worker(REFERENCE).settings
                _ANSWERS[key] = (value, self.reference)
            return value
        except (CallFailed, WorkerLost) as err:
            if fighter != self.patient:
                raise HarnessError(
                    f"doctor: the reference ({fighter}) failed while {doing}: {err}"
                ) from err
            if isinstance(err, CallFailed) and err.unsupported:
                raise
            lines = str(err).splitlines()
            if isinstance(err, CallFailed):
                message, trace = f"your network raised {lines[0]} while {doing}", err.traceback
            else:  # died or timed out: the pool's words, and the tail of the process's log
                what = lines[0].removeprefix("worker process ").removesuffix(":")
                message, trace = f"your network's process {what}", "\n".join(lines[1:])
            raise _Stop(
                Finding(
                    check,
                    "fail",
                    message,
                    problem=problem,
                    traceback=trace.strip().splitlines()[-12:],
                )
            ) from None

    def both(self, probe: str, doing: str, check: str, problem: str, **kwargs) -> tuple:
        """The same probe in the patient's process and in the reference's."""
        mine = self.ask(self.patient, probe, doing, check, problem, **kwargs)
        return mine, self.ask(REFERENCE, probe, doing, check, problem, **kwargs)


def diagnose(
    patient: FighterConfig,
    options: Options,
    log_dir: Path,
    say: Callable = print,
    pool: WorkerPool | None = None,
) -> Diagnosis:
    """Examine the patient; the findings stop at the first failure. A pool given is reused (its
    reference worker with it) and left open."""
    diagnosis = Diagnosis(patient)
    own = pool is None
    pool = pool or WorkerPool(log_dir, tasks=False)
    pool.fighters[patient.name] = patient
    with pool if own else contextlib.nullcontext(pool):
        pool.start([patient.name, REFERENCE])
        visit = _Visit(pool, patient.name, options, say)
        try:
            diagnosis.declared = visit.ask(
                patient.name, "declarations", "reading its declarations", "forward", None
            )
            visit.declared = Convention.named(diagnosis.declared["convention"])
            biases = visit.declared_biases = diagnosis.declared["biases"]
            chosen = [p.instance(problem, biases=biases) for problem in _problems(visit)]
            supported = _forward(visit, chosen, diagnosis)
            for inst in supported:
                say(f"gradients: {inst.name}")
                diagnosis.findings.append(_gradients(visit, inst))
            trained = _training(visit, supported[0], diagnosis)
            if options.speed and trained:
                diagnosis.speed = _speed(visit, supported[0], trained)
        except _Stop as stop:
            diagnosis.findings.append(stop.finding)
        finally:
            diagnosis.reference = visit.reference
    return diagnosis


def _problems(visit: _Visit) -> list[p.Problem]:
    """The user's problem; the problems asked for; or, by default, the fixed three the patient
    accepts and enough of the doctor's other problems to exercise every activation and loss it
    accepts."""
    if visit.options.stated is not None:
        return [visit.options.stated]
    if visit.options.problems is not None:
        return [p.PROBLEMS[name] for name in visit.options.problems]
    tried = [*p.PROBLEMS.values(), *p.candidates()]
    specs = [(problem.layers(2), problem.loss) for problem in tried]  # 2-D data, every one
    visit.say("what your network accepts")
    answers = visit.ask(
        visit.patient, "accepts", "building the doctor's problems", "forward", None, specs=specs
    )
    accepted = [problem for problem, refused in zip(tried, answers, strict=True) if not refused]
    if not accepted:
        refusals = {problem.name: why for problem, why in zip(tried, answers, strict=True)}
        raise _Stop(
            Finding(
                "forward",
                "fail",
                "no problem the network supports: " + p.refused_everything(refusals),
            )
        )
    chosen = p.covering(accepted)
    # The fixed problems it refused are listed too (skipped, with its reason), in their place.
    fixed = [q for q in p.PROBLEMS.values() if q in chosen or q not in accepted]
    return fixed + [q for q in chosen if q.name not in p.PROBLEMS]


def _forward(visit: _Visit, chosen: list[p.Instance], diagnosis: Diagnosis) -> list[p.Instance]:
    supported = []
    for inst in chosen:
        visit.say(f"forward pass: {inst.name}")
        common = {"layers": inst.layers, "loss": inst.problem.loss, "weights": inst.weights}
        try:
            read_back = visit.ask(
                visit.patient, "round_trip", "loading weights", "forward", inst.name, **common
            )
        except CallFailed as err:  # Unsupported: the network cannot express this problem
            why = str(err).removeprefix("Unsupported: ")
            diagnosis.problems.append((inst.name, f"skipped: your network does not support {why}"))
            continue
        diagnosis.problems.append((inst.name, inst.describe()))
        supported.append(inst)
        failure = compare_round_trip(inst, read_back)
        if failure is not None:
            raise _Stop(failure)
        mine, keras = visit.both("outputs", "predicting", "forward", inst.name, x=inst.x, **common)
        finding = compare_forward(inst, mine, keras)
        if finding.failed and mine["how"] != "layer_outputs()" and finding.layer:
            # The first-k-layers reading assumes a layer computes alike whether it is last or
            # not: checked on the layer it names, alone, from Keras's input to it.
            lone = visit.ask(
                visit.patient,
                "lone_layer",
                "predicting with one layer",
                "forward",
                inst.name,
                x=keras["layers"][finding.layer - 1],
                index=finding.layer,
                **common,
            )
            finding = prefix_reading_broken(inst, finding, lone, keras) or finding
        diagnosis.findings.append(finding)
        if finding.failed:
            raise _Stop(diagnosis.findings.pop())
    if not supported:
        reasons = "; ".join(f"{name}: {why}" for name, why in diagnosis.problems)
        raise _Stop(Finding("forward", "fail", f"no problem the network supports ({reasons})"))
    return supported


def _gradients(visit: _Visit, inst: p.Instance) -> Finding:
    common = {"layers": inst.layers, "loss": inst.problem.loss, "weights": inst.weights}
    doing = "computing gradients"
    mine, keras = visit.both(
        "gradients", doing, "gradients", inst.name, x=inst.x, y=inst.y, **common
    )
    differences = visit.ask(
        visit.patient,
        "finite_differences",
        "computing finite differences",
        "gradients",
        inst.name,
        x=inst.x,
        targets=inst.targets(),
        step=p.FINITE_DIFFERENCE_STEP,
        **common,
    )
    biases = visit.declared_biases
    finding = compare_gradients(inst, mine, keras["grads"], differences, visit.declared, biases)
    if finding.failed:
        raise _Stop(finding)
    if finding.convention:
        visit.convention = Convention.named(finding.convention)
    return finding


def _training(visit: _Visit, inst: p.Instance, diagnosis: Diagnosis) -> list[str]:
    """Each optimiser's trajectories; the names of those that agree."""
    steps, agreed = inst.steps(visit.options.steps), []
    for name in visit.options.optimizers:
        visit.say(f"training: {inst.name}, {name}")
        optimizer = p.OPTIMIZERS[name]
        kwargs = {"layers": inst.layers, "loss": inst.problem.loss, "optimizer": optimizer}
        kwargs.update(weights=inst.weights, x=inst.x, y=inst.y, steps=steps)
        kwargs.update(zero_biases=not visit.declared_biases)
        n_out = inst.layers[-1]["output_dim"]
        factor = visit.convention.factor(inst.problem.loss, n_out, p.TRAINING_BATCH)
        try:
            mine = _trajectory(visit, inst, kwargs, factor)
        except CallFailed as err:
            diagnosis.findings.append(
                Finding(
                    "training",
                    "skipped",
                    f"{name}: your network does not support "
                    f"{str(err).removeprefix('Unsupported: ')}",
                    problem=inst.name,
                    optimizer=name,
                )
            )
            continue
        keras = visit.ask(REFERENCE, "trajectory", "training", "training", inst.name, **kwargs)
        scaled = scaled_words(optimizer, factor) if factor != 1 else None
        finding = compare_training(inst, name, optimizer, mine, keras, scaled)
        step_factor = _step_convention(inst, finding, mine, keras, factor)
        if step_factor is not None:
            # The steps, unlike the gradients, show another known constant (an update that
            # divides a summed gradient by m, say): confirmed by a run at its learning rate.
            mine = _trajectory(visit, inst, kwargs, step_factor)
            scaled = (
                scaled_words(optimizer, step_factor)
                if step_factor != 1
                else f"its own learning_rate {optimizer['learning_rate']:g}"
            )
            scaled += (
                f" (the steps' constant, {step_factor:g}, not the gradients', {factor:g}: "
                "its update rescales the gradients)"
            )
            finding = compare_training(inst, name, optimizer, mine, keras, scaled)
        if finding.failed:
            raise _Stop(finding)
        diagnosis.findings.append(finding)
        agreed.append(name)
    return agreed


def _trajectory(visit: _Visit, inst: p.Instance, kwargs: dict[str, Any], factor: float) -> list:
    """The patient's trajectory with its optimiser scaled by a convention's constant."""
    yours = equivalent_optimizer(kwargs["optimizer"], factor)
    return visit.ask(
        visit.patient,
        "trajectory",
        "training",
        "training",
        inst.name,
        **{**kwargs, "optimizer": yours},
    )


def _step_convention(
    inst: p.Instance, finding: Finding, mine: list, keras: list, factor: float
) -> float | None:
    """When the first step parts from Keras's by a constant that, with the gradients' own
    constant, is a known convention's (or 1): that convention's constant; else None."""
    if not finding.failed or finding.step != 1 or finding.optimizer is None:
        return None
    ratio = hints.step_ratio(inst.weights, mine[0], keras[0])
    if ratio is None or ratio <= 0:
        return None
    total = factor * ratio
    shape = (inst.problem.loss, inst.layers[-1]["output_dim"], p.TRAINING_BATCH)
    known = {1.0} | {c.factor(*shape) for c in (Convention(True), Convention(False, True))}
    known.add(Convention(True, True).factor(*shape))
    return next((f for f in known if f != factor and abs(total - f) < 1e-6 * f), None)


def _speed(visit: _Visit, inst: p.Instance, optimizers: list[str]) -> Finding:
    """Median epoch time of the patient, David and Keras on a larger copy of the problem."""
    big = p.instance(inst.problem, n_samples=SPEED["samples"], biases=visit.declared_biases)
    optimizer = p.OPTIMIZERS[optimizers[-1]]
    batches = BatchSchedule(len(big.x), SPEED["epochs"], SPEED["batch"], p.SEED)
    kwargs = {"layers": big.layers, "loss": inst.problem.loss, "optimizer": optimizer}
    kwargs.update(weights=big.weights, x=big.x, y=big.y, batches=batches, dtype=SPEED_DTYPE)
    fighters = [visit.patient] + [f for f in SPEED["fighters"] if f != visit.patient]
    visit.pool.start(fighters)
    rows, mine = [], None
    for fighter in fighters:
        visit.say(f"speed: {fighter}")
        name = "yours" if fighter == visit.patient else fighter_config(fighter).display
        try:
            seconds = visit.ask(fighter, "timing", "timing", "speed", inst.name, **kwargs)
        except (_Stop, HarnessError) as err:
            rows.append([name, "-", "-", f"failed: {str(err).splitlines()[0]}"])
            continue
        median = statistics.median(seconds[1:])  # the first epoch warms up (or compiles)
        mine = median if fighter == visit.patient else mine
        per_step = median / batches.steps_per_epoch
        rows.append([name, f"{median * 1e3:.3g}", f"{per_step * 1e6:.3g}", _versus(median, mine)])
    return Finding(
        "speed",
        "info",
        f"{SPEED_DTYPE}, {inst.name} with {len(big.x)} samples, {big.sizes()}, batch "
        f"{SPEED['batch']}, {describe_optimizer(optimizer)}, {SPEED['epochs']} epochs; the "
        "median epoch after the first; one short run, indicative only",
        problem=inst.name,
        table=(["fighter", "ms per epoch", "us per step", "against yours"], rows),
    )


def _versus(seconds: float, yours: float | None) -> str:
    if not yours:
        return "-"
    if seconds == yours:
        return "-"
    ratio = seconds / yours
    return f"{1 / ratio:.3g}x faster" if ratio < 1 else f"{ratio:.3g}x slower"


def progress(line: str) -> None:
    """What the doctor is doing, on stderr (the report goes to stdout)."""
    print(f"doctor: {line}", file=sys.stderr, flush=True)
