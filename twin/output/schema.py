"""Run-file schema version 1 (docs/design.md §6, docs/schema.md): one place that names every
recorded variable, its unit, its meaning, its storage type, and whether it is a flow (mean over
the record interval) or a stock (value at the interval's end)."""
from dataclasses import dataclass

import numpy as np

SCHEMA = "twin.run"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Variable:
    name: str
    units: str
    long_name: str
    dtype: type
    kind: str  # "flow" (mean over the record interval) or "stock" (value at its end)


STATE_VARIABLES = (
    Variable("sunlit_fraction", "1", "visible fraction of the solar disc", np.float32, "flow"),
    Variable("beta_deg", "deg", "beta angle (Sun above the orbit plane)", np.float32, "flow"),
    Variable("solar_power_w", "W", "solar array power delivered to the bus", np.float64, "flow"),
    Variable("load_power_w", "W", "power the bus feeds: bus + compute + heaters", np.float64, "flow"),
    Variable("compute_power_w", "W", "accelerator power", np.float32, "flow"),
    Variable("heater_power_w", "W", "heater power", np.float32, "flow"),
    Variable("curtailed_power_w", "W", "array power neither used nor stored", np.float64, "flow"),
    Variable("loss_power_w", "W", "battery charge and discharge losses", np.float64, "flow"),
    Variable("battery_energy_wh", "Wh", "energy stored in the battery", np.float64, "stock"),
    Variable("soc", "1", "battery state of charge (of present capacity)", np.float32, "stock"),
    Variable("battery_efc", "1", "battery equivalent full cycles since the epoch", np.float32, "stock"),
    Variable("electronics_temp_k", "K", "electronics node temperature", np.float32, "stock"),
    Variable("radiator_temp_k", "K", "radiator node temperature", np.float32, "stock"),
    Variable("utilization", "1", "busy accelerators x rate / accelerators", np.float32, "flow"),
    Variable("throttle", "1", "compute throttle (0 when compute is idle or off)", np.float32, "flow"),
    Variable("mode", "enum", "node mode at the interval's end: 0 nominal, 1 throttled, 2 idle, 3 safe, 4 thermal_shutdown",
             np.int8, "stock"),
)
STATE_BY_NAME = {v.name: v for v in STATE_VARIABLES}

# flows whose extrema over each record interval are recorded with output.aggregate [.., min, max],
# in the order of twin.kernels.layout.EXTREMA_ACC, as /state/<name>_min and /state/<name>_max
EXTREMA_NAMES = ("sunlit_fraction", "solar_power_w", "load_power_w", "compute_power_w", "heater_power_w",
                 "curtailed_power_w", "loss_power_w", "utilization", "throttle")


def extrema_variables(which=("min", "max")) -> tuple:
    """The /state variables of the chosen extrema: step means' minimum/maximum per record."""
    out = []
    for stat in which:
        for name in EXTREMA_NAMES:
            base = STATE_BY_NAME[name]
            out.append(Variable(f"{name}_{stat}", base.units,
                                f"{'minimum' if stat == 'min' else 'maximum'} over the record interval of: {base.long_name}",
                                base.dtype, "flow"))
    return tuple(out)

JOB_DTYPE = np.dtype([
    ("job_id", np.int64), ("submit_s", np.float64), ("start_s", np.float64), ("end_s", np.float64),
    ("n_accelerators", np.int32), ("work_accel_s", np.float64), ("sat_first", np.int64),
    ("status", "S10"), ("energy_wh", np.float64), ("preemptions", np.int32), ("priority", np.int32),
    ("deadline_s", np.float64), ("wait_s", np.float64), ("slowdown", np.float64), ("flop", np.float64),
    ("migrations", np.int32), ("lost_accel_s", np.float64), ("reason", "S24"),
])
JOB_UNITS = {"submit_s": "s", "start_s": "s", "end_s": "s", "work_accel_s": "s",
             "energy_wh": "Wh", "n_accelerators": "1", "preemptions": "1", "deadline_s": "s",
             "wait_s": "s", "slowdown": "1", "flop": "FLOP", "migrations": "1", "lost_accel_s": "s"}
JOB_STATUSES = ("completed", "running", "queued", "rejected")

EVENT_DTYPE = np.dtype([("time_s", np.float64), ("sat", np.int64), ("kind", "S16"), ("value", np.float64)])


# the order of the rows of a record as twin.engine.nodes.record_rows computes them and the writer takes
# them: the /state variables, then the minima and the maxima of the extrema
RECORD_ROW_NAMES = tuple(v.name for v in STATE_VARIABLES + extrema_variables(("min", "max")))


def unit_of(key: str) -> str:
    """The unit of a /summary key, from its name (docs/schema.md lists them)."""
    if key.startswith("node_hours_"):
        return "h"
    if key.endswith("_per_s"):
        return "1/s"
    for suffix, unit in (("_wh", "Wh"), ("_s", "s"), ("_h", "h")):
        if key.endswith(suffix):
            return unit
    if key == "flop_delivered":
        return "FLOP"
    return "1"
