"""Nothing lost: a sweep with --out keeps every run it finished, and --resume finishes it as an uninterrupted
sweep would have."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import fnn.cli.sweep
from fnn.runs import journal
from fnn.runs.rundir import JOURNAL_FILE, MARKER, PLAN_FILE

from support import assert_one_line_error, cli, ok

_ROOT = Path(__file__).resolve().parent.parent
TIMED = {"train_seconds"}
"""The columns of results.csv that measure wall time; every other column of a resumed sweep is identical."""


def _rows(folder: Path) -> list[dict]:
    with open(folder / "results.csv", newline="") as handle:
        return [{k: v for k, v in row.items() if k not in TIMED} for row in csv.DictReader(handle)]


def _columns(folder: Path) -> list[str]:
    with open(folder / "results.csv", newline="") as handle:
        return next(csv.reader(handle))


def _same_folder(resumed: Path, whole: Path) -> None:
    """The resumed folder holds what the uninterrupted one does, with the same numbers."""
    assert sorted(os.listdir(resumed)) == sorted(os.listdir(whole))
    assert _columns(resumed) == _columns(whole)
    assert _rows(resumed) == _rows(whole)
    with np.load(resumed / "curves.npz") as a, np.load(whole / "curves.npz") as b:
        for name in ("loss", "score"):
            np.testing.assert_array_equal(a[name], b[name])
    results = [json.loads((folder / "results.json").read_text()) for folder in (resumed, whole)]
    for result in results:
        for row in [*result["runs"], *result["groups"]]:
            row.pop("train_seconds")
    assert results[0] == results[1]
    assert json.loads((resumed / MARKER).read_text())["finished"] is True


def _interrupt_after(monkeypatch, rows: int) -> None:
    """Make the next sweep stop as Ctrl-C would once ``rows`` runs are recorded."""
    record = fnn.cli.sweep.record_run
    seen = []

    def recording(folder, index, run):
        if len(seen) == rows:
            raise KeyboardInterrupt
        seen.append(index)
        record(folder, index, run)

    monkeypatch.setattr(fnn.cli.sweep, "record_run", recording)


GRID = ("--lr", "0.1,0.5,1", "--seed", "1,2", "-a", "sigmoid,tanh", "-e", "60", "--test-split", "0.25", "-w", "1")


def test_an_interrupted_sweep_keeps_its_rows_and_resumes_to_the_uninterrupted_folder(tmp_path, monkeypatch):
    ok("sweep", *GRID, "--out", tmp_path / "whole")
    _interrupt_after(monkeypatch, 5)
    cut = cli("sweep", *GRID, "--out", tmp_path / "cut")
    monkeypatch.undo()
    assert cut.exit_code == 130 and len(cut.stderr.splitlines()) == 1
    assert "interrupted after 5 of 12 runs" in cut.stderr and "fnn sweep --resume" in cut.stderr
    folder = tmp_path / "cut"
    assert json.loads((folder / MARKER).read_text())["finished"] is False
    assert len(_rows(folder)) == 5 and _columns(folder) == _columns(tmp_path / "whole")
    assert not (folder / "results.json").exists()
    # The stacks are cut differently now (5 runs are done): stacked results equal one-by-one ones exactly.
    resumed = ok("sweep", "--resume", folder, "-w", "1")
    assert "5 of 12 runs were finished; training the other 7" in resumed.stdout
    _same_folder(folder, tmp_path / "whole")
    again = ok("sweep", "--resume", folder)
    assert "is complete; nothing to resume" in again.stdout


def test_a_torn_last_line_is_dropped_and_trained_again(tmp_path, monkeypatch):
    ok("sweep", *GRID, "--out", tmp_path / "whole")
    _interrupt_after(monkeypatch, 4)
    cli("sweep", *GRID, "--out", tmp_path / "cut")
    monkeypatch.undo()
    folder = tmp_path / "cut"
    lines = (folder / JOURNAL_FILE).read_bytes().splitlines(keepends=True)
    assert len(lines) == 4
    # Killed while writing the fourth line and its row: half of each is on the disk.
    (folder / JOURNAL_FILE).write_bytes(b"".join(lines[:3]) + lines[3][:len(lines[3]) // 2])
    csv_text = (folder / "results.csv").read_bytes()
    (folder / "results.csv").write_bytes(csv_text[:-40])
    resumed = ok("sweep", "--resume", folder, "-w", "1")
    assert "3 of 12 runs were finished" in resumed.stdout
    _same_folder(folder, tmp_path / "whole")
    assert len((folder / JOURNAL_FILE).read_bytes().splitlines()) == 12


def test_a_line_whose_checksum_fails_is_torn_and_damage_before_the_last_is_an_error(tmp_path):
    plan = [fnn.RunConfig(seed=seed) for seed in (1, 2, 3)]
    run = fnn.runs.sweep.SweepRun(plan[0], {"final_loss": float("nan")}, np.array([0.5, 0.25]), None, None, None)
    line = journal.encode(0, run)
    path = tmp_path / JOURNAL_FILE
    path.write_bytes(line + line.replace(b'"index": 0', b'"index": 1')[:-1])  # no newline: torn
    kept = journal.read_journal(path, plan)
    assert list(kept.runs) == [0] and kept.good_bytes == len(line)
    assert np.isnan(kept.runs[0].summary["final_loss"])  # NaN kept as NaN, bit for bit
    np.testing.assert_array_equal(kept.runs[0].loss, [0.5, 0.25])
    changed = line.replace(b"0.25", b"0.26")  # the checksum no longer matches
    path.write_bytes(line + changed)
    assert list(journal.read_journal(path, plan).runs) == [0]
    path.write_bytes(changed + line.replace(b'"index": 0', b'"index": 1'))
    with pytest.raises(fnn.FnnError, match="line 1 is damaged"):
        journal.read_journal(path, plan)
    path.write_bytes(line.replace(b'"index": 0', b'"index": 7').replace(line[:8], b"%08x" % __import__(
        "zlib").crc32(line[9:-1].replace(b'"index": 0', b'"index": 7'))))
    with pytest.raises(fnn.FnnError, match="not a run of this sweep's plan of 3"):
        journal.read_journal(path, plan)


def test_resume_refusals(tmp_path, monkeypatch):
    assert_one_line_error(cli("sweep", "--resume", tmp_path / "nothing"), 2, "is not a folder")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "results.csv").write_text("a,b\n")
    assert_one_line_error(cli("sweep", "--resume", mine), 2, "was not written by fnn")
    ok("run", "-e", "5", "--out", tmp_path / "run")
    assert_one_line_error(cli("sweep", "--resume", tmp_path / "run"), 2, "is a run folder", "fnn run --resume")
    _interrupt_after(monkeypatch, 2)
    cli("sweep", *GRID, "--out", tmp_path / "cut")
    monkeypatch.undo()
    assert_one_line_error(cli("sweep", "--resume", tmp_path / "cut", "--lr", "0.1"), 2,
                          "--resume takes every setting", "leave out --lr")
    assert_one_line_error(cli("sweep", "--resume", tmp_path / "cut", "--out", tmp_path / "x"), 2, "leave out --out")
    # An unfinished folder is not a new sweep's --out: --resume finishes it, --force replaces it.
    assert_one_line_error(cli("sweep", *GRID, "--out", tmp_path / "cut"), 2, "is an unfinished sweep",
                          "--resume", "--force")
    ok("sweep", "-e", "5", "--out", tmp_path / "cut", "--force")
    assert json.loads((tmp_path / "cut" / MARKER).read_text())["finished"] is True


def test_a_plan_that_would_train_otherwise_is_refused(tmp_path, monkeypatch):
    _interrupt_after(monkeypatch, 2)
    cli("sweep", *GRID, "--out", tmp_path / "cut")
    monkeypatch.undo()
    plan_file = tmp_path / "cut" / PLAN_FILE
    plan = json.loads(plan_file.read_text())
    plan["configs"][3]["learning_rate"] = None  # as if the optimizer's default were to fill it in again
    plan_file.write_text(json.dumps(plan))
    assert_one_line_error(cli("sweep", "--resume", tmp_path / "cut"), 2, "run 4 of",
                          "would not train as it was planned")
    plan_file.write_text("{")
    assert_one_line_error(cli("sweep", "--resume", tmp_path / "cut"), 1, "has no readable sweep.json")


# ------------------------------------------------------------------- SIGKILL to a real `fnn sweep --out`

SLOW_GRID = ("--seed", ",".join(map(str, range(1, 13))), "-e", "200", "--batch-size", "4", "--test-split", "0.25")
"""Runs that train alone (mini-batches do not stack), long enough for the sweep to be killed halfway."""


def _sweep_process(*args) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(_ROOT), "COLUMNS": "100", "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-c", "from fnn.cli import main; main()", "sweep", *map(str, args)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True)


def test_a_sweep_killed_halfway_resumes_to_the_same_results(tmp_path):
    folder = tmp_path / "killed"
    process = _sweep_process(*SLOW_GRID, "-w", "2", "--out", folder)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            if (folder / "results.csv").exists() and len(_rows(folder)) >= 4:
                break
            time.sleep(0.02)
        assert process.poll() is None, process.stderr.read()
        os.killpg(process.pid, signal.SIGKILL)  # the sweep and its workers, with no chance to clean up
    finally:
        process.kill()
        process.wait()
    finished = len(_rows(folder))
    assert 4 <= finished < 12
    assert json.loads((folder / MARKER).read_text())["finished"] is False
    ok("sweep", "--resume", folder, "-w", "2")
    ok("sweep", *SLOW_GRID, "-w", "1", "--out", tmp_path / "whole")
    _same_folder(folder, tmp_path / "whole")
