"""fnn's benchmark suite: fnn against hand-written NumPy baselines and PyTorch, in one process.

Run every benchmark with ``python -m benchmarks`` from the repository root
(``--smoke`` for tiny sizes, ``--only NAME`` for one benchmark, ``--output
PATH`` for the JSON file); see ``python -m benchmarks --help`` and the
README's "Performance" section.

Importing this package pins BLAS to one thread, so it must happen before NumPy
loads: on these tiny networks a second BLAS thread only adds synchronisation,
and one thread keeps fnn, the NumPy baselines and PyTorch (also set to one
thread) on equal terms. :data:`USER_ENV` keeps the environment as it was, for
the start-up benchmark, which times ``fnn`` as a user starts it.
"""

import os
import sys

USER_ENV = dict(os.environ)
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
BLAS_PINNED = "numpy" not in sys.modules  # pinning after NumPy has loaded its BLAS changes nothing
os.environ.update(dict.fromkeys(BLAS_THREAD_VARIABLES, "1"))
