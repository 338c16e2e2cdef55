"""The typer application, its global options, and one-line error and warning reporting.

The exit-code rule, said once here (and in ``fnn --help`` and the README):
0 success; 2 a command line that cannot be accepted (flags, names, sizes,
points typed on the command line); 1 a run that failed or a file that could
not be used (data, models, output folders, plugins); 130 and 143 when
interrupted by SIGINT (Ctrl-C) or SIGTERM. ``FNN_DEBUG=1`` (or ``true``,
``yes``) adds the traceback above the one-line error; it never changes the
exit code.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import signal
import sys
import threading
import traceback
import warnings
from dataclasses import replace
from typing import Annotated, Iterator

import typer
import typer.core

from fnn import __version__
from fnn.errors import ConfigError, FnnError, Interrupted, PluginWarning, one_line
from fnn.plugins.registry import DISABLED_ENV, STRICT_ENV, PluginSettings, Registry, plugin_names, registry
from fnn.cli._console import help_at_least_min_width, shown

DEBUG_ENV = "FNN_DEBUG"
COMMAND_ORDER = ("run", "sweep", "plot", "report", "gradcheck", "predict", "evaluate", "show", "list", "plugins")
EXIT_USAGE, EXIT_FAILED, EXIT_SIGINT, EXIT_SIGTERM = 2, 1, 130, 143
EXIT_CODES = (f"Exit codes: 0 success; {EXIT_USAGE} a command line that cannot be accepted (flags, names, points); "
              f"{EXIT_FAILED} a run that failed or a file that could not be used; {EXIT_SIGINT} and {EXIT_SIGTERM} "
              f"interrupted (Ctrl-C, SIGTERM). {DEBUG_ENV}=1 adds the traceback to an error.")

# typer's click-derived exceptions: vendored in recent typer, plain click in older releases.
_CLICK_ERROR = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException")


class _OneLineErrors(typer.core.TyperGroup):
    """Render usage errors and fnn's own errors as one line, without a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            with _one_line_plugin_warnings(), help_at_least_min_width():
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _CLICK_ERROR as error:  # bad usage: unknown option or command, a value of the wrong type
            message = error.format_message().strip()
            if message:
                command = getattr(getattr(error, "ctx", None), "command_path", None) or self._guess_command(args)
                code = _fail(f"{command}: {message} (see '{command} --help')", error.exit_code)
            else:  # plain `fnn`: the help was shown, as asked for
                code = 0
        except (typer.Abort, KeyboardInterrupt):  # Ctrl-C before a command runs (click turns it into Abort)
            typer.echo("interrupted", err=True)
            code = EXIT_SIGINT
        except FnnError as error:
            code = _fail(str(error), EXIT_USAGE if isinstance(error, ConfigError) else EXIT_FAILED, error)
        except MemoryError as error:
            code = _fail("out of memory; use less data, smaller layers or fewer runs", EXIT_FAILED, error)
        except OSError as error:  # a file fnn could not read or write, named by the operating system
            where = f"{error.filename}: " if error.filename else ""
            code = _fail(f"{where}{error.strerror or error}", EXIT_FAILED, error)
        except Exception as error:  # a bug, in fnn or in a plugin's code after its first checked use
            code = _fail(f"unexpected {one_line(error)} (at {_raised_at(error)}); a bug in fnn or in a plugin: "
                         f"{DEBUG_ENV}=1 shows the traceback", EXIT_FAILED, error)
        if not standalone_mode:
            return code
        sys.exit(code or 0)

    def get_params(self, ctx):
        return _flags_without_metavar(super().get_params(ctx))

    def list_commands(self, ctx) -> list[str]:
        """The commands in the order of work (train, compare, use a model, look around), not alphabetical."""
        names = super().list_commands(ctx)
        return sorted(names, key=lambda name: COMMAND_ORDER.index(name) if name in COMMAND_ORDER else len(names))

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


def _raised_at(error: BaseException) -> str:
    """``file.py:LINE`` of the innermost frame outside NumPy: the code that went wrong, often a plugin's."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [frame for frame in frames if f"{os.sep}numpy{os.sep}" not in frame.filename] or frames
    return f"{os.path.basename(own[-1].filename)}:{own[-1].lineno}" if own else "an unknown place"


def _fail(message: str, code: int, error: BaseException | None = None) -> int:
    """Report ``message`` as one line on stderr (after the traceback of ``error`` when debugging)."""
    if error is not None and debugging():
        traceback.print_exception(error)
    typer.echo(f"Error: {shown(message)}", err=True)
    return code


def debugging() -> bool:
    """``FNN_DEBUG`` is on: ``1``, ``true`` or ``yes`` (any case); anything else is off."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes")


@contextlib.contextmanager
def _one_line_plugin_warnings() -> Iterator[None]:
    """Show each :class:`~fnn.PluginWarning` as ``Warning: ...`` on stderr, every time it is raised."""
    with warnings.catch_warnings():
        show = warnings.showwarning

        def show_one_line(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, PluginWarning):
                typer.echo(f"Warning: {shown(message)}", err=True)
            else:
                show(message, category, filename, lineno, file, line)

        warnings.showwarning = show_one_line
        # "always": a registry loaded again in one process (tests, notebooks) warns again.
        warnings.simplefilter("always", PluginWarning)
        yield


class _Command(typer.core.TyperCommand):
    """A command whose ``--help`` shows no ``<bool>`` beside a flag (as the app's, above)."""

    def get_params(self, ctx):
        return _flags_without_metavar(super().get_params(ctx))


def _flags_without_metavar(params: list) -> list:
    """A flag takes no value, so its help shows none (typer would print ``<bool>``): every flag,
    typer's own (``--help``, ``--install-completion``) included."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


def examples(*pairs: tuple[str, str]) -> str:
    """A command's help epilog: example command lines, each with what it does as a shell comment."""
    return "Examples:\n\n" + "\n\n".join(f"{line}  # {what}" for line, what in pairs)


def command(*args, **kwargs):
    """``app.command``, for fnn's commands (their help options as :class:`_Command` shows them)."""
    return app.command(*args, cls=_Command, **kwargs)


app = typer.Typer(
    cls=_OneLineErrors,
    help=f"fnn: train small neural networks with backpropagation you can read.\n\n{EXIT_CODES}",
    no_args_is_help=True,
    add_completion=True,
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
        "--strict-plugins",
        help=f"Stop on a broken plugin instead of leaving it out with a warning ({STRICT_ENV}=1).",
    )] = False,
) -> None:
    """fnn: train small neural networks with backpropagation you can read."""
    ctx.obj = settings = _with_flags(disable_plugin, strict_plugins)
    if disable_plugin:
        known = plugin_names(entry_points=settings.entry_points)
        for name in sorted(set(disable_plugin) - set(known)):
            close = difflib.get_close_matches(name, known, n=1)
            typer.echo(shown(f"Warning: --disable-plugin {name!r}: no plugin has that name; plugins: {', '.join(known)}"
                             + (f" (did you mean {close[0]!r}?)" if close else "")), err=True)


def _with_flags(disabled: list[str], strict: bool) -> PluginSettings:
    """The global plugin flags on top of the environment's settings: a plugin disabled by either is
    disabled, and either can make loading strict."""
    environment = PluginSettings.from_environment()
    return replace(environment, disabled=environment.disabled | set(disabled), strict=environment.strict or strict)


def plugin_settings(ctx: typer.Context) -> PluginSettings:
    """This invocation's :class:`PluginSettings`, from the global flags (``--disable-plugin``, ``--strict-plugins``)."""
    root = ctx.find_root()
    if isinstance(root.obj, PluginSettings):
        return root.obj
    # Shell completion parses the command line without running the app's callback.
    return _with_flags(root.params.get("disable_plugin") or [], bool(root.params.get("strict_plugins")))


def plugin_registry(ctx: typer.Context) -> Registry:
    """The registry of this invocation's plugins, passed explicitly to whatever the command calls."""
    return registry(plugin_settings(ctx))


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`~fnn.errors.Interrupted` carrying the signal, so that a
    command cleans up as it unwinds (a sweep ends its workers, a half-written run folder is removed)
    and exits 130 or 143 with one line saying how far it got."""
    if threading.current_thread() is not threading.main_thread():  # handlers are set from the main thread only
        yield
        return

    def interrupt(signum, frame):
        raise Interrupted(signum)

    previous = {number: signal.signal(number, interrupt) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def main() -> None:
    """Console-script entry point."""
    with signals_interrupt():
        app()
