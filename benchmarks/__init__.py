"""twin's benchmarks (DESIGN.md §5): kernels, propagation, end to end, memory, and the naive
SimPy-process-per-satellite baseline. Run ``python -m benchmarks [--full]`` or ``twin bench``."""
