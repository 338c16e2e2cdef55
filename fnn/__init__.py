"""fnn: a workbench for learning backpropagation.

Pure NumPy networks whose parameters are immutable mappings (``W1, b1, ...``),
and a pluggy registry of activations, losses, optimizers, datasets, metrics and
input features. A minimal session::

    import numpy as np
    import fnn

    result = fnn.fit(dataset="xor", activation="tanh", epochs=2000)    # what `fnn run` does
    print(result.final.loss, result.final.accuracy)

    params = fnn.init_params((2, 4, 8, 1), seed=0)                      # or step by step
    x, y = fnn.registry().dataset("xor").load(np.random.default_rng(0))
    y_hat, cache = fnn.forward(params, x)
    grads = fnn.backward(params, cache, fnn.registry().loss("mse").grad(y_hat, y))
"""

from importlib.metadata import PackageNotFoundError, version as _version

from fnn import _moved
from fnn.core.network import Cache, backward, dropout_masks, forward, init_params, predict
from fnn.core.params import Params
from fnn.core.records import Activation, DatasetSpec, Feature, Loss, Metric, Optimizer, OptimizerSpec
from fnn.core.transforms import add_decayed_weights, apply_updates, chain, scale_by_learning_rate
from fnn.errors import (ConfigError, DataError, FnnError, PluginContractError, PluginError, PluginWarning,
                        TrainingDiverged, UnknownNameError)
from fnn.plugins.hookspecs import hookimpl
from fnn.plugins.registry import Registry, make_registry, registry
from fnn.runs.training import Epoch, Experiment, FitResult, RunConfig, accuracy, fit, prepare, run, train

try:
    __version__ = _version("fnn")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

_moved.install()

__all__ = [
    "Activation", "Cache", "ConfigError", "DataError", "DatasetSpec", "Epoch", "Experiment", "Feature", "FitResult",
    "FnnError",
    "Loss", "Metric", "Optimizer", "OptimizerSpec", "Params", "PluginContractError", "PluginError", "PluginWarning",
    "Registry", "RunConfig", "TrainingDiverged", "UnknownNameError", "__version__", "accuracy", "add_decayed_weights",
    "apply_updates", "backward", "chain", "dropout_masks", "fit", "forward", "hookimpl", "init_params",
    "make_registry", "predict", "prepare", "registry", "run", "scale_by_learning_rate", "train",
]
