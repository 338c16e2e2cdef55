"""Benchmark 4, start-up: wall time of ``fnn --help`` and ``fnn run --epochs 1 --json`` as fresh processes.

fnn is started through the console script that ``pip install`` put beside
this Python (not a version manager's shim, which adds its own start-up), or
``python -c "from fnn.cli import main; main()"`` when there is none, with the
environment the benchmarks were started in (BLAS threads not pinned), as a
user would start it. ``python -c "import numpy"`` is timed beside them as the
floor of any NumPy program.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from . import USER_ENV
from .harness import interleave, target

NAME = "startup"
ROUNDS, SMOKE_ROUNDS = 7, 2
GOALS = {"fnn --help": 0.5, "fnn run --epochs 1 --json": 1.0}
"""Wall-time limits in seconds (issue 6)."""


def fnn_command() -> list[str]:
    """How to start the installed ``fnn``."""
    script = Path(sysconfig.get_path("scripts")) / "fnn"
    if script.exists():
        return [str(script)]
    found = shutil.which("fnn")
    return [found] if found else [sys.executable, "-c", "from fnn.cli import main; main()"]


def measure(smoke: bool) -> dict:
    """Time each command as a subprocess, interleaved; report medians against the limits."""
    fnn = fnn_command()
    commands = {
        "fnn --help": [*fnn, "--help"],
        "fnn run --epochs 1 --json": [*fnn, "run", "--epochs", "1", "--json"],
        "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
    }
    measured = interleave({name: _runner(command) for name, command in commands.items()},
                          SMOKE_ROUNDS if smoke else ROUNDS)
    return {
        "fnn": " ".join(fnn),
        "seconds": {name: timing.as_dict() for name, timing in measured.timings.items()},
        "notes": ["Wall time of a fresh process, median over rounds; python -c 'import numpy' is the floor."],
        "targets": [target(name, measured.timings[name].median, "<", goal, unit="s") for name, goal in GOALS.items()],
        "guards": [],
    }


def _runner(command: list[str]):
    return lambda: subprocess.run(command, env=USER_ENV, stdout=subprocess.DEVNULL, check=True)
