"""Output folders: everything a report needs from a run or a sweep, written all at once.

``write_run(path, result)`` fills a folder with ``metrics.json`` (the
``--json`` summary plus the per-epoch history), ``history.csv``, ``model.npz``,
``learning_curve.png`` and, for two-feature data, ``comparison.png``.
``write_sweep(path, runs)`` writes ``results.csv``, ``results.json`` and one
overlay figure per varied setting. Either folder is filled as a hidden
temporary folder beside ``path`` and renamed into place only when every file
exists, so an error or Ctrl-C never leaves a half-written folder behind.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Callable, Sequence

from . import figures
from .errors import ConfigError
from .model_io import save_model
from .sweep import SweepRun, config_dict, summarize_groups, varied_settings
from .training import FitResult

RUN_FILES = ("metrics.json", "history.csv", "model.npz", "learning_curve.png", "comparison.png")
"""The files of a run folder (``comparison.png`` only for two-feature data)."""
MAX_PANELS = 12
"""A sweep figure splits into one panel per combination of the other settings up to this many."""


def check_out_dir(path: str | os.PathLike, force: bool) -> Path:
    """Refuse an output folder that cannot be created or replaced; call before training so no run is wasted."""
    path = Path(path)
    resolved = path.resolve()
    if resolved == Path.cwd() or resolved in Path.cwd().parents or resolved.parent == resolved:
        raise ConfigError(f"--out {str(path)!r} is the current folder or one above it; name a new folder instead")
    blocker = next((p for p in resolved.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise ConfigError(f"cannot create {str(path)!r}: {str(blocker)!r} is a file, not a folder")
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{str(path)!r} exists and is not a folder; choose another --out")
    if path.exists() and not force:
        raise ConfigError(f"{str(path)!r} already exists; use --force to replace it, or choose another --out")
    return resolved


def write_folder(path: str | os.PathLike, fill: Callable[[Path], None], *, force: bool = False) -> Path:
    """Create the folder ``path`` with ``fill(folder)`` all at once (replacing it if ``force``)."""
    path = check_out_dir(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = _sibling(path, "partial")
    staging.mkdir()
    try:
        fill(staging)
        _swap_into_place(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path


def write_run(path: str | os.PathLike, result: FitResult, *, force: bool = False) -> Path:
    """Write the run folder for ``result`` at ``path`` (replacing it if ``force``); return the path."""
    return write_folder(path, lambda folder: _write_run_files(folder, result), force=force)


def _write_run_files(folder: Path, result: FitResult) -> None:
    experiment = result.experiment
    summary = result.summary()
    epochs = list(range(1, result.epochs_trained + 1))
    history = {"epoch": epochs, **{name: values.tolist() for name, values in result.history.items()}}
    (folder / "metrics.json").write_text(json.dumps({**summary, "history": history}) + "\n")
    with open(folder / "history.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(history)
        writer.writerows(zip(epochs, *(map(repr, values) for name, values in history.items() if name != "epoch")))
    save_model(folder / "model.npz", result.final.params, summary)
    title = (f"{summary['dataset']}: {'-'.join(map(str, summary['sizes']))} {summary['activation']} net, "
             f"{summary['optimizer']} lr {summary['learning_rate']:g}")
    figures.learning_curve(result.history, folder / "learning_curve.png", title=title)
    if experiment.x.shape[1] == 2:
        figures.comparison(result.final.params, experiment.x, experiment.y, experiment.activation,
                           experiment.output, folder / "comparison.png", title=title,
                           x_test=experiment.x_test, y_test=experiment.y_test)


def _swap_into_place(staging: Path, path: Path) -> None:
    if not path.exists():
        staging.rename(path)
        return
    retired = _sibling(path, "old")
    path.rename(retired)
    try:
        staging.rename(path)
    except BaseException:
        retired.rename(path)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _sibling(path: Path, role: str) -> Path:
    """A hidden, unused name beside ``path`` (same file system, so renames are atomic)."""
    return path.with_name(f".{path.name}.{role}-{secrets.token_hex(4)}")


def write_sweep(path: str | os.PathLike, runs: Sequence[SweepRun], *, force: bool = False) -> Path:
    """Write a sweep folder: every run in ``results.csv`` and ``results.json`` (with the
    seed-folded groups), and ``loss_by_<setting>.png`` for each setting that varies."""
    return write_folder(path, lambda folder: _write_sweep_files(folder, runs), force=force)


def _write_sweep_files(folder: Path, runs: Sequence[SweepRun]) -> None:
    settings = varied_settings(run.config for run in runs)
    rows = [_run_row(run) for run in runs]
    columns = list(rows[0])
    with open(folder / "results.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()} for row in rows)
    groups = [group.as_dict(settings) for group in summarize_groups(runs)]
    (folder / "results.json").write_text(json.dumps({"varied": settings, "runs": rows, "groups": groups}, indent=2) + "\n")
    compared = [name for name in settings if name != "seed"]
    finished = [run for run in runs if run.summary is not None]
    for setting in compared:
        others = [name for name in compared if name != setting]
        combos = {tuple(_label(getattr(run.config, name)) for name in others) for run in finished}
        split = len(combos) <= MAX_PANELS
        panels: dict[str, dict[str, list]] = {}
        for run in finished:
            panel = ", ".join(f"{_heading(name)}={_label(getattr(run.config, name))}" for name in others) if split else ""
            label = f"{_heading(setting)}={_label(getattr(run.config, setting))}"
            panels.setdefault(panel, {}).setdefault(label, []).append(run.loss)
        if panels:
            title = f"Loss by {_heading(setting)}" + ("" if split or not others else f", median over {', '.join(others)}")
            figures.overlay(panels, folder / f"loss_by_{setting}.png", title=title)


def _run_row(run: SweepRun) -> dict:
    row = config_dict(run.config)
    summary = run.summary or {}
    row.update(
        final_loss=summary.get("final_loss"), accuracy=summary.get("accuracy"), first_100_epoch=run.first_perfect,
        diverged_at=run.diverged_at, train_seconds=summary.get("train_seconds"), error=run.error,
    )
    return row


def _heading(setting: str) -> str:
    return {"learning_rate": "lr", "n_samples": "points", "options": "opt"}.get(setting, setting)


def _label(value) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return ",".join(f"{k}={v:g}" for k, v in value.items())
    return f"{value:g}" if isinstance(value, float) else str(value)
