"""Every JSON fnn writes is strict JSON: a parser that rejects NaN and Infinity reads it."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import fnn
from fnn.io import jsonfile
from fnn.io.modelfile import save_model
from support import ok


def strict_loads(text: str):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("value, expected", [
    (math.nan, None), (math.inf, None), (-math.inf, None), (np.float32("nan"), None), (np.float64(1.5), 1.5),
    (np.int64(3), 3), (np.array([1.0, np.inf]), [1.0, None]), ((1, math.nan), [1, None]), ("nan", "nan"),
])
def test_non_finite_numbers_become_null(value, expected):
    assert strict_loads(jsonfile.dumps(value)) == expected


def test_a_named_non_finite_field_keeps_what_it_was():
    record = strict_loads(jsonfile.dumps({"test_loss": math.inf, "loss": math.nan, "fine": 1.0, "x": [math.nan]}))
    assert record == {"test_loss": None, "test_loss_nonfinite": "inf", "loss": None, "loss_nonfinite": "nan",
                      "fine": 1.0, "x": [None]}
    assert strict_loads(jsonfile.dumps({"a": -math.inf}))["a_nonfinite"] == "-inf"


def test_every_json_the_cli_prints_or_writes_is_strict(tmp_path, stand_in_figures):
    printed = [
        ok("run", "-e", "20", "--json").stdout,
        ok("run", "-e", "20", "--json", "--test-split", "0.3", "--dataset", "moons", "--out", tmp_path / "run").stdout,
        ok("sweep", "-e", "200", "--lr", "0.1,5", "--output-activation", "identity", "-w", "1", "--json",
           "--out", tmp_path / "sweep").stdout,
        ok("predict", tmp_path / "run", "--points", "0,0;1,1", "--json").stdout,
        ok("show", tmp_path / "run", "--json").stdout,
        ok("list", "--json").stdout,
        ok("plugins", "--json").stdout,
    ]
    written = [tmp_path / "run" / "metrics.json", tmp_path / "sweep" / "results.json"]
    for text in printed + [path.read_text() for path in written]:
        strict_loads(text)
    sweep = strict_loads((tmp_path / "sweep" / "results.json").read_text())
    assert any(row["diverged"] for row in sweep["groups"])  # lr 5 diverges, and still no NaN is written


def test_show_json_of_a_model_with_odd_numbers_in_its_settings_is_strict(tmp_path):
    path = save_model(tmp_path / "model.npz", fnn.init_params((2, 3, 1), seed=0),
                      {"activation": "sigmoid", "output": "sigmoid", "final_loss": 0.5, "note": [1.0, 2.0]})
    strict_loads(ok("show", path, "--json").stdout)
