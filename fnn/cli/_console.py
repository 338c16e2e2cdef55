"""The terminal edge: one way to make a console, and to show text that came from outside as data.

Every command prints through :func:`make_console`. Its consoles never read
markup or emoji codes in strings, so a path such as ``runs/lr[0.1]``, a CSV
header ``[red]x`` or a plugin description ``:warning:`` prints as it is
written; fnn's own styling is given as ``rich.text.Text`` with explicit
styles. Text from files, paths and plugins also goes through :func:`shown`,
which turns control characters (ESC, OSC, backspace, carriage return, ...)
into visible escapes, so nothing in a file can clear, retitle or hyperlink
the user's terminal.
"""

from __future__ import annotations

import contextlib
import re
from typing import Iterator

from rich.console import Console

MIN_WIDTH = 80
"""Narrower settings (``COLUMNS=0``, ``COLUMNS=1``) get this width and the terminal wraps the lines:
laid out any narrower, rich would print nothing, or a character per line."""

# C0 controls but newline and tab, DEL, the C1 controls, and the Unicode marks that reorder or hide
# text on a terminal (bidirectional overrides and isolates, zero-width and line/paragraph separators).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_CONTROL_OR_BREAK = re.compile(_CONTROL.pattern[:-1] + "\n\t]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object, *, one_line: bool = True) -> str:
    """``text`` as a string safe for a terminal: control characters as visible ``\\x1b``-style escapes.

    With ``one_line`` (the default) newlines and tabs are escaped too, so a
    name from a file cannot forge further lines of output.
    """
    return (_CONTROL_OR_BREAK if one_line else _CONTROL).sub(_escape, str(text))


def make_console(*, stderr: bool = False) -> Console:
    """A console that treats every string as plain text, at least :data:`MIN_WIDTH` columns wide."""
    console = Console(stderr=stderr, markup=False, emoji=False, highlight=False)
    if console.width < MIN_WIDTH:
        # rich takes COLUMNS as given; a width it cannot lay out in would lose or shred the output.
        console.width = MIN_WIDTH
    return console


@contextlib.contextmanager
def help_at_least_min_width() -> Iterator[None]:
    """typer draws ``--help`` on a console of its own: give it :data:`MIN_WIDTH` too when the terminal
    says it is narrower (at ``COLUMNS=0`` it would print blank lines)."""
    from typer import rich_utils

    if Console().width >= MIN_WIDTH or rich_utils.MAX_WIDTH is not None:
        yield
        return
    rich_utils.MAX_WIDTH = MIN_WIDTH
    try:
        yield
    finally:
        rich_utils.MAX_WIDTH = None


def net_words(sizes: tuple[int, ...], activation: str, output: str | None) -> str:
    """A network as the headers say it: "2-4-8-1 net (sigmoid hidden, sigmoid output)", or without
    hidden layers "2-1 net (no hidden layer, sigmoid output)" (the hidden activation is then unused).
    ``output`` is a prepared config's, which names the task's default when the run did not."""
    hidden = f"{shown(activation)} hidden" if len(sizes) > 2 else "no hidden layer"
    return f"{'-'.join(map(str, sizes))} net ({hidden}, {shown(str(output))} output)"
