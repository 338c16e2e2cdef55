"""The views inside the network (``fnn.figures.views``), checked by what they draw.

Covers: the neuron grid is the forward pass's per-layer output at the grid's points; ``neurons.png`` has one map
per unit of each layer (the output's last), each map's values those of the grid, small titles naming layer and
unit, 0..1 colours for sigmoid and a diverging scale around 0 for tanh; ``network.png`` draws every connection
coloured by the sign of its weight and as wide as its size (the largest the widest), one miniature map per node
with two inputs, and at most 32 units of a wide layer, saying so; the frame epochs (about 60, geometric, the
first and last included); ``FrameKeeper`` keeps only the chosen epochs and ``frames.npz`` reads back equal;
``fnn run --animate --out`` writes a GIF with one frame per kept epoch; ``--plot-features`` chooses the plane
and an unknown name is a one-line error naming the allowed ones; ``--animate`` without ``--out`` is refused.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex

from fnn.core.network import forward, init_params
from fnn.figures import views
from fnn.runs.frames import FrameKeeper, load_frames, save_frames
from fnn.runs.training import Epoch

from support import assert_one_line_error, cli, ok

X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.2]])
Y = np.array([[0.0], [1.0], [1.0], [0.0], [1.0]])


@pytest.fixture
def params():
    return init_params((2, 4, 8, 1), seed=3, init="normal")


def _figure_of(monkeypatch, function, *args, **kwargs):
    """Call a drawing function and return the Figure it drew (its ``savefig`` is recorded, not written)."""
    from matplotlib.figure import Figure

    drawn = []
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: drawn.append(self))
    function(*args, **kwargs)
    assert len(drawn) == 1
    return drawn[0]


@pytest.mark.parametrize("i, j", [(0, 0), (5, 17), (31, 2), (12, 31)])
def test_the_neuron_grid_is_the_forward_pass_at_its_points(params, i, j):
    xs, ys, maps, _ = views.neuron_grid(params, X, "tanh", "sigmoid", resolution=32)
    _, cache = forward(params, np.array([[xs[j], ys[i]]]), "tanh", "sigmoid")
    assert [m.shape[-1] for m in maps] == [4, 8, 1]
    for layer, a in enumerate(cache.a):
        np.testing.assert_allclose(maps[layer][i, j], a[0])


def test_neuron_maps_draw_every_unit_of_every_layer(monkeypatch, tmp_path, params):
    figure = _figure_of(monkeypatch, views.neuron_maps, params, X, Y, "tanh", "sigmoid", tmp_path / "n.png")
    maps = [axes for axes in figure.axes if axes.get_title()]
    titles = [axes.get_title() for axes in maps]
    assert titles == [f"layer 1 unit {u}" for u in range(1, 5)] + [f"layer 2 unit {u}" for u in range(1, 9)] + [
        "output"]
    _, _, grid, _ = views.neuron_grid(params, X, "tanh", "sigmoid")
    values = [grid[0][:, :, u] for u in range(4)] + [grid[1][:, :, u] for u in range(8)] + [grid[2][:, :, 0]]
    for axes, expected in zip(maps, values):
        mesh = axes.collections[0]
        np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(expected.shape), expected)
    hidden, output = maps[0].collections[0], maps[-1].collections[0]
    assert hidden.cmap.name == "RdBu_r" and hidden.norm.vmin == -hidden.norm.vmax  # tanh: diverging around 0
    assert output.cmap.name == "viridis" and (output.norm.vmin, output.norm.vmax) == (0.0, 1.0)  # sigmoid: 0..1
    assert len(maps[-1].collections) == 2  # the points on the output's map


def test_multiclass_neuron_maps_show_each_class_probability(monkeypatch, tmp_path):
    params = init_params((2, 3, 3), seed=1)
    y = np.eye(3)[[0, 1, 2, 0, 1]]
    figure = _figure_of(monkeypatch, views.neuron_maps, params, X, y, "relu", "softmax", tmp_path / "n.png",
                        task="multiclass", classes=("a", "b", "c"))
    titles = [axes.get_title() for axes in figure.axes if axes.get_title()]
    assert titles[-3:] == ["P(a)", "P(b)", "P(c)"]
    relu = next(axes for axes in figure.axes if axes.get_title() == "layer 1 unit 1").collections[0]
    assert relu.norm.vmin == 0.0 and relu.cmap.name == "viridis"


def test_the_network_colours_connections_by_sign_and_widths_by_size(monkeypatch, tmp_path, params):
    figure = _figure_of(monkeypatch, views.network, params, X, "tanh", "sigmoid", tmp_path / "w.png")
    main = figure.axes[0]
    (lines,) = [c for c in main.collections if isinstance(c, LineCollection)]
    weights = np.concatenate([np.asarray(params[f"W{i}"]).ravel() for i in (1, 2, 3)])
    assert len(lines.get_segments()) == 2 * 4 + 4 * 8 + 8 * 1
    colours = [to_hex(c) for c in lines.get_edgecolors()]
    assert colours == [to_hex(views.POSITIVE if w >= 0 else views.NEGATIVE) for w in weights]
    widths = lines.get_linewidths()
    np.testing.assert_allclose(widths, 0.15 + 4.0 * np.abs(weights) / np.abs(weights).max())
    assert len(main.child_axes) == 2 + 4 + 8 + 1  # a miniature map per node
    legend = [text.get_text() for text in main.get_legend().get_texts()]
    assert f"{np.abs(weights).max():.3g}" in legend[0]


def test_a_wide_layer_shows_its_32_units_with_the_largest_outgoing_weights(monkeypatch, tmp_path):
    params = init_params((3, 40, 1), seed=0)
    figure = _figure_of(monkeypatch, views.network, params, np.random.default_rng(0).normal(size=(9, 3)), "tanh",
                        "sigmoid", tmp_path / "w.png")
    (lines,) = [c for c in figure.axes[0].collections if isinstance(c, LineCollection)]
    assert len(lines.get_segments()) == 3 * 32 + 32 * 1
    assert "32 of 40" in figure._suptitle.get_text()
    kept = views._kept_units(params, (3, 40, 1))[1]
    reach = np.abs(np.asarray(params["W2"])).sum(axis=1)
    assert set(kept) == set(np.argsort(-reach)[:32])


def test_frame_epochs_are_about_60_spaced_geometrically():
    epochs = views.frame_epochs(10_000)
    assert len(epochs) == 60 and epochs[0] == 1 and epochs[-1] == 10_000
    assert np.all(np.diff(epochs) > 0) and np.sum(epochs <= 100) > np.sum(epochs > 5000)  # early epochs get more
    np.testing.assert_array_equal(views.frame_epochs(12), np.arange(1, 13))


def test_the_keeper_keeps_only_the_chosen_epochs_and_frames_read_back_equal(tmp_path, params):
    keeper = FrameKeeper(200, count=10)
    records = [Epoch(e, 0.1, None, params, None) for e in range(1, 151)]  # stopped early, at 150
    for record in records:
        keeper(record)
    frames = keeper.frames(records[-1])
    assert set(frames.epochs) <= set(views.frame_epochs(200, 10).tolist()) | {150}
    assert frames.epochs[-1] == 150 and len(keeper.kept) < 10
    save_frames(tmp_path / "frames.npz", frames)
    back = load_frames(tmp_path / "frames.npz")
    assert back.epochs == frames.epochs
    for a, b in zip(back.params, frames.params):
        assert list(a) == list(b) and all(np.array_equal(a[k], b[k]) for k in a)


def test_run_animate_writes_one_gif_frame_per_kept_epoch(tmp_path):
    from PIL import Image

    ok("run", "--epochs", "300", "--out", tmp_path / "r", "--animate", "-q")
    frames = load_frames(tmp_path / "r" / "frames.npz")
    assert frames.epochs[0] == 1 and frames.epochs[-1] == 300 and len(frames.epochs) == 60
    with Image.open(tmp_path / "r" / "training.gif") as gif:
        assert gif.n_frames == 60


def test_plot_features_choose_the_plane_and_unknown_names_are_one_line_errors(tmp_path):
    data = tmp_path / "four.csv"
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4))
    rows = "\n".join(",".join(f"{v:.4f}" for v in row) + f",{int(row[2] > 0)}" for row in x)
    data.write_text("a,b,c,d,label\n" + rows + "\n")
    assert views.plot_columns("d,b", ["a", "b", "c", "d"]) == (3, 1)
    ok("run", "--data", data, "--epochs", "20", "--plot-features", "c,a", "--out", tmp_path / "r", "-q")
    assert (tmp_path / "r" / "neurons.png").exists()
    message = assert_one_line_error(cli("run", "--data", data, "--epochs", "2", "--plot-features", "c,zz"), 2,
                                    "'zz'", "allowed: a, b, c, d")
    assert "--plot-features" in message
    assert_one_line_error(cli("run", "--epochs", "2", "--plot-features", "x1"), 2, "--plot-features", "NAME,NAME")


def test_a_regression_animation_draws_in_the_data_units(monkeypatch, tmp_path):
    made: list = []
    real = views._figure
    monkeypatch.setattr(views, "_figure", lambda *a, **k: made.append(real(*a, **k)) or made[-1])
    weights = init_params((1, 4, 1), seed=0)
    x = np.linspace(-1, 1, 30)[:, None]
    standardized = np.sin(3 * x)  # what the network trains on

    def in_data_units(values):
        return 150 + 77 * values

    views.animation([weights, weights], [1, 2], np.array([1.0, 0.5]), x, standardized, "sigmoid", "identity",
                    tmp_path / "t.gif", task="regression", in_target_units=in_data_units,
                    loss_label="loss (standardized targets)")
    left, right = made[0].axes
    line = np.linspace(-1, 1, 300)[:, None]
    fitted = in_data_units(forward(weights, line, "sigmoid", "identity")[0])
    assert np.allclose(left.get_lines()[0].get_ydata(), fitted[:, 0])
    assert np.allclose(left.collections[0].get_offsets()[:, 1], in_data_units(standardized)[:, 0])
    assert right.get_ylabel() == "loss (standardized targets)"


def test_animate_needs_a_run_folder():
    assert_one_line_error(cli("run", "--epochs", "2", "--animate"), 2, "--animate", "--out")


def _drawn(figure) -> list:
    """What a figure draws, comparably: every axes' title and labels and its collections' data."""
    seen = []
    for axes in figure.axes:
        seen.append((axes.get_title(), axes.get_xlabel(), axes.get_ylabel()))
        for collection in axes.collections:
            data = collection.get_array() if collection.get_array() is not None else collection.get_offsets()
            seen.append(np.round(np.asarray(data, dtype=float), 10).tolist())
        for line in axes.get_lines():
            seen.append(np.asarray(line.get_ydata(), dtype=float).tolist())
    return seen + [figure._suptitle.get_text() if figure._suptitle else ""]


@pytest.mark.parametrize("args", [["--epochs", "40"], ["-d", "spiral", "--classes", "3", "--epochs", "30",
                                                        "--test-split", "0.3", "--standardize"]])
def test_fnn_plot_redraws_every_figure_as_it_was(monkeypatch, tmp_path, args):
    from matplotlib.figure import Figure

    drawn: list = []
    save = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: drawn.append((Path(a[0]).name, self)) or save(
        self, *a, **k))
    ok("run", *args, "--out", tmp_path / "r", "-q")
    first = {name: _drawn(figure) for name, figure in drawn}
    drawn.clear()
    result = ok("plot", tmp_path / "r")
    again = {name: _drawn(figure) for name, figure in drawn}
    assert sorted(again) == sorted(first) and "neurons.png" in again
    for name in first:
        assert again[name] == first[name], name
    assert "Redrawn in" in result.stdout
    ok("plot", tmp_path / "r", "--format", "svg")
    assert (tmp_path / "r" / "network.svg").read_text().startswith("<?xml")


def test_fnn_plot_replaces_only_what_fnn_wrote(tmp_path):
    ok("run", "--epochs", "5", "--out", tmp_path / "r", "-q")
    mine = tmp_path / "mine.png"
    mine.write_bytes(b"a student's figure")
    (tmp_path / "r" / "network.png").unlink()
    (tmp_path / "r" / "network.png").symlink_to(mine)
    assert_one_line_error(cli("plot", tmp_path / "r"), 1, "network.png", "fnn plot leaves it alone")
    assert mine.read_bytes() == b"a student's figure"
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".fnn-")]
    assert_one_line_error(cli("plot", tmp_path), 2, "not a folder fnn wrote")
    assert_one_line_error(cli("plot", tmp_path / "r", "--animate"), 2, "frames.npz", "--animate")


@pytest.mark.parametrize("args", [
    ("--lr", "0.5,1", "--seed", "1,2", "--epochs", "30"),  # binary: a loss row and an accuracy row
    ("-d", "sine", "--lr", "0.05,0.1", "--hidden", "4/8", "--epochs", "30"),  # regression: loss and R²
    ("--lr", "0.5,1", "--patience", "3", "--epochs", "60"),  # runs of different lengths (NaN-padded curves)
])
def test_fnn_plot_redraws_a_sweep_folder_as_it_was(monkeypatch, tmp_path, args):
    from matplotlib.figure import Figure

    drawn: list = []
    save = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: drawn.append((Path(a[0]).name, self)) or save(
        self, *a, **k))
    ok("sweep", *args, "--out", tmp_path / "s")
    first = {name: _drawn(figure) for name, figure in drawn}
    drawn.clear()
    result = ok("plot", tmp_path / "s")
    again = {name: _drawn(figure) for name, figure in drawn}
    assert sorted(again) == sorted(first) and first
    for name in first:
        assert again[name] == first[name], name
    assert "Redrawn in" in result.stdout
    ok("plot", tmp_path / "s", "--format", "pdf")
    assert (tmp_path / "s" / "loss_by_learning_rate.pdf").read_bytes().startswith(b"%PDF")


def test_a_regression_sweep_draws_its_r2_beside_a_loss_on_standardized_targets(monkeypatch, tmp_path):
    from matplotlib.figure import Figure

    drawn: list = []
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: drawn.append(self))
    ok("sweep", "-d", "sine", "--lr", "0.05,0.1", "--epochs", "20", "--out", tmp_path / "s")
    (figure,) = drawn
    labels = {axes.get_ylabel() for axes in figure.axes}
    assert {"loss (standardized targets)", "R²"} <= labels
    assert figure._suptitle.get_text().startswith("Loss and R² by lr")


def test_fnn_plot_says_why_a_sweep_without_curves_cannot_be_redrawn(tmp_path):
    ok("sweep", "--lr", "0.5,1", "--epochs", "5", "--out", tmp_path / "s")
    (tmp_path / "s" / "curves.npz").unlink()  # as a sweep folder written before sweeps kept their curves
    assert_one_line_error(cli("plot", tmp_path / "s"), 1, "no curves.npz", "run the sweep again")
