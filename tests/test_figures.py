"""Figures for a report (``fnn.figures.plots``) and keeping matplotlib out of the commands that do not draw.

Covers: ``learning_curve``, ``comparison`` and ``overlay`` write real PNG files
(signature and IHDR chunk read with ``struct``) whose pixel size is the
figure size times ``fnn.figures.plots.DPI``; they draw through the Agg canvas with no
display and never touch pyplot (checked in a fresh interpreter whose
``MPLBACKEND`` names a backend that does not exist and without ``DISPLAY``);
``decision_grid`` is ``fnn.predict`` over the grid in the documented
orientation ``z[i, j] = predict([xs[j], ys[i]])``, covers the data with the
margin, and handles a degenerate axis; ``overlay`` with one and several
panels; ``learning_curve`` with a loss that reaches zero. Finally ``import
fnn``, ``import fnn.cli``, ``fnn --help`` and ``fnn run --json`` do not import
matplotlib (with ``fnn run --out`` as the positive control).

Then every task's figures, by what they draw: the multi-class comparison (k
region colours from Okabe-Ito, the regions where the network's largest output
is, rings on exactly the misclassified points, class names in the legend, the
plane of the two features the first layer weighs most with a note), the
confusion matrix (each count in its cell, rows true, class names on both
axes), regression (the fitted curve over the data, the surface and the points
on one colour scale, predicted against true with the diagonal, at most three
outputs), the learning curve of R²; and run folders per task: which figures,
titles with the epochs, seed, final loss and metric, standardized axes named
so, and all text inside the figure.

The binary comparison by what each point shows: at 100% accuracy no point
carries the misclassified ring and points on the boundary keep their colour;
otherwise exactly the misclassified points are ringed, in the predictions and on
the boundary; test points are bigger triangles in the legend; the panels and
colour bar fill the figure's height; CSV columns and classes name the axes and
legend. Sweep figures: each run drawn thinly below ``BAND_MIN`` runs a line,
medians and bands from it up, panel titles with true counts, pooling beyond 12
panels said in the title, the accuracy row, what was held fixed, a bounded
width and every text inside the figure.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import numpy as np
import pytest

import fnn
from fnn.figures import plots as figures
from fnn.figures.plots import DPI, decision_grid

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) of a PNG file, from its IHDR chunk; fails unless the file is a well-formed PNG start."""
    data = Path(path).read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", data[16:29])
    (crc,) = struct.unpack(">I", data[29:33])
    assert crc == zlib.crc32(data[12:29]), "IHDR checksum does not match"
    assert depth == 8 and colour in (2, 6)  # 8-bit RGB or RGBA, as Agg writes
    assert data[-12:] == struct.pack(">I4s", 0, b"IEND") + struct.pack(">I", zlib.crc32(b"IEND")), "file truncated"
    return width, height


def pixels(width_in: float, height_in: float) -> tuple[int, int]:
    return round(width_in * DPI), round(height_in * DPI)


def overlay_inches(count: int, metrics: bool = False) -> tuple[float, float]:
    """The overlay layout: up to three panels per row, 3.7 in per column (at least 6.5), 3 in per row of loss
    panels and 2.3 per row of metric panels, 1.3 in for the titles and legend."""
    columns = min(3, count)
    rows = -(-count // columns)
    return max(6.5, 3.7 * columns + 0.4), (3.0 + 2.3 * metrics) * rows + 1.3


def curves(count: int, length: int = 40, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.exp(-np.linspace(0, 3, length)) * (1 + 0.1 * rng.random()) for _ in range(count)]


def learning_curve(loss, accuracy, path, **kwargs) -> Path:
    """``figures.learning_curve`` for a loss and an accuracy curve."""
    return figures.learning_curve({"loss": np.asarray(loss), "accuracy": np.asarray(accuracy)}, path, **kwargs)


@pytest.fixture(scope="module")
def trained():
    return fnn.fit(epochs=100, hidden=(4,), seed=3)


# ----------------------------------------------------------------------------------------------------- PNG files


def test_learning_curve_is_a_png_of_the_figure_size(tmp_path, trained):
    path = learning_curve(trained.loss, trained.accuracy, tmp_path / "lc.png", title="xor")
    assert path == tmp_path / "lc.png"
    assert png_size(path) == pixels(7.0, 4.0)


def test_comparison_is_a_png_of_the_figure_size(tmp_path, trained, drawn):
    e = trained.experiment
    path = figures.comparison(trained.final.params, e.x, e.y, e.activation, e.output, tmp_path / "c.png", title="t")
    assert path == tmp_path / "c.png"
    assert np.allclose(png_size(path), pixels(*drawn[0].get_size_inches()), atol=1)  # the height: to a pixel
    assert drawn[0].get_size_inches()[0] == 13.0


def test_comparison_with_names_and_many_points(tmp_path, drawn):
    result = fnn.fit(dataset="linear", n_samples=300, epochs=50, seed=1)
    e = result.experiment
    path = figures.comparison(result.final.params, e.x, e.y, "sigmoid", "sigmoid", tmp_path / "c.png")
    assert np.allclose(png_size(path), pixels(*drawn[0].get_size_inches()), atol=1)


def test_learning_curve_with_a_zero_loss_uses_a_linear_axis_without_error(tmp_path):
    loss = np.array([0.5, 0.25, 0.1, 0.0, 0.0])
    accuracy = np.array([0.5, 0.5, 1.0, 1.0, 1.0])
    path = learning_curve(loss, accuracy, tmp_path / "zero.png")
    assert png_size(path) == pixels(7.0, 4.0)


def test_learning_curve_of_a_single_epoch(tmp_path):
    path = learning_curve(np.array([0.3]), np.array([1.0]), tmp_path / "one.png")
    assert png_size(path) == pixels(7.0, 4.0)


def test_overlay_one_panel(tmp_path):
    panels = {"": {"lr=0.1": curves(1), "lr=1": curves(1, seed=1)}}
    path = figures.overlay(panels, tmp_path / "one.png", title="Loss by lr")
    assert png_size(path) == pixels(*overlay_inches(1))


@pytest.mark.parametrize("count", [2, 3, 4, 7])
def test_overlay_several_panels_with_seed_bands(tmp_path, count):
    # Several curves per label (seeds, of different lengths) are drawn as median and band.
    panels = {f"hidden={i}": {"lr=0.1": curves(3, seed=i), "lr=1": [*curves(2, seed=9), curves(1, 25)[0]]}
              for i in range(count)}
    path = figures.overlay(panels, tmp_path / "many.png", title="Loss by lr")
    assert png_size(path) == pixels(*overlay_inches(count))


def test_overlay_with_a_zero_loss_and_another_ylabel(tmp_path):
    panels = {"a": {"x": [np.array([1.0, 0.0, 0.0])]}, "b": {"x": [np.array([0.5, 0.2, 0.1])]}}
    assert png_size(figures.overlay(panels, tmp_path / "z.png", title="t")) == pixels(*overlay_inches(2))
    accuracy = figures.overlay(panels, tmp_path / "acc.png", title="t", ylabel="accuracy")
    assert png_size(accuracy) == pixels(*overlay_inches(2))


# ------------------------------------------------------------------------------------------------ decision_grid


@pytest.fixture(scope="module")
def asymmetric():
    """Random 2-5-1 tanh parameters and data whose two features span very different ranges."""
    params = fnn.init_params((2, 5, 1), np.random.default_rng(7), "normal")
    rng = np.random.default_rng(8)
    x = np.column_stack([rng.uniform(0.0, 1.0, 30), rng.uniform(-5.0, 3.0, 30)])
    return params, x


def test_decision_grid_is_predict_over_the_grid(asymmetric):
    params, x = asymmetric
    xs, ys, z = decision_grid(params, x, "tanh", "sigmoid", resolution=50)
    assert xs.shape == ys.shape == (50,) and z.shape == (50, 50)
    # The same points in the documented order, built independently: row i is ys[i], column j is xs[j].
    points = np.array([[xs[j], ys[i]] for i in range(50) for j in range(50)])
    expected = fnn.predict(params, points, "tanh", "sigmoid")[:, 0].reshape(50, 50)
    assert np.array_equal(z, expected)


@pytest.mark.parametrize("i, j", [(0, 0), (0, 49), (49, 0), (49, 49), (10, 37), (31, 4), (25, 25)])
def test_decision_grid_point_by_point(asymmetric, i, j):
    params, x = asymmetric
    xs, ys, z = decision_grid(params, x, "tanh", "sigmoid", resolution=50)
    single = fnn.predict(params, np.array([[xs[j], ys[i]]]), "tanh", "sigmoid")[0, 0]
    swapped = fnn.predict(params, np.array([[xs[i], ys[j]]]), "tanh", "sigmoid")[0, 0]
    # A one-row matrix product may round in the last bit differently from the batched one (BLAS
    # kernels), so this is to 1e-12 relative; the whole-grid test above compares exactly.
    assert z[i, j] == pytest.approx(single, rel=1e-12, abs=0)
    if i != j:
        assert z[i, j] != pytest.approx(swapped, rel=1e-6)  # the orientation is not transposed


def test_decision_grid_agrees_with_a_trained_network(trained):
    e = trained.experiment
    xs, ys, z = decision_grid(trained.final.params, e.x, e.activation, e.output)
    gx, gy = np.meshgrid(xs, ys)
    expected = fnn.predict(trained.final.params, np.column_stack([gx.ravel(), gy.ravel()]), e.activation, e.output)
    assert np.array_equal(z, expected[:, 0].reshape(z.shape))
    assert z.shape == (200, 200)  # the default resolution
    assert np.all((z > 0) & (z < 1))


@pytest.mark.parametrize("margin", [0.1, 0.25])
def test_decision_grid_covers_the_data_with_a_margin(asymmetric, margin):
    params, x = asymmetric
    xs, ys, _ = decision_grid(params, x, "tanh", "sigmoid", resolution=30, margin=margin)
    for axis, values in ((0, xs), (1, ys)):
        low, high = x[:, axis].min(), x[:, axis].max()
        pad = (high - low) * margin
        assert values[0] == pytest.approx(low - pad) and values[-1] == pytest.approx(high + pad)
        assert values[0] < low and values[-1] > high
        assert np.all(np.diff(values) > 0)
        assert np.allclose(np.diff(values), np.diff(values)[0])  # evenly spaced


def test_decision_grid_with_a_degenerate_axis(asymmetric):
    params, _ = asymmetric
    x = np.column_stack([np.full(6, 0.3), np.linspace(-1.0, 2.0, 6)])  # every x1 equal
    xs, ys, z = decision_grid(params, x, "tanh", "sigmoid", resolution=20)
    assert np.all(np.isfinite(xs)) and np.all(np.isfinite(z))
    assert np.all(np.diff(xs) > 0), "a flat axis must still get a proper range"
    assert xs[0] < 0.3 < xs[-1]
    assert ys[0] < -1.0 and ys[-1] > 2.0


def test_decision_grid_of_a_single_point(asymmetric):
    params, _ = asymmetric
    xs, ys, z = decision_grid(params, np.array([[1.0, -2.0]]), "tanh", "sigmoid", resolution=10)
    assert xs[0] < 1.0 < xs[-1] and ys[0] < -2.0 < ys[-1]
    assert np.all(np.diff(xs) > 0) and np.all(np.diff(ys) > 0) and np.all(np.isfinite(z))


def test_comparison_with_a_degenerate_axis_and_a_constant_output(tmp_path):
    # Zero parameters: the output is exactly 0.5 everywhere, so there is no 0.5 contour to find.
    params = {k: np.zeros_like(v) for k, v in fnn.init_params((2, 3, 1), np.random.default_rng(0)).items()}
    x = np.column_stack([np.full(4, 1.0), np.arange(4.0)])
    y = np.array([[0.0], [1.0], [0.0], [1.0]])
    path = figures.comparison(params, x, y, "sigmoid", "sigmoid", tmp_path / "flat.png")  # warnings are fine
    assert png_size(path)[0] == pixels(13.0, 1.0)[0]


# --------------------------------------------------------------------------------------- no display, no pyplot


def _python(code: str, tmp_path: Path, **env_changes) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")}
    env["FNN_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env.update(env_changes)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def test_figures_are_drawn_on_agg_without_a_display_or_pyplot(tmp_path):
    # A backend that does not exist: using pyplot (which loads the configured backend) would fail.
    code = """
        import inspect, json, sys
        import numpy as np
        import matplotlib.figure
        canvases = []
        save = matplotlib.figure.Figure.savefig
        def spy(self, *args, **kwargs):
            canvases.append(type(self.canvas).__module__ + "." + type(self.canvas).__name__)
            return save(self, *args, **kwargs)
        matplotlib.figure.Figure.savefig = spy
        import fnn
        from fnn import figures
        r = fnn.fit(epochs=20)
        e = r.experiment
        figures.learning_curve({"loss": r.loss, "accuracy": r.accuracy}, "lc.png")
        figures.comparison(r.final.params, e.x, e.y, e.activation, e.output, "c.png")
        figures.overlay({"": {"a": [r.loss]}}, "o.png", title="t")
        print(json.dumps({"canvases": canvases, "pyplot": "matplotlib.pyplot" in sys.modules}))
    """
    result = _python(code, tmp_path, MPLBACKEND="module://no_such_backend_for_fnn_tests")
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["canvases"] == ["matplotlib.backends.backend_agg.FigureCanvasAgg"] * 3
    assert report["pyplot"] is False
    sizes = (("lc.png", pixels(7.0, 4.0)), ("c.png", pixels(13.0, 1.0)), ("o.png", pixels(*overlay_inches(1))))
    for name, size in sizes:
        assert png_size(tmp_path / name)[0] == size[0]
    assert png_size(tmp_path / "lc.png") == pixels(7.0, 4.0)  # the comparison's height follows the plane


_IMPORTS_MATPLOTLIB = """
    import atexit, sys
    atexit.register(lambda: sys.stderr.write("\\nMATPLOTLIB=%s\\n" % ("matplotlib" in sys.modules)))
    from fnn.cli import main
    sys.argv = ["fnn", *{args!r}]
    main()
"""


def _cli_imports_matplotlib(tmp_path: Path, *args: str) -> tuple[bool, str]:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(_IMPORTS_MATPLOTLIB.format(args=list(args)))],
                            cwd=tmp_path, env={**os.environ, "FNN_DISABLE_PLUGIN_AUTOLOAD": "1"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    marker = [line for line in result.stderr.splitlines() if line.startswith("MATPLOTLIB=")]
    assert len(marker) == 1, result.stderr
    return marker[0] == "MATPLOTLIB=True", result.stdout


def test_importing_fnn_and_its_cli_does_not_import_matplotlib(tmp_path):
    code = """
        import sys
        import fnn, fnn.cli, fnn.runs.rundir, fnn.figures.plots, fnn.runs.sweep, fnn.io.modelfile
        print("matplotlib" in sys.modules)
    """
    assert _python(code, tmp_path).stdout.strip() == "False"


def test_fnn_run_json_does_not_import_matplotlib(tmp_path):
    imported, stdout = _cli_imports_matplotlib(tmp_path, "run", "--json", "-e", "5")
    assert json.loads(stdout)["epochs"] == 5
    assert imported is False


def test_fnn_help_does_not_import_matplotlib(tmp_path):
    imported, stdout = _cli_imports_matplotlib(tmp_path, "--help")
    assert "run" in stdout
    assert imported is False


def test_fnn_run_out_does_import_matplotlib(tmp_path):
    # The positive control: the probe above would see matplotlib if it were loaded.
    imported, _ = _cli_imports_matplotlib(tmp_path, "run", "-q", "-e", "5", "--out", "run")
    assert imported is True
    assert png_size(tmp_path / "run" / "learning_curve.png") == pixels(7.0, 4.0)


def test_a_read_only_home_draws_the_figures_without_noise(tmp_path):
    """matplotlib falls back to a temporary cache folder; the run's output says nothing of it and loses nothing."""
    code = """
        import sys
        from fnn.cli import main
        sys.argv = ["fnn", "run", "-e", "3", "-q", "--out", "out"]
        main()
    """
    env = {"HOME": "/dev/null", "XDG_CONFIG_HOME": "/dev/null/config", "XDG_CACHE_HOME": "/dev/null/cache"}
    env_without = {key: value for key, value in os.environ.items() if key != "MPLCONFIGDIR"}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path,
                            env={**env_without, **env, "FNN_DISABLE_PLUGIN_AUTOLOAD": "1"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.rstrip().endswith("run written to out/")  # -q: one line
    assert (tmp_path / "out" / "comparison.png").is_file()


@pytest.fixture
def drawn(monkeypatch):
    """The figures saved during a test, captured as they are saved."""
    import matplotlib.figure

    saved = []
    save = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig",
                        lambda self, *args, **kwargs: saved.append(self) or save(self, *args, **kwargs))
    return saved


@pytest.mark.parametrize("text", ["d$\\x$.csv", "$a$ and $b$ cost: $5 $"])
def test_text_from_outside_is_drawn_as_written_and_the_axes_keep_their_math(tmp_path, trained, drawn, text):
    """A ``$`` in a path or a setting is a dollar sign; matplotlib's own tick labels stay mathtext."""
    result, experiment = trained, trained.experiment
    figures.learning_curve(result.history, tmp_path / "lc.png", title=text)
    figures.comparison(result.final.params, experiment.x, experiment.y, experiment.activation, experiment.output,
                       tmp_path / "c.png", title=text)
    figures.overlay({f"panel {text}": {f"lr={text}": [result.loss]}, "other": {"x": [result.loss]}},
                    tmp_path / "o.png", title=text)
    learning, comparison, overlay = drawn
    titles = [learning.axes[0].get_title(), comparison._suptitle.get_text(), overlay._suptitle.get_text(),
              overlay.axes[0].get_title(), overlay.legends[0].get_texts()[0].get_text()]
    for title in titles:
        assert title.replace(r"\$", "").count("$") == 0, title  # every $ escaped: drawn as a dollar sign
        assert text.replace("$", "") in title.replace(r"\$", "")
    ticks = learning.axes[0].get_yticklabels()
    assert all(label.get_parse_math() for label in ticks)


# ------------------------------------------------------------------------------------ every task's figures


def _scatters(axes):
    """The axes' scatter collections (their points in ``get_offsets()``)."""
    from matplotlib.collections import PathCollection

    return [c for c in axes.collections if isinstance(c, PathCollection)]


def _rings(axes):
    """The misclassified markers: scatters drawn with no face colour."""
    return [c for c in _scatters(axes) if len(c.get_facecolors()) == 0]


@pytest.fixture(scope="module")
def three_spirals():
    return fnn.fit(dataset="spiral", classes=3, hidden=(8,), optimizer="adam", learning_rate=0.01, epochs=150,
                   seed=0, test_split=0.25)


def test_multiclass_comparison_draws_k_regions_and_rings_the_misclassified(tmp_path, three_spirals, drawn):
    r, e = three_spirals, three_spirals.experiment
    figures.class_comparison(r.final.params, e.x, e.y, e.activation, e.output, tmp_path / "c.png", title="spiral t",
                             classes=("a", "b", "c"), x_test=e.x_test, y_test=e.y_test)
    (figure,) = drawn
    truth_panel, predicted_panel, regions = figure.axes[:3]
    points = np.concatenate([e.x, e.x_test])
    truth = np.argmax(np.concatenate([e.y, e.y_test]), axis=1)
    predicted = np.argmax(fnn.predict(r.final.params, points, e.activation, e.output), axis=1)
    assert 0 < np.count_nonzero(predicted != truth) < len(points)  # a half-trained net: some right, some wrong
    for axes in (predicted_panel, regions):  # the misclassified points, and only those, found on both
        (ring,) = _rings(axes)
        assert np.array_equal(ring.get_offsets(), points[predicted != truth])
    assert _rings(truth_panel) == []
    # The regions: one colour per class, Okabe-Ito tinted, each class's region somewhere on the plane.
    (mesh,) = [c for c in regions.collections if hasattr(c, "get_cmap") and c.get_cmap().N == 3]
    from matplotlib.colors import to_rgb

    tints = 0.55 * np.array([to_rgb(c) for c in figures.OKABE_ITO[:3]]) + 0.45
    assert np.allclose(mesh.get_cmap().colors, tints)
    assert set(np.unique(mesh.get_array())) == {0, 1, 2}
    xs, ys, z = figures.output_grid(r.final.params, e.x, e.activation, e.output)
    assert np.array_equal(np.asarray(mesh.get_array()).reshape(z.shape[:2]), np.argmax(z, axis=-1))
    assert regions.get_title() == "Class regions" and truth_panel.get_title() == "Ground truth"
    # The points carry their class's colour: truth on the first panel, the network's answer on the second.
    for axes, labels in ((truth_panel, truth), (predicted_panel, predicted)):
        train, test = _scatters(axes)[:2]
        assert np.allclose(train.get_facecolors()[:, :3], np.array(
            [to_rgb(figures.OKABE_ITO[k]) for k in labels[: len(e.x)]]))
        assert np.array_equal(test.get_offsets(), e.x_test) and test.get_paths()[0] != train.get_paths()[0]
    assert "test" in predicted_panel.get_title() and "correct" in predicted_panel.get_title()
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend[:3] == ["a", "b", "c"] and "misclassified" in legend and "test point" in legend
    assert [axes.get_xlabel() for axes in figure.axes[:3]] == ["x1"] * 3 and truth_panel.get_ylabel() == "x2"
    assert figure._suptitle.get_text() == "spiral t"
    assert np.allclose(png_size(tmp_path / "c.png"), pixels(*figure.get_size_inches()), atol=1)


def test_multiclass_comparison_with_more_features_draws_the_plane_the_network_weighs_most(tmp_path, drawn):
    # Four features, of which the first layer only reads the second and the fourth.
    rng = np.random.default_rng(1)
    params = dict(fnn.init_params((4, 6, 3), rng, "normal"))
    params["W1"] = params["W1"] * np.array([[0.0], [1.0], [0.0], [2.0]])
    x = rng.normal(size=(60, 4))
    y = np.eye(3)[rng.integers(0, 3, 60)]
    assert figures.main_features(params, x) == (1, 3)
    names = ("sepal length", "sepal width", "petal length", "petal $width$")
    figures.class_comparison(params, x, y, "tanh", "softmax", tmp_path / "c.png", features=names)
    (figure,) = drawn
    assert figure.axes[0].get_xlabel() == "sepal width" and figure.axes[0].get_ylabel() == r"petal \$width\$"
    assert np.array_equal(_scatters(figure.axes[0])[0].get_offsets(), x[:, [1, 3]])
    notes = [t.get_text() for t in figure.axes[2].texts]
    assert notes == ["the other 2 features at their mean"]
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend[:3] == ["0", "1", "2"] and "test point" not in legend


def test_output_grid_holds_the_other_features_at_their_mean():
    rng = np.random.default_rng(2)
    params = fnn.init_params((3, 4, 2), rng, "normal")
    x = rng.normal(size=(20, 3)) + [0.0, 5.0, -1.0]
    xs, ys, z = figures.output_grid(params, x, "tanh", "softmax", columns=(0, 2), resolution=7)
    assert z.shape == (7, 7, 2)
    i, j = 3, 5
    point = np.array([[xs[j], x[:, 1].mean(), ys[i]]])
    assert np.allclose(z[i, j], fnn.predict(params, point, "tanh", "softmax")[0], rtol=1e-12)
    assert xs[0] < x[:, 0].min() and ys[-1] > x[:, 2].max()


@pytest.mark.parametrize("k, expected", [(3, figures.OKABE_ITO[:3]), (8, figures.OKABE_ITO)])
def test_class_colours_are_okabe_ito_up_to_eight(k, expected):
    assert figures.class_colours(k) == list(expected)


def test_class_colours_beyond_eight_stay_distinct():
    for k in (10, 15, 25):
        colours = [tuple(c) for c in figures.class_colours(k)]
        assert len(set(colours)) == k


def test_confusion_writes_each_count_in_its_cell_with_the_classes_named(tmp_path, drawn):
    matrix = np.array([[5, 1, 0], [0, 7, 2], [3, 0, 9]])
    figures.confusion(matrix, tmp_path / "m.png", classes=("setosa", "versicolor", "virginica"), title="iris",
                      points="test points")
    (figure,) = drawn
    axes = figure.axes[0]
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in axes.texts}
    assert cells == {(i, j): str(matrix[i, j]) for i in range(3) for j in range(3)}  # rows true, columns predicted
    assert np.array_equal(axes.images[0].get_array(), matrix)
    assert [t.get_text() for t in axes.get_xticklabels()] == ["setosa", "versicolor", "virginica"]
    assert [t.get_text() for t in axes.get_yticklabels()] == ["setosa", "versicolor", "virginica"]
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("predicted class", "true class")
    assert figure._suptitle.get_text() == "iris\nConfusion matrix, test points (27)"
    # The darkest cell's number is white, a light one's black.
    colours = {t.get_text(): t.get_color() for t in axes.texts}
    assert colours["9"] == "white" and colours["1"] == "black"
    png_size(tmp_path / "m.png")


@pytest.fixture(scope="module")
def sine():
    return fnn.fit(dataset="sine", hidden=(8,), optimizer="adam", learning_rate=0.01, epochs=200, seed=0,
                   test_split=0.2)


def test_regression_with_one_input_draws_the_curve_over_the_data_and_predicted_against_true(tmp_path, sine, drawn):
    r, e = sine, sine.experiment
    figures.regression_comparison(r.final.params, e.x, e.y, e.activation, e.output, tmp_path / "r.png",
                                  title="sine t", features=("x",), x_test=e.x_test, y_test=e.y_test)
    (figure,) = drawn
    fit, versus = figure.axes
    (curve,) = fit.get_lines()
    line_x, line_y = curve.get_xdata(), curve.get_ydata()
    points = np.concatenate([e.x, e.x_test])
    assert np.all(np.diff(line_x) > 0) and line_x[0] < points.min() and line_x[-1] > points.max()
    assert np.allclose(line_y, fnn.predict(r.final.params, line_x[:, None], e.activation, e.output)[:, 0])
    train, test = _scatters(fit)
    assert np.array_equal(train.get_offsets(), np.column_stack([e.x[:, 0], e.y[:, 0]]))
    assert np.array_equal(test.get_offsets(), np.column_stack([e.x_test[:, 0], e.y_test[:, 0]]))
    assert (fit.get_xlabel(), fit.get_ylabel()) == ("x", "y")
    predicted = fnn.predict(r.final.params, points, e.activation, e.output)[:, 0]
    truth = np.concatenate([e.y, e.y_test])[:, 0]
    assert np.allclose(np.concatenate([c.get_offsets() for c in _scatters(versus)]),
                       np.column_stack([truth, predicted]))
    (diagonal,) = versus.get_lines()
    assert np.array_equal(diagonal.get_xdata(), diagonal.get_ydata())
    assert (versus.get_xlabel(), versus.get_ylabel()) == ("true y", "predicted y")
    assert versus.get_title() == "Predicted against true"
    assert figure._suptitle.get_text() == "sine t"


def test_regression_with_two_inputs_colours_surface_and_points_on_one_scale(tmp_path, drawn):
    rng = np.random.default_rng(3)
    params = fnn.init_params((2, 5, 2), rng, "normal")
    x = rng.uniform(-1, 1, size=(40, 2))
    y = np.column_stack([x[:, 0] + x[:, 1], x[:, 0] * x[:, 1]])
    figures.regression_comparison(params, x, y, "tanh", "identity", tmp_path / "r.png", features=("a", "b"),
                                  targets=("sum", "product"))
    (figure,) = drawn
    surfaces = [axes for axes in figure.axes if axes.get_title().startswith("Fitted surface")]
    assert [axes.get_title() for axes in surfaces] == ["Fitted surface: sum", "Fitted surface: product"]
    xs, ys, z = figures.output_grid(params, x, "tanh", "identity")
    for j, axes in enumerate(surfaces):
        mesh = axes.collections[0]
        (points,) = _scatters(axes)
        assert np.allclose(np.asarray(mesh.get_array()).reshape(z.shape[:2]), z[:, :, j])
        assert np.allclose(points.get_array(), y[:, j])
        assert points.norm is mesh.norm  # one scale for the network's surface and the data
        assert mesh.norm.vmin <= min(y[:, j].min(), z[:, :, j].min())
        assert (axes.get_xlabel(), axes.get_ylabel()) == ("a", "b")
    assert [axes.get_xlabel() for axes in figure.axes if "against" in axes.get_title()] == ["true sum", "true product"]


def test_regression_with_many_inputs_and_outputs_draws_the_first_outputs_only(tmp_path, drawn):
    rng = np.random.default_rng(4)
    params = fnn.init_params((5, 3, 4), rng, "normal")
    x, y = rng.normal(size=(30, 5)), rng.normal(size=(30, 4))
    figures.regression_comparison(params, x, y, "tanh", "identity", tmp_path / "r.png")
    (figure,) = drawn
    assert [axes.get_xlabel() for axes in figure.axes] == ["true y1", "true y2", "true y3"]
    assert [t.get_text() for t in figure.texts] == ["the first 3 of 4 outputs"]


def test_learning_curve_of_r2_with_its_test_twin(tmp_path, sine, drawn):
    figures.learning_curve(sine.history, tmp_path / "lc.png", title="t", metric="r2")
    (figure,) = drawn
    axes, twin = figure.axes
    assert twin.get_ylabel() == "R²"
    train, test = twin.get_lines()
    assert np.array_equal(train.get_ydata(), sine.history["r2"]) and train.get_linestyle() == "-"
    assert np.array_equal(test.get_ydata(), sine.history["test_r2"]) and test.get_linestyle() == "--"
    assert twin.get_ylim()[1] == pytest.approx(1.05) and twin.get_ylim()[0] >= -1.05


def test_learning_curve_of_r2_keeps_a_curve_that_ends_below_minus_one_in_view(tmp_path, drawn):
    history = {"loss": np.array([9.0, 5.0, 4.0]), "r2": np.array([-9.0, -4.0, -2.5])}
    figures.learning_curve(history, tmp_path / "lc.png", metric="r2")
    low, high = drawn[0].axes[1].get_ylim()
    assert low <= -2.5 and low > -9.0 and high == pytest.approx(1.05)


def test_binary_learning_curve_is_unchanged_by_the_metric_argument(tmp_path, trained, drawn):
    figures.learning_curve(trained.history, tmp_path / "a.png")
    figures.learning_curve(trained.history, tmp_path / "b.png", metric="accuracy")
    for figure in drawn:
        twin = figure.axes[1]
        assert twin.get_ylabel() == "accuracy (%)" and twin.get_ylim() == (-2, 102)
        assert np.allclose(twin.get_lines()[0].get_ydata(), 100 * trained.history["accuracy"])


def _text_inside(figure) -> None:
    """Everything drawn (titles, labels, ticks, legends, notes) lies inside the figure: its tight box, which
    matplotlib computes from what is drawn, within the figure's own (in inches, to a hundredth)."""
    tight, whole = figure.get_tightbbox(figure.canvas.get_renderer()), figure.bbox_inches
    assert tight.x0 >= whole.x0 - 0.01 and tight.y0 >= whole.y0 - 0.01, tight
    assert tight.x1 <= whole.x1 + 0.01 and tight.y1 <= whole.y1 + 0.01, tight


def test_a_multiclass_run_folder_has_the_regions_and_the_confusion_matrix(tmp_path, three_spirals, drawn):
    from fnn.runs.rundir import write_run

    folder = write_run(tmp_path / "run", three_spirals)
    assert sorted(p.name for p in folder.glob("*.png")) == ["comparison.png", "confusion.png", "learning_curve.png",
                                                                 "network.png", "neurons.png"]
    learning, comparison, confusion = drawn[:3]
    final = three_spirals.final
    ending = (f"150 epochs, seed 0\nfinal loss {final.loss:.3g} (test {final.test_loss:.3g}), "
              f"accuracy {final.accuracy:.1%} (test {final.test_accuracy:.1%})")
    assert learning.axes[0].get_title().endswith(ending)
    assert comparison._suptitle.get_text() == learning.axes[0].get_title()
    assert comparison._suptitle.get_text().startswith("spiral: 2-8-3 sigmoid net, adam lr 0.01, 150 epochs")
    assert confusion._suptitle.get_text().endswith("Confusion matrix, test points (50)")
    e = three_spirals.experiment
    expected = np.zeros((3, 3), int)
    predicted = np.argmax(fnn.predict(final.params, e.x_test, e.activation, e.output), axis=1)
    np.add.at(expected, (np.argmax(e.y_test, axis=1), predicted), 1)
    assert np.array_equal(confusion.axes[0].images[0].get_array(), expected)
    for figure in drawn:
        _text_inside(figure)


def test_a_regression_run_folder_names_the_task_metric_and_the_standardized_features(tmp_path, drawn):
    from fnn.runs.rundir import write_run

    result = fnn.fit(dataset="plane", epochs=30, seed=0, standardize=True)
    folder = write_run(tmp_path / "run", result)
    assert sorted(p.name for p in folder.glob("*.png")) == ["comparison.png", "learning_curve.png", "network.png",
                                                            "neurons.png"]
    learning, comparison = drawn[:2]
    ending = (f"30 epochs, seed 0\nfinal loss on standardized targets {result.final.loss:.3g}, "
              f"R² {result.final.scores['r2']:.3f}")
    assert learning.axes[0].get_title().endswith(ending)
    assert learning.axes[1].get_ylabel() == "R²"
    assert comparison.axes[0].get_xlabel() == "x1, standardized"
    for figure in drawn:
        _text_inside(figure)


def test_a_binary_run_folder_titles_say_the_epochs_seed_and_final_loss(tmp_path, trained, drawn):
    from fnn.runs.rundir import write_run

    write_run(tmp_path / "run", trained)
    learning, comparison = drawn[:2]
    final = trained.final
    title = (f"xor: 2-4-1 sigmoid net, sgd lr 1, 100 epochs, seed 3\n"
             f"final loss {final.loss:.3g}, accuracy {final.accuracy:.1%}")
    assert learning.axes[0].get_title() == title and comparison._suptitle.get_text() == title
    assert comparison.axes[0].get_xlabel() == "x1" and comparison.axes[0].get_ylabel() == "x2"
    assert comparison.axes[1].get_title().startswith("Predictions (")
    for figure in drawn:
        _text_inside(figure)


def test_a_csv_run_names_the_axes_and_classes_from_the_file(tmp_path, drawn):
    from fnn.runs.rundir import write_run

    rng = np.random.default_rng(5)
    rows = [f"{a:.3f},{b:.3f},{name}" for name, centre in (("cat", 0), ("dog", 3), ("$bird$", 6))
            for a, b in rng.normal(centre, 0.5, size=(10, 2))]
    (tmp_path / "pets.csv").write_text("height,weight,kind\n" + "\n".join(rows) + "\n")
    write_run(tmp_path / "run", fnn.fit(data=str(tmp_path / "pets.csv"), epochs=20, seed=0))
    comparison = drawn[1]
    assert (comparison.axes[0].get_xlabel(), comparison.axes[0].get_ylabel()) == ("height", "weight")
    assert [t.get_text() for t in comparison.legends[0].get_texts()][:3] == [r"\$bird\$", "cat", "dog"]
    confusion = drawn[2].axes[0]
    assert [t.get_text() for t in confusion.get_yticklabels()] == [r"\$bird\$", "cat", "dog"]


def test_a_multiclass_run_of_one_feature_has_a_confusion_matrix_and_no_regions(tmp_path, drawn):
    from fnn.runs.rundir import write_run

    (tmp_path / "one.csv").write_text("a,label\n" + "".join(f"{i},{'xyz'[i % 3]}\n" for i in range(12)))
    folder = write_run(tmp_path / "run", fnn.fit(data=str(tmp_path / "one.csv"), epochs=5, seed=0))
    assert sorted(p.name for p in folder.glob("*.png")) == ["confusion.png", "learning_curve.png", "network.png"]
    assert [t.get_text() for t in drawn[1].axes[0].get_xticklabels()] == ["x", "y", "z"]


def test_force_replaces_a_multiclass_run_folder(tmp_path, three_spirals):
    from fnn.runs.rundir import write_run

    folder = write_run(tmp_path / "run", three_spirals)
    assert (folder / "confusion.png").is_file()
    assert write_run(tmp_path / "run", three_spirals, force=True) == folder  # confusion.png is one of fnn's files
    assert (folder / "confusion.png").is_file()


# ---------------------------------------------------------------------- binary comparison: what each point shows


def _comparison(result, path, **kwargs):
    e = result.experiment
    return figures.comparison(result.final.params, e.x, e.y, e.activation, e.output, path, **kwargs)


def test_at_full_accuracy_no_point_looks_misclassified(tmp_path, drawn):
    """The README's xor figure: every point right, so no panel rings any, and on the boundary each point is
    filled with its class's colour and rimmed in white, unlike the legend's black "misclassified" ring."""
    result = fnn.fit(learning_rate=5, epochs=1500, seed=0)
    assert result.final.accuracy == 1.0
    _comparison(result, tmp_path / "c.png", title="xor")
    (figure,) = drawn
    assert all(_rings(axes) == [] for axes in figure.axes[:3])
    from matplotlib.colors import to_rgba

    boundary = figure.axes[2]
    (points,) = _scatters(boundary)
    classes = result.experiment.y[:, 0].astype(int)
    assert np.allclose(points.get_facecolors(), [to_rgba(figures.CLASS_COLOURS[k]) for k in classes])
    assert np.allclose(points.get_edgecolors(), to_rgba("white"))
    legend = {t.get_text(): h for t, h in zip(figure.legends[0].get_texts(), figure.legends[0].legend_handles)}
    ring = legend["misclassified"]
    assert ring.get_markerfacecolor() == "none" and ring.get_markeredgecolor() == "black"
    _text_inside(figure)


def test_misclassified_points_are_ringed_in_the_predictions_and_on_the_boundary_only(tmp_path, drawn):
    result = fnn.fit(dataset="moons", epochs=300, seed=0, test_split=0.3)
    e = result.experiment
    _comparison(result, tmp_path / "c.png", x_test=e.x_test, y_test=e.y_test, features=("width", "height"))
    (figure,) = drawn
    points = np.concatenate([e.x, e.x_test])
    truth = np.concatenate([e.y, e.y_test])[:, 0] >= 0.5
    wrong = (fnn.predict(result.final.params, points, e.activation, e.output)[:, 0] >= 0.5) != truth
    assert 0 < wrong.sum() < len(points)
    truth_panel, predicted, boundary = figure.axes[:3]
    assert _rings(truth_panel) == []
    for axes in (predicted, boundary):
        (ring,) = _rings(axes)
        assert np.array_equal(ring.get_offsets(), points[wrong])
    # Test points: triangles, bigger than the training points, with their own legend entry.
    train, test = _scatters(boundary)[:2]
    assert np.array_equal(test.get_offsets(), e.x_test) and test.get_paths()[0] != train.get_paths()[0]
    assert test.get_sizes().min() >= 2 * train.get_sizes().max()
    assert "test point" in [t.get_text() for t in figure.legends[0].get_texts()]
    assert [axes.get_xlabel() for axes in figure.axes[:3]] == ["width"] * 3 and truth_panel.get_ylabel() == "height"
    # The moons' plane is wider than tall: the panels keep equal scales and fill the figure's height.
    figure.canvas.draw()
    heights = [axes.get_position().height for axes in figure.axes[:4]]  # the colour bar last
    assert max(heights) - min(heights) < 0.01 * max(heights), heights  # a colour bar the panels' height
    drawn_box = figure.get_tightbbox(figure.canvas.get_renderer())
    assert drawn_box.height > 0.93 * figure.get_size_inches()[1]  # no blank bands above and below the panels
    _text_inside(figure)


def test_a_binary_csv_run_names_its_axes_and_classes(tmp_path, drawn):
    from fnn.runs.rundir import write_run

    rng = np.random.default_rng(1)
    rows = [f"{a:.3f},{b:.3f},{'yes' if a * b > 0 else 'no'}" for a, b in rng.normal(size=(40, 2))]
    (tmp_path / "d.csv").write_text("petal length,sepal width,label\n" + "\n".join(rows) + "\n")
    write_run(tmp_path / "run", fnn.fit(data=str(tmp_path / "d.csv"), epochs=20, seed=0))
    comparison = drawn[1]
    assert (comparison.axes[0].get_xlabel(), comparison.axes[0].get_ylabel()) == ("petal length", "sepal width")
    assert [t.get_text() for t in comparison.legends[0].get_texts()][:2] == ["no", "yes"]


# ------------------------------------------------------------------------------------------------- sweep figures


def _sweep_run(seed: int, task: str = "binary", **settings):
    """A finished sweep run with a made-up loss curve (and accuracy curve for classification)."""
    import dataclasses

    from fnn.runs.sweep import SweepRun

    config = dataclasses.replace(fnn.RunConfig(), seed=seed, task=task, **settings)
    loss = np.exp(-np.linspace(0, 2 + seed, 30)) * (1 + settings.get("learning_rate", 1.0))
    accuracy = None if task == "regression" else np.minimum(1.0, np.linspace(0.5, 1.1, 30))
    score = np.linspace(0.0, 0.9, 30) if task == "regression" else accuracy  # r2 in regression
    summary = {"final_loss": float(loss[-1]), "metrics": {}, "test_metrics": None, "train_seconds": 0.1}
    return SweepRun(config, summary, loss, accuracy, None, None, score=score)


def _texts_inside(figure) -> None:
    """Every text drawn (titles, axis labels, the tick labels in view, legends, notes) lies within the
    figure's box, in pixels, as the renderer places it."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    texts = [*figure.texts, *(text for legend in figure.legends for text in legend.get_texts())]
    for axes in figure.axes:
        if not axes.get_visible():
            continue
        texts += [axes.title, axes.xaxis.label, axes.yaxis.label, *axes.texts]
        for axis in (axes.xaxis, axes.yaxis):
            low, high = sorted(axis.get_view_interval())
            span = high - low
            texts += [tick.label1 for tick in axis.get_major_ticks()
                      if tick.label1.get_visible() and low - 1e-9 * span <= tick.get_loc() <= high + 1e-9 * span]
        if axes.get_legend():
            texts += axes.get_legend().get_texts()
    drawn = [text for text in texts if text.get_visible() and text.get_text()]
    assert drawn
    for text in drawn:
        box = text.get_window_extent(renderer)
        assert (box.x0 >= figure.bbox.x0 - 1 and box.x1 <= figure.bbox.x1 + 1
                and box.y0 >= figure.bbox.y0 - 1 and box.y1 <= figure.bbox.y1 + 1), text.get_text()


def test_a_sweep_of_few_seeds_draws_each_run_and_its_accuracy_with_true_counts(tmp_path, drawn):
    from fnn.runs.rundir import write_sweep

    runs = [_sweep_run(seed, learning_rate=lr, hidden=hidden)
            for hidden in ((2,), (4,)) for lr in (0.5, 1.0, 2.0) for seed in (1, 2, 3)]
    write_sweep(tmp_path / "s", runs)
    by_hidden, by_lr = drawn  # the settings in RunConfig's order
    title = by_lr._suptitle.get_text()
    assert title.startswith("Loss and accuracy by lr (one thin line per run)")
    assert "18 runs, 3 seeds each; held fixed: dataset=xor" in title.replace("\n", " ")
    assert "lr=" not in title.split("held fixed")[1]  # the varied settings are not said to be fixed
    # Two panels (hidden=2, hidden=4), each with a loss axes and an accuracy axes under it.
    titles = [axes.get_title() for axes in by_lr.axes if axes.get_visible()]
    assert titles == ["hidden=2 (9 runs)", "hidden=4 (9 runs)"] * 2
    loss_axes, accuracy_axes = by_lr.axes[0], by_lr.axes[2]
    assert loss_axes.get_ylabel() == "loss" and accuracy_axes.get_ylabel() == "accuracy (%)"
    assert len(loss_axes.get_lines()) == 9 and len(loss_axes.collections) == 0  # each seed drawn, no band
    assert np.allclose(accuracy_axes.get_lines()[0].get_ydata(), 100 * runs[0].accuracy)
    assert [t.get_text() for t in by_lr.legends[0].get_texts()] == ["lr=0.5", "lr=1", "lr=2"]
    for figure in drawn:
        assert figure.get_size_inches()[0] <= 11.6  # bounded: three panels a row at most
        _texts_inside(figure)


def test_a_sweep_of_many_seeds_draws_medians_with_bands(tmp_path, drawn):
    from fnn.runs.rundir import write_sweep

    runs = [_sweep_run(seed, learning_rate=lr) for lr in (0.5, 1.0) for seed in range(1, 7)]
    write_sweep(tmp_path / "s", runs)
    (figure,) = drawn
    loss_axes = figure.axes[0]
    assert len(loss_axes.get_lines()) == 2 and len(loss_axes.collections) == 2  # a median and a band per lr
    stack = np.array([run.loss for run in runs[:6]])
    assert np.allclose(loss_axes.get_lines()[0].get_ydata(), np.median(stack, axis=0))
    assert loss_axes.get_title() == "12 runs"
    assert "each line the median of its runs, band 25-75%" in figure._suptitle.get_text().replace("\n", " ")
    _texts_inside(figure)


def test_a_sweep_beyond_twelve_panels_pools_only_what_its_title_says(tmp_path, drawn):
    from fnn.runs.rundir import write_sweep

    activations = ("sigmoid", "tanh", "relu", "leaky_relu", "identity", "none")
    runs = [_sweep_run(seed, learning_rate=lr, hidden=hidden, activation=activation)
            for hidden in ((2,), (4,), (8,)) for activation in activations for lr in (0.5, 1.0)
            for seed in (1, 2, 3)]
    write_sweep(tmp_path / "s", runs)
    by_hidden, by_activation, by_lr = drawn
    # lr: its others make 18 combinations, more than 12: one panel per activation, hidden and seeds pooled.
    title = by_lr._suptitle.get_text().replace("\n", " ")
    assert title.startswith("Loss and accuracy by lr, runs pooled over hidden and seeds")
    titles = [axes.get_title() for axes in by_lr.axes if axes.get_visible()]
    assert len(titles) == 12  # six loss panels and their six accuracy panels
    assert set(titles) == {f"activation={a} (18 runs)" for a in activations}
    assert len(by_lr.axes[0].get_lines()) == 2 and len(by_lr.axes[0].collections) == 2  # 9 runs a line: bands
    # hidden and activation: their others make at most 12 combinations, one panel each, nothing pooled.
    assert "pooled" not in by_activation._suptitle.get_text()
    assert {axes.get_title() for axes in by_activation.axes if axes.get_visible()} == {
        f"hidden={h}, lr={lr} (18 runs)" for h in (2, 4, 8) for lr in ("0.5", "1")}
    for figure in drawn:
        _texts_inside(figure)


def test_a_regression_sweep_draws_its_r2_under_the_loss(tmp_path, drawn):
    from fnn.runs.rundir import write_sweep

    runs = [_sweep_run(seed, task="regression", dataset="sine", learning_rate=lr) for lr in (0.5, 1.0)
            for seed in (1, 2)]
    write_sweep(tmp_path / "s", runs)
    (figure,) = drawn
    assert figure._suptitle.get_text().startswith("Loss and R² by lr (one thin line per run)")
    assert [axes.get_ylabel() for axes in figure.axes] == ["loss (standardized targets)", "R²"]
    _texts_inside(figure)


def test_the_learning_curve_draws_the_validation_curves_dotted(tmp_path, drawn):
    history = {"loss": np.array([0.5, 0.3, 0.2]), "accuracy": np.array([0.5, 0.7, 0.9]),
               "val_loss": np.array([0.6, 0.4, 0.45]), "val_accuracy": np.array([0.4, 0.6, 0.55])}
    figures.learning_curve(history, tmp_path / "curve.png")
    lines = {line.get_label(): line for axes in drawn[0].axes for line in axes.get_lines()}
    assert lines["val loss"].get_linestyle() == ":" and lines["loss"].get_linestyle() == "-"
    np.testing.assert_array_equal(lines["val loss"].get_ydata(), history["val_loss"])
    np.testing.assert_array_equal(lines["val accuracy"].get_ydata(), 100 * history["val_accuracy"])
    legend = [text.get_text() for text in drawn[0].axes[0].get_legend().get_texts()]
    assert legend == ["loss", "val loss", "accuracy", "val accuracy"]


def test_a_run_with_validation_titles_its_figures_with_val_and_test(tmp_path, drawn):
    from fnn.runs.rundir import write_run

    write_run(tmp_path / "run", fnn.fit(dataset="moons", n_samples=100, epochs=20, test_split=0.2, val_split=0.25))
    title = drawn[0].axes[0].get_title()
    assert "(val " in title and ", test " in title
