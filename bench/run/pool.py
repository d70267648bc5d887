"""Worker processes, one per fighter, started once with that fighter's settings and reused.

A worker that crashes (a segfault, the kernel's OOM killer) or outlives its time limit becomes
a failed record with the reason; the next fight starts a fresh worker for that fighter.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from bench.errors import HarnessError
from bench.fighters.roster import FighterConfig, fighter_config
from bench.run.worker import _HEADER

if (
    TYPE_CHECKING
):  # bench.run.train imports the datasets (scikit-learn, pandas): seconds, not needed
    from bench.run.train import FighterTask

EpochHook = Callable[[int, dict[str, Any]], None]
STARTUP_SECONDS = 300.0  # importing TensorFlow takes 4-6 s here; a loaded machine, far more
# A case's time limit bounds the wait for a worker to start too, but never below this: importing
# a framework on a loaded machine must not fail a short case.
STARTUP_FLOOR = 60.0


def startup_limit(time_limit: float) -> float:
    """Seconds a worker may take to start (import its fighter's code) under a case's time limit."""
    return min(STARTUP_SECONDS, max(time_limit, STARTUP_FLOOR))


LOG_TAIL = 2_000  # characters of a dead worker's log quoted in its failure


class WorkerLost(Exception):
    """The worker died or was killed; the message says how."""


class CallFailed(Exception):
    """A call's function raised in the worker (which lives on); the message is the exception."""

    def __init__(self, error: str, traceback: str, unsupported: bool):
        super().__init__(error)
        self.traceback = traceback
        self.unsupported = unsupported  # the fighter raised Unsupported: it cannot express this


def _project_root() -> str:
    return str(Path(__file__).resolve().parents[2])


def open_log(path: Path) -> BinaryIO:
    """A worker's log, opened for appending without following a symbolic link: a run writes
    only inside its folder, even when a `logs/<fighter>.log` was replaced by a link."""
    for part in (path.parent, path):
        if part.is_symlink():
            raise HarnessError(
                f"{part} is a symbolic link (to {os.readlink(part)}): a run writes only inside "
                "its folder; remove the link and run again"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
    except OSError as err:  # ELOOP: it became a link meanwhile
        raise HarnessError(f"cannot open the worker's log {path}: {err.strerror}") from err
    return os.fdopen(fd, "ab")


class Worker:
    """One fighter's worker process."""

    def __init__(
        self,
        config: FighterConfig,
        log_path: Path,
        env: dict[str, str] | None = None,
        tasks: bool = True,
    ):
        self.config = config
        self.log_path = log_path
        self.settings: dict[str, Any] = {}
        self._log = open_log(log_path)
        environment = {**os.environ, **config.env, **(env or {})}
        # The worker imports bench from this checkout, whatever its working directory.
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [_project_root(), os.environ.get("PYTHONPATH")])
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.run.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=environment,
            # Its own process group: Ctrl-C reaches the coordinator alone, which then ends the
            # worker's whole group, helpers a fighter's fit started included.
            start_new_session=True,
        )
        self._started = time.monotonic()
        # tasks=False: a worker that only answers calls skips importing the training code.
        self._send({"kind": "start", "config": config, "tasks": tasks}, "starting")

    def wait_ready(self, time_limit: float = STARTUP_SECONDS) -> None:
        """Wait until the worker has imported its framework (it is started without waiting)."""
        if not self.settings:
            limit = startup_limit(time_limit)
            doing = f"starting (importing {self.config.model}; limit {limit:g} s)"
            self.settings = self._receive(self._started + limit, doing)["settings"]

    def _send(self, message: dict[str, Any], doing: str) -> None:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.process.stdin.write(_HEADER.pack(len(payload)) + payload)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as err:
            raise WorkerLost(self._death(f"could not be reached while {doing} ({err})")) from err

    def run(
        self, task: FighterTask, timeout: float, on_epoch: EpochHook | None = None
    ) -> dict[str, Any]:
        """Send one task and wait for its record; WorkerLost when the worker dies or times out."""
        self.wait_ready(timeout)
        self._send({"kind": "task", "task": task}, "sending the task")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline, f"training (limit {timeout:g} s)")
            if reply["kind"] == "record":
                return reply["record"]
            if on_epoch is not None:
                on_epoch(reply["epoch"], {"loss": reply["loss"]})

    def call(self, function: str, kwargs: dict[str, Any], timeout: float, doing: str) -> Any:
        """Run `module:function`(model class, options, **kwargs) in the worker; its value, or
        CallFailed when it raised, WorkerLost when the worker died or ran out of time."""
        self.wait_ready(timeout)
        self._send({"kind": "call", "function": function, "kwargs": kwargs}, doing)
        reply = self._receive(time.monotonic() + timeout, f"{doing} (limit {timeout:g} s)")
        if reply["error"] is not None:
            raise CallFailed(reply["error"], reply["traceback"], reply["unsupported"])
        return reply["value"]

    def _receive(self, deadline: float, doing: str) -> dict[str, Any]:
        header = self._read(_HEADER.size, deadline, doing)
        (size,) = _HEADER.unpack(header)
        return pickle.loads(self._read(size, deadline, doing))

    def _read(self, size: int, deadline: float, doing: str) -> bytes:
        fd = self.process.stdout.fileno()
        chunks, missing = [], size
        while missing:
            # Past the deadline, what already waits in the pipe is still read: a worker started
            # ahead of its turn sent its "ready" long before anyone asked.
            remaining = max(0.0, deadline - time.monotonic())
            if not select.select([fd], [], [], remaining)[0]:
                self.kill()
                raise WorkerLost(f"timed out while {doing}: worker killed")
            chunk = os.read(fd, min(missing, 1 << 20))
            if not chunk:
                raise WorkerLost(self._death(f"died while {doing}"))
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def _death(self, what: str) -> str:
        code = self._end(grace=10)
        if code < 0:
            name = signal.Signals(-code).name
            cause = " (killed: out of memory?)" if name == "SIGKILL" else ""
            how = f"{name}{cause}"
        else:
            how = f"exit code {code}"
        return f"worker process {what}: {how}; log {self.log_path}:\n{self._tail()}"

    def _tail(self) -> str:
        self._log.flush()
        try:
            text = self.log_path.read_bytes()[-LOG_TAIL:].decode("utf-8", "replace")
        except OSError:
            return ""
        return text.strip()

    def kill(self) -> None:
        """Kill the worker and everything it started."""
        self._end(grace=0)

    def _exited(self) -> bool:
        """Whether the worker has exited, without reaping it (its pid, and so its process
        group's id, stays taken until it is reaped: no other process can have it yet)."""
        if self.process.returncode is not None:
            return True
        try:
            flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
            return os.waitid(os.P_PID, self.process.pid, flags) is not None
        except ChildProcessError:
            return True

    def _end(self, grace: float) -> int:
        """Give the worker `grace` seconds to exit, then kill its whole process group (the
        worker, and any process a fighter started that is still in it), then reap it."""
        deadline = time.monotonic() + grace
        while not self._exited() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.process.returncode is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
        return self.process.wait()

    def stop(self) -> None:
        """Ask the worker to stop (without waiting: a pool stops all its workers at once)."""
        if not self._exited() and not self.process.stdin.closed:
            try:
                self._send({"kind": "stop"}, "stopping")
                self.process.stdin.close()
            except (WorkerLost, OSError):
                self.kill()

    def close(self) -> None:
        """Ask the worker to stop, then make sure it and everything it started have."""
        self.stop()
        self._end(grace=10)
        self._log.close()


class WorkerPool:
    """At most one live worker per fighter, started on first use, replaced after a loss."""

    def __init__(
        self,
        log_dir: Path,
        env: dict[str, str] | None = None,
        fighters: dict[str, FighterConfig] | None = None,
        tasks: bool = True,
    ):
        self.log_dir = Path(log_dir)
        self.env = env or {}
        self.fighters = fighters or {}  # fighters beyond the roster (a user's own)
        self.tasks = tasks  # whether its workers train fights (False: they only answer calls)
        self._workers: dict[str, Worker] = {}

    def run(
        self, task: FighterTask, timeout: float, on_epoch: EpochHook | None = None
    ) -> dict[str, Any]:
        """Train one fighter; a lost worker becomes a failed record, and is replaced next time."""
        try:
            worker = self._worker(task.fighter)
            record = worker.run(task, timeout, on_epoch)
        except WorkerLost as err:
            self._workers.pop(task.fighter, None)
            return {"status": "failed", "reason": str(err).splitlines()[0], "traceback": str(err)}
        record["process"] = worker.settings
        return record

    def call(
        self, fighter: str, function: str, kwargs: dict[str, Any], timeout: float, doing: str
    ) -> Any:
        """Worker.call in this fighter's worker; a lost worker is replaced next time."""
        try:
            return self._worker(fighter).call(function, kwargs, timeout, doing)
        except WorkerLost:
            self._workers.pop(fighter, None)
            raise

    def worker(self, fighter: str) -> Worker:
        """This fighter's live worker, started if need be."""
        return self._worker(fighter)

    def start(self, fighters: list[str]) -> None:
        """Start the workers of these fighters at once, so their frameworks import side by side."""
        for fighter in fighters:
            if fighter not in self._workers and self.config(fighter).unavailable_reason() is None:
                self._worker(fighter)

    def wait_ready(self, time_limit: float = STARTUP_SECONDS) -> None:
        """Wait until every started worker has imported its framework, so that no fight is timed
        while another process imports one; a worker that died starting is dropped (the fight that
        needs it starts it again, and records why it fails)."""
        for fighter, worker in list(self._workers.items()):
            try:
                worker.wait_ready(time_limit)
            except WorkerLost:
                self._workers.pop(fighter).close()

    def config(self, fighter: str) -> FighterConfig:
        """A fighter's roster entry (or the user's definition)."""
        return self.fighters.get(fighter) or fighter_config(fighter)

    def _worker(self, fighter: str) -> Worker:
        if fighter not in self._workers:
            config = self.config(fighter)
            self._workers[fighter] = Worker(
                config, self.log_dir / f"{fighter}.log", self.env, self.tasks
            )
        return self._workers[fighter]

    def close(self) -> None:
        """Stop every worker: all asked first, so they exit side by side."""
        for worker in self._workers.values():
            worker.stop()
        for worker in self._workers.values():
            worker.close()
        self._workers.clear()

    def __enter__(self) -> WorkerPool:
        return self

    def kill(self) -> None:
        """Kill every worker now, with everything each started (an interrupted run: a busy
        worker reads no 'stop' until its fight ends)."""
        for worker in self._workers.values():
            worker.kill()
        self.close()

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            self.kill()
        else:
            self.close()
