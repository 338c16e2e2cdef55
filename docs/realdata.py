"""The README's real-data comparison: fnn against scikit-learn's MLPClassifier on the same arrays and settings.

    python docs/realdata.py            train both on each set (about 5 minutes; needs scikit-learn and
                                       plugins/fnn-sklearn), store the results in benchmarks/results/realdata.json
                                       and rewrite the README's table from them
    python docs/realdata.py --table    only rewrite the README's table from the stored results
    python docs/realdata.py --check    exit 1 if README.md is not what --table would write

For each set and seed, ``fnn.fit`` splits (stratified, :data:`TEST_SPLIT` of
each class held out) and standardizes the set (from the training part only);
MLPClassifier then trains on that run's own ``x`` and tests on its
``x_test``, so both see the same points. The settings (:data:`SETTINGS`) are
equal: hidden sizes, activation, adam with the same learning rate, betas and
epsilon, no L2 (``alpha=0``), every epoch run (``tol=0``, no early stopping),
the same batch size with the points reshuffled every epoch. The output and
loss are scikit-learn's: softmax and cross-entropy for several classes, one
sigmoid and binary cross-entropy for two. What differs is each library's own
random numbers (initial weights, batch order) and the initial biases (see the
README). Time per epoch is each library's training time over the epochs: fnn's
``FitResult.seconds`` (which includes scoring the training and test points
after each epoch), MLPClassifier's ``fit``; BLAS runs on one thread, and the
two alternate which goes first, seed by seed.

The table sits between ``<!-- realdata -->`` and ``<!-- /realdata -->``; the
prose after it quotes some of its numbers: read it again after a new measurement.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import statistics
import sys
import time
import warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
sys.path[:0] = [str(REPO), str(DOCS)]  # run as a script from anywhere: the repository's benchmarks and docs
import benchmarks  # noqa: E402, F401  (first: pins BLAS to one thread before NumPy loads it)
from bench_tables import _number  # noqa: E402  (one way to write a measured number)
from benchmarks.harness import machine  # noqa: E402

import fnn  # noqa: E402

README = REPO / "README.md"
SOURCE = "benchmarks/results/realdata.json"
RESULTS = REPO / SOURCE
SETS = ("iris", "wine", "breast_cancer", "digits")
SEEDS = tuple(range(10))
TEST_SPLIT = 0.3
SETTINGS = {"hidden": [100], "activation": "relu", "learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
            "epochs": 200, "batch_size": 32}
"""What both libraries are given: scikit-learn's defaults but for the batch size (32 rather than 200, which
would be one full batch on iris and wine) and alpha (0 rather than 1e-4: fnn's --l2 is also 0)."""
_BLOCK = re.compile(r"(<!-- realdata -->\n)(.*?)(<!-- /realdata -->)", re.S)


@functools.cache
def _registry() -> fnn.Registry:
    """fnn's built-ins and the fnn-sklearn plugin's data sets, whatever other plugins are installed."""
    import fnn_sklearn.datasets

    return fnn.make_registry([fnn_sklearn.datasets], entry_points=False)


def measure(name: str, seed: int, sklearn_first: bool) -> dict:
    """One seed of one set: each library's test accuracy and seconds per epoch."""
    registry = _registry()
    config = _config(name, seed)
    experiment = fnn.prepare(config, registry)  # the points both train on (fnn.fit makes the same again)
    if sklearn_first:
        sklearn = _sklearn(experiment, seed)
        result = fnn.fit(config, registry)
    else:
        result = fnn.fit(config, registry)
        sklearn = _sklearn(experiment, seed)
    assert (result.experiment.x == experiment.x).all(), "fnn.fit trained on other points than fnn.prepare gave"
    return {"seed": seed, "fnn_accuracy": result.final.test_accuracy, "sklearn_accuracy": sklearn["accuracy"],
            "fnn_seconds_per_epoch": result.seconds / result.epochs_trained,
            "sklearn_seconds_per_epoch": sklearn["seconds_per_epoch"]}


def _config(name: str, seed: int) -> fnn.RunConfig:
    """fnn's run of ``name`` with :data:`SETTINGS`; for two classes, MLPClassifier's sigmoid output and log-loss
    (fnn's binary default loss is mse)."""
    s = SETTINGS
    binary = _registry().dataset(name).task == "binary"
    return fnn.RunConfig(dataset=name, seed=seed, test_split=TEST_SPLIT, standardize=True,
                         hidden=tuple(s["hidden"]), activation=s["activation"], optimizer="adam",
                         learning_rate=s["learning_rate"], options={k: s[k] for k in ("beta1", "beta2", "eps")},
                         epochs=s["epochs"], batch_size=s["batch_size"],
                         **({"output": "sigmoid", "loss": "bce"} if binary else {}))


def _sklearn(experiment, seed: int) -> dict:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    from fnn.core.tasks import class_indices

    s = SETTINGS
    model = MLPClassifier(hidden_layer_sizes=tuple(s["hidden"]), activation=s["activation"], solver="adam",
                          alpha=0.0, batch_size=s["batch_size"], learning_rate_init=s["learning_rate"],
                          beta_1=s["beta1"], beta_2=s["beta2"], epsilon=s["eps"], max_iter=s["epochs"],
                          shuffle=True, tol=0.0, n_iter_no_change=s["epochs"] + 1, early_stopping=False,
                          random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # every epoch is run on purpose
        start = time.perf_counter()
        model.fit(experiment.x, class_indices(experiment.y))
        seconds = time.perf_counter() - start
    accuracy = float((model.predict(experiment.x_test) == class_indices(experiment.y_test)).mean())
    return {"accuracy": accuracy, "seconds_per_epoch": seconds / model.n_iter_}


def measure_all() -> dict:
    """Every set and seed, with where they were measured."""
    sets = {}
    for name in SETS:
        print(f"measuring {name}", file=sys.stderr)
        runs = [measure(name, seed, sklearn_first=seed % 2 == 1) for seed in SEEDS]
        experiment = fnn.prepare(_config(name, 0), _registry())  # the split's sizes, the same for every seed
        sets[name] = {"train": len(experiment.x), "test": len(experiment.x_test), "features": experiment.x.shape[1],
                      "classes": len(experiment.classes), "runs": runs}
    return {"machine": machine(), "settings": SETTINGS, "test_split": TEST_SPLIT, "sets": sets}


def summary(result: dict) -> dict:
    """One set's means and medians over its seeds."""
    runs = result["runs"]
    fnn_acc = statistics.mean(r["fnn_accuracy"] for r in runs)
    sk_acc = statistics.mean(r["sklearn_accuracy"] for r in runs)
    ratios = [r["sklearn_seconds_per_epoch"] / r["fnn_seconds_per_epoch"] for r in runs]
    fnn_time = statistics.median(r["fnn_seconds_per_epoch"] for r in runs)
    sk_time = statistics.median(r["sklearn_seconds_per_epoch"] for r in runs)
    return {"fnn": fnn_acc, "sklearn": sk_acc, "difference": 100 * (fnn_acc - sk_acc),
            "fnn_time": fnn_time, "sklearn_time": sk_time, "speedup": sk_time / fnn_time,
            "speedups": (min(ratios), max(ratios))}


def table(results: dict) -> str:
    """The text between the README's markers."""
    lines = ["| set | train / test points | classes | fnn test accuracy | MLPClassifier | difference (points) "
             "| fnn ms per epoch | MLPClassifier | fnn's speed-up |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    within = faster = 0
    for name, result in results["sets"].items():
        s = summary(result)
        within += abs(s["difference"]) <= 1
        faster += s["speedup"] > 1
        lines.append(f"| {name} | {result['train']} / {result['test']} | {result['classes']} | {100 * s['fnn']:.1f}% "
                     f"| {100 * s['sklearn']:.1f}% | {s['difference']:+.1f} | {_number(1e3 * s['fnn_time'])} "
                     f"| {_number(1e3 * s['sklearn_time'])} | {_number(s['speedup'])}x "
                     f"({_number(s['speedups'][0])} to {_number(s['speedups'][1])}) |")
    st, m, n = results["settings"], results["machine"], len(results["sets"])
    seeds = len(next(iter(results["sets"].values()))["runs"])
    net = f"{'-'.join(map(str, st['hidden']))} hidden units ({st['activation']})"
    threads = "one BLAS thread" if m["blas_threads"] == "1" else f"BLAS threads: {m['blas_threads']}"
    commit = f"commit `{m['git_commit'][:7]}`" if m["git_commit"] else "no git checkout"
    return ("\n".join(lines) + f"\n\nMean test accuracy over seeds 0 to {seeds - 1} (each seed its own split, "
            f"{results['test_split']:.0%} of each class held out, standardized from the training part), the "
            f"difference in points (fnn's minus MLPClassifier's), and the median training time per epoch; "
            f"fnn's speed-up is MLPClassifier's time over fnn's (the ratio of the medians; in brackets, the range of "
            f"the seeds' ratios). Both: {net}, adam at learning rate "
            f"{st['learning_rate']:g} (betas {st['beta1']:g}, {st['beta2']:g}, epsilon {st['eps']:g}), no L2, "
            f"{st['epochs']} epochs of mini-batches of {st['batch_size']}. fnn is within one point on {within} of "
            f"the {n} sets and faster on {faster} of them. Measured with `python docs/realdata.py` on "
            f"{m['date'][:10]}, {m['cpu']}, {threads}, fnn {m['fnn']} at {commit}; "
            f"the raw numbers are in `{SOURCE}`.\n\n")


def rewritten(text: str, results: dict) -> str:
    """``text`` (the README) with its real-data block as :func:`table` writes it."""
    if not _BLOCK.search(text):
        raise SystemExit("README.md has no <!-- realdata --> block")
    return _BLOCK.sub(lambda m: m.group(1) + table(results) + m.group(3), text)


def load(path: Path = RESULTS) -> dict:
    return json.loads(path.read_text())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python docs/realdata.py", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--table", action="store_true", help="only rewrite the README's table from the stored results")
    mode.add_argument("--check", action="store_true", help="exit 1 if README.md is not what --table would write")
    args = parser.parse_args(argv)
    text = README.read_text()
    if args.check:
        if rewritten(text, load()) != text:
            print("README.md: the real-data table is out of date; run python docs/realdata.py --table")
            return 1
        return 0
    if not args.table:
        RESULTS.write_text(json.dumps(measure_all(), indent=1) + "\n")
    README.write_text(rewritten(text, load()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
