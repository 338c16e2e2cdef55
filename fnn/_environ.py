"""Setting environment variables for a while, for child processes: the BLAS threads of a sweep's workers.

That is a setting of NumPy's libraries, read when a fresh process loads them.
fnn's own settings never travel this way: the plugin settings go to sweep
workers with each task (:class:`fnn.plugins.registry.PluginSettings`), and
the library only reads the variables a user sets (``FNN_*``), in one place.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator, Mapping


@contextlib.contextmanager
def environment(changes: Mapping[str, str]) -> Iterator[None]:
    """Set ``changes`` in ``os.environ``, and restore what was there (or its absence) on exit."""
    saved = {key: os.environ.get(key) for key in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
