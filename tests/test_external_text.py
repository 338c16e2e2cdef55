"""Text from files, paths and plugins is data: never rich markup, never terminal control.

Every command that prints external text is fed markup (``[red]``, ``[/x]``,
``[link=...]``, ``:warning:``) and escape sequences (CSI, OSC title and
hyperlink, BEL, backspace, carriage return, a bidirectional override) and
must print them literally, with the control characters as visible escapes.
"""

from __future__ import annotations

import json
import re

import pytest

import fnn
from fnn.cli import plugins as plugins_command
from fnn.cli._console import MIN_WIDTH, make_console, shown
from fnn.io.modelfile import save_model
from fnn.plugins.registry import PluginInfo, make_registry, use_registry
from support import cli, ok

MARKUP = ["[red]x", "run[lr=0.1]", "[/x]", "[link=https://evil.example]y", ":warning:", "[bold]"]
CONTROL = ["\x1b[2J", "\x1b]0;owned\x07", "\x1b]8;;https://evil.example\x1b\\", "\x08\x08", "a\rb", "\u202e"]
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")


def assert_clean(text: str, *literal: str) -> None:
    """No raw control character reaches the terminal, and each ``literal`` appears as written."""
    assert not RAW.search(text), repr(text)
    for piece in literal:
        assert piece in text, (piece, text)


@pytest.mark.parametrize("text", CONTROL + ["\x00", "\x7f", "\x9b31m", "tab\there", "line\nbreak"])
def test_shown_makes_every_control_character_visible(text):
    out = shown(text)
    assert not RAW.search(out) and "\n" not in out and "\t" not in out
    assert shown("plain [red] text :) é 中") == "plain [red] text :) é 中"
    assert shown("a\nb", one_line=False) == "a\nb"


@pytest.mark.parametrize("columns", ["0", "1", "5", "-3", "junk"])
def test_a_console_is_never_narrower_than_it_can_lay_out(columns, monkeypatch):
    monkeypatch.setenv("COLUMNS", columns)
    assert make_console().width >= MIN_WIDTH


def _csv(tmp_path, header: list[str], name: str = "data.csv"):
    rows = ["0,0,0", "0,1,1", "1,0,1", "1,1,0"]
    path = tmp_path / name
    path.write_text(",".join(f'"{h}"' for h in header) + "\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("first, second", [("[red]x", "\x1b[2Jy"), ("run[lr=0.1]", "\x1b]0;owned\x07"),
                                           ("[/x]", ":warning:"), ("[link=https://e.x]a", "\u202eb")])
def test_csv_headers_and_paths_print_as_written(tmp_path, first, second):
    path = _csv(tmp_path, [first, second, "label"], name="in[red]put.csv")
    result = ok("run", "--data", path, "-e", "3")
    assert_clean(result.stdout, first.replace("\x1b", "\\x1b"), "in[red]put.csv")
    assert shown(second) in result.stdout
    quiet = ok("run", "--data", path, "-e", "3", "-q")
    assert_clean(quiet.stdout)


@pytest.mark.parametrize("folder", ["run[lr=0.1]", "[/x]", "a[bold]b", "esc\x1b[2Jhere", ":warning:"])
def test_run_folder_names_print_as_written(tmp_path, folder, stand_in_figures):
    out = tmp_path / folder
    result = ok("run", "-e", "2", "--out", out)
    assert_clean(result.stdout, f"Run written to {shown(out)}/")
    assert (out / "model.npz").is_file()


def test_a_dollar_sign_in_a_path_is_not_tex(tmp_path):
    """matplotlib would parse ``$\\x$`` as math and fail after training; the figures draw it as text."""
    path = _csv(tmp_path, ["$a$", "$\\x$", "label"], name="d$\\x$.csv")
    ok("run", "--data", path, "-e", "2", "--out", tmp_path / "out$\\q$")
    assert (tmp_path / "out$\\q$" / "comparison.png").is_file()


def _model(tmp_path, **config):
    params = fnn.init_params((2, 3, 1), seed=0)
    return save_model(tmp_path / "model.npz", params, {"activation": "sigmoid", "output": "sigmoid", **config})


@pytest.mark.parametrize("evil", MARKUP + CONTROL)
def test_model_fields_print_as_written(tmp_path, evil):
    path = _model(tmp_path, dataset=evil, note={"k": evil}, features=["a", "b"])
    result = ok("show", path)
    assert_clean(result.stdout)
    assert shown(evil) in result.stdout or shown(json.dumps({"k": evil})) in result.stdout


@pytest.mark.parametrize("evil", ["[red]x", "\x1b]0;owned\x07", "[/x]"])
def test_predict_prints_feature_names_and_paths_as_written(tmp_path, evil):
    folder = tmp_path / "m[bold]"
    folder.mkdir()
    path = save_model(folder / "model.npz", fnn.init_params((2, 3, 1), seed=0),
                      {"activation": "sigmoid", "output": "sigmoid", "features": [evil, "b"]})
    result = ok("predict", path, "--points", "0,1")
    assert_clean(result.stdout, "m[bold]", shown(evil))


def test_plugin_descriptions_print_as_written():
    evil = fnn.Activation("evil", lambda x: x, lambda x, y, g: g,
                          description="[red]red[/] :warning: \x1b]0;owned\x07 [link=https://e.x]here[/link]")

    class Plugin:
        @fnn.hookimpl
        def fnn_activations(self):
            yield evil

    with use_registry(make_registry(plugins=[Plugin()], entry_points=False)):
        result = ok("list", "activation")
    assert_clean(result.stdout, "[red]red[/]", ":warning:", "\\x1b]0;owned\\x07", "[link=https://e.x]here[/link]")


def test_plugin_names_and_errors_print_as_written(monkeypatch):
    broken = PluginInfo("bad[red]", "pkg\x1b[2J", "1.0", status="error", error="raised \x1b]0;owned\x07[/x]")
    monkeypatch.setattr(plugins_command, "inspect_plugins", lambda **settings: [broken])
    result = ok("plugins")
    assert_clean(result.stdout, "bad[red]", "[/x]")


@pytest.mark.parametrize("name", ["missing\x1b[2J.csv", "[red]missing.csv", "x\x1b]0;t\x07.csv"])
def test_error_lines_show_control_characters_as_escapes(tmp_path, name):
    result = cli("run", "--data", tmp_path / name, "-e", "1")
    assert result.exit_code in (1, 2)
    assert_clean(result.stderr)
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1


def test_sweep_prints_paths_as_written(tmp_path):
    path = _csv(tmp_path, ["a", "b", "label"], name="s[red]weep.csv")
    result = ok("sweep", "--data", path, "-e", "2", "--lr", "0.5,1", "-w", "1", "--out", tmp_path / "sw[/x]")
    assert_clean(result.stdout, "Sweep written to")
    assert (tmp_path / "sw[/x]" / "results.csv").is_file()


@pytest.mark.parametrize("columns", ["0", "1"])
def test_zero_or_one_column_terminals_still_get_the_whole_output(columns):
    result = cli("run", "-e", "5", env={"COLUMNS": columns})
    assert result.exit_code == 0
    assert "Result" in result.stdout and "Predictions" in result.stdout
    assert "accuracy" in result.stdout.splitlines()[1]  # the log's heading on one line, not a letter a line


def test_the_live_sweep_progress_shows_paths_as_written(tmp_path):
    """On a terminal the progress bar's description names the run, CSV paths included."""
    import io

    from rich.console import Console

    from fnn.cli.sweep import _run_with_progress
    from fnn.runs.sweep import grid

    (tmp_path / "one[").mkdir()  # so that the path holds the closing tag "[/x]", which rich cannot parse alone
    paths = [str(_csv(tmp_path, ["a", "b", "label"], name=name)) for name in ("one[/x].csv", "two[red].csv")]
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120, markup=False)
    runs = _run_with_progress(grid(data=paths, epochs=[2]), 1, console, fnn.registry())
    assert len(runs) == 2 and all(run.summary is not None for run in runs)
    assert "two[red].csv" in screen.getvalue()


@pytest.mark.parametrize("columns", ["0", "1"])
@pytest.mark.parametrize("command", [[], ["run"], ["sweep"], ["predict"]])
def test_help_is_complete_on_zero_or_one_column_terminals(columns, command):
    result = cli(*command, "--help", env={"COLUMNS": columns})
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "Usage: fnn" in text and "--help" in text
