"""The README's experiment tables, made by running their commands: one command refreshes them after any change.

    python docs/experiments.py          run every `$ fnn sweep ...` of the README's "Experiments"
                                        section and write what it prints under it (a few minutes)
    python docs/experiments.py --list   only list the commands

Each block is a ```text fence whose first line is ``$ fnn ...``; the rest of
the block is replaced by the command's output, as a pipe shows it at 88
columns without colour (``--quiet``: the results, without the progress lines a
terminal shows while it runs). The prose around the tables is not touched:
read it again after a refresh, since it quotes some of their numbers.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "## Experiments: the lab's discussion questions"
WIDTH = "88"
_BLOCK = re.compile(r"```text\n\$ (fnn [^\n]+)\n(.*?)```", re.S)


def _section(text: str) -> tuple[int, int]:
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return start, len(text) if end < 0 else end


def output(command: str) -> str:
    """What ``command`` (``fnn ...``) prints to a pipe, quietly, at :data:`WIDTH` columns."""
    env = {**os.environ, "COLUMNS": WIDTH, "NO_COLOR": "1", "TERM": "dumb", "FNN_DISABLE_PLUGIN_AUTOLOAD": "1"}
    args = [sys.executable, "-c", "from fnn.cli import main; main()", *shlex.split(command)[1:], "--quiet"]
    result = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
    return "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"


def _announced(command: str) -> str:
    print(f"running: {command}", file=sys.stderr)
    return output(command)


def main(argv: list[str]) -> int:
    text = README.read_text()
    start, end = _section(text)
    section = text[start:end]
    commands = [match.group(1) for match in _BLOCK.finditer(section)]
    if "--list" in argv:
        print("\n".join(commands))
        return 0
    section = _BLOCK.sub(lambda m: f"```text\n$ {m.group(1)}\n{_announced(m.group(1))}```", section)
    README.write_text(text[:start] + section + text[end:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
