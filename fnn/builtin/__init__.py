"""fnn's built-in plugins: activations, losses, optimizers, datasets, metrics and features, registered through the
same hooks as any installed package (see ``fnn.plugins.hookspecs``), and the learning-rate schedules."""
