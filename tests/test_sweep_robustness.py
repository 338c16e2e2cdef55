"""Sweeps under interrupts, dead workers and odd requests.

Every fnn error pickles (found by walking ``FnnError``'s subclasses, so new
ones are covered); a worker that dies (os._exit, SIGKILL, a segfault) or a
run that raises (an exception, an fnn error, SystemExit) fails only its own
runs, which the table, the progress lines, results.csv and results.json show,
and the command exits 1 after showing every result; an interrupt ends the
workers at once; ``fnn sweep`` under SIGINT and SIGTERM ends within seconds
with one line and exit 130 or 143, and leaves no process behind, nor after
SIGKILL of the parent; ``--sort`` that cannot apply, ``--dataset`` with
``--data``, a grid above ``MAX_UNCONFIRMED`` without ``--yes`` are refused
before training; ``--workers`` above the cores is capped with a note unless
``--force-workers``.
"""

from __future__ import annotations

import csv
import importlib
import inspect
import json
import multiprocessing
import os
import pickle
import pkgutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import fnn
import fnn.cli.sweep
import fnn.runs.sweep
import sweep_saboteur as saboteur
from fnn.errors import FnnError, Interrupted
from fnn.runs.sweep import WORKER_DIED, grid, run_sweep
from support import assert_one_line_error, cli

# ---------------------------------------------------------------------------------------------- pickling

_SAMPLES = {"str": "sigmod", "int": 7, "float": 2.5, "Iterable[str]": ("tanh", "sigmoid"), "str | None": "a hint"}


def _every_error_class() -> list[type]:
    for module in pkgutil.walk_packages(fnn.__path__, "fnn."):  # errors defined anywhere in fnn
        importlib.import_module(module.name)
    found, todo = [], [FnnError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def _example(cls: type) -> BaseException:
    """An instance built from sample values for its ``__init__``'s annotated parameters."""
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    if [p.kind for p in parameters] == [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD]:
        return cls("what was wrong; what is allowed")
    missing = [p.name for p in parameters if p.annotation not in _SAMPLES]
    assert not missing, f"add sample values for {cls.__name__}'s {missing} to _SAMPLES"
    keyword = {p.name: _SAMPLES[p.annotation] for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}
    return cls(*(_SAMPLES[p.annotation] for p in parameters if p.name not in keyword), **keyword)


@pytest.mark.parametrize("cls", _every_error_class(), ids=lambda cls: cls.__name__)
def test_every_fnn_error_survives_a_pickle_round_trip(cls):
    error = _example(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert (str(copy), copy.args, vars(copy)) == (str(error), error.args, vars(error))


def test_the_walk_finds_the_errors_with_their_own_arguments():
    names = {cls.__name__ for cls in _every_error_class()}
    expected = {"ConfigError", "UnknownNameError", "TrainingDiverged", "DataError", "PluginError", "ModelFileError"}
    assert expected <= names


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_pickles_and_is_not_an_exception(signum):
    error = Interrupted(signum, "interrupted after 3 of 9 runs")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.signum, str(copy)) == (Interrupted, signum, "interrupted after 3 of 9 runs")
    assert isinstance(error, KeyboardInterrupt) and not isinstance(error, Exception)  # `except Exception` lets it by


# ---------------------------------------------------------------------------------------- failing runs


@pytest.fixture
def sabotaged(monkeypatch):
    """Sweeps whose runs with the saboteur's seeds die or raise inside the worker."""
    monkeypatch.setattr(fnn.runs.sweep, "_train_task", saboteur.task)


def _outcomes(runs):
    return {run.config.seed: run.error for run in runs}


def test_dead_workers_cost_only_their_own_runs(sabotaged):
    configs = grid(seed=[1, saboteur.EXITS, 2, saboteur.KILLED], epochs=[20], batch_size=[4])
    done = []
    runs = run_sweep(configs, workers=2, on_done=lambda index, run: done.append(index))
    assert _outcomes(runs) == {1: None, 2: None, saboteur.EXITS: WORKER_DIED, saboteur.KILLED: WORKER_DIED}
    assert sorted(done) == list(range(len(configs)))  # every run reported once
    expected = run_sweep([c for c in configs if c.seed < 100], workers=1)
    survivors = [run for run in runs if not run.failed]
    assert [run.loss.tolist() for run in survivors] == [run.loss.tolist() for run in expected]
    assert all(run.summary is None and run.diverged_at is None for run in runs if run.failed)
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_that_raises_fails_alone_with_its_message(sabotaged, workers):
    # Seeds that differ only in the seed train stacked; the group falls back to one run at a time.
    configs = grid(seed=[1, saboteur.RAISES, saboteur.FNN_ERROR, 2, saboteur.SYS_EXIT], epochs=[20])
    assert _outcomes(run_sweep(configs, workers=workers)) == {
        1: None, 2: None, saboteur.RAISES: "RuntimeError: a plugin broke on two lines",
        saboteur.FNN_ERROR: "the plugin's setting is wrong", saboteur.SYS_EXIT: "SystemExit: 4"}


def test_failed_runs_in_the_table_the_progress_lines_and_the_results(sabotaged, tmp_path):
    out = tmp_path / "sweep"
    result = cli("sweep", "-e", "20", "--batch-size", "4", "--seed", f"1,{saboteur.SEGFAULT}", "--workers", "2",
                 "--out", out)
    assert_one_line_error(result, 1, "1 of 2 runs failed (worker died)", "other results are complete")
    assert f"seed={saboteur.SEGFAULT}: failed: worker died" in result.stdout  # the progress line
    assert "(1 failed)" in result.stdout[result.stdout.index("Sweep: 2 runs"):] and "Sweep written to" in result.stdout
    with open(out / "results.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["seed"], row["error"]) for row in rows] == [("1", ""), (str(saboteur.SEGFAULT), WORKER_DIED)]
    results = json.loads((out / "results.json").read_text())
    assert [(group["failed"], group["errors"]) for group in results["groups"]] == [(1, [WORKER_DIED])]
    assert results["runs"][1]["error"] == WORKER_DIED and results["runs"][0]["error"] is None


def test_a_configuration_whose_every_run_fails_shows_why(sabotaged):
    result = cli("sweep", "-e", "20", "--seed", f"{saboteur.FNN_ERROR}", "--lr", "0.5,1", "--workers", "1")
    assert_one_line_error(result, 1, "2 of 2 runs failed (the plugin's setting is wrong)")
    assert result.stdout.count("failed: the plugin's setting is wrong") == 4  # two progress lines, two rows


@pytest.mark.parametrize("output", [[], ["--quiet"], ["--json"]], ids=["table", "quiet", "json"])
def test_failed_runs_exit_1_whatever_the_output_format(sabotaged, output):
    result = cli("sweep", "-e", "20", "--seed", f"1,{saboteur.FNN_ERROR}", "--workers", "1", *output)
    assert_one_line_error(result, 1, "1 of 2 runs failed (the plugin's setting is wrong)")
    if output == ["--json"]:  # every result is still printed, and stdout stays JSON only
        [group] = json.loads(result.stdout)["groups"]
        assert (group["failed"], group["errors"]) == (1, ["the plugin's setting is wrong"])


def test_an_interrupt_ends_the_workers_at_once():
    configs = grid(seed=list(range(6)), epochs=[2000], batch_size=[1])  # minutes of work

    def interrupt(index, run):
        raise KeyboardInterrupt

    quick = grid(seed=[0], epochs=[1], batch_size=[1])[0]
    # Children of this process from before (a Dask test's cluster may still be reaping its workers) are not
    # the sweep's: only the sweep's own workers must be gone.
    before = set(multiprocessing.active_children())
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_sweep([quick, *configs], workers=2, on_done=interrupt)
    assert time.monotonic() - start < 10  # the spawn of two workers, not the runs in flight
    assert set(multiprocessing.active_children()) <= before


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_a_serial_sweep_is_one_line_and_its_exit_code(monkeypatch, signum, code):
    def signal_after_the_second_run(index, run):
        if index == 1:
            os.kill(os.getpid(), signum)

    real = fnn.cli.sweep.run_sweep
    monkeypatch.setattr(fnn.cli.sweep, "run_sweep", lambda configs, workers, on_done, registry: real(
        configs, workers, lambda index, run: (on_done(index, run), signal_after_the_second_run(index, run)),
        registry=registry))
    before = signal.getsignal(signal.SIGTERM)
    result = cli("sweep", "-e", "5", "--seed", "1,2,3,4", "--batch-size", "4", "--workers", "1")
    assert (result.exit_code, result.stderr) == (code, "interrupted after 2 of 4 runs\n")
    assert "Traceback" not in result.output
    assert signal.getsignal(signal.SIGTERM) is before  # the command's handlers are gone


# ------------------------------------------------------------------------------------ checks before training


@pytest.mark.parametrize("args, fragments", [
    (("--sort", "batch_size"), ("cannot sort by batch_size", "no run sets batch_size")),
    (("--sort", "points"), ("cannot sort by n_samples", "no run sets n_samples")),  # the table's heading
    (("--sort", "lr"), ("cannot sort by learning_rate",)),
    (("--sort", "test_accuracy"), ("cannot sort by test_accuracy", "test_split")),
    (("--sort", "patience", "--patience", "5"), ()),  # set for every run: accepted
])
def test_a_sort_that_cannot_apply_is_refused_before_training(args, fragments):
    result = cli("sweep", "-e", "5", "--workers", "1", *args)
    if not fragments:
        assert result.exit_code == 0, result.output
        return
    assert_one_line_error(result, 2, *fragments, stdout_empty=True)


def test_sort_by_a_setting_some_runs_leave_unset_is_refused_by_the_library():
    configs = grid(batch_size=[None, 4], epochs=[5])
    with pytest.raises(fnn.ConfigError, match="some runs leave unset batch_size"):
        fnn.runs.sweep.check_sort(configs, "batch_size")
    fnn.runs.sweep.check_sort(configs, "epochs")


@pytest.fixture
def csv_file(tmp_path) -> Path:
    path = tmp_path / "points.csv"
    path.write_text("a,b,label\n0,0,0\n1,1,0\n0,1,1\n1,0,1\n")
    return path


@pytest.mark.parametrize("args", [
    ("sweep", "--dataset", "xor,moons"), ("sweep", "-d", "xor"), ("sweep", "--dataset", "circles"),
    ("run", "--dataset", "moons"), ("run", "-d", "xor"),
])
def test_dataset_together_with_data_is_refused(csv_file, args):
    result = cli(*args, "--data", csv_file, "-e", "5")
    assert_one_line_error(result, 2, "--dataset", "--data", stdout_empty=True)


@pytest.mark.parametrize("command", [("sweep", "--workers", "1"), ("run", "-q")])
def test_data_alone_still_trains(csv_file, command):
    result = cli(*command, "--data", csv_file, "-e", "5")
    assert result.exit_code == 0, result.output


def test_a_grid_above_the_limit_asks_for_yes(monkeypatch):
    seeds = ",".join(map(str, range(101)))
    result = cli("sweep", "-e", "5", "--seed", seeds, "--lr", ",".join(str(k + 1) for k in range(50)))
    assert_one_line_error(result, 2, "5,050 configurations", "more than 5,000", "--yes", stdout_empty=True)
    monkeypatch.setattr(fnn.cli.sweep, "MAX_UNCONFIRMED", 2)
    assert_one_line_error(cli("sweep", "-e", "5", "--seed", "1,2,3"), 2, "3 configurations")
    for yes in ("--yes", "-y"):
        assert cli("sweep", "-e", "5", "--seed", "1,2,3", "--workers", "1", yes).exit_code == 0


def test_a_grid_of_billions_is_refused_without_building_it():
    many = ",".join(map(str, range(1000)))
    start = time.monotonic()
    result = cli("sweep", "--seed", many, "--lr", ",".join(f"{k + 1}" for k in range(1000)), "--noise", many)
    assert_one_line_error(result, 2, "1,000,000,000 configurations")
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("asked, force, used, noted", [
    (None, False, 3, False), (2, False, 2, False), (3, False, 3, False), (8, False, 3, True), (8, True, 8, False),
])
def test_workers_are_capped_at_the_cores_unless_forced(monkeypatch, asked, force, used, noted):
    monkeypatch.setattr(fnn.cli.sweep, "_cores", lambda: 3)
    seen = []
    monkeypatch.setattr(fnn.cli.sweep, "run_sweep", lambda configs, workers, on_done, registry: seen.append(workers)
                        or [fnn.runs.sweep.train_one(config, registry) for config in configs])
    args = (*(("--workers", str(asked)) if asked else ()), *(("--force-workers",) if force else ()))
    result = cli("sweep", "-e", "5", "--json", *args)
    assert result.exit_code == 0, result.output
    assert seen == [used]
    assert ("note: using 3 workers, one per core (8 asked for" in result.stderr) is noted
    json.loads(result.stdout)  # the note stays off stdout


# ------------------------------------------------------------------------- signals to a real `fnn sweep`

_ROOT = Path(__file__).resolve().parent.parent


def _start_sweep(marker: str) -> subprocess.Popen:
    """``fnn sweep`` in its own process group, with ``marker`` in the environment its workers inherit."""
    env = {**os.environ, "PYTHONPATH": str(_ROOT), "FNN_TEST_MARKER": marker, "COLUMNS": "100", "NO_COLOR": "1"}
    seeds = ",".join(map(str, range(60)))
    return subprocess.Popen(
        [sys.executable, "-c", "from fnn.cli import main; main()", "sweep", "-e", "150", "--batch-size", "2",
         "--seed", seeds, "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)


def _wait_for_first_run(process: subprocess.Popen) -> str:
    line = process.stdout.readline()  # the first progress line: the workers are up and training
    assert line.startswith("[1/60]"), (line, process.stderr.read() if process.poll() is not None else "")
    return line


def _marked(marker: str) -> list[int]:
    """Processes whose environment holds ``marker``: the sweep and every worker it started."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"FNN_TEST_MARKER={marker}".encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone, or not ours to read
            pass
    return found


def _gone(marker: str, within: float) -> list[int]:
    deadline = time.monotonic() + within
    while _marked(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _marked(marker)


needs_proc = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds workers through /proc")


@needs_proc
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_ends_the_sweep_with_one_line_and_no_process_left(signum, code):
    marker = uuid.uuid4().hex
    process = _start_sweep(marker)
    try:
        _wait_for_first_run(process)
        assert len(_marked(marker)) >= 3  # the sweep, its two workers (and multiprocessing's resource tracker)
        sent = time.monotonic()
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=10)
        # A second or two on an idle machine; the bound leaves room for a loaded CI runner and is still
        # well short of the rest of the sweep (60 runs), which would finish if the signal were not acted on.
        assert time.monotonic() - sent < 5
    finally:
        process.kill()
    assert process.returncode == code
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("interrupted after ") and lines[0].endswith(" of 60 runs"), stderr
    assert _gone(marker, within=2) == []


@needs_proc
def test_workers_end_when_their_parent_is_killed():
    marker = uuid.uuid4().hex
    process = _start_sweep(marker)
    try:
        _wait_for_first_run(process)
        process.send_signal(signal.SIGKILL)  # no handler runs: the workers must notice by themselves
        process.wait(timeout=5)
        assert _gone(marker, within=3) == []
    finally:
        process.kill()
        for pid in _marked(marker):  # never leave a stray worker behind, even when the test fails
            os.kill(pid, signal.SIGKILL)


@needs_proc
def test_the_portable_watchdog_ends_a_worker_whose_parent_died():
    # Where PR_SET_PDEATHSIG is missing, a worker polls for its parent; here the parent exits at once.
    code = ("import os, threading, time\nfrom fnn.runs.sweep import _watch_parent\nparent = os.getpid()\n"
            "child = os.fork()\nif child == 0:\n    threading.Thread(target=_watch_parent, args=(parent,)).start()\n"
            "    time.sleep(30)\nprint(child)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                            env={**os.environ, "PYTHONPATH": str(_ROOT)})
    child = int(result.stdout)
    deadline = time.monotonic() + 3
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = _running(child)
    if alive:
        os.kill(child, signal.SIGKILL)
    assert not alive


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
