"""``fnn predict`` and ``fnn show``: use and inspect a saved model (``model.npz`` of a run folder)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.table import Table
from rich.text import Text

from ..data import Scaler, read_numeric_csv
from ..errors import DataError
from ..model_io import Model, load_model
from ..network import predict as network_predict
from .. import jsonfile
from ._app import app
from ._console import make_console, shown

ModelArgument = Annotated[Path, typer.Argument(help="A model file written by 'fnn run --out' (DIR/model.npz).",
                                               show_default=False)]


@app.command()
def predict(
    model_path: ModelArgument,
    points: Annotated[Optional[str], typer.Option("--points", help='Points as "x1,x2;x1,x2;...".')] = None,
    csv_path: Annotated[Optional[Path], typer.Option("--csv", help="CSV file with a header row and one column per input.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Predict the class of new points with a saved model."""
    if (points is None) == (csv_path is None):
        raise typer.BadParameter("give exactly one of --points or --csv", param_hint="--points / --csv")
    model = load_model(model_path)
    width = model.sizes[0]
    x = parse_points(points, width) if points is not None else read_points_csv(csv_path, width)
    prob = model_predict(model, x)
    classes = (prob >= 0.5).astype(int)
    if json_output:
        rows = [{"x": row.tolist(), "probability": float(p), "class": int(c)} for row, p, c in zip(x, prob, classes)]
        typer.echo(jsonfile.dumps({"model": str(model_path), "predictions": rows}))
        return
    table = Table(title=f"Predictions of {shown(model_path)}", title_justify="left")
    table.add_column("#", justify="right")
    for name in model.config.get("features") or [f"x{j + 1}" for j in range(width)]:
        table.add_column(shown(name), justify="right")
    table.add_column("probability", justify="right")
    table.add_column("class", justify="right")
    for i, (row, p, c) in enumerate(zip(x, prob, classes)):
        table.add_row(str(i), *(f"{v:g}" for v in row), f"{p:.5f}", str(c))
    make_console().print(table)


def model_predict(model: Model, x: np.ndarray) -> np.ndarray:
    """The saved network's output for raw points, standardised first if it was trained that way."""
    config = model.config
    scaling = config.get("standardize")
    if scaling:
        x = Scaler(np.array(scaling["mean"]), np.array(scaling["std"]))(x)
    return network_predict(model.params, x, config.get("activation", "sigmoid"), config.get("output", "sigmoid"))[:, 0]


def parse_points(text: str, width: int) -> np.ndarray:
    """``"0.2,0.8;0.9,0.1"`` -> a (2, 2) array; each point must have ``width`` numbers."""
    rows = []
    for number, chunk in enumerate(filter(None, (part.strip() for part in text.split(";"))), start=1):
        try:
            row = [float(value) for value in chunk.split(",")]
        except ValueError:
            raise DataError(f"--points: point {number} ({chunk!r}) is not a comma list of numbers") from None
        if len(row) != width:
            raise DataError(f"--points: point {number} has {len(row)} values; the model takes {width} inputs")
        rows.append(row)
    if not rows:
        raise DataError('--points: no points given; write them as "x1,x2;x1,x2"')
    return _finite(np.array(rows), "--points")


def read_points_csv(path: Path, width: int) -> np.ndarray:
    """Rows of a CSV file with a header; every column is an input, ``width`` of them."""
    try:
        header, values, _ = read_numeric_csv(path)
    except DataError as error:
        raise DataError(f"--csv: {error}") from None
    if len(header) != width:
        raise DataError(f"--csv: {str(path)!r} has {len(header)} columns; the model takes {width} inputs")
    return values


def _finite(x: np.ndarray, source: str) -> np.ndarray:
    if not np.all(np.isfinite(x)):
        raise DataError(f"{source}: values must be finite numbers (no NaN or inf)")
    return x


@app.command()
def show(
    model_path: ModelArgument,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Show a saved model: architecture, parameter count, training settings and weight statistics."""
    model = load_model(model_path)
    stats = layer_statistics(model)
    count = sum(array.size for array in model.params.values())
    if json_output:
        typer.echo(jsonfile.dumps({"model": str(model_path), "sizes": list(model.sizes), "parameters": count,
                               "config": model.config, "layers": stats}))
        return
    console = make_console()
    config = model.config
    console.print(Text.assemble((shown(model_path), "bold"),
                                f": a {'-'.join(map(str, model.sizes))} network, {count} parameters"))
    settings = Table(title="Trained with", title_justify="left", show_header=False)
    settings.add_column(style="bold")
    settings.add_column()
    for key, value in config.items():
        settings.add_row(shown(key), shown(json.dumps(value) if isinstance(value, (dict, list)) else value))
    console.print(settings)
    table = Table(title="Layers", title_justify="left")
    for column in ("layer", "shape", "activation", "W mean", "W std", "W min", "W max", "|b| max"):
        table.add_column(column, justify="right" if column.startswith(("W ", "|")) else "left")
    for row in stats:
        table.add_row(str(row["layer"]), row["shape"], shown(row["activation"]), *(f"{row[k]:.4g}" for k in
                      ("w_mean", "w_std", "w_min", "w_max", "b_abs_max")))
    console.print(table)


def layer_statistics(model: Model) -> list[dict]:
    """Per layer: shape, activation and summary statistics of its weights and biases."""
    count = len(model.sizes) - 1
    hidden, output = model.config.get("activation", "?"), model.config.get("output", "?")
    rows = []
    for i in range(1, count + 1):
        W, b = model.params[f"W{i}"], model.params[f"b{i}"]
        rows.append({
            "layer": i, "shape": f"{W.shape[0]}x{W.shape[1]}", "activation": output if i == count else hidden,
            "w_mean": float(W.mean()), "w_std": float(W.std()), "w_min": float(W.min()), "w_max": float(W.max()),
            "b_abs_max": float(np.abs(b).max()),
        })
    return rows
