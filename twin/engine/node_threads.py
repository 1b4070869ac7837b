"""The node kernel over threads: each thread advances its own range of the nodes' chunks
(:func:`twin.kernels.node.advance_nodes_packed`, which releases the GIL).

Every node's result depends on its own inputs alone, whichever thread computes it, so a run is
the same bits on any number of threads. Threads pay only for large constellations: below
THREAD_NODES nodes per thread a call lasts microseconds, less than handing it over.

numba's own parallel loop (``parallel=True``) did this before; compiling it cost 3.5 s of CPU of
a first run's 16 (benchmarks/RESULTS.md), a plain thread pool nothing.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba

from twin.kernels.node import chunk_count

THREAD_NODES = 500  # nodes per thread, at least


def thread_count(n_nodes: int) -> int:
    """Threads for ``n_nodes`` nodes: one per THREAD_NODES nodes, at most ``NUMBA_NUM_THREADS``
    (numba's setting: the machine's cores unless the environment says otherwise; Dask workers
    set 1, :mod:`twin.scaleout.cluster`)."""
    return max(1, min(numba.config.NUMBA_NUM_THREADS, n_nodes // THREAD_NODES, chunk_count(n_nodes)))


def chunk_ranges(n_nodes: int, threads: int) -> list[tuple[int, int]]:
    """``threads`` ranges of consecutive chunks, as even as whole chunks allow."""
    n_chunks = chunk_count(n_nodes)
    edges = [n_chunks * t // threads for t in range(threads + 1)]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


class NodeThreads:
    """Runs a chunk-range kernel over all nodes on :func:`thread_count` threads: the caller's
    and a pool of the others."""

    def __init__(self, n_nodes: int, threads: int | None = None):
        self.threads = thread_count(n_nodes) if threads is None else max(1, int(threads))
        self.ranges = chunk_ranges(n_nodes, self.threads)
        self._pool = (ThreadPoolExecutor(max_workers=len(self.ranges) - 1, thread_name_prefix="twin-nodes")
                      if len(self.ranges) > 1 else None)

    def run(self, kernel, *args) -> None:
        """``kernel(*args, first_chunk, end_chunk)`` for every range, the first in this thread;
        returns once all are done (an error in any is raised here, after the others finish)."""
        if not self.ranges:   # no nodes
            return
        futures = [self._pool.submit(kernel, *args, a, b) for a, b in self.ranges[1:]]
        try:
            kernel(*args, *self.ranges[0])
        finally:
            for future in futures:   # each a finite kernel call: the wait ends with it
                future.exception()
        for future in futures:
            future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
