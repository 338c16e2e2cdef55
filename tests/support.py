"""Helpers shared by the tests: run ``fnn`` in-process at a fixed width, check one-line errors, and a
small third-party-style plugin."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

import fnn
from fnn.cli import app

SOFTSIGN = fnn.Activation("softsign", lambda x: x / (1 + np.abs(x)), lambda x, y, g: g / (1 + np.abs(x)) ** 2)


class Softsign:
    """A plugin object, as a notebook would write one."""

    @fnn.hookimpl
    def fnn_activations(self):
        yield SOFTSIGN

ENV = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
RUNNER = CliRunner()


def cli(*args, env: dict[str, str] | None = None):
    """Invoke ``fnn ARGS`` with a fixed width and no colour; returns the CliRunner Result."""
    return RUNNER.invoke(app, [str(arg) for arg in args], env={**ENV, **(env or {})}, prog_name="fnn")


def ok(*args):
    """Invoke ``fnn ARGS`` and insist it succeeded, with nothing on stderr."""
    result = cli(*args)
    assert result.exit_code == 0, (result.exit_code, result.output, result.exception)
    assert result.stderr == ""
    return result


def assert_one_line_error(result, code: int | tuple[int, ...], *fragments: str, stdout_empty: bool = False) -> str:
    """Exit ``code`` (or one of several), one ``Error:`` line on stderr containing every fragment, no traceback."""
    assert result.exit_code in (code if isinstance(code, tuple) else (code,)), (
        result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), f"not a clean exit: {result.exception!r}"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    message = lines[0]
    assert message.startswith("Error: ")
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "Traceback" not in result.output
    if stdout_empty:
        assert result.stdout == ""
    return message
