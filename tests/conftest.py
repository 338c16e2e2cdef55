"""Shared test setup: plugins installed on this machine must never change results."""

import os

# Set before fnn builds its registry, so only the built-in plugins load.
os.environ["FNN_DISABLE_PLUGIN_AUTOLOAD"] = "1"
os.environ.pop("FNN_DEBUG", None)
