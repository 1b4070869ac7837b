"""Lagrange interpolation of positions between SGP4 evaluations.

SGP4 costs more per satellite-step than all node physics together; twin evaluates it every ``h`` seconds (the nodes) and interpolates positions with the Lagrange polynomial through
the ``P`` nearest nodes (Press et al., *Numerical Recipes*, 3rd ed., 2007, §3.2). Velocities are
the derivative of the same polynomial, so they are consistent with the positions.

For a near-circular orbit of mean motion n and radius r the error is about
r (n h)^P max|∏(s - j)| / P! (s the position in node spacings): with P = 8 and h = 120 s in LEO
that is ~2 mm between central nodes and ~3 cm at the run's ends, where the stencil is one-sided
(measured against SGP4 at every step in tests/test_interp.py and ``benchmarks``). Cubic Hermite
through SGP4's own velocities cannot do better than ~0.3 m whatever h:
SGP4's velocity is not exactly the derivative of its position (0.14 m/s apart in the Starlink
sample), which is also why velocities are not interpolated here.

The weights depend only on the times, so they are computed once per instant for all satellites.
"""
from numba import njit


@njit(cache=True)
def lagrange_weights(node_t_s, stencil_lo, n_points, t_s, w, dw):
    """Weights of the Lagrange polynomial and of its derivative at instants ``t_s`` (B,) [s].

    Instant b uses nodes ``stencil_lo[b] .. stencil_lo[b] + n_points - 1`` of ``node_t_s`` (M,)
    [s]; ``w`` (B, n_points) [1] and ``dw`` (B, n_points) [1/s] are filled in place.
    """
    for b in range(t_s.shape[0]):
        lo, t = stencil_lo[b], t_s[b]
        for j in range(n_points):
            tj = node_t_s[lo + j]
            den = 1.0
            prod = 1.0
            dsum = 0.0
            for m in range(n_points):
                if m == j:
                    continue
                tm = node_t_s[lo + m]
                den *= tj - tm
                prod *= t - tm
                term = 1.0   # product over all but m and j: the derivative's m-th term
                for q in range(n_points):
                    if q != j and q != m:
                        term *= t - node_t_s[lo + q]
                dsum += term
            w[b, j] = prod / den
            dw[b, j] = dsum / den


@njit(cache=True, nogil=True)
def lagrange_fill(node_pos, stencil_lo, w, dw, out_pos, out_vel):
    """Fill ``out_pos`` [m] and ``out_vel`` [m/s] (B, N, 3) from node positions (M, N, 3) [m].

    Instant b combines nodes ``stencil_lo[b] + j`` (indices into ``node_pos``) with weights
    ``w[b, j]`` for positions and ``dw[b, j]`` for velocities (see :func:`lagrange_weights`).
    Without the GIL: the engine runs it in the orbit feed's own thread, beside the physics.
    """
    n_times, n_sats, n_points = out_pos.shape[0], out_pos.shape[1], w.shape[1]
    for i in range(n_sats):
        for b in range(n_times):
            lo_node = stencil_lo[b]
            for c in range(3):
                p = 0.0
                v = 0.0
                for j in range(n_points):
                    x = node_pos[lo_node + j, i, c]
                    p += w[b, j] * x
                    v += dw[b, j] * x
                out_pos[b, i, c] = p
                out_vel[b, i, c] = v
