"""Runs and sweeps: every setting declared once (``settings``), the training loop and a run
from its settings to its result (``training``), grids of runs and stacked training (``sweep``),
random search (``search``)."""
