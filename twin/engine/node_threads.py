"""The node kernel over threads: each thread calls :func:`twin.kernels.node.advance_nodes_packed`
(which releases the GIL) with one shared counter, from which each takes the next chunk of nodes
until none is left (:func:`twin.kernels.atomic.take_next`).

Every node's result depends on its own inputs alone, whichever thread computes it, so a run is
the same bits on any number of threads. Chunks are taken as threads come free rather than split
in fixed shares because the threads share the machine with the orbit feed's: on two cores a
fixed half per thread left the engine's thread waiting for the other, slowed by the feed, for as
long as its own half took (benchmarks/RESULTS.md). Threads pay only for large constellations:
below THREAD_NODES nodes per thread a call lasts microseconds, less than handing it over.

numba's own parallel loop (``parallel=True``) did this before; compiling it cost 3.5 s of CPU of
a first run's 16, a plain thread pool nothing.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from twin.kernels.node import chunk_count

THREAD_NODES = 500  # nodes per thread, at least


def thread_count(n_nodes: int) -> int:
    """Threads for ``n_nodes`` nodes: one per THREAD_NODES nodes, at most ``NUMBA_NUM_THREADS``
    (numba's setting: the machine's cores unless the environment says otherwise; Dask workers
    set 1, :mod:`twin.scaleout.cluster`)."""
    return max(1, min(numba.config.NUMBA_NUM_THREADS, n_nodes // THREAD_NODES, chunk_count(n_nodes)))


class NodeThreads:
    """Runs a chunk-taking kernel over all nodes on :func:`thread_count` threads: the caller's
    and a pool of the others."""

    def __init__(self, n_nodes: int, threads: int | None = None):
        self.n_chunks = chunk_count(n_nodes)
        self.threads = thread_count(n_nodes) if threads is None else max(1, int(threads))
        self._pool = (ThreadPoolExecutor(max_workers=self.threads - 1, thread_name_prefix="twin-nodes")
                      if self.threads > 1 else None)

    def run(self, kernel, *args) -> np.ndarray:
        """``kernel(*args, next_chunk, n_chunks)`` in every thread, this one included, with one
        counter ``next_chunk``; returns once all are done (an error in any is raised here, after
        the others finish) with the counter (n_chunks plus one per thread once all are taken)."""
        next_chunk = np.zeros(1, np.int64)
        futures = [self._pool.submit(kernel, *args, next_chunk, self.n_chunks) for _ in range(self.threads - 1)]
        try:
            kernel(*args, next_chunk, self.n_chunks)
        finally:
            for future in futures:   # each a finite kernel call: the wait ends with it
                future.exception()
        for future in futures:
            future.result()
        return next_chunk

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
