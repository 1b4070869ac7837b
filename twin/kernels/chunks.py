"""Which chunk of nodes a thread of the node kernel advances next (:mod:`twin.engine.node_threads`).

Threads take chunks from one counter (:func:`twin.kernels.atomic.take_next`). Handed out in
order, the chunks being advanced at once would be neighbours, and neighbouring chunks share a
cache line at their edge in every row of the node arrays (``state``, ``acc``, the rates: a row
of N float64 is rarely a whole number of 64-byte lines), which the threads would then write in
turn, each write taking the line from the other core (false sharing). So the counter's values go
round the threads' regions of the chunks instead: value v is chunk j of region r, with
r = v mod R and j = v div R, and chunks taken one after the other lie a region apart. On two
threads this took the node kernel from 118-122 to 85-86 ns per satellite-step at 10,395 nodes,
the same bits (benchmarks/RESULTS.md). With one region the order is the chunks' own.
"""
from twin.kernels.jit import kernel


@kernel(inline="always")
def chunk_indices(n_chunks, n_regions):
    """How many counter values hand out all ``n_chunks`` chunks over ``n_regions`` regions of
    equal length (the last region may hold fewer chunks: its values past them are skipped)."""
    return (n_chunks + n_regions - 1) // n_regions * n_regions


@kernel(inline="always")
def chunk_at(value, n_chunks, n_regions):
    """The chunk that counter value ``value`` (< :func:`chunk_indices`) stands for, or -1 where
    the value lies past the last chunk."""
    region_length = (n_chunks + n_regions - 1) // n_regions
    chunk = value % n_regions * region_length + value // n_regions
    return chunk if chunk < n_chunks else -1
