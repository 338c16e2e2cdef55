"""``--out`` and ``--force`` never destroy what fnn did not write (``fnn.runs.rundir``).

What ``--force`` replaces: only a folder carrying fnn's marker and nothing but
files fnn writes (run or sweep), or an empty folder; never a folder holding an
input of the same run, a user's folder, an old unmarked run folder, a symbolic
link (to a folder, a file or nowhere), the current folder, one above it, the
home folder or ``/``. The move into place decides at that moment and never
replaces anything by accident: a folder that appears while fnn trains (empty,
the user's, another fnn's) is left alone and the results are kept as
``NAME-2``; with ``--force`` the replaced folder is checked again at the move.
Staging folders of dead fnn processes are removed by the next write beside
them, and only those. Names up to 255 bytes work; longer ones, NUL, an
unwritable or file parent are refused before training; a write error (full
disk) is one ``OutputError`` line naming the path and the reason, leaving
nothing behind. Both renames (``renameat2`` and the ``mkdir`` fallback) are
tested.

Figures are replaced by stand-ins here (tests/test_rundir_sweep.py covers the
real ones), so that the many folders written stay fast.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import fnn
import fnn.cli.run
import fnn.figures.plots
import fnn.runs.rundir as rundir
from fnn.errors import ConfigError, OutputError
from fnn.runs.rundir import JOURNAL_FILE, MARKER, PLAN_FILE, RUN_FILES, check_out_dir, write_run, write_sweep
from fnn.runs.sweep import grid, run_sweep
from support import assert_one_line_error, cli, ok

# a binary run without --animate
RUN_FOLDER = set(RUN_FILES) - {"confusion.png", "frames.npz", "training.gif", "training.mp4"} | {MARKER}
CSV = "a,b,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"


@pytest.fixture(autouse=True)
def fast_figures(stand_in_figures):
    """Every test here draws stand-ins (see tests/conftest.py)."""


@pytest.fixture(params=["renameat2", "mkdir"])
def rename(request, monkeypatch):
    """Each race test runs with the kernel's no-replace rename and with the fallback that claims the name."""
    if request.param == "mkdir":
        monkeypatch.setattr(rundir, "_renameat2", None)
    elif rundir._renameat2 is None:
        pytest.skip("no renameat2 in this C library")
    return request.param


@pytest.fixture(scope="module")
def result():
    return fnn.fit(epochs=5)


def listing(folder: Path) -> set[str]:
    return set(os.listdir(folder))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (links not followed) with its bytes, to show nothing changed."""
    files = {}
    for root, dirs, names in os.walk(folder):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = Path(root, name)
            content = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
            files[str(path.relative_to(folder))] = content
    return files


def user_folder(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "chapter1.tex").write_text("months of work")
    return path


def fnn_folder(path: Path, result) -> Path:
    return write_run(path, result)


def raising(error: BaseException):
    def fail(*args, **kwargs):
        raise error
    return fail


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def appear_during_fill(monkeypatch, make):
    """Run ``make()`` once, while the staging folder is being filled: after training, before the move."""
    original, pending = rundir._write_run_files, [make]

    def fill(folder, result):
        original(folder, result)
        while pending:
            pending.pop()()
    monkeypatch.setattr(rundir, "_write_run_files", fill)


# ------------------------------------------------------------------------------ inputs inside the folder


@pytest.mark.parametrize("data", ["exp/data.csv", "./exp/data.csv", "exp/../exp/data.csv", "{tmp}/exp/data.csv"])
def test_force_never_deletes_the_runs_own_csv(tmp_path, monkeypatch, data):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "data.csv").write_text(CSV)
    result = cli("run", "-e", "5", "-q", "--data", data.format(tmp=tmp_path), "--out", "exp", "--force")
    assert_one_line_error(result, 2, "'exp'", "an input of this run", stdout_empty=True)
    assert (tmp_path / "exp" / "data.csv").read_text() == CSV and listing(tmp_path) == {"exp"}


def test_force_never_deletes_an_input_reached_through_a_link(tmp_path, monkeypatch, result):
    monkeypatch.chdir(tmp_path)
    fnn_folder(tmp_path / "exp", result)
    (tmp_path / "exp" / "data.csv").write_text(CSV)
    (tmp_path / "link.csv").symlink_to(tmp_path / "exp" / "data.csv")
    outcome = cli("run", "-e", "5", "-q", "--data", "link.csv", "--out", "exp", "--force")
    assert_one_line_error(outcome, 2, "'link.csv', an input of this run")
    assert (tmp_path / "exp" / "data.csv").read_text() == CSV


def test_an_input_with_an_fnn_name_inside_an_fnn_folder_is_refused(tmp_path, result):
    folder = fnn_folder(tmp_path / "run", result)  # fnn's own files, but this run reads one of them
    before = snapshot(folder)
    with pytest.raises(ConfigError, match="an input of this run"):
        check_out_dir(folder, True, inputs=[folder / "history.csv"])
    assert snapshot(folder) == before


def test_write_run_protects_its_own_data_file_without_the_cli(tmp_path, monkeypatch):
    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "data.csv").write_text(CSV)
    trained = fnn.fit(data=str(tmp_path / "exp" / "data.csv"), epochs=5)
    with pytest.raises(OutputError, match="an input of this run"):
        write_run(tmp_path / "exp", trained, force=True)
    assert listing(tmp_path / "exp") == {"data.csv"}  # and the results went beside it, named
    assert listing(tmp_path / "exp-2") == RUN_FOLDER


def test_sweep_force_never_deletes_one_of_its_csvs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.csv").write_text(CSV)
    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "b.csv").write_text(CSV)
    result = cli("sweep", "-e", "5", "--workers", "1", "--data", "a.csv,exp/b.csv", "--out", "exp", "--force")
    assert_one_line_error(result, 2, "'exp/b.csv', an input of this run", stdout_empty=True)
    assert (tmp_path / "exp" / "b.csv").read_text() == CSV


# ------------------------------------------------------------------------------- folders fnn did not write


@pytest.mark.parametrize("make, fragment", [
    (lambda p: user_folder(p), "not written by fnn"),
    (lambda p: (p / "sub" / "deep").mkdir(parents=True), "not written by fnn"),
    (lambda p: (p.mkdir(), (p / MARKER).write_text("{not json")), "not written by fnn"),
    (lambda p: (p.mkdir(), (p / MARKER).write_text('{"kind": "photos"}')), "not written by fnn"),
    (lambda p: (p.mkdir(), (p / MARKER).write_text('["run"]')), "not written by fnn"),
    (lambda p: (p.mkdir(), (p / "metrics.json").write_text("{}"), (p / "model.npz").write_bytes(b"")), "older than"),
], ids=["files", "subfolders", "bad-marker", "other-kind", "marker-not-object", "old-fnn-run"])
def test_force_refuses_a_folder_fnn_did_not_write(tmp_path, monkeypatch, make, fragment):
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "thesis")
    before = snapshot(tmp_path)
    result = cli("run", "-e", "5", "-q", "--out", "thesis", "--force")
    assert_one_line_error(result, 2, "'thesis'", fragment, "--force", stdout_empty=True)
    assert snapshot(tmp_path) == before


def test_force_refuses_a_sibling_named_with_dotdot(tmp_path, monkeypatch):
    user_folder(tmp_path / "thesis")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    before = snapshot(tmp_path)
    assert_one_line_error(cli("sweep", "-e", "5", "--out", "../thesis", "--force"), 2, "not written by fnn")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("extra", ["notes.txt", "sub", "link-to-file", "model.npz-as-folder", "marker-link"])
def test_force_refuses_an_fnn_folder_holding_anything_else(tmp_path, result, extra):
    folder = fnn_folder(tmp_path / "run", result)
    (tmp_path / "elsewhere.txt").write_text("mine")
    if extra == "notes.txt":
        (folder / "notes.txt").write_text("mine")
    elif extra == "sub":
        (folder / "sub").mkdir()
    elif extra == "link-to-file":
        (folder / "history.csv").unlink()
        (folder / "history.csv").symlink_to(tmp_path / "elsewhere.txt")
    elif extra == "model.npz-as-folder":
        (folder / "model.npz").unlink()
        (folder / "model.npz").mkdir()
        (folder / "model.npz" / "inside.txt").write_text("mine")
    else:
        (folder / MARKER).rename(tmp_path / "marker.json")
        (folder / MARKER).symlink_to(tmp_path / "marker.json")
    before = snapshot(tmp_path)
    with pytest.raises(ConfigError, match="fnn did not write|not written by fnn|older than"):
        check_out_dir(folder, True)
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------------------------ symbolic links at --out


@pytest.mark.parametrize("target", ["user-folder", "fnn-folder", "file", "nowhere", "parent"])
@pytest.mark.parametrize("force", [True, False], ids=["force", "no-force"])
def test_a_link_at_out_is_never_replaced_nor_followed(tmp_path, monkeypatch, result, target, force):
    monkeypatch.chdir(tmp_path)
    pointed = {"user-folder": tmp_path / "thesis", "fnn-folder": tmp_path / "old-run", "file": tmp_path / "a.txt",
               "nowhere": tmp_path / "missing", "parent": tmp_path}[target]
    if target == "user-folder":
        user_folder(pointed)
    elif target == "fnn-folder":
        fnn_folder(pointed, result)
    elif target == "file":
        pointed.write_text("mine")
    (tmp_path / "R").symlink_to(pointed)
    before = snapshot(tmp_path)
    outcome = cli("run", "-e", "5", "-q", "--out", "R", *(["--force"] if force else []))
    message = assert_one_line_error(outcome, 2, "'R'", stdout_empty=True)
    assert "symbolic link" in message or (target == "file" and "is a file" in message)  # typer's own check
    with pytest.raises(ConfigError, match="'R' is a symbolic link"):
        check_out_dir("R", force)
    assert snapshot(tmp_path) == before and os.readlink(tmp_path / "R") == str(pointed)


def test_a_link_appearing_during_training_is_not_followed(tmp_path, monkeypatch, result, rename):
    user_folder(tmp_path / "thesis")
    appear_during_fill(monkeypatch, lambda: (tmp_path / "R").symlink_to(tmp_path / "thesis"))
    with pytest.raises(OutputError, match="symbolic link"):
        write_run(tmp_path / "R", result, force=True)
    assert listing(tmp_path / "thesis") == {"chapter1.tex"} and listing(tmp_path / "R-2") == RUN_FOLDER


# ------------------------------------------------------------------------------------- folders fnn wrote


@pytest.mark.parametrize("old, new", [("run", "run"), ("sweep", "run"), ("run", "sweep"), ("empty", "run")])
def test_force_replaces_a_folder_fnn_wrote(tmp_path, monkeypatch, result, old, new):
    monkeypatch.chdir(tmp_path)
    if old == "empty":
        (tmp_path / "R").mkdir()
    else:
        sweep_only = ["--lr", "0.5,1", "--workers", "1"] * (old == "sweep")
        ok(old, "-e", "5", "--seed", "1", "--json", "--out", "R", *sweep_only)
        (tmp_path / "R" / ".model.npz.0123abcd.partial").write_bytes(b"left by a killed save")
    ok(new, "-e", "7", "--seed", "3", "--json", "--out", "R", "--force", *(["--workers", "1"] * (new == "sweep")))
    files = RUN_FOLDER if new == "run" else {MARKER, "results.csv", "results.json", "curves.npz", PLAN_FILE,
                                             JOURNAL_FILE}
    assert listing(tmp_path / "R") == files and listing(tmp_path) == {"R"}  # nothing old, nothing hidden
    finished = {"finished": True} if new == "sweep" else {}  # a sweep's marker says whether it can be resumed
    assert json.loads((tmp_path / "R" / MARKER).read_text()) == {"kind": new, "fnn_version": fnn.__version__,
                                                                  **finished}


# ------------------------------------------------------------------------ decided at the moment of the move


@pytest.mark.parametrize("appears", ["empty", "user-folder", "fnn-folder", "file"])
def test_a_folder_appearing_during_training_is_kept_without_force(tmp_path, monkeypatch, result, rename, appears):
    target = tmp_path / "R"
    make = {"empty": target.mkdir, "user-folder": lambda: user_folder(target),
            "fnn-folder": lambda: fnn_folder(target, result), "file": lambda: target.write_text("mine")}[appears]
    appear_during_fill(monkeypatch, make)
    with pytest.raises(OutputError,
                       match=r"this run was written to '.*R-2' instead: .*'.*R' (already exists|exists and)"):
        write_run(target, result)
    monkeypatch.undo()
    assert listing(tmp_path) == {"R", "R-2"} and listing(tmp_path / "R-2") == RUN_FOLDER
    if appears == "user-folder":
        assert (target / "chapter1.tex").read_text() == "months of work"
    elif appears == "empty":
        assert listing(target) == set()  # os.rename alone would have replaced this one


def test_cli_folder_appearing_during_training_one_line_exit_1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    complete = fnn.cli.run.complete

    def train_then_appear(*args, **kwargs):
        trained = complete(*args, **kwargs)
        user_folder(tmp_path / "R")
        return trained
    monkeypatch.setattr(fnn.cli.run, "complete", train_then_appear)
    result = cli("run", "-e", "5", "-q", "--out", "R")
    assert_one_line_error(result, 1, "this run was written to 'R-2' instead", "'R' already exists")
    assert "Run written" not in result.stdout
    assert listing(tmp_path / "R") == {"chapter1.tex"} and listing(tmp_path / "R-2") == RUN_FOLDER


@pytest.mark.parametrize("change", ["user-file", "marker-gone", "became-a-link"])
def test_force_checks_the_old_folder_again_at_the_move(tmp_path, monkeypatch, result, rename, change):
    folder = fnn_folder(tmp_path / "R", result)
    check_out_dir(folder, True)  # fnn's when the run starts
    user_folder(tmp_path / "thesis")
    states = []

    def meanwhile():
        if change == "user-file":
            (folder / "notes.txt").write_text("added while training")
        elif change == "marker-gone":
            (folder / MARKER).unlink()
        else:
            (folder / MARKER).unlink()
            for name in os.listdir(folder):
                (folder / name).unlink()
            folder.rmdir()
            folder.symlink_to(tmp_path / "thesis")
        states.append({name: snapshot(tmp_path / name) for name in ("R", "thesis")})
    appear_during_fill(monkeypatch, meanwhile)
    with pytest.raises(OutputError, match="written to '.*R-2' instead"):
        write_run(folder, result, force=True)
    assert {name: snapshot(tmp_path / name) for name in ("R", "thesis")} == states[0]  # as the user left them
    assert listing(tmp_path) == {"R", "R-2", "thesis"} and listing(tmp_path / "R-2") == RUN_FOLDER


def test_the_aside_check_catches_a_change_after_the_first_check(tmp_path, monkeypatch, result, rename):
    """The old folder is checked again once renamed aside, so what is deleted is what was checked."""
    folder = fnn_folder(tmp_path / "R", result)
    original = rundir._rename_noreplace

    def rename_then_touch(source, target):
        original(source, target)
        if target.name.startswith(".fnn-old-"):
            (target / "notes.txt").write_text("written a moment too late")
    monkeypatch.setattr(rundir, "_rename_noreplace", rename_then_touch)
    with pytest.raises(OutputError, match="holds 'notes.txt'"):
        write_run(folder, result, force=True)
    assert (folder / "notes.txt").read_text() == "written a moment too late"  # put back where it was
    assert listing(tmp_path) == {"R", "R-2"}


def test_two_writers_racing_one_wins_the_other_is_kept(tmp_path, monkeypatch, result, rename):
    target = tmp_path / "R"
    (tmp_path / "R-2").mkdir()  # taken already: the loser goes on to R-3
    appear_during_fill(monkeypatch, lambda: write_run(target, fnn.fit(epochs=3)))
    with pytest.raises(OutputError, match="written to '.*R-3' instead"):
        write_run(target, result)
    assert json.loads((target / "metrics.json").read_text())["epochs"] == 3  # the winner's, untouched
    assert json.loads((tmp_path / "R-3" / "metrics.json").read_text())["epochs"] == 5
    assert listing(tmp_path) == {"R", "R-2", "R-3"}


def test_two_forced_writers_both_replace_only_fnn_folders(tmp_path, monkeypatch, result, rename):
    target = fnn_folder(tmp_path / "R", result)
    appear_during_fill(monkeypatch, lambda: write_run(target, fnn.fit(epochs=3), force=True))
    write_run(target, fnn.fit(epochs=4), force=True)
    assert json.loads((target / "metrics.json").read_text())["epochs"] == 4 and listing(tmp_path) == {"R"}


# ------------------------------------------------------------------------------------ leftovers of killed runs


def scratch(parent: Path, role: str, pid: int, host: str = rundir._HOST, files=(MARKER, "metrics.json")) -> Path:
    folder = parent / f".fnn-{role}-{host}-{pid}-{secrets.token_hex(4)}"
    folder.mkdir()
    for name in files:
        (folder / name).write_text('{"kind": "run", "fnn_version": "0"}' if name == MARKER else "x")
    return folder


def test_leftovers_of_dead_fnn_runs_are_removed_and_nothing_else(tmp_path, result):
    dead = dead_pid()
    gone = [scratch(tmp_path, "staging", dead), scratch(tmp_path, "old", dead, files=RUN_FOLDER),
            scratch(tmp_path, "staging", dead, files=())]
    kept = [scratch(tmp_path, "staging", os.getpid()),  # alive: another run writing beside us
            scratch(tmp_path, "staging", 1),
            scratch(tmp_path, "staging", dead, host="0badc0de"),  # another machine's: cannot tell
            scratch(tmp_path, "staging", dead, files=("notes.txt",)),  # no marker
            scratch(tmp_path, "old", dead, files=(MARKER, "notes.txt"))]  # a file fnn does not write
    (tmp_path / f".fnn-staging-{rundir._HOST}-{dead}-aaaaaaaa").write_text("a file, not a folder")
    user_folder(tmp_path / "photos")
    (tmp_path / f".fnn-old-{rundir._HOST}-{dead}-bbbbbbbb").symlink_to(tmp_path / "photos")
    (tmp_path / ".fnn-staging-mine").mkdir()
    before = {name: snapshot(tmp_path / name) for name in listing(tmp_path) - {folder.name for folder in gone}
              if (tmp_path / name).is_dir()}
    write_run(tmp_path / "R", result)
    left = listing(tmp_path)
    assert not any(folder.name in left for folder in gone)
    assert all(folder.name in left for folder in kept)
    assert {name: snapshot(tmp_path / name) for name in left - {"R"} if (tmp_path / name).is_dir()} == before
    assert (tmp_path / "photos" / "chapter1.tex").exists() and listing(tmp_path / "R") == RUN_FOLDER


def test_a_killed_runs_staging_folder_is_cleaned_by_the_next_run(tmp_path, monkeypatch, result):
    dead = dead_pid()
    with monkeypatch.context() as patch:  # a run that dies mid-write, as under SIGKILL: no cleanup
        patch.setattr(rundir.os, "getpid", lambda: dead)
        patch.setattr(rundir, "_remove_fnn_folder", lambda folder: None)
        patch.setattr(rundir, "save_model", raising(KeyboardInterrupt()))
        with pytest.raises(KeyboardInterrupt):
            write_run(tmp_path / "R", result)
    assert len(listing(tmp_path)) == 1 and next(iter(listing(tmp_path))).startswith(".fnn-staging-")
    check_out_dir(tmp_path / "other", False)  # the next fnn writing beside it, before it trains
    assert listing(tmp_path) == set()


# ---------------------------------------------------------------------------------------------- names


@pytest.mark.parametrize("name", ["r" * 255, "é" * 127 + "x", "run[lr=0.1] ü" + "x" * 241])
def test_names_up_to_255_bytes_work(tmp_path, result, rename, name):
    assert len(name.encode()) == 255
    write_run(tmp_path / name, result)
    assert listing(tmp_path / name) == RUN_FOLDER and listing(tmp_path) == {name}
    write_run(tmp_path / name, result, force=True)
    with pytest.raises(OutputError, match="instead"):  # the kept name is trimmed to fit
        write_run(tmp_path / name, result)
    kept = next(n for n in listing(tmp_path) if n != name)
    assert len(kept.encode()) <= 255 and kept.endswith("-2")


def test_a_255_byte_name_through_the_cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ok("run", "-e", "5", "-q", "--out", "n" * 255)
    ok("sweep", "-e", "5", "--workers", "1", "--out", "s" * 255)
    assert listing(tmp_path) == {"n" * 255, "s" * 255}


@pytest.mark.parametrize("out, fragment", [
    ("x" * 256, "256 bytes"), ("é" * 128, "256 bytes"),
    (".", "current folder"), ("..", "current folder"), ("/", "current folder"), ("sub/..", "current folder"),
    ("~", "home folder"),
])
def test_bad_names_are_refused_before_training(tmp_path, monkeypatch, out, fragment):
    (tmp_path / "home").mkdir()
    (tmp_path / "sub").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    out = os.path.expanduser(out)
    before = snapshot(tmp_path)
    assert_one_line_error(cli("run", "-e", "5", "--out", out, "--force"), 2, fragment, stdout_empty=True)
    with pytest.raises(ConfigError, match=fragment):  # the same check guards sweeps
        check_out_dir(out, True)
    assert snapshot(tmp_path) == before


def test_nul_in_a_name_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="NUL"):
        check_out_dir(tmp_path / "bad\0name", False)
    assert_one_line_error(cli("run", "-e", "5", "--out", tmp_path / "bad\0name"), 2, "null byte")  # typer's check
    assert listing(tmp_path) == set()


# ---------------------------------------------------------------------------------- parent not writable


def test_unwritable_parent_refused_before_training_by_access(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(rundir.os, "access", lambda path, mode: False)
    result = cli("run", "-e", "5", "-q", "--out", "a/b/R")
    assert_one_line_error(result, 2, "cannot write 'a/b/R'", "not writable", stdout_empty=True)
    assert listing(tmp_path) == set()


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES, errno.EDQUOT])
def test_unwritable_parent_refused_before_training_by_trying(tmp_path, monkeypatch, code):
    monkeypatch.chdir(tmp_path)
    mkdir = Path.mkdir

    def refuse(self, *args, **kwargs):
        if self.name.startswith(".fnn-staging-"):
            raise OSError(code, os.strerror(code), str(self))
        return mkdir(self, *args, **kwargs)
    monkeypatch.setattr(Path, "mkdir", refuse)
    result = cli("sweep", "-e", "5", "--out", "R")
    assert_one_line_error(result, 2, "cannot write 'R'", os.strerror(code), stdout_empty=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_really_read_only_parent(tmp_path):
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o500)
    try:
        assert_one_line_error(cli("run", "-e", "5", "-q", "--out", tmp_path / "ro" / "R"), 2, "not writable")
    finally:
        (tmp_path / "ro").chmod(0o700)


@pytest.mark.parametrize("out", ["afile/R", "afile/deeper/R", "afile"])
def test_a_parent_that_is_a_file(tmp_path, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("mine")
    assert_one_line_error(cli("run", "-e", "5", "-q", "--out", out, "--force"), 2, "afile", stdout_empty=True)
    assert (tmp_path / "afile").read_text() == "mine"


# --------------------------------------------------------------------------------------- errors while writing


@pytest.mark.parametrize("where", ["model", "figure", "marker", "staging"])
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
def test_a_write_error_is_one_line_naming_path_and_reason(tmp_path, monkeypatch, where, code):
    monkeypatch.chdir(tmp_path)

    fail = raising(OSError(code, os.strerror(code), str(tmp_path / ".fnn-staging-x" / "model.npz")))
    if where == "model":
        monkeypatch.setattr(rundir, "save_model", fail)
    elif where == "figure":
        monkeypatch.setattr(fnn.figures.plots, "learning_curve", fail)
    elif where == "marker":
        monkeypatch.setattr(Path, "write_text", fail)
    else:  # the folder cannot be made after training, though the probe before it worked
        complete = fnn.cli.run.complete
        monkeypatch.setattr(fnn.cli.run, "complete",
                            lambda *a, **k: (complete(*a, **k), monkeypatch.setattr(Path, "mkdir", fail))[0])
    result = cli("run", "-e", "5", "-q", "--out", "R")
    message = assert_one_line_error(result, 1, "write 'R'", os.strerror(code))
    assert "Traceback" not in result.output and "Run written" not in result.stdout
    assert listing(tmp_path) == set(), message  # nothing half-written


def test_a_write_error_while_forcing_keeps_the_old_folder(tmp_path, monkeypatch, result):
    folder = fnn_folder(tmp_path / "R", result)
    before = snapshot(tmp_path)
    monkeypatch.setattr(rundir, "save_model", raising(OSError(errno.ENOSPC, "No space")))
    with pytest.raises(OutputError, match="could not write .*R': No space; nothing was written"):
        write_run(folder, result, force=True)
    assert snapshot(tmp_path) == before


def test_a_failing_move_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, result):
    monkeypatch.setattr(rundir, "_rename_noreplace", raising(OSError(errno.EIO, os.strerror(errno.EIO))))
    with pytest.raises(OutputError, match="this run was not saved: could not write .*R': Input/output error"):
        write_run(tmp_path / "R", result)
    assert listing(tmp_path) == set()


def test_write_sweep_follows_the_same_rules(tmp_path, result):
    runs = run_sweep(grid(learning_rate=[0.5, 1.0], epochs=[5]))
    user_folder(tmp_path / "S")
    with pytest.raises(OutputError, match="written to '.*S-2' instead"):
        write_sweep(tmp_path / "S", runs, force=True)
    write_sweep(tmp_path / "S-2", runs, force=True)  # fnn's own sweep folder: replaced
    assert listing(tmp_path / "S") == {"chapter1.tex"}
    assert json.loads((tmp_path / "S-2" / MARKER).read_text())["kind"] == "sweep"
