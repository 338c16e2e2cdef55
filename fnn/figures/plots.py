"""Figures for a report: the learning curve and the lab's comparison figure.

matplotlib is imported inside the drawing functions only (and drives the Agg
backend through ``Figure`` objects, never pyplot's global state), so importing
fnn, ``fnn --help`` and ``fnn run --json`` never pay for it. The grids behind
the figures are plain NumPy (:func:`decision_grid`), testable on their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from fnn.core.network import predict
from fnn.core.records import Activation

CLASS_COLOURS = ("#d62728", "#1f77b4")  # the lab's red for 0 and blue for 1
DPI = 150


def decision_grid(params: Mapping[str, np.ndarray], x: np.ndarray, activation: str | Activation,
                  output: str | Activation, resolution: int = 200, margin: float = 0.1):
    """The network's output over a ``resolution`` x ``resolution`` grid covering ``x`` (two features).

    Returns ``(xs, ys, z)``: the grid's coordinates along each axis and
    ``z[i, j] = predict(params, [[xs[j], ys[i]]])``.
    """
    low, high = x.min(axis=0), x.max(axis=0)
    pad = np.maximum(high - low, 1e-9) * margin + (high == low) * 0.5
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    z = predict(params, np.column_stack([gx.ravel(), gy.ravel()]), activation, output)[:, 0]
    return xs, ys, z.reshape(gx.shape)


def _plain(text: str) -> str:
    """``text`` from outside (a CSV path, a setting's value) to be drawn as written: matplotlib reads
    what lies between two ``$`` as TeX, and an unknown command there (``$\\x$``) fails the whole figure."""
    return text.replace("$", r"\$")


def _import_matplotlib() -> None:
    """Import matplotlib without its two-line warning when HOME is read-only: it then keeps its cache
    in a temporary folder by itself, which costs time but loses nothing the user needs to know. Every
    figure starts here (:func:`_figure`), before any other matplotlib import."""
    import logging

    logger = logging.getLogger("matplotlib")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        import matplotlib
        import matplotlib.font_manager  # noqa: F401  (where the cache folder is first made)
    finally:
        logger.setLevel(level)


def _figure(width: float, height: float):
    _import_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def learning_curve(history: Mapping[str, np.ndarray], path: str | Path, title: str = "") -> Path:
    """Loss per epoch (log scale when every value is positive) with accuracy on a second axis.

    ``history`` has "loss" and "accuracy" and, with a test split, "test_loss"
    and "test_accuracy", drawn dashed.
    """
    figure = _figure(7.0, 4.0)
    axes = figure.add_subplot()
    twin = axes.twinx()
    epochs = np.arange(1, len(history["loss"]) + 1)
    for prefix, style in (("", "-"), ("test_", "--")):
        if f"{prefix}loss" not in history:
            continue
        name = prefix.replace("_", " ")
        axes.plot(epochs, history[f"{prefix}loss"], style, color="#1f77b4", linewidth=1.6, label=f"{name}loss")
        twin.plot(epochs, 100 * np.asarray(history[f"{prefix}accuracy"]), style, color="#ff7f0e", linewidth=1.2,
                  label=f"{name}accuracy")
    if all(np.all(np.asarray(history[k]) > 0) for k in history if k.endswith("loss")):
        axes.set_yscale("log")
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss", color="#1f77b4")
    axes.grid(True, which="major", alpha=0.3)
    twin.set_ylabel("accuracy (%)", color="#ff7f0e")
    twin.set_ylim(-2, 102)
    lines = axes.get_lines() + twin.get_lines()
    axes.legend(lines, [line.get_label() for line in lines], loc="center right")
    axes.set_title(_plain(title) or "Learning curve")
    figure.savefig(path)
    return Path(path)


def comparison(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray, activation: str | Activation,
               output: str | Activation, path: str | Path, title: str = "",
               x_test: np.ndarray | None = None, y_test: np.ndarray | None = None) -> Path:
    """The lab's figure: ground truth, predicted classes and the decision boundary, side by side.

    Held-out points (``x_test``), when given, are drawn as triangles.
    """
    held_out = x_test is not None and len(x_test) > 0
    points = np.concatenate([x, x_test]) if held_out else x
    labels = np.concatenate([y, y_test]) if held_out else y
    is_test = np.arange(len(points)) >= len(x)
    truth = labels[:, 0] >= 0.5
    predicted = predict(params, points, activation, output)[:, 0] >= 0.5
    xs, ys, z = decision_grid(params, points, activation, output)
    figure = _figure(13.0, 4.6)
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.lines import Line2D

    panels = figure.subplots(1, 3, sharex=True, sharey=True)
    colours = np.array(CLASS_COLOURS)
    size = 60 if len(points) <= 100 else max(8, 6000 / len(points))
    rim = 0.8 if len(points) <= 300 else 0.3  # thin rims, or a dense set hides the heat map behind them

    def scatter(axes, classes, wrong=None, edge="white"):
        for subset, marker in ((~is_test, "o"), (is_test, "^")):
            if subset.any():
                axes.scatter(points[subset, 0], points[subset, 1], c=colours[classes[subset].astype(int)], s=size,
                             marker=marker, edgecolors=edge, linewidths=rim, zorder=3)
        if wrong is not None and wrong.any():
            axes.scatter(points[wrong, 0], points[wrong, 1], s=size * 2.2, facecolors="none", edgecolors="black",
                         linewidths=1.4, zorder=4)

    scatter(panels[0], truth)
    panels[0].set_title("Ground truth")
    scatter(panels[1], predicted, wrong=predicted != truth)
    score = f"{np.mean(predicted[~is_test] == truth[~is_test]):.1%} correct"
    if held_out:
        score = f"train {score}, test {np.mean(predicted[is_test] == truth[is_test]):.1%}"
    panels[1].set_title(f"Predict result ({score})")
    cmap = LinearSegmentedColormap.from_list("fnn", [CLASS_COLOURS[0], "#f7f7f7", CLASS_COLOURS[1]])
    mesh = panels[2].pcolormesh(xs, ys, z, cmap=cmap, vmin=0.0, vmax=1.0, shading="auto", rasterized=True)
    panels[2].contour(xs, ys, z, levels=[0.5], colors="black", linewidths=1.5)
    scatter(panels[2], truth, edge="black")  # black rims keep the points visible on their own colour
    panels[2].set_title("Decision boundary")
    figure.colorbar(mesh, ax=panels[2], label="network output", shrink=0.85)
    for axes in panels:
        axes.set_aspect("equal", adjustable="box")
        axes.set_xlim(xs[0], xs[-1])
        axes.set_ylim(ys[0], ys[-1])
        axes.set_xlabel("x1")
    panels[0].set_ylabel("x2")

    def marker(label, **style):
        return Line2D([], [], linestyle="", label=label, **{"markersize": 9, **style})

    handles = [
        marker("class 0", marker="o", markerfacecolor=CLASS_COLOURS[0], markeredgecolor="white"),
        marker("class 1", marker="o", markerfacecolor=CLASS_COLOURS[1], markeredgecolor="white"),
        marker("misclassified", marker="o", markerfacecolor="none", markeredgecolor="black", markersize=11),
        Line2D([], [], color="black", linewidth=1.5, label="output = 0.5"),
    ]
    if held_out:
        handles.insert(2, marker("test point", marker="^", markerfacecolor="grey", markeredgecolor="white"))
    figure.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    if title:
        figure.suptitle(_plain(title))
    figure.savefig(path)
    return Path(path)


def overlay(panels: Mapping[str, Mapping[str, Sequence[np.ndarray]]], path: str | Path, title: str,
            ylabel: str = "loss") -> Path:
    """Small multiples of learning curves: one axes per panel, one colour per label.

    ``panels`` maps a panel title to ``{label: [curve, ...]}``; each label is
    drawn as the median of its curves, with the 25-75% band when it has
    several (seeds). Curves of different lengths are cut to the shortest.
    """
    count = len(panels)
    columns = min(3, count)
    rows = -(-count // columns)
    figure = _figure(max(7.5, 5.2 * columns + 1.0), 3.8 * rows + 0.8)
    grid = np.atleast_1d(figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)).ravel()
    labels = list(dict.fromkeys(label for curves in panels.values() for label in curves))
    colours = dict(zip(labels, _palette(len(labels))))
    positive = all(np.all(run > 0) for curves in panels.values() for runs in curves.values() for run in runs)
    for axes, (panel, curves) in zip(grid, panels.items()):
        for label, runs in curves.items():
            length = min(len(run) for run in runs)
            stack = np.array([run[:length] for run in runs])
            epochs = np.arange(1, length + 1)
            axes.plot(epochs, np.median(stack, axis=0), color=colours[label], linewidth=1.6, label=_plain(label))
            if len(runs) > 1:
                axes.fill_between(epochs, *np.percentile(stack, [25, 75], axis=0), color=colours[label], alpha=0.18,
                                  linewidth=0)
        if positive and ylabel == "loss":
            axes.set_yscale("log")
        axes.grid(True, alpha=0.3)
        if count > 1 or panel:
            axes.set_title(_plain(panel), fontsize="medium")
    for axes in grid[count:]:
        axes.set_visible(False)
    for axes in grid[(rows - 1) * columns:]:
        axes.set_xlabel("epoch")
    for axes in grid[::columns]:
        axes.set_ylabel(ylabel)
    seeds = max(len(runs) for curves in panels.values() for runs in curves.values())
    note = f" (median of {seeds} seeds, band 25-75%)" if seeds > 1 else ""
    if count == 1:
        grid[0].legend(fontsize="small")
    else:
        figure.legend(*grid[0].get_legend_handles_labels(), loc="outside right upper", frameon=False)
    figure.suptitle(_plain(title + note))
    figure.savefig(path)
    return Path(path)


def _palette(count: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if count <= 10 else "viridis"]
    return [cmap(i if count <= 10 else i / max(1, count - 1)) for i in range(count)]
