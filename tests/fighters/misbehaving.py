"""User fighters that misbehave in every way a worker process can: for the runner's tests."""

import os
import signal
import time

from numpy_nn import Network


class Crasher(Network):
    """Dies of a segmentation fault while training, as a broken C extension would."""

    def fit(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGSEGV)


class Sleeper(Network):
    """Never finishes training."""

    def fit(self, *args, **kwargs):
        time.sleep(3600)


class Raiser(Network):
    """Raises while training."""

    def fit(self, *args, **kwargs):
        raise RuntimeError("out of memory (simulated)")


class Picky(Network):
    """Cannot express this spec: a clear 'not supported' record."""

    def __init__(self, *args, **kwargs):
        from bench.fighters.base import Unsupported

        raise Unsupported("anything at all")


class EnvironmentReporter(Network):
    """Says, by failing, which value of DVG_PROBE its process was started with."""

    def fit(self, *args, **kwargs):
        raise RuntimeError(f"DVG_PROBE={os.environ.get('DVG_PROBE')}")


class ParentKiller(Network):
    """Kills the process that started it (on Dask, the worker) while training: a lost machine."""

    def fit(self, *args, **kwargs):
        os.kill(os.getppid(), signal.SIGKILL)
        os._exit(1)
