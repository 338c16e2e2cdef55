"""Errors fnn raises on purpose; the CLI renders each as one line.

Every message says what was wrong and what is allowed, so it can be shown to a
user as it is.
"""

from __future__ import annotations

import difflib
import signal
from typing import Iterable


def _restore(cls: type, args: tuple, state: dict) -> BaseException:
    """Rebuild a pickled error without calling its ``__init__`` (whose parameters may not be its message)."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


def _reduce(error: BaseException):
    return _restore, (type(error), error.args, error.__dict__)


def readable_bytes(count: int) -> str:
    """``123456789`` -> ``"123.5 MB"``: a size in a message (powers of 1000, as ``df -H`` and disk makers)."""
    if count < 1000:
        return f"{count:,} bytes"
    size = float(count)
    for unit in ("KB", "MB", "GB", "TB"):
        size /= 1000
        if size < 1000 or unit == "TB":
            return f"{size:,.1f} {unit}"
    raise AssertionError("unreachable")


class FnnError(Exception):
    """Base class of fnn's own errors.

    Every one pickles with its type, message and attributes, whatever its
    ``__init__`` takes, so it can come back from a sweep's worker process.
    """

    __reduce__ = _reduce


class ConfigError(FnnError, ValueError):
    """A setting that fnn cannot use (bad size, unknown key, bad value)."""


class UnknownNameError(ConfigError, LookupError):
    """A plugin name that is not registered."""

    def __init__(self, kind: str, name: str, available: Iterable[str]):
        self.kind, self.name = kind, name
        self.available = sorted(available)
        message = f"unknown {kind} {name!r}; available: {', '.join(self.available) or '(none)'}"
        close = difflib.get_close_matches(name, self.available, n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
        super().__init__(message)

    def __str__(self) -> str:  # LookupError would otherwise quote the message
        return self.args[0]


class DataError(FnnError):
    """Input data fnn cannot use: a missing or malformed file, a point of the wrong width."""


class OutputError(FnnError):
    """Results fnn could not write: a full disk, a folder that appeared at ``--out`` while it trained."""


class PluginError(FnnError):
    """Plugins fnn cannot load together: two claim one name, or one is broken and loading is strict."""


class PluginWarning(UserWarning):
    """A broken plugin was left out; the message names the plugin, its package and what went wrong."""


class TrainingDiverged(FnnError, ArithmeticError):
    """The loss became NaN or infinite."""

    def __init__(self, epoch: int, loss: float, *, hint: str | None = None):
        # hint: the likely cause, where the caller can see one (fnn.complete looks at the run's settings).
        self.epoch, self.loss, self.hint = epoch, loss, hint
        super().__init__(
            f"the loss became {loss} at epoch {epoch}; training stopped. "
            + (hint or "Try a smaller learning rate (--lr).")
        )


class PluginContractError(FnnError):
    """A plugin's record broke its contract when fnn used it (wrong shape or type, wrote into its
    arguments, labels outside 0/1); the message names the record, its plugin and package, and what was wrong."""


class Interrupted(KeyboardInterrupt):
    """Work stopped by a signal (SIGINT, SIGTERM); the message says how far it got.

    A ``KeyboardInterrupt``, so ``except Exception`` and ``except FnnError`` do
    not swallow it. The command line exits with ``128 + signum`` (130, 143).
    """

    __reduce__ = _reduce

    def __init__(self, signum: int = signal.SIGINT, message: str = "interrupted"):
        self.signum = int(signum)
        super().__init__(message)

    def __str__(self) -> str:
        return self.args[0]


_MAX_ERROR = 300  # characters of an exception's message kept in a one-line report


def one_line(error: BaseException) -> str:
    """``TypeName: message`` on one line, cut to a readable length, whatever ``str(error)`` does."""
    text = " ".join(f"{type(error).__name__}: {message_of(error)}".split())
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 3] + "..."


def message_of(error: BaseException) -> str:
    """``str(error)``, or a stand-in when a (plugin's) exception cannot even say what it is."""
    try:
        return str(error)
    except Exception:  # an exception whose __str__ raises is still reported
        return "(its message cannot be shown)"
