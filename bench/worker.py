"""A fighter's worker process: `python -m bench.worker FIGHTER`, started with its settings.

It imports its framework once, says it is ready (with the settings in effect), then trains one
task after another, each on a fresh model, answering each with a record. Messages are pickled
frames on stdin/stdout; anything a library prints goes to stderr, which the pool logs to a file.
"""

from __future__ import annotations

import importlib
import os
import pickle
import struct
import sys
import time
from typing import IO, Any

_HEADER = struct.Struct("!Q")
PROGRESS_INTERVAL = 0.2  # seconds between progress frames


def send(stream: IO[bytes], message: Any) -> None:
    """Write one framed message."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def receive(stream: IO[bytes]) -> Any | None:
    """Read one framed message; None at end of input."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        return None
    return pickle.loads(payload)


def process_settings(fighter: str) -> dict[str, Any]:
    """What this process runs with: versions, BLAS kernel and threads, framework switches."""
    from .environment import blas_pools, cpu_model, watched_variables
    from .fighters.roster import fighter_config

    config = fighter_config(fighter)
    module = importlib.import_module(config.model.split(":")[0])
    versions = {}
    for name in ("numpy", "sklearn", "tensorflow", "keras", "jax"):
        loaded = sys.modules.get(name)
        if loaded is not None and hasattr(loaded, "__version__"):
            versions[name] = loaded.__version__
    framework = module.settings() if hasattr(module, "settings") else {}
    return {
        "fighter": fighter,
        "model": config.model,
        "options": dict(config.options),
        "versions": versions,
        "framework": framework,
        "blas": blas_pools(),
        "variables": watched_variables(),
        "host": os.uname().nodename,
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "pid": os.getpid(),
    }


def main(argv: list[str]) -> int:
    """Serve tasks for one fighter until stdin closes or a 'stop' message arrives."""
    fighter = argv[0]
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # library chatter on stdout would corrupt the frames: send it to the log
    requests = sys.stdin.buffer
    from .fighters.roster import fighter_config

    config = fighter_config(fighter)
    importlib.import_module(config.model.split(":")[0])  # the framework: seconds, once
    from .train import run_task

    send(replies, {"kind": "ready", "settings": process_settings(fighter)})
    last = 0.0

    def report(epoch: int, loss: float | None) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_INTERVAL:  # a few frames a second at most
            last = time.monotonic()
            send(replies, {"kind": "epoch", "epoch": epoch, "loss": loss})

    while True:
        message = receive(requests)
        if message is None or message.get("kind") == "stop":
            return 0
        send(replies, {"kind": "record", "record": run_task(message["task"], report)})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
