"""Run-file schema (docs/design.md §6, docs/schema.md): the one place that declares
every recorded variable and /jobs column.

A /state variable is a :class:`Variable`: its name, unit, storage type, the text of its
``long_name`` attribute and of its row in docs/schema.md, and its :class:`Source`, which says how
a record's value is obtained from the node arrays (an ``ACC_*`` integral's mean over the record
interval, a ``STATE_*`` row's end value, a unit conversion). Everything else follows from
``STATE_VARIABLES``: whether a variable is a flow or a stock, its per-record extrema, the order of
the rows ``twin.engine.nodes.record_rows`` computes and the writer takes, the datasets the writer
creates and the reader requires, and the tables of docs/schema.md (``python -m
twin.output.schema_doc``). Code that uses the declaration reads it when called (``schema.X``, or
the functions below), never a copy taken at import, so that a test can extend it.
"""
import math
from dataclasses import dataclass

import numpy as np

from twin.constants import BPS_PER_GBPS, J_PER_WH
from twin.kernels import layout as L

SCHEMA = "twin.run"
# 2: the accelerator ledger (ledger_* variables); 3: inter-satellite links; 4: netCDF-4 and CF
# (the /state variables at the root on CF coordinates, tables as groups of columns, /summary as
# scalar variables); 5: the accelerators' junction temperature (t_junction_k), radiation (dose_krad,
# dose_rate_krad_per_year), the solar array's temperature (t_array_k)
SCHEMA_VERSION = 5
OLDEST_READ = 4   # the oldest schema this twin reads (older files: the twin that wrote them)

# the file's layout: coordinate variables and groups (docs/schema.md)
TIME, SAT, CAUSE, XYZ = "time", "sat", "cause", "xyz"
SAT_COORDS = ("sat_name", "norad_id", "plane")   # auxiliary coordinates on sat; a combined run adds "shard"
# data variables on sat alone (schema 5): name -> (twin's unit, long_name)
SAT_VARIABLES = {"dose_rate_krad_per_year": ("krad/year", "total ionising dose rate in silicon behind the "
                                                           "radiation.shielding_mm_al of aluminium (twin/kernels/dose.py)")}
POSITIONS = "position_gcrs_km"
SUMMARY = "summary"
JOB_INSTANTS = ("submit_s", "start_s", "end_s", "deadline_s")   # seconds since the epoch (CF time units)
TABLE_INSTANTS = ("time_s",)                                    # of /events and /links

RAD2DEG = 180.0 / math.pi   # as numpy's degrees multiplies


@dataclass(frozen=True)
class Source:
    """How a record's value of a /state variable is obtained, node by node: ``read`` is

    - ``"mean"``: the integral in accumulator row ``row`` (``ACC_*``) / the record interval [s];
    - ``"acc"``: accumulator row ``row`` as it is (the per-record extrema of step means);
    - ``"state"``: state row ``row`` (``STATE_*``) at the interval's end;
    - ``"share"``: state row ``row`` / state row ``of``, 0 where row ``of`` is not positive;
    - ``"mode"``: the node mode at the interval's end;

    then divided by ``per`` and multiplied by ``times`` (unit conversions: kept apart because
    ``x / 3600`` and ``x * (1 / 3600)`` round differently)."""
    read: str
    row: int = -1
    of: int = -1
    per: float = 1.0
    times: float = 1.0

    @property
    def kind(self) -> str:
        return "flow" if self.read in ("mean", "acc") else "stock"


def mean(acc_row: int, per: float = 1.0, times: float = 1.0) -> Source:
    """A flow: the mean over the record interval of accumulator ``acc_row``."""
    return Source("mean", acc_row, per=per, times=times)


def end(state_row: int, per: float = 1.0, times: float = 1.0) -> Source:
    """A stock: state row ``state_row`` at the interval's end."""
    return Source("state", state_row, per=per, times=times)


def share(state_row: int, of_row: int) -> Source:
    """A stock: state row ``state_row`` as a fraction of state row ``of_row`` (0 where that is 0)."""
    return Source("share", state_row, of_row)


NODE_MODE = Source("mode")
READS = ("mean", "acc", "state", "share", "mode")


@dataclass(frozen=True)
class Variable:
    """A /state variable. ``long_name`` is stored in the file; ``description`` is its meaning in
    docs/schema.md when that says more (else ``long_name``); ``extrema``: recorded with its
    per-record minimum and maximum (``<name>_min``, ``<name>_max``) under ``output.aggregate``
    (a mean of an accumulator the node kernel tracks extrema of: ``layout.EXTREMA_ACC``)."""
    name: str
    units: str
    dtype: type
    source: Source
    long_name: str
    description: str = ""
    extrema: bool = False
    since: int = 1          # the schema version that introduced it (older files lack it)
    links: bool = False     # recorded only in runs with inter-satellite links

    @property
    def kind(self) -> str:
        """``flow`` (mean over the record interval) or ``stock`` (value at its end)."""
        return self.source.kind

    @property
    def meaning(self) -> str:
        return self.description or self.long_name


# the file's /state variables, in the order of the rows of a record; flows of the energy balance
# and the battery energy are float64 so that energy closes from the file to rounding
STATE_VARIABLES = (
    Variable("sunlit_fraction", "1", np.float32, mean(L.ACC_SUNLIT), "visible fraction of the solar disc",
             "visible fraction of the solar disc (conical umbra and penumbra): 0 in umbra, 1 in full Sun",
             extrema=True),
    Variable("beta_deg", "deg", np.float32, mean(L.ACC_BETA, times=RAD2DEG), "beta angle (Sun above the orbit plane)"),
    Variable("solar_power_w", "W", np.float64, mean(L.ACC_SOLAR), "solar array power delivered to the bus",
             "solar array power delivered to the bus (after MPPT)", extrema=True),
    Variable("load_power_w", "W", np.float64, mean(L.ACC_LOAD), "power the bus feeds: bus + compute + heaters",
             "power the bus feeds: bus + compute + heaters (what was actually served, after load shedding)",
             extrema=True),
    Variable("compute_power_w", "W", np.float32, mean(L.ACC_COMPUTE), "accelerator power",
             "accelerator power (part of the load)", extrema=True),
    Variable("heater_power_w", "W", np.float32, mean(L.ACC_HEATER), "heater power",
             "heater power (part of the load)", extrema=True),
    Variable("curtailed_power_w", "W", np.float64, mean(L.ACC_CURTAILED), "array power neither used nor stored",
             "array power neither used nor stored (battery full or at its charge-rate limit)", extrema=True),
    Variable("loss_power_w", "W", np.float64, mean(L.ACC_LOSS), "battery charge and discharge losses",
             "battery charge and discharge losses (and stored energy lost when capacity fade takes room away)",
             extrema=True),
    Variable("battery_energy_wh", "Wh", np.float64, end(L.STATE_BATTERY_J, per=J_PER_WH),
             "energy stored in the battery"),
    Variable("soc", "1", np.float32, share(L.STATE_BATTERY_J, L.STATE_CAPACITY_J),
             "battery state of charge (of present capacity)",
             "battery state of charge, as a fraction of the present (faded) capacity"),
    Variable("battery_efc", "1", np.float32, end(L.STATE_EFC), "battery equivalent full cycles since the epoch"),
    Variable("electronics_temp_k", "K", np.float32, end(L.STATE_ELECTRONICS_K), "electronics node temperature"),
    Variable("radiator_temp_k", "K", np.float32, end(L.STATE_RADIATOR_K), "radiator node temperature"),
    Variable("t_junction_k", "K", np.float32, mean(L.ACC_JUNCTION),
             "junction temperature of the hottest accelerator, mean over the interval",
             "junction temperature of the satellite's hottest accelerator (a busy one at its throttle, else an idle "
             "one; the coolant's with compute off), mean over the record interval: the electronics node (the coolant "
             "loop) at each step's start plus that accelerator's power × its junction-to-coolant resistance "
             "(`spacecraft.accelerator`); the temperature the throttle acts on with `thermal_limit: junction`",
             since=5),
    Variable("t_array_k", "K", np.float32, end(L.STATE_ARRAY_K), "solar array temperature",
             "solar array (cell) temperature at the interval's end: from the array's heat balance "
             "(`solar_array.temperature_model: heat_balance`), or the fixed `cell_temp_k`", since=5),
    Variable("utilization", "1", np.float32, mean(L.ACC_UTILIZATION), "busy accelerators x rate / accelerators",
             "busy accelerators × rate / accelerators (rate = the node's throttle while busy). Counts allocated "
             "accelerators at their node's rate: a gang member waiting on a slower member, or accelerators held "
             "until the next scheduler epoch after their job finished, count as busy; delivered work is in "
             "`/jobs` and `/summary`", extrema=True),
    Variable("throttle", "1", np.float32, mean(L.ACC_THROTTLE), "compute throttle (0 when compute is idle or off)",
             extrema=True),
    Variable("mode", "enum", np.int8, NODE_MODE,
             "node mode at the interval's end: " + ", ".join(f"{k} {m}" for k, m in enumerate(L.MODE_NAMES)),
             "node mode at the interval's end (codes below)"),
    Variable("dose_krad", "krad", np.float64, end(L.STATE_DOSE_KRAD), "total ionising dose in silicon so far",
             "total ionising dose in silicon taken so far, radiation.initial_dose_krad included [krad(Si)]: "
             "`dose_rate_krad_per_year` x time (twin/ops/radiation.py)", since=5),
    Variable("links_live", "1", np.float32, mean(L.ACC_LINKS), "inter-satellite links up, mean over the interval",
             "inter-satellite links of the satellite that are up (in line of sight, in range, both ends working), "
             "mean over the record interval (only in runs with `links`)", since=3, links=True),
    Variable("link_capacity_gbps", "Gbit/s", np.float32, mean(L.ACC_LINK_CAPACITY, per=BPS_PER_GBPS),
             "summed capacity of the satellite's live links, mean over the interval",
             "summed capacity of the satellite's live inter-satellite links (link budget at each step's range), "
             "mean over the record interval [Gbit/s] (only in runs with `links`)", since=3, links=True),
)
# The accelerator ledger (schema 2): per record for the constellation, and per satellite for the
# run; causes in twin.kernels.layout.LEDGER_CAUSES order
LEDGER = "ledger"               # (time, cause) float64: accelerators in each cause, summed over the
#                                 satellites, mean over the record interval [1]
LEDGER_TOTAL = "ledger_total"   # (sat, cause) float64: accelerator-seconds in each cause over the run [s]
LEDGER_SINCE = 2
# the live links at the end of each record (output.links: true), one row per link
LINKS = "links"
LINK_DTYPE = np.dtype([("time_s", np.float64), ("sat_a", np.int64), ("sat_b", np.int64), ("range_km", np.float64),
                       ("capacity_gbps", np.float64)])
LINK_UNITS = {"time_s": "s", "sat_a": "", "sat_b": "", "range_km": "km", "capacity_gbps": "Gbit/s"}
LINK_NAMES = {"time_s": "end of the record at which the link was up", "sat_a": "index of one end",
              "sat_b": "index of the other end", "range_km": "range between the ends",
              "capacity_gbps": "capacity from the link budget at that range"}
EXTREMA_STATS = ("min", "max")



def check(variables) -> None:
    """Raise ValueError for a declaration the record path cannot follow."""
    names = [v.name for v in variables] + [f"{v.name}_{s}" for s in EXTREMA_STATS for v in variables if v.extrema]
    if len(set(names)) != len(names):
        raise ValueError(f"/state names declared twice: {sorted({n for n in names if names.count(n) > 1})}")
    for v in variables:
        if v.source.read not in READS:
            raise ValueError(f"/state/{v.name}: source {v.source.read!r} is none of {READS}")
        if v.extrema and not (v.source.read == "mean" and v.source.row in L.EXTREMA_ACC):
            raise ValueError(f"/state/{v.name}: extrema only for the mean of an accumulator in "
                             f"twin.kernels.layout.EXTREMA_ACC")


check(STATE_VARIABLES)


def extrema_variables(which=EXTREMA_STATS) -> tuple:
    """The /state variables of the chosen extrema (all minima, then all maxima): the smallest or
    largest step mean of a flow within each record interval, read from the accumulator rows the
    node kernel keeps them in (``ACC_MIN + j``, ``ACC_MAX + j``: ``j`` the flow's place in
    ``layout.EXTREMA_ACC``)."""
    out = []
    for stat in which:
        first = L.ACC_MIN if stat == "min" else L.ACC_MAX
        for base in STATE_VARIABLES:
            if base.extrema:
                row = first + L.EXTREMA_ACC.index(base.source.row)
                out.append(Variable(f"{base.name}_{stat}", base.units, base.dtype,
                                    Source("acc", row, per=base.source.per, times=base.source.times),
                                    f"{'minimum' if stat == 'min' else 'maximum'} over the record interval of: "
                                    f"{base.long_name}"))
    return tuple(out)


def record_variables(extrema=EXTREMA_STATS) -> tuple:
    """The rows of a record, in order: the /state variables, then the chosen extrema."""
    return STATE_VARIABLES + extrema_variables(extrema)


def __getattr__(name):
    # names derived from the declaration, computed when asked for (so they follow a test's extension)
    if name == "RECORD_ROW_NAMES":
        return tuple(v.name for v in record_variables())
    if name == "EXTREMA_NAMES":
        return tuple(v.name for v in STATE_VARIABLES if v.extrema)
    if name == "STATE_BY_NAME":
        return {v.name: v for v in STATE_VARIABLES}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Column:
    """A /jobs column: ``units`` is stored on the column's variable (CF spelling, twin.output.cf;
    none when empty); ``twin.ops.jobs.Job.values`` gives each job's value by this name."""
    name: str
    dtype: object
    units: str
    description: str = ""


JOB_COLUMNS = (
    Column("job_id", np.int64, "", "job number, in order of submission"),
    Column("submit_s", np.float64, "s", "submission time"),
    Column("start_s", np.float64, "s", "time the scheduler started it (a scheduler epoch); NaN if never started"),
    Column("end_s", np.float64, "s",
           "time its work ran out (interpolated within the physics step); NaN if not completed"),
    Column("n_accelerators", np.int32, "1", "accelerators it needs (a gang, possibly across several satellites)"),
    Column("work_accel_s", np.float64, "s", "its work, in accelerator-seconds at full rate"),
    Column("sat_first", np.int64, "", "index of the first satellite it was placed on; -1 if never placed"),
    Column("status", "S10", "", "`completed`, `running` (at the end of the run), `queued` (waiting at the end "
           "of the run) or `rejected` (see `reason`)"),
    Column("energy_wh", np.float64, "Wh", "energy of the accelerators it held while it held them (idle share "
           "plus throttled dynamic share)"),
    Column("preemptions", np.int32, "1", "times it was interrupted and rolled back to its last checkpoint "
           "(preemption by the policy, or a fault on one of its nodes)"),
    Column("priority", np.int32, "", "scheduling priority from the workload (0 by default; larger = more important)"),
    Column("deadline_s", np.float64, "s", "latest end asked for (`workload.deadline_slack`); NaN if none"),
    Column("estimate_s", np.float64, "s", "runtime estimate EASY backfilling (`priority`) plans with, fixed at "
           "submission: the trace's own (`workload.mapping.estimate_column`), else `work_accel_s / n_accelerators "
           "× scheduler.runtime_overestimate`"),
    Column("wait_s", np.float64, "s", "`start_s − submit_s`; NaN if never started"),
    Column("slowdown", np.float64, "1", "`(end_s − submit_s) / (work_accel_s / n_accelerators)`; NaN if not "
           "completed"),
    Column("flop", np.float64, "FLOP", "work done (at the end of the run, or all of it if completed) × the "
           "accelerator's `peak_flops`"),
    Column("migrations", np.int32, "1", "times `follow_the_sun` checkpointed it and moved it"),
    Column("lost_accel_s", np.float64, "s", "work thrown away by rollbacks, in accelerator-seconds"),
    Column("network_lost_accel_s", np.float64, "s", "accelerator-seconds its members held while its "
           "communication (inter-satellite links, or the bus on one satellite) held it back: the ledger's "
           "`network` cause"),
    Column("comm_slowdown", np.float64, "1", "`(work done + network_lost_accel_s) / work done`: how much slower "
           "than its compute rate its communication made it (1 = not at all); NaN before any work"),
    Column("reason", "S24", "", "why it was rejected: `too_many_accelerators` (more than the constellation has), "
           "`links_too_slow` (a gang whose links could never carry it at `scheduler.min_link_efficiency`, under "
           "link-aware placement) "
           "or `deadline_unreachable` (cannot end by `deadline_s` even at full speed); empty otherwise"),
    Column("trace_id", "S32", "", "a replayed trace's own id of the job (`workload.mapping.id_column`; its first "
           "32 UTF-8 bytes, cut at a character); empty without one"),
    Column("censored", np.int8, "", "1 if the trace flags the job censored (`workload.mapping.censored`: still "
           "running at the trace's end, so its work is a lower bound; left out of the slowdown and energy-per-job "
           "statistics), else 0"),
)
JOB_DTYPE = np.dtype([(c.name, c.dtype) for c in JOB_COLUMNS])
JOB_UNITS = {c.name: c.units for c in JOB_COLUMNS if c.units}
JOB_NAMES = {c.name: c.description.replace("`", "") for c in JOB_COLUMNS}   # long_name in the file
JOB_STATUSES = ("completed", "running", "queued", "rejected")

EVENT_DTYPE = np.dtype([("time_s", np.float64), ("sat", np.int64), ("kind", "S16"), ("value", np.float64)])
EVENT_UNITS = {"time_s": "s", "sat": "", "kind": "text", "value": "1"}
EVENT_NAMES = {"time_s": "time of the event", "sat": "index of the satellite",
               "kind": "what happened (docs/schema.md, /events)",
               "value": "depends on kind (docs/schema.md, /events): sunlit fraction, mode code, duration [s] "
                        "or job_id"}


def unit_of(key: str) -> str:
    """The unit of a /summary key, from its name (docs/schema.md lists them)."""
    if key.startswith("node_hours_"):
        return "h"
    if key.startswith("radiation_dose_") or "_krad_per_year" in key:
        return "krad/year"
    if "_krad_" in key:
        return "krad"
    for suffix, unit in (("_usd_per_kg", "USD/kg"), ("_usd", "USD"), ("_kg_per_satellite", "kg"), ("_kg", "kg"),
                         ("_kwh_per_m2_year", "kWh/(m2 year)"), ("_kwh_per_kg_year", "kWh/(kg year)"),
                         ("_accel_h_per_year", "h/year"), ("_per_year", "1/year")):
        if key.endswith(suffix):
            return unit
    if key.endswith("_per_s"):
        return "1/s"
    if "_gbps" in key:
        return "Gbit/s"
    if key.endswith("_km_mean"):
        return "km"
    if key.endswith("_deg_mean"):
        return "deg"
    for suffix, unit in (("_wh", "Wh"), ("_s", "s"), ("_h", "h")):
        if key.endswith(suffix):
            return unit
    if key == "flop_delivered":
        return "FLOP"
    if key == "limiting_factor":
        return "text"
    return "1"


@dataclass(frozen=True)
class Table:
    """A table of the run file (a group of columns): its rows' dtype, each column's unit (twin's
    names) and long_name, and which columns are instants since the epoch (CF time units)."""
    dtype: np.dtype
    units: dict
    long_names: dict
    instants: tuple


TABLES = {"jobs": Table(JOB_DTYPE, JOB_UNITS, JOB_NAMES, JOB_INSTANTS),
          "events": Table(EVENT_DTYPE, EVENT_UNITS, EVENT_NAMES, TABLE_INSTANTS),
          "links": Table(LINK_DTYPE, LINK_UNITS, LINK_NAMES, TABLE_INSTANTS)}
