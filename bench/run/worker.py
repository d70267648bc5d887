"""A fighter's worker process: `python -m bench.run.worker`, started with that fighter's settings.

Told which fighter it is (its roster entry), it imports the framework once, says it is ready
(with the settings in effect), then trains one task after another, each on a fresh model,
answering each with a record. It also answers calls: a named function run on the fighter's model
class (the doctor's probes), whose exception comes back as an answer, not as the worker's end.
Messages are pickled frames on stdin/stdout; anything a library prints goes to stderr, which the
pool logs to a file.
"""

from __future__ import annotations

import importlib
import os
import pickle
import signal
import struct
import sys
import threading
import time
import traceback
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.fighters.roster import FighterConfig

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


def process_settings(config: FighterConfig) -> dict[str, Any]:
    """What this process runs with: versions, BLAS kernel and threads, framework switches."""
    from bench.run.environment import blas_pools, cpu_model, usable_cpus, watched_variables

    module = config.framework_module
    framework = importlib.import_module(module) if module else None
    versions = {}
    for name in ("numpy", *config.requires):
        loaded = sys.modules.get(name)
        if loaded is not None and hasattr(loaded, "__version__"):
            versions[name] = loaded.__version__
    return {
        "fighter": config.name,
        "model": config.model,
        "options": dict(config.options),
        "versions": versions,
        "framework": framework.settings() if hasattr(framework, "settings") else {},
        "blas": blas_pools(),
        "variables": watched_variables(),
        "host": os.uname().nodename,
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cpus": usable_cpus(),  # its affinity: a Dask worker's share of the machine
        "pid": os.getpid(),
    }


def call(message: dict[str, Any], model_class: type, config: FighterConfig) -> dict[str, Any]:
    """Run `module:function`(model_class, options, **kwargs); an exception becomes the answer."""
    from bench.fighters.base import Unsupported

    module, _, name = message["function"].partition(":")
    try:
        function = getattr(importlib.import_module(module), name)
        value = function(model_class, dict(config.options), **message["kwargs"])
    except Exception as err:  # the fighter's failure is the answer; the worker lives on
        return {
            "kind": "answer",
            "error": f"{type(err).__name__}: {err}",
            "unsupported": isinstance(err, Unsupported),
            "traceback": traceback.format_exc(),
        }
    return {"kind": "answer", "value": value, "error": None}


def watch_parent(parent: int, interval: float = 0.5) -> threading.Thread:
    """End this worker, and every process in its group, once `parent` is gone: a coordinator
    killed outright, or a Dask worker lost or closed mid-fight, leaves no fighter training on."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        if os.getpgid(0) == os.getpid():  # its own group (the pool starts it so): end them all
            os.killpg(0, signal.SIGKILL)
        os._exit(1)

    watcher = threading.Thread(target=watch, name="watch-parent", daemon=True)
    watcher.start()
    return watcher


def main() -> int:
    """Serve tasks for one fighter until stdin closes or a 'stop' message arrives."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # library chatter on stdout would corrupt the frames: send it to the log
    requests = sys.stdin.buffer
    parent = os.getppid()
    watch_parent(parent)
    start = receive(requests)
    if start is None:
        return 0
    config: FighterConfig = start["config"]
    model_class = config.load_model_class()  # imports the framework: seconds, once
    if start.get("tasks", True):  # the training code imports scikit-learn: seconds more
        from bench.run.train import run_task

    send(replies, {"kind": "ready", "settings": process_settings(config)})
    last = 0.0

    def report(epoch: int, loss: float | None) -> None:
        nonlocal last
        if os.getppid() != parent:  # whoever asked is gone (a killed Dask worker): stop training
            os._exit(1)
        if time.monotonic() - last >= PROGRESS_INTERVAL:  # a few frames a second at most
            last = time.monotonic()
            send(replies, {"kind": "epoch", "epoch": epoch, "loss": loss})

    while True:
        message = receive(requests)
        if message is None or message.get("kind") == "stop":
            return 0
        if message.get("kind") == "call":
            send(replies, call(message, model_class, config))
            continue
        from bench.run.train import run_task

        record = run_task(message["task"], model_class, config.options, report)
        send(replies, {"kind": "record", "record": record})


if __name__ == "__main__":
    sys.exit(main())
