"""The modules' old names (before issue 14 put them in layer folders), kept as deprecated aliases.

``import fnn.training`` still works, warns once with the new name, and gives the same module
object as ``import fnn.runs.training``, so monkeypatching either name patches both.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {
    "fnn.params": "fnn.core.params", "fnn.network": "fnn.core.network", "fnn.records": "fnn.core.records",
    "fnn.hookspecs": "fnn.plugins.hookspecs", "fnn.registry": "fnn.plugins.registry",
    "fnn.contracts": "fnn.plugins.contracts", "fnn.activations": "fnn.builtin.activations",
    "fnn.losses": "fnn.builtin.losses", "fnn.optimizers": "fnn.builtin.optimizers",
    "fnn.datasets": "fnn.builtin.datasets", "fnn.schedules": "fnn.builtin.schedules",
    "fnn.settings": "fnn.runs.settings", "fnn.training": "fnn.runs.training", "fnn.sweep": "fnn.runs.sweep",
    "fnn.data": "fnn.io.data", "fnn.model_io": "fnn.io.modelfile", "fnn.rundir": "fnn.runs.rundir",
    "fnn.jsonfile": "fnn.io.jsonfile", "fnn.figures": "fnn.figures.plots",
}
"""Old module name -> new one. ``fnn.figures`` is a package now: ``from fnn.figures import x`` of
the old module's functions goes through the package's ``__getattr__`` instead."""


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self) -> None:
        self._specs: dict = {}  # an old name -> the spec and loader of the module it stands for

    def find_spec(self, name, path=None, target=None):
        if name in MOVED and name not in ("fnn.figures", "fnn.registry"):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        warnings.warn(f"{spec.name} is now {MOVED[spec.name]}; the old name will go in a later version",
                      DeprecationWarning, stacklevel=2)
        module = importlib.import_module(MOVED[spec.name])
        self._specs[spec.name] = module.__spec__, module.__loader__
        return module

    def exec_module(self, module):
        # The module has run already; the import system has only stamped the old name's spec on it.
        module.__spec__, module.__loader__ = self._specs.pop(module.__spec__.name)


def install() -> None:
    """Make the old names importable (once).

    ``fnn.registry`` is aliased at once, without a warning: ``fnn.registry`` is also the function
    ``registry()``, and importing a submodule of that name later would replace the function on the
    package. Its module is loaded with ``fnn`` anyway.
    """
    sys.modules.setdefault("fnn.registry", importlib.import_module("fnn.plugins.registry"))
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.append(_Alias())
