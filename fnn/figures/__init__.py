"""Figures: matplotlib is imported here only, when a figure is drawn (``plots``)."""


def __getattr__(name: str):
    # Before issue 14 the figures were the module fnn.figures; its functions stay reachable, deprecated.
    import importlib
    import warnings

    plots = importlib.import_module("fnn.figures.plots")

    if name.startswith("_") or not hasattr(plots, name):
        raise AttributeError(f"module 'fnn.figures' has no attribute {name!r}")
    warnings.warn(f"fnn.figures.{name} is now fnn.figures.plots.{name}; the old name will go in a later version",
                  DeprecationWarning, stacklevel=2)
    return getattr(plots, name)
