"""The plugin registry: every activation, loss, optimizer and dataset by name.

Built-in plugins are ordinary modules of fnn registered through the same hooks
as third-party packages, which are found through the ``fnn`` entry-point group.
Set ``FNN_DISABLE_PLUGIN_AUTOLOAD=1`` to load the built-ins only (the test
suite does, so plugins installed on a machine cannot change its results).
"""

from __future__ import annotations

import functools
import importlib
import os
from typing import Iterable, NamedTuple

import pluggy

from . import hookspecs
from .errors import PluginError, UnknownNameError
from .records import KINDS, Activation, DatasetSpec, Loss, OptimizerSpec

BUILTIN_PLUGINS = ("fnn.activations", "fnn.losses", "fnn.optimizers", "fnn.datasets")
AUTOLOAD_ENV = "FNN_DISABLE_PLUGIN_AUTOLOAD"


class Entry(NamedTuple):
    """One registered record and where it came from."""

    kind: str
    name: str
    record: object
    plugin: str
    package: str


class Registry:
    """Records by kind and name; built by :func:`make_registry`, read-only after."""

    def __init__(self, entries: Iterable[Entry]):
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}
        for entry in entries:
            self._entries[entry.kind][entry.name] = entry

    def get(self, kind: str, name: str):
        """The record of ``kind`` called ``name``; ``UnknownNameError`` lists the choices."""
        try:
            return self._entries[kind][name].record
        except KeyError:
            raise UnknownNameError(kind, name, self._entries.get(kind, ())) from None

    def activation(self, name: str) -> Activation:
        return self.get("activation", name)

    def loss(self, name: str) -> Loss:
        return self.get("loss", name)

    def optimizer(self, name: str) -> OptimizerSpec:
        return self.get("optimizer", name)

    def dataset(self, name: str) -> DatasetSpec:
        return self.get("dataset", name)

    def names(self, kind: str) -> list[str]:
        """Sorted names of one kind: "activation", "loss", "optimizer" or "dataset"."""
        if kind not in self._entries:
            raise UnknownNameError("kind", kind, self._entries)
        return sorted(self._entries[kind])

    def entries(self, kind: str) -> list[Entry]:
        """Every entry of one kind, sorted by name, with its plugin and package."""
        return [self._entries[kind][name] for name in self.names(kind)]


def make_registry(plugins: Iterable[object] = (), *, builtins: bool = True, entry_points: bool | None = None) -> Registry:
    """Build a registry from the built-ins, installed packages and ``plugins``.

    ``entry_points=None`` loads installed packages unless the environment
    variable ``FNN_DISABLE_PLUGIN_AUTOLOAD`` is set. ``plugins`` are extra
    plugin objects (modules, classes or instances), handy in tests and notebooks.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    packages: dict[str, str] = {}
    if builtins:
        for module_name in BUILTIN_PLUGINS:
            manager.register(importlib.import_module(module_name), name=module_name)
            packages[module_name] = "fnn"
    if entry_points is None:
        entry_points = not os.environ.get(AUTOLOAD_ENV)
    if entry_points:
        manager.load_setuptools_entrypoints(hookspecs.PROJECT)
        for plugin, dist in manager.list_plugin_distinfo():
            packages[manager.get_name(plugin)] = f"{dist.project_name} {dist.version}"
    for plugin in plugins:
        manager.register(plugin, name=_free_name(manager, plugin))
    return Registry(_collect(manager, packages))


def _free_name(manager: pluggy.PluginManager, plugin: object) -> str:
    """A readable plugin name: the module's or class's name (pluggy's default is an id number)."""
    base = getattr(plugin, "__name__", None) or type(plugin).__name__
    name, number = base, 1
    while manager.has_plugin(name):
        number += 1
        name = f"{base}-{number}"
    return name


def _collect(manager: pluggy.PluginManager, packages: dict[str, str]) -> list[Entry]:
    seen: dict[tuple[str, str], Entry] = {}
    for kind, hook_name in hookspecs.HOOKS.items():
        expected = KINDS[kind]
        # Call each implementation alone, so every record is credited to its plugin.
        for impl in reversed(getattr(manager.hook, hook_name).get_hookimpls()):
            plugin = impl.plugin_name
            package = packages.get(plugin, "(registered in code)")
            for record in impl.function() or ():
                if not isinstance(record, expected):
                    raise PluginError(
                        f"plugin {plugin!r} ({package}): {hook_name} returned {type(record).__name__}, "
                        f"expected fnn.{expected.__name__}"
                    )
                if not isinstance(record.name, str) or not record.name:
                    raise PluginError(f"plugin {plugin!r} ({package}): {hook_name} returned a record without a name")
                key = (kind, record.name)
                if key in seen:
                    first = seen[key]
                    raise PluginError(
                        f"{kind} {record.name!r} is registered twice: by plugin {first.plugin!r} ({first.package}) "
                        f"and by plugin {plugin!r} ({package})"
                    )
                seen[key] = Entry(kind, record.name, record, plugin, package)
    return list(seen.values())


@functools.cache
def registry() -> Registry:
    """The registry of built-in and installed plugins, loaded once on first use."""
    return make_registry()
