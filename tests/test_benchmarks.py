"""The benchmark suite runs end to end in smoke mode, so it cannot rot.

It runs as ``python -m benchmarks`` in a fresh process, as documented: the
benchmarks pin BLAS to one thread before NumPy loads, which this test process
has already done. Only completion, the JSON file and the correctness guards
are checked; the timings and targets are not (benchmarks are not tests).
The timeouts only catch a hang: a smoke run takes seconds on an idle machine,
but a shared 2-core machine under load has taken minutes.
"""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = ("tiny", "scale", "sweep", "startup", "mnist")
HANG = 900  # seconds


def test_the_smoke_run_completes_writes_every_benchmark_and_passes_its_guards(tmp_path):
    output = tmp_path / "results.json"
    completed = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke", "--output", str(output)],
                               cwd=REPO, capture_output=True, text=True, timeout=HANG)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    results = json.loads(output.read_text())
    assert results["smoke"] is True
    assert {"cpu", "cores", "python", "numpy", "blas_threads", "date", "git_commit"} <= set(results["machine"])
    assert tuple(results["benchmarks"]) == BENCHMARKS
    guards = [g for result in results["benchmarks"].values() for g in result["guards"]]
    assert guards and all(g["passed"] for g in guards), guards
    targets = [t for result in results["benchmarks"].values() for t in result["targets"]]
    assert {t["met"] for t in targets} <= {True, False, None}
    assert "Correctness guards" in completed.stdout and "Targets" in completed.stdout
    costs = results["benchmarks"]["tiny"]["optimizers"]
    assert set(costs) == {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}
    assert all(row["microseconds_per_epoch"] > 0 for row in costs.values()) and costs["sgd"]["over_sgd"] == 1.0
    slopes = results["benchmarks"]["scale"]["slopes"]["fnn"]
    assert set(slopes) == {"all_sizes", "top_decade", "top_decade_fastest"}
    assert all(isinstance(value, float) for value in slopes.values())


def test_only_runs_the_named_benchmark(tmp_path):
    output = tmp_path / "results.json"
    subprocess.run([sys.executable, "-m", "benchmarks", "--smoke", "--only", "sweep", "--output", str(output)],
                   cwd=REPO, capture_output=True, check=True, timeout=HANG)
    assert list(json.loads(output.read_text())["benchmarks"]) == ["sweep"]
