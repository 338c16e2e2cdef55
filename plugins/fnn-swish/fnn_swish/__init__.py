"""fnn-swish: an example fnn plugin package.

Two plugins, each a module with one hook, declared as entry points in
``pyproject.toml`` so that ``pip install`` alone makes them available:

* ``swish`` (:mod:`fnn_swish.activations`): the activations ``swish``, ``gelu`` and ``mish``;
* ``lion`` (:mod:`fnn_swish.lion`): the optimizer ``lion``.
"""
