"""``fnn report DIR`` (issue 16): one self-contained HTML page for a run or sweep folder.

The page is read back with the standard library's ``html.parser``: a figure per PNG as a data URI, the
settings, metrics and learning curve of a run, the rows of a sweep's results.csv; text from the folder
is escaped; the overwrite rules; folders and files that are refused.
"""

from __future__ import annotations

import base64
import csv
import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fnn.runs import report
from fnn.runs.rundir import MARKER, REPORT_FILE, write_folder
from support import assert_one_line_error, cli, ok

EVIL = ['<script>alert(1)</script>', 'q"uote&amp']
EVIL_CLASSES = ['<b>cat</b> & "dog"', "<i>fish</i>"]


class Page(HTMLParser):
    """The parts of a page the tests look at: images, tables (by class), headings, every text node."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.images: list[dict] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.titles: dict[str, list[list[str | None]]] = {}  # each table cell's title (the exact value)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.captions: list[str] = []
        self._caption: list[str] | None = None
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        elif tag == "figcaption":
            self._caption = []
        elif tag == "table":
            self._table = attrs["class"].split()[0]
            self.tables[self._table], self.titles[self._table] = [], []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
            self.titles[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []
            self.titles[self._table][-1].append(attrs.get("title"))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "table":
            self._table = None
        elif tag == "figcaption" and self._caption is not None:
            self.captions.append("".join(self._caption))
            self._caption = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._caption is not None:
            self._caption.append(data)


@pytest.fixture(scope="module")
def evil_run(tmp_path_factory) -> Path:
    """A multi-class run with a test split on a CSV whose column and class names are markup, quotes and &."""
    root = tmp_path_factory.mktemp("evil")
    data = root / "data.csv"
    with open(data, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*EVIL, "label"])
        for i in range(30):
            a, b = (i % 7) / 7 - 0.4, (i % 5) / 5 - 0.4
            writer.writerow([a, b, EVIL_CLASSES[a + b > 0]])
    ok("run", "--data", data, "--epochs", "20", "--test-split", "0.3", "--out", root / "run", "--quiet")
    return root / "run"


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sweep")
    ok("sweep", "--epochs", "20", "--lr", "0.1,0.5", "--seed", "0,1", "-a", "tanh,sigmoid", "-w", "1",
       "--out", root / "sweep", "--quiet")
    return root / "sweep"


def page_of(folder: Path) -> Page:
    return Page((folder / REPORT_FILE).read_text())


def test_a_run_page_holds_every_figure_the_settings_metrics_and_the_learning_curve(evil_run):
    result = ok("report", evil_run)
    assert result.stdout.strip() == str(evil_run / REPORT_FILE)
    page = page_of(evil_run)
    pngs = sorted(path.name for path in evil_run.glob("*.png"))
    assert sorted(image["alt"] for image in page.images) == pngs == ["comparison.png", "confusion.png",
                                                                      "learning_curve.png", "network.png",
                                                                      "neurons.png"]
    for image in page.images:
        prefix = "data:image/png;base64,"
        assert image["src"].startswith(prefix)
        assert base64.b64decode(image["src"][len(prefix):]) == (evil_run / image["alt"]).read_bytes()
    caption = "Learning curve: the loss at every epoch (log scale) and the task's metric learning_curve.png"
    assert caption in page.captions
    record = json.loads((evil_run / "metrics.json").read_text())
    settings = {name: value for name, value in page.tables["settings"][1:]}
    assert settings["learning_rate (--lr)"] == f"{record['learning_rate']:g}"
    assert settings["epochs (--epochs)"] == "20"
    assert settings["test_split (--test-split)"] == "0.3"
    metrics = {row[0]: row[1:] for row in page.tables["metrics"][1:]}
    assert set(metrics) == {"loss", *record["metrics"]}
    assert metrics["accuracy"] == [f"{record['metrics']['accuracy']:.2%}", f"{record['test_metrics']['accuracy']:.2%}"]
    assert metrics["loss"][0] == f"{record['final_loss']:.4g}"
    history = page.tables["history"]
    assert history[0] == list(record["history"])
    assert [row[0] for row in history[1:]] == [str(e) for e in range(1, 21)]  # every epoch, so few
    assert history[-1][1] == f"{record['history']['loss'][-1]:.4g}"
    # nothing outside the page is needed: no script, no external resource of any kind
    assert "script" not in page.tags and "link" not in page.tags
    assert all(image["src"].startswith("data:") for image in page.images)


def test_a_long_history_is_sampled_with_the_first_and_last_epochs(tmp_path):
    run = tmp_path / "run"
    ok("run", "--epochs", "400", "--out", run, "--quiet")
    page = Page(report.render(report.read_folder(run)))
    epochs = [int(row[0]) for row in page.tables["history"][1:]]
    assert epochs[0] == 1 and epochs[-1] == 400 and len(epochs) <= report.HISTORY_ROWS
    assert epochs == sorted(set(epochs)) and epochs[1] - epochs[0] < epochs[-1] - epochs[-2]  # denser early on
    assert "every epoch is in history.csv" in "".join(page.text)


def test_text_from_the_folder_is_escaped_never_markup(evil_run):
    ok("report", evil_run)
    text = (evil_run / REPORT_FILE).read_text()
    assert "<script>" not in text and "<b>cat" not in text and "<i>fish" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "q&quot;uote&amp;amp" in text
    page = Page(text)
    record = dict(page.tables["record"][1:])
    assert record["features"] == ", ".join(EVIL)  # read back as the very names
    assert record["classes"] == ", ".join(EVIL_CLASSES)
    assert page.tags.count("b") == 0 and page.tags.count("i") == 0 and "script" not in page.tags


def test_a_sweep_page_shows_every_row_of_results_csv_and_the_curves(sweep_dir):
    ok("report", sweep_dir)
    page = page_of(sweep_dir)
    assert sorted(image["alt"] for image in page.images) == ["loss_by_activation.png", "loss_by_learning_rate.png"]
    assert "Loss curves by lr loss_by_learning_rate.png" in page.captions
    with open(sweep_dir / "results.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header, *cells = page.tables["runs"]
    titles = page.titles["runs"][1:]
    assert len(cells) == len(rows) == 8
    for row, shown, exact in zip(rows, cells, titles):
        for column, text, title in zip(header, shown, exact):
            assert (title if title is not None else text) == row[column], column
    assert {"activation", "learning_rate", "seed", "final_loss", "accuracy"} <= set(header)
    fixed = dict(page.tables["settings"][1:])
    assert fixed["epochs (--epochs)"] == "20" and "activation (--activation)" not in fixed
    for column in set(rows[0]) - set(header):  # left out of the table: shared by every run, or empty in all
        assert any(name.startswith(f"{column} (") for name in fixed) or not any(row[column] for row in rows), column
    groups = json.loads((sweep_dir / "results.json").read_text())["groups"]
    group_header, *group_rows = page.tables["groups"]
    assert len(group_rows) == len(groups) == 4
    first = dict(zip(group_header, group_rows[0]))
    assert first["final_loss"] == f"{groups[0]['final_loss_mean']:.4g} ± {groups[0]['final_loss_std']:.4g}"
    assert first["seeds"] == "0, 1"


def test_unknown_figures_appear_with_a_generic_caption_and_bad_ones_are_noted(tmp_path, evil_run, monkeypatch):
    folder = _copy(evil_run, tmp_path / "copy")
    (folder / "network.png").unlink()  # the run's own views: this test puts figures of its own in their place
    (folder / "neurons.png").write_bytes((folder / "confusion.png").read_bytes())
    (folder / "zz <mine>.png").write_bytes((folder / "confusion.png").read_bytes())
    (folder / "fake.png").write_bytes(b"GIF89a not a png")
    monkeypatch.setattr(report, "MAX_FIGURE_BYTES", len((folder / "comparison.png").read_bytes()) - 1)
    page = Page(report.render(report.read_folder(folder)))
    alts = [image["alt"] for image in page.images]
    assert alts == ["learning_curve.png", "confusion.png", "neurons.png", "zz <mine>.png"]
    text = "".join(page.text)
    assert page.captions[3].startswith("Neuron maps") and "Figure zz <mine>.png" in page.captions
    assert "left out: not a PNG image" in text and "left out: larger than" in text


def test_names_that_are_not_utf8_still_make_a_page(tmp_path, evil_run):
    folder = _copy(evil_run, tmp_path / "copy")
    (folder / os.fsdecode(b"\xff.png")).write_bytes((folder / "confusion.png").read_bytes())
    record = json.loads((folder / "metrics.json").read_text())
    (folder / "metrics.json").write_text(json.dumps({**record, "dataset": "\ud800"}))
    ok("report", folder)
    text = (folder / REPORT_FILE).read_text()
    assert "\\udcff.png" in text and "\\ud800" in text


def _copy(source: Path, target: Path) -> Path:
    target.mkdir()
    for path in source.iterdir():
        if path.name != REPORT_FILE:
            (target / path.name).write_bytes(path.read_bytes())
    return target


def test_overwrite_rules(tmp_path, evil_run):
    folder = _copy(evil_run, tmp_path / "run")
    ok("report", folder)
    ok("report", folder)  # a page fnn report wrote is replaced
    mine = tmp_path / "mine.html"
    mine.write_text("<p>my notes</p>")
    assert_one_line_error(cli("report", folder, "--output", mine), 2, "fnn report did not write it", "--force")
    assert mine.read_text() == "<p>my notes</p>"
    ok("report", folder, "--output", mine, "--force")
    assert mine.read_text().startswith("<!DOCTYPE html>\n<!-- written by fnn report")
    (folder / REPORT_FILE).write_text("the user's own")
    assert_one_line_error(cli("report", folder), 2, "fnn report did not write it")
    assert_one_line_error(cli("report", folder, "--output", folder / "metrics.json", "--force"), 2,
                          "a file of the folder itself")
    (tmp_path / "link.html").symlink_to(mine)
    assert_one_line_error(cli("report", folder, "--output", tmp_path / "link.html", "--force"), 2, "symbolic link")
    assert_one_line_error(cli("report", folder, "--output", tmp_path / "no" / "r.html"), 2, "does not exist")
    assert not any(path.name.endswith(".partial") for path in [*folder.iterdir(), *tmp_path.iterdir()])


def test_fnn_run_force_replaces_a_folder_with_its_page_but_not_with_a_users_file(tmp_path):
    run = tmp_path / "run"
    ok("run", "--epochs", "5", "--out", run, "--quiet")
    ok("report", run)
    ok("run", "--epochs", "5", "--out", run, "--quiet", "--force")
    assert not (run / REPORT_FILE).exists()
    (run / REPORT_FILE).write_text("mine")
    assert_one_line_error(cli("run", "--epochs", "5", "--out", run, "--quiet", "--force"), 2, "report.html")
    assert (run / REPORT_FILE).read_text() == "mine"


def test_folders_that_are_not_fnns_are_refused(tmp_path):
    assert_one_line_error(cli("report", tmp_path), 2, "is not a run or sweep folder", MARKER)
    assert_one_line_error(cli("report", tmp_path / "missing"), 2, "does not exist")
    (tmp_path / "file").write_text("x")
    assert_one_line_error(cli("report", tmp_path / "file"), 2, "is not a folder")
    (tmp_path / MARKER).write_text('{"kind": "other"}')
    assert_one_line_error(cli("report", tmp_path), 2, "is not a run or sweep folder")


def _run_folder(tmp_path: Path, metrics: bytes) -> Path:
    return write_folder(tmp_path / "run", lambda folder: (folder / "metrics.json").write_bytes(metrics), kind="run")


def test_a_bad_or_oversized_record_is_one_line(tmp_path, monkeypatch):
    folder = _run_folder(tmp_path, b'{"final_loss": NaN}')
    assert_one_line_error(cli("report", folder), 1, "metrics.json", "is not valid JSON", "NaN")
    (folder / "metrics.json").write_bytes(b"[1, 2]")
    assert_one_line_error(cli("report", folder), 1, "holds a JSON list")
    (folder / "metrics.json").write_bytes(b'{"history": 5, "metrics": "x", "sizes": {"a": [1]}}')
    page = Page(report.render(report.read_folder(folder)))  # the shapes fnn never writes still make a page
    assert "The record holds no history." in "".join(page.text)
    (folder / "metrics.json").write_bytes(b"{}" + b" " * 100)
    monkeypatch.setattr(report, "MAX_TABLE_BYTES", 50)
    assert_one_line_error(cli("report", folder), 1, "metrics.json", "larger than 50 bytes")
    (folder / "metrics.json").unlink()
    assert_one_line_error(cli("report", folder), 1, "metrics.json", "does not exist")


def test_a_broken_results_csv_is_one_line(tmp_path, sweep_dir):
    folder = _copy(sweep_dir, tmp_path / "sweep")
    with open(folder / "results.csv", "a") as handle:
        handle.write("1,2\n")
    assert_one_line_error(cli("report", folder), 1, "results.csv", "cells")
