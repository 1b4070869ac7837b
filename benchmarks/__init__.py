"""twin's benchmarks (docs/design.md §8): kernels, propagation, end to end, memory, and the naive
SimPy-process-per-satellite baseline. Run ``python -m benchmarks [--full]`` or ``twin bench``."""
