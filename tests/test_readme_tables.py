"""The README's flag tables are what docs/cli_tables.py writes from the commands: they cannot drift from --help."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli_tables.py"


def _cli_tables():
    spec = importlib.util.spec_from_file_location("cli_tables", DOCS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_flag_tables_are_up_to_date():
    cli_tables = _cli_tables()
    text = cli_tables.README.read_text()
    assert text.count("<!-- flags: ") == len(cli_tables.TABLES)
    assert cli_tables.rewritten(text) == text, "run python docs/cli_tables.py and commit README.md"


def test_every_setting_has_a_row_in_the_run_table():
    from fnn.runs.settings import SETTINGS

    rows = _cli_tables().table("run")
    for s in SETTINGS:
        assert f"| `{s.flags[0]}`" in rows, s.flags[0]
