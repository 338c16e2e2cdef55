"""One self-contained HTML page for a run or sweep folder: what ``fnn report DIR`` writes.

Three steps, the file system only at the edges: :func:`read_folder` reads a
folder fnn wrote (its marker says run or sweep) into a :class:`Folder`,
checking every file as the rest of fnn does (regular files only, bounded
sizes, strict JSON); :func:`render` turns that into the page, a pure function
from the parsed contents to a string; :func:`write_report` checks where the
page may go and writes it atomically.

The page needs nothing but itself: every PNG in the folder is embedded as a
``data:`` URI (figures fnn learns to draw later appear with a generic
caption), the style is inline, there is no script, and a Content Security
Policy forbids loading anything else. Every piece of text from the folder
(settings, feature and class names, plugin names, file names, CSV cells) is
HTML-escaped: data, never markup.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from fnn.errors import ConfigError, DataError, OutputError, readable_bytes
from fnn.io import jsonfile
from fnn.io.data import open_regular
from fnn.runs.rundir import MARKER, REPORT_FILE, REPORT_SIGNATURE, written_by_report
from fnn.runs.settings import BY_NAME

MAX_FIGURE_BYTES = 20_000_000
"""A PNG larger than this is left out of the page, with a note saying so (fnn's own are well under 1 MB)."""
MAX_FIGURES = 100
"""At most this many figures are embedded; the page notes any left out."""
MAX_TABLE_BYTES = 50_000_000
"""``metrics.json``, ``results.json`` and ``results.csv`` larger than this are refused (a run of a million epochs
writes about 60 MB; such a history belongs in ``history.csv``, not a page)."""
HISTORY_ROWS = 25
"""The learning-curve table shows this many epochs at most, spaced more densely early on."""

CAPTIONS = {
    "learning_curve.png": "Learning curve: the loss at every epoch (log scale) and the task's metric",
    "comparison.png": "The network against the data",
    "confusion.png": "Confusion matrix: rows are the true classes, columns the predicted ones",
    "neurons.png": "Neuron maps: every hidden unit's output over the input plane, layer by layer",
    "network.png": "The weights: every connection coloured by its sign and thickened by its size",
}
"""Captions of the figures fnn writes, in the order the page shows them; other PNGs follow by name."""
_SWEEP_FIGURE = re.compile(r"loss_by_(\w+)\.png")
_PNG = b"\x89PNG\r\n\x1a\n"
_OWN_TABLES = ("history", "metrics", "test_metrics")  # a run record's keys shown in tables of their own
_NOT_SETTINGS = ("classes",)  # in a run record, the class names found, not the --classes setting


@dataclass(frozen=True)
class Figure:
    """A PNG of the folder: its bytes, or ``None`` with the reason it was left out."""

    name: str
    data: bytes | None
    note: str = ""


@dataclass(frozen=True)
class Folder:
    """What a run or sweep folder holds, as read from its files.

    A run's ``record`` is its ``metrics.json``; a sweep's is its
    ``results.json`` (``{}`` when missing) and ``columns`` and ``rows`` are
    its ``results.csv``, every cell as the file has it. ``notes`` say what was
    left out and why."""

    kind: str  # "run" or "sweep"
    name: str
    figures: tuple[Figure, ...]
    record: Mapping[str, Any]
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    notes: tuple[str, ...] = ()


# ------------------------------------------------------------------------------------------------- reading


def read_folder(path: str | os.PathLike) -> Folder:
    """Read the run or sweep folder at ``path``; ``ConfigError`` if it is not one fnn wrote, ``DataError`` if a
    file it needs cannot be used."""
    shown = str(path)
    folder = Path(path)
    if not folder.is_dir():
        what = "does not exist" if not os.path.lexists(folder) else "is not a folder"
        raise ConfigError(f"{shown!r} {what}; give a folder written by 'fnn run --out' or 'fnn sweep --out'")
    kind = _kind(folder)
    if kind is None:
        raise ConfigError(f"{shown!r} is not a run or sweep folder (it has no valid {MARKER}); give a folder "
                          "written by 'fnn run --out' or 'fnn sweep --out'")
    figures, notes = _figures(folder)
    name = folder.resolve().name
    if kind == "run":
        record = _json(folder / "metrics.json", "run record", required=True)
        return Folder(kind, name, figures, record, notes=tuple(notes))
    columns, rows = _csv(folder / "results.csv")
    record = _json(folder / "results.json", "sweep record", required=False)
    return Folder(kind, name, figures, record, columns, rows, tuple(notes))


def _kind(folder: Path) -> str | None:
    """``"run"`` or ``"sweep"``, as the folder's marker says, else None."""
    try:
        with open_regular(folder / MARKER, OSError, "marker") as handle:
            marker = jsonfile.loads(handle.read(4096))
    except (OSError, ValueError):
        return None
    kind = marker.get("kind") if isinstance(marker, dict) else None
    return kind if kind in ("run", "sweep") else None


def _read_bounded(path: Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path``, or ``DataError`` if it is larger than ``limit``."""
    with open_regular(path, DataError, what) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise DataError(f"{str(path)!r} is larger than {readable_bytes(limit)}, more than fnn report reads")
    return data


def _json(path: Path, what: str, *, required: bool) -> dict:
    if not required and not os.path.lexists(path):
        return {}
    data = _read_bounded(path, MAX_TABLE_BYTES, what)
    try:
        record = jsonfile.loads(data)
    except (ValueError, RecursionError) as error:
        raise DataError(f"{str(path)!r} is not valid JSON ({str(error).splitlines()[0][:100]}); "
                        "it should be as fnn wrote it") from None
    if not isinstance(record, dict):
        raise DataError(f"{str(path)!r} holds a JSON {type(record).__name__}; fnn writes an object there")
    return record


def _csv(path: Path) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    data = _read_bounded(path, MAX_TABLE_BYTES, "sweep table")
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error) as error:
        raise DataError(f"{str(path)!r} cannot be read as a CSV file ({error}); it should be as fnn wrote it") from None
    if not rows:
        raise DataError(f"{str(path)!r} is empty; it should have a header row and one row per run")
    width = len(rows[0])
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise DataError(f"{str(path)!r} line {number} has {len(row)} cells, the header {width}; "
                            "it should be as fnn wrote it")
    return tuple(rows[0]), tuple(map(tuple, rows[1:]))


def _figures(folder: Path) -> tuple[tuple[Figure, ...], list[str]]:
    """The folder's PNGs in the page's order (fnn's known figures first), and notes on any left out."""
    names = sorted(name for name in os.listdir(folder) if name.lower().endswith(".png") and not name.startswith("."))
    order = list(CAPTIONS)
    names.sort(key=lambda name: order.index(name) if name in order else len(order))
    notes = []
    if len(names) > MAX_FIGURES:
        notes.append(f"{len(names) - MAX_FIGURES} of the folder's {len(names)} PNG files are left out: "
                     f"a page embeds at most {MAX_FIGURES}")
        names = names[:MAX_FIGURES]
    return tuple(_figure(folder / name) for name in names), notes


def _figure(path: Path) -> Figure:
    if path.is_symlink():
        return Figure(path.name, None, "left out: it is a symbolic link, which fnn never writes")
    try:
        with open_regular(path, DataError, "figure") as handle:
            data = handle.read(MAX_FIGURE_BYTES + 1)
    except (DataError, OSError) as error:
        return Figure(path.name, None, f"left out: {getattr(error, 'strerror', None) or error}")
    if len(data) > MAX_FIGURE_BYTES:
        return Figure(path.name, None, f"left out: larger than {readable_bytes(MAX_FIGURE_BYTES)}")
    if not data.startswith(_PNG):
        return Figure(path.name, None, "left out: not a PNG image")
    return Figure(path.name, data)


# ------------------------------------------------------------------------------------------------- the page


def render(folder: Folder) -> str:
    """The HTML page of ``folder``: a pure function of its contents, every piece of text from it escaped."""
    title = f"fnn {folder.kind}: {folder.name}"
    sections = _run_sections(folder) if folder.kind == "run" else _sweep_sections(folder)
    notes = "".join(f"<p class=note>{_e(note)}</p>\n" for note in folder.notes)
    from fnn import __version__

    return (f"{REPORT_SIGNATURE.decode()} {_e(__version__)} -->\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
            "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'\">\n<meta name=viewport content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            f"<header><h1>{_e(title)}</h1>\n{notes}</header>\n{''.join(sections)}</body>\n</html>\n")


def _run_sections(folder: Folder) -> list[str]:
    record = folder.record
    setting = {name: name in BY_NAME and name not in _NOT_SETTINGS for name in record}
    settings = [(name, value) for name, value in record.items() if setting[name]]
    others = [(name, value) for name, value in record.items() if not setting[name] and name not in _OWN_TABLES]
    return [
        _section("summary", "Summary", _summary(record)),
        _section("figures", "Figures", _figures_html(folder.figures)),
        _section("metrics", "Final metrics", _metrics_table(record)),
        _section("learning-curve", "Learning curve", _history_table(record.get("history"))),
        _section("settings", "Settings", _pairs_table("settings", settings, BY_NAME)
                 + _section_part("Data, model and outcome", _pairs_table("record", others))),
    ]


def _sweep_sections(folder: Folder) -> list[str]:
    columns, rows = folder.columns, folder.rows
    fixed = [i for i, name in enumerate(columns) if name in BY_NAME and len({row[i] for row in rows}) <= 1]
    # Settings every run shared are listed once, below; columns no run filled in (no run diverged) are left out.
    shown = [i for i in range(len(columns)) if i not in fixed and any(row[i] for row in rows)]
    varied = folder.record.get("varied")
    varied_text = ", ".join(map(_text, varied)) if isinstance(varied, list) and varied else "nothing"
    intro = (f"<p>{len(rows)} run{'s' if len(rows) != 1 else ''}; varied: {_e(varied_text)}. "
             "Settings every run shared are listed at the end.</p>\n")
    groups = folder.record.get("groups")
    pooled = " and cross-validation fold" if isinstance(varied, list) and "fold" in varied else ""
    return [
        _section("summary", "Summary", intro),
        _section("figures", "Loss curves", _figures_html(folder.figures)),
        _section("groups", f"Groups (runs that differ only in their seed{pooled}, folded)", _groups_table(groups)),
        _section("runs", "Every run (results.csv)", _table(
            "runs", [columns[i] for i in shown], [[_csv_cell(columns[i], row[i]) for i in shown] for row in rows])),
        _section("settings", "Settings shared by every run",
                 _pairs_table("settings", [(columns[i], rows[0][i] if rows else "") for i in fixed], BY_NAME)),
    ]


def _summary(record: Mapping[str, Any]) -> str:
    """One paragraph: what was trained on what, and how it ended."""
    source = record.get("data") or record.get("dataset")
    sizes = record.get("sizes")
    parts = [f"{_text(record.get('task'))} run on {_text(source)}",
             f"network {'-'.join(map(_text, sizes)) if isinstance(sizes, list) else _text(sizes)}, "
             f"{_text(record.get('activation'))} hidden, {_text(record.get('output'))} output",
             f"{_text(record.get('loss'))} loss, {_text(record.get('optimizer'))} at learning rate "
             f"{_text(record.get('learning_rate'))}",
             f"{_text(record.get('stop_reason'))}",
             f"final loss {_text(record.get('final_loss'))}"]
    return f"<p>{_e('; '.join(parts))}.</p>\n"


def _figures_html(figures: Sequence[Figure]) -> str:
    if not figures:
        return "<p class=note>The folder holds no figures.</p>\n"
    out = []
    for figure in figures:
        caption = f"<figcaption>{_e(_caption(figure.name))} <code>{_e(figure.name)}</code></figcaption>"
        if figure.data is None:
            out.append(f"<figure>{caption}<p class=note>{_e(figure.note)}</p></figure>\n")
        else:
            uri = "data:image/png;base64," + base64.b64encode(figure.data).decode("ascii")
            out.append(f"<figure><img src=\"{uri}\" alt=\"{_e(figure.name)}\">{caption}</figure>\n")
    return "".join(out)


def _caption(name: str) -> str:
    if name in CAPTIONS:
        return CAPTIONS[name]
    match = _SWEEP_FIGURE.fullmatch(name)
    if match:
        setting = BY_NAME[match[1]].heading if match[1] in BY_NAME else match[1]
        return f"Loss curves by {setting}"
    return "Figure"


def _metrics_table(record: Mapping[str, Any]) -> str:
    """One row per metric: its value on the training points and, with a test split, on the test points."""
    train, test = (_mapping(record.get(key)) for key in ("metrics", "test_metrics"))
    rows = [["loss", _score("loss", record.get("final_loss")), _score("loss", record.get("test_loss"))]]
    rows += [[name, _score(name, train.get(name)), _score(name, test.get(name))]
             for name in dict.fromkeys([*train, *test])]
    return _table("metrics", ["metric", "training points", "test points"], rows, numeric=True)


def _mapping(value: Any) -> dict:
    """``value`` if it is a JSON object, else an empty one (``test_metrics`` is null without a test split)."""
    return value if isinstance(value, dict) else {}


def _history_table(history: Any) -> str:
    """The learning curve as numbers: up to :data:`HISTORY_ROWS` epochs, the early ones densest."""
    if not isinstance(history, dict) or not history:
        return "<p class=note>The record holds no history.</p>\n"
    columns = {name: values for name, values in history.items() if isinstance(values, list)}
    lengths = {len(values) for values in columns.values()}
    if len(lengths) != 1 or not columns:
        return "<p class=note>The record's history is not a table (its columns differ in length).</p>\n"
    count = lengths.pop()
    picked = range(count) if count <= HISTORY_ROWS else sorted(
        {0, count - 1, *(np.geomspace(1, count, HISTORY_ROWS - 1).round().astype(int) - 1).tolist()})
    note = "" if count <= HISTORY_ROWS else (
        f"<p class=note>{len(picked)} of {count} epochs, spaced more densely early on, where most changes; "
        "every epoch is in history.csv and metrics.json.</p>\n")
    names = list(columns)
    rows = [[_score(name, columns[name][i]) for name in names] for i in picked]
    return note + _table("history", names, rows, numeric=True)


def _groups_table(groups: Any) -> str:
    """One row per group of a sweep, a metric's mean and spread in one cell: ``0.25 ± 0.01``."""
    if not isinstance(groups, list) or not groups or not all(isinstance(g, dict) for g in groups):
        return "<p class=note>No groups (results.json is missing or holds none).</p>\n"
    keys = list(dict.fromkeys(key for group in groups for key in group if key != "errors"))
    for one, every in (("seed", "seeds"), ("fold", "folds")):  # a group's "seed" is only its first; "seeds" all
        if every in keys and one in keys:
            keys.remove(one)
    keys = [key for key in keys if any(group.get(key) is not None for group in groups)]  # no test split: no test_
    columns = [key.removesuffix("_mean") for key in keys if not key.endswith("_std")]
    rows = []
    for group in groups:
        row = []
        for key in keys:
            if key.endswith("_std"):
                continue
            name = key.removesuffix("_mean")
            cell = _score(name, group.get(key))
            spread = group.get(f"{name}_std") if key.endswith("_mean") else None
            row.append(f"{cell} ± {_score(name, spread)}" if isinstance(spread, (int, float)) else cell)
        rows.append(row)
    return _table("groups", columns, rows)


def _pairs_table(kind: str, pairs: Iterable[tuple[str, Any]], known: Mapping[str, Any] | None = None) -> str:
    """A two-column table of names and values; a setting's name also gives its flag."""
    rows = []
    for name, value in pairs:
        flag = f" ({known[name].flag})" if known and name in known else ""
        rows.append([f"{name}{flag}", _text(value)])
    return _table(kind, ["name", "value"], rows)


def _table(kind: str, header: Sequence[str], rows: Iterable[Sequence[str | tuple[str, str]]], *,
           numeric: bool = False) -> str:
    """A table; a cell is its text, or ``(text, exact)`` for a number shown rounded (exact on hover)."""
    # A heading may break after an underscore (first_100_epoch), never inside a word.
    head = "".join(f"<th scope=col>{_e(name).replace('_', '_<wbr>')}</th>" for name in header)
    body = "".join("<tr>" + "".join(_td(cell) for cell in row) + "</tr>\n" for row in rows)
    style = " numeric" if numeric else ""
    return (f"<div class=scroll><table class=\"{kind}{style}\"><thead><tr>{head}</tr></thead>\n"
            f"<tbody>\n{body}</tbody></table></div>\n")


def _td(cell: str | tuple[str, str]) -> str:
    if isinstance(cell, str):
        return f"<td>{_e(cell)}</td>"
    return f"<td title=\"{_e(cell[1])}\">{_e(cell[0])}</td>"


def _csv_cell(column: str, text: str) -> str | tuple[str, str]:
    """A results.csv cell: a fraction shown as the tables show it, with the file's exact text kept beside it."""
    if "." not in text and "e" not in text.lower():
        return text  # an integer, a name or an empty cell, as it is
    try:
        value = float(text)
    except ValueError:
        return text
    return (_score(column, value), text)


def _section(key: str, heading: str, body: str) -> str:
    return f"<section id={key}>\n<h2>{_e(heading)}</h2>\n{body}</section>\n"


def _section_part(heading: str, body: str) -> str:
    return f"<h3>{_e(heading)}</h3>\n{body}"


def _score(name: str, value: Any) -> str:
    """A number as fnn's tables show it: accuracy as a percentage, others to four significant digits."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _text(value)
    if name == "accuracy" or (name.startswith("test_") and name.endswith("accuracy")):
        return f"{value:.2%}"
    return str(value) if isinstance(value, int) else f"{value:.4g}"


def _text(value: Any) -> str:
    """A value from the folder as plain text (escaped later, where it goes into the page)."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(map(_text, value))
    if isinstance(value, dict):
        return ", ".join(f"{key}={_text(item)}" for key, item in value.items()) or "-"
    return str(value)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


_STYLE = """
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #ffffff; --muted: #5f6368; --line: #d0d7de;
        --stripe: #f6f8fa; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e6e6; --bg: #16181c; --muted: #a0a6ad; --line: #3a3f46; --stripe: #1f2328; }
}
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-top: 1.5rem; }
.note { color: var(--muted); font-style: italic; }
figure { margin: 1rem 0 2rem; break-inside: avoid; page-break-inside: avoid; }
figure img { display: block; max-width: 100%; height: auto; background: #fff; border: 1px solid var(--line); }
figcaption { color: var(--muted); margin-top: .3rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
th, td { border: 1px solid var(--line); padding: .2rem .5rem; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
th { background: var(--stripe); }
tbody tr:nth-child(even) { background: var(--stripe); }
table.numeric td + td { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: .85em; }
@media print {
  :root { --fg: #000; --bg: #fff; --muted: #444; --line: #999; --stripe: #f2f2f2; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  section { break-before: page; page-break-before: always; }
  section#summary, section#summary + section { break-before: auto; page-break-before: auto; }
  figure img { max-height: 90vh; width: auto; }
  .scroll { overflow: visible; }
  table { font-size: 8pt; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
}
"""


# ------------------------------------------------------------------------------------------------- writing


def write_report(path: str | os.PathLike, output: str | os.PathLike | None = None, *, force: bool = False) -> Path:
    """Write the page of the folder at ``path`` to ``output`` (default ``path/report.html``); return where.

    A page fnn wrote before is replaced; any other file is refused unless
    ``force`` (``ConfigError``), and never one of the folder's own files, a
    symbolic link or something that is not a regular file."""
    folder = read_folder(path)
    target = Path(output) if output is not None else Path(path) / REPORT_FILE
    shown = str(target)
    reason = _refusal(target, shown, Path(path), force)
    if reason:
        raise ConfigError(reason)
    # A file name that is not UTF-8, or a lone surrogate escaped in JSON, shows as its escape.
    page = render(folder).encode("utf-8", "backslashreplace")
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        with open(partial, "xb") as handle:
            handle.write(page)
        reason = _refusal(target, shown, Path(path), force)  # decided again: a file may have appeared meanwhile
        if reason:
            raise ConfigError(reason)
        os.replace(partial, target)
    except OSError as error:
        raise OutputError(f"could not write {shown!r}: {error.strerror or error}") from None
    finally:
        if os.path.lexists(partial):
            os.unlink(partial)
    return target


def _refusal(target: Path, shown: str, folder: Path, force: bool) -> str | None:
    """Why the page may not be written to ``target`` (None if it may)."""
    parent = target.parent
    if not parent.is_dir():
        return f"--output {shown!r}: the folder {str(parent)!r} does not exist"
    if not os.path.lexists(target):
        return None
    if target.is_symlink():
        return f"{shown!r} is a symbolic link; fnn never writes through one: choose another --output"
    if not target.is_file():
        return f"{shown!r} exists and is not a regular file; choose another --output"
    if written_by_report(target):
        return None
    if parent.resolve() == folder.resolve() and target.name != REPORT_FILE:
        return f"{shown!r} is a file of the folder itself; choose another --output"
    if not force:
        return (f"{shown!r} exists and fnn report did not write it; use --force to replace it, "
                "or choose another --output")
    return None
