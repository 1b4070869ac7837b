"""The node kernel over threads: on one thread :func:`twin.kernels.node.advance_nodes_packed`, on
more :func:`twin.kernels.node.advance_nodes_parallel`, whose threads take the next chunk of nodes
from one shared counter until none is left (:func:`twin.kernels.atomic.take_next`), its values
going round one region of the chunks per thread, so that threads keeping pace never write
neighbouring chunks at once (:mod:`twin.kernels.chunks`: false sharing).

Every node's result depends on its own inputs alone, whichever thread computes it, so a run is
the same bits on any number of threads. Chunks are taken as threads come free rather than split
in fixed shares because the threads share the machine with the orbit feed's: on two cores a
fixed half per thread left the engine's thread waiting for the other, slowed by the feed, for as
long as its own half took (benchmarks/RESULTS.md). Threads pay only for large constellations:
below THREAD_NODES nodes per thread a call lasts microseconds, less than starting threads.
"""
from __future__ import annotations

import numba
import numpy as np

from twin.kernels.node import advance_nodes_packed, advance_nodes_parallel, chunk_count
from twin.numba_cache import start_threads

THREAD_NODES = 500  # nodes per thread, at least


def thread_count(n_nodes: int) -> int:
    """Threads for ``n_nodes`` nodes: one per THREAD_NODES nodes, at most ``NUMBA_NUM_THREADS``
    (numba's setting: the machine's cores unless the environment says otherwise; Dask workers
    set 1, :mod:`twin.scaleout.cluster`)."""
    return max(1, min(numba.config.NUMBA_NUM_THREADS, n_nodes // THREAD_NODES, chunk_count(n_nodes)))


class NodeThreads:
    """Advances all nodes on :func:`thread_count` threads (or ``threads``, at most numba's)."""

    def __init__(self, n_nodes: int, threads: int | None = None):
        wanted = thread_count(n_nodes) if threads is None else max(1, int(threads))
        self.threads = min(wanted, numba.config.NUMBA_NUM_THREADS)
        if self.threads > 1:
            start_threads()

    def run(self, *args) -> np.ndarray:
        """:func:`twin.kernels.node.advance_nodes_packed`'s arguments up to ``waiting_from_s``;
        returns the counter the threads took chunks from (:func:`twin.kernels.chunks.chunk_indices`
        values, plus one per thread at the end)."""
        next_chunk = np.zeros(1, np.int64)
        if self.threads == 1:
            advance_nodes_packed(*args, next_chunk)
        else:
            numba.set_num_threads(self.threads)   # per calling thread: set at each call
            advance_nodes_parallel(*args, next_chunk, self.threads)
        return next_chunk
