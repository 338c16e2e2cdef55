"""Settings declared once: RunConfig's fields make the options of fnn run and fnn sweep, and their checks."""

from __future__ import annotations

import inspect
import re
from dataclasses import fields

import pytest

import fnn
from fnn.cli import run as run_command
from fnn.cli import sweep as sweep_command
from fnn.cli._settings import choices_from, config_from
from fnn.errors import ConfigError
from fnn.runs.settings import BY_NAME, GROUPS, SETTINGS, RunConfig, check_config
from support import ok


def test_every_field_of_runconfig_is_a_declared_setting():
    assert [s.name for s in SETTINGS] == [f.name for f in fields(RunConfig)]
    for s in SETTINGS:
        assert s.flags[0].startswith("--") and s.help and s.group in GROUPS, s
        assert s.default == getattr(RunConfig(), s.name)
        assert s.valid is None or s.valid(s.default), f"{s.name}'s default breaks its own rule"
        assert (s.valid is None) == (s.rule == ""), f"{s.name}: a rule is what valid requires, said in words"


@pytest.mark.parametrize("command", [run_command.run, sweep_command.sweep])
def test_each_command_takes_one_option_per_setting(command):
    names = [name for name in inspect.signature(command).parameters if name in BY_NAME]
    assert names == [s.name for s in sorted(SETTINGS, key=lambda s: GROUPS.index(s.group))]  # grouped, field order


def _panels(text: str) -> list[str]:
    return re.findall(r"╭─ (.+?) ─", text)


def test_run_and_sweep_show_the_same_groups_in_the_same_order_and_every_flag():
    run_help, sweep_help = ok("run", "--help").stdout, ok("sweep", "--help").stdout
    assert _panels(run_help)[1:1 + len(GROUPS)] == _panels(sweep_help)[1:1 + len(GROUPS)] == list(GROUPS)
    for s in SETTINGS:
        assert s.flags[0] in run_help and s.flags[0] in sweep_help, s.flags[0]


@pytest.mark.parametrize("command", [[], ["run"], ["sweep"], ["predict"], ["show"], ["list"], ["plugins"]])
def test_no_flag_shows_a_bool_metavar(command):
    assert "<bool>" not in ok(*command, "--help").stdout


def test_the_options_left_alone_make_the_default_config():
    assert config_from(_defaults(run_command.run)) == RunConfig()
    assert fnn.runs.sweep.grid(**choices_from(_defaults(sweep_command.sweep))) == [RunConfig()]


def _defaults(command) -> dict:
    """What a command's settings options hold when nothing is typed."""
    return {name: p.default for name, p in inspect.signature(command).parameters.items() if name in BY_NAME}


@pytest.mark.parametrize("name, bad", [("epochs", 0), ("n_samples", 0), ("noise", -1.0), ("noise", float("nan")),
                                       ("seed", -1), ("batch_size", 0), ("test_split", 1.0), ("l2", -0.1),
                                       ("target_accuracy", 1.5), ("target_loss", -1.0), ("patience", 0),
                                       ("min_delta", -1e-3), ("hidden", (4, 0)), ("hidden", (200_000,))])
def test_a_bad_value_is_refused_naming_its_flag_and_rule(name, bad):
    s = BY_NAME[name]
    with pytest.raises(ConfigError, match=re.escape(f"{s.flag} must be {s.rule}")):
        check_config(RunConfig(**{name: bad}))
    with pytest.raises(ConfigError, match=re.escape(s.flag)):
        fnn.fit(**{name: bad})


def test_a_setting_swept_takes_a_comma_list_and_one_that_cannot_takes_one_value():
    typed = {"label_column": "a,b", "seed": "1,2", "hidden": "2/4,4", "standardize": True}
    choices = choices_from({**_defaults(sweep_command.sweep), **typed})
    assert choices["label_column"] == ["a,b"] and choices["standardize"] == [True]  # one value each
    assert choices["seed"] == [1, 2] and choices["hidden"] == [(2,), (4, 4)]


def test_a_runs_json_record_holds_every_declared_setting_by_name():
    result = fnn.fit(dataset="linear", epochs=3, hidden=(3,), options={"momentum": 0.5}, optimizer="momentum")
    summary = result.summary()
    assert list(summary)[:len(SETTINGS)] == [s.name for s in SETTINGS]
    assert summary["hidden"] == [3] and summary["options"] == {"momentum": 0.5}
    assert summary["learning_rate"] == result.experiment.config.learning_rate == 0.2  # as the run used it
    assert summary["n_samples"] is None and summary["n_points"] == len(result.experiment.x)
