"""``python -m benchmarks``: run the benchmarks, print their tables, write the results as JSON.

Exit code 0 when every benchmark ran and every correctness guard passed
(targets are reported, not enforced), 1 when a guard failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from . import mnist, scale, startup, sweeps, tiny
from .harness import machine
from .report import print_report

BENCHMARKS = {module.NAME: module for module in (tiny, scale, sweeps, startup, mnist)}
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.json"
SMOKE_OUTPUT = Path(tempfile.gettempdir()) / "fnn-benchmarks-smoke.json"
"""A smoke run checks that the code runs; its numbers mean nothing, so it leaves the tracked results alone."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="Run fnn's benchmarks, print their tables, write the results as JSON.")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: a few seconds, to check that the code runs")
    parser.add_argument("--only", action="append", choices=list(BENCHMARKS), metavar="NAME",
                        help=f"run only this benchmark, repeatable: {', '.join(BENCHMARKS)}")
    parser.add_argument("--output", type=Path, metavar="PATH",
                        help=f"where to write the JSON results (default: {DEFAULT_OUTPUT}, or {SMOKE_OUTPUT} with "
                             "--smoke)")
    args = parser.parse_args(argv)
    args.output = args.output or (SMOKE_OUTPUT if args.smoke else DEFAULT_OUTPUT)
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = 120  # a log or a pipe: wide enough for every table
    results = {"smoke": args.smoke, "machine": machine(), "benchmarks": {}}
    for name in args.only or BENCHMARKS:
        with console.status(f"benchmark {name}..."):
            results["benchmarks"][name] = BENCHMARKS[name].measure(args.smoke)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, allow_nan=False) + "\n")
    print_report(console, results)
    console.print(f"Results written to {args.output}")
    passed = all(g["passed"] for result in results["benchmarks"].values() for g in result["guards"])
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
