"""Run folders: everything a report needs from one finished run, written all at once.

``write_run(path, result)`` fills a folder with ``metrics.json`` (the
``--json`` summary plus the per-epoch history), ``history.csv``, ``model.npz``,
``learning_curve.png`` and, for two-feature data, ``comparison.png``. The
files are written into a hidden temporary folder beside ``path`` that is
renamed into place only when all of them exist, so an error or Ctrl-C never
leaves a half-written run folder behind.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
from pathlib import Path

from . import figures
from .errors import ConfigError
from .model_io import save_model
from .training import FitResult

RUN_FILES = ("metrics.json", "history.csv", "model.npz", "learning_curve.png", "comparison.png")
"""The files of a run folder (``comparison.png`` only for two-feature data)."""


def check_out_dir(path: str | os.PathLike, force: bool) -> Path:
    """Refuse an existing ``path`` unless ``force``; call before training so no run is wasted."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{str(path)!r} exists and is not a folder; choose another --out")
    if path.exists() and not force:
        raise ConfigError(f"{str(path)!r} already exists; use --force to replace it, or choose another --out")
    return path


def write_run(path: str | os.PathLike, result: FitResult, *, force: bool = False) -> Path:
    """Write the run folder for ``result`` at ``path`` (replacing it if ``force``); return the path."""
    path = check_out_dir(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = _sibling(path, "partial")
    staging.mkdir()
    try:
        _write_files(staging, result)
        _swap_into_place(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path


def _write_files(folder: Path, result: FitResult) -> None:
    experiment = result.experiment
    summary = result.summary()
    epochs = range(1, len(result.loss) + 1)
    history = {"epoch": list(epochs), "loss": result.loss.tolist(), "accuracy": result.accuracy.tolist()}
    (folder / "metrics.json").write_text(json.dumps({**summary, "history": history}, indent=2) + "\n")
    with open(folder / "history.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", "loss", "accuracy"])
        writer.writerows(zip(epochs, map(repr, result.loss.tolist()), map(repr, result.accuracy.tolist())))
    save_model(folder / "model.npz", result.final.params, summary)
    title = (f"{summary['dataset']}: {'-'.join(map(str, summary['sizes']))} {summary['activation']} net, "
             f"{summary['optimizer']} lr {summary['learning_rate']:g}")
    figures.learning_curve(result.loss, result.accuracy, folder / "learning_curve.png", title=title)
    if experiment.x.shape[1] == 2:
        figures.comparison(result.final.params, experiment.x, experiment.y, experiment.activation,
                           experiment.output, folder / "comparison.png", title=title)


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
