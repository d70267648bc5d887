"""--scheduler and --jobs: a bad address or count is refused before anything runs (exit 2), and a
service that is not a Dask scheduler is told apart within the connect time-out."""

import socket
import textwrap
import threading

import pytest

from bench.cli import main
from bench.errors import HarnessError
from bench.run import dask_cluster
from bench.run.environment import usable_cpus


@pytest.fixture
def suite_path(tmp_path):
    path = tmp_path / "suite.toml"
    path.write_text(
        textwrap.dedent(
            """
            [[case]]
            name = "moons"
            dataset = "moons"
            hidden = [4]
            seeds = 1
            epochs = 1
            """
        )
    )
    return path


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--scheduler", "http://10.0.0.1:8786"],
            "--scheduler 'http://10.0.0.1:8786': scheme 'http' is not a Dask protocol; choose one "
            "of tcp, tls, ws, wss, ucx: write it as tcp://HOST:PORT (or tls://HOST:PORT)",
        ),
        (
            ["--scheduler", "tcp://host:abc"],
            "--scheduler 'tcp://host:abc': not HOST:PORT with a port number in 1-65535; write it "
            "as tcp://HOST:PORT (or tls://HOST:PORT)",
        ),
        (
            ["--scheduler", "tcp://:8786"],
            "--scheduler 'tcp://:8786': not HOST:PORT with a port number in 1-65535; write it as "
            "tcp://HOST:PORT (or tls://HOST:PORT)",
        ),
        (
            ["--jobs", "100000"],
            f"--jobs 100000: at most {len(usable_cpus())}, the CPUs this run may use (each fight "
            "needs one at least); use --scheduler for a cluster of several machines",
        ),
    ],
)
def test_bad_parallel_flags_are_refused_before_anything_runs(
    suite_path, tmp_path, capsys, flags, message
):
    run_dir = tmp_path / "run"
    assert main(["run", str(suite_path), "--out", str(run_dir), *flags]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"
    assert not run_dir.exists()


@pytest.fixture
def silent_service():
    """A TCP service that accepts connections and never says a word (not Dask)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for connection in held:
        connection.close()


def test_a_service_that_is_not_a_dask_scheduler_is_refused_within_the_time_out(silent_service):
    with pytest.raises(HarnessError) as refused:
        dask_cluster.check_scheduler(silent_service, timeout=2)
    assert str(refused.value) == (
        f"--scheduler {silent_service}: cannot reach a Dask scheduler there (nothing answered as "
        "a Dask scheduler within 2 s); start one with `dask scheduler` and give the address it "
        "prints"
    )


def test_the_run_says_so_and_exits_2(suite_path, tmp_path, capsys, silent_service, monkeypatch):
    monkeypatch.setattr(dask_cluster, "CONNECT_SECONDS", 2)
    args = ["run", str(suite_path), "--out", str(tmp_path / "run"), "--no-report"]
    assert main([*args, "--scheduler", silent_service, "--cache-dir", str(tmp_path / "c")]) == 2
    assert "cannot reach a Dask scheduler there (nothing answered" in capsys.readouterr().err


def test_a_real_dask_scheduler_passes_the_check():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=0, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        dask_cluster.check_scheduler(cluster.scheduler_address, timeout=30)
