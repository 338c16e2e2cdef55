"""``fnn plot``: draw the figures of a run folder again, from what the run saved."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from fnn.runs.rundir import FORMATS, redraw_run
from fnn.cli._app import command, examples, plugin_registry
from fnn.cli._console import make_console, shown


@command(epilog=examples(
    ("fnn plot runs/xor", "every figure of the run again"),
    ("fnn plot runs/iris --plot-features 'petal length (cm),petal width (cm)'", "the views over another plane"),
    ("fnn plot runs/xor --animate --format svg", "the animation from the kept frames, the figures as SVG"),
    ("fnn plot sweeps/lr", "a sweep's loss_by_<setting> figures again"),
))
def plot(
    ctx: typer.Context,
    run_dir: Annotated[Path, typer.Argument(
        help="A run folder (fnn run --out) or a sweep folder (fnn sweep --out).", show_default=False, metavar="DIR")],
    plot_features: Annotated[Optional[str], typer.Option(
        "--plot-features", help="The two features the views draw over, as NAME,NAME.",
        show_default="the run's")] = None,
    animate: Annotated[bool, typer.Option(
        "--animate", help="Draw training.gif again from frames.npz (a run made with --animate).")] = False,
    format: Annotated[str, typer.Option("--format", help=f"The figures' format: {', '.join(FORMATS)}.")] = "png",
) -> None:
    """Draw a run or sweep folder's figures again without training, from what it saved."""
    written = redraw_run(run_dir, plugin_registry(ctx), plot_features=plot_features, animate=animate,
                         format=format)
    make_console().print(f"Redrawn in {shown(run_dir)}/: {', '.join(written)}", soft_wrap=True)
