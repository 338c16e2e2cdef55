"""The folders of fnn/ are layers, and imports run downward (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import fnn

PACKAGE = Path(fnn.__file__).parent

ALLOWED = {  # a folder (or top-level module) -> what it may import from fnn, besides itself
    "core": {"errors"},
    "builtin": {"core", "errors", "plugins.hookspecs"},
    "plugins": {"core", "errors"},
    "io": {"core", "plugins", "builtin", "errors"},
    "figures": {"core", "plugins", "errors"},
    "runs": {"core", "plugins", "builtin", "io", "figures", "errors", "_environ"},
    "cli": {"core", "plugins", "builtin", "io", "figures", "runs", "errors", "testing"},
    "testing": {"core", "plugins", "builtin", "runs", "errors"},
    "pytest_plugin": {"testing", "plugins", "errors", "cli", "registry"},
    "errors": set(),
    "_environ": set(),
}


EXCEPTIONS = {
    # forward and predict take an activation's name as well as its record, and look names up in the
    # registry given or, by default, the installed plugins' (imported inside the function, when a
    # name is given and no registry).
    ("core/network.py", "fnn.plugins.registry"),
}


def imports_of(path: Path) -> set[str]:
    """Every ``fnn.x.y`` module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fnn."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("fnn."))
    return found


def layer_of(module: str) -> str:
    return module.removeprefix("fnn.").split(".")[0]


MODULES = sorted(path for path in PACKAGE.rglob("*.py")
                 if path.name != "__init__.py" and path.parent.name != "__pycache__" and path.name != "_moved.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_imports_run_downward(path):
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    allowed = ALLOWED[own]
    where = str(path.relative_to(PACKAGE))
    wrong = sorted(module for module in imports_of(path)
                   if (where, module) not in EXCEPTIONS and layer_of(module) != own and layer_of(module) not in allowed
                   and not any(module == f"fnn.{name}" or module.startswith(f"fnn.{name}.") for name in allowed))
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {wrong}, above its layer (docs/architecture.md)"


def test_every_folder_is_a_known_layer():
    folders = {path.name for path in PACKAGE.iterdir() if path.is_dir() and path.name != "__pycache__"}
    assert folders <= set(ALLOWED)


def test_the_old_module_names_still_import_with_a_warning():
    import importlib
    import sys

    sys.modules.pop("fnn.sweep", None)
    with pytest.warns(DeprecationWarning, match="fnn.sweep is now fnn.runs.sweep"):
        old = importlib.import_module("fnn.sweep")
    assert old is importlib.import_module("fnn.runs.sweep") and old.__spec__.name == "fnn.runs.sweep"
    assert callable(fnn.registry)  # the function, not the module of the same name
