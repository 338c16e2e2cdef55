"""fnn's pytest plugin: fixtures for testing fnn plugins, loaded in every pytest run where fnn is installed.

Registered through the ``pytest11`` entry point, as datasette's is, so a
plugin's test suite has these fixtures without a conftest:

``fnn_registry``
    A factory: ``fnn_registry(*plugins, builtins=True)`` builds a registry of
    fnn's built-ins (unless ``builtins=False``) and the given plugin modules or
    objects, strictly (a broken plugin raises :class:`~fnn.PluginError`), with
    no installed plugins and no ``FNN_DISABLED_PLUGINS``. For the rest of the
    test it is the registry :func:`fnn.registry` returns, so ``fnn.fit`` and the
    command line (``fnn_cli``) find the plugins by name.

``fnn_cli``
    Runs the ``fnn`` command line in this process: ``fnn_cli("run", "-a",
    "swish", "--json")`` returns click's ``Result`` (``exit_code``, ``stdout``,
    ``stderr``), at a fixed width of 100 columns without colour.

fnn is imported inside the fixtures, not here, so that pytest runs of other
projects on a machine with fnn installed do not pay for importing it.
"""

from __future__ import annotations

import contextlib

import pytest

CLI_ENV = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}


@pytest.fixture
def fnn_registry():
    """``fnn_registry(*plugins, builtins=True)``: a registry of the built-ins and ``plugins`` only, used by fnn.

    Loaded strictly (a broken plugin raises ``fnn.PluginError``), with no
    installed plugins and no FNN_DISABLED_PLUGINS; until the test ends it is the
    registry ``fnn.registry()`` returns, so ``fnn.fit`` and ``fnn_cli`` use it.
    """
    from fnn.plugins.registry import make_registry, use_registry

    with contextlib.ExitStack() as in_use:

        def build(*plugins: object, builtins: bool = True):
            registry = make_registry(plugins, builtins=builtins, entry_points=False, disabled=(), strict=True)
            return in_use.enter_context(use_registry(registry))

        yield build


@pytest.fixture
def fnn_cli():
    """``fnn_cli(*args, env=None)``: run ``fnn ARGS`` in this process and return click's ``Result``.

    100 columns, no colour; ``result.exit_code``, ``result.stdout`` and
    ``result.stderr`` are what a user would see.
    """
    from typer.testing import CliRunner

    from fnn.cli import app

    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(app, list(args), env={**CLI_ENV, **(env or {})}, prog_name="fnn")

    return invoke
