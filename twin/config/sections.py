"""The scenario's sections as frozen pydantic models, down to :class:`Scenario`.

Every field carries its unit in its name (``_s``, ``_km``, ``_w``, ``_wh``, ``_k``...) or in its
description; ``docs/config.md`` lists them all with their defaults and ranges. Unknown keys are
errors, every number must be finite (NaN and ±inf are rejected with the field named), and every
quantity has a range (the bounds below, each with its reason). Sections other than
``simulation`` and ``constellation`` have defaults, so a config with only those two runs.

Parameter presets (``preset: NAME`` inside ``spacecraft.solar_array``, ``.battery``,
``.radiator``, ``.accelerator`` or ``links.terminal``) are YAML files under
``configs/presets/<kind>/NAME.yaml``; keys given in the config override the preset's (merged by
:mod:`twin.config.load`).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import Field, ValidationInfo, field_validator, model_validator

from twin.constants import SECONDS_PER_HOUR
from twin.config.limits import (MIN_DT_S, MAX_DT_S, MAX_SGP4_STEP_S, EPHEMERIS_FIRST_UTC, EPHEMERIS_LAST_UTC,
                                MAX_CLUSTER_RADIUS_KM, MAX_SATELLITES, MAX_ANGLE_DEG, MAX_SHELL_THICKNESS_KM,
                                MAX_SHELL_LAYERS, MIN_ALTITUDE_KM, HOURS_PER_DAY,
                                MAX_INCLINATION_DEG, MAX_LONGITUDE_DEG, MAX_LATITUDE_DEG,
                                MAX_ENERGY_WH, MAX_C_RATE_PER_H, MAX_PEAK_FLOPS, MAX_EXPECTED_JOBS,
                                MAX_ARRIVAL_RATE_PER_H, MAX_OFFERED_LOAD, MAX_WORK_SIGMA, MAX_MTBF_H, MAX_FLUSH_RECORDS,
                                Fraction, PositiveFraction, Seconds, SecondsOrZero, Hours, Seed,
                                Altitude, LocalTime, Count, CountOrZero, Power, PositivePower,
                                TemperatureDifference, Accelerators, Priority,
                                DeadlineSlack, UpsetRate)
from twin.config.array import SolarArray  # noqa: F401  (its own module: twin/config/array.py)
from twin.config.base import Section
from twin.config.battery_ageing import BatteryAgeing
from twin.config.checkpointing import CHECKPOINT_INTERVAL_HELP, CheckpointCost, CheckpointInterval
from twin.config.economics import Economics
from twin.config.environment import Earth
from twin.config.inference import Inference, check_scenario as check_inference
from twin.config.junction import AcceleratorThermal
from twin.config.power_cap import AcceleratorPowerCap
from twin.config.radiation import Radiation
from twin.config.resources import input_file
from twin.config.terminal import LinkTerminal
from twin.config.thermal import Radiator, Thermal
from twin.config.trace_mapping import TraceMapping

# where a block may say ``preset: NAME`` -> the folder under configs/presets/ its presets are in
PRESET_KINDS = {"spacecraft.solar_array": "solar", "spacecraft.battery": "battery",
                "spacecraft.radiator": "radiator", "spacecraft.accelerator": "accelerator",
                "links.terminal": "link", "economics.launch": "launch", "economics.mass": "mass",
                "spacecraft.solar_array.front_coating": "array_coating",
                "spacecraft.solar_array.back_coating": "array_coating"}


# ---------------------------------------------------------------- simulation
class Simulation(Section):
    """The simulated span: epoch, duration, physics step, record interval and seed (``simulation:``)."""
    epoch_utc: datetime = Field(description="start of the run, ISO 8601, UTC, within the JPL DE421 "
                                           "ephemeris (1899-07-30 to 2053-10-08, with the run's end)")
    duration_s: Seconds = Field(description="simulated time [s]")
    dt_s: Annotated[float, Field(ge=MIN_DT_S, le=MAX_DT_S)] = Field(10.0, description="physics step [s]")
    record_every_s: Seconds = Field(60.0, description="record interval [s], a multiple of dt_s")
    seed: Seed = Field(0, description="seed of every random stream")
    sgp4_step_s: Annotated[float, Field(ge=0, le=MAX_SGP4_STEP_S)] = Field(
        120.0, description="SGP4 every this many seconds (a multiple of dt_s if set; the default is "
                          "rounded down to one), Lagrange interpolation through 8 nodes in between "
                          "(~2 mm in LEO at 120 s, 3 cm at the run's ends); 0 = SGP4 at every step [s]")

    @field_validator("epoch_utc")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        v = v.replace(tzinfo=timezone.utc) if v.tzinfo is None else v.astimezone(timezone.utc)
        if v < EPHEMERIS_FIRST_UTC:
            raise ValueError(f"{v.isoformat()} is before {EPHEMERIS_FIRST_UTC.date()}, the start of "
                            f"the JPL DE421 ephemeris (the Sun's position)")
        return v

    @model_validator(mode="after")
    def _multiples(self):
        explicit = "sgp4_step_s" in self.model_fields_set and self.sgp4_step_s > self.dt_s
        names = ("record_every_s", "duration_s") + (("sgp4_step_s",) if explicit else ())
        for name in names:
            ratio = getattr(self, name) / self.dt_s
            if abs(ratio - round(ratio)) > 1e-9 or round(ratio) < 1:
                raise ValueError(f"{name} ({getattr(self, name)}) must be a whole multiple of dt_s ({self.dt_s})")
        end = self.epoch_utc + timedelta(seconds=self.duration_s)
        if end > EPHEMERIS_LAST_UTC:
            raise ValueError(f"epoch_utc + duration_s ends on {end.isoformat()}, after "
                            f"{EPHEMERIS_LAST_UTC.date()}, the end of the JPL DE421 ephemeris (the Sun's position)")
        return self

    @property
    def n_steps(self) -> int:
        return int(round(self.duration_s / self.dt_s))

    @property
    def record_every_steps(self) -> int:
        return int(round(self.record_every_s / self.dt_s))


# ---------------------------------------------------------------- constellation
class TleShell(Section):
    """Satellites from a file of two-line element sets (``kind: tle``)."""
    kind: Literal["tle"]
    file: Path = Field(description="TLE file (2- or 3-line), relative to the config file")
    name_pattern: str | None = Field(None, description="shell-style pattern on satellite names, e.g. 'STARLINK-1*'")
    norad_ids: list[int] | None = Field(None, description="keep only these NORAD catalogue numbers")
    max_satellites: Annotated[int | None, Field(gt=0, le=MAX_SATELLITES)] = Field(
        None, description="keep the first N after selection")

    @field_validator("file")
    @classmethod
    def _exists(cls, v: Path, info: ValidationInfo) -> Path:
        return input_file(v, (info.context or {}).get("base_dir", Path(".")), "TLE file")


def _check_shell_size(shell):
    total = shell.planes * shell.sats_per_plane
    if total > MAX_SATELLITES:
        raise ValueError(f"planes x sats_per_plane ({total:,}) must not exceed {MAX_SATELLITES:,} satellites")
    if shell.layers > shell.planes:
        raise ValueError(f"layers ({shell.layers}) must not exceed planes ({shell.planes}): a layer needs a plane")
    if (shell.thickness_km > 0) != (shell.layers > 1):
        raise ValueError(f"thickness_km ({shell.thickness_km:g}) and layers ({shell.layers}) go together: "
                         "a shell with thickness has layers >= 2, one with layers >= 2 has a thickness")
    if shell.altitude_km - shell.thickness_km / 2 < MIN_ALTITUDE_KM:
        raise ValueError(f"the lowest layer (altitude_km - thickness_km/2 = "
                         f"{shell.altitude_km - shell.thickness_km / 2:g} km) is below {MIN_ALTITUDE_KM:g} km")
    return shell


ShellThickness = Annotated[float, Field(
    ge=0, le=MAX_SHELL_THICKNESS_KM,
    description="the band of altitudes the shell fills, centred on altitude_km [km]; 0 = one altitude")]
ShellLayers = Annotated[int, Field(
    ge=1, le=MAX_SHELL_LAYERS,
    description="layers of planes evenly spread over thickness_km; plane p flies in layer p mod layers")]


class WalkerShell(Section):
    """A designed Walker delta or star shell (``kind: walker``)."""
    kind: Literal["walker"]
    altitude_km: Altitude
    inclination_deg: Annotated[float, Field(ge=0, le=MAX_INCLINATION_DEG)]
    planes: Count
    sats_per_plane: Count
    phasing: CountOrZero = Field(0, description="Walker F (relative phasing between planes)")
    pattern: Literal["delta", "star"] = "delta"
    raan0_deg: Annotated[float, Field(ge=-MAX_ANGLE_DEG, le=MAX_ANGLE_DEG)] = 0.0
    thickness_km: ShellThickness = 0.0
    layers: ShellLayers = 1

    _size = model_validator(mode="after")(_check_shell_size)


class SsoShell(Section):
    """A designed sun-synchronous shell (``kind: sso``)."""
    kind: Literal["sso"]
    altitude_km: Altitude
    ltan_h: LocalTime = Field(description="local time of the ascending node [h]; 18 = dawn-dusk")
    planes: Count = 1
    sats_per_plane: Count
    phasing: CountOrZero = 0
    ltan_span_h: Annotated[float, Field(gt=0, le=HOURS_PER_DAY)] = Field(
        HOURS_PER_DAY, description="the planes' ascending nodes spread over this span of local time [h]: 24 = "
                                   "evenly in RAAN; 1 = all within an hour of ltan_h (dawn-dusk planes)")
    thickness_km: ShellThickness = 0.0
    layers: ShellLayers = 1

    _size = model_validator(mode="after")(_check_shell_size)


class ClusterShell(Section):
    """A compact formation of satellites flying close together (``kind: cluster``)."""
    kind: Literal["cluster"]
    altitude_km: Altitude
    ltan_h: LocalTime = 18.0
    n_sats: Count
    radius_km: Annotated[float, Field(gt=0, le=MAX_CLUSTER_RADIUS_KM)] = Field(
        1.0, description="every satellite within this distance of the reference orbit [km]")


Shell = Annotated[Union[TleShell, WalkerShell, SsoShell, ClusterShell], Field(discriminator="kind")]


# ---------------------------------------------------------------- spacecraft
class Battery(BatteryAgeing):
    """The battery: capacity, state-of-charge limits, efficiencies, fade (``spacecraft.battery``)."""
    capacity_wh: Annotated[float, Field(gt=0, le=MAX_ENERGY_WH)] = Field(10_000.0, description="nominal energy capacity at beginning of life [Wh]")
    initial_soc: Fraction = Field(0.9, description="state of charge at the epoch [1]")
    min_soc: Fraction = Field(0.65, description="floor of the state of charge: 1 - depth of discharge, ~0.65-0.8 for LEO cycle life [1]")
    max_soc: Fraction = Field(1.0, description="ceiling of the state of charge [1]")
    charge_efficiency: PositiveFraction = Field(0.96, description="energy stored per energy charged [1]; generic (sourced: preset leo_li_ion)")
    discharge_efficiency: PositiveFraction = Field(0.96, description="energy delivered per energy drawn from storage [1]; generic (sourced: preset leo_li_ion)")
    max_charge_c_rate_per_h: Annotated[float, Field(gt=0, le=MAX_C_RATE_PER_H)] = Field(
        0.5, description="charge power limit as a fraction of capacity per hour [1/h]")
    max_discharge_c_rate_per_h: Annotated[float, Field(gt=0, le=MAX_C_RATE_PER_H)] = Field(
        1.0, description="discharge power limit [1/h]")
    recover_soc: Fraction = Field(0.75, description="soc above which a shed node returns to full service [1]")

    @model_validator(mode="after")
    def _order(self):
        if not self.min_soc < self.max_soc:
            raise ValueError(f"min_soc ({self.min_soc}) must be below max_soc ({self.max_soc})")
        for name in ("initial_soc", "recover_soc"):
            if not self.min_soc <= getattr(self, name) <= self.max_soc:
                raise ValueError(f"{name} ({getattr(self, name)}) must lie within [min_soc, max_soc]")
        return self


class Accelerator(AcceleratorPowerCap, AcceleratorThermal):
    """The AI accelerators on each satellite: count, power, throughput, thermal chain and limits (``spacecraft.accelerator``)."""
    count: Accelerators = Field(8, description="accelerators per satellite")
    idle_power_w: Power = Field(80.0, description="per accelerator, powered and idle [W]; generic (sourced: presets h100, tpu_v5e)")
    peak_power_w: PositivePower = Field(700.0, description="per accelerator at full speed [W]; H100 SXM5 TDP (preset h100)")
    peak_flops: Annotated[float, Field(gt=0, le=MAX_PEAK_FLOPS)] = Field(
        9.89e14, description="per accelerator at full speed [FLOP/s]")
    min_throttle: Fraction = Field(0.3, description="lowest throttle before compute goes idle [1]")

    @model_validator(mode="after")
    def _power(self):
        if self.idle_power_w > self.peak_power_w:
            raise ValueError("idle_power_w must not exceed peak_power_w")
        return self


class Spacecraft(Section):
    """Each satellite's bus: solar array, battery, accelerators, radiator and thermal nodes (``spacecraft:``)."""
    bus_power_w: Power = Field(300.0, description="platform load, always on [W]")
    solar_array: SolarArray = SolarArray()
    battery: Battery = Battery()
    accelerator: Accelerator = Accelerator()
    radiator: Radiator = Radiator()
    thermal: Thermal = Thermal()


# ---------------------------------------------------------------- workload, scheduler, output
class Communication(Section):
    """What a job's members exchange while it runs (twin/links/network.py). ``data_parallel``:
    every training step each member satellite sends and receives 2(m-1)/m of the gradient over its
    ring of m satellites (ring all-reduce, bandwidth-optimal: Patarasuk & Yuan, J. Parallel Distrib.
    Comput. 69(2), 117-124, 2009); on one satellite the ring is over its accelerators, on the bus.
    ``flat``: each member satellite needs a fixed rate at full compute speed. It takes effect only
    in a run with ``links`` (without them gangs run as if their members shared a rack)."""
    kind: Literal["none", "data_parallel", "flat"] = Field(
        "none", description="none (jobs do not communicate), data_parallel (ring all-reduce of the gradient each "
                            "step) or flat (a fixed rate per member satellite); only in a run with links")
    model_params: Annotated[float, Field(gt=0, le=1e15)] = Field(
        7e9, description="parameters of the model (its gradient, its checkpoint) [1]; generic 7-billion-parameter model")
    bytes_per_param: Annotated[float, Field(gt=0, le=16)] = Field(
        2.0, description="data_parallel: bytes of gradient per parameter [B]; 2 = bf16 gradients")
    step_time_s: Annotated[float, Field(gt=0, le=1e6)] = Field(
        1.0, description="data_parallel: compute time of one training step at full speed [s]")
    overlap: Fraction = Field(
        0.0, description="data_parallel: fraction of a step's compute time that communication can hide under "
                         "(0 = none, 1 = fully overlapped) [1]")
    gbps_per_member: Annotated[float, Field(gt=0, le=1e6)] = Field(
        100.0, description="flat: rate each member satellite needs at full compute speed [Gbit/s]")


class PoissonWorkload(Section):
    """Jobs arriving as a Poisson process with lognormal sizes (``workload: {kind: poisson}``)."""
    kind: Literal["poisson"] = "poisson"
    arrival_rate_per_h: Annotated[float, Field(ge=0, le=MAX_ARRIVAL_RATE_PER_H)] | None = Field(
        None, description="mean job arrivals per hour, whole constellation; at most "
                          f"{MAX_EXPECTED_JOBS:,} expected over the run; null = from offered_load [1/h]")
    offered_load: Annotated[float, Field(gt=0, le=MAX_OFFERED_LOAD)] | None = Field(
        None, description="when arrival_rate_per_h is null: the fraction of the installed accelerators the "
                          "arrivals keep busy on average, rate = load x accelerators / (mean accelerators per "
                          "job x mean run time); null = 0.8 (twin.config.limits.DEFAULT_OFFERED_LOAD) [1]")
    work_distribution: Literal["lognormal", "exponential"] = "lognormal"
    median_runtime_h: Hours = Field(
        2.0, description="median run time of a job at full speed (lognormal; the mean, with exponential) [h]; its work is this x its accelerators [accelerator-h] (formerly median_work_accel_h, still read: twin.config.renamed)")
    work_sigma: Annotated[float, Field(ge=0, le=MAX_WORK_SIGMA)] = Field(1.0, description="lognormal shape (sigma of ln work)")
    accelerators: list[Accelerators] = Field([1, 2, 4, 8], description="accelerators per job, drawn uniformly")
    priorities: Annotated[list[Priority], Field(min_length=1)] = Field(
        [0], description="job priorities (larger = more important), drawn uniformly")
    deadline_slack: DeadlineSlack = Field(
        None, description="deadline = submit + slack x work / accelerators (run time at full speed); null = no deadlines [1]")
    checkpoint_interval_s: CheckpointInterval = Field(1800.0, description=CHECKPOINT_INTERVAL_HELP)
    checkpoint: CheckpointCost = CheckpointCost()
    communication: Communication = Communication()

    @model_validator(mode="after")
    def _one_rate(self):
        if self.arrival_rate_per_h is not None and self.offered_load is not None:
            raise ValueError(f"workload: give arrival_rate_per_h ({self.arrival_rate_per_h:g}) or offered_load "
                             f"({self.offered_load:g}), not both (set the other to null)")
        return self


class TraceWorkload(Section):
    """Jobs replayed from a cluster trace through a column mapping (``workload: {kind: trace}``)."""
    kind: Literal["trace"]
    mapping: TraceMapping
    deadline_slack: DeadlineSlack = Field(
        None, description="deadline = submit + slack x work / accelerators; null = no deadlines [1]")
    checkpoint_interval_s: CheckpointInterval = Field(1800.0, description=CHECKPOINT_INTERVAL_HELP)
    checkpoint: CheckpointCost = CheckpointCost()
    communication: Communication = Communication()

    @field_validator("mapping")
    @classmethod
    def _resolve(cls, v: TraceMapping, info: ValidationInfo) -> TraceMapping:
        return v.model_copy(update={"file": input_file(v.file, (info.context or {}).get("base_dir", Path(".")), "trace file")})


Workload = Annotated[Union[PoissonWorkload, TraceWorkload], Field(discriminator="kind")]


class Scheduler(Section):
    """Placement policy and its knobs; each knob names the policy that reads it (twin/ops/scheduling.py)."""
    policy: Literal["fifo", "priority", "power_aware", "thermal_aware", "follow_the_sun", "topology_aware",
                    "power_cap"] = Field(
        "fifo", description="fifo (first-fit, the baseline), priority (EASY backfilling), power_aware, thermal_aware, "
                            "follow_the_sun, topology_aware (fifo whose gangs stay on linked satellites), power_cap "
                            "(fifo that lowers the accelerators' power cap to ride eclipses, twin/ops/power_cap.py)")
    link_aware: bool = Field(
        False, description="any policy: a gang over several satellites goes only to a linked group whose links "
                           "carry its traffic at min_link_efficiency or better, else it waits (always on for "
                           "topology_aware)")
    min_link_efficiency: Fraction = Field(
        0.8, description="link-aware placement: the least fraction of its compute rate a gang's links must let it "
                         "run at (estimated from the links' capacity now, shared with the jobs already on them) [1]")
    epoch_s: Seconds = Field(60.0, description="placement decisions at this interval [s], a multiple of dt_s")
    preempt: bool = Field(False, description="priority: a blocked job preempts running jobs of lower priority (they roll back to their last checkpoint)")
    power_soc_margin: Fraction = Field(
        0.1, description="power_aware: no new work on an eclipsed node with soc below battery.min_soc + this [1]")
    power_cap_reserve_soc: Fraction = Field(
        0.02, description="power_cap: state of charge kept above battery.min_soc for what the plan leaves out "
                          "(heaters, prediction error) [1]")
    thermal_margin_k: TemperatureDifference = Field(
        10.0, description="thermal_aware: no new work on a node within this of where its throttle starts (thermal.throttle_start_k, or the junction's) [K]")
    migration_lead_s: SecondsOrZero = Field(
        300.0, description="follow_the_sun: migrate a job this long before its node's predicted eclipse entry [s]")
    migration_min_gain_s: SecondsOrZero = Field(
        1200.0, description="follow_the_sun: a target node must stay sunlit at least this much longer than the lead [s]")
    migration_cost_s: SecondsOrZero | None = Field(None, description="a migration's stall (held without progress) [s]; "
                                                   "null: the job's state moved over its path (workload.checkpoint)")
    # 1e3: a second's job would be planned as a quarter of an hour; larger factors only block backfilling
    runtime_overestimate: Annotated[float, Field(ge=1, le=1e3)] = Field(
        1.0, description="priority: EASY backfilling plans with user runtime estimates, the exact runtime times "
                         "this for jobs without their own (workload.mapping.estimate_column); users' estimates "
                         "tend to lie well above the actual runtimes (Mu'alem & Feitelson 2001). A job outliving "
                         "its estimate keeps running. 1 = exact runtimes [1]")


class Links(Section):
    """Inter-satellite links (twin/links/): which satellites link (``topology``), what a link
    carries (``terminal``: an optical link budget, a preset from configs/presets/link/), and when
    a link is up: in line of sight above ``grazing_altitude_km``, within the terminal's range,
    pointing and tracking limits, both ends working. Off by default: then every gang runs as if
    its members shared a rack."""
    topology: Literal["none", "+grid", "nearest", "pairs"] = Field(
        "none", description="none; +grid (Walker/SSO shells: in-plane neighbours and one satellite in each "
                            "adjacent plane, Hypatia's +Grid); nearest (each satellite's nearest_k nearest in "
                            "range, rebuilt at every scheduler epoch); pairs (the list in pairs)")
    terminals_per_sat: Annotated[int, Field(ge=1, le=64)] = Field(
        4, description="optical terminals per satellite: no satellite has more links (+grid needs 4)")
    nearest_k: Annotated[int, Field(ge=1, le=64)] = Field(4, description="nearest: links each satellite seeks [1]")
    grid_shift: Annotated[int, Field(ge=0, le=100_000)] = Field(
        0, description="+grid: slot offset of the link to the next plane (Hypatia's isl_shift) [1]")
    pairs: list[tuple[Annotated[int, Field(ge=0, lt=MAX_SATELLITES)], Annotated[int, Field(ge=0, lt=MAX_SATELLITES)]]] = Field(
        [], description="pairs: satellite index pairs [[a, b], ...] (as in /sat/index)")
    grazing_altitude_km: Annotated[float, Field(ge=0, le=1000)] = Field(
        80.0, description="a link's ray must pass above this altitude over the Earth's equatorial radius (Hypatia "
                          "uses 80 km, above most of the atmosphere's refraction and absorption) [km]")
    drop_in_safe_mode: bool = Field(
        False, description="a satellite in safe mode (battery below its floor) switches its terminals off (the mode "
                           "at the start of each block of steps, at most one scheduler epoch)")
    bus_gbps: Annotated[float, Field(gt=0, le=1e6)] = Field(
        7200.0, description="rate between accelerators on one satellite [Gbit/s]: NVLink 4, 900 GB/s per "
                            "accelerator (NVIDIA H100 Tensor Core GPU datasheet, 2023)")
    terminal: LinkTerminal = LinkTerminal()


class Outage(Section):
    """A scripted outage of chosen satellites over a time window (``faults.outages``)."""
    sats: Annotated[list[Annotated[int, Field(ge=0, lt=MAX_SATELLITES)]], Field(min_length=1)] = Field(
        description="satellite indices (as in /sat/index)")
    start_s: SecondsOrZero = Field(description="start, since the epoch, rounded to a step boundary (at least the first) [s]")
    duration_s: Seconds = Field(description="length, rounded up to whole steps [s]")


class Faults(Section):
    """Node failures, radiation upsets and scripted outages (twin/ops/faults.py); all off by default.
    A node that goes down rolls back the jobs on it to their last checkpoint."""
    mtbf_h: Annotated[float | None, Field(gt=0, le=MAX_MTBF_H)] = Field(
        None, description="mean time between random failures of one node, while up [h]; null = none")
    mean_repair_h: Hours = Field(4.0, description="mean time to repair a failed node [h]")
    repair_distribution: Literal["exponential", "fixed"] = Field("exponential", description="of repair times")
    upset_rate_per_day: UpsetRate = Field(
        0.0, description="radiation upsets (SEFI: the node reboots) per node per day, outside the SAA [1/d]")
    saa_upset_rate_per_day: UpsetRate = Field(
        0.0, description="upsets per node per day while inside the South Atlantic Anomaly [1/d]")
    upset_reboot_s: Seconds = Field(120.0, description="time a node is down after an upset, rounded up to whole steps [s]")
    saa_center_lon_deg: Annotated[float, Field(ge=-MAX_LONGITUDE_DEG, le=MAX_LONGITUDE_DEG)] = Field(
        -45.0, description="SAA ellipse centre, geographic longitude [deg]")
    saa_center_lat_deg: Annotated[float, Field(ge=-MAX_LATITUDE_DEG, le=MAX_LATITUDE_DEG)] = Field(
        -25.0, description="SAA ellipse centre, latitude [deg]")
    saa_semi_axis_lon_deg: Annotated[float, Field(gt=0, le=MAX_LONGITUDE_DEG)] = Field(
        40.0, description="SAA ellipse half-width in longitude [deg]")
    saa_semi_axis_lat_deg: Annotated[float, Field(gt=0, le=MAX_LATITUDE_DEG)] = Field(
        20.0, description="SAA ellipse half-height in latitude [deg]")
    outages: list[Outage] = Field([], description="scripted outages: {sats: [..], start_s, duration_s}")


class Output(Section):
    """What the run file records and how: extrema, compression, positions, links, checkpoints (``output:``)."""
    aggregate: list[Literal["mean", "min", "max"]] = Field(
        ["mean"], description="per record: the mean of each flow, and optionally its minimum and maximum "
                             "over the interval (variables <flow>_min, <flow>_max)")
    compression: str | int = Field(
        1, description="state variables and tables: a gzip (deflate) level 1-9, which every HDF5 and netCDF "
                       "reader decodes; 'lzf' (faster to write, but only h5py reads it: HDF5 and netCDF tools "
                       "need the LZF filter plugin); or 0 (none)")
    variables: Annotated[list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] | None, Field(min_length=1)] = Field(
        None, description="the /state variables to record, by name (docs/schema.md; a flow's _min/_max follow it "
                          "when aggregate asks for them); null = all. /summary, the ledger and the job tables are "
                          "kept whatever is recorded; twin report draws the figures whose variables are there")
    positions: bool = Field(False, description="record position_gcrs_km (R, N, 3)")
    links: bool = Field(False, description="record /links: every live inter-satellite link at the end of each "
                                           "record (time, satellites, range, capacity)")
    flush_every_records: Annotated[int | None, Field(gt=0, le=MAX_FLUSH_RECORDS)] = Field(
        None, description="records buffered between writes, also the HDF5 chunk length; null = about 256 KiB "
                         "per variable, rounded down to divide the records between checkpoints")
    checkpoint_every_s: SecondsOrZero = Field(
        21600.0, description="full-state checkpoint interval [s] of simulated time, a multiple of record_every_s; 0 = none")

    @field_validator("compression")
    @classmethod
    def _compression(cls, v):
        if v == "lzf" or (isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 9):
            return v
        raise ValueError(f"{v!r} is not 'lzf', a gzip level 1-9, or 0 (none)")


class Scenario(Section):
    """A whole scenario: the simulation's span, the constellation, the spacecraft, the workload, the scheduler and what to record (docs/config.md)."""
    simulation: Simulation
    constellation: Annotated[list[Shell], Field(min_length=1)]
    spacecraft: Spacecraft = Spacecraft()
    workload: Workload = PoissonWorkload()
    scheduler: Scheduler = Scheduler()
    faults: Faults = Faults()
    radiation: Radiation = Radiation()
    links: Links = Links()
    inference: Inference | None = Field(None, description="an inference service beside the training workload")
    earth: Earth = Earth()
    economics: Economics = Economics()
    output: Output = Output()

    @model_validator(mode="after")
    def _epochs(self):
        ratio = self.scheduler.epoch_s / self.simulation.dt_s
        if abs(ratio - round(ratio)) > 1e-9 or round(ratio) < 1:
            raise ValueError(f"scheduler.epoch_s ({self.scheduler.epoch_s}) must be a whole multiple of simulation.dt_s")
        if "mean" not in self.output.aggregate:
            raise ValueError("output.aggregate must include mean (energy closure is checked on means)")
        every = self.output.checkpoint_every_s
        ratio = every / self.simulation.record_every_s
        if every and abs(ratio - round(ratio)) > 1e-9:
            raise ValueError(f"output.checkpoint_every_s ({every}) must be a whole multiple of simulation.record_every_s")
        if self.links.topology == "pairs" and not self.links.pairs:
            raise ValueError("links.topology is pairs but links.pairs is empty")
        if self.workload.kind == "poisson" and self.workload.arrival_rate_per_h is not None:   # else at the run
            expected = self.workload.arrival_rate_per_h * self.simulation.duration_s / SECONDS_PER_HOUR
            if expected > MAX_EXPECTED_JOBS:
                raise ValueError(
                    f"workload.arrival_rate_per_h ({self.workload.arrival_rate_per_h:g}) x simulation.duration_s "
                    f"({self.simulation.duration_s:g}) gives {expected:,.0f} expected jobs, more than "
                    f"{MAX_EXPECTED_JOBS:,} (each is a Python object): lower the rate or shorten the run")
        check_inference(self)
        return self

    def to_yaml(self) -> str:
        # PyYAML's own emitter, not libyaml's: it folds long escaped strings differently, and the
        # hash of this text must not depend on whether PyYAML was built with libyaml
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)

    def sha256(self) -> str:
        return yaml_sha256(self.to_yaml())


def yaml_sha256(text: str) -> str:
    """The config hash written to run files: SHA-256 of the resolved config's YAML."""
    return hashlib.sha256(text.encode()).hexdigest()
