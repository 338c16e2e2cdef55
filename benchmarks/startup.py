"""Benchmark 4, start-up: wall time of ``fnn --help`` and ``fnn run --epochs 1 --json`` as fresh processes.

fnn is started through the console script that ``pip install`` put beside
this Python (not a version manager's shim, which adds its own start-up), with
the environment the benchmarks were started in (BLAS threads not pinned), as a
user would start it. The script must run the fnn these benchmarks import (the
one the results' git commit describes): when there is none, or the installed
fnn is another copy (say a stale non-editable install beside a working tree),
``python -c "from fnn.cli import main; main()"`` runs this one instead, and a
note says so. ``python -c "import numpy"`` is timed beside them as the floor of
any NumPy program.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import fnn

from . import USER_ENV
from .harness import interleave, target

NAME = "startup"
ROUNDS, SMOKE_ROUNDS = 7, 1
GOALS = {"fnn --help": 0.5, "fnn run --epochs 1 --json": 1.0}
"""Wall-time limits in seconds (issue 6)."""


def fnn_command() -> tuple[list[str], dict[str, str], str | None]:
    """How to start the fnn these benchmarks import: the command, its environment, and a note
    when that is not the installed console script."""
    ours = Path(fnn.__file__).resolve().parent
    script = Path(sysconfig.get_path("scripts")) / "fnn"
    installed = _installed_package()
    if script.exists() and installed == ours:
        return [str(script)], USER_ENV, None
    paths = [str(ours.parent), *filter(None, [USER_ENV.get("PYTHONPATH")])]
    note = (f"The installed fnn ({installed or 'none'}) is not the one measured here ({ours}): start-up is timed "
            "with python -c 'from fnn.cli import main; main()' on the latter.")
    return ([sys.executable, "-c", "from fnn.cli import main; main()"],
            {**USER_ENV, "PYTHONPATH": os.pathsep.join(paths)}, note)


def _installed_package() -> Path | None:
    """Where this Python imports fnn from outside any working tree (what the console script runs)."""
    found = subprocess.run([sys.executable, "-c", "import fnn; print(fnn.__file__)"], env=USER_ENV,
                           cwd=tempfile.gettempdir(), capture_output=True, text=True)
    return Path(found.stdout.strip()).resolve().parent if found.returncode == 0 else None


def measure(smoke: bool) -> dict:
    """Time each command as a subprocess, interleaved; report medians against the limits."""
    fnn_cmd, env, note = fnn_command()
    commands = {
        "fnn --help": ([*fnn_cmd, "--help"], env),
        "fnn run --epochs 1 --json": ([*fnn_cmd, "run", "--epochs", "1", "--json"], env),
        "python -c 'import numpy'": ([sys.executable, "-c", "import numpy"], USER_ENV),
    }
    measured = interleave({name: _runner(*command) for name, command in commands.items()},
                          SMOKE_ROUNDS if smoke else ROUNDS)
    notes = ["Wall time of a fresh process, median over rounds; python -c 'import numpy' is the floor."]
    return {
        "fnn": " ".join(fnn_cmd),
        "seconds": {name: timing.as_dict() for name, timing in measured.timings.items()},
        "notes": notes + ([note] if note else []),
        "targets": [target(name, measured.timings[name].median, "<", goal, unit="s") for name, goal in GOALS.items()],
        "guards": [],
    }


def _runner(command: list[str], env: dict[str, str]):
    return lambda: subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
