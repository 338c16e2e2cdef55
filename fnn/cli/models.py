"""``fnn predict`` and ``fnn show``: use and inspect a saved model (``model.npz`` of a run folder), of any task."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Callable, NamedTuple, Optional

import numpy as np
import typer
from rich.table import Table
from rich.text import Text

from fnn.io.data import Scaler, read_numeric_csv
from fnn.errors import ConfigError, DataError, UnknownNameError
from fnn.io.modelfile import Model, ModelFileError, load_model
from fnn.core.features import Inputs, inputs as make_inputs
from fnn.core.network import predict as network_predict
from fnn.plugins.registry import Registry
from fnn.io import jsonfile
from fnn.cli._app import command, examples, plugin_registry
from fnn.cli._console import make_console, shown

ModelArgument = Annotated[Path, typer.Argument(help="A run folder written by 'fnn run --out DIR', or the model.npz "
                                                    "in it.", metavar="RUN", show_default=False)]


@command(epilog=examples(
    ("fnn predict runs/xor --points '0.2,0.8;0.9,0.1'", "two points typed in"),
    ("fnn predict runs/xor/model.npz --csv new.csv --json", "a CSV's rows, as JSON"),
))
def predict(
    ctx: typer.Context,
    model_path: ModelArgument,
    points: Annotated[Optional[str], typer.Option("--points", help='Points as "x1,x2;x1,x2;..." (this or --csv).')
                      ] = None,
    csv_path: Annotated[Optional[Path], typer.Option(
        "--csv", help="CSV file with a header row naming the model's inputs (other columns, a label among them, "
                      "are ignored); a file without a header gives the inputs in order (this or --points).")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Predict the class (or values) of new points with a saved model: give them with --points or --csv."""
    if (points is None) == (csv_path is None):
        raise typer.BadParameter("give exactly one of --points or --csv", param_hint="--points / --csv")
    model = load_model(model_path)
    width = model.width
    names = model.columns or [f"x{j + 1}" for j in range(width)]
    lines: np.ndarray | None
    notes: list[str]
    if points is not None:
        x, lines, notes, source = parse_points(points, width), None, [], "--points"
    elif csv_path is not None:  # always, when --points is not given (checked above)
        (x, lines, notes), source = read_points_csv(csv_path, model), f"--csv {str(csv_path)!r}"
    out = model_predict(model, x, plugin_registry(ctx), str(model_path))
    check_outputs(out, x, source, lines, model.task)
    columns = _PREDICTION_COLUMNS[model.task](model, out)
    if json_output:
        rows = [{"x": row.tolist(), **columns.record(i)} for i, row in enumerate(x)]
        # An old binary model's JSON stays as it was; any other says what its outputs are.
        about = {} if columns.plain else {"task": model.task, columns.names_key: list(columns.names)}
        typer.echo(jsonfile.dumps({"model": str(model_path), "inputs": list(names), **about, "notes": notes,
                                   "predictions": rows}))
        return
    # As fnn run's predictions table: a model's outputs (classes, values) come before its fourth input.
    visible = len(names) if columns.plain else min(len(names), 3)
    notes = notes + ([columns.note] if columns.note else [])
    notes += [f"first {visible} of {len(names)} inputs shown (--json lists all)"] if visible < len(names) else []
    table = Table(title=f"Predictions of {shown(model_path)}", title_justify="left",
                  caption=shown("; ".join(notes)) if notes else None, caption_justify="left")
    # A point is found again by its line in the file, or by its place in --points (from 0, as errors number it).
    table.add_column("#" if lines is None else "line", justify="right")
    for name in names[:visible]:
        table.add_column(shown(name), justify="right")
    for heading in columns.headings:
        # Predictions are what the table is for: when it is too wide, the inputs' headings wrap first.
        table.add_column(shown(heading), justify="right", no_wrap=not columns.plain)
    for i, row in enumerate(x):
        table.add_row(str(i if lines is None else lines[i]), *(f"{v:g}" for v in row[:visible]),
                      *(shown(cell) for cell in columns.cells(i)))
    make_console().print(table)


class _Columns(NamedTuple):
    """How one task's predictions read: the table's headings and a point's cells, its JSON record, and
    the names of the outputs (classes, or regression targets) under ``names_key`` of the JSON."""

    headings: list[str]
    cells: Callable[[int], list[str]]
    record: Callable[[int], dict]
    names: tuple[str, ...] = ()
    names_key: str = "classes"
    note: str | None = None
    plain: bool = False  # a binary model with the classes 0 and 1: table and JSON as before tasks existed


TOP_CLASSES = 3
"""A model of more classes than this shows each point's most probable ones in the table (JSON lists all)."""


def _binary_columns(model: Model, out: np.ndarray) -> _Columns:
    prob = out[:, 0]
    chosen = (prob >= 0.5).astype(int)
    classes = model.classes
    plain = classes == ("0", "1")
    if plain:
        return _Columns(["probability", "class"], lambda i: [f"{prob[i]:.5f}", str(chosen[i])],
                        lambda i: {"probability": float(prob[i]), "class": int(chosen[i])}, classes, plain=True)
    return _Columns([f"P({classes[1]})", "class"], lambda i: [f"{prob[i]:.5f}", classes[chosen[i]]],
                    lambda i: {"probability": float(prob[i]), "class": int(chosen[i]), "name": classes[chosen[i]]},
                    classes, note=f"P({classes[1]}): the probability of class {classes[1]}, the model's output")


def _multiclass_columns(model: Model, out: np.ndarray) -> _Columns:
    classes = model.classes
    chosen = out.argmax(axis=1)

    def record(i: int) -> dict:
        return {"class": int(chosen[i]), "name": classes[chosen[i]],
                "probabilities": dict(zip(classes, map(float, out[i])))}

    if len(classes) <= TOP_CLASSES + 1:
        return _Columns(["class", *classes], lambda i: [classes[chosen[i]], *(f"{p:.4f}" for p in out[i])],
                        record, classes)
    top = np.argsort(-out, axis=1, kind="stable")[:, :TOP_CLASSES]
    headings = [part for rank in ("class", "2nd", "3rd") for part in (rank, "p")]
    return _Columns(headings, lambda i: [cell for k in top[i] for cell in (classes[k], f"{out[i, k]:.4f}")],
                    record, classes,
                    note=f"the {TOP_CLASSES} most probable of {len(classes)} classes with their probabilities "
                         "(--json lists all)")


def _regression_columns(model: Model, out: np.ndarray) -> _Columns:
    m = out.shape[1]
    names = model.labels or (("prediction",) if m == 1 else tuple(f"prediction {j + 1}" for j in range(m)))
    return _Columns(list(names), lambda i: [f"{v:.6g}" for v in out[i]],
                    lambda i: {"prediction": dict(zip(names, map(float, out[i])))}, names, names_key="outputs",
                    note=None if names[0].startswith("prediction") else f"{', '.join(names)}: the model's predictions")


_PREDICTION_COLUMNS = {"binary": _binary_columns, "multiclass": _multiclass_columns,
                       "regression": _regression_columns}


def model_predict(model: Model, x: np.ndarray, registry: Registry, source: str = "the model") -> np.ndarray:
    """The saved network's outputs (n, k) for raw points, standardised first if it was trained that way,
    and, for a regression trained on standardized targets, in the targets' own units.

    Overflow on the way is not warned about: a non-finite output is the caller's to refuse.
    """
    config = model.config
    hidden, output = (_activation(registry, config, key, source) for key in ("activation", "output"))
    scaling, target_scaling = config.get("scaler"), config.get("target_scaler")
    made = _inputs(registry, config, source)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if made is not None:
            x = made(x)
        if scaling:
            x = Scaler.from_dict(scaling)(x)
        out = network_predict(model.params, x, hidden, output)
        if target_scaling:
            out = Scaler.from_dict(target_scaling).inverse(out)
        return out


def _inputs(registry: Registry, config: dict, source: str) -> Inputs | None:
    """The model's ``--features`` over its data's columns (None without), each feature found in ``registry``."""
    if config.get("feature_spec") is None:
        return None
    try:
        return make_inputs(config["feature_spec"], tuple(config["columns"]),
                           {name: registry.feature(name) for name in registry.names("feature")})
    except ConfigError as error:
        raise ModelFileError(f"{source!r} field 'feature_spec': {error} "
                             "(is the plugin it was trained with installed?)") from None


def _activation(registry: Registry, config: dict, key: str, source: str):
    """The activation a model names under ``key`` (sigmoid if it names none); a missing plugin is the file's problem."""
    try:
        return registry.activation(config.get(key, "sigmoid"))
    except UnknownNameError as error:
        raise ModelFileError(f"{source!r} field {key!r}: {error} "
                             "(is the plugin it was trained with installed?)") from None


def check_outputs(out: np.ndarray, x: np.ndarray, source: str, lines: np.ndarray | None, task: str) -> None:
    """Refuse points whose outputs are not all finite numbers: such a point has no class (NaN >= 0.5 is
    false) and no value."""
    bad = np.flatnonzero(~np.isfinite(out).all(axis=1))
    if len(bad):
        i = int(bad[0])
        # Named as the table names it: by its line in a file, by its place from 0 in --points.
        where = f"{source}: point #{i}" if lines is None else f"{source} line {lines[i]}: the point"
        values = ", ".join(f"{v:g}" for v in x[i, :4]) + (", ..." if x.shape[1] > 4 else "")
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        numbered = " (points are numbered from 0, as in the table)" if lines is None else ""
        given = (f"the output {out[i, 0]}, which is no probability" if task == "binary"
                 else f"the outputs {', '.join(map(str, out[i, :4]))}, which are not all finite numbers")
        raise DataError(f"{where} ({values}){more} gives {given}: its values are too large for this model{numbered}")


def parse_points(text: str, width: int) -> np.ndarray:
    """``"0.2,0.8;0.9,0.1"`` -> a (2, 2) array; each point must have ``width`` numbers.

    Errors number points from 0, as the predictions table does. Points typed on the command line
    are usage: a bad one is a :class:`ConfigError` (exit code 2).
    """
    rows = []
    for number, chunk in enumerate(filter(None, (part.strip() for part in text.split(";")))):
        try:
            row = [float(value) for value in chunk.split(",")]
        except ValueError:
            raise ConfigError(f"--points: point #{number} ({chunk!r}) is not a comma list of numbers") from None
        if len(row) != width:
            raise ConfigError(f"--points: point #{number} has {len(row)} values; the model takes {width} inputs")
        rows.append(row)
    if not rows:
        raise ConfigError('--points: no points given; write them as "x1,x2;x1,x2"')
    points = np.array(rows)
    if not np.isfinite(points).all():
        raise ConfigError("--points: values must be finite numbers (no NaN or inf)")
    return points


def read_points_csv(path: Path, model: Model) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The model's inputs from a CSV file, each row's line number, and notes on how the columns were matched.

    Columns are matched by name to the inputs the model was trained on (:func:`model_inputs`); other
    columns (a label, even of class names, an id) are ignored.
    """
    try:
        header, values, lines = read_numeric_csv(path, header_optional=True,
                                                 names_in=lambda header: _label_column(header, model))
    except DataError as error:
        raise DataError(f"--csv: {error}") from None
    x, notes = model_inputs(header, values, model, f"--csv: {str(path)!r}")
    return x, lines, notes


def model_inputs(header: list[str] | None, values: np.ndarray, model: Model, source: str
                 ) -> tuple[np.ndarray, list[str]]:
    """The columns of ``values`` that are the model's inputs, in its order, and notes on how they were matched.

    Columns are matched by ``header`` name to the inputs the model was trained
    on; other columns are ignored. A file without a header row gives the
    inputs in order, as does a file for a model that saved no names (or fnn's
    stand-ins x1, x2, ... that the file does not use). ``source`` starts the errors.
    """
    width = model.width
    features = model.columns
    if header is None or not features or _positional_names(features, header):
        if values.shape[1] != width:
            raise DataError(f"{source} has {values.shape[1]} columns; the model takes {width} inputs")
        if header is None:
            return values, [f"no header row: the {width} columns are taken as the inputs in order"]
        if not features:
            return values, ["the model saved no input names: columns taken in order"]
        return values, [f"columns {', '.join(header)} taken in order as {', '.join(features)}"]
    missing = [f for f in features if f not in header]
    if missing:
        raise DataError(f"{source} has no column {', '.join(map(repr, missing))}; the model's inputs are "
                        f"{', '.join(features)} and the file's columns are {', '.join(header)}")
    ignored = [h for h in header if h not in features]
    columns = [header.index(f) for f in features]
    notes = [f"ignored column{'s' if len(ignored) > 1 else ''} {', '.join(ignored)}"] if ignored else []
    if columns != list(range(width)):
        notes.append(f"columns matched by name ({', '.join(features)})")
    return values[:, columns] if columns != list(range(values.shape[1])) else values, notes


def _label_column(header: list[str], model: Model) -> int | None:
    """The column of a file for ``model`` that may hold class names: its label column when the file has it,
    else the one column that is not an input, if there is only one."""
    features = model.columns or []
    others = [h for h in header if h not in features]
    label = next((h for h in model.labels if h in others), others[0] if len(others) == 1 else None)
    return None if label is None or not features else header.index(label)


def _positional_names(features: list[str], header: list[str]) -> bool:
    """Whether a model's input names are fnn's stand-ins x1, x2, ... (it was trained on a built-in dataset)
    and the file names none of them: then the names carry no meaning and position is what is meant."""
    return features == [f"x{j + 1}" for j in range(len(features))] and not set(features) & set(header)


@command(epilog=examples(
    ("fnn show runs/xor", "a run folder's model"),
    ("fnn show runs/xor/model.npz --json", "the same, as JSON"),
))
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
        settings.add_row(shown(key), shown(_setting(key, value)))
    console.print(settings)
    table = Table(title="Layers", title_justify="left")
    for column in ("layer", "shape", "activation", "W mean", "W std", "W min", "W max", "|b| max"):
        table.add_column(column, justify="right" if column.startswith(("W ", "|")) else "left")
    for row in stats:
        table.add_row(str(row["layer"]), row["shape"], shown(row["activation"]), *(f"{row[k]:.4g}" for k in
                      ("w_mean", "w_std", "w_min", "w_max", "b_abs_max")))
    console.print(table)


def _setting(key: str, value) -> str:
    """A saved setting as a person reads it: numbers rounded, lists and mappings without JSON's brackets."""
    if value is None or value == {}:  # not set, or no options
        return "-"
    if key in ("scaler", "target_scaler") or (key == "standardize" and isinstance(value, dict)):  # {"mean": [...], ...}
        return "; ".join(f"{name} {_setting(name, numbers)}" for name, numbers in value.items())
    if key == "train_seconds":
        return f"{value:.3g} s"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_setting(k, v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_setting(key, v) for v in value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


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
