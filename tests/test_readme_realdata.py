"""The README's real-data table is what docs/realdata.py writes from its stored results (nothing is trained here)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from unittest import mock

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def realdata():
    spec = importlib.util.spec_from_file_location("realdata", DOCS / "realdata.py")
    module = importlib.util.module_from_spec(spec)
    # importing the benchmarks package pins BLAS threads in os.environ; the script puts docs/ on sys.path
    with mock.patch.dict(os.environ), mock.patch.object(sys, "path", list(sys.path)):
        spec.loader.exec_module(module)
    return module


def test_the_readme_table_is_that_of_the_stored_results(realdata):
    text = realdata.README.read_text()
    assert realdata.rewritten(text, realdata.load()) == text, "run python docs/realdata.py --table and commit README.md"


def test_the_stored_results_cover_every_set_and_seed_with_equal_settings(realdata):
    results = realdata.load()
    assert tuple(results["sets"]) == realdata.SETS
    assert results["settings"] == realdata.SETTINGS and results["test_split"] == realdata.TEST_SPLIT
    for result in results["sets"].values():
        assert [run["seed"] for run in result["runs"]] == list(realdata.SEEDS)
        for run in result["runs"]:
            assert 0 <= run["fnn_accuracy"] <= 1 and 0 <= run["sklearn_accuracy"] <= 1
            assert run["fnn_seconds_per_epoch"] > 0 and run["sklearn_seconds_per_epoch"] > 0


def test_a_row_gives_the_means_their_difference_in_points_and_the_ratio_of_median_times(realdata):
    runs = [{"seed": 0, "fnn_accuracy": 0.9, "sklearn_accuracy": 0.95, "fnn_seconds_per_epoch": 0.001,
             "sklearn_seconds_per_epoch": 0.003},
            {"seed": 1, "fnn_accuracy": 1.0, "sklearn_accuracy": 0.93, "fnn_seconds_per_epoch": 0.002,
             "sklearn_seconds_per_epoch": 0.004},
            {"seed": 2, "fnn_accuracy": 0.8, "sklearn_accuracy": 0.9, "fnn_seconds_per_epoch": 0.009,
             "sklearn_seconds_per_epoch": 0.002}]
    results = {**realdata.load(), "sets": {"toy": {"train": 7, "test": 3, "features": 2, "classes": 2, "runs": runs}}}
    table = realdata.table(results)
    # means 90.0% and 92.7%; medians 2 ms and 3 ms, the seeds' ratios 3, 2 and 0.222
    assert "| toy | 7 / 3 | 2 | 90.0% | 92.7% | -2.7 | 2.00 | 3.00 | 1.50x (0.222 to 3.00) |" in table
    assert "within one point on 0 of the 1 sets and faster on 1 of them" in table


def test_check_says_when_the_readme_is_stale_and_the_table_option_rewrites_it(realdata, tmp_path, monkeypatch,
                                                                               capsys):
    text = realdata.README.read_text()
    readme = tmp_path / "README.md"
    readme.write_text(realdata._BLOCK.sub(r"\1| old |\n\3", text))
    monkeypatch.setattr(realdata, "README", readme)
    assert realdata.main(["--check"]) == 1
    assert "real-data table is out of date" in capsys.readouterr().out
    assert realdata.main(["--table"]) == 0 and readme.read_text() == text
    assert realdata.main(["--check"]) == 0
