"""The typer application, its global options, and one-line error reporting."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
import typer.core

from .. import __version__
from ..errors import ConfigError, FnnError

DEBUG_ENV = "FNN_DEBUG"

# typer's click-derived exceptions: vendored in recent typer, plain click in older releases.
_CLICK_ERROR = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException")


class _OneLineErrors(typer.core.TyperGroup):
    """Render usage errors and fnn's own errors as one line, without a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
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

    def _guess_command(self, args) -> str:
        """``fnn CMD`` from the raw arguments, for errors raised before a context exists."""
        words = sys.argv[1:] if args is None else list(args)
        command = next((word for word in words if word in self.commands), None)
        return f"fnn {command}" if command else "fnn"


def _fail(message: str, code: int) -> int:
    typer.echo(f"Error: {message}", err=True)
    return code


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
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """fnn: train small neural networks with backpropagation you can read."""




def main() -> None:
    """Console-script entry point."""
    app()
