"""``fnn report``: one self-contained HTML page for a run or sweep folder (built by :mod:`fnn.runs.report`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from fnn.runs.report import write_report
from fnn.runs.rundir import REPORT_FILE
from fnn.cli._app import command, examples
from fnn.cli._console import make_console, shown


@command(epilog=examples(
    ("fnn report runs/xor", f"writes runs/xor/{REPORT_FILE}"),
    ("fnn report runs/lr-sweep --output lr.html", "a sweep's page, somewhere else"),
))
def report(
    folder: Annotated[Path, typer.Argument(
        help="A run folder ('fnn run --out DIR') or a sweep folder ('fnn sweep --out DIR').", metavar="DIR",
        show_default=False)],
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Where to write the page.", show_default=f"DIR/{REPORT_FILE}")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace a file at the output that fnn report did not write (a page it wrote is always "
                        "replaced; the folder's own files never are).")] = False,
) -> None:
    """Write a run or sweep folder as one self-contained HTML page.

    A run's page holds its figures, settings, final metrics and learning curve; a sweep's its figures, every
    run and every group of runs. The page opens offline and prints to PDF from a browser."""
    written = write_report(folder, output, force=force)
    make_console().print(shown(written), soft_wrap=True)
