"""The typer application, its global options, and one-line error and warning reporting."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import warnings
from typing import Annotated, Iterator

import typer
import typer.core

from .. import __version__
from .._environ import environment
from ..errors import ConfigError, FnnError, PluginWarning
from ..registry import DISABLED_ENV, STRICT_ENV

DEBUG_ENV = "FNN_DEBUG"

# typer's click-derived exceptions: vendored in recent typer, plain click in older releases.
_CLICK_ERROR = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException")


class _OneLineErrors(typer.core.TyperGroup):
    """Render usage errors and fnn's own errors as one line, without a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            with _one_line_plugin_warnings():
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _CLICK_ERROR as error:  # bad usage: unknown option or command, a value of the wrong type
            message = error.format_message().strip()
            if message:  # an empty message follows help that was already shown (no arguments at all)
                command = getattr(getattr(error, "ctx", None), "command_path", None) or self._guess_command(args)
                _fail(f"{command}: {message} (see '{command} --help')", error.exit_code)
            code = error.exit_code
        except typer.Abort:
            code = _fail("aborted", 1)
        except FnnError as error:
            if os.environ.get(DEBUG_ENV):
                raise
            code = _fail(str(error), 2 if isinstance(error, ConfigError) else 1)
        if not standalone_mode:
            return code
        sys.exit(code or 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as error:  # Ctrl-C, or a signal turned into fnn.errors.Interrupted
            typer.echo(str(error) or "interrupted", err=True)
            raise typer.Exit(128 + getattr(error, "signum", signal.SIGINT)) from None  # 130, 143

    def _guess_command(self, args) -> str:
        """``fnn CMD`` from the raw arguments, for errors raised before a context exists."""
        words = sys.argv[1:] if args is None else list(args)
        command = next((word for word in words if word in self.commands), None)
        return f"fnn {command}" if command else "fnn"


def _fail(message: str, code: int) -> int:
    typer.echo(f"Error: {message}", err=True)
    return code


@contextlib.contextmanager
def _one_line_plugin_warnings() -> Iterator[None]:
    """Show each :class:`~fnn.PluginWarning` as ``Warning: ...`` on stderr, every time it is raised."""
    with warnings.catch_warnings():
        show = warnings.showwarning

        def show_one_line(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, PluginWarning):
                typer.echo(f"Warning: {message}", err=True)
            else:
                show(message, category, filename, lineno, file, line)

        warnings.showwarning = show_one_line
        # "always": a registry loaded again in one process (tests, notebooks) warns again.
        warnings.simplefilter("always", PluginWarning)
        yield


app = typer.Typer(
    cls=_OneLineErrors,
    help="fnn: train small neural networks with backpropagation you can read.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"fnn {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit.")
    ] = False,
    disable_plugin: Annotated[list[str], typer.Option(
        "--disable-plugin", metavar="NAME", show_default=False,
        help=f"Do not load the plugin NAME (see 'fnn plugins'); repeatable. Adds to {DISABLED_ENV}.")] = [],
    strict_plugins: Annotated[bool, typer.Option(
        "--strict-plugins", help=f"Stop on a broken plugin instead of leaving it out with a warning ({STRICT_ENV}=1).",
    )] = False,
) -> None:
    """fnn: train small neural networks with backpropagation you can read."""
    ctx.with_resource(_plugin_settings(disable_plugin, strict_plugins))


@contextlib.contextmanager
def _plugin_settings(disabled: list[str], strict: bool) -> Iterator[None]:
    """Apply the global plugin flags for one invocation, through the environment and restored after.

    fnn.registry() reads the environment, and so do sweep worker processes,
    which may start afresh rather than inherit this process's registry.
    """
    changes = {}
    if disabled:
        changes[DISABLED_ENV] = ",".join(filter(None, [os.environ.get(DISABLED_ENV), *disabled]))
    if strict:
        changes[STRICT_ENV] = "1"
    with environment(changes):
        yield


def main() -> None:
    """Console-script entry point."""
    app()
