"""The accelerator ledger of the accelerators no job holds, one node-step at a time.

Every installed accelerator-second falls to one cause (``ACC_LEDGER + LEDGER_*``, docs/design.md
§5). Those held by running jobs are accounted by :func:`twin.kernels.jobs.advance_jobs`; the node
kernel takes the rest through :func:`ledger_unheld`: a failed node's accelerators go to
``faults``; a working node's free ones to ``scheduling`` for the part of the step some job waits
and to ``no_demand`` for the rest.
"""

from twin.kernels.layout import ACC_LEDGER, LEDGER_FAULTS, LEDGER_NO_DEMAND, LEDGER_SCHEDULING
from twin.kernels.jit import kernel


@kernel(_nrt=False)   # borrows acc (twin.kernels.step: no reference counting per call)
def ledger_unheld(acc, i, down, free_accel, waiting_s, dt_s):
    """Node ``i`` over one step of ``dt_s`` [s]: ``down`` (failed: its ``free_accel`` are all it
    has), ``free_accel`` not held by a job [1], ``waiting_s`` of the step with a job waiting [s];
    ``acc`` (N_ACC, N) incremented in place [accelerator-s]."""
    if down:
        acc[ACC_LEDGER + LEDGER_FAULTS, i] += free_accel * dt_s
    else:
        acc[ACC_LEDGER + LEDGER_SCHEDULING, i] += free_accel * waiting_s
        acc[ACC_LEDGER + LEDGER_NO_DEMAND, i] += free_accel * (dt_s - waiting_s)
