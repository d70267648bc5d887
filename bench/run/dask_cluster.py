"""Fights on Dask: a local cluster of N worker processes (--jobs N), or an existing one.

A task is one fight (a case x a seed, all its fighters back to back on one worker). Results come
back here as they finish (as_completed) and the ledger writes each at once, so resume, the lock
and the summary work as in a sequential run. A fight whose worker is lost runs once more on
another worker; lost again, it is recorded as failed with the reason. Imported only for a
parallel run: a sequential run never loads Dask.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import dask
from distributed import Client, Future, KilledWorker, LocalCluster, as_completed
from distributed.core import rpc

from bench.errors import HarnessError
from bench.run.dask_progress import FightBoard
from bench.run.dask_task import TOPIC, FightContext, FightPlugin, fight_task, worker_slots
from bench.run.executor import failed_fight
from bench.run.ledger import Ledger, PlannedFight
from bench.run.progress import Progress

ATTEMPTS = 2  # a fight whose Dask worker is lost runs once more, elsewhere
RETRY = object()  # _result's answer when a fight must run again
CONNECT_SECONDS = 30
JOIN_SECONDS = 300  # how long a run on an existing cluster waits for its first worker
LOCAL_SETTINGS = {
    # A fight whose worker dies comes back to us at once: the one retry is ours.
    "distributed.scheduler.allowed-failures": 0,
    # One fight per worker at a time, none waiting in a worker's queue: "running" means running.
    "distributed.scheduler.worker-saturation": 1.0,
    # Threads come from each worker's share; Dask's MALLOC_TRIM_THRESHOLD_ changes NumPy's speed.
    "distributed.nanny.pre-spawn-environ": {},
}


def fight_on_dask(
    fights: list[PlannedFight],
    ledger: Ledger,
    context: FightContext,
    jobs: int,
    scheduler: str | None,
) -> None:
    """Run the fights not kept from an earlier run on Dask; write each result as it arrives."""
    board = FightBoard(ledger.progress)
    for planned in fights:
        if planned.kept is not None:
            ledger.keep(planned)
    todo = [planned for planned in fights if planned.kept is None]
    if not todo:
        return
    with _connect(jobs, scheduler, ledger.progress) as client:
        slots, hosts = worker_slots(client.scheduler_info()["workers"])
        client.register_plugin(FightPlugin(slots, hosts, context))
        client.subscribe_topic(TOPIC, board.event)
        token = uuid.uuid4().hex[:8]
        attempts: dict[str, tuple[PlannedFight, int]] = {}

        def submit(planned: PlannedFight, attempt: int) -> Future:
            key = f"fight-{planned.case.name}-seed{planned.seed}-{token}-{attempt}"
            arguments = (planned.index, planned.case, planned.seed, context)
            future = client.submit(fight_task, *arguments, key=key, pure=False)
            attempts[future.key] = (planned, attempt)
            return future

        for planned in todo:
            if planned.why:
                ledger.progress.line(f"{planned.where}: running again: {planned.why}")
            board.queue(planned.index, planned.where, planned.case.name, planned.seed)
        board.show()
        finished = as_completed([submit(planned, 1) for planned in todo])
        for future in finished:
            planned, attempt = attempts.pop(future.key)
            result = _result(future, planned, attempt, context, board)
            future.release()  # a result held on a worker would be recomputed if it were lost
            if result is RETRY:
                finished.add(submit(planned, attempt + 1))
                continue
            if result is not None:
                worker = (result.get("machine") or {}).get("worker_name")
                ledger.record(planned, result, f" (worker {worker})" if worker else "")
            board.finished(planned.index)
        client.unsubscribe_topic(TOPIC)


def _result(
    future: Future, planned: PlannedFight, attempt: int, context: FightContext, board: FightBoard
) -> dict[str, Any] | None | object:
    """The fight's result to write; RETRY when it must run again; None when nothing may be
    written (a resume runs it again)."""
    case, seed = planned.case, planned.seed
    if future.status == "error":
        error = future.exception()
        if not isinstance(error, KilledWorker):
            future.result()  # a bug, as in a sequential run: raise it, the run stops
        last = error.last_worker
        lost = f"Dask worker {last.name} ({last.address}) was lost (died or was killed) mid-fight"
        if attempt < ATTEMPTS:
            board.requeue(planned.index, f"{lost}; running it again on another worker")
            return RETRY
        why = f"{lost}, and so was the worker of its one retry"
        failed = failed_fight(case, seed, context.run_id, why, context.user_fighters)
        # Filed under the fight's configuration, as a crashed fighter is: the report shows it
        # and a resume keeps it (remove its file to run it again).
        failed["config_fingerprint"] = planned.fingerprint or failed["config_fingerprint"]
        return failed
    result = future.result()
    computed = result.get("config_fingerprint")
    if planned.fingerprint and not result.get("error") and computed != planned.fingerprint:
        # The worker's code, packages or data differ from this checkout's: its numbers would be
        # filed under a configuration they do not belong to, so none are written.
        worker = (result.get("machine") or {}).get("worker")
        board.progress.line(
            f"{planned.where}: not recorded: Dask worker {worker} computed configuration "
            f"fingerprint {computed[:12]}, this checkout {planned.fingerprint[:12]}: its code, "
            "packages or data differ from this checkout's; install the same commit there and "
            "run again to resume"
        )
        return None
    return result


def check_scheduler(address: str, timeout: float = CONNECT_SECONDS) -> None:
    """A HarnessError unless a Dask scheduler answers at `address` within `timeout` seconds.

    Client's own timeout covers opening the connection, not Dask's handshake: a service that
    accepts the connection and never speaks Dask would hold it forever."""

    async def identity() -> dict[str, Any]:
        scheduler = rpc(address, timeout=timeout)
        try:
            return await scheduler.identity()
        finally:
            await scheduler.close_rpc()

    try:
        answer = asyncio.run(asyncio.wait_for(identity(), timeout))
    except TimeoutError:
        why = f"nothing answered as a Dask scheduler within {timeout:g} s"
    except Exception as err:  # refused, unresolvable, or a service speaking another protocol
        why = f"{type(err).__name__}: {err}".strip().rstrip(":")
    else:
        kind = answer.get("type") if isinstance(answer, dict) else None
        if kind == "Scheduler":
            return
        why = f"it answered as {kind!r}, not as a Scheduler"
    raise HarnessError(
        f"--scheduler {address}: cannot reach a Dask scheduler there ({why}); start one with "
        "`dask scheduler` and give the address it prints"
    )


@contextlib.contextmanager
def _connect(jobs: int, scheduler: str | None, progress: Progress) -> Iterator[Client]:
    """A client of an existing cluster, or of a local cluster of `jobs` worker processes."""
    if scheduler:
        check_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError) as err:
            raise HarnessError(
                f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({err}); start "
                "one with `dask scheduler` and give the address it prints"
            ) from err
        with client:
            if not client.scheduler_info()["workers"]:
                progress.line(f"waiting for Dask workers to join {scheduler} ...")
            try:
                client.wait_for_workers(1, timeout=JOIN_SECONDS)
            except TimeoutError as err:
                raise HarnessError(
                    f"--scheduler {scheduler}: no Dask worker joined in {JOIN_SECONDS} s; start "
                    f"some with `dask worker {scheduler} --nthreads 1`"
                ) from err
            yield client
        return
    with dask.config.set(LOCAL_SETTINGS):
        cluster = LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,  # a lost worker is told in our own words
        )
        with cluster, Client(cluster) as client:
            client.wait_for_workers(jobs)
            yield client
