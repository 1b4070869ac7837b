"""The node kernel shared among threads (twin/engine/node_threads.py): every chunk of nodes is
advanced once, by whichever thread takes it, and the result is the same bits whatever the number
of threads (numba's, up to NUMBA_NUM_THREADS)."""
import numba
import numpy as np

from twin.engine.node_threads import THREAD_NODES, NodeThreads, thread_count
from twin.engine.nodes import initial_state, node_params
from twin.kernels import layout as L
from twin.kernels.chunks import chunk_at, chunk_indices
from twin.kernels.events import event_buffers
from twin.kernels.node import CHUNK_NODES, NO_GEOMETRY, advance_nodes, chunk_count, packed_params

from test_node import circular_orbit, default_scenario


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
        counter = pool.run(pos, vel, sun, NO_GEOMETRY, 0.0, 10.0, busy, packed_params(p), state, mode, acc, rate, *ev,
                           heat, np.inf)
        # every value handed out, then one look past the end per thread
        assert counter[0] == chunk_indices(chunk_count(n), pool.threads) + pool.threads
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
    assert NodeThreads(n, 2).threads == min(2, numba.config.NUMBA_NUM_THREADS)   # two where there are two


def test_chunks_are_taken_once_each_whatever_the_threads():
    """take_next hands out every index once: 4 Python threads, each in a compiled loop without the
    GIL, taking 200,000 items from one counter."""
    from concurrent.futures import ThreadPoolExecutor

    from numba import njit

    from twin.kernels.atomic import take_next

    @njit(nogil=True)
    def take(seen, counter, n):
        while True:
            i = take_next(counter, 0)
            if i >= n:
                return
            seen[i] += 1

    n = 200_000
    seen, counter = np.zeros(n, np.int64), np.zeros(1, np.int64)
    take(seen[:0], np.full(1, 1, np.int64), 0)   # compiled before the threads start
    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(take, seen, counter, n) for _ in range(4)]:
            future.result(timeout=60)
    assert np.all(seen == 1) and counter[0] == n + 4
    assert take_next.__module__ == "twin.kernels.atomic"
    plain = np.zeros(1, np.int64)
    assert [take_next(plain, 0) for _ in range(3)] == [0, 1, 2]   # from Python: the same, under a lock


def test_chunk_order_takes_every_chunk_once_and_keeps_concurrent_ones_apart():
    """The counter's values over R regions: every chunk exactly once, and any R values in a row
    (what R threads hold at once when they keep pace) are chunks at least a region's length less
    one apart: never neighbours (false sharing) once a region holds three chunks or more."""
    for n_chunks in range(1, 60):
        for n_regions in range(1, 6):
            chunks = [chunk_at(v, n_chunks, n_regions) for v in range(chunk_indices(n_chunks, n_regions))]
            taken = [c for c in chunks if c >= 0]
            assert sorted(taken) == list(range(n_chunks))
            if n_regions == 1:
                assert chunks == list(range(n_chunks))   # one thread: the chunks' own order
            region_length = -(-n_chunks // n_regions)
            if region_length < 2:
                continue
            for v in range(0, len(chunks) - n_regions + 1):
                together = sorted(c for c in chunks[v:v + n_regions] if c >= 0)
                assert all(b - a >= region_length - 1 for a, b in zip(together, together[1:]))
