"""Built-in input features: Playground's squares, products, sines and cosines of the data's columns.

Registered through the ``fnn_features`` hook. ``--features x1^2`` is
``square(x1)``, ``x1*x2`` and ``x1^2*x2`` are ``product`` of their factors
(a column repeated for its power), and ``poly:3`` is every such product of the
columns up to degree 3 (see :mod:`fnn.core.features`).
"""

from __future__ import annotations

import functools

import numpy as np

from fnn.core.records import Feature
from fnn.plugins.hookspecs import hookimpl


def _product(*columns: np.ndarray) -> np.ndarray:
    return functools.reduce(np.multiply, columns)


@hookimpl
def fnn_features():
    yield Feature("square", np.square, "x² (written x1^2)")
    yield Feature("product", _product, "x·y·..., two or more columns (written x1*x2, x1^2*x2; poly:N makes "
                  "every monomial up to degree N)", arity=None)
    yield Feature("sin", np.sin, "sin x (written sin(x1))")
    yield Feature("cos", np.cos, "cos x (written cos(x1))")
