"""Rich tables of the results, drawn from the same JSON-ready dicts that are written to the file."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table

from .harness import ENGINE_LABELS


def print_report(console: Console, results: dict) -> None:
    """Every benchmark's table with its notes, then the targets and the correctness guards."""
    m = results["machine"]
    console.print(f"[bold]fnn benchmarks[/bold]{' (smoke)' if results['smoke'] else ''}: "
                  f"{m['cpu']}, {m['cores']} cores, "
                  f"Python {m['python']}, NumPy {m['numpy']} ({m['blas']}, {m['blas_threads']} BLAS thread), "
                  f"torch {m['torch'] or 'not installed'}, commit {str(m['git_commit'])[:10]}, {m['date']}",
                  soft_wrap=True)
    for name, result in results["benchmarks"].items():
        console.print(RENDERERS[name](result))
        for note in result["notes"]:
            console.print(f"  note: {note}", soft_wrap=True)
    console.print(_targets(results))
    console.print(_guards(results))


SPEEDUP_NOTE = ("fnn speed-up: the engine's time over fnn's (float64), median and range of the per-round ratios; "
                "above 1, fnn is faster.")


def _ratio(speedup: dict) -> str:
    return f"{speedup['median']:.2f}x ({speedup['min']:.2f}-{speedup['max']:.2f})"


def _seconds(seconds: dict) -> str:
    return f"{seconds['median']:.3g} ({seconds['min']:.3g}-{seconds['max']:.3g})"


def _table(title: str, *columns: str) -> Table:
    """A table whose first text columns are left-aligned and the numbers right-aligned."""
    table = Table(title=title)
    for column in columns:
        text = column in ("set", "engine", "optimizer", "how", "command", "check", "target", "what")
        table.add_column(column, justify="left" if text else "right")
    return table


def _rounds(result: dict) -> str:
    """How the table's times were taken; a smoke run has a single round, whose time is itself."""
    rounds = result["rounds"]
    return f"median of {rounds} interleaved rounds" if rounds > 1 else "one round"


def _tiny(result: dict) -> Group:
    epochs = result["epochs"]
    table = _table(f"1. Tiny nets: 2-4-8-1 sigmoid, MSE, SGD lr 1.0, {epochs:,} epochs, "
                   + _rounds(result), "set", "engine", "epochs/s (range)",
                   "fnn speed-up", "final loss")
    for dataset, row in result["datasets"].items():
        for engine, values in row["engines"].items():
            seconds = values["seconds"]
            rate = f"{values['epochs_per_second']:,.0f} ({epochs / seconds['max']:,.0f}-{epochs / seconds['min']:,.0f})"
            table.add_row(f"{dataset} ({row['points']})", ENGINE_LABELS[engine], rate,
                          "" if engine == "fnn" else _ratio(values["fnn_speedup"]), f"{values['final_loss']:.10g}")
    table.caption = SPEEDUP_NOTE
    costs = _table(f"1b. fnn on xor by optimizer (default learning rate), {result['optimizer_epochs']:,} epochs",
                   "optimizer", "µs/epoch (range)", "time over sgd's")
    for name, values in result["optimizers"].items():
        per_epoch = {key: value / result["optimizer_epochs"] * 1e6 for key, value in values["seconds"].items()
                     if key != "samples"}
        costs.add_row(name, _seconds(per_epoch), f"{values['over_sgd']:.2f}x")
    return Group(table, costs)


def _scale(result: dict) -> Table:
    table = _table(f"2. Scale: linear data, 2-{'-'.join(map(str, result['hidden']))}-1 sigmoid, MSE, SGD",
                   "n", "epochs", "engine", "s/epoch (range)", "fnn speed-up", "peak MB")
    for point in result["points"]:
        for engine, values in point["engines"].items():
            memory = values["peak_memory_mb"]
            table.add_row(f"{point['n']:,}", str(point["epochs"]), ENGINE_LABELS[engine],
                          _seconds(values["seconds_per_epoch"]),
                          "" if engine == "fnn" else _ratio(values["fnn_speedup"]),
                          "-" if memory is None else f"{memory:,.1f}")
    slopes = ", ".join(
        f"{ENGINE_LABELS[e]} {s['all_sizes']:.2f} / {s['top_decade']:.2f} / {s['top_decade_fastest']:.2f}"
        for e, s in result["slopes"].items())
    table.caption = (f"{SPEEDUP_NOTE}\nLog-log slope of s/epoch against n (medians over all sizes / medians over the "
                     f"top decade / fastest rounds over the top decade): {slopes}.")
    return table


def _sweep(result: dict) -> Table:
    table = _table(f"3. Sweeps: {result['configurations']} xor configurations ({len(result['learning_rates'])} "
                   f"learning rates x {len(result['seeds'])} seeds), {result['epochs']:,} epochs each",
                   "how", "total s (range)", "s per configuration")
    for name, seconds in result["seconds"].items():
        table.add_row(name, _seconds(seconds), f"{seconds['median'] / result['configurations']:.3g}")
    table.caption = (f"The sweep is {_ratio(result['speedup'])} faster; "
                     f"max |final loss difference| {result['max_loss_difference']:.3g}.")
    return table


def _startup(result: dict) -> Table:
    table = _table(f"4. Start-up: wall time of a fresh process ({result['fnn']})", "command", "s (range)")
    for name, seconds in result["seconds"].items():
        table.add_row(name, _seconds(seconds))
    return table


def _mnist(result: dict) -> Group:
    net = "-".join(map(str, result["sizes"]))
    table = _table(f"5. MNIST-shaped: {result['points']:,} points, {net} relu, softmax, cross_entropy, float32, "
                   f"adam lr {result['learning_rate']:g}, batches of {result['batch_size']}, one epoch, "
                   + _rounds(result), "engine", "s/epoch (range)", "fnn speed-up", "peak MB",
                   "final loss")
    for engine, values in result["engines"].items():
        memory, loss = values["peak_memory_mb"], values["final_loss"]
        table.add_row(ENGINE_LABELS[engine], _seconds(values["seconds"]),
                      "" if engine == "fnn" else _ratio(values["fnn_speedup"]),
                      "-" if memory is None else f"{memory:,.1f}", "-" if loss is None else f"{loss:.6g}")
    table.caption = (f"fnn speed-up: the engine's time over fnn's, median and range of the per-round ratios; above 1, "
                     f"fnn is faster. Initial loss {result['initial_loss']:.6g}.")
    shares = _table("5b. Where fnn's epoch goes (cProfile of one epoch)", "what", "share")
    for what, share in result["profile"].items():
        shares.add_row(what, f"{share:.1%}")
    return Group(table, shares)


def _targets(results: dict) -> Table:
    table = _table("Targets (the issues' performance budgets)", "target", "goal", "measured", "met")
    for record in (t for result in results["benchmarks"].values() for t in result["targets"]):
        measured = "not measured" if record["measured"] is None else f"{record['measured']:.3g}{record['unit']}"
        met = {True: "[green]met[/green]", False: "[red]not met[/red]", None: "-"}[record["met"]]
        table.add_row(record["name"], f"{record['op']} {record['goal']:g}{record['unit']}", measured, met)
    return table


def _guards(results: dict) -> Table:
    table = _table("Correctness guards", "check", "value", "tolerance", "passed")
    for record in (g for result in results["benchmarks"].values() for g in result["guards"]):
        passed = "[green]yes[/green]" if record["passed"] else "[red]NO[/red]"
        table.add_row(record["name"], f"{record['value']:.3g}", f"{record['tolerance']:g}", passed)
    return table


RENDERERS = {"tiny": _tiny, "scale": _scale, "sweep": _sweep, "startup": _startup, "mnist": _mnist}
