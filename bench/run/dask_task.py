"""A fight on a Dask worker: the worker's share of the machine, its fighters' workers, the task.

Each Dask worker process keeps one WorkerPool, so every fighter's framework is imported once per
Dask worker, started with the worker's share of its machine: BLAS, OpenMP and TensorFlow threads
set to the share's size and the process pinned to its CPUs. A fight's fighters all run here, back
to back, so their speed ratios are measured in one place. The task returns the fight's result;
only the coordinator writes it.

This module stays light (the harness's data and metrics code is imported by the first task): the
plugin starts the fighters' workers while the Dask worker is still importing.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dask
from distributed import WorkerPlugin, get_worker
from distributed.comm import get_address_host

from bench.errors import HarnessError
from bench.fighters.roster import FighterConfig
from bench.run.environment import THREAD_VARIABLES, usable_cpus
from bench.run.pool import WorkerPool

if TYPE_CHECKING:
    from bench.plan.case import Case

TOPIC = "david-vs-goliath"  # the Dask event topic that carries progress to the coordinator
PLUGIN = "david-vs-goliath"
EPOCH_EVENTS_EVERY = 0.5  # seconds between a fight's epoch events (the scheduler keeps them)


@dataclass(frozen=True)
class FightContext:
    """What every fight of a run shares, sent to each Dask worker."""

    run_id: str
    cache_dir: str | None
    log_dir: str
    user_fighters: dict[str, FighterConfig]
    env: dict[str, str]  # extra variables for every fighter's worker process
    fighters: list[str]  # every fighter the run still needs, started before the first fight


@dataclass(frozen=True)
class Share:
    """A Dask worker's part of its machine: how many threads, on which CPUs."""

    threads: int
    cpus: list[int]

    def env(self) -> dict[str, str]:
        """The thread variables its fighters' workers start with."""
        return {name: str(self.threads) for name in THREAD_VARIABLES}


def machine_share(index: int, count: int, cpus: list[int]) -> Share:
    """The share of worker `index` of `count` on one machine: max(1, CPUs // count) CPUs."""
    size = max(1, len(cpus) // count)
    start = (index * size) % len(cpus)  # more workers than CPUs: they share, in turn
    return Share(size, cpus[start : start + size])


def worker_slots(workers: dict[str, dict[str, Any]]) -> tuple[dict[str, tuple[int, int]], dict]:
    """Each worker's place among the workers of its host, by name: (index, count); and per host
    the number of workers (from the scheduler's view of its workers)."""
    by_host: dict[str, list[str]] = {}
    for address, info in workers.items():
        by_host.setdefault(info.get("host") or get_address_host(address), []).append(
            str(info.get("name", address))
        )
    slots = {}
    for names in by_host.values():
        # Natural order: a LocalCluster's workers 0..N-1 keep their slot across restarts.
        names.sort(key=_natural)
        slots.update({name: (index, len(names)) for index, name in enumerate(names)})
    return slots, {host: len(names) for host, names in by_host.items()}


def _natural(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def pin(cpus: list[int]) -> None:
    """Pin every thread of this process to these CPUs (threads started later inherit it)."""
    if not hasattr(os, "sched_setaffinity"):
        return
    for thread in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(thread), cpus)
        except OSError:  # a thread that has just ended
            continue


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    share: Share | None = None
    pool: WorkerPool | None = None
    pool_key: tuple[Any, ...] | None = None


_STATE = _State()  # one per Dask worker process


class FightPlugin(WorkerPlugin):
    """Gives each Dask worker its share of the machine; closes its fighters' workers at the end."""

    name = PLUGIN

    def __init__(
        self, slots: dict[str, tuple[int, int]], hosts: dict[str, int], context: FightContext
    ):
        self.slots, self.hosts, self.context = slots, hosts, context

    async def setup(self, worker: Any) -> None:
        """Work out this worker's share, pin the process to it, start the fighters' workers."""
        cpus = usable_cpus()
        slot = self.slots.get(str(worker.name))
        if slot is None:  # joined after the run started: its host's count plus itself, unpinned
            count = self.hosts.get(get_address_host(worker.address), 0) + 1
            share = Share(max(1, len(cpus) // count), cpus)
        else:
            share = machine_share(*slot, cpus)
            pin(share.cpus)
        # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers, which changes how fast NumPy
        # allocates: fighters get the machine's default back (thread counts come from the share).
        for name, value in (dask.config.get("distributed.nanny.pre-spawn-environ") or {}).items():
            if name not in THREAD_VARIABLES and os.environ.get(name) == str(value):
                del os.environ[name]
        _STATE.share = share
        # The run's first fight waits until every worker's fighters are ready (registering the
        # plugin returns when all setups have): no fight is timed while frameworks import.
        await asyncio.to_thread(self._start_fighters, share, str(worker.name))

    def _start_fighters(self, share: Share, name: str) -> None:
        # Not while a fight holds the pool (another run's, on a shared cluster): the next fight
        # replaces the pool if this run needs another one.
        if _STATE.lock.acquire(blocking=False):
            try:
                pool = _pool(self.context, share, name)
                pool.start(self.context.fighters)  # their frameworks import side by side,
                importlib.import_module(".executor", __package__)  # with the fight's own code
                pool.wait_ready()
            finally:
                _STATE.lock.release()

    def teardown(self, worker: Any) -> None:
        """Stop this worker's fighter processes (unless a fight still uses them)."""
        if _STATE.lock.acquire(blocking=False):
            try:
                _close_pool()
            finally:
                _STATE.lock.release()


def _close_pool() -> None:
    if _STATE.pool is not None:
        _STATE.pool.close()
        _STATE.pool, _STATE.pool_key = None, None


def _log_dir(context: FightContext, worker_name: str) -> Path:
    """Where this worker's fighters log: beside the run's, or a temporary folder on a machine
    that cannot write there."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", worker_name).strip("-.") or "worker"
    folder = Path(context.log_dir) / f"dask-{slug}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir()) / "david-vs-goliath" / context.run_id / f"dask-{slug}"
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pool(context: FightContext, share: Share, worker_name: str) -> WorkerPool:
    """This worker's pool, reused fight after fight (a new one when the run changes)."""
    env = {**context.env, **share.env()}
    key = (context.log_dir, repr(sorted(context.user_fighters.items())), sorted(env.items()))
    if _STATE.pool is None or _STATE.pool_key != key:
        _close_pool()
        log_dir = _log_dir(context, worker_name)
        _STATE.pool = WorkerPool(log_dir, env, context.user_fighters)
        _STATE.pool_key = key
    return _STATE.pool


class _Events:
    """A fight's progress, sent to the coordinator as Dask events (epochs at most every 0.5 s)."""

    def __init__(self, worker: Any, index: int):
        self.worker, self.index = worker, index
        self._last = 0.0

    def send(self, kind: str, **fields: Any) -> None:
        self.worker.log_event(TOPIC, {"fight": self.index, "kind": kind, **fields})

    def fighter(self, name: str, epochs: int) -> None:
        self.send("fighter", fighter=name, epochs=epochs)

    def epoch(self, epoch: int, logs: dict[str, Any]) -> None:
        if time.monotonic() - self._last >= EPOCH_EVENTS_EVERY:
            self._last = time.monotonic()
            self.send("epoch", epoch=epoch)


def fight_task(index: int, case: Case, seed: int, context: FightContext) -> dict[str, Any]:
    """Run one fight (every fighter, back to back) on this Dask worker; return its result."""
    from bench.run.executor import failed_fight, run_fight

    worker = get_worker()
    name = str(worker.name)
    with _STATE.lock:  # a worker started with several threads still runs one fight at a time
        share = _STATE.share or Share(len(usable_cpus()), usable_cpus())
        pool = _pool(context, share, name)
        events = _Events(worker, index)
        host = os.uname().nodename
        events.send("start", name=name, host=host, pid=os.getpid(), threads=share.threads)
        pool.start(context.fighters)  # already started by the plugin, unless one was lost
        pool.wait_ready()
        try:
            result = run_fight(case, seed, context.run_id, pool, context.cache_dir, events)
        except HarnessError as err:  # the data of this seed could not be built
            result = failed_fight(case, seed, context.run_id, str(err), pool.fighters)
    if result.get("machine"):
        result["machine"].update(worker=worker.address, worker_name=name)
    return result
