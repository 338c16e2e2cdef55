"""The ``fnn`` command line: parse, call the library, render.

Every command is thin: it turns flags into library calls and draws the result
with rich; one module per command group (``run``, ``sweep``, ``report``, ``gradcheck``, ``models``, ``evaluate``,
``listing``, ``plugins``). Errors the library raises on purpose become one line on stderr: exit code 2 for bad usage
(unknown names, bad sizes, bad numbers), 1 for failures (a diverging loss).
``FNN_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

from fnn.cli._app import app, main
from fnn.cli._settings import parse_hidden, parse_options
from fnn.cli import evaluate, gradcheck, listing, models, plot, plugins, report, run, sweep  # noqa: F401  (importing a command module registers its commands)

__all__ = ["app", "main", "parse_hidden", "parse_options"]
