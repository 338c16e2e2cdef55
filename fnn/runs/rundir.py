"""Output folders: everything a report needs from a run or a sweep, written all at once.

``write_run(path, result)`` fills a folder with ``metrics.json`` (the
``--json`` summary plus the per-epoch history), ``history.csv``, ``model.npz``,
``learning_curve.png``, ``comparison.png`` (the network against the data, for each task; for a
binary run only with two features, for a multi-class one with two or more) and, for a multi-class run,
``confusion.png``.
``write_sweep(path, runs)`` writes ``results.csv``, ``results.json`` and one
overlay figure per varied setting.

Users' files are never deleted or overwritten; the rules that make it so:

- Every folder fnn writes carries a marker, ``.fnn-folder.json``:
  ``{"kind": "run" | "sweep", "fnn_version": ...}``. ``force`` replaces only a
  folder with a valid marker that holds nothing but files fnn writes (or an
  empty folder). Run folders from fnn versions before the marker are left
  alone with a message: delete them yourself if they can go. A folder holding
  an input of the same run (``--data exp/data.csv --out exp``), a symbolic link
  at the path, the current folder, one above it, the home folder and ``/`` are
  refused, ``force`` or not. Replacing never recurses: only files with fnn's
  names are unlinked, then the folder is removed with ``rmdir``.
  ``report.html`` counts as fnn's only when ``fnn report`` wrote it (it begins
  with :data:`REPORT_SIGNATURE`).
- :func:`check_out_dir`, called before training, checks all that and that the
  name is valid and the nearest existing parent is a writable folder (by
  making and removing a folder in it), so no training is wasted. Missing
  parents are created only when the results are written.
- The folder is filled as a hidden staging folder beside the path,
  ``.fnn-staging-<host>-<pid>-<token>`` (short, so any valid name works; on the
  same file system, so renames are atomic), and renamed into place only when
  every file exists: an error or Ctrl-C never leaves a half-written folder.
  Whether the path may be taken or replaced is decided again at that moment,
  and the rename itself never replaces anything (``renameat2`` with
  ``RENAME_NOREPLACE``, or claiming the name with ``mkdir`` first). When the
  path cannot be taken then (a folder appeared there while fnn trained, or a
  second fnn wrote it first), :class:`~fnn.errors.OutputError` says why and
  where the finished results were kept instead: ``NAME-2`` (or ``-3``, ...).
  With ``force``, the old folder is first renamed aside to
  ``.fnn-old-<host>-<pid>-<token>`` and checked again there.
- Staging and aside folders left by a killed fnn (their process is gone) are
  removed by the next fnn that writes beside them, under the same rules.
- An ``OSError`` while writing (a full disk) is an ``OutputError`` naming the
  path and the reason, and the staging folder is removed.
"""

from __future__ import annotations

import csv
import ctypes
import io
import errno
import json
import os
import re
import secrets
import shutil
import socket
import zlib

import numpy as np
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from fnn.builtin.metrics import confusion_matrix
from fnn.core.network import predict
from fnn.figures import plots as figures
from fnn.figures import views
from fnn.io import jsonfile
from fnn.errors import ConfigError, OutputError
from fnn.io.modelfile import save_model
from fnn.runs import journal
from fnn.runs.frames import Frames, save_frames
from fnn.runs.settings import BY_NAME, RunConfig, config_from_plain, plain_settings, validated
from fnn.runs.sweep import ALWAYS_SHOWN, POOLED, SweepRun, classifies, headline, summarize_groups, varied_settings
from fnn.runs.training import Experiment, FitResult, Resume

RUN_FILES = (
    "metrics.json", "history.csv", "model.npz", "learning_curve.png", "comparison.png", "confusion.png",
    "neurons.png", "network.png", "frames.npz", "training.gif", "training.mp4")
"""The files of a run folder (``comparison.png`` for a binary run only with two features and a multi-class
one with two or more, ``confusion.png`` for multi-class runs)."""
MARKER = ".fnn-folder.json"
"""The file that marks a folder as fnn's: ``{"kind": "run" | "sweep", "fnn_version": ...}``."""
REPORT_FILE = "report.html"
"""The page ``fnn report DIR`` writes into the folder (see :mod:`fnn.runs.report`)."""
REPORT_SIGNATURE = b"<!DOCTYPE html>\n<!-- written by fnn report"
"""How every page ``fnn report`` writes begins: a file of that name without it is the user's."""
MAX_PANELS = 12
"""A sweep figure splits into one panel per combination of the other settings up to this many."""

# Every name fnn writes into a run or sweep folder, including save_model's own partial file.
_FNN_FILE = re.compile("|".join([*map(re.escape, [*RUN_FILES, MARKER, "results.csv", "results.json", "curves.npz",
                                                   "sweep.json", "journal.jsonl"]),
                                 r"loss_by_\w+\.(?:png|svg|pdf)",
                                 r"(?:learning_curve|comparison|confusion|neurons|network)\.(?:svg|pdf)",
                                 r"\.model\.npz\.[0-9a-f]{8}\.partial", re.escape(REPORT_FILE),
                                 rf"\.{re.escape(REPORT_FILE)}\.[0-9a-f]{{8}}\.partial"]))
_SCRATCH = re.compile(r"\.fnn-(?:staging|old)-([0-9a-f]{8})-(\d+)-[0-9a-f]{8}")
_HOST = format(zlib.crc32(socket.gethostname().encode()), "08x")
_NAME_MAX = 255
_KEPT_TRIES = 100


def check_out_dir(path: str | os.PathLike, force: bool, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Refuse, with a ``ConfigError`` that says why, an output folder that cannot be written or (with
    ``force``) replaced; ``inputs`` are the run's input files, which it must not hold. Call before training
    so no run is wasted. Also removes what killed fnn runs left beside it. Return the absolute path."""
    target = _writable_target(path)
    reason = _refusal(target, str(path), force, inputs)
    if reason is not None:
        raise ConfigError(reason)
    return target


def write_folder(path: str | os.PathLike, fill: Callable[[Path], None], *, kind: str, force: bool = False,
                 inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Create the folder ``path`` of ``kind`` ("run" or "sweep") with ``fill(folder)`` all at once, replacing
    it if ``force`` and fnn wrote it; ``inputs`` are files the folder must not hold. Return the path.

    Whether the path may be taken is decided when the finished folder is moved there; if it may not,
    the folder is kept beside it and ``OutputError`` says why and where."""
    shown = str(path)
    try:
        target = _writable_target(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = _scratch(target, "staging")
        staging.mkdir()
    except ConfigError as error:  # the path was fine when the run started
        raise OutputError(str(error)) from None
    except OSError as error:
        raise OutputError(f"could not write {shown!r}: {_reason(error)}") from None
    try:
        _mark(staging, kind)
        fill(staging)
    except OSError as error:
        _remove_fnn_folder(staging)
        where = f" ({Path(error.filename).name})" if error.filename else ""
        raise OutputError(f"could not write {shown!r}: {_reason(error)}{where}; nothing was written") from None
    except BaseException:
        _remove_fnn_folder(staging)
        raise
    return _place(staging, target, shown, force, list(inputs), kind)


def _writable_target(path: str | os.PathLike) -> Path:
    """The absolute output path, once it is known that a folder of that name can be made there."""
    shown = str(path)
    if "\0" in shown:
        raise ConfigError(f"--out {shown!r} contains a NUL character, which no file name may hold")
    absolute = Path(os.path.abspath(path))
    target = absolute.parent.resolve() / absolute.name  # the parent's links resolved, the name's never followed
    here = Path.cwd().resolve()
    if target == here or target in here.parents:
        raise ConfigError(f"--out {shown!r} is the current folder or one above it; name a new folder instead")
    if target == Path.home().resolve():
        raise ConfigError(f"--out {shown!r} is your home folder; name a new folder instead")
    size = len(os.fsencode(target.name))
    if size > _NAME_MAX:
        raise ConfigError(f"--out {shown!r}: the folder name is {size} bytes long; at most {_NAME_MAX} are allowed")
    ancestor = next(p for p in target.parents if os.path.lexists(p))
    if not ancestor.is_dir():
        raise ConfigError(f"cannot create {shown!r}: {str(ancestor)!r} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write {shown!r}: the folder {str(ancestor)!r} is not writable")
    try:  # os.access cannot see everything (a read-only mount, quotas, root on NFS): really try
        probe = _scratch(ancestor / "probe", "staging")
        probe.mkdir()
        probe.rmdir()
    except OSError as error:
        raise ConfigError(f"cannot write {shown!r}: {_reason(error)} in {str(ancestor)!r}") from None
    _clean_scratch(target.parent)
    return target


def _refusal(target: Path, shown: str, force: bool, inputs: Iterable[str | os.PathLike]) -> str | None:
    """Why ``target`` may not be written now (``None`` if it may)."""
    if not os.path.lexists(target):
        return None
    if target.is_symlink():
        return f"{shown!r} is a symbolic link; fnn never replaces one or writes through it: choose another --out"
    if not target.is_dir():
        return f"{shown!r} exists and is not a folder; choose another --out"
    if not force and _unfinished(target):
        return (f"{shown!r} is an unfinished sweep; continue it with fnn sweep --resume {shown}, or add --force "
                "to replace it")
    if not force:
        return f"{shown!r} already exists; use --force to replace a folder fnn wrote, or choose another --out"
    for name in inputs:
        for candidate in {Path(os.path.abspath(name)), Path(name).resolve()}:
            if target in candidate.parents:
                return (f"{shown!r} holds {str(name)!r}, an input of this run; --force never deletes "
                        "a run's input: choose another --out")
    return _foreign(target, shown)


def _foreign(folder: Path, shown: str) -> str | None:
    """Why ``folder`` is not fnn's to delete (``None`` if it is: empty, or marked and holding only fnn's files)."""
    try:
        entries = os.listdir(folder)
    except OSError as error:
        return f"cannot read {shown!r}: {_reason(error)}"
    if not entries:
        return None
    if not _marked(folder):
        if all(_FNN_FILE.fullmatch(name) for name in entries) and "metrics.json" in entries:
            return (f"{shown!r} looks like a run folder from an fnn older than its {MARKER} marker; --force "
                    "leaves such folders alone: delete it yourself if it can go, or choose another --out")
        return (f"{shown!r} was not written by fnn (it has no {MARKER}); --force replaces only folders "
                "fnn wrote: choose another --out")
    for name in sorted(entries):
        if not (_FNN_FILE.fullmatch(name) and (folder / name).is_file() and not (folder / name).is_symlink()
                and (name != REPORT_FILE or written_by_report(folder / name))):
            return (f"{shown!r} holds {name!r}, which fnn did not write; --force replaces only folders fnn "
                    "wrote: move it out, or choose another --out")
    return None


def written_by_report(path: Path) -> bool:
    """Whether the file at ``path`` is a page ``fnn report`` wrote (it begins with :data:`REPORT_SIGNATURE`)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(REPORT_SIGNATURE)) == REPORT_SIGNATURE
    except OSError:
        return False


def _marked(folder: Path) -> bool:
    return _marker(folder) is not None


def _marker(folder: Path) -> dict | None:
    """The folder's valid marker (its ``kind`` "run" or "sweep"); None when it has none."""
    marker = folder / MARKER
    if marker.is_symlink() or not marker.is_file():
        return None
    try:
        record = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("kind") in ("run", "sweep") else None


def _unfinished(folder: Path) -> bool:
    """Whether ``folder`` is a sweep fnn started with ``--out`` and has not finished (see :func:`start_sweep`)."""
    record = _marker(folder)
    return record is not None and record["kind"] == "sweep" and record.get("finished") is False


def _mark(folder: Path, kind: str, **fields: Any) -> None:
    from fnn import __version__

    (folder / MARKER).write_text(json.dumps({"kind": kind, "fnn_version": __version__, **fields}) + "\n")


def _place(staging: Path, target: Path, shown: str, force: bool, inputs: list, kind: str) -> Path:
    """Rename the finished ``staging`` to ``target`` if it may be taken or replaced now; otherwise keep the
    results under a visible name beside it and raise ``OutputError`` saying why and where."""
    reason = None
    try:
        for _ in range(3):  # a folder appearing or vanishing between the decision and the rename: decide again
            reason = _refusal(target, shown, force, inputs)
            if reason is not None:
                break
            try:
                if os.path.lexists(target):
                    reason = _replace(staging, target, shown)
                else:
                    _rename_noreplace(staging, target)
                if reason is None:
                    return target
                break
            except (FileExistsError, FileNotFoundError):
                continue
        else:
            reason = f"{shown!r} kept changing while fnn wrote it"
    except OSError as error:
        reason = f"could not write {shown!r}: {_reason(error)}"
    except BaseException:
        _remove_fnn_folder(staging)
        raise
    try:
        kept = _keep(staging, target)
    except OSError:
        _remove_fnn_folder(staging)
        raise OutputError(f"this {kind} was not saved: {reason}") from None
    named = Path(shown).with_name(kept.name) if Path(shown).name == target.name else kept  # as the user wrote it
    raise OutputError(f"this {kind} was written to {str(named)!r} instead: {reason}")


def _replace(staging: Path, target: Path, shown: str) -> str | None:
    """Swap the fnn folder at ``target`` for ``staging``; ``None`` when done, else why not (nothing changed)."""
    aside = _scratch(target, "old")
    _rename_noreplace(target, aside)
    # Checked again now that the folder is out of everyone's way, so what is deleted is what was checked.
    reason = _foreign(aside, shown)
    if reason is None:
        try:
            _rename_noreplace(staging, target)
        except BaseException:
            _rename_noreplace(aside, target)
            raise
        _remove_fnn_folder(aside)
    else:
        _rename_noreplace(aside, target)
    return reason


def _keep(staging: Path, target: Path) -> Path:
    """Rename ``staging`` to the first free ``NAME-2``, ``NAME-3``, ... beside ``target``; return it."""
    for number in range(2, 2 + _KEPT_TRIES):
        stem = target.name
        while len(os.fsencode(f"{stem}-{number}")) > _NAME_MAX:  # trimmed by whole characters to fit
            stem = stem[:-1]
        kept = target.with_name(f"{stem}-{number}")
        try:
            _rename_noreplace(staging, kept)
            return kept
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free name", str(target))


def _scratch(path: Path, role: str) -> Path:
    """A new hidden name beside ``path`` for a staging or aside folder; the host and process in it tell
    a later fnn whether its maker is gone."""
    return path.with_name(f".fnn-{role}-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}")


def _clean_scratch(folder: Path) -> None:
    """Remove the staging and aside folders that dead fnn processes on this machine left in ``folder``."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = _SCRATCH.fullmatch(name)
        if match and match[1] == _HOST and not _alive(int(match[2])):
            path = folder / name
            if path.is_dir() and not path.is_symlink():
                _remove_fnn_folder(path)


def _alive(pid: int) -> bool:
    if os.name == "nt":
        return True  # os.kill would end the process there; such leftovers are not cleaned
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process, or a number no process has: leave its folder alone
    return True


def _remove_fnn_folder(folder: Path) -> None:
    """Delete ``folder`` if it is fnn's to delete (see :func:`_foreign`): its files by name, never
    recursing, the marker last, then the folder itself; anything else is left as it is."""
    try:
        if _foreign(folder, "") is not None:
            return
        for name in sorted(os.listdir(folder), key=lambda name: name == MARKER):
            os.unlink(folder / name)
        folder.rmdir()
    except OSError:
        pass  # a leftover the next run will try again; never worth losing the error being raised


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _rename_noreplace(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target``, raising ``FileExistsError`` if anything is at ``target`` (even an
    empty folder, which a plain ``os.rename`` would silently replace)."""
    if _renameat2 is not None:
        if _renameat2(-100, os.fsencode(source), -100, os.fsencode(target), 1) == 0:  # AT_FDCWD, RENAME_NOREPLACE
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS):  # those mean: not on this file system or kernel
            raise OSError(code, os.strerror(code), str(target))
    os.mkdir(target)  # claims the name atomically; the rename then replaces only this empty folder
    try:
        os.rename(source, target)
    except BaseException:
        os.rmdir(target)
        raise


def _load_renameat2():
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # not Linux, or a C library before glibc 2.28
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return function


_renameat2 = _load_renameat2()


def write_run(path: str | os.PathLike, result: FitResult, *, force: bool = False, frames: Frames | None = None) -> Path:
    """Write the run folder for ``result`` at ``path`` (replacing it if ``force``); return the path. With
    ``frames`` (kept by a :class:`~fnn.runs.frames.FrameKeeper`) also ``frames.npz`` and the animation."""
    def fill(folder: Path) -> None:
        _write_run_files(folder, result)
        if frames is not None:
            save_frames(folder / "frames.npz", frames)
            _write_animation(folder, result, frames)

    return write_folder(path, fill, kind="run", force=force,
                        inputs=[result.experiment.config.data] if result.experiment.config.data else [])


def _write_run_files(folder: Path, result: FitResult) -> None:
    summary = result.summary()
    epochs = list(range(1, result.epochs_trained + 1))
    history = {"epoch": epochs, **{name: values.tolist() for name, values in result.history.items()}}
    (folder / "metrics.json").write_text(jsonfile.dumps({**summary, "history": history}) + "\n")
    with open(folder / "history.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(history)
        writer.writerows(zip(epochs, *(map(repr, values) for name, values in history.items() if name != "epoch")))
    # Where training stood, for fnn run --resume: the optimizer's state and the mini-batch generator's.
    save_model(folder / "model.npz", result.final.params, summary,
               training=(result.final.epoch, result.final.state, result.rng_state))
    _write_figures(folder, result, summary)
    _write_views(folder, result)


def _write_figures(folder: Path, result: FitResult, summary: dict, suffix: str = ".png") -> None:
    """The run's figures: the learning curve of its headline metric and its task's comparison figure
    (a binary run's only for two features, as before; a multi-class run's for two or more), and a
    multi-class run's confusion matrix."""
    e = result.experiment
    source = _source(result.experiment)
    metric = e.scored[0].name if e.scored else "accuracy"
    title = (f"{source}: {'-'.join(map(str, summary['sizes']))} {summary['activation']} net, "
             f"{summary['optimizer']} lr {summary['learning_rate']:g}, {result.epochs_trained} epochs, "
             f"seed {summary['seed']}\n{_final_score(result, metric)}")
    loss_label = "loss (standardized targets)" if e.target_scaler is not None else "loss"
    figures.learning_curve(result.history, folder / f"learning_curve{suffix}", title=title, metric=metric,
                           loss_label=loss_label)
    x, x_test, features, inputs = _plane(e)
    common: dict[str, Any] = {"title": title, "x_test": x_test, "y_test": e.y_test, "inputs": inputs}
    if e.task == "binary":
        if x.shape[1] == 2:
            classes = e.classes if tuple(e.classes) != ("0", "1") else ()  # else "class 0" and "class 1"
            figures.comparison(result.final.params, x, e.y, e.activation, e.output,
                               folder / f"comparison{suffix}", features=features, classes=classes, **common)
    elif e.task == "multiclass":
        if x.shape[1] >= 2:  # regions need a plane
            figures.class_comparison(result.final.params, x, e.y, e.activation, e.output,
                                     folder / f"comparison{suffix}", classes=e.classes, features=features, **common)
        x, y, points = e.x, e.y, "training points"
        if e.x_test is not None and e.y_test is not None and len(e.x_test) > 0:
            x, y, points = e.x_test, e.y_test, "test points"
        matrix = confusion_matrix(predict(result.final.params, x, e.activation, e.output), y)
        figures.confusion(matrix, folder / f"confusion{suffix}", classes=e.classes, title=title, points=points)
    else:
        targets = [name.strip() for name in (e.config.label_column or "").split(",") if name.strip()]
        # In the data's units: the targets' standardizing (if any) undone on the targets and the network's outputs.
        common["y_test"] = None if e.y_test is None else e.in_data_units(e.y_test)
        figures.regression_comparison(result.final.params, x, e.in_data_units(e.y), e.activation, e.output,
                                      folder / f"comparison{suffix}", features=features, targets=targets,
                                      in_target_units=e.in_data_units, **common)


def _source(e: Experiment) -> str:
    """The data a figure's title names: the file or dataset, and the inputs made of it (``--features``)."""
    source = e.config.data or e.config.dataset
    return source if e.inputs is None else f"{source} (inputs {', '.join(e.inputs.names)})"


def _plane(e: Experiment) -> tuple[np.ndarray, np.ndarray | None, list[str], figures.Inputs | None]:
    """What the figures draw over: the points, the test points, the axes' names, and how the points become
    the network's inputs. With ``--features``, the data's own columns, made the network's inputs by the run's
    features and then its scaler; else the network's inputs themselves (in standard units with a scaler)."""
    if e.inputs is None:
        names = list(e.features) or [f"x{i + 1}" for i in range(e.x.shape[1])]
        if e.scaler is not None:  # the axes are the network's inputs, in standard units
            names = [f"{name}, standardized" for name in names]
        return e.x, e.x_test, names, None
    made, scaler = e.inputs, e.scaler

    def inputs(points: np.ndarray) -> np.ndarray:
        return made(points) if scaler is None else scaler(made(points))

    assert e.x_columns is not None  # prepare keeps the columns whenever it makes inputs of them
    return e.x_columns, e.x_test_columns, list(made.columns), inputs


def _final_score(result: FitResult, metric: str) -> str:
    """The loss and headline metric at the end, as the titles say them: "final loss 0.0123, accuracy 97.5%",
    with the held-out points' after the training points' ("accuracy 97.5% (test 95.0%)", "accuracy 97.5% (val
    96.0%, test 95.0%)")."""
    def text(value):
        return f"{value:.1%}" if metric in figures.PERCENT_METRICS else f"{value:.3f}"

    final = result.final
    standardized = " on standardized targets" if result.experiment.target_scaler is not None else ""
    # The held-out points' scores in brackets: validation (with a validation split), then test.
    held = [(part, getattr(final, f"{part}_loss"), getattr(final, f"{part}_scores").get(metric))
            for part in ("val", "test") if getattr(final, f"{part}_loss") is not None]
    loss = f"final loss{standardized} {final.loss:.3g}"
    if held:
        loss += " (" + ", ".join(f"{part} {value:.3g}" for part, value, _ in held) + ")"
    score = f"{figures.metric_label(metric)} {text(final.scores[metric])}"
    if any(value is not None for _, _, value in held):
        score += " (" + ", ".join(f"{part} {text(value)}" for part, _, value in held if value is not None) + ")"
    return f"{loss},{chr(10) if len(held) > 1 else ' '}{score}"  # two held-out parts: too long for one line


def _view_setup(result: FitResult) -> tuple[list[str], str, tuple[int, int]]:
    """The views' feature names, title and plane (the columns of ``--plot-features``)."""
    e = result.experiment
    _, _, features, _ = _plane(e)
    summary_features = list(e.inputs.columns if e.inputs is not None else e.features) or [
        f"x{i + 1}" for i in range(e.x.shape[1])]
    c = e.config
    source = _source(e)
    title = f"{source}: {'-'.join(map(str, e.params.sizes))} {c.activation} net, {result.epochs_trained} epochs"
    return features, title, views.plot_columns(c.plot_features, summary_features)


def _write_views(folder: Path, result: FitResult, suffix: str = ".png") -> None:
    """The views inside the network: ``neurons.png`` (two features or more, over the plane of
    ``--plot-features``) and ``network.png``."""
    e = result.experiment
    features, title, columns = _view_setup(result)
    x, _, _, inputs = _plane(e)
    targets = [name.strip() for name in (e.config.label_column or "").split(",") if name.strip()]
    outputs = list(e.classes) if e.task == "multiclass" else targets
    if x.shape[1] >= 2:
        views.neuron_maps(result.final.params, x, e.y, e.activation, e.output, folder / f"neurons{suffix}",
                          task=e.task, title=title, columns=columns, features=features, classes=e.classes,
                          targets=targets, inputs=inputs)
    views.network(result.final.params, x, e.activation, e.output, folder / f"network{suffix}", title=title,
                  columns=columns, features=features, outputs=outputs, inputs=inputs,
                  input_names=e.features if inputs is not None else ())


def _write_animation(folder: Path, result: FitResult, frames: Frames) -> None:
    """``training.gif`` from ``frames`` and, when ffmpeg is installed, ``training.mp4``."""
    e = result.experiment
    features, title, columns = _view_setup(result)
    x, _, _, inputs = _plane(e)
    views.animation(frames.params, frames.epochs, result.loss, x, e.y, e.activation, e.output,
                    folder / "training.gif", task=e.task, title=title.rsplit(",", 1)[0], columns=columns,
                    features=features, mp4=folder / "training.mp4" if shutil.which("ffmpeg") else None, inputs=inputs,
                    in_target_units=None if e.target_scaler is None else e.in_data_units,
                    loss_label="loss (standardized targets)" if e.target_scaler is not None else "loss")


FORMATS = ("png", "svg", "pdf")
"""The formats ``fnn plot`` draws a run's figures in (the animation is always a GIF)."""


def redraw_run(path: str | os.PathLike, registry=None, *, plot_features: str | None = None, animate: bool = False,
               format: str = "png") -> list[str]:
    """Draw the figures of the run folder ``path`` again from what it saved (``metrics.json``, ``model.npz``,
    ``frames.npz`` with ``animate``), its data made again from the saved settings (datasets are seeded; a CSV is
    read again from its path); return the names of the files written. A sweep folder's ``loss_by_*`` figures
    are drawn again from its ``results.json`` and ``curves.npz``. Only files fnn writes are replaced, and only
    in a folder fnn marked as a run or a sweep."""
    from fnn.core.network import predict as network_predict
    from fnn.io.modelfile import load_model
    from fnn.runs.frames import load_frames
    from fnn.runs.training import Epoch, metric_scores

    shown = str(path)
    folder = Path(path)
    if format not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, got {format!r}")
    if folder.is_symlink() or not folder.is_dir() or not _marked(folder):
        raise ConfigError(f"{shown!r} is not a folder fnn wrote (it has no {MARKER}); fnn plot redraws run folders")
    kind = json.loads((folder / MARKER).read_text()).get("kind")
    if kind == "sweep":
        return _redraw_sweep(folder, format)
    summary = json.loads((folder / "metrics.json").read_text())
    e = _experiment_again(folder, summary, registry, plot_features=plot_features)
    params = load_model(folder / "model.npz").params

    def scores(x, y):
        return {} if x is None else metric_scores(e.scored, network_predict(params, x, e.activation, e.output), y)

    history = {name: np.asarray(values) for name, values in summary["history"].items() if name != "epoch"}
    final = Epoch(summary["final_epoch"], summary["final_loss"], summary["accuracy"], params, None,
                  summary["test_loss"], summary["test_accuracy"], scores(e.x, e.y), scores(e.x_test, e.y_test),
                  summary.get("val_loss"), scores(e.x_val, e.y_val))
    result = FitResult(e, final, history, summary["train_seconds"], summary["stop_reason"])
    frames = None
    if animate:
        if not (folder / "frames.npz").is_file():
            raise ConfigError(f"{shown!r} has no frames.npz: run it again with --animate to keep the frames")
        frames = load_frames(folder / "frames.npz")
    def draw(staging: Path) -> None:
        _write_figures(staging, result, summary, suffix=f".{format}")
        _write_views(staging, result, suffix=f".{format}")
        if frames is not None:
            _write_animation(staging, result, frames)

    return _redrawn(folder, draw)


def resume_run(path: str | os.PathLike, epochs: int, registry=None) -> tuple[Experiment, Resume]:
    """The run of the run folder ``path`` ready to train ``epochs`` more epochs from where it stopped: its
    experiment (its settings, ``epochs`` more in all) and where its training stood (:class:`Resume`, from
    ``model.npz`` and ``metrics.json``). Continuing it gives the numbers of one run of that many epochs.
    ``ConfigError`` when ``path`` is not a run folder fnn wrote; ``FnnError`` when it cannot be continued
    exactly, saying why."""
    from fnn.errors import FnnError
    from fnn.io.modelfile import decode_state, load_model

    shown = str(path)
    folder = Path(path)
    record = None if folder.is_symlink() or not folder.is_dir() else _marker(folder)
    if record is None:
        raise ConfigError(f"{shown!r} is not a folder fnn wrote (it has no {MARKER}); --resume takes a run's "
                          "--out folder")
    if record["kind"] != "run":
        raise ConfigError(f"{shown!r} is a sweep folder; continue an interrupted sweep with fnn sweep --resume")
    if epochs < 1:
        raise ConfigError(f"--epochs with --resume is how many more epochs to train: at least 1, got {epochs}")
    summary = jsonfile.loads((folder / "metrics.json").read_text())
    model = load_model(folder / "model.npz")
    training = model.training
    if training is None:
        raise FnnError(f"{shown!r} cannot be resumed exactly: its model.npz holds the parameters but not the "
                       "optimizer's state or the mini-batch order (it was written by an older fnn); train it "
                       "again with this fnn")
    done = training.epochs
    if not str(summary.get("stop_reason", "")).startswith("trained all") or done != summary["epochs_trained"]:
        raise FnnError(f"{shown!r} stopped early ({summary.get('stop_reason')}); a longer run stops there too, "
                       "so there is nothing to continue")
    if summary.get("patience") is not None:
        raise FnnError(f"{shown!r} watches --patience, whose best epoch so far is not saved; it cannot be "
                       "resumed exactly")
    before = _experiment_again(folder, summary, registry, epochs=done)
    experiment = _experiment_again(folder, summary, registry, epochs=done + epochs)
    if before.schedule is not None and experiment.schedule is not None and any(
            before.schedule(epoch) != experiment.schedule(epoch) for epoch in range(1, done + 1)):
        raise FnnError(f"{shown!r} cannot be resumed exactly: its --schedule {summary['schedule']} spreads over "
                       f"all the epochs, so its first {done} would have had other rates in a run of {done + epochs}; "
                       "schedules that do not (constant, exponential, step with step_size) resume exactly")
    params = model.params
    if params.sizes != experiment.params.sizes or params["W1"].dtype != experiment.params["W1"].dtype:
        raise FnnError(f"{shown!r}: its model.npz does not fit the run's settings (sizes {list(params.sizes)})")
    state = decode_state(training, experiment.optimizer.init(params), repr(str(folder / "model.npz")))
    history = {name: np.array(values, dtype=float) for name, values in summary["history"].items() if name != "epoch"}
    if any(len(values) != done or not np.isfinite(values).all() for values in history.values()):
        raise FnnError(f"{shown!r}: metrics.json's history does not hold the {done} epochs model.npz says were trained")
    return experiment, Resume(done, params, state, training.rng, history, float(summary["train_seconds"]))


def _experiment_again(folder: Path, summary: dict, registry=None, plot_features: str | None = None,
                      **changes: Any) -> Experiment:
    """The experiment of the run folder ``folder`` (whose ``metrics.json`` is ``summary``) prepared again from
    its saved settings, with ``changes``: datasets are seeded, a CSV is read again from its path."""
    from fnn.errors import FnnError
    from fnn.runs.settings import SETTINGS
    from fnn.runs.training import prepare

    values = {s.name: summary[s.name] for s in SETTINGS if s.name in summary}
    values = {name: tuple(value) if isinstance(value, list) else value for name, value in values.items()}
    if values.get("dataset") is None:
        values.pop("dataset", None)
    # The record's "classes" are the class names (they replace the setting's value there): a dataset that takes
    # a number of classes made as many as it named.
    values["classes"] = None
    if summary.get("data") is None:
        from fnn.plugins.registry import registry as default_registry

        if (registry or default_registry()).dataset(summary["dataset"]).takes_classes:
            values["classes"] = len(summary["classes"])
    config = replace(RunConfig(**values), **{"plot_features": plot_features or values.get("plot_features"), **changes})
    experiment = prepare(config, registry)
    if (len(experiment.x), 0 if experiment.x_test is None else len(experiment.x_test)) != (
            summary["n_train"], summary["n_test"]):
        raise FnnError(f"the data of {str(folder)!r} could not be made again as it was ({summary['n_train']} training "
                       f"and {summary['n_test']} test points); was {summary['data'] or summary['dataset']!r} changed?")
    return experiment


def _redrawn(folder: Path, draw: Callable[[Path], None]) -> list[str]:
    """Draw figures into a folder beside ``folder`` with ``draw(staging)``, then move them in, replacing only
    files fnn writes; the names of the files written."""
    staging = _scratch(folder.resolve(), "staging")  # beside the folder, as write_folder's
    staging.mkdir()
    try:
        draw(staging)
        written = sorted(os.listdir(staging))
        for name in written:
            target = folder / name
            if os.path.lexists(target) and (target.is_symlink() or not target.is_file()
                                            or not _FNN_FILE.fullmatch(name)):
                raise OutputError(f"{str(target)!r} is not a file fnn wrote; fnn plot leaves it alone")
        for name in written:
            os.replace(staging / name, folder / name)
    finally:
        for name in os.listdir(staging):
            os.unlink(staging / name)
        staging.rmdir()
    return written


def _redraw_sweep(folder: Path, format: str) -> list[str]:
    """A sweep folder's figures drawn again from its ``results.json`` (each run's settings and outcome) and
    ``curves.npz`` (each run's curves)."""
    from fnn.errors import FnnError
    from fnn.runs.settings import SETTINGS

    if not (folder / CURVES_FILE).is_file():
        raise FnnError(f"{str(folder)!r} has no {CURVES_FILE}: it was written before sweeps kept their curves; "
                       "run the sweep again to redraw it")
    results = jsonfile.loads((folder / "results.json").read_text())
    rows = results["runs"]
    with np.load(folder / CURVES_FILE, allow_pickle=False) as saved:
        losses, scores = saved["loss"], saved["score"]
    if len(losses) != len(rows) or len(scores) != len(rows):
        raise FnnError(f"{str(folder)!r}: {CURVES_FILE} holds {len(losses)} runs but results.json {len(rows)}")
    runs = []
    for row, loss, score in zip(rows, losses, scores):
        values: dict[str, Any] = {s.name: tuple(row[s.name]) if isinstance(row[s.name], list) else row[s.name]
                                  for s in SETTINGS if s.name in row}
        done = row.get("error") is None and row.get("diverged_at") is None
        loss, score = loss[~np.isnan(loss)], score[~np.isnan(score)]
        # Only what the figures read: the settings, whether the run finished (its row, as its summary), its curves.
        runs.append(SweepRun(RunConfig(**values), row if done else None, loss, None, None, row.get("diverged_at"),
                             row.get("error"), score=score if len(score) else None))
    return _redrawn(folder, lambda staging: _write_sweep_figures(staging, runs, suffix=f".{format}",
                                                                 search=results.get("search")))


def write_sweep(path: str | os.PathLike, runs: Sequence[SweepRun], *, force: bool = False,
                search: dict | None = None, selected: dict | None = None) -> Path:
    """Write a sweep folder: every run in ``results.csv`` and ``results.json`` (with the
    seed-folded groups, ``search``, a random search's record from :func:`fnn.runs.search.search_record`,
    and the ``selected`` configuration when one was chosen: :func:`fnn.runs.sweep.selection`),
    and ``loss_by_<setting>.png`` for each setting that varies."""
    return write_folder(path, lambda folder: _write_sweep_files(folder, runs, search, selected), kind="sweep",
                        force=force, inputs={run.config.data for run in runs if run.config.data})


def _write_sweep_files(folder: Path, runs: Sequence[SweepRun], search: dict | None = None,
                       selected: dict | None = None) -> None:
    settings = varied_settings(run.config for run in runs)
    rows = [_run_row(run) for run in runs]
    columns = list(dict.fromkeys(column for row in rows for column in row))  # a run that diverged has no metrics
    with open(folder / "results.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(map(_csv_cells, rows))
    groups = [group.as_dict(settings) for group in summarize_groups(runs)]
    results = {"varied": settings, **({"search": search} if search else {}), "runs": rows, "groups": groups,
               **({} if selected is None else {"selected": selected})}
    (folder / "results.json").write_text(jsonfile.dumps(results, indent=2) + "\n")
    _save_curves(folder / CURVES_FILE, runs)
    _write_sweep_figures(folder, runs, search=search)


def _csv_cells(row: dict) -> dict:
    """A row as ``results.csv`` writes it: lists and options as JSON."""
    return {k: jsonfile.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()}


PLAN_FILE = "sweep.json"
"""A sweep folder's plan: every configuration of the sweep, prepared, in grid order (``{"configs": [...]}``)."""
JOURNAL_FILE = "journal.jsonl"
"""A sweep folder's journal: every finished run, appended as it finishes (see :mod:`fnn.runs.journal`)."""
MAX_PLAN_BYTES = 1 << 28


def start_sweep(path: str | os.PathLike, configs: Sequence[RunConfig], metrics: Sequence[str], *,
                force: bool = False, search: dict | None = None) -> Path:
    """Create the sweep folder at ``path`` before its first run trains, marked unfinished: its plan
    (``configs``, prepared), an empty journal and ``results.csv``'s header (the columns of a run of the task
    whose ``metrics`` are these) with ``search``, a random search's record, if the configurations were drawn
    (:func:`fnn.runs.search.search_record`). :func:`record_run` adds each run as it finishes; :func:`finish_sweep`
    writes the rest. The folder appears at once, whole (as :func:`write_folder` writes every folder)."""
    def fill(folder: Path) -> None:
        _mark(folder, "sweep", finished=False)
        plan = {"format": "fnn-sweep", "version": 1, "configs": [plain_settings(config) for config in configs],
                **({"search": search} if search else {})}
        (folder / PLAN_FILE).write_text(jsonfile.dumps(plan, indent=1) + "\n")
        (folder / JOURNAL_FILE).write_bytes(b"")
        _write_csv_header(folder, configs, metrics)

    return write_folder(path, fill, kind="sweep", force=force,
                        inputs={config.data for config in configs if config.data})


def _write_csv_header(folder: Path, configs: Sequence[RunConfig], metrics: Sequence[str]) -> None:
    template = _template_row(configs, metrics)
    with open(folder / "results.csv", "w", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(template)).writeheader()


def _template_row(configs: Sequence[RunConfig], metrics: Sequence[str]) -> dict:
    """A row with every column a run of the sweep can have, in the order the rows give them."""
    tested = any(config.test_split is not None for config in configs)
    summary = {"metrics": dict.fromkeys(metrics), "test_metrics": dict.fromkeys(metrics) if tested else None,
               "val_metrics": dict.fromkeys(metrics) if any(map(validated, configs)) else None}
    return _run_row(SweepRun(configs[0], summary, np.array([]), None, None, None))


def record_run(folder: Path, index: int, run: SweepRun) -> None:
    """Append the plan's run ``index`` to the sweep folder's journal, then its row to ``results.csv``, each
    flushed to the disk before this returns."""
    journal.append(folder / JOURNAL_FILE, journal.encode(index, run))
    with open(folder / "results.csv", newline="") as handle:
        columns = next(csv.reader(handle))
    text = io.StringIO()
    csv.DictWriter(text, fieldnames=columns).writerow(_csv_cells(_run_row(run)))
    journal.append(folder / "results.csv", text.getvalue().encode())


def unfinished_sweep(path: str | os.PathLike) -> tuple[Path, list[RunConfig], dict[int, SweepRun]] | None:
    """The sweep folder at ``path`` to resume: ``(folder, its plan, the runs it finished by index)``; None
    when the sweep is complete. ``ConfigError`` when ``path`` is not a sweep folder fnn wrote, ``FnnError``
    when its plan or journal is damaged. A torn last line (fnn killed while writing it) is cut from the
    journal, and ``results.csv`` is written again from the journal."""
    from fnn.errors import FnnError

    shown = str(path)
    folder = Path(path)
    if folder.is_symlink() or not folder.is_dir():
        raise ConfigError(f"{shown!r} is not a folder; --resume takes the --out folder of a sweep")
    record = _marker(folder)
    if record is None:
        raise ConfigError(f"{shown!r} was not written by fnn (it has no {MARKER}); --resume takes the --out "
                          "folder of a sweep")
    if record["kind"] != "sweep":
        raise ConfigError(f"{shown!r} is a {record['kind']} folder, not a sweep's; to continue a run, use "
                          f"fnn run --resume {shown}")
    if record.get("finished") is not False:
        return None
    plan_file, journal_file = folder / PLAN_FILE, folder / JOURNAL_FILE
    try:
        if plan_file.stat().st_size > MAX_PLAN_BYTES:
            raise ValueError(f"larger than {MAX_PLAN_BYTES:,} bytes")
        plan = jsonfile.loads(plan_file.read_text())
        configs = [config_from_plain(values) for values in plan["configs"]]
        if plan.get("format") != "fnn-sweep" or not configs:
            raise ValueError("not a sweep's plan")
    except (OSError, ValueError, KeyError, TypeError, ConfigError) as error:
        why = _reason(error) if isinstance(error, OSError) else error
        raise FnnError(f"{shown!r} has no readable {PLAN_FILE} ({why}); it cannot be resumed") from None
    if journal_file.is_symlink() or not journal_file.is_file():
        raise FnnError(f"{shown!r} has no {JOURNAL_FILE}; it cannot be resumed")
    kept = journal.read_journal(journal_file, configs)
    if journal_file.stat().st_size > kept.good_bytes:
        os.truncate(journal_file, kept.good_bytes)  # the torn line goes, so the next line starts a line

    with open(folder / "results.csv", newline="") as handle:
        columns = next(csv.reader(handle), None)  # written with the folder, whole: only the rows may be torn
    if not columns:
        raise FnnError(f"{shown!r} has no results.csv header; it cannot be resumed")

    def rows(staging: Path) -> None:
        with open(staging / "results.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(_csv_cells(_run_row(run)) for run in kept.runs.values())

    _redrawn(folder, rows)
    return folder, configs, kept.runs


def finish_sweep(folder: Path, runs: Sequence[SweepRun], selected: dict | None = None) -> Path:
    """Complete the sweep folder :func:`start_sweep` made: ``results.csv`` (in the plan's order),
    ``results.json``, ``curves.npz`` and the figures, each moved into place whole, then the marker says the
    sweep is finished. Killed before that, the folder stays unfinished and ``--resume`` finishes it."""
    search = planned_search(folder)
    _redrawn(folder, lambda staging: _write_sweep_files(staging, runs, search, selected))
    _redrawn(folder, lambda staging: _mark(staging, "sweep", finished=True))
    return folder


def planned_search(folder: str | os.PathLike) -> dict | None:
    """The random search's record in the plan of a sweep folder that :func:`start_sweep` made (None for a grid)."""
    plan_file = Path(folder) / PLAN_FILE
    if plan_file.stat().st_size > MAX_PLAN_BYTES:
        raise ConfigError(f"{str(plan_file)!r} is larger than {MAX_PLAN_BYTES:,} bytes")
    search = jsonfile.loads(plan_file.read_text()).get("search")
    return search if isinstance(search, dict) else None


CURVES_FILE = "curves.npz"
"""Every run's loss and headline metric per epoch, in ``results.json``'s order, so that ``fnn plot`` can
draw a sweep's figures again."""


def _save_curves(path: Path, runs: Sequence[SweepRun]) -> None:
    """``loss`` and ``score`` as (runs, epochs) arrays, NaN where a run has no epoch (it stopped early,
    diverged or failed): plain float arrays, so reading them back needs no pickle."""
    def padded(curves: list) -> np.ndarray:
        longest = max((len(curve) for curve in curves), default=0)
        table = np.full((len(curves), longest), np.nan)
        for row, curve in zip(table, curves):
            row[:len(curve)] = curve
        return table

    finished = [run.summary is not None for run in runs]
    nothing = np.array([])
    losses = [run.loss if done else nothing for run, done in zip(runs, finished)]
    scores = [run.score if done and run.score is not None else nothing for run, done in zip(runs, finished)]
    np.savez(path, loss=padded(losses), score=padded(scores))


def _write_sweep_figures(folder: Path, runs: Sequence[SweepRun], suffix: str = ".png",
                         search: dict | None = None) -> None:
    """``loss_by_<setting><suffix>`` for each setting that varies (the seed aside), with the task's headline
    metric in a second row when the runs kept it. A number drawn from uniform or loguniform (``search``)
    has a value per run, so its figure is the final loss and metric against the value, a point per run."""
    settings = varied_settings(run.config for run in runs)
    compared = [name for name in settings if name not in POOLED]
    finished = [run for run in runs if run.summary is not None]
    if not finished:
        return
    # The headline metric's curves (accuracy, or r2 in regression), when every run kept them.
    curves = all(run.score is not None and len(run.score) for run in finished)
    metric = headline(finished[0].config.task)
    seeds = len({run.config.seed for run in finished})
    fixed = ", ".join(f"{_heading(name)}={_label(getattr(finished[0].config, name))}" for name in BY_NAME
                      if name not in settings and name not in POOLED and (
                          name in ALWAYS_SHOWN or getattr(finished[0].config, name) != getattr(RunConfig(), name)))
    folds = f" × {finished[0].config.cv} folds" if finished[0].config.cv is not None else ""
    subtitle = f"{len(finished)} runs, {seeds} seed{'s' if seeds > 1 else ''}{folds} each; held fixed: {fixed}"
    standardized = finished[0].config.task == "regression" and finished[0].config.scale_targets
    ylabel = "loss (standardized targets)" if standardized else "loss"
    scattered = {name: spec.partition(":")[0] for name, spec in ((search or {}).get("distributions") or {}).items()
                 if spec.partition(":")[0] in ("uniform", "loguniform")}
    for setting in compared:
        if setting in scattered:
            _write_scatter(folder / f"loss_by_{setting}{suffix}", setting, finished, [
                name for name in compared if name != setting and name not in scattered], scattered[setting],
                metric, ylabel, subtitle)
            continue
        # A drawn number has a value per run: it would make a panel per run, so its runs are pooled.
        split, pooled = _sweep_panels(setting, [name for name in compared if name not in scattered], finished)
        pooled += [name for name in compared if name in scattered]
        losses: dict[str, dict[str, list]] = {}
        scores: dict[str, dict[str, list]] = {}
        for run in finished:
            panel = ", ".join(f"{_heading(name)}={_label(getattr(run.config, name))}" for name in split)
            label = f"{_heading(setting)}={_label(getattr(run.config, setting))}"
            losses.setdefault(panel, {}).setdefault(label, []).append(run.loss)
            scores.setdefault(panel, {}).setdefault(label, []).append(run.score)
        title = f"Loss{f' and {figures.metric_label(metric)}' if curves else ''} by {_heading(setting)}"
        if pooled:
            title += f", runs pooled over {', '.join(map(_heading, pooled))} and seeds"
        figures.overlay(losses, folder / f"loss_by_{setting}{suffix}", title=title, subtitle=subtitle,
                        metrics=scores if curves else None, metric=metric, ylabel=ylabel)


def _write_scatter(path: Path, setting: str, runs: Sequence[SweepRun], others: Sequence[str], kind: str,
                   metric: str, ylabel: str, subtitle: str) -> None:
    """The figure of a drawn number: each run's final loss (and ``metric``) against its value, coloured by
    the combination of the ``others`` (the grid's settings) it was trained with."""
    points: dict[str, list[tuple[float, float, float | None]]] = {}
    for run in runs:
        label = ", ".join(f"{_heading(name)}={_label(getattr(run.config, name))}" for name in others)
        # A trained run's summary holds its metrics; a redrawn one's is its results.json row, metrics flat.
        summary = run.summary or {}  # every run here finished
        scores = summary.get("metrics") or summary
        points.setdefault(label, []).append((getattr(run.config, setting), summary["final_loss"], scores.get(metric)))
    title = f"Final loss and {figures.metric_label(metric)} by {_heading(setting)}, drawn {kind}"
    figures.scatter(points, path, xlabel=_heading(setting), title=title, subtitle=subtitle, log=kind == "loguniform",
                    ylabel=ylabel, metric=metric)


def _sweep_panels(setting: str, compared: Sequence[str], runs: Sequence[SweepRun]) -> tuple[list, list]:
    """How the figure of ``setting`` splits a sweep's runs: the settings whose values make its panels (one
    panel per combination) and those its lines pool. Every combination of the other settings while they
    make at most :data:`MAX_PANELS` panels; beyond, one panel per value of the other setting with the most
    values that fit, the rest pooled (and said so in the title)."""
    others = [name for name in compared if name != setting]

    def count(names):
        return len({tuple(_label(getattr(run.config, name)) for name in names) for run in runs})

    if count(others) <= MAX_PANELS:
        return others, []
    fitting = [name for name in others if count([name]) <= MAX_PANELS]
    split = [max(fitting, key=lambda name: count([name]))] if fitting else []
    return split, [name for name in others if name not in split]


def _run_row(run: SweepRun) -> dict:
    """A run's row: its settings, the loss and the task's headline metric, the epoch of 100% accuracy
    (classification), the outcome, then the task's other metrics and, with a test split, every test metric."""
    row = plain_settings(run.config)
    summary = run.summary or {}
    first = headline(run.config.task)
    metrics = summary.get("metrics") or {}
    row.update({"final_loss": summary.get("final_loss"), first: metrics.get(first)})
    if classifies(run.config.task):
        row.update(first_100_epoch=run.first_perfect)
    row.update(diverged_at=run.diverged_at, train_seconds=summary.get("train_seconds"), error=run.error)
    others = [name for name in metrics if name != first]
    row.update((name, metrics[name]) for name in others)
    tests = summary.get("test_metrics") or {}
    row.update((f"test_{name}", tests[name]) for name in [first, *others] if name in tests)
    vals = summary.get("val_metrics")
    if vals:  # with a validation split: the held-out losses, then every validation metric
        row.update(test_loss=summary.get("test_loss"), val_loss=summary.get("val_loss"))
        row.update((f"val_{name}", vals[name]) for name in [first, *others] if name in vals)
    return row


def _heading(setting: str) -> str:
    return BY_NAME[setting].heading


def _label(value) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return ",".join(f"{k}={v:g}" for k, v in value.items())
    return f"{value:g}" if isinstance(value, float) else str(value)
