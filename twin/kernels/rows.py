"""A record's rows: computed from the node arrays as a plan says (one row per /state variable,
the plan made from the declaration in twin/output/schema.py by twin.engine.nodes.record_plan),
then copied into the HDF5 writer's buffers."""
from numba import njit

# what a row reads (twin.output.schema.Source.read), as plan codes
READ_MEAN = 0    # acc[row] / interval_s
READ_ACC = 1     # acc[row]
READ_STATE = 2   # state[row]
READ_SHARE = 3   # state[row] / state[of], 0 where state[of] <= 0
READ_MODE = 4    # mode
READ_CODES = {"mean": READ_MEAN, "acc": READ_ACC, "state": READ_STATE, "share": READ_SHARE, "mode": READ_MODE}


@njit(cache=True)
def fill_rows(acc, state, mode, interval_s, how, scale, rows):
    """``rows[r, i]`` for every row r of ``rows`` and node i: what ``how[r] = (read, row, of)``
    reads (READ_*), divided by ``scale[r, 0]`` and multiplied by ``scale[r, 1]``.

    Parameters
    ----------
    acc : (N_ACC, N) float64; state : (N_STATE, N) float64; mode : (N,) int64;
    interval_s : float, the record interval; how : (R', 3) int64; scale : (R', 2) float64, R' >= R;
    rows : (R, N) float64, filled
    """
    for r in range(rows.shape[0]):
        read, a, b = how[r, 0], how[r, 1], how[r, 2]
        out = rows[r]
        if read == READ_MEAN:
            src = acc[a]
            for i in range(out.shape[0]):
                out[i] = src[i] / interval_s
        elif read in (READ_ACC, READ_STATE):   # element by element: a slice assignment compiles
            src = acc[a] if read == READ_ACC else state[a]   # numba's shape-mismatch message (seconds)
            for i in range(out.shape[0]):
                out[i] = src[i]
        elif read == READ_SHARE:
            part, whole = state[a], state[b]
            for i in range(out.shape[0]):
                out[i] = part[i] / whole[i] if whole[i] > 0.0 else 0.0
        else:
            for i in range(out.shape[0]):
                out[i] = mode[i]
        # the unit conversion (x / 1 and x * 1 are x exactly: skipped)
        per, times = scale[r, 0], scale[r, 1]
        if per != 1.0:
            for i in range(out.shape[0]):
                out[i] = out[i] / per
        if times != 1.0:
            for i in range(out.shape[0]):
                out[i] = out[i] * times


@njit(cache=True)
def copy_rows(rows, index, buffer, row):
    """``buffer[q, row, :] = rows[index[q], :]`` for every q, cast to the buffer's dtype as numpy
    casts (one call instead of a fancy-indexed copy and a strided assignment: ~1 us less per
    dtype and record).

    Parameters
    ----------
    rows : (V, N) float64; index : (Q,) int64 rows to take; buffer : (Q, R, N), any numeric dtype;
    row : int, the record's row in ``buffer``
    """
    for q in range(index.shape[0]):
        src = rows[index[q]]
        dst = buffer[q, row]
        for i in range(src.shape[0]):
            dst[i] = src[i]
