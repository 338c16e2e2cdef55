"""CI runs exactly the README's quick-start commands (install and run, install and test)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readmes_quick_start_commands():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme[readme.index("## Quick start"):readme.index("\n## ", readme.index("## Quick start") + 1)]
    commands = re.findall(r"```console\n(.*?)\n```", quick_start, flags=re.DOTALL)
    script = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
              if line and not line.startswith(("#", "set ", "cd "))]
    assert script == commands
    for plugin in ("fnn-swish", "fnn-sklearn"):
        assert f"./plugins/{plugin}" in commands[1] and f"plugins/{plugin}/tests" in commands[1]
