"""``fnn gradcheck``: every gradient array backward gives, against finite differences of the loss."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from fnn.io import jsonfile
from fnn.runs import gradcheck as checks
from fnn.runs.gradcheck import ArrayCheck, GradCheck
from fnn.runs.settings import RunConfig, plain_settings
from fnn.runs.training import Experiment, prepare
from fnn.cli._app import EXIT_FAILED, command, examples, plugin_registry
from fnn.cli._console import make_console, net_words, shown
from fnn.cli._options import refuse_dataset_with_data
from fnn.cli._settings import config_from, with_settings

_CHECK = "Check"


@command(epilog=examples(
    ("fnn gradcheck", "the lab's xor net at its initial weights"),
    ("fnn gradcheck -a relu --hidden 8,8,8 --loss bce --after 100", "a deeper relu net after 100 epochs"),
    ("fnn gradcheck -a swish --json", "a plugin's activation (fnn-swish), as JSON"),
))
@with_settings(sweep=False)
def gradcheck(
    ctx: typer.Context,
    after: Annotated[int, typer.Option(
        "--after", help="Check after this many epochs of training (with the run's optimizer), not at the "
                        "initial parameters.", rich_help_panel=_CHECK)] = 0,
    entries: Annotated[int, typer.Option(
        "--entries", help="Check at most this many entries of each array, drawn at random with --seed (each costs "
                          "four forward passes).", rich_help_panel=_CHECK)] = checks.ENTRIES,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout and nothing else.",
                                              rich_help_panel=_CHECK)] = False,
    **settings,
) -> None:
    """Check backpropagation: every gradient array against finite differences of the loss; exit 1 if one differs.

    Takes fnn run's settings. Compares each array backward gives (W1, b1, ...) with central finite differences
    of the full loss (the L2 and L1 terms included) at the initial parameters, or after --after epochs of training.

    With --dropout, every pass uses one fixed set of dropout masks drawn from --seed.
    """
    if after < 0:
        raise typer.BadParameter(f"must be 0 or more, got {after}", param_hint="--after")
    if entries < 1:
        raise typer.BadParameter(f"must be at least 1, got {entries}", param_hint="--entries")
    refuse_dataset_with_data(ctx, settings["data"])
    experiment = prepare(config_from(settings), plugin_registry(ctx))
    result = checks.gradcheck(experiment, after=after, entries=entries)
    if json_output:
        typer.echo(jsonfile.dumps(_as_json(experiment, result)))
    else:
        _render(experiment, result)
    if not result.passed:
        raise typer.Exit(EXIT_FAILED)


def _where(result: GradCheck) -> str:
    return "the initial parameters" if result.epoch == 0 else f"the parameters after {result.epoch} epochs"


def _render(experiment: Experiment, result: GradCheck) -> None:
    console = make_console()
    c = experiment.config
    data = c.dataset if c.data is None else shown(c.data)
    console.print(f"Checking the gradients of a {net_words(experiment.params.sizes, c.activation, c.output)}, "
                  f"{shown(c.loss)} loss{_regularised(c)}, on {data} ({len(experiment.x)} training "
                  f"points) at {_where(result)}, seed {c.seed}", soft_wrap=not console.is_terminal)
    table = Table(title="Each gradient's largest errors against central finite differences", title_justify="left")
    kinks = sum(array.kinks for array in result.arrays)
    headings = ["array", "layer", "shape", "checked", *(["kinks"] if kinks else []), "abs error", "rel error", "result"]
    for heading in headings:
        table.add_column(heading, justify="left" if heading in ("array", "result") else "right", no_wrap=True)
    for array in result.arrays:
        table.add_row(array.name, str(array.layer), "×".join(map(str, array.shape)), _entries(array),
                      *([str(array.kinks)] if kinks else []), _number(array.max_abs_error, array),
                      _number(array.max_rel_error, array), _result(array))
    console.print(table)
    notes = []
    if kinks:
        notes.append(f"{kinks} entr{'ies' if kinks > 1 else 'y'} left out at a kink of the loss (a relu-like unit "
                     "with a pre-activation within the step of 0: finite differences there average two slopes, "
                     "which backward need not give); --after N checks trained parameters, off the kinks")
    if c.dtype != "float64":
        notes.append(f"a {c.dtype} network, checked in float64: the check is of the derivative formulas")
    for note in notes:
        console.print(f"note: {note}", soft_wrap=not console.is_terminal)
    console.print(_rule(result), soft_wrap=not console.is_terminal)
    console.print(_verdict(result), soft_wrap=not console.is_terminal)


def _regularised(c: RunConfig) -> str:
    """The penalties and dropout the check includes, as the header's words (empty without them)."""
    words = [f"l2 {c.l2:g}"] if c.l2 else []
    words += [f"l1 {c.l1:g}"] if c.l1 else []
    words += [f"dropout {c.dropout:g} (one fixed set of masks, drawn from the seed)"] if c.dropout else []
    return "".join(f", {word}" for word in words)


def _entries(array: ArrayCheck) -> str:
    """How many entries were compared (those at kinks left out), and of how many when some were not drawn."""
    drawn = array.checked + array.kinks
    return f"{array.checked}" if drawn == array.size else f"{array.checked} of {array.size}"


def _number(value: float, array: ArrayCheck) -> str:
    return "-" if array.worst is None else f"{value:.2e}"


def _result(array: ArrayCheck) -> Text:
    if array.worst is None:
        return Text("skipped", style="yellow")  # every entry drawn sat at a kink
    return Text("pass", style="green") if array.passed else Text("FAIL", style="bold red")


def _rule(result: GradCheck) -> str:
    return (f"Tolerance: relative error |a - n| / max(|a|, |n|, {result.floor:g}·max(1, L)) at most "
            f"{result.tolerance:g}, a = backward's gradient, n = central differences with step "
            f"{result.step:g}·max(1, |p|), L = the loss, {result.loss:.4g}")


def _verdict(result: GradCheck) -> Text:
    if result.passed:
        largest = max(array.max_rel_error for array in result.arrays)
        skipped = [array.name for array in result.arrays if array.worst is None]
        unjudged = f"; {', '.join(skipped)} not judged, every entry at a kink" if skipped else ""
        return Text(f"PASS: every gradient matches finite differences (largest relative error {largest:.2e}"
                    f"{unjudged})", style="green")
    worst = max(result.failed, key=lambda array: array.max_rel_error)
    names = ", ".join(f"{array.name} (layer {array.layer})" for array in result.failed)
    index = ", ".join(map(str, worst.worst or ()))
    return Text(f"FAIL: {names} differ from finite differences; worst {worst.name}[{index}] of layer {worst.layer}: "
                f"backward gives {worst.analytic:.6g}, finite differences {worst.numerical:.6g} "
                f"(relative error {worst.max_rel_error:.2e})", style="bold red")


def _as_json(experiment: Experiment, result: GradCheck) -> dict:
    return {
        "passed": result.passed,
        "epoch": result.epoch,
        "settings": plain_settings(experiment.config),
        "sizes": list(experiment.params.sizes),
        "n_train": len(experiment.x),
        "relative_error": f"|a - n| / max(|a|, |n|, {result.floor:g} * max(1, loss))",
        "loss": result.loss,
        "tolerance": result.tolerance,
        "step": result.step,
        "entries": result.entries,
        "arrays": [{**array._asdict(), "shape": list(array.shape), "size": array.size,
                    "worst": None if array.worst is None else list(array.worst)} for array in result.arrays],
        "failed": [array.name for array in result.failed],
    }
