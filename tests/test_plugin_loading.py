"""Installed plugins, found through entry points, without installing anything.

``importlib.metadata.distributions`` is replaced by fake distributions, which is
where fnn (like pluggy's ``load_setuptools_entrypoints``) looks for the ``fnn``
entry-point group. Covered: a working package; every way a plugin can be broken
(failing import, raising hook, wrong record type, malformed name, misspelt or
unmarked hook, a hook pluggy refuses, no hooks at all), each left out whole with
one warning naming the plugin, its package and the error; strict mode;
disabling by name; no autoload; duplicates across packages; the built-ins on the
same path; and the command line: ``fnn plugins`` (and ``--json``), the global
``--disable-plugin`` and ``--strict-plugins`` flags, one-line warnings and
errors, and ``--help``/``--version`` loading nothing.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import types
import warnings

import numpy as np
import pytest

import fnn
from fnn.plugins.registry import BUILTIN_PLUGINS, DISABLE_AUTOLOAD_ENV, DISABLED_ENV, STRICT_ENV, inspect_plugins

BUILTIN_LOSSES = ["bce", "cross_entropy", "huber", "mae", "mse"]

# ------------------------------------------------------------------------------------------------- fake packages


class FakeEntryPoint:
    """An entry point whose ``load()`` returns ``target``, or raises it if it is an exception."""

    def __init__(self, name: str, target: object, group: str = "fnn"):
        self.name, self.group, self.target = name, group, target
        self.loaded = 0

    def load(self):
        self.loaded += 1
        if isinstance(self.target, BaseException):
            raise self.target
        return self.target


class FakeDistribution:
    """What fnn reads of an installed distribution: its name, version and entry points."""

    def __init__(self, name: str, version: str, *entry_points: FakeEntryPoint):
        self.metadata = {"name": name}
        self.version = version
        self.entry_points = list(entry_points)


def plugin_module(name: str, **hooks) -> types.ModuleType:
    """A module named ``name`` with each keyword as a function marked ``@fnn.hookimpl``."""
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, fnn.hookimpl(function))
    return module


def activation(name: str) -> fnn.Activation:
    return fnn.Activation(name, lambda x: x / (1 + np.abs(x)), lambda x, y, g: g / (1 + np.abs(x)) ** 2, "softsign")


def package(name: str, plugin: object, *, version: str = "1.0", entry_point: str | None = None) -> FakeDistribution:
    """A distribution ``name`` with one ``fnn`` entry point (named after the package) loading ``plugin``."""
    return FakeDistribution(name, version, FakeEntryPoint(entry_point or name.removeprefix("fnn-"), plugin))


SOFTSIGN = package("fnn-softsign", plugin_module("fnn_softsign", fnn_activations=lambda: [activation("softsign")]),
                   version="1.2")


def broken_import() -> FakeDistribution:
    return package("fnn-broken", ModuleNotFoundError("No module named 'numpyy'"), version="0.1")


@pytest.fixture
def install(monkeypatch):
    """``install(*distributions)``: make them the installed ones, with plugin autoloading on."""
    monkeypatch.delenv(DISABLE_AUTOLOAD_ENV, raising=False)
    for name in (DISABLED_ENV, STRICT_ENV):
        monkeypatch.setenv(name, "")  # so that monkeypatch restores whatever a test sets
    fnn.registry.cache_clear()

    def put(*distributions: FakeDistribution) -> None:
        monkeypatch.setattr(importlib.metadata, "distributions", lambda: list(distributions))
        fnn.registry.cache_clear()

    put()
    yield put
    fnn.registry.cache_clear()  # later tests must not see these packages


def load(**settings) -> tuple[fnn.Registry, list[str]]:
    """A registry from the environment's settings, and the warnings loading it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry = fnn.make_registry(**settings)
    return registry, [str(w.message) for w in caught if issubclass(w.category, fnn.PluginWarning)]


def left_out(*distributions: FakeDistribution, install) -> str:
    """Install ``distributions``, load, and return the one warning; the built-ins must still be there."""
    install(*distributions)
    registry, messages = load()
    assert len(messages) == 1, messages
    assert registry.names("loss") == BUILTIN_LOSSES
    return messages[0]


# ------------------------------------------------------------------------------------------------ a working package


def test_an_installed_package_adds_its_names_credited_to_it(install):
    install(SOFTSIGN)
    registry = fnn.registry()
    (entry,) = [e for e in registry.entries("activation") if e.name == "softsign"]
    assert (entry.plugin, entry.package) == ("softsign", "fnn-softsign")
    assert fnn.fit(activation="softsign", epochs=5).experiment.config.activation == "softsign"


def test_the_registry_is_cached_per_plugin_setting(install, monkeypatch):
    install(SOFTSIGN)
    first = fnn.registry()
    assert fnn.registry() is first
    monkeypatch.setenv(DISABLED_ENV, "softsign")
    assert "softsign" not in fnn.registry().names("activation")
    monkeypatch.setenv(DISABLED_ENV, "")
    assert fnn.registry() is first


def test_an_entry_point_of_another_group_is_ignored(install):
    other = FakeEntryPoint("softsign", RuntimeError("must not be loaded"), group="pytest11")
    install(FakeDistribution("pytest-thing", "2.0", other))
    registry, messages = load()
    assert messages == [] and other.loaded == 0
    assert "softsign" not in registry.names("activation")


# ----------------------------------------------------------------------------------------------- broken plugins


def test_a_plugin_that_fails_to_import_is_left_out_with_one_warning(install, capsys):
    message = left_out(broken_import(), SOFTSIGN, install=install)
    assert message == ("plugin 'broken' (fnn-broken 0.1) was left out: failed to import: ModuleNotFoundError: "
                       "No module named 'numpyy' (--disable-plugin broken silences this)")
    assert "softsign" in load()[0].names("activation")  # the other package still loads
    assert capsys.readouterr() == ("", "")  # the library itself never prints


def test_a_plugin_whose_hook_raises_is_left_out(install):
    def fail():
        raise ZeroDivisionError("division by zero")

    message = left_out(package("fnn-flaky", plugin_module("fnn_flaky", fnn_activations=fail)), install=install)
    assert "plugin 'flaky' (fnn-flaky 1.0) was left out: fnn_activations raised ZeroDivisionError: division by zero" \
        in message


def test_a_generator_hook_that_raises_halfway_is_left_out(install):
    def halfway():
        yield activation("first")
        raise KeyError("second")

    message = left_out(package("fnn-half", plugin_module("fnn_half", fnn_activations=halfway)), install=install)
    assert "fnn_activations raised KeyError: 'second'" in message
    assert "first" not in load()[0].names("activation")


def test_a_plugin_returning_records_of_the_wrong_type_is_left_out(install):
    loss = fnn.Loss("oops", lambda p, t: 0.0, lambda p, t: p)
    message = left_out(package("fnn-confused", plugin_module("fnn_confused", fnn_activations=lambda: [loss])),
                       install=install)
    assert "plugin 'confused' (fnn-confused 1.0) was left out: fnn_activations returned Loss, expected fnn.Activation" \
        in message


def test_a_hook_returning_one_record_instead_of_an_iterable_is_left_out(install):
    message = left_out(package("fnn-single", plugin_module("fnn_single", fnn_activations=lambda: activation("one"))),
                       install=install)
    assert "fnn_activations must return an iterable of fnn.Activation, got Activation" in message


@pytest.mark.parametrize("name", ["Swish", "my-act", "2x", "", "soft sign", "relu,tanh", "ñ", None, 7])
def test_a_plugin_returning_a_malformed_name_is_left_out(install, name):
    record = fnn.Activation(name, np.tanh, lambda x, y, g: g * (1 - y * y))
    message = left_out(package("fnn-names", plugin_module("fnn_names", fnn_activations=lambda: [record])),
                       install=install)
    assert (f"fnn_activations returned an activation named {name!r}; a name must be lowercase letters, digits "
            "and underscores, starting with a letter") in message


@pytest.mark.parametrize("name", ["loss", "epoch", "test_loss", "test_accuracy", "test_mine"])
def test_a_metric_named_like_a_history_column_is_left_out(install, name):
    record = fnn.Metric(name, lambda pred, target: 0.0, True, ("binary",))
    message = left_out(package("fnn-clash", plugin_module("fnn_clash", fnn_metrics=lambda: [record])),
                       install=install)
    assert f"fnn_metrics returned a metric named {name!r}; a metric's name is a column of a run's history" in message
    assert "not start with 'test_'" in message


def test_a_metric_whose_name_only_contains_test_is_accepted(install):
    record = fnn.Metric("my_test_score", lambda pred, target: 0.0, True, ("binary",))
    install(package("fnn-fine", plugin_module("fnn_fine", fnn_metrics=lambda: [record])))
    registry, messages = load()
    assert messages == [] and "my_test_score" in registry.names("metric")


@pytest.mark.parametrize("name", ["a", "swish", "leaky_relu2", "x_"])
def test_well_formed_names_are_accepted(install, name):
    install(package("fnn-names", plugin_module("fnn_names", fnn_activations=lambda: [activation(name)])))
    registry, messages = load()
    assert messages == [] and name in registry.names("activation")


def test_two_records_with_one_name_in_one_plugin_are_its_own_fault(install):
    twice = plugin_module("fnn_twice", fnn_activations=lambda: [activation("soft"), activation("soft")])
    assert "fnn_activations returned two activations named 'soft'" in left_out(package("fnn-twice", twice),
                                                                                 install=install)


def test_a_plugin_is_left_out_whole_when_one_of_its_hooks_fails(install):
    def no_losses():
        raise RuntimeError("boom")

    half = plugin_module("fnn_half", fnn_activations=lambda: [activation("softsign")], fnn_losses=no_losses)
    left_out(package("fnn-half", half), install=install)
    assert "softsign" not in load()[0].names("activation")


def test_a_misspelt_hook_is_reported(install):
    typo = plugin_module("fnn_typo", fnn_activation=lambda: [activation("softsign")])
    message = left_out(package("fnn-typo", typo), install=install)
    assert "plugin 'typo' (fnn-typo 1.0) was left out: fnn_activation is not one of fnn's hooks " \
           "(did you mean fnn_activations?)" in message


def test_any_marked_fnn_attribute_that_is_not_a_hook_is_reported(install):
    extra = plugin_module("fnn_extra", fnn_activations=lambda: [activation("softsign")], fnn_schedules=lambda: [])
    assert "fnn_schedules is not one of fnn's hooks" in left_out(package("fnn-extra", extra), install=install)


def test_an_unmarked_hook_is_reported(install):
    unmarked = types.ModuleType("fnn_unmarked")
    unmarked.fnn_activations = lambda: [activation("softsign")]
    message = left_out(package("fnn-unmarked", unmarked), install=install)
    assert "fnn_activations is not marked with @fnn.hookimpl, so fnn would never call it" in message


def test_an_unmarked_misspelt_function_is_reported_as_not_a_hook(install):
    module = plugin_module("fnn_misc", fnn_activations=lambda: [activation("softsign")])
    module.fnn_optimiser = lambda: []
    assert "fnn_optimiser is not one of fnn's hooks (did you mean fnn_optimizers?)" in left_out(
        package("fnn-misc", module), install=install)


def test_optional_hooks_and_fnn_constants_are_allowed(install):
    module = plugin_module("fnn_future", fnn_activations=lambda: [activation("softsign")])
    module.fnn_schedules = fnn.hookimpl(optionalhook=True)(lambda: [])  # a hook a later fnn may define
    module.fnn_min_version = "0.1"
    install(package("fnn-future", module))
    registry, messages = load()
    assert messages == [] and "softsign" in registry.names("activation")


def test_a_hook_with_an_argument_its_spec_lacks_is_reported(install):
    module = plugin_module("fnn_args", fnn_activations=lambda config: [activation("softsign")])
    message = left_out(package("fnn-args", module), install=install)
    assert "plugin 'args' (fnn-args 1.0) was left out: cannot be registered: PluginValidationError:" in message
    assert "config" in message and "\n" not in message


def test_a_plugin_without_hooks_is_reported(install):
    message = left_out(package("fnn-empty", types.ModuleType("fnn_empty")), install=install)
    hooks = "fnn_activations, fnn_losses, fnn_optimizers, fnn_datasets, fnn_metrics, fnn_features"
    assert f"implements none of fnn's hooks ({hooks})" in message


def test_a_long_multiline_error_becomes_one_readable_line(install):
    message = left_out(package("fnn-wordy", SyntaxError("bad\n" + "x" * 1000)), install=install)
    assert "\n" not in message and len(message) < 450
    assert "failed to import: SyntaxError: bad xxx" in message and "...)" not in message


# ---------------------------------------------------------------------------------------------------- strict mode


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_strict_mode_makes_a_broken_plugin_an_error(install, monkeypatch, value):
    install(broken_import(), SOFTSIGN)
    monkeypatch.setenv(STRICT_ENV, value)
    with pytest.raises(fnn.PluginError, match=r"^plugin 'broken' \(fnn-broken 0.1\) is broken: failed to import: "
                                              r"ModuleNotFoundError: No module named 'numpyy'$"):
        fnn.registry()


@pytest.mark.parametrize("value", ["", "0", "false", "no", "off"])
def test_strict_mode_off(install, monkeypatch, value):
    install(broken_import())
    monkeypatch.setenv(STRICT_ENV, value)
    assert load()[1] != []


def test_strict_argument_overrides_the_environment(install, monkeypatch):
    install(broken_import())
    monkeypatch.setenv(STRICT_ENV, "1")
    assert len(load(strict=False)[1]) == 1
    monkeypatch.setenv(STRICT_ENV, "")
    with pytest.raises(fnn.PluginError, match="'broken'"):
        fnn.make_registry(strict=True)


# ------------------------------------------------------------------------------------------------------- disabling


def test_a_disabled_plugin_is_not_even_imported(install, monkeypatch):
    broken = broken_import()
    install(broken, SOFTSIGN)
    monkeypatch.setenv(DISABLED_ENV, " broken , other")
    registry, messages = load()
    assert messages == [] and broken.entry_points[0].loaded == 0
    assert "softsign" in registry.names("activation")
    assert {info.name: info.status for info in inspect_plugins()}["broken"] == "disabled"


def test_disabled_argument_overrides_the_environment(install, monkeypatch):
    install(SOFTSIGN)
    monkeypatch.setenv(DISABLED_ENV, "softsign")
    assert "softsign" in load(disabled=())[0].names("activation")
    assert "softsign" not in load(disabled=["softsign"], entry_points=True)[0].names("activation")


def test_no_autoload_loads_no_installed_plugin(install, monkeypatch):
    broken = broken_import()
    install(broken, SOFTSIGN)
    monkeypatch.setenv(DISABLE_AUTOLOAD_ENV, "1")
    registry, messages = load()
    assert messages == [] and broken.entry_points[0].loaded == 0
    assert "softsign" not in registry.names("activation")
    assert [info.name for info in inspect_plugins()] == list(BUILTIN_PLUGINS)


def test_builtins_load_through_the_same_path_and_can_be_disabled(install, monkeypatch):
    monkeypatch.setenv(DISABLED_ENV, "fnn.datasets")
    assert fnn.registry().names("dataset") == []
    builtins = {info.name: info for info in inspect_plugins()}
    assert builtins["fnn.datasets"].status == "disabled"
    assert (builtins["fnn.losses"].package, builtins["fnn.losses"].version) == ("fnn", fnn.__version__)
    assert builtins["fnn.losses"].hooks == ("fnn_losses",) and builtins["fnn.losses"].names["loss"] == BUILTIN_LOSSES


# ------------------------------------------------------------------------------------------------------ duplicates


def test_two_packages_claiming_one_name_is_an_error_naming_both(install):
    other = package("fnn-other", plugin_module("fnn_other", fnn_activations=lambda: [activation("softsign")]),
                    entry_point="other_softsign")
    install(SOFTSIGN, other)
    with pytest.raises(fnn.PluginError) as caught:
        fnn.registry()
    assert str(caught.value) == (
        "activation 'softsign' is registered twice: by plugin 'softsign' (fnn-softsign) and by plugin "
        "'other_softsign' (fnn-other); disable one with --disable-plugin other_softsign or "
        "FNN_DISABLED_PLUGINS=other_softsign")
    assert "softsign" in fnn.make_registry(disabled=["other_softsign"]).names("activation")


def test_a_package_claiming_a_builtin_name_is_an_error_naming_both(install):
    install(package("fnn-fast", plugin_module("fnn_fast", fnn_activations=lambda: [activation("sigmoid")])))
    with pytest.raises(fnn.PluginError, match=r"activation 'sigmoid' is registered twice: by plugin "
                                              r"'fnn.activations' \(fnn\) and by plugin 'fast' \(fnn-fast\)"):
        fnn.registry()


def test_duplicates_are_an_error_even_when_not_strict_and_shown_in_the_report(install):
    other = package("fnn-other", plugin_module("fnn_other", fnn_activations=lambda: [activation("softsign")]),
                    entry_point="other_softsign")
    install(SOFTSIGN, other)
    with pytest.raises(fnn.PluginError):
        fnn.make_registry(strict=False)
    statuses = {info.name: (info.status, info.error) for info in inspect_plugins()}
    assert statuses["softsign"][0] == statuses["other_softsign"][0] == "error"
    assert statuses["softsign"][1] == statuses["other_softsign"][1]
    assert "registered twice" in statuses["softsign"][1]


def test_two_packages_with_one_plugin_name_leave_the_second_out(install):
    impostor = package("fnn-impostor", plugin_module("fnn_impostor", fnn_activations=lambda: [activation("imp")]),
                       entry_point="softsign", version="9.9")
    message = left_out(SOFTSIGN, impostor, install=install)
    assert message.startswith("plugin 'softsign' (fnn-impostor 9.9) was left out: the plugin name 'softsign' is "
                              "taken by plugin 'softsign' (fnn-softsign 1.2)")


def test_one_package_found_twice_on_the_path_loads_once(install):
    install(SOFTSIGN, SOFTSIGN)
    registry, messages = load()
    assert messages == [] and "softsign" in registry.names("activation")
    assert [info.name for info in inspect_plugins()].count("softsign") == 1


# ----------------------------------------------------------------------------------------------------- the CLI


def cli_error(result, code: int) -> str:
    """The one ``Error:`` line of a failed command."""
    assert result.exit_code == code, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ")
    return line


def test_cli_warns_in_one_line_and_runs(install, fnn_cli):
    install(broken_import(), SOFTSIGN)
    for _ in range(2):  # every load warns, not just the first in a process
        fnn.registry.cache_clear()
        result = fnn_cli("run", "-a", "softsign", "-e", "3", "--json")
        assert result.exit_code == 0, result.output
        assert result.stderr == ("Warning: plugin 'broken' (fnn-broken 0.1) was left out: failed to import: "
                                 "ModuleNotFoundError: No module named 'numpyy' (--disable-plugin broken silences "
                                 "this)\n")
        assert json.loads(result.stdout)["activation"] == "softsign"


@pytest.mark.parametrize("how", ["flag", "env"])
def test_cli_strict_plugins_makes_it_an_error(install, fnn_cli, how):
    install(broken_import())
    args, env = (["--strict-plugins"], {}) if how == "flag" else ([], {STRICT_ENV: "1"})
    line = cli_error(fnn_cli(*args, "run", "-e", "3", env=env), 1)
    assert line == ("Error: plugin 'broken' (fnn-broken 0.1) is broken: failed to import: ModuleNotFoundError: "
                    "No module named 'numpyy'")


def test_cli_disable_plugin_is_repeatable_and_adds_to_the_environments_names(install, fnn_cli):
    other = package("fnn-other", ImportError("nope"))
    install(broken_import(), other, SOFTSIGN)
    result = fnn_cli("--disable-plugin", "broken", "--disable-plugin", "softsign", "list", "--json",
                     env={DISABLED_ENV: "other"})
    assert result.exit_code == 0 and result.stderr == ""
    assert "softsign" not in {item["name"] for item in json.loads(result.stdout)}
    assert os.environ[DISABLED_ENV] == ""  # read, never written


def test_cli_global_flags_leave_the_environment_alone(install, fnn_cli):
    install(broken_import())
    fnn_cli("--disable-plugin", "broken", "--strict-plugins", "list")
    assert (os.environ[DISABLED_ENV], os.environ[STRICT_ENV]) == ("", "")
    assert len(load()[1]) == 1


def test_cli_duplicate_names_are_a_one_line_error_saying_how_to_disable_one(install, fnn_cli):
    other = package("fnn-other", plugin_module("fnn_other", fnn_activations=lambda: [activation("softsign")]),
                    entry_point="other_softsign")
    install(SOFTSIGN, other)
    line = cli_error(fnn_cli("run", "-e", "1"), 1)
    assert "activation 'softsign' is registered twice" in line and "fnn-softsign" in line and "fnn-other" in line
    assert fnn_cli("--disable-plugin", "other_softsign", "run", "-e", "1").exit_code == 0


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["run", "--help"], ["plugins", "--help"]])
def test_help_and_version_load_no_plugin(install, fnn_cli, args):
    def explode():
        raise AssertionError("a hook was called")

    broken = broken_import()
    hooked = package("fnn-hooked", plugin_module("fnn_hooked", fnn_activations=explode))
    install(broken, hooked)
    result = fnn_cli(*args)
    assert result.exit_code == 0 and result.stderr == ""
    assert broken.entry_points[0].loaded == hooked.entry_points[0].loaded == 0


def test_cli_list_credits_an_installed_plugin_with_its_package(install, fnn_cli):
    install(SOFTSIGN)
    result = fnn_cli("list", "activation")
    row = next(line for line in result.stdout.splitlines() if "softsign" in line)
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells == ["softsign", "softsign", "softsign (fnn-softsign)"]


# ------------------------------------------------------------------------------------------------------ fnn plugins


def report_fixture(install) -> None:
    """Installed: a working package, a broken one, a disabled one, and two in conflict."""
    clash = package("fnn-clash", plugin_module("fnn_clash", fnn_activations=lambda: [activation("softsign")]),
                    entry_point="clash")
    datasets = plugin_module("fnn_sets", fnn_datasets=lambda: [], fnn_losses=lambda: [
        fnn.Loss("hinge", lambda p, t: 0.0, lambda p, t: p)])
    install(SOFTSIGN, broken_import(), package("fnn-off", ImportError("never")), clash, package("fnn-sets", datasets))


def test_fnn_plugins_json(install, fnn_cli):
    report_fixture(install)
    result = fnn_cli("--disable-plugin", "off", "plugins", "--json")
    assert result.exit_code == 0 and result.stderr == ""  # a report: no warnings, never an error
    plugins = {item.pop("name"): item for item in json.loads(result.stdout)}
    assert list(plugins) == [*BUILTIN_PLUGINS, "softsign", "broken", "off", "clash", "sets"]
    none = {"activation": [], "loss": [], "optimizer": [], "dataset": [], "metric": [], "feature": []}
    conflict = ("activation 'softsign' is registered twice: by plugin 'softsign' (fnn-softsign) and by plugin "
                "'clash' (fnn-clash); disable one with --disable-plugin clash or FNN_DISABLED_PLUGINS=clash")
    assert plugins["softsign"] == {"package": "fnn-softsign", "version": "1.2", "hooks": ["fnn_activations"],
                                   "names": {**none, "activation": ["softsign"]}, "status": "error",
                                   "error": conflict}
    assert plugins["clash"]["error"] == conflict
    assert plugins["broken"] == {"package": "fnn-broken", "version": "0.1", "hooks": [], "names": none,
                                 "status": "error",
                                 "error": "failed to import: ModuleNotFoundError: No module named 'numpyy'"}
    assert plugins["off"] == {"package": "fnn-off", "version": "1.0", "hooks": [], "names": none,
                              "status": "disabled", "error": None}
    assert plugins["sets"] == {"package": "fnn-sets", "version": "1.0", "hooks": ["fnn_losses", "fnn_datasets"],
                               "names": {**none, "loss": ["hinge"]}, "status": "ok", "error": None}
    assert plugins["fnn.optimizers"]["package"] == "fnn" and plugins["fnn.optimizers"]["status"] == "ok"
    assert plugins["fnn.optimizers"]["names"]["optimizer"] == fnn.make_registry(entry_points=False).names("optimizer")


def test_fnn_plugins_table_then_one_line_per_problem(install, fnn_cli):
    report_fixture(install)
    result = fnn_cli("--disable-plugin", "off", "plugins")
    assert result.exit_code == 0 and result.stderr == ""
    rows = {cells[0]: cells for cells in ([c.strip() for c in line.strip("│ ").split("│")]
                                          for line in result.stdout.splitlines() if line.startswith("│"))
            if cells[0]}
    assert rows["softsign"] == ["softsign", "fnn-softsign 1.2", "fnn_activations", "activation: softsign", "error"]
    assert rows["off"] == ["off", "fnn-off 1.0", "", "", "disabled"]
    assert rows["sets"][:2] == ["sets", "fnn-sets 1.0"] and rows["sets"][-1] == "ok"
    # The names cell wraps onto more lines: its first is enough here (inspect_plugins' names are checked above).
    name, package, hooks, names, status = rows["fnn.losses"]
    assert (name, package, hooks, status) == ("fnn.losses", f"fnn {fnn.__version__}", "fnn_losses", "ok")
    assert names.startswith("loss: bce, cross_entropy,")
    problems = [line for line in result.stdout.splitlines() if line.startswith("plugin '")]
    assert problems == [
        "plugin 'softsign' (fnn-softsign 1.2): activation 'softsign' is registered twice: by plugin 'softsign' "
        "(fnn-softsign) and by plugin 'clash' (fnn-clash); disable one with --disable-plugin clash or "
        "FNN_DISABLED_PLUGINS=clash",
        "plugin 'broken' (fnn-broken 0.1): failed to import: ModuleNotFoundError: No module named 'numpyy'",
        "plugin 'clash' (fnn-clash 1.0): activation 'softsign' is registered twice: by plugin 'softsign' "
        "(fnn-softsign) and by plugin 'clash' (fnn-clash); disable one with --disable-plugin clash or "
        "FNN_DISABLED_PLUGINS=clash",
    ]


def test_fnn_plugins_with_only_the_builtins(fnn_cli):
    result = fnn_cli("plugins", "--json")
    assert [item["name"] for item in json.loads(result.stdout)] == list(BUILTIN_PLUGINS)
