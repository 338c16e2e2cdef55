"""The README's tables of flags, written from the commands themselves, so they cannot drift from ``--help``.

    python docs/cli_tables.py           rewrite the tables in README.md
    python docs/cli_tables.py --check   exit 1, naming the table, if README.md is not what this writes

A table sits between ``<!-- flags: COMMAND -->`` and ``<!-- /flags -->``. The
settings' rows come from their declarations in ``fnn/runs/settings.py``; the
commands' own options from their signatures. ``fnn sweep``'s and ``fnn gradcheck``'s
tables list only their own options: their settings are ``fnn run``'s (as comma lists for a sweep).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import typer

README = Path(__file__).resolve().parent.parent / "README.md"
# Each command with a flag table in the README, and the help panels it lists (None: all of them).
TABLES = {"run": None, "sweep": ("Sweep", "Output"), "report": None, "gradcheck": ("Check",)}
_BLOCK = re.compile(r"(<!-- flags: (\w+) -->\n)(.*?)(<!-- /flags -->)", re.S)


def table(command_name: str) -> str:
    """The markdown table of one command's options, grouped as its ``--help`` groups them."""
    from fnn.cli import app

    command = typer.main.get_command(app).commands[command_name]
    panels: dict[str, list[str]] = {}
    for param in command.params:
        panel = getattr(param, "rich_help_panel", None) or "Options"
        if TABLES[command_name] is not None and panel not in TABLES[command_name]:
            continue
        option = param.param_type_name == "option"
        names = [*param.opts, *param.secondary_opts] if option else [param.metavar or param.name]
        flags = ", ".join(f"`{flag}`" for flag in names)
        panels.setdefault(panel, []).append(f"| {flags} | {_cell(param.help or '')} | {_default(param)} |")
    lines = ["| flag | meaning | default |", "|---|---|---|"]
    for panel, rows in panels.items():
        lines += ([f"| **{panel}** | | |"] if len(panels) > 1 else []) + rows
    return "\n".join(lines) + "\n\n"


def _default(param) -> str:
    shown = param.show_default
    if isinstance(shown, str):
        return _cell(shown)
    unset = param.default is None or param.default is False or param.default in ([], ())
    if shown is False or unset or getattr(param, "is_flag", False):
        return ""
    return f"`{param.default}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def rewritten(text: str) -> str:
    """``text`` (the README) with every flag table as :func:`table` writes it."""
    return _BLOCK.sub(lambda m: m.group(1) + table(m.group(2)) + m.group(4), text)


def main(argv: list[str]) -> int:
    text = README.read_text()
    new = rewritten(text)
    if "--check" in argv:
        stale = [m.group(2) for m in _BLOCK.finditer(text) if m.group(3) != table(m.group(2))]
        if stale:
            print(f"README.md: the flag tables of {', '.join(stale)} are out of date; run python docs/cli_tables.py")
            return 1
        return 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
