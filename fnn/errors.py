"""Errors fnn raises on purpose; the CLI renders each as one line.

Every message says what was wrong and what is allowed, so it can be shown to a
user as it is.
"""

from __future__ import annotations

import difflib
from typing import Iterable


class FnnError(Exception):
    """Base class of fnn's own errors."""


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

    def __init__(self, epoch: int, loss: float):
        self.epoch, self.loss = epoch, loss
        super().__init__(
            f"the loss became {loss} at epoch {epoch}; training stopped. "
            "Try a smaller learning rate (--lr)."
        )
