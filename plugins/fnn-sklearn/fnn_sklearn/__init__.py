"""fnn-sklearn: an example fnn plugin package of real data.

One plugin, ``sklearn`` (:mod:`fnn_sklearn.datasets`), declared as an entry
point in ``pyproject.toml`` so that ``pip install`` alone makes it available:
the data sets scikit-learn ships inside its wheel (iris, wine, breast_cancer,
digits and diabetes) as fnn datasets, with their class and feature names.
Nothing is downloaded.
"""
