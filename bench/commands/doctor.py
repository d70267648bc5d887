"""`python -m bench doctor`: its arguments, and the report on the terminal and in a file."""

from __future__ import annotations

import argparse
import math
import shlex
from pathlib import Path
from typing import Any

from bench import defaults
from bench.doctor import problems
from bench.errors import HarnessError
from bench.files import check_writable


def add_parser(commands: Any) -> None:
    """The doctor's sub-command."""
    doctor = commands.add_parser(
        "doctor",
        help="check your own network against Keras, layer by layer, and say where it goes wrong",
    )
    doctor.add_argument(
        "target", help="PATH.py:CLASS, package.module:CLASS, or a fighter's name (see `list`)"
    )
    doctor.add_argument(
        "--out", help="the Markdown report [results/doctor/<CLASS>.md]; logs beside it"
    )
    doctor.add_argument(
        "--problems",
        help=f"comma-separated, from {', '.join(problems.PROBLEMS)} [those your network accepts, "
        "and the doctor's other problems that exercise every activation and loss it accepts]",
    )
    doctor.add_argument(
        "--layers", help="your own problem instead: layer widths from input to output, e.g. 2-5-1"
    )
    doctor.add_argument(
        "--activations",
        help="with --layers: one per layer, comma-separated, from "
        + ", ".join(problems.ACTIVATIONS),
    )
    doctor.add_argument("--loss", help=f"with --layers: one of {', '.join(problems.LOSSES)}")
    doctor.add_argument(
        "--optimizers",
        help=f"comma-separated, from {', '.join(problems.OPTIMIZERS)} "
        f"[{','.join(problems.DEFAULT_OPTIMIZERS)}]",
    )
    doctor.add_argument(
        "--steps", type=int, default=problems.DEFAULT_STEPS, help="training steps [%(default)s]"
    )
    doctor.add_argument(
        "--time-limit",
        type=float,
        default=120.0,
        help="seconds one probe of your network may take before its process is killed "
        "[%(default)s]",
    )
    doctor.add_argument("--no-speed", action="store_true", help="skip the speed comparison")
    doctor.set_defaults(handler=run_doctor)


def _stated_problem(args: argparse.Namespace) -> problems.Problem | None:
    """The problem --layers, --activations and --loss state together, or None."""
    given = {"--layers": args.layers, "--activations": args.activations, "--loss": args.loss}
    if not any(given.values()):
        return None
    missing = [flag for flag, value in given.items() if not value]
    if missing:
        raise HarnessError(
            f"{', '.join(missing)} missing: a stated problem needs --layers, --activations "
            "and --loss together"
        )
    if args.problems is not None:
        raise HarnessError("--problems and --layers exclude each other: give one")
    return problems.stated(args.layers, args.activations, args.loss)


def run_doctor(args: argparse.Namespace) -> int:
    """Examine the target; 0 when every check passes, 1 when one fails."""
    from bench.doctor.report import render_markdown, render_text
    from bench.doctor.run import Options, diagnose, progress
    from bench.doctor.target import resolve_target

    if args.steps < 1:
        raise HarnessError(f"--steps must be at least 1, got {args.steps}")
    if not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise HarnessError(f"--time-limit must be a number of seconds > 0, got {args.time_limit}")
    stated = _stated_problem(args)
    patient = resolve_target(args.target)
    options = Options(
        problems=None
        if args.problems is None
        else problems.choose(args.problems, problems.PROBLEMS, (), "--problems"),
        stated=stated,
        optimizers=problems.choose(
            args.optimizers, problems.OPTIMIZERS, problems.DEFAULT_OPTIMIZERS, "--optimizers"
        ),
        steps=args.steps,
        time_limit=args.time_limit,
        speed=not args.no_speed,
    )
    out = Path(args.out) if args.out else defaults.RESULTS_DIR / "doctor" / f"{patient.display}.md"
    check_writable(out, "--out")
    out.parent.mkdir(parents=True, exist_ok=True)
    diagnosis = diagnose(patient, options, out.parent / f"{out.stem}-logs", progress)
    command = "python -m bench doctor " + " ".join(shlex.quote(word) for word in args.words)
    print(render_text(diagnosis, command), end="")
    out.write_text(render_markdown(diagnosis, command))
    print(f"markdown: {out}")
    return 1 if diagnosis.failure else 0
