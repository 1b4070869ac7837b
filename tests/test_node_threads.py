"""The node kernel shared among threads (twin/engine/node_threads.py): every chunk of nodes is
advanced once, by one thread, and the result is the same bits whatever the number of threads."""
import numpy as np
import pytest

from twin.engine.node_threads import THREAD_NODES, NodeThreads, chunk_ranges, thread_count
from twin.engine.nodes import initial_state, node_params
from twin.kernels import layout as L
from twin.kernels.events import event_buffers
from twin.kernels.node import CHUNK_NODES, NO_GEOMETRY, advance_nodes, advance_nodes_packed, chunk_count, packed_params

from test_node import circular_orbit, default_scenario


@pytest.mark.parametrize("n_nodes", [1, 31, 32, 33, 100, 1000, 1025])
@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_chunk_ranges_cover_every_chunk_once_in_order(n_nodes, threads):
    ranges = chunk_ranges(n_nodes, threads)
    assert ranges[0][0] == 0 and ranges[-1][1] == chunk_count(n_nodes)
    assert all(a < b for a, b in ranges)                                   # none empty
    assert all(r[1] == s[0] for r, s in zip(ranges, ranges[1:]))           # contiguous
    assert len(ranges) == min(threads, chunk_count(n_nodes))
    sizes = [b - a for a, b in ranges]
    assert max(sizes) - min(sizes) <= 1                                    # as even as whole chunks allow


def test_thread_count_is_one_per_thread_nodes_up_to_numba_s_setting(monkeypatch):
    import numba

    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", 4)
    assert thread_count(1) == thread_count(2 * THREAD_NODES - 1) == 1
    assert thread_count(2 * THREAD_NODES) == 2
    assert thread_count(100 * THREAD_NODES) == 4
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", 1)   # a Dask worker's
    assert thread_count(100 * THREAD_NODES) == 1


def _advance(n, threads):
    """40 steps of n nodes on ``threads`` threads (None: advance_nodes itself)."""
    scenario = default_scenario()
    p = node_params(scenario.spacecraft, record_extrema=True)
    pos, vel, sun = circular_orbit(n, 40, 10.0)
    state, mode = initial_state(scenario.spacecraft, n)
    acc = np.zeros((L.N_ACC, n))
    rate, heat = np.empty((40, n)), np.empty((40, n))
    ev = event_buffers(n, 40)
    busy = np.arange(n) % 3.0
    if threads is None:
        advance_nodes(pos, vel, sun, NO_GEOMETRY, 0.0, 10.0, busy, p, state, mode, acc, rate, *ev, heat, np.inf)
    else:
        pool = NodeThreads(n, threads)
        try:
            pool.run(advance_nodes_packed, pos, vel, sun, NO_GEOMETRY, 0.0, 10.0, busy, packed_params(p), state, mode,
                     acc, rate, *ev, heat, np.inf)
        finally:
            pool.close()
    ev_step, ev_kind, ev_value, ev_count = ev   # only the first ev_count[i] slots of row i are written
    filled = np.arange(ev_step.shape[1]) < ev_count[:, None]
    return state, mode, acc, rate, heat, ev_count, ev_step[filled], ev_kind[filled], ev_value[filled]


def test_threads_give_the_same_bits_as_one_call():
    n = 5 * CHUNK_NODES + 7   # a short last chunk
    whole = _advance(n, None)
    assert np.any(whole[3] > 0) and whole[5].sum() > 0   # accelerators computed, eclipse edges in the events
    for threads in (1, 2, 3):
        for a, b in zip(whole, _advance(n, threads)):
            assert a.tobytes() == b.tobytes()


def test_an_error_in_another_thread_is_raised_after_every_range_finished():
    done = []

    def kernel(first, end):
        if first > 0:
            raise ValueError(f"chunk {first}")
        done.append((first, end))

    pool = NodeThreads(10 * CHUNK_NODES, 3)
    try:
        with pytest.raises(ValueError, match="chunk"):
            pool.run(kernel)
    finally:
        pool.close()
    assert done == [pool.ranges[0]]
