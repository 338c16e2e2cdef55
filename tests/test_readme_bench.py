"""The README's benchmark figures are what docs/bench_tables.py writes from the committed results JSON."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from unittest import mock

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs" / "bench_tables.py"


@pytest.fixture(scope="module")
def bench_tables():
    spec = importlib.util.spec_from_file_location("bench_tables", DOCS)
    module = importlib.util.module_from_spec(spec)
    with mock.patch.dict(os.environ):  # importing the benchmarks package pins BLAS threads in os.environ
        spec.loader.exec_module(module)
    return module


def test_the_readme_benchmark_figures_are_those_of_the_committed_results(bench_tables):
    text = bench_tables.README.read_text()
    assert sorted(m.group(2) for m in bench_tables._BLOCK.finditer(text)) == sorted(bench_tables.BLOCKS)
    assert bench_tables.rewritten(text, bench_tables.load()) == text, \
        "run python docs/bench_tables.py and commit README.md"


def test_every_target_and_guard_of_the_results_has_a_row(bench_tables):
    results = bench_tables.load()
    rows = bench_tables.targets(results)
    for record in bench_tables._records(results, "targets") + bench_tables._records(results, "guards"):
        assert f"| {bench_tables._cell(record['name'])} |" in rows, record["name"]


def test_check_names_a_stale_block_and_exits_1(bench_tables, tmp_path, monkeypatch, capsys):
    readme = tmp_path / "README.md"
    text = bench_tables.README.read_text()
    readme.write_text(text.replace("| 10^6 |", "| 10^6 | 1 s, 1 GB |", 1))
    monkeypatch.setattr(bench_tables, "README", readme)
    assert bench_tables.main(["--check"]) == 1
    assert "scale" in capsys.readouterr().out
    assert bench_tables.main([]) == 0 and readme.read_text() == text
    assert bench_tables.main(["--check"]) == 0


@pytest.mark.parametrize("change, message", [
    (lambda r: r.update(smoke=True), "smoke run"),
    (lambda r: r["benchmarks"].pop("scale"), "no scale results"),
])
def test_a_smoke_or_partial_run_is_refused_and_the_readme_left_alone(bench_tables, tmp_path, monkeypatch, capsys,
                                                                      change, message):
    results = json.loads(bench_tables.RESULTS.read_text())
    change(results)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    readme = tmp_path / "README.md"
    readme.write_text("<!-- bench: latest -->\nkept\n<!-- /bench -->\n")
    monkeypatch.setattr(bench_tables, "README", readme)
    assert bench_tables.main([str(path)]) == 2
    assert message in capsys.readouterr().err
    assert "kept" in readme.read_text()


@pytest.mark.parametrize("value, shown", [(39940.53, "39,900"), (1.3887, "1.39"), (0.0825, "0.0825"), (117.2, "117"),
                                          (25.0, "25.0"), (0, "0")])
def test_numbers_have_three_significant_digits_and_no_exponent(bench_tables, value, shown):
    assert bench_tables._number(value) == shown


def test_the_readme_dask_table_is_that_of_the_stored_results():
    """``python -m benchmarks.dask_sweeps --check``: the table needs the stored results only, not dask."""
    # importing the benchmarks package pins BLAS threads in os.environ; main puts the repository on sys.path
    with mock.patch.dict(os.environ), mock.patch.object(sys, "path", list(sys.path)):
        from benchmarks import dask_sweeps

        assert dask_sweeps.main(["--check"]) == 0, "run python -m benchmarks.dask_sweeps --table, commit README.md"
