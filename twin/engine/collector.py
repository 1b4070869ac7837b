"""Python's cyclic garbage collector tuned for the length of a run (:func:`collector_for_long_runs`)."""
from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def collector_for_long_runs():
    """During a run, Python's cyclic garbage collector leaves alone what was alive at its start
    (the catalogue, skyfield's and numba's objects: it would traverse them again at every full
    collection) and collects young objects every 50,000 allocations instead of 700; jobs and
    events allocate steadily, and at the default settings the collector's rescans of long-lived
    objects are a noticeable share of a large run (benchmarks/RESULTS.md).
    The caller's settings are restored after."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
