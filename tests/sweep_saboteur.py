"""A sweep task that breaks chosen runs inside the worker process, for tests of a sweep's robustness.

Tests put :func:`task` in place of ``fnn.runs.sweep._train_task``; the pool sends it
to spawned workers by name, so they import this module (``tests/`` is on the
path the workers inherit). A run whose seed is one of the constants below dies
or raises while it is prepared; every other run trains as usual.
"""

from __future__ import annotations

import os
import signal

import fnn.runs.sweep
from fnn.errors import ConfigError

EXITS, KILLED, SEGFAULT = 901, 902, 903  # the worker process ends: os._exit, SIGKILL, a segmentation fault
RAISES, FNN_ERROR, SYS_EXIT = 911, 912, 913  # a plugin raises: RuntimeError, an fnn error, SystemExit
DEATHS = {EXITS: lambda: os._exit(3), KILLED: lambda: os.kill(os.getpid(), signal.SIGKILL),
          SEGFAULT: lambda: os.kill(os.getpid(), signal.SIGSEGV)}
ERRORS = {RAISES: RuntimeError("a plugin broke\n  on two lines"),
          FNN_ERROR: ConfigError("the plugin's setting is wrong"),
          SYS_EXIT: SystemExit(4)}

# The real ones, taken before any test replaces them.
_TASK, _PREPARE = fnn.runs.sweep._train_task, fnn.runs.sweep.prepare


def task(configs, plugins):
    fnn.runs.sweep.prepare = _prepare
    try:
        return _TASK(configs, plugins)
    finally:
        fnn.runs.sweep.prepare = _PREPARE


def _prepare(config, registry=None):
    if config.seed in DEATHS:
        DEATHS[config.seed]()
    if config.seed in ERRORS:
        raise ERRORS[config.seed]
    return _PREPARE(config, registry)
