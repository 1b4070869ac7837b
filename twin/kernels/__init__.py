"""numba kernels: pure functions on float64/int arrays and scalars, SI units, no Python objects."""

# LLVM fast-math flags of the node kernels: contraction into fused multiply-adds, reassociation,
# reciprocals and approximate library functions, which let the compiler shorten the long
# dependency chains of the thermal step. Not "nnan"/"ninf": NaN marks a satellite SGP4 lost,
# and the kernels must carry it, not assume it away.
FASTMATH = {"contract", "reassoc", "arcp", "afn", "nsz"}
