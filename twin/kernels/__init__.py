"""numba kernels: pure functions on float64/int arrays and scalars, SI units, no Python objects."""
