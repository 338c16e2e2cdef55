"""Sweeps on a Dask cluster: a real scheduler and two workers on 127.0.0.1, started as a user would start them."""

from __future__ import annotations

import builtins
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed", reason='dask.distributed is not installed: pip install "fnn[dask]"')

import fnn  # noqa: E402
from fnn.errors import ConfigError, FnnError  # noqa: E402
from fnn.runs.dask_executor import dask_executor  # noqa: E402
from fnn.runs.sweep import grid, run_sweep  # noqa: E402

from support import assert_one_line_error, cli  # noqa: E402

REPO = Path(fnn.__file__).resolve().parent.parent
START_SECONDS = 90  # a shared machine under load starts a worker in seconds; this only bounds a hang
# Six configurations that cannot stack (different hidden sizes and activations): six tasks for two workers.
CONFIGS = grid(hidden=[(2,), (3,), (4,)], activation=["sigmoid", "tanh"], epochs=[50])


def _start(args: list[str], log: Path) -> subprocess.Popen:
    # The workers import this checkout's fnn, as the test process does.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", *args], stdout=out, stderr=subprocess.STDOUT, env=env)


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory) -> str:
    """The address of a scheduler with two one-thread workers: ``dask scheduler`` and ``dask worker`` x2."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    processes = [_start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                         "--scheduler-file", str(file), "--no-dashboard"], folder / "scheduler.log")]
    try:
        deadline = time.monotonic() + START_SECONDS
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert file.exists(), (folder / "scheduler.log").read_text()
        processes += [_start(["distributed.cli.dask_worker", "--scheduler-file", str(file), "--nthreads", "1",
                              "--host", "127.0.0.1", "--no-dashboard"], folder / f"worker{n}.log") for n in (1, 2)]
        address = json.loads(file.read_text())["address"]
        with distributed.Client(address, timeout=START_SECONDS) as client:
            client.wait_for_workers(2, timeout=START_SECONDS)
        yield address
    finally:
        _stop(processes)


@pytest.fixture(scope="module")
def local_results() -> list:
    return run_sweep(CONFIGS, workers=2)


def _same(runs, others) -> None:
    """The same configurations in the same order, with the same numbers to the last bit."""
    assert [run.config for run in runs] == [run.config for run in others]
    for run, other in zip(runs, others):
        assert run.error is None and other.error is None
        np.testing.assert_array_equal(run.loss, other.loss)
        assert run.summary["metrics"] == other.summary["metrics"]


def test_a_sweep_on_a_cluster_gives_the_local_pools_results_in_order(scheduler, local_results):
    finished = []
    with dask_executor(scheduler) as executor:
        assert executor.workers == 2
        runs = run_sweep(CONFIGS, on_done=lambda index, run: finished.append(index), executor=executor)
    _same(runs, local_results)
    assert sorted(finished) == list(range(len(CONFIGS)))  # progress: each run once, as it came back


def test_fnn_sweep_scheduler_prints_the_local_pools_table(scheduler):
    args = ["sweep", "--hidden", "2,3,4", "-a", "sigmoid,tanh", "--epochs", "50", "--json"]
    local = cli(*args, "--workers", "2", "--force-workers")
    for given in (["--scheduler", scheduler], []):  # the option, or the environment
        result = cli(*args, *given, env={} if given else {"FNN_DASK_SCHEDULER": scheduler})
        assert result.exit_code == 0, result.output
        assert _without_times(result.stdout) == _without_times(local.stdout)


def _without_times(text: str) -> dict:
    """``fnn sweep --json``'s results but the seconds, which differ from one sweep to the next."""
    results = json.loads(text)
    for group in results["groups"]:
        group.pop("train_seconds")
    return results


def test_workers_with_a_scheduler_are_refused(scheduler):
    assert_one_line_error(cli("sweep", "--scheduler", scheduler, "--workers", "2"), 2, "--workers", "--scheduler")
    assert_one_line_error(cli("sweep", "--workers", "2", env={"FNN_DASK_SCHEDULER": scheduler}), 2,
                          f"FNN_DASK_SCHEDULER={scheduler}")


def test_an_interrupt_cancels_the_pending_futures(scheduler):
    def interrupt(index, run):
        raise KeyboardInterrupt

    cloudpickle = pytest.importorskip("cloudpickle")
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with dask_executor(scheduler) as executor:
        with pytest.raises(KeyboardInterrupt):
            run_sweep(CONFIGS, on_done=interrupt, executor=executor)
        deadline = time.monotonic() + 10
        while executor.client.run_on_scheduler(_fnn_tasks) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert executor.client.run_on_scheduler(_fnn_tasks) == 0  # nothing left queued on the cluster


def _fnn_tasks(dask_scheduler) -> int:
    """The scheduler's tasks of fnn sweeps (sent by value: the scheduler cannot import this test module)."""
    return sum(str(key).startswith("fnn-sweep") for key in dask_scheduler.tasks)


def test_local_n_starts_a_cluster_here_and_closes_it(local_results):
    with dask_executor("local:2") as executor:
        assert executor.workers == 2
        cluster = executor.client.cluster
        runs = run_sweep(CONFIGS, executor=executor)
    _same(runs, local_results)
    assert cluster.status.name == "closed"


def test_an_unreachable_scheduler_is_one_line_naming_it(monkeypatch):
    start = time.monotonic()
    with pytest.raises(FnnError, match="cannot reach a Dask scheduler at 'tcp://127.0.0.1:1' within 1 s"):
        with dask_executor("tcp://127.0.0.1:1", timeout=1):
            pass
    assert time.monotonic() - start < 10
    monkeypatch.setattr("fnn.runs.dask_executor.CONNECT_SECONDS", 1)
    assert_one_line_error(cli("sweep", "--scheduler", "tcp://127.0.0.1:1"), 1, "tcp://127.0.0.1:1", "dask scheduler")


@pytest.mark.parametrize("address, words", [("local:0", "at least 1"), ("local:two", "at least 1"),
                                            ("nowhere", "not a Dask scheduler's address")])
def test_a_bad_address_is_a_config_error(address, words):
    with pytest.raises(ConfigError, match=words):
        with dask_executor(address, timeout=1):
            pass


def test_without_dask_scheduler_says_what_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name in ("dask", "distributed"):  # only these: a Client closing meanwhile imports its submodules
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    assert_one_line_error(cli("sweep", "--scheduler", "local:2"), 2, 'pip install "fnn[dask]"')


def test_fnn_never_imports_dask_until_a_cluster_is_asked_for():
    code = ("import sys, fnn, fnn.cli, fnn.runs.sweep; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.stdout.strip() == "[]"


def test_a_killed_worker_costs_nothing_dask_runs_its_task_again(scheduler):
    """Last in the module: it kills a worker (its nanny starts another, and the test waits for it)."""
    configs = grid(hidden=[(2,), (3,)], activation=["tanh"], epochs=[3000])  # two tasks of a few seconds each
    with dask_executor(scheduler) as executor:
        client = executor.client
        pids = client.run(os.getpid)

        def kill_one_while_busy() -> None:
            deadline = time.monotonic() + START_SECONDS
            while time.monotonic() < deadline:
                busy = [worker for worker, keys in client.processing().items() if keys]
                if len(busy) == 2:
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_one_while_busy)
        killer.start()
        runs = run_sweep(configs, executor=executor)
        killer.join()
        client.wait_for_workers(2, timeout=START_SECONDS)
        assert set(client.run(os.getpid).values()) != set(pids.values())  # one worker was killed ...
    _same(runs, run_sweep(configs, workers=2))  # ... and its task ran again elsewhere, with the same numbers
