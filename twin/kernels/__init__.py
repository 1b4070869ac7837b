"""numba kernels: pure functions on float64/int arrays and scalars, SI units, no Python objects.

Importing the package sets numba up (:mod:`twin.numba_cache`) before any kernel is decorated."""
from twin.numba_cache import configure_numba as _configure_numba

_configure_numba()
