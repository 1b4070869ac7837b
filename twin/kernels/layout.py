"""Column layout of the node state and record accumulators (structure of arrays).

The node state is ``state[STATE_*, n]`` (float64), the flow accumulators are ``acc[ACC_*, n]``
holding the integral of each flow over the current record interval (W·s, or s for fractions).
Module-level integers are compile-time constants for numba.
"""

STATE_BATTERY_J = 0        # stored energy [J]
STATE_CAPACITY_J = 1       # present (faded) capacity [J]
STATE_ELECTRONICS_K = 2    # electronics node temperature [K]
STATE_RADIATOR_K = 3       # radiator node temperature [K]
STATE_EFC = 4              # equivalent full cycles so far [1]
STATE_SUNLIT = 5           # visible solar fraction at the last step boundary [1]
STATE_LOSS_W = 6           # battery loss of the last step [W] (a hint for the heater trial)
STATE_DOWN = 7             # 1 while the node is failed or rebooting (faults): bus only, compute off
STATE_VIEW_FRONT = 8       # Earth view factor of the radiator's front face [1]; VIEW_UNSET: evaluate at the next call
STATE_VIEW_BACK = 9        # ... of its back face [1] (0 for a one-sided radiator)
VIEW_UNSET = -1.0          # not a view factor (those are in [0, 1]); a number, not a NaN, so that no
#                            compiler option (fast-math's "no NaNs") can fold the kernel's test away
STATE_ARRAY_K = 10         # solar array temperature [K] (its heat balance; the fixed cell temperature otherwise)
STATE_CYCLE_TURN = 12      # state of charge at the last reversal, the direction since in its sign [1]
#                            (twin.kernels.ageing.encode_turn)
STATE_FADE_CYCLE = 13      # linearised ageing damage from cycles since the epoch [1]
STATE_FADE_CALENDAR = 14   # ... from time (calendar ageing) [1]
STATE_RADIATOR_UV_ESH = 15  # UV dose on the radiator's coating [equivalent sun hours]; grows only where
#                             the coating ages with it (twin/kernels/radiator.py)
# rows the kernels never touch: written by the engine before a record
STATE_DOSE_KRAD = 16       # total ionising dose taken so far [krad(Si)] (twin.ops.radiation)
# rows the engine writes and the node kernel reads: the accelerators' power cap (twin.ops.power_cap)
STATE_POWER_CAP = 17       # power cap of each accelerator, a fraction of its peak power [1] (1: none)
STATE_CAP_THROUGHPUT = 18  # throughput at that cap, a fraction of the uncapped [1] (the cap's curve)
N_STATE = 19

ACC_SUNLIT = 0             # ∫ν dt [s]
ACC_BETA = 1               # ∫β dt [rad s]
ACC_SOLAR = 2              # ∫P_solar dt [J]  (delivered to the bus)
ACC_LOAD = 3               # ∫P_load dt [J]   (bus + compute + heaters)
ACC_COMPUTE = 4            # ∫P_compute dt [J]
ACC_HEATER = 5             # ∫P_heater dt [J]
ACC_CURTAILED = 6          # ∫P_curtailed dt [J]
ACC_LOSS = 7               # ∫P_loss dt [J]   (battery charge/discharge losses)
ACC_UTILIZATION = 8        # ∫u dt [s], u = busy accelerators x rate / accelerators
ACC_THROTTLE = 9           # ∫throttle dt [s]
ACC_MODE_TIME = 10         # ACC_MODE_TIME + mode: time spent in each mode [s]
N_MODES = 5
# the ledger of the node's installed accelerator-seconds: ACC_LEDGER + LEDGER_*, each an integral of
# accelerators in that state over time [accelerator-s]; the causes add up to accelerators x time
ACC_LEDGER = ACC_MODE_TIME + N_MODES
LEDGER_DELIVERED = 0       # work done at full-speed equivalent and kept
LEDGER_POWER = 1           # compute shed or slowed because energy ran short
LEDGER_HEAT = 2            # thermal throttling or shutdown
LEDGER_FAULTS = 3          # node down, and work rolled back by a fault (when it is lost)
LEDGER_NETWORK = 4         # a gang slowed by its links
LEDGER_OVERHEAD = 5        # checkpoints, restores, migrations
LEDGER_SCHEDULING = 6      # free while a job that could use them waits
LEDGER_NO_DEMAND = 7       # free, and no job waiting
N_LEDGER = 8
LEDGER_CAUSES = ("delivered", "power", "heat", "faults", "network", "overhead", "scheduling", "no_demand")
# inter-satellite links (twin.kernels.links.link_block): ∫(live links) dt [s] and ∫(their summed
# capacity) dt [bit]; zero without links
ACC_LINKS = ACC_LEDGER + N_LEDGER
ACC_LINK_CAPACITY = ACC_LINKS + 1
ACC_JUNCTION = ACC_LINK_CAPACITY + 1   # ∫T_j dt [K s], T_j the hottest accelerator's junction (twin.kernels.junction)
N_FLOW_ACC = ACC_JUNCTION + 1   # the integrals above; rows after them are extrema

# flows whose minimum and maximum over each record interval can be recorded as well
# (output.aggregate: [mean, min, max]): the step means of these accumulators, in this order, in
# rows ACC_MIN + j and ACC_MAX + j (reset to +inf / -inf at each record)
EXTREMA_ACC = (ACC_SUNLIT, ACC_SOLAR, ACC_LOAD, ACC_COMPUTE, ACC_HEATER, ACC_CURTAILED, ACC_LOSS,
               ACC_UTILIZATION, ACC_THROTTLE)
N_EXTREMA = 9
ACC_MIN = N_FLOW_ACC
ACC_MAX = ACC_MIN + N_EXTREMA
N_ACC = ACC_MAX + N_EXTREMA

# node modes, recorded in /state/mode and in mode_change events
MODE_NOMINAL = 0           # compute at its demanded level
MODE_THROTTLED = 1         # compute throttled (power or temperature)
MODE_IDLE = 2              # compute idle: power shed, jobs make no progress
MODE_SAFE = 3              # bus only (and heaters): power shed
MODE_THERMAL_SHUTDOWN = 4  # electronics (or, with the junction limit, an idle accelerator's junction) over their shutdown limit
MODE_NAMES = ("nominal", "throttled", "idle", "safe", "thermal_shutdown")

# /events kinds
EVENT_ECLIPSE_ENTRY = 1
EVENT_ECLIPSE_EXIT = 2
EVENT_MODE_CHANGE = 3
# faults and job interruptions, written by the engine (not the kernels) at step boundaries
EVENT_FAULT = 4            # random node failure; value = repair time [s]
EVENT_RECOVERY = 5         # node back in service; value = time it was down [s]
EVENT_UPSET = 6            # radiation upset (node reboots); value = 1 inside the SAA, else 0
EVENT_OUTAGE = 7           # scripted outage from the config; value = its duration [s]
EVENT_PREEMPTION = 8       # a job preempted by the policy; sat = its first node, value = job_id
EVENT_MIGRATION = 9        # a job checkpointed and moved; sat = its old first node, value = job_id
EVENT_ROLLBACK = 10        # a job rolled back by a fault on sat; value = job_id
# radiation and the terrestrial floor (twin.ops.radiation)
EVENT_WEAR_OUT = 11        # node failed for good at its dose threshold; value = dose [krad(Si)]
EVENT_DEGRADED = 12        # node passed the HBM irregularity dose; value = dose [krad(Si)]
EVENT_SDC = 13             # silent data corruption on sat found: the job rolled back; value = job_id
EVENT_INTERRUPTION = 14    # terrestrial-floor interruption: the job on it rolled back; value = job_id, -1 if idle
EVENT_MEMORY_ERROR = 15    # uncorrectable HBM error: the job on it rolled back; value = job_id, -1 if idle
EVENT_NAMES = {1: "eclipse_entry", 2: "eclipse_exit", 3: "mode_change", 4: "fault", 5: "recovery",
               6: "upset", 7: "outage", 8: "preemption", 9: "migration", 10: "rollback", 11: "wear_out",
               12: "degraded", 13: "sdc", 14: "interruption", 15: "memory_error"}
