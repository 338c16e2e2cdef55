"""The README's benchmark figures, written from the results JSON, so no number in them is typed by hand.

    python docs/bench_tables.py                 rewrite the figures in README.md from benchmarks/results/latest.json
    python docs/bench_tables.py RESULTS.json    ... from another results file
    python docs/bench_tables.py --check         exit 1, naming the blocks, if README.md is not what this writes

A block sits between ``<!-- bench: NAME -->`` and ``<!-- /bench -->``; NAME is
one of :data:`BLOCKS`. The results come from a full ``python -m benchmarks``
(the JSON's structure is made by ``benchmarks/*.py``); a smoke run, or one
with ``--only``, is refused, since it would replace the figures with
meaningless or missing ones.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
SOURCE = "benchmarks/results/latest.json"
RESULTS = REPO / SOURCE
NEEDED = ("tiny", "scale", "sweep", "startup", "mnist")
_BLOCK = re.compile(r"(<!-- bench: (\w+) -->\n)(.*?)(<!-- /bench -->)", re.S)

sys.path.insert(0, str(REPO))  # run as a script from anywhere, the benchmarks package is the repository's
from benchmarks.harness import ENGINE_LABELS  # noqa: E402  (one set of display names for the report and README)


class ResultsError(Exception):
    """The results file cannot give the README's figures (missing, a smoke run, a partial run)."""


def load(path: Path = RESULTS) -> dict:
    """The results of a full benchmark run, or :class:`ResultsError` saying why they are not."""
    try:
        results = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ResultsError(f"cannot read {path}: {error}") from None
    if results.get("smoke"):
        raise ResultsError(f"{path} is a smoke run, whose numbers mean nothing: run python -m benchmarks")
    missing = [name for name in NEEDED if name not in results.get("benchmarks", {})]
    if missing:
        raise ResultsError(f"{path} has no {', '.join(missing)} results (a run with --only?): "
                           "run python -m benchmarks in full")
    return results


def latest(results: dict, source: str) -> str:
    """One sentence: when, where, with what and at which commit the figures were measured."""
    m = results["machine"]
    day = datetime.fromisoformat(m["date"])
    torch = f"PyTorch {m['torch']}" if m["torch"] else "no PyTorch"
    threads = "one BLAS thread" if m["blas_threads"] == "1" else f"BLAS threads: {m['blas_threads']}"
    commit = f"at commit `{m['git_commit'][:7]}`" if m["git_commit"] else "outside a git checkout"
    if m.get("fnn_uncommitted_changes"):
        commit += " with uncommitted changes to fnn"
    return (f"**Latest figures**, measured on {day.day} {day:%B %Y} on {m['cpu']}, {m['cores']} cores "
            f"({m['platform']}), Python {m['python']}, NumPy {m['numpy']} ({m['blas']}, {threads}), {torch}, "
            f"fnn {m['fnn']}, by the full run {commit}, whose raw data is in `{source}`.\n\n")


def targets(results: dict) -> str:
    """Every benchmark's targets, then its correctness guards, as the benchmark modules name them."""
    lines = ["| target | measured | goal | met |", "|---|---:|---|---|"]
    for t in _records(results, "targets"):
        measured = "not measured" if t["measured"] is None else _number(t["measured"]) + _unit(t["unit"])
        goal = {">=": "at least", "<": "under"}[t["op"]] + f" {t['goal']:g}{_unit(t['unit'])}"
        lines.append(f"| {_cell(t['name'])} | {measured} | {goal} | {_yes(t['met'])} |")
    lines += ["", "| correctness guard | value | tolerance | passed |", "|---|---:|---:|---|"]
    for g in _records(results, "guards"):
        lines.append(f"| {_cell(g['name'])} | {g['value']:.2g} | {g['tolerance']:g} | {_yes(g['passed'])} |")
    return "\n".join(lines) + "\n\n"


def tiny(results: dict) -> str:
    """Epochs per second of fnn and each baseline on the tiny nets."""
    result = results["benchmarks"]["tiny"]
    lines = ["| set | engine | epochs/s | µs per epoch | fnn's speed-up |", "|---|---|---:|---:|---:|"]
    for dataset, row in result["datasets"].items():
        for engine, values in row["engines"].items():
            rate = values["epochs_per_second"]
            speedup = "" if engine == "fnn" else f"{_number(values['fnn_speedup']['median'])}x"
            lines.append(f"| {dataset} ({row['points']} points) | {ENGINE_LABELS[engine]} | {_number(rate)} "
                         f"| {_number(1e6 / rate)} | {speedup} |")
    sizes = "-".join(map(str, next(iter(result["datasets"].values()))["sizes"]))
    return ("\n".join(lines) + f"\n\n{sizes}, median of {result['rounds']} interleaved rounds of "
            f"{result['epochs']:,} epochs; fnn's speed-up is the engine's time over fnn's (above 1, fnn is faster)."
            "\n\n")


def optimizers(results: dict) -> str:
    """fnn's cost per epoch on xor with each built-in optimizer (table 1b)."""
    result = results["benchmarks"]["tiny"]
    lines = ["| optimizer | µs per epoch | time over sgd's |", "|---|---:|---:|"]
    for name, values in result["optimizers"].items():
        lines.append(f"| {name} | {_number(values['microseconds_per_epoch'])} | {_number(values['over_sgd'])}x |")
    return ("\n".join(lines) + f"\n\nTable 1b: fnn on xor with each built-in optimizer at its default learning rate, "
            f"{result['optimizer_epochs']:,} epochs, median of {result['rounds']} interleaved rounds.\n\n")


def scale(results: dict) -> str:
    """Seconds per epoch (median) and peak memory by size and engine, with the slopes and the largest size's range."""
    result = results["benchmarks"]["scale"]
    engines = list(result["points"][0]["engines"])
    lines = ["| points | " + " | ".join(ENGINE_LABELS[e] for e in engines) + " |",
             "|---:|" + "---:|" * len(engines)]
    for point in result["points"]:
        cells = [_cell_time_memory(point["engines"].get(e)) for e in engines]
        lines.append(f"| 10^{round(math.log10(point['n']))} | " + " | ".join(cells) + " |")
    largest = result["points"][-1]
    ranges = ", ".join(f"{ENGINE_LABELS[e]} {_seconds(v['seconds_per_epoch']['min'])} to "
                       f"{_seconds(v['seconds_per_epoch']['max'])}" for e, v in largest["engines"].items())
    slopes = ", ".join(f"{ENGINE_LABELS[e]} {s['top_decade_fastest']:.2f} ({s['top_decade']:.2f})"
                       for e, s in result["slopes"].items())
    sizes, net = result["sizes"], "-".join(map(str, [2, *result["hidden"], 1]))
    return ("\n".join(lines) + f"\n\nSeconds per epoch (median) and peak memory, {net}, float64 unless said. "
            f"Per epoch at {largest['n']:,} points the rounds ranged over: {ranges}. Log-log slope of time "
            f"against n from {sizes[-2]:,} to {sizes[-1]:,} points between each size's fastest rounds (the "
            f"medians' in brackets): {slopes}.\n\n")


def mnist(results: dict) -> str:
    """One epoch of the MNIST-shaped classifier by engine, and where fnn's epoch goes."""
    result = results["benchmarks"]["mnist"]
    lines = ["| engine | s per epoch (range) | fnn's speed-up | peak memory | final loss |",
             "|---|---:|---:|---:|---:|"]
    for engine, values in result["engines"].items():
        seconds, loss = values["seconds"], values["final_loss"]
        speedup = "" if engine == "fnn" else f"{_number(values['fnn_speedup']['median'])}x"
        memory = "-" if engine == "products" else _memory(values["peak_memory_mb"])
        lines.append(f"| {ENGINE_LABELS[engine]} | {_seconds(seconds['median'])} ({_seconds(seconds['min'])} to "
                     f"{_seconds(seconds['max'])}) | {speedup} | {memory} | {'-' if loss is None else _number(loss)} |")
    lines += ["", "| where fnn's epoch goes | share |", "|---|---:|"]
    lines += [f"| {what} | {share:.0%} |" for what, share in result["profile"].items()]
    net = "-".join(map(str, result["sizes"]))
    return ("\n".join(lines) + f"\n\n{result['points']:,} points, {net} (relu, softmax, cross_entropy), float32, adam "
            f"at learning rate {result['learning_rate']:g}, mini-batches of {result['batch_size']}, one epoch, median "
            f"of {result['rounds']} interleaved rounds; the initial loss is {_number(result['initial_loss'])}. "
            "fnn's speed-up is the engine's time over fnn's (above 1, fnn is faster); the shares are of one "
            "epoch under cProfile.\n\n")


BLOCKS: dict[str, Callable[..., str]] = {
    "latest": latest, "targets": targets, "tiny": tiny, "optimizers": optimizers, "scale": scale, "mnist": mnist}
"""What each README block shows, by its name in the block's opening marker."""


def block(name: str, results: dict, source: str = SOURCE) -> str:
    """The text between one block's markers."""
    if name == "latest":
        return latest(results, source)
    return BLOCKS[name](results)


def rewritten(text: str, results: dict, source: str = SOURCE) -> str:
    """``text`` (the README) with every benchmark block as :func:`block` writes it."""
    return _BLOCK.sub(lambda m: m.group(1) + block(m.group(2), results, source) + m.group(4), text)


def stale(text: str, results: dict, source: str = SOURCE) -> list[str]:
    """The names of the blocks in ``text`` that differ from what :func:`block` writes."""
    return [m.group(2) for m in _BLOCK.finditer(text) if m.group(3) != block(m.group(2), results, source)]


def _records(results: dict, kind: str) -> list[dict]:
    return [record for result in results["benchmarks"].values() for record in result[kind]]


def _number(value: float) -> str:
    """Three significant digits, never in exponent form, with thousands separators: 39,900, 1.39, 0.0825."""
    if value == 0:
        return "0"
    decimals = 2 - math.floor(math.log10(abs(value)))
    return f"{round(value, decimals):,.{max(decimals, 0)}f}"


def _seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{_number(seconds)} s"
    return f"{_number(seconds * 1e3)} ms" if seconds >= 1e-3 else f"{_number(seconds * 1e6)} µs"


def _memory(mib: float | None) -> str:
    if mib is None:
        return "not measured"
    return f"{_number(mib / 1024)} GiB" if mib >= 1024 else f"{_number(mib)} MiB"


def _cell_time_memory(values: dict | None) -> str:
    if values is None:
        return "-"
    return f"{_seconds(values['seconds_per_epoch']['median'])}, {_memory(values['peak_memory_mb'])}"


def _unit(unit: str) -> str:
    return f" {unit}" if unit == "s" else unit


def _yes(flag: bool | None) -> str:
    return {True: "yes", False: "no", None: "-"}[flag]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python docs/bench_tables.py", description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", type=Path, default=RESULTS,
                        help="a full run's JSON (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is not what this would write")
    args = parser.parse_args(argv)
    try:
        results = load(args.results)
    except ResultsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    path = args.results.resolve()
    source = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
    text = README.read_text()
    if args.check:
        out_of_date = stale(text, results, source)
        if out_of_date:
            print(f"README.md: the benchmark blocks {', '.join(out_of_date)} are out of date; "
                  "run python docs/bench_tables.py")
            return 1
        return 0
    README.write_text(rewritten(text, results, source))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
