"""Random search: settings drawn from distributions, each draw combined with a grid.

A :class:`Distribution` is what ``fnn sweep --lr loguniform:1e-4,1`` asks
for: ``uniform`` and ``loguniform`` between two bounds (whole numbers, bounds
included, for an integer setting), or ``choice`` among a setting's values.
:func:`sample` draws configurations from an explicit NumPy ``Generator``, so
one sampling seed gives the same draw every time, and :func:`search` combines
every draw with every combination of the settings given as lists, as
:func:`fnn.runs.sweep.grid` does (``--seed 1,2,3`` then gives each drawn
configuration three seeds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import numpy as np

from fnn.errors import ConfigError
from fnn.runs.settings import BY_NAME, RunConfig
from fnn.runs.sweep import grid

KINDS = ("uniform", "loguniform", "choice")
"""The distributions a setting may be drawn from, as ``KIND:ARGUMENTS``."""
CONTINUOUS = ("uniform", "loguniform")


@dataclass(frozen=True)
class Distribution:
    """How one setting is drawn: ``kind`` (one of :data:`KINDS`), its ``values`` (the bounds ``(low, high)``,
    or the choices) and ``spec``, the distribution as the command line takes it (``loguniform:0.0001,1``)."""

    kind: str
    values: tuple
    spec: str

    @property
    def log(self) -> bool:
        return self.kind == "loguniform"


def distribution(name: str, kind: str, values: Sequence, spec: str) -> Distribution:
    """The distribution ``kind`` of the setting ``name`` over ``values`` (bounds or choices, already of the
    setting's type), checked: a ``ConfigError`` names the flag and what is allowed."""
    s = BY_NAME[name]
    if kind not in KINDS:
        raise ConfigError(f"{s.flag}: {kind!r} is not a distribution; choose from {', '.join(KINDS)}")
    if kind in CONTINUOUS:
        if s.base not in (int, float):
            raise ConfigError(f"{s.flag}: {kind} draws numbers; for {s.flag} use choice:A,B,... or a comma list")
        if len(values) != 2:
            raise ConfigError(f"{s.flag}: {kind} takes two bounds, {kind}:LOW,HIGH, got {spec}")
        low, high = values
        if not low < high:
            raise ConfigError(f"{s.flag}: {kind} needs LOW < HIGH, got {low:g},{high:g}")
        if kind == "loguniform" and low <= 0:
            raise ConfigError(f"{s.flag}: loguniform needs 0 < LOW < HIGH, got {low:g},{high:g}")
    elif not values:
        raise ConfigError(f"{s.flag}: choice needs at least one value")
    for value in values:
        if s.valid is not None and not s.valid(value):
            raise ConfigError(f"{s.flag} must be {s.rule}, got {_shown(value)} in {spec}")
    return Distribution(kind, tuple(values), spec)


def draw(name: str, d: Distribution, rng: np.random.Generator) -> Any:
    """One value of the setting ``name`` from ``d``: an integer setting draws whole numbers, both bounds
    included (loguniform: evenly spread in log between LOW and HIGH + 1, rounded down)."""
    if d.kind == "choice":
        return d.values[int(rng.integers(len(d.values)))]
    low, high = d.values
    if BY_NAME[name].base is int:
        if d.kind == "uniform":
            return int(rng.integers(low, high, endpoint=True))
        return min(high, int(math.exp(rng.uniform(math.log(low), math.log(high + 1)))))
    if d.kind == "uniform":
        return float(rng.uniform(low, high))
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


def sample(distributions: Mapping[str, Distribution], samples: int, rng: np.random.Generator) -> list[dict]:
    """``samples`` different draws of every setting in ``distributions`` (each a dict by setting name), in
    the order drawn; a draw equal to an earlier one is drawn again. ``ConfigError`` when the
    distributions hold fewer than ``samples`` configurations (choices and integer ranges are finite)."""
    if samples < 1:
        raise ConfigError(f"--samples must be at least 1, got {samples}")
    possible = math.prod(_size(name, d) for name, d in distributions.items())
    if possible < samples:
        raise ConfigError(f"--samples {samples} is more than the {possible:g} different configurations the "
                          "distributions hold; ask for fewer, or give the values as a comma list (a grid)")
    drawn: dict[tuple, dict] = {}
    while len(drawn) < samples:
        values = {name: draw(name, d, rng) for name, d in distributions.items()}
        drawn.setdefault(tuple(values.values()), values)
    return list(drawn.values())


def _size(name: str, d: Distribution) -> float:
    """How many different values ``d`` draws (infinite for a continuous setting)."""
    if d.kind == "choice":
        return len(set(d.values))
    if BY_NAME[name].base is int:
        return d.values[1] - d.values[0] + 1
    return math.inf


def search(choices: Mapping[str, Sequence], distributions: Mapping[str, Distribution], samples: int,
           rng: np.random.Generator) -> list[RunConfig]:
    """``samples`` draws from ``distributions``, each combined with every configuration of
    ``grid(**choices)``: draw by draw, the grid in its order within each."""
    overlap = set(choices) & set(distributions)
    if overlap:
        raise ConfigError(f"{', '.join(BY_NAME[name].flag for name in sorted(overlap))}: given both as a list and "
                          "as a distribution")
    configs = grid(**choices)
    return [replace(config, **values) for values in sample(distributions, samples, rng) for config in configs]


def search_record(distributions: Mapping[str, Distribution], samples: int, sample_seed: int) -> dict:
    """The search as a sweep folder's ``results.json`` records it."""
    return {"samples": samples, "sample_seed": sample_seed,
            "distributions": {name: d.spec for name, d in distributions.items()}}


def _shown(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
