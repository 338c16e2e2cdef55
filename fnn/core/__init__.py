"""The math, NumPy only: parameters (``params``), the network's forward and backward passes
(``network``), optimizer transforms (``transforms``) and the records plugins return (``records``).

Nothing here reads files, prints, or knows about the command line.
"""
