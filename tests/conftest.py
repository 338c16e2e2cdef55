"""Shared test setup: plugins installed on this machine never change results; fixtures for every test file."""

import os
from pathlib import Path

import pytest

# Set before fnn builds its registry, so only the built-in plugins load.
os.environ["FNN_DISABLE_PLUGIN_AUTOLOAD"] = "1"
os.environ.pop("FNN_DEBUG", None)


@pytest.fixture
def stand_in_figures(monkeypatch):
    """Figures as tiny stand-in files, for tests about folders and output rather than drawing
    (tests/test_figures.py and tests/test_rundir_sweep.py draw the real ones)."""
    import fnn.figures.plots

    def stand_in(*args, **kwargs):
        path = next(arg for arg in (*args, *kwargs.values()) if isinstance(arg, Path))
        path.write_bytes(b"\x89PNG stand-in")
    for name in ("learning_curve", "comparison", "class_comparison", "regression_comparison", "confusion", "overlay"):
        monkeypatch.setattr(fnn.figures.plots, name, stand_in)
