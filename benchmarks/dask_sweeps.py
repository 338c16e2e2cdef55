"""Benchmark: a sweep of 32 configurations that cannot stack, serially, in the local pool and on a local Dask cluster.

    python -m benchmarks.dask_sweeps            measure (a few minutes; needs pip install "fnn[dask]"), store
                                                benchmarks/results/dask.json and rewrite the README's table
    python -m benchmarks.dask_sweeps --smoke    tiny sizes, to check that the code runs (writes nothing)
    python -m benchmarks.dask_sweeps --table    only rewrite the README's table from the stored results
    python -m benchmarks.dask_sweeps --check    exit 1 if README.md is not what --table would write

Eight hidden layouts by four activations: no two configurations stack, so the
sweep is 32 tasks of one run each, and only parallelism can make it faster.
What is timed, as ``fnn sweep`` runs it: ``serial`` is ``run_sweep(configs)``
in this process; ``pool`` the local process pool of 2 workers, starting its
processes each time; ``dask`` a ``local:2`` cluster, started, used and closed
(``dask_executor("local:2")``); ``dask_warm`` the same sweep on a cluster
already running, so that ``dask - dask_warm`` is the cluster's start-up and
closing. Per-task overhead: the same grid at 1 epoch (the training costs next
to nothing), on the warm cluster and in the pool. Not in ``python -m
benchmarks`` (which needs nothing beyond fnn); the harness is the same.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from . import BLAS_PINNED  # noqa: F401  (first: one BLAS thread, before NumPy loads)
from .harness import REPO, interleave, machine, speedup, target

NAME = "dask"
HIDDEN = ((2,), (4,), (8,), (16,), (2, 2), (4, 4), (8, 8), (16, 16))
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
EPOCHS, SMOKE_EPOCHS = 3_000, 20
ROUNDS, SMOKE_ROUNDS = 3, 1
WORKERS = 2
GOAL_PARALLEL, GOAL_DASK = 1.7, 0.9
SOURCE = "benchmarks/results/dask.json"
RESULTS = REPO / SOURCE
README = REPO / "README.md"
_BLOCK = re.compile(r"(<!-- bench-dask -->\n)(.*?)(<!-- /bench-dask -->)", re.S)


def measure(smoke: bool) -> dict:
    """Time the four ways against each other, interleaved; their final losses must be equal."""
    from fnn.runs.dask_executor import dask_executor
    from fnn.runs.sweep import grid, run_sweep

    epochs, rounds = (SMOKE_EPOCHS, SMOKE_ROUNDS) if smoke else (EPOCHS, ROUNDS)
    configs = grid(hidden=HIDDEN, activation=ACTIVATIONS, epochs=[epochs])
    tiny = grid(hidden=HIDDEN, activation=ACTIVATIONS, epochs=[1])

    def on_dask(sweep):
        with dask_executor(f"local:{WORKERS}") as executor:
            return run_sweep(sweep, executor=executor)

    with dask_executor(f"local:{WORKERS}") as warm:
        measured = interleave({
            "serial": lambda: run_sweep(configs),
            "pool": lambda: run_sweep(configs, workers=WORKERS),
            "dask": lambda: on_dask(configs),
            "dask_warm": lambda: run_sweep(configs, executor=warm),
        }, rounds, warmups={"serial": lambda: run_sweep(tiny), "pool": lambda: run_sweep(tiny, workers=WORKERS),
                            "dask": lambda: on_dask(tiny), "dask_warm": lambda: run_sweep(tiny, executor=warm)})
        per_task = interleave({"pool_1_epoch": lambda: run_sweep(tiny, workers=WORKERS),
                               "dask_warm_1_epoch": lambda: run_sweep(tiny, executor=warm)}, rounds)
    losses = {name: [run.summary["final_loss"] for run in runs] for name, runs in measured.results.items()}
    t = {**measured.timings, **per_task.timings}
    pool, dask = speedup(t["pool"], t["serial"]), speedup(t["dask"], t["serial"])
    dask_vs_pool = speedup(t["dask"], t["pool"])
    return {
        "configurations": len(configs), "epochs": epochs, "workers": WORKERS, "rounds": rounds,
        "seconds": {name: timing.as_dict() for name, timing in t.items()},
        "pool_speedup": pool, "dask_speedup": dask, "dask_vs_pool": dask_vs_pool,
        "dask_start_and_close_seconds": t["dask"].median - t["dask_warm"].median,
        "per_task_seconds": {"pool": t["pool_1_epoch"].median / len(tiny),
                             "dask_warm": t["dask_warm_1_epoch"].median / len(tiny)},
        "identical_losses": all(losses[name] == losses["serial"] for name in losses),
        "targets": [target(f"pool of {WORKERS} vs serial", pool["median"], ">=", GOAL_PARALLEL),
                    target(f"local:{WORKERS} Dask cluster vs serial", dask["median"], ">=", GOAL_PARALLEL),
                    target("Dask vs the pool (time of the pool / of Dask)", dask_vs_pool["median"], ">=", GOAL_DASK)],
    }


def table(results: dict) -> str:
    """The README's table and the sentence under it, from a full run's results."""
    from docs.bench_tables import _number, _seconds

    r, m = results["benchmark"], results["machine"]
    s = r["seconds"]
    rows = [("serial, this process", "serial", None),
            (f"local process pool, {r['workers']} workers", "pool", r["pool_speedup"]),
            (f"Dask `local:{r['workers']}` (started and closed)", "dask", r["dask_speedup"]),
            ("Dask, cluster already running", "dask_warm", None)]
    lines = ["| how | median time | range | vs serial |", "|---|---:|---:|---:|"]
    for label, key, ratio in rows:
        ratio = ratio or {"median": s["serial"]["median"] / s[key]["median"]}
        lines.append(f"| {label} | {_seconds(s[key]['median'])} | {_seconds(s[key]['min'])} to "
                     f"{_seconds(s[key]['max'])} | {_number(ratio['median'])}x |")
    per_task = r["per_task_seconds"]
    hidden = ", ".join("-".join(map(str, h)) for h in HIDDEN)
    hidden = ", ".join("-".join(map(str, h)) for h in HIDDEN)
    ratio = _number(1 / r["dask_vs_pool"]["median"])
    start, commit = _seconds(r["dask_start_and_close_seconds"]), (m["git_commit"] or "")[:7]
    lines += ["", f"{r['configurations']} configurations of the xor net that cannot stack (hidden {hidden} by "
              f"{', '.join(ACTIVATIONS)}), {r['epochs']:,} epochs each, median of {r['rounds']} interleaved rounds. "
              f"Dask took {ratio} times the pool's time; starting and closing the cluster {start} of it; each task's "
              f"own overhead (the grid at 1 epoch, over 32 tasks) {_seconds(per_task['dask_warm'])} on a running "
              f"cluster against {_seconds(per_task['pool'])} in the pool (which starts its processes too). Losses "
              f"identical in all four: {'yes' if r['identical_losses'] else 'no'}. Measured with `python -m "
              f"benchmarks.dask_sweeps` on {m['date'][:10]}, {m['cpu']}, {m['cores']} cores, load average "
              f"{results['load']:.1f} at the start (a shared machine), fnn at commit `{commit}`; raw numbers in "
              f"`{SOURCE}`.", ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dask_sweeps", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; prints the results and writes nothing")
    parser.add_argument("--table", action="store_true", help="only rewrite the README's table from " + SOURCE)
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is not what --table writes")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))  # docs.bench_tables, for the README's number formats
    if not (args.table or args.check):
        import os

        load = os.getloadavg()[0]
        results = {"machine": machine(), "load": load, "benchmark": measure(args.smoke)}
        print(json.dumps(results["benchmark"], indent=2))
        if args.smoke:
            return 0
        RESULTS.write_text(json.dumps(results, indent=2, allow_nan=False) + "\n")
    results = json.loads(RESULTS.read_text())
    text = README.read_text()
    new = _BLOCK.sub(lambda match: match.group(1) + table(results) + match.group(3), text)
    if args.check:
        if new != text:
            print("README.md: the Dask benchmark table is out of date; run python -m benchmarks.dask_sweeps --table")
            return 1
        return 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
