"""Figures for a report: the learning curve, the lab's comparison figure for each task, the confusion matrix.

matplotlib is imported inside the drawing functions only (and drives the Agg
backend through ``Figure`` objects, never pyplot's global state), so importing
fnn, ``fnn --help`` and ``fnn run --json`` never pay for it. The grids behind
the figures are plain NumPy (:func:`decision_grid`), testable on their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from fnn.core.network import predict
from fnn.core.records import Activation
from fnn.core.tasks import class_indices

CLASS_COLOURS = ("#d62728", "#1f77b4")  # the lab's red for 0 and blue for 1
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#7F7F7F")
"""Okabe and Ito's palette for colour-blind readers, for up to 8 classes (its black made grey, so the black
rings that mark misclassified points stay distinct); more classes take tab10, then tab20."""
MAX_OUTPUT_PANELS = 3
"""A regression figure draws this many outputs at most, one row each."""
PERCENT_METRICS = ("accuracy", "precision", "recall", "f1")
"""Metrics that are shares of points, drawn in percent."""
DPI = 150
TEST_RIM = "#333333"
"""The rim of held-out points: dark, where training points have a white one."""

Inputs = Callable[[np.ndarray], np.ndarray]
"""How points of the data's columns become the network's inputs (``--features``, then the run's scaler)."""


def network_inputs(points: np.ndarray, inputs: Inputs | None = None) -> np.ndarray:
    """The network's inputs at ``points`` of the plane a figure draws over: ``inputs(points)`` for a run that
    made its inputs from the data's columns, else the points themselves. Every figure goes through here
    before its forward pass, so that it draws over the data's own columns whatever the network takes."""
    return points if inputs is None else inputs(points)


def metric_label(metric: str) -> str:
    """A metric's name as figures write it ("R²" for r2)."""
    return "R²" if metric == "r2" else metric


def decision_grid(params: Mapping[str, np.ndarray], x: np.ndarray, activation: str | Activation,
                  output: str | Activation, resolution: int = 200, margin: float = 0.1, inputs: Inputs | None = None):
    """The network's output over a ``resolution`` x ``resolution`` grid covering ``x`` (two features).

    Returns ``(xs, ys, z)``: the grid's coordinates along each axis and
    ``z[i, j] = predict(params, [[xs[j], ys[i]]])``.
    """
    xs, ys, z = output_grid(params, x, activation, output, resolution=resolution, margin=margin, inputs=inputs)
    return xs, ys, z[:, :, 0]


def output_grid(params: Mapping[str, np.ndarray], x: np.ndarray, activation: str | Activation,
                output: str | Activation, columns: tuple[int, int] = (0, 1), resolution: int = 200,
                margin: float = 0.1, inputs: Inputs | None = None):
    """Every output of the network over a grid in the plane of ``x``'s ``columns``, the other features at
    their mean over ``x``.

    Returns ``(xs, ys, z)``: the grid's coordinates along each axis and
    ``z[i, j] = predict(params, [point])[0]`` (all outputs) where the point has ``xs[j]`` and ``ys[i]`` in
    ``columns`` and the mean elsewhere, made the network's inputs by ``inputs`` (:func:`network_inputs`).
    """
    xs, ys, points = plane_grid(x, columns, resolution, margin)
    z = predict(params, network_inputs(points, inputs), activation, output)
    return xs, ys, z.reshape(len(ys), len(xs), -1)


def plane_grid(x: np.ndarray, columns: tuple[int, int] = (0, 1), resolution: int = 100, margin: float = 0.1):
    """A ``resolution`` x ``resolution`` grid over the plane of ``x``'s ``columns`` (with a margin), the other
    features at their mean over ``x``. Returns ``(xs, ys, points)``, point ``i * resolution + j`` having
    ``xs[j]`` and ``ys[i]`` in ``columns``."""
    plane = x[:, list(columns)]
    low, high = plane.min(axis=0), plane.max(axis=0)
    pad = np.maximum(high - low, 1e-9) * margin + (high == low) * 0.5
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    points = np.repeat(x.mean(axis=0, keepdims=True), gx.size, axis=0)
    points[:, columns[0]], points[:, columns[1]] = gx.ravel(), gy.ravel()
    return xs, ys, points


def main_features(params: Mapping[str, np.ndarray], x: np.ndarray, inputs: Inputs | None = None
                  ) -> tuple[int, int]:
    """The two columns of ``x`` (in order) the first layer feels most: a feature's spread times the size of
    its weights, so the plane drawn is the one the network's output varies along most at first order. When
    ``inputs`` makes the network's inputs from the columns, its weights are not the columns': the first two."""
    if x.shape[1] <= 2 or inputs is not None:
        return (0, 1)
    reach = x.std(axis=0) * np.linalg.norm(np.asarray(params["W1"]), axis=1)
    return tuple(sorted(int(i) for i in np.argsort(-reach, kind="stable")[:2]))  # type: ignore[return-value]


def class_colours(k: int) -> list:
    """k colours for k classes: :data:`OKABE_ITO` up to 8, then tab10 and tab20 (not all pairs of which
    colour-blind readers can tell apart), then viridis."""
    if k <= len(OKABE_ITO):
        return list(OKABE_ITO[:k])
    from matplotlib import colormaps

    if k <= 20:
        cmap = colormaps["tab10" if k <= 10 else "tab20"]
        return [cmap(i) for i in range(k)]
    return _palette(k)


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


def learning_curve(history: Mapping[str, np.ndarray], path: str | Path, title: str = "",
                   metric: str = "accuracy", loss_label: str = "loss") -> Path:
    """Loss per epoch (log scale when every value is positive), its axis labelled ``loss_label``, with
    ``metric`` on a second axis.

    ``history`` has "loss" and ``metric`` ("accuracy", drawn in percent, or "r2", ...) and, with a test
    split, "test_loss" and "test_" and the metric's name, drawn dashed; with a validation split,
    "val_loss" and "val_" and the metric's name, drawn dotted.
    """
    figure = _figure(7.0, 4.0)
    axes = figure.add_subplot()
    twin = axes.twinx()
    epochs = np.arange(1, len(history["loss"]) + 1)
    percent = metric in PERCENT_METRICS
    for prefix, style in (("", "-"), ("test_", "--"), ("val_", ":")):
        if f"{prefix}loss" not in history:
            continue
        name = prefix.replace("_", " ")
        axes.plot(epochs, history[f"{prefix}loss"], style, color="#1f77b4", linewidth=1.6, label=f"{name}loss")
        if f"{prefix}{metric}" in history:
            twin.plot(epochs, (100 if percent else 1) * np.asarray(history[f"{prefix}{metric}"]), style,
                      color="#ff7f0e", linewidth=1.2, label=f"{name}{metric_label(metric)}")
    if all(np.all(np.asarray(history[k]) > 0) for k in history if k.endswith("loss")):
        axes.set_yscale("log")
    axes.set_xlabel("epoch")
    axes.set_ylabel(loss_label, color="#1f77b4")
    axes.grid(True, which="major", alpha=0.3)
    twin.set_ylabel(f"{metric_label(metric)} (%)" if percent else metric_label(metric), color="#ff7f0e")
    if percent:
        twin.set_ylim(-2, 102)
    elif metric == "r2" and twin.get_lines():
        # R² starts far below 0 for an untrained network: from -1 up (or down to where the curves end) the
        # axis shows the fit that matters.
        lowest = min(float(np.nanmin(line.get_ydata())) for line in twin.get_lines())
        last = min(float(line.get_ydata()[-1]) for line in twin.get_lines())
        twin.set_ylim(max(lowest, min(-1.0, last)) - 0.05, 1.05)
    lines = axes.get_lines() + twin.get_lines()
    axes.legend(lines, [line.get_label() for line in lines], loc="center right")
    axes.set_title(_plain(title) or "Learning curve")
    figure.savefig(path)
    return Path(path)


def comparison(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray, activation: str | Activation,
               output: str | Activation, path: str | Path, title: str = "",
               x_test: np.ndarray | None = None, y_test: np.ndarray | None = None,
               features: Sequence[str] = ("x1", "x2"), classes: Sequence[str] = (),
               inputs: Inputs | None = None) -> Path:
    """The lab's figure for a binary classifier: ground truth, predicted classes and the decision boundary,
    side by side, for two features (named by ``features``) and two classes (named by ``classes``, else
    "class 0" and "class 1").

    Points are filled in their class's colour with a thin white rim; the misclassified ones are ringed in
    black in the predictions and on the boundary (:func:`_draw_points`). Held-out points (``x_test``), when
    given, are drawn as bigger triangles. ``x`` are points of the data's columns, which ``inputs`` makes the
    network's inputs (:func:`network_inputs`).
    """
    held_out = x_test is not None and len(x_test) > 0
    points = np.concatenate([x, x_test]) if held_out else x
    labels = np.concatenate([y, y_test]) if held_out else y
    is_test = np.arange(len(points)) >= len(x)
    truth = (labels[:, 0] >= 0.5).astype(int)
    predicted = (predict(params, network_inputs(points, inputs), activation, output)[:, 0] >= 0.5).astype(int)
    wrong = predicted != truth
    xs, ys, z = decision_grid(params, points, activation, output, inputs=inputs)
    figure, equal = _plane_figure(xs, ys, title, colour_bar=True)
    from matplotlib.colors import LinearSegmentedColormap, to_rgb
    from matplotlib.lines import Line2D

    panels = figure.subplots(1, 3, sharex=True, sharey=True)
    colours = np.array(CLASS_COLOURS)
    style = _point_style(len(points))
    _draw_points(panels[0], points, colours[truth], is_test, style)
    panels[0].set_title("Ground truth")
    _draw_points(panels[1], points, colours[predicted], is_test, style, wrong)
    panels[1].set_title(f"Predictions ({_correct(wrong, is_test)})")
    # The map lighter than the points (as the multi-class regions are), so a point on its own class's side
    # shows as a filled dot, not as a rim on a background of its colour.
    tints = 0.55 * np.array([to_rgb(colour) for colour in CLASS_COLOURS]) + 0.45
    cmap = LinearSegmentedColormap.from_list("fnn", [tints[0], "#f7f7f7", tints[1]])
    mesh = panels[2].pcolormesh(xs, ys, z, cmap=cmap, vmin=0.0, vmax=1.0, shading="auto", rasterized=True)
    panels[2].contour(xs, ys, z, levels=[0.5], colors="black", linewidths=1.5)
    _draw_points(panels[2], points, colours[truth], is_test, style, wrong)
    panels[2].set_title("Decision boundary")
    # In an inset, the colour bar takes the panel's own height, whatever its aspect leaves of it.
    figure.colorbar(mesh, cax=panels[2].inset_axes([1.04, 0.0, 0.05, 1.0]), label="network output")
    for axes in panels:
        if equal:
            axes.set_aspect("equal", adjustable="box")
        axes.set_xlim(xs[0], xs[-1])
        axes.set_ylim(ys[0], ys[-1])
        axes.set_xlabel(_plain(features[0]))
    panels[0].set_ylabel(_plain(features[1]))
    names = list(classes) if len(classes) == 2 else ["class 0", "class 1"]
    handles = _point_handles(names, CLASS_COLOURS, held_out)
    handles.append(Line2D([], [], color="black", linewidth=1.5, label="output = 0.5"))
    figure.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    if title:
        figure.suptitle(_plain(title))
    figure.savefig(path)
    return Path(path)


def _plane_figure(xs: np.ndarray, ys: np.ndarray, title: str, colour_bar: bool = False, equal: bool = True):
    """A 13-inch-wide figure for three maps of the plane ``xs`` x ``ys`` side by side, its height fitted to
    the plane's shape so that panels with equal axes fill their space, with no blank bands above and below
    them. Returns ``(figure, equal)``: whether the axes keep equal
    scales, which they do unless the plane is more than three times longer one way than the other (a
    sliver) or ``equal`` is False (features that are not in one unit)."""
    width = 13.0
    panel = (width - 1.2 - 0.9 * colour_bar) / 3  # the margins, tick labels and colour bar taken off
    ratio = float((ys[-1] - ys[0]) / max(xs[-1] - xs[0], 1e-12))
    equal = equal and 1 / 3 <= ratio <= 3
    lines = title.count("\n") + 1 if title else 0
    height = min(panel * (ratio if equal else 0.85), 7.5) + 1.15 + 0.25 * lines  # the titles, the legend beneath
    return _figure(width, height), equal


def _point_style(count: int) -> tuple[float, float]:
    """(marker area, rim width) for ``count`` points: smaller and thinner rims when there are many, or a
    dense set hides the map behind them."""
    return (60 if count <= 100 else max(8, 6000 / count)), (0.8 if count <= 300 else 0.3)


def _draw_points(axes, xy: np.ndarray, colours: np.ndarray, is_test: np.ndarray, style: tuple[float, float],
                 wrong: np.ndarray | None = None) -> None:
    """Points filled in ``colours`` with a thin white rim, held-out ones as triangles twice as big with a
    dark rim (told apart from the training points in a dense set); the ``wrong`` points, and only those,
    ringed in black: the legend's "misclassified"."""
    size, rim = style
    sizes = np.where(is_test, 2.2 * size, size)
    for subset, marker, edge in ((~is_test, "o", "white"), (is_test, "^", TEST_RIM)):
        if subset.any():
            axes.scatter(xy[subset, 0], xy[subset, 1], c=colours[subset], s=sizes[subset], marker=marker,
                         edgecolors=edge, linewidths=rim, zorder=3)
    if wrong is not None and wrong.any():
        axes.scatter(xy[wrong, 0], xy[wrong, 1], s=2.6 * sizes[wrong], facecolors="none", edgecolors="black",
                     linewidths=1.4, zorder=4, label="misclassified")


def _point_handles(names: Sequence[str], colours: Sequence, held_out: bool) -> list:
    """Legend entries for :func:`_draw_points`: each class's colour, "misclassified" and "test point"."""
    from matplotlib.lines import Line2D

    def marker(label, **style):
        return Line2D([], [], linestyle="", label=_plain(label), **{"markersize": 9, **style})

    handles = [marker(name, marker="o", markerfacecolor=colour, markeredgecolor="white")
               for name, colour in zip(names, colours)]
    handles.append(marker("misclassified", marker="o", markerfacecolor="none", markeredgecolor="black",
                          markeredgewidth=1.4, markersize=12))
    if held_out:
        handles.append(marker("test point", marker="^", markerfacecolor="grey", markeredgecolor=TEST_RIM,
                              markersize=12))
    return handles


def _correct(wrong: np.ndarray, is_test: np.ndarray) -> str:
    """The share of points classified correctly, as the panel titles say it: "train 97.5% correct, test 95.0%"
    with a test split."""
    score = f"{np.mean(~wrong[~is_test]):.1%} correct"
    return f"train {score}, test {np.mean(~wrong[is_test]):.1%}" if is_test.any() else score


def class_comparison(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray, activation: str | Activation,
                     output: str | Activation, path: str | Path, title: str = "", classes: Sequence[str] = (),
                     features: Sequence[str] = (), x_test: np.ndarray | None = None,
                     y_test: np.ndarray | None = None, inputs: Inputs | None = None) -> Path:
    """The comparison figure of a multi-class classifier (one-hot ``y``, k outputs): ground truth, predicted
    classes and the k regions the network assigns with the boundaries between them, each class in its
    colour (:func:`class_colours`) and named in the legend by ``classes``; the misclassified points are
    ringed in the predictions and on the regions.

    With more than two features the figure is the plane of the two the first layer weighs most
    (:func:`main_features`), the others at their mean over the points, as a note in the figure says:
    points are drawn where they fall in that plane and ringed by the network's answer on all their features.
    Held-out points (``x_test``), when given, are drawn as bigger triangles.
    """
    held_out = x_test is not None and len(x_test) > 0
    points = np.concatenate([x, x_test]) if held_out else x
    is_test = np.arange(len(points)) >= len(x)
    k = y.shape[1]
    names = list(classes) or [str(i) for i in range(k)]
    features = list(features) or [f"x{i + 1}" for i in range(x.shape[1])]
    truth = class_indices(np.concatenate([y, y_test]) if held_out else y)
    predicted = class_indices(predict(params, network_inputs(points, inputs), activation, output))
    wrong = predicted != truth
    columns = main_features(params, x, inputs)
    xs, ys, z = output_grid(params, x, activation, output, columns, inputs=inputs)
    region = np.argmax(z, axis=-1)
    figure, equal = _plane_figure(xs, ys, title, equal=x.shape[1] == 2)
    from matplotlib.colors import ListedColormap, to_rgb
    from matplotlib.lines import Line2D

    panels = figure.subplots(1, 3, sharex=True, sharey=True)
    colours = np.array([to_rgb(colour) for colour in class_colours(k)])
    shown = points[:, list(columns)]
    style = _point_style(len(points))
    _draw_points(panels[0], shown, colours[truth], is_test, style)
    panels[0].set_title("Ground truth")
    _draw_points(panels[1], shown, colours[predicted], is_test, style, wrong)
    panels[1].set_title(f"Predicted classes ({_correct(wrong, is_test)})")
    tints = 0.55 * colours + 0.45  # the regions lighter than the points on them
    panels[2].pcolormesh(xs, ys, region, cmap=ListedColormap(tints), vmin=-0.5, vmax=k - 0.5, shading="auto",
                         rasterized=True)
    for c in range(k):  # where class c stops being the largest output: smooth lines, not the grid's steps
        margin = z[:, :, c] - np.max(np.delete(z, c, axis=-1), axis=-1)
        if margin.min() < 0 < margin.max():
            panels[2].contour(xs, ys, margin, levels=[0.0], colors="black", linewidths=1.2)
    _draw_points(panels[2], shown, colours[truth], is_test, style, wrong)
    panels[2].set_title("Class regions")
    for axes in panels:
        axes.set_xlim(xs[0], xs[-1])
        axes.set_ylim(ys[0], ys[-1])
        axes.set_xlabel(_plain(features[columns[0]]))
        if equal:
            axes.set_aspect("equal", adjustable="box")
    panels[0].set_ylabel(_plain(features[columns[1]]))
    if x.shape[1] > 2:
        others = x.shape[1] - 2
        panels[2].text(0.02, 0.02, f"the other {others} feature{'s' if others > 1 else ''} at their mean",
                       transform=panels[2].transAxes, fontsize="small", va="bottom",
                       bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
    handles = _point_handles(names, list(colours), held_out)
    handles.append(Line2D([], [], color="black", linewidth=1.2, label="boundary"))
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 8), frameon=False)
    if title:
        figure.suptitle(_plain(title))
    figure.savefig(path)
    return Path(path)


def confusion(matrix: np.ndarray, path: str | Path, classes: Sequence[str] = (), title: str = "",
              points: str = "training points") -> Path:
    """The confusion matrix as a heat map: ``matrix[i, j]`` points of true class ``i`` (rows) predicted as
    class ``j`` (columns), each cell's count written in it, the classes named on both axes; ``points``
    says which points were counted."""
    matrix = np.asarray(matrix)
    k = len(matrix)
    names = [_plain(name) for name in (list(classes) or [str(i) for i in range(k)])]
    side = min(11.0, 3.2 + 0.55 * k)
    figure = _figure(side + 1.2, side)
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="Blues", vmin=0, vmax=max(1, int(matrix.max())))
    dark = image.norm(matrix) > 0.55  # white numbers on dark cells, black on light ones
    for i in range(k):
        for j in range(k):
            axes.text(j, i, str(int(matrix[i, j])), ha="center", va="center",
                      color="white" if dark[i, j] else "black", fontsize="medium" if k <= 10 else "small")
    axes.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 3 else 0, ha="right"
                    if max(map(len, names)) > 3 else "center")
    axes.set_yticks(range(k), names)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    figure.colorbar(image, ax=axes, label="points", shrink=0.8)
    heading = f"Confusion matrix, {points} ({int(matrix.sum())})"
    figure.suptitle(_plain(title) + "\n" + heading if title else heading)
    figure.savefig(path)
    return Path(path)


def regression_comparison(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray,
                          activation: str | Activation, output: str | Activation, path: str | Path, title: str = "",
                          features: Sequence[str] = (), targets: Sequence[str] = (),
                          x_test: np.ndarray | None = None, y_test: np.ndarray | None = None,
                          in_target_units: Callable[[np.ndarray], np.ndarray] | None = None,
                          inputs: Inputs | None = None) -> Path:
    """The comparison figure of a regression network: one row per output (the first
    :data:`MAX_OUTPUT_PANELS`), named by ``targets``, with its predictions against the true values and the
    diagonal where they would be equal; for one input, first the fitted curve over the data, and for two
    the fitted surface as a heat map with the points coloured by their target on the same scale.

    Held-out points (``x_test``), when given, are drawn as triangles. ``in_target_units`` turns the
    network's outputs into the units of ``y`` (undoes the targets' standardizing), where they differ.
    """
    def network(points: np.ndarray) -> np.ndarray:
        out = predict(params, network_inputs(points, inputs), activation, output)
        return out if in_target_units is None else in_target_units(out)

    held_out = x_test is not None and len(x_test) > 0
    points = np.concatenate([x, x_test]) if held_out else x
    truth = np.concatenate([y, y_test]) if held_out else y
    is_test = np.arange(len(points)) >= len(x)
    predicted = network(points)
    features = list(features) or [f"x{i + 1}" for i in range(x.shape[1])]
    outputs = min(y.shape[1], MAX_OUTPUT_PANELS)
    targets = list(targets) if len(targets) == y.shape[1] else (
        ["y"] if y.shape[1] == 1 else [f"y{j + 1}" for j in range(y.shape[1])])
    fit = x.shape[1] in (1, 2)
    figure = _figure(11.0 if fit else 5.6, 4.6 * outputs + 0.4)
    grid = np.atleast_2d(figure.subplots(outputs, 2 if fit else 1, squeeze=False))
    size = 40 if len(points) <= 200 else max(6, 8000 / len(points))
    sizes = {"o": size, "^": 2.2 * size}  # held-out triangles bigger, to be found among the training points
    # (points, marker, label, face, edge): held-out points as orange triangles, told apart by shape and colour
    subsets = [(~is_test, "o", "train points" if held_out else "data", "#56B4E9", "#0072B2"),
               (is_test, "^", "test points", "#E69F00", "#D55E00")][:1 + held_out]
    if x.shape[1] == 1:
        low, high = points.min(), points.max()
        pad = max(high - low, 1e-9) * 0.05
        line = np.linspace(low - pad, high + pad, 400)[:, None]
        curve = network(line)
    elif x.shape[1] == 2:
        xs, ys, surface = output_grid(params, x, activation, output, inputs=inputs)
        surface = surface if in_target_units is None else in_target_units(surface)
    for j in range(outputs):
        name = _plain(targets[j])
        if x.shape[1] == 1:
            axes = grid[j, 0]
            for subset, marker, label, face, edge in subsets:
                axes.scatter(points[subset, 0], truth[subset, j], s=sizes[marker], marker=marker, color=face,
                             edgecolors=edge, linewidths=0.5, label=label, zorder=2)
            axes.plot(line[:, 0], curve[:, j], color="#D55E00", linewidth=2.0, label="network", zorder=3)
            axes.set_xlabel(_plain(features[0]))
            axes.set_ylabel(name)
            axes.set_title(f"Fitted curve: {name}")
            axes.legend(fontsize="small")
        elif x.shape[1] == 2:
            from matplotlib.colors import Normalize

            axes = grid[j, 0]
            values = np.concatenate([truth[:, j], surface[:, :, j].ravel()])
            norm = Normalize(float(values.min()), float(values.max()))
            mesh = axes.pcolormesh(xs, ys, surface[:, :, j], cmap="viridis", norm=norm, shading="auto",
                                   rasterized=True)
            for subset, marker, *_ in subsets:
                axes.scatter(points[subset, 0], points[subset, 1], c=truth[subset, j], cmap="viridis", norm=norm,
                             s=sizes[marker], marker=marker, edgecolors="black", linewidths=0.5, zorder=3)
            figure.colorbar(mesh, ax=axes, label=f"{name} (surface: network, points: data)", shrink=0.85)
            axes.set_xlim(xs[0], xs[-1])
            axes.set_ylim(ys[0], ys[-1])
            axes.set_xlabel(_plain(features[0]))
            axes.set_ylabel(_plain(features[1]))
            axes.set_title(f"Fitted surface: {name}")
        axes = grid[j, -1]
        for subset, marker, label, face, edge in subsets:
            axes.scatter(truth[subset, j], predicted[subset, j], s=sizes[marker], marker=marker, color=face,
                         edgecolors=edge, linewidths=0.5, label=label, zorder=2)
        both = np.concatenate([truth[:, j], predicted[:, j]])
        ends = [both.min(), both.max()]
        axes.plot(ends, ends, "--", color="black", linewidth=1.0, label="predicted = true", zorder=3)
        axes.set_aspect("equal", adjustable="datalim")
        axes.set_xlabel(f"true {name}")
        axes.set_ylabel(f"predicted {name}")
        axes.set_title("Predicted against true")
        axes.legend(fontsize="small", loc="upper left")
    if y.shape[1] > outputs:
        figure.text(0.5, 0.005, f"the first {outputs} of {y.shape[1]} outputs", ha="center", fontsize="small")
    if title:
        figure.suptitle(_plain(title))
    figure.savefig(path)
    return Path(path)


BAND_MIN = 5
"""A line of a sweep figure is the median of its runs with their 25-75% band from this many runs up;
below it each run is drawn thinly (the median of three runs is no run at all, and their bands overlap)."""


def overlay(panels: Mapping[str, Mapping[str, Sequence[np.ndarray]]], path: str | Path, title: str,
            ylabel: str = "loss", subtitle: str = "",
            metrics: Mapping[str, Mapping[str, Sequence[np.ndarray]]] | None = None,
            metric: str = "accuracy") -> Path:
    """Small multiples of learning curves: one axes per panel, one colour per label.

    ``panels`` maps a panel title to ``{label: [curve, ...]}``, a label's curves being its runs (its seeds,
    or whatever the ``title`` says is pooled): fewer than :data:`BAND_MIN` are drawn one thin line each,
    more as their median with the 25-75% band (curves of different lengths cut to the shortest). Each
    panel's title says how many runs it holds. ``metrics``, the same mapping for ``metric`` (accuracy,
    drawn in percent, or r2, ...), adds a row of panels under each row of loss panels. ``subtitle`` (what
    was held fixed, say) is written under the title. Titles are wrapped to stay inside the figure, whose
    width is bounded (three panels a row at most).
    """
    import textwrap

    count = len(panels)
    columns = min(3, count)
    rows = -(-count // columns)
    kinds = [(panels, ylabel)] + ([(metrics, metric)] if metrics else [])
    width = max(6.5, 3.7 * columns + 0.4)
    heights = [3.0, 2.3][:len(kinds)] * rows
    figure = _figure(width, sum(heights) + 1.3)
    grid = figure.subplots(len(heights), columns, sharex=True, squeeze=False, height_ratios=heights)
    from matplotlib.lines import Line2D

    labels = list(dict.fromkeys(label for curves in panels.values() for label in curves))
    colours = dict(zip(labels, _palette(len(labels))))
    sizes = {len(runs) for curves in panels.values() for runs in curves.values()}

    def cell(index: int, row: int = 0):  # panel ``index``'s axes for its loss (row 0) or its metric (row 1)
        return grid[len(kinds) * (index // columns) + row, index % columns]

    for row, (mapping, name) in enumerate(kinds):
        axes_of = [cell(i, row) for i in range(count)]
        for axes in axes_of[1:]:  # shared before drawing, so every panel's range is the union of all of them
            axes.sharey(axes_of[0])
        percent = name in PERCENT_METRICS
        for axes, (panel, curves) in zip(axes_of, mapping.items()):
            runs_in = sum(len(runs) for runs in curves.values())
            for label, runs in curves.items():
                _draw_runs(axes, [(100 if percent else 1) * np.asarray(run) for run in runs], colours[label])
            if name == "loss" and all(np.all(np.asarray(run) > 0) for runs in curves.values() for run in runs):
                axes.set_yscale("log")
            if percent:
                axes.set_ylim(-2, 102)
            axes.grid(True, alpha=0.3)
            runs_text = f"{runs_in} run{'s' if runs_in != 1 else ''}"
            heading = f"{panel} ({runs_text})" if panel else runs_text
            axes.set_title(textwrap.fill(_plain(heading), int(3.7 * 13)), fontsize="medium")
        for i, axes in enumerate(axes_of):
            if i % columns == 0:
                axes.set_ylabel(f"{metric_label(name)} (%)" if percent else metric_label(name))
    for index in range(count, rows * columns):  # the empty places of the last row
        for row in range(len(kinds)):
            cell(index, row).set_visible(False)
    lowest = {index % columns: index for index in range(count)}  # each column's last panel
    for index in range(count):
        for row in range(len(kinds)):
            last = index == lowest[index % columns] and row == len(kinds) - 1
            cell(index, row).tick_params(labelbottom=last)  # epochs under each column's lowest panel only
            if last:
                cell(index, row).set_xlabel("epoch")
    handles = [Line2D([], [], color=colours[label], linewidth=1.6, label=_plain(label)) for label in labels]
    if count == 1:
        grid[0, 0].legend(handles=handles, fontsize="small")
    else:  # beneath the panels: beside them, it would reach into the title
        figure.legend(handles=handles, loc="outside lower center", ncols=min(len(labels), 4 if width > 9 else 2),
                      frameon=False)
    if sizes and max(sizes) < BAND_MIN:
        how = "one thin line per run"
    elif sizes and min(sizes) >= BAND_MIN:
        how = "each line the median of its runs, band 25-75%"
    else:
        how = f"the median and 25-75% band of {BAND_MIN} runs or more, else one thin line per run"
    chars = int(width * 9)  # characters of the title's size that fit across the figure
    lines = [textwrap.fill(_plain(f"{title} ({how})"), chars)]
    if subtitle:
        lines.append(textwrap.fill(_plain(subtitle), int(width * 11)))
    figure.suptitle("\n".join(lines), fontsize="large")
    figure.savefig(path)
    return Path(path)


def scatter(points: Mapping[str, Sequence[tuple[float, float, float | None]]], path: str | Path, xlabel: str,
            title: str, subtitle: str = "", log: bool = False, ylabel: str = "loss", metric: str | None = None) -> Path:
    """A random search's figure of one drawn number: each run's final loss (and final ``metric`` beneath, in
    percent for accuracy and its kin) against its value, a point per run. ``points`` maps a label (the grid's
    other settings, "" when there are none) to its runs' ``(value, loss, metric)``; one colour per label.
    ``log`` draws the values on a log axis (they were drawn loguniform)."""
    import textwrap

    rows = [(1, ylabel)] + ([(2, metric)] if metric else [])
    figure = _figure(6.5, 3.0 + 2.3 * (len(rows) - 1) + 1.3)
    grid = figure.subplots(len(rows), 1, sharex=True, squeeze=False, height_ratios=[3.0, 2.3][:len(rows)])
    colours = dict(zip(points, _palette(len(points))))
    for (column, name), axes in zip(rows, grid[:, 0]):
        percent = name in PERCENT_METRICS
        for label, runs in points.items():
            xs = [run[0] for run in runs]
            ys = [np.nan if (y := run[column]) is None else (100 if percent else 1) * y for run in runs]
            axes.scatter(xs, ys, s=18, color=colours[label], alpha=0.8, label=_plain(label) or None)
        losses = [run[1] for runs in points.values() for run in runs]
        if column == 1 and min(losses) > 0 and max(losses) > 10 * min(losses):  # log only where it spreads them
            axes.set_yscale("log")
        if percent:
            axes.set_ylim(-2, 102)
        axes.set_ylabel(f"final {metric_label(name)}" + (" (%)" if percent else ""))
        axes.grid(True, alpha=0.3)
    if log:
        grid[0, 0].set_xscale("log")
    grid[-1, 0].set_xlabel(xlabel)
    if any(points):
        grid[0, 0].legend(fontsize="small")
    lines = [textwrap.fill(_plain(f"{title} (one point per run)"), int(6.5 * 9))]
    if subtitle:
        lines.append(textwrap.fill(_plain(subtitle), int(6.5 * 11)))
    figure.suptitle("\n".join(lines), fontsize="large")
    figure.savefig(path)
    return Path(path)


def _draw_runs(axes, runs: Sequence[np.ndarray], colour) -> None:
    """One line of a sweep figure (see :func:`overlay`): each run thinly, or the median and its band."""
    if len(runs) < BAND_MIN:
        for run in runs:
            axes.plot(np.arange(1, len(run) + 1), run, color=colour, linewidth=0.9, alpha=0.8)
        return
    length = min(len(run) for run in runs)
    stack = np.array([run[:length] for run in runs])
    epochs = np.arange(1, length + 1)
    axes.plot(epochs, np.median(stack, axis=0), color=colour, linewidth=1.6)
    axes.fill_between(epochs, *np.percentile(stack, [25, 75], axis=0), color=colour, alpha=0.18, linewidth=0)


def _palette(count: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if count <= 10 else "viridis"]
    return [cmap(i if count <= 10 else i / max(1, count - 1)) for i in range(count)]
