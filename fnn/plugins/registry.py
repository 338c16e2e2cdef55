"""The plugin registry: every activation, loss, optimizer, dataset, metric and feature by name, and where each
came from.

Plugins are loaded the way pytest and conda load theirs. The candidates are
fnn's built-in plugins (``fnn.activations``, ``fnn.losses``,
``fnn.optimizers``, ``fnn.datasets``, ``fnn.metrics``, ``fnn.features``: the modules
``fnn.builtin.*``), then the ``fnn`` entry points of every installed
distribution, then plugin objects given in code; every one goes
through the same steps:

1. a plugin named in ``disabled`` is not imported at all, and
   ``entry_points=False`` skips the entry points altogether (both from
   :class:`PluginSettings`: the CLI's flags, or the environment, see below);
2. a broken plugin is left out whole: one that fails to import, has an
   ``fnn_*`` attribute that is not a marked hook of fnn's, raises in a hook
   (``SystemExit`` too: anything but ``KeyboardInterrupt``), returns something
   other than records of its hook's type with well-formed names
   (:data:`NAME_RULE`), or has a record that fails the cheap checks of
   :mod:`fnn.plugins.contracts` (shapes, types, an activation's derivative, a
   dataset's labels). fnn carries on and warns with a
   :class:`~fnn.PluginWarning` naming the plugin, its package and the error;
   when ``strict`` (``--strict-plugins``) it stops with a
   :class:`~fnn.PluginError` instead;
3. two plugins that claim one name are always a :class:`~fnn.PluginError`
   naming both and how to disable one.

Which plugins load is a :class:`PluginSettings`, given explicitly: the CLI
makes one from its flags, a sweep sends it to its worker processes. The
environment variables a user sets (``FNN_DISABLE_PLUGIN_AUTOLOAD``,
``FNN_DISABLED_PLUGINS``, ``FNN_STRICT_PLUGINS``) are read in one place,
:meth:`PluginSettings.from_environment`, for the default registry
(:func:`registry`) and for what :func:`make_registry` is not told.

The library never prints; the CLI renders each warning as one line.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import importlib
import importlib.metadata
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import pluggy

from fnn.plugins import contracts
from fnn.plugins import hookspecs
from fnn.errors import PluginError, PluginWarning, UnknownNameError, one_line
from fnn.core.records import KINDS, Activation, DatasetSpec, Feature, Loss, Metric, OptimizerSpec, Record

BUILTIN_PLUGINS = ("fnn.activations", "fnn.losses", "fnn.optimizers", "fnn.datasets", "fnn.metrics",
                   "fnn.features")
"""The built-in plugins' names (as ``fnn plugins`` shows them and ``--disable-plugin`` takes them);
each is the module ``fnn.builtin.<kind>``."""
DISABLE_AUTOLOAD_ENV = "FNN_DISABLE_PLUGIN_AUTOLOAD"
DISABLED_ENV = "FNN_DISABLED_PLUGINS"
STRICT_ENV = "FNN_STRICT_PLUGINS"

NAME_RULE = re.compile(r"[a-z][a-z0-9_]*")
"""What a record's name must match, whole: it is typed on the command line, split
out of comma lists (``fnn sweep -a relu,swish``) and used in file names."""

HISTORY_NAMES = ("epoch", "loss", "test_loss")
"""The columns of a run's history that are not metrics: a metric may not take these names (nor any starting
with ``test_``, which name the metrics' scores on the test points)."""

_IN_CODE = "registered in code"


class Entry(NamedTuple):
    """One registered record and where it came from (``package`` is None for a plugin given in code)."""

    kind: str
    name: str
    record: Record
    plugin: str
    package: str | None

    def describe(self) -> str:
        """``activation 'swish' from plugin 'swish' (fnn-swish)``: for messages."""
        return f"{self.kind} {self.name!r} from {_describe_plugin(self.plugin, self.package)}"


@dataclass(frozen=True)
class PluginInfo:
    """One plugin as fnn found it: where it came from, what it adds, and whether it loaded.

    ``status`` is ``"ok"``, ``"disabled"`` (not imported) or ``"error"`` (left
    out; ``error`` says why). ``package`` is the distribution (``"fnn"`` for
    the built-ins) or None for a plugin given in code.
    """

    name: str
    package: str | None
    version: str | None
    hooks: tuple[str, ...] = ()
    entries: tuple[Entry, ...] = ()
    status: str = "ok"
    error: str | None = None

    @property
    def names(self) -> dict[str, list[str]]:
        """The names this plugin adds, sorted, for every kind."""
        return {kind: sorted(e.name for e in self.entries if e.kind == kind) for kind in KINDS}

    @property
    def origin(self) -> str:
        """``fnn-swish 0.1.0``, or ``registered in code``."""
        return " ".join(filter(None, (self.package, self.version))) or _IN_CODE

    def describe(self) -> str:
        """``plugin 'swish' (fnn-swish 0.1.0)``: for messages."""
        return _describe_plugin(self.name, self.origin)


@dataclass(frozen=True)
class PluginSettings:
    """Which installed plugins a registry loads: the CLI's global flags, or the environment's.

    Frozen and picklable, so that a sweep sends it with each task to its
    worker processes, which build their registry from it (:func:`registry`).
    ``disabled`` holds plugin names (see ``fnn plugins``); ``strict`` makes a
    broken plugin an error instead of a warning.
    """

    entry_points: bool = True
    disabled: frozenset[str] = frozenset()
    strict: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "disabled", frozenset(self.disabled))  # any iterable of names; hashable after

    @classmethod
    def from_environment(cls) -> PluginSettings:
        """The settings the user's environment gives: the one place fnn reads them.

        ``FNN_DISABLE_PLUGIN_AUTOLOAD=1`` loads no entry points;
        ``FNN_DISABLED_PLUGINS`` is a comma list of plugin names (a backslash
        takes the next character as it is, so ``a\\,b`` is the one name ``a,b``);
        ``FNN_STRICT_PLUGINS=1`` is strict. A switch is on unless unset, empty,
        0, false, no or off.
        """
        return cls(entry_points=not _env_flag(DISABLE_AUTOLOAD_ENV), disabled=_env_names(DISABLED_ENV),
                   strict=_env_flag(STRICT_ENV))


class Registry:
    """Records by kind and name; built by :func:`make_registry`, read-only after.

    ``settings`` are the :class:`PluginSettings` that rebuild it in another
    process; None when it holds plugins given in code or leaves out the built-ins.
    """

    def __init__(self, entries: Iterable[Entry], settings: PluginSettings | None = None):
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}
        for entry in entries:
            self._entries[entry.kind][entry.name] = entry
        self.settings = settings

    def get(self, kind: str, name: str):
        """The record of ``kind`` called ``name``; ``UnknownNameError`` lists the choices."""
        try:
            return self._entries[kind][name].record
        except KeyError:
            raise UnknownNameError(kind, name, self._entries.get(kind, ())) from None

    def entry(self, kind: str, name: str) -> Entry:
        """The :class:`Entry` of ``kind`` called ``name``: the record with its plugin and package."""
        self.get(kind, name)  # the UnknownNameError, if any
        return self._entries[kind][name]

    def activation(self, name: str) -> Activation:
        return self.get("activation", name)

    def loss(self, name: str) -> Loss:
        return self.get("loss", name)

    def optimizer(self, name: str) -> OptimizerSpec:
        return self.get("optimizer", name)

    def dataset(self, name: str) -> DatasetSpec:
        return self.get("dataset", name)

    def metric(self, name: str) -> Metric:
        return self.get("metric", name)

    def feature(self, name: str) -> Feature:
        return self.get("feature", name)

    def names(self, kind: str) -> list[str]:
        """Sorted names of one kind: "activation", "loss", "optimizer", "dataset", "metric" or "feature"."""
        if kind not in self._entries:
            raise UnknownNameError("kind", kind, self._entries)
        return sorted(self._entries[kind])

    def entries(self, kind: str) -> list[Entry]:
        """Every entry of one kind, sorted by name, with its plugin and package."""
        return [self._entries[kind][name] for name in self.names(kind)]


def make_registry(plugins: Iterable[object] = (), *, builtins: bool = True, entry_points: bool | None = None,
                  disabled: Iterable[str] | None = None, strict: bool | None = None,
                  check_records: bool = True) -> Registry:
    """Build a registry from the built-ins, installed packages and ``plugins``.

    ``plugins`` are extra plugin objects (modules, classes or instances), handy
    in tests and notebooks. ``entry_points``, ``disabled`` (plugin names) and
    ``strict`` default to the environment's (:meth:`PluginSettings.from_environment`:
    ``FNN_DISABLE_PLUGIN_AUTOLOAD``, ``FNN_DISABLED_PLUGINS`` and
    ``FNN_STRICT_PLUGINS``). A broken plugin is left
    out with a :class:`~fnn.PluginWarning`, or raises :class:`~fnn.PluginError`
    when strict; two plugins claiming one name always raise. ``check_records=False``
    skips the cheap checks of :mod:`fnn.plugins.contracts`, for :mod:`fnn.testing`, whose
    own checks are thorough and say more.
    """
    settings = _settings(entry_points, disabled, strict)
    plugins = list(plugins)
    infos = _load_all(plugins, builtins, settings.entry_points, settings.disabled, check_records)
    for info in infos:
        if info.status == "error":
            if settings.strict:
                raise PluginError(f"{info.describe()} is broken: {info.error}")
            warnings.warn(f"{info.describe()} was left out: {info.error} (--disable-plugin {info.name} "
                          "silences this)", PluginWarning, stacklevel=2)
    conflicts = _conflicts(infos)
    if conflicts:
        raise PluginError(next(iter(conflicts.values())))
    rebuilt_by = settings if builtins and check_records and not plugins else None
    return Registry((entry for info in infos if info.status == "ok" for entry in info.entries), rebuilt_by)


def _settings(entry_points: bool | None, disabled: Iterable[str] | None, strict: bool | None) -> PluginSettings:
    """The settings given, the environment's for those left None."""
    environment = PluginSettings.from_environment()
    return PluginSettings(environment.entry_points if entry_points is None else entry_points,
                          environment.disabled if disabled is None else frozenset(disabled),
                          environment.strict if strict is None else strict)


def plugin_names(*, builtins: bool = True, entry_points: bool | None = None) -> list[str]:
    """The names of the plugins fnn would consider (what ``--disable-plugin`` takes), without importing any."""
    entry_points = _settings(entry_points, (), False).entry_points
    return sorted({candidate.name for candidate in _candidates((), builtins, entry_points)})


def inspect_plugins(plugins: Iterable[object] = (), *, builtins: bool = True, entry_points: bool | None = None,
                    disabled: Iterable[str] | None = None) -> list[PluginInfo]:
    """Every plugin :func:`make_registry` would consider, with its status; never raises or warns for a plugin.

    Plugins that claim a name another plugin also claims get status ``"error"``
    with the message :func:`make_registry` would raise.
    """
    settings = _settings(entry_points, disabled, False)
    infos = _load_all(plugins, builtins, settings.entry_points, settings.disabled)
    conflicts = _conflicts(infos)
    return [replace(info, status="error", error=conflicts[info.name])
            if info.status == "ok" and info.name in conflicts else info for info in infos]


@functools.cache
def _cached_registry(settings: PluginSettings) -> Registry:
    return make_registry(entry_points=settings.entry_points, disabled=settings.disabled, strict=settings.strict)


_in_use: list[Registry] = []  # registries put in place by use_registry (in tests), innermost last


def registry(settings: PluginSettings | None = None) -> Registry:
    """The registry of the built-in and installed plugins, loaded on first use and cached.

    ``settings`` say which plugins load; by default the environment's
    (:meth:`PluginSettings.from_environment`). One registry is kept per
    settings, so a sweep's worker process loads its plugins once. Functions
    that take a ``registry=None`` argument use this one when given none.
    Inside :func:`use_registry` (a test's), that registry is returned instead.
    """
    if _in_use:
        return _in_use[-1]
    return _cached_registry(PluginSettings.from_environment() if settings is None else settings)


# As when registry() was itself a functools.cache: tests reload installed plugins with it.
registry.cache_clear = _cached_registry.cache_clear  # type: ignore[attr-defined]


@contextlib.contextmanager
def use_registry(reg: Registry) -> Iterator[Registry]:
    """For tests: make :func:`registry` return ``reg`` inside the block, so that code given no
    registry (the CLI, ``fnn.fit``) uses it. The pytest fixture ``fnn_registry`` does this;
    library code passes registries explicitly instead."""
    _in_use.append(reg)
    try:
        yield reg
    finally:
        _in_use.remove(reg)


# -------------------------------------------------------------------- loading


class _Candidate(NamedTuple):
    """A plugin before it is loaded: its name, where it comes from, and how to get the object."""

    name: str
    package: str | None
    version: str | None
    load: Callable[[], object]


class _Broken(Exception):
    """Why a plugin is left out, as one line."""


def _load_all(plugins: Iterable[object], builtins: bool, entry_points: bool, disabled: frozenset[str],
              check_records: bool = True) -> list[PluginInfo]:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    infos: list[PluginInfo] = []
    by_name: dict[str, PluginInfo] = {}
    for candidate in _candidates(plugins, builtins, entry_points):
        taken = by_name.get(candidate.name)
        if candidate.package is None:  # given in code: any free name will do
            candidate = candidate._replace(name=_free_name(candidate.name, by_name))
        elif taken is not None:
            if taken.package != candidate.package:  # else the same distribution, found twice on sys.path
                infos.append(PluginInfo(candidate.name, candidate.package, candidate.version, status="error",
                                        error=f"the plugin name {candidate.name!r} is taken by {taken.describe()}"))
            continue
        by_name[candidate.name] = _load_one(manager, candidate, disabled, check_records)
        infos.append(by_name[candidate.name])
    return infos


def _candidates(plugins: Iterable[object], builtins: bool, entry_points: bool) -> Iterator[_Candidate]:
    if builtins:
        from fnn import __version__  # fnn itself is fully imported by the time a registry is built

        for module in BUILTIN_PLUGINS:
            yield _Candidate(module, "fnn", __version__,
                             functools.partial(importlib.import_module, module.replace("fnn.", "fnn.builtin.", 1)))
    if entry_points:
        # Found as pluggy's load_setuptools_entrypoints finds them, but each loaded on its own.
        for dist in importlib.metadata.distributions():
            for entry_point in dist.entry_points:
                if entry_point.group == hookspecs.PROJECT:
                    yield _Candidate(entry_point.name, dist.metadata["name"], dist.version, entry_point.load)
    for plugin in plugins:
        # pluggy's default name for an unnamed object is its id(), which tells a reader nothing.
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        # The default binds this plugin (a closure would see the loop's last); mypy cannot type such a lambda.
        yield _Candidate(name, None, None, lambda plugin=plugin: plugin)  # type: ignore[misc]


def _free_name(base: str, taken: dict[str, PluginInfo]) -> str:
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


def _load_one(manager: pluggy.PluginManager, candidate: _Candidate, disabled: frozenset[str],
              check_records: bool) -> PluginInfo:
    info = PluginInfo(candidate.name, candidate.package, candidate.version)
    if candidate.name in disabled:
        return replace(info, status="disabled")
    try:
        plugin = candidate.load()
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # SystemExit too: a plugin must not end fnn without a word
        return replace(info, status="error", error=f"failed to import: {one_line(error)}")
    try:
        problems = _hook_problems(manager, plugin)
        if problems:
            raise _Broken("; ".join(problems))
        info = replace(info, hooks=_register(manager, plugin, candidate.name))
        entries = tuple(_collect(manager, plugin, candidate, check_records))
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # _Broken, or the plugin object itself misbehaving (a raising __getattr__)
        if manager.has_plugin(candidate.name):
            manager.unregister(name=candidate.name)
        return replace(info, status="error", error=str(error) if isinstance(error, _Broken) else one_line(error))
    return replace(info, entries=entries)


def _hook_problems(manager: pluggy.PluginManager, plugin: object) -> list[str]:
    """Misspelt and unmarked hooks: what pluggy's ``check_pending`` finds, per plugin, and more.

    pluggy ignores a function without ``@fnn.hookimpl`` and keeps a marked one
    whose name matches no hook; either way the plugin would silently add nothing.
    A hook marked ``optionalhook=True`` may name a hook this fnn lacks, as in pluggy.
    """
    problems = []
    for attribute in dir(plugin):
        if not attribute.startswith("fnn_"):
            continue
        options = manager.parse_hookimpl_opts(plugin, attribute)
        if options is None and not callable(getattr(plugin, attribute, None)):
            continue  # a constant such as fnn_min_version is not meant as a hook
        hook = (options.get("specname") if options else None) or attribute
        if hook not in hookspecs.HOOKS.values():
            if not (options and options.get("optionalhook")):
                close = difflib.get_close_matches(hook, hookspecs.HOOKS.values(), n=1)
                problems.append(f"{hook} is not one of fnn's hooks" + (f" (did you mean {close[0]}?)" if close else ""))
        elif options is None:
            problems.append(f"{attribute} is not marked with @fnn.hookimpl, so fnn would never call it")
    return problems


def _register(manager: pluggy.PluginManager, plugin: object, name: str) -> tuple[str, ...]:
    """Register ``plugin`` and return the hooks it implements, in :data:`hookspecs.HOOKS` order."""
    try:
        manager.register(plugin, name=name)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # pluggy refuses, for one, a hook taking arguments its spec lacks
        raise _Broken(f"cannot be registered: {one_line(error)}") from error
    implemented = {caller.name for caller in manager.get_hookcallers(plugin) or ()}
    hooks = tuple(hook for hook in hookspecs.HOOKS.values() if hook in implemented)
    if not hooks:
        raise _Broken(f"implements none of fnn's hooks ({', '.join(hookspecs.HOOKS.values())})")
    return hooks


def _collect(manager: pluggy.PluginManager, plugin: object, candidate: _Candidate,
             check_records: bool) -> Iterator[Entry]:
    """The plugin's records, each checked.

    Each hook is called through pluggy, as ``manager.hook.<name>()`` but narrowed to this one
    plugin (``subset_hook_caller``): fnn loads plugins one at a time, so that one that raises
    or returns something wrong is left out alone and named in the message, and a name two
    plugins claim is reported with both (:func:`_conflicts`).
    """
    others = manager.get_plugins() - {plugin}
    seen: set[tuple[str, str]] = set()
    for kind, hook_name in hookspecs.HOOKS.items():
        for record in _call(manager.subset_hook_caller(hook_name, remove_plugins=others), hook_name, KINDS[kind]):
            _check_record(record, kind, hook_name)
            try:
                if check_records:
                    _CONTRACTS[kind](record)
            except contracts.ContractBroken as error:
                raise _Broken(f"{kind} {record.name!r}: {error}") from None
            if (kind, record.name) in seen:
                raise _Broken(f"{hook_name} returned two {kind}s named {record.name!r}")
            seen.add((kind, record.name))
            yield Entry(kind, record.name, record, candidate.name, candidate.package)


_CONTRACTS: dict[str, Callable[[Any], object]] = {
    "activation": contracts.check_activation, "loss": contracts.check_loss,
    "optimizer": contracts.check_optimizer_spec, "metric": contracts.check_metric,
    "feature": contracts.check_feature,
    # A dataset is checked where a run loads it (contracts.check_data), not here: loading one can take
    # seconds (scikit-learn's, through fnn-sklearn, 3 s), and every command would pay for every set.
    "dataset": lambda record: None}


def _call(hook: Callable[[], list], hook_name: str, expected: type) -> list:
    """The records of every implementation ``hook`` calls (pluggy leaves out those that return None)."""
    try:
        results = contracts.call(hook_name, hook)
    except contracts.ContractBroken as error:
        raise _Broken(str(error)) from None
    records = []
    for result in results:
        if not isinstance(result, Iterable) or isinstance(result, (str, bytes)):
            raise _Broken(f"{hook_name} must return an iterable of fnn.{expected.__name__}, "
                          f"got {type(result).__name__}")
        try:
            records += contracts.call(hook_name, list, result)  # a generator hook runs here
        except contracts.ContractBroken as error:
            raise _Broken(str(error)) from None
    return records


def _check_record(record: object, kind: str, hook_name: str) -> None:
    expected = KINDS[kind]
    if not isinstance(record, expected):
        raise _Broken(f"{hook_name} returned {type(record).__name__}, expected fnn.{expected.__name__}")
    if not (isinstance(record.name, str) and NAME_RULE.fullmatch(record.name)):
        raise _Broken(f"{hook_name} returned {_article(kind)} {kind} named {record.name!r}; a name must be "
                      "lowercase letters, digits and underscores, starting with a letter")
    if kind == "metric" and (record.name in HISTORY_NAMES or record.name.startswith("test_")):
        raise _Broken(f"{hook_name} returned a metric named {record.name!r}; a metric's name is a column of a run's "
                      f"history beside {', '.join(HISTORY_NAMES)} and each metric's test_ twin, so it must be "
                      "none of those and not start with 'test_'")


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _conflicts(infos: list[PluginInfo]) -> dict[str, str]:
    """For each plugin that claims a name another loaded plugin claims first, the error, by plugin name."""
    owners: dict[tuple[str, str], Entry] = {}
    conflicts: dict[str, str] = {}
    for entry in (entry for info in infos if info.status == "ok" for entry in info.entries):
        first = owners.setdefault((entry.kind, entry.name), entry)
        if first is not entry:
            message = (f"{entry.kind} {entry.name!r} is registered twice: by "
                       f"{_describe_plugin(first.plugin, first.package)} and by "
                       f"{_describe_plugin(entry.plugin, entry.package)}; disable one with "
                       f"--disable-plugin {entry.plugin} or FNN_DISABLED_PLUGINS={entry.plugin}")
            conflicts.setdefault(first.plugin, message)
            conflicts.setdefault(entry.plugin, message)
    return conflicts


# -------------------------------------------------------------------- helpers


def _describe_plugin(name: str, origin: str | None) -> str:
    return f"plugin {name!r} ({origin or _IN_CODE})"


def _env_flag(name: str) -> bool:
    """A switch in the environment: on unless unset, empty, 0, false, no or off."""
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def _env_names(name: str) -> frozenset[str]:
    """The names of a comma list in the environment; a backslash takes the next character as it is."""
    names, current, escaped = set(), [], False
    for char in os.environ.get(name, "") + ",":
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            names.add("".join(current).strip())
            current = []
        else:
            current.append(char)
    return frozenset(names - {""})


def escape_name(name: str) -> str:
    """``name`` as one item of a comma list such as ``FNN_DISABLED_PLUGINS``: commas and backslashes escaped."""
    return name.replace("\\", "\\\\").replace(",", "\\,")
