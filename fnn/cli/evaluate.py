"""``fnn evaluate``: a saved model's metrics, and its confusion matrix, on new labelled data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.table import Table

from fnn.builtin.metrics import confusion_matrix
from fnn.core.tasks import encode_targets, label_rule
from fnn.errors import DataError
from fnn.io import jsonfile
from fnn.io.data import read_csv
from fnn.io.modelfile import Model, load_model
from fnn.runs.training import metric_scores, task_metrics
from fnn.cli._app import command, examples, plugin_registry
from fnn.cli._console import make_console, shown
from fnn.cli.models import ModelArgument, check_outputs, model_inputs, model_predict
from fnn.cli.run import confusion_table, score_text


@command(epilog=examples(
    ("fnn evaluate runs/iris --data iris_test.csv", "the metrics and the confusion matrix"),
    ("fnn evaluate runs/fit/model.npz --data new.csv --label-column y --json", "a regression's, as JSON"),
))
def evaluate(
    ctx: typer.Context,
    model_path: ModelArgument,
    data: Annotated[Path, typer.Option(
        "--data", help="CSV file with a header row: the model's inputs by name and the true labels (class names "
                       "or indices, or a regression's targets); other columns are ignored.",
        show_default=False)],
    label_column: Annotated[Optional[str], typer.Option(
        "--label-column", help="The label column(s), comma-separated.",
        show_default="the model's, else the last column")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Score a saved model on labelled data: its task's metrics and, for a classifier, the confusion matrix."""
    model = load_model(model_path)
    name = repr(str(data))
    # Classes are read as multi-class, whatever the model's task, so that the file's names (or indices)
    # are checked against the model's own classes below, by name.
    table = read_csv(data, label_column or _saved_label_column(model),
                     task="regression" if model.task == "regression" else "multiclass")
    x, notes = model_inputs(list(table.features), table.x, model, f"--data: {name}")
    targets = _targets(model, table, name)
    registry = plugin_registry(ctx)
    outputs = model_predict(model, x, registry, str(model_path))
    check_outputs(outputs, x, f"--data {name}", table.lines, model.task)
    scores = metric_scores(task_metrics(registry, model.task), outputs, targets)
    matrix = None if model.task == "regression" else confusion_matrix(outputs, targets)
    if json_output:
        typer.echo(jsonfile.dumps({
            "model": str(model_path), "data": str(data), "task": model.task, "n": len(x),
            "classes": list(model.classes), "labels": list(table.labels), "notes": notes, "metrics": scores,
            "confusion_matrix": None if matrix is None else matrix.tolist(),
        }))
        return
    console = make_console()
    console.print(f"{shown(model_path)} ({model.task}) on {shown(data)}: {len(x)} points, labels in "
                  f"{shown(', '.join(table.labels))}", soft_wrap=not console.is_terminal)
    if notes:
        console.print(f"note: {shown('; '.join(notes))}", soft_wrap=not console.is_terminal)
    metrics = Table(title="Metrics", title_justify="left")
    metrics.add_column("metric")
    metrics.add_column("value", justify="right")
    for metric, value in scores.items():
        metrics.add_row(shown(metric), score_text(metric, value))
    console.print(metrics)
    if matrix is not None:
        console.print(confusion_table(model.classes, outputs, targets, f"Confusion matrix, {len(x)} points",
                                        console.width))


def _saved_label_column(model: Model) -> str | list[str] | None:
    """The label column(s) the model was trained with, when its file says (else the file's last column)."""
    if model.labels:
        return list(model.labels)
    saved = model.config.get("label_column")
    return saved if isinstance(saved, str) else None


def _targets(model: Model, table, name: str) -> np.ndarray:
    """The encoded targets of the file's labels for ``model``: class names mapped to its classes by name,
    class indices taken as they are; a regression's targets as read."""
    outputs = model.sizes[-1]
    if model.task == "regression":
        if table.y.shape[1] != outputs:
            raise DataError(f"--data: {name} has {table.y.shape[1]} label column{'s' if table.y.shape[1] > 1 else ''} "
                            f"({', '.join(table.labels)}) but the model predicts {outputs} values; name its "
                            "targets with --label-column")
        return table.y
    known = model.classes
    column = table.y[:, 0].astype(np.intp)
    if table.classes:
        unknown = [c for c in table.classes if c not in known]
        if unknown:
            raise DataError(f"--data: {name} column {table.labels[0]!r} holds the class {unknown[0]!r}, which the "
                            f"model does not know; its classes are {', '.join(known)}")
        column = np.array([known.index(c) for c in table.classes])[column]
    else:
        beyond = np.flatnonzero(column >= len(known))
        if len(beyond):
            i = int(beyond[0])
            raise DataError(f"--data: {name} line {table.lines[i]}: label {column[i]} in column "
                            f"{table.labels[0]!r}; {label_rule(model.task, len(known))} "
                            f"(the model's classes are {', '.join(known)})")
    return encode_targets(column, model.task, len(known))
