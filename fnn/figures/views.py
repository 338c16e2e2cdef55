"""Views inside the network: every unit's map over the input plane, the weights, training as an animation.

Like :mod:`fnn.figures.plots`, matplotlib is imported inside the drawing functions only; the grids behind the
figures are plain NumPy (:func:`plane_grid`, :func:`neuron_grid`, :func:`frame_epochs`), testable on their own.
The neuron maps are the forward pass's own per-layer outputs (``Cache.a``) on a grid: one pass for all units,
as TensorFlow Playground draws them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from fnn.core.network import forward
from fnn.core.records import Activation
from fnn.core.tasks import class_indices
from fnn.errors import ConfigError
from fnn.figures.plots import CLASS_COLOURS, Inputs, _figure, _plain, class_colours, network_inputs, plane_grid

MAX_MAP_UNITS = 16
"""The neuron-map figure draws at most this many units of a layer (the first ones), and says so."""
MAX_NODES = 32
"""The network figure draws at most this many units of a layer: those with the largest outgoing weights."""
FRAMES = 60
"""About this many frames in the training animation."""
POSITIVE, NEGATIVE = "#0072B2", "#E69F00"  # Playground's blue and orange, from the Okabe-Ito palette


def plot_columns(names: str | None, features: Sequence[str]) -> tuple[int, int]:
    """The two columns a figure draws over: those ``names`` ("NAME,NAME", as ``--plot-features`` takes
    them) names among ``features``, or the first two. Raises ``ConfigError`` naming the allowed names."""
    if names is None:
        return (0, 1)
    chosen = [name.strip() for name in names.split(",")]
    unknown = [name for name in chosen if name not in features]
    if unknown:
        raise ConfigError(f"--plot-features: no feature named {', '.join(map(repr, unknown))}; "
                          f"allowed: {', '.join(features)}")
    first, second = (list(features).index(name) for name in chosen)
    return (first, second)


def neuron_grid(params: Mapping[str, np.ndarray], x: np.ndarray, activation: str | Activation,
                output: str | Activation, columns: tuple[int, int] = (0, 1), resolution: int = 100,
                inputs: Inputs | None = None):
    """Every unit's output over the plane of ``x``'s ``columns``, from one forward pass over the grid.

    Returns ``(xs, ys, maps, activations)``: ``maps[l][i, j, u]`` is unit ``u`` of layer ``l + 1`` (the last
    being the output) at the point with ``xs[j]`` and ``ys[i]``, and ``activations[l]`` that layer's. The
    grid's points are made the network's inputs by ``inputs`` (:func:`fnn.figures.plots.network_inputs`)."""
    xs, ys, points = plane_grid(x, columns, resolution)
    _, cache = forward(params, network_inputs(points, inputs), activation, output)
    maps = [a.reshape(len(ys), len(xs), -1) for a in cache.a]
    return xs, ys, maps, cache.activations


def _scale(activation: Activation, values: np.ndarray) -> tuple[str, float, float]:
    """(colour map, low, high) for a layer's maps: 0..1 sequential for an activation whose outputs lie in
    0..1 (sigmoid, softmax), sequential from 0 for one that is never negative (relu), else diverging
    around 0 (tanh, identity), so a unit's sign reads the same in every map."""
    probe = np.asarray(activation.forward(np.linspace(-8.0, 8.0, 33)[None, :]))
    top = float(np.nanmax(np.abs(values))) or 1.0
    if probe.min() >= 0 and probe.max() <= 1:
        return "viridis", 0.0, 1.0
    if probe.min() >= 0:
        return "viridis", 0.0, top
    return "RdBu_r", -top, top


def _unit_names(task: str, units: int, classes: Sequence[str], targets: Sequence[str]) -> list[str]:
    if task == "multiclass":
        return [f"P({name})" for name in (list(classes) or map(str, range(units)))]
    if task == "regression":
        return list(targets) if len(targets) == units else ["output"] if units == 1 else [
            f"output {u + 1}" for u in range(units)]
    return ["output"] * units


def neuron_maps(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray, activation: str | Activation,
                output: str | Activation, path: str | Path, *, task: str = "binary", title: str = "",
                columns: tuple[int, int] = (0, 1), features: Sequence[str] = (), classes: Sequence[str] = (),
                targets: Sequence[str] = (), inputs: Inputs | None = None) -> Path:
    """Every hidden unit's output over the input plane, one column per layer (as Playground's network view),
    the output's map last: each class's probability for a multi-class network, the fitted surface for
    regression, with the training points on the output's maps. Layers wider than :data:`MAX_MAP_UNITS`
    show their first units and say so. With more than two features the plane is ``columns``, the others
    at their mean."""
    xs, ys, maps, acts = neuron_grid(params, x, activation, output, columns, inputs=inputs)
    features = list(features) or [f"x{i + 1}" for i in range(x.shape[1])]
    widths = [m.shape[-1] for m in maps]
    rows = min(MAX_MAP_UNITS, max(widths))
    cell = 1.25 if rows <= 8 else 0.95  # inches per map
    lines = [_plain(title)] if title else []
    lines += ["Neuron maps: every unit's output over the input plane",
              f"{_plain(features[columns[0]])} across, {_plain(features[columns[1]])} up"]
    if x.shape[1] > 2:
        lines.append(f"the other {x.shape[1] - 2} feature{'s' if x.shape[1] > 3 else ''} at their mean")
    step, top, bottom = cell + 0.3, 0.45 + 0.17 * len(lines), 0.75  # a map and its title; headings; colour bars
    side = max(0.25, (5.5 - len(maps) * (cell + 0.35)) / 2)  # narrow networks centred in a figure the title fits
    width, height = side * 2 + len(maps) * (cell + 0.35), top + rows * step + bottom
    figure = _figure(width, height)
    figure.set_layout_engine("none")  # placed by hand: columns centred like the layers of a network drawing
    names = _unit_names(task, widths[-1], classes, targets)
    plane = x[:, list(columns)]
    labels = class_indices(y) if task == "multiclass" else (y[:, 0] >= 0.5).astype(int) if task == "binary" else None
    for layer, (values, act) in enumerate(zip(maps, acts)):
        last = layer == len(maps) - 1
        cmap, low, high = _scale(act, values)
        shown = min(rows, values.shape[-1])
        left = side + layer * (cell + 0.35) + 0.175
        first_top = top + (rows - shown) * step / 2
        for u in range(shown):
            upper = first_top + u * step + 0.22  # the title's room above the map
            axes = figure.add_axes((left / width, 1 - (upper + cell) / height, cell / width, cell / height))
            mesh = axes.pcolormesh(xs, ys, values[:, :, u], cmap=cmap, vmin=low, vmax=high, shading="auto",
                                   rasterized=True)
            if last and labels is not None:
                colours = np.array(class_colours(max(2, values.shape[-1])) if task == "multiclass" else CLASS_COLOURS,
                                   dtype=object)
                axes.scatter(plane[:, 0], plane[:, 1], c=list(colours[labels]), s=4, linewidths=0.2,
                             edgecolors="white", zorder=3)
            elif last:
                axes.scatter(plane[:, 0], plane[:, 1], s=3, color="black", linewidths=0, zorder=3)
            axes.set_xlim(xs[0], xs[-1])
            axes.set_ylim(ys[0], ys[-1])
            axes.set_title(_plain(names[u]) if last else f"layer {layer + 1} unit {u + 1}", fontsize=6.5, pad=2)
            axes.set_xticks([])
            axes.set_yticks([])
        heading = f"output ({act.name})" if last else f"hidden {layer + 1} ({act.name})"
        if values.shape[-1] > rows:
            heading += f", first {rows} of {values.shape[-1]}"
        figure.text((left + cell / 2) / width, 1 - (top - 0.08) / height, _plain(heading), ha="center", va="bottom",
                    fontsize=7, fontweight="bold")
        bar = figure.add_axes((left / width, 0.45 / height, cell / width, 0.1 / height))
        figure.colorbar(mesh, cax=bar, orientation="horizontal").ax.tick_params(labelsize=6)
    figure.text(0.5, 1 - 0.08 / height, "\n".join(lines), ha="center", va="top", fontsize=8)
    figure.savefig(path)
    return Path(path)


def _kept_units(params: Mapping[str, np.ndarray], sizes: Sequence[int]) -> list[np.ndarray]:
    """Each layer's units the network figure draws: all up to :data:`MAX_NODES`, else the :data:`MAX_NODES`
    with the largest outgoing weights (summed |w|; the output layer's by incoming), in their order."""
    kept = []
    for layer, size in enumerate(sizes):
        if size <= MAX_NODES:
            kept.append(np.arange(size))
            continue
        weights = params.get(f"W{layer + 1}")
        reach = (np.abs(np.asarray(weights)).sum(axis=1) if weights is not None
                 else np.abs(np.asarray(params[f"W{layer}"])).sum(axis=0))
        kept.append(np.sort(np.argsort(-reach, kind="stable")[:MAX_NODES]))
    return kept


def network(params: Mapping[str, np.ndarray], x: np.ndarray, activation: str | Activation, output: str | Activation,
            path: str | Path, *, title: str = "", columns: tuple[int, int] = (0, 1), features: Sequence[str] = (),
            outputs: Sequence[str] = (), inputs: Inputs | None = None, input_names: Sequence[str] = ()) -> Path:
    """The network as layers of nodes with every connection drawn: blue for a positive weight, orange for a
    negative one, its width in proportion to |w| (the figure's largest |w| the widest, as the legend says).
    With two inputs each node shows its neuron map in miniature (the inputs their own feature), as
    TensorFlow Playground does. A layer wider than :data:`MAX_NODES` shows the units with the largest
    outgoing weights, and the title says so. With ``inputs`` (``--features``) the input nodes are the
    network's inputs, named by ``input_names``, and the maps are over the plane of the data's columns ``x``."""
    sizes = [np.shape(params["W1"])[0], *(np.shape(params[f"W{i}"])[1] for i in range(1, len(params) // 2 + 1))]
    kept = _kept_units(params, sizes)
    features = list(input_names) or list(features) or [f"x{i + 1}" for i in range(x.shape[1])]
    tallest = max(len(units) for units in kept)
    gap = max(2.0, 0.3 * tallest)  # between layers: wide enough for the connections of tall layers to be seen
    height = 1.4 + min(0.55 * tallest, 14.0)
    span = (len(sizes) - 1) * gap + 2.6, tallest + 2.0  # the drawing's extent in data units
    figure = _figure(max(6.5, min(18.0, (height - 1.4) * span[0] / span[1] + 1.0)), height)
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    axes = figure.add_subplot()
    spacing = 1.0

    def place(layer: int) -> np.ndarray:
        count = len(kept[layer])
        return (np.arange(count) - (count - 1) / 2) * -spacing  # first unit on top, each layer centred

    heights = [place(layer) for layer in range(len(sizes))]
    largest = max(float(np.max(np.abs(np.asarray(params[f"W{i}"])))) for i in range(1, len(sizes))) or 1.0
    segments, colours, widths = [], [], []
    for layer in range(1, len(sizes)):
        W = np.asarray(params[f"W{layer}"])
        for a, i in enumerate(kept[layer - 1]):
            for b, j in enumerate(kept[layer]):
                segments.append([((layer - 1) * gap, heights[layer - 1][a]), (layer * gap, heights[layer][b])])
                colours.append(POSITIVE if W[i, j] >= 0 else NEGATIVE)
                widths.append(0.15 + 4.0 * abs(float(W[i, j])) / largest)
    axes.add_collection(LineCollection(segments, colors=colours, linewidths=widths, alpha=0.75, zorder=1))
    size = min(0.36, 0.42 * spacing)
    two = x.shape[1] == 2
    if two:
        xs, ys, maps, acts = neuron_grid(params, x, activation, output, columns, resolution=32, inputs=inputs)
        _, _, points = plane_grid(x, columns, resolution=32)
        maps = [network_inputs(points, inputs).reshape(len(ys), len(xs), -1), *maps]  # each input over the plane
    for layer in range(len(sizes)):
        for row, unit in enumerate(kept[layer]):
            centre = (layer * gap, heights[layer][row])
            if two:
                inset = axes.inset_axes((centre[0] - size, centre[1] - size, 2 * size, 2 * size),
                                        transform=axes.transData, zorder=3)
                values = maps[layer][:, :, unit]
                if layer == 0:
                    cmap, low, high = "Greys", float(values.min()), float(values.max())
                else:
                    cmap, low, high = _scale(acts[layer - 1], maps[layer])
                inset.imshow(values, origin="lower", cmap=cmap, vmin=low, vmax=high, interpolation="nearest",
                             aspect="auto")
                inset.set_xticks([])
                inset.set_yticks([])
            else:
                axes.scatter(*centre, s=180, color="white", edgecolors="black", linewidths=1.0, zorder=3)
        label = ("inputs" if layer == 0 else "output" if layer == len(sizes) - 1 else f"hidden {layer}")
        axes.text(layer * gap, heights[layer][0] + size + 0.35, label, ha="center", va="bottom", fontsize="small",
                  fontweight="bold")
    for row, unit in enumerate(kept[0]):
        axes.text(-size - 0.08, heights[0][row], _plain(features[unit]), ha="right", va="center", fontsize="small")
    for row, unit in enumerate(kept[-1]):
        name = outputs[unit] if len(outputs) == sizes[-1] else ("output" if sizes[-1] == 1 else f"output {unit + 1}")
        axes.text((len(sizes) - 1) * gap + size + 0.08, heights[-1][row], _plain(name), ha="left", va="center",
                  fontsize="small")
    top = max(h[0] for h in heights) + size + 0.9
    axes.set_xlim(-1.3, (len(sizes) - 1) * gap + 1.3)
    axes.set_ylim(-top + 0.2, top)
    axes.set_aspect("equal")  # square nodes
    axes.set_axis_off()
    handles = [Line2D([], [], color=POSITIVE, linewidth=4.15, label=f"positive, |w| = {largest:.3g} (largest)"),
               Line2D([], [], color=NEGATIVE, linewidth=4.15, label=f"negative, |w| = {largest:.3g}"),
               Line2D([], [], color="grey", linewidth=0.15 + 4.0 * 0.25, label=f"|w| = {largest / 4:.3g}")]
    axes.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, -0.02), ncols=3, fontsize="small",
                frameon=False)
    heading = f"The weights of the {'-'.join(map(str, sizes))} network"
    cut = [f"{len(units)} of {size}" for units, size in zip(kept, sizes) if len(units) < size]
    if cut:
        heading += f" (showing the units with the largest outgoing weights: {', '.join(cut)})"
    figure.suptitle((_plain(title) + "\n" if title else "") + heading, fontsize="medium")
    figure.savefig(path)
    return Path(path)


def frame_epochs(epochs: int, count: int = FRAMES) -> np.ndarray:
    """About ``count`` epochs from 1 to ``epochs`` spaced geometrically, so the early epochs, where most
    changes, get most frames: the fewest geometric steps that give ``count`` different whole epochs (every
    epoch when there are not more)."""
    if epochs <= count:
        return np.arange(1, epochs + 1)
    steps = count
    while True:
        chosen = np.unique(np.round(np.geomspace(1, epochs, steps)).astype(int))
        if len(chosen) >= count:
            return chosen
        steps += max(1, count - len(chosen))


def animation(frames: Sequence[Mapping[str, np.ndarray]], epochs: Sequence[int], loss: np.ndarray, x: np.ndarray,
              y: np.ndarray, activation: str | Activation, output: str | Activation, path: str | Path, *,
              task: str = "binary", title: str = "", columns: tuple[int, int] = (0, 1), features: Sequence[str] = (),
              mp4: str | Path | None = None, fps: int = 10, dpi: int = 80, inputs: Inputs | None = None,
              in_target_units: Callable[[np.ndarray], np.ndarray] | None = None,
              loss_label: str = "loss") -> Path:
    """Training as an animation, one frame per ``frames`` (the parameters at ``epochs``): the decision regions
    (a binary network's output, a multi-class network's classes; for regression the fitted curve, or the
    surface over two features) beside the loss curve with a marker at the frame's epoch. Written as a GIF at
    ``path`` with matplotlib's Pillow writer, and as MP4 at ``mp4`` when given (ffmpeg must be installed).
    ``in_target_units`` turns a regression network's outputs (and ``y``) into the data's units, when the run
    trained on standardized targets."""
    if in_target_units is not None:
        y = in_target_units(y)
    to_data = in_target_units or (lambda values: values)
    from matplotlib.animation import FFMpegWriter
    from matplotlib.colors import LinearSegmentedColormap, ListedColormap, to_rgb
    from matplotlib.ticker import NullFormatter

    figure = _figure(9.0, 4.0)
    figure.set_dpi(dpi)  # the frames are the canvas's pixels
    left, right = figure.subplots(1, 2, width_ratios=(1.0, 1.15))
    features = list(features) or [f"x{i + 1}" for i in range(x.shape[1])]
    every = max(1, len(loss) // 2000)  # a curve of thousands of points per frame costs time and shows no more
    history = np.arange(1, len(loss) + 1)
    right.plot(history[::every], np.asarray(loss)[::every], color="#1f77b4", linewidth=1.4)
    if np.all(np.asarray(loss) > 0):
        right.set_yscale("log")
        right.yaxis.set_minor_formatter(NullFormatter())  # minor labels cost most of a frame's drawing
    if len(loss) > 100:  # the frames are spaced geometrically: on a log axis the marker moves evenly
        right.set_xscale("log")
    right.set_xlabel("epoch")
    right.set_ylabel(loss_label)
    right.grid(True, alpha=0.3)
    (marker,) = right.plot([], [], "o", color="#D55E00", markersize=7, zorder=3)
    curve_mode = x.shape[1] == 1
    drawn: list = []  # the frame's artists that are replaced rather than updated (contour lines)
    if curve_mode:
        line = np.linspace(x.min(), x.max(), 300)[:, None]
        left.scatter(x[:, 0], y[:, 0], s=10, color="#56B4E9", edgecolors="#0072B2", linewidths=0.4, label="data")
        (fit,) = left.plot([], [], color="#D55E00", linewidth=2.0, label="network")
        low, high = float(y[:, 0].min()), float(y[:, 0].max())
        pad = max(high - low, 1e-9) * 0.15
        left.set_ylim(low - pad, high + pad)
        left.set_xlabel(_plain(features[0]))
        left.legend(fontsize="small", loc="best")
    else:
        xs, ys, points = plane_grid(x, columns, resolution=80)
        plane = x[:, list(columns)]
        zero = np.zeros((len(ys), len(xs)))
        if task == "multiclass":
            k = y.shape[1]
            colours = np.array([to_rgb(c) for c in class_colours(k)])
            mesh = left.pcolormesh(xs, ys, zero, cmap=ListedColormap(0.55 * colours + 0.45), vmin=-0.5,
                                   vmax=k - 0.5, shading="auto", rasterized=True)
            points_drawn = left.scatter(plane[:, 0], plane[:, 1], c=colours[class_indices(y)], s=10, edgecolors="black",
                         linewidths=0.3, zorder=3)
        elif task == "binary":
            cmap = LinearSegmentedColormap.from_list("fnn", [CLASS_COLOURS[0], "#f7f7f7", CLASS_COLOURS[1]])
            mesh = left.pcolormesh(xs, ys, zero, cmap=cmap, vmin=0.0, vmax=1.0, shading="auto", rasterized=True)
            truth = list(np.array(CLASS_COLOURS)[(y[:, 0] >= 0.5).astype(int)])
            points_drawn = left.scatter(plane[:, 0], plane[:, 1], c=truth, s=12, edgecolors="black", linewidths=0.4,
                                        zorder=3)
        else:
            low, high = float(y[:, 0].min()), float(y[:, 0].max())
            mesh = left.pcolormesh(xs, ys, zero, cmap="viridis", vmin=low, vmax=high, shading="auto", rasterized=True)
            points_drawn = left.scatter(plane[:, 0], plane[:, 1], c=y[:, 0], cmap="viridis", vmin=low, vmax=high, s=10,
                         edgecolors="black", linewidths=0.3, zorder=3)
        left.set_xlim(xs[0], xs[-1])
        left.set_ylim(ys[0], ys[-1])
        left.set_xlabel(_plain(features[columns[0]]))
        left.set_ylabel(_plain(features[columns[1]]))
    if title:
        figure.suptitle(_plain(title), fontsize="medium")

    def draw(i: int) -> None:
        params, epoch = frames[i], epochs[i]
        for artist in drawn:
            artist.remove()
        drawn.clear()
        if curve_mode:
            fitted = to_data(forward(params, network_inputs(line, inputs), activation, output)[0])
            fit.set_data(line[:, 0], fitted[:, 0])
        else:
            out = forward(params, network_inputs(points, inputs), activation, output)[0]
            out = (to_data(out) if task == "regression" else out).reshape(len(ys), len(xs), -1)
            if task == "multiclass":
                mesh.set_array(np.argmax(out, axis=-1).ravel())
            else:
                mesh.set_array(out[:, :, 0].ravel())
                if task == "binary" and out.min() < 0.5 < out.max():
                    drawn.append(left.contour(xs, ys, out[:, :, 0], levels=[0.5], colors="black", linewidths=1.2))
        marker.set_data([epoch], [loss[epoch - 1]])
        left.set_title(f"epoch {epoch}", fontsize="medium")
        right.set_title(f"loss {loss[epoch - 1]:.4g}", fontsize="medium")

    draw(0)
    figure.draw_without_rendering()
    figure.set_layout_engine("none")  # laid out once: the frames differ only in data
    changing = [marker, left.title, right.title] + ([fit] if curve_mode else [mesh, points_drawn])
    canvas = figure.canvas
    for artist in changing:  # drawn on top of the still background each frame (blitting)
        artist.set_animated(True)
    canvas.draw()
    background = canvas.copy_from_bbox(figure.bbox)

    def blit(i: int) -> None:
        draw(i)
        canvas.restore_region(background)
        for artist in [*changing[:-1], *drawn, changing[-1]]:  # the points over the regions and boundary
            figure.draw_artist(artist)

    writer = _BlittedPillowWriter(fps=fps)
    with writer.saving(figure, str(path), figure.dpi):
        for i in range(len(frames)):
            blit(i)
            writer.grab_frame()
    if mp4 is not None:  # ffmpeg's writer draws whole frames (no blitting)
        for artist in changing:
            artist.set_animated(False)
        movie = FFMpegWriter(fps=fps)
        with movie.saving(figure, str(mp4), figure.dpi):
            for i in range(len(frames)):
                draw(i)
                movie.grab_frame()
    return Path(path)


def _BlittedPillowWriter(**options):
    """matplotlib's GIF writer taking each frame from the canvas as it was last drawn (by blitting) rather
    than drawing the whole figure again: a 60-frame animation then takes a second or two instead of ten."""
    from matplotlib.animation import PillowWriter
    from PIL import Image

    class Writer(PillowWriter):
        def grab_frame(self, **savefig_kwargs):
            canvas = self.fig.canvas
            self._frames.append(Image.frombuffer("RGBA", canvas.get_width_height(), bytes(canvas.buffer_rgba()),
                                                 "raw", "RGBA", 0, 1))

    return Writer(**options)
