"""Strict JSON for everything fnn writes: any JSON parser reads it, NaN and Infinity included.

Python's ``json`` writes ``NaN`` and ``Infinity``, which are not JSON: strict
parsers (JavaScript's ``JSON.parse``, ``jq``, Go, Rust) reject the whole
document. :func:`dumps` writes a non-finite number as ``null`` and, where the
number is the value of a named field, keeps what it was beside it
(``"test_loss": null, "test_loss_nonfinite": "inf"``), so the reason is not lost.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

NONFINITE_SUFFIX = "_nonfinite"


def dumps(value: Any, **options) -> str:
    """``json.dumps(value, **options)`` with non-finite numbers as null; never writes NaN or Infinity."""
    return json.dumps(strict(value), allow_nan=False, **options)


def loads(text: str | bytes) -> Any:
    """Parse JSON as strictly as :func:`dumps` writes it: ``NaN``, ``Infinity`` and ``-Infinity``, which
    Python's ``json`` would accept, raise ``ValueError`` (as malformed JSON does)."""
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON value")

    return json.loads(text, parse_constant=refuse)


def strict(value: Any) -> Any:
    """``value`` with NumPy scalars and arrays as plain Python values and non-finite floats as None."""
    if isinstance(value, dict):
        plain = {}
        for key, item in value.items():
            plain[key] = strict(item)
            if _nonfinite(item):
                plain[f"{key}{NONFINITE_SUFFIX}"] = _spelled(item)
        return plain
    if isinstance(value, (list, tuple)):
        return [strict(item) for item in value]
    if isinstance(value, np.ndarray):
        return strict(value.tolist())
    if isinstance(value, np.generic):
        return strict(value.item())
    if _nonfinite(value):
        return None
    return value


def _nonfinite(value: Any) -> bool:
    return isinstance(value, (float, np.floating)) and not math.isfinite(value)


def _spelled(value: float) -> str:
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
