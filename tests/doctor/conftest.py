"""One worker pool a test module, so Keras (the doctor's reference) is imported once for it."""

import pytest

from bench.doctor.run import REFERENCE
from bench.run.pool import WorkerPool


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    """Workers that answer the doctor's calls, Keras's imported once for the module."""
    with WorkerPool(tmp_path_factory.mktemp("doctor-logs"), tasks=False) as shared:
        shared.worker(REFERENCE).wait_ready()
        yield shared
