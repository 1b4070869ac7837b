"""Radiation on the accelerators and the terrestrial failure floor (docs/design.md §4,
"Radiation"; config and sources: twin/config/radiation.py; dose: twin/kernels/dose.py).

Dose. Each satellite takes a constant TID rate from its mean altitude (semi-major axis from the
Kozai mean motion, over the equatorial radius), its inclination and the shielding; its dose is
``initial + rate x t``. It is recorded (``/state/dose_krad``, ``/dose_rate_krad_per_year``)
and drives:

- degradation: from ``degradation_krad`` (the HBM irregularities of Suncatcher's beam test) the
  node's single-event rates are multiplied by ``degraded_rate_factor`` (event ``degraded``);
- wear-out: a node fails for good (event ``wear_out``, down for the rest of the run, its
  accelerators in the ledger's ``faults``) when its dose reaches the failure dose of the first of
  its accelerators: ``hard_failure_krad x exp(sigma |Z|)`` each (sigma = 0: all at the bound).
  Whole nodes, because twin takes nodes down as a whole (kernel, job book); one dead
  accelerator stopping its node's jobs is the conservative reading.

Per-accelerator events on a node with C accelerators, each a Poisson process while the node is up:

- terrestrial floor, rate C x ``floor_interruptions_per_accel_h`` (Llama 3): an interruption of
  the accelerator hit (drawn as below): the job on it, if any, rolls back to its last checkpoint
  and is requeued (event ``interruption``), as Llama 3's training job restarted from its
  checkpoint; the node goes on (a node of a thousand accelerators is not restarted for one);
- with ``upsets``, single-event effects at C x dose rate / (rad per event):
  functional interrupts (the node reboots, event ``upset``), uncorrectable HBM errors (the job
  on the accelerator hit, if any, rolls back at once, event ``memory_error``) and silent data
  corruption. A corruption on a busy accelerator spoils its job with probability
  ``sdc_corrupting_fraction``; it is found when the job's next checkpoint falls due (at full
  rate) or after ``sdc_detection_delay_s``, and the job then rolls back to its last checkpoint
  before the corruption (event ``sdc``; twin.ops.jobs.JobBook.roll_back_to). A job that ends
  first delivers corrupt results (``jobs_completed_corrupt``). The accelerator hit is drawn
  uniformly among the node's C; a busy one belongs to the job holding it.

Geography. The single-event rate is ``saa_factor`` times higher inside the SAA ellipse (the
faults section's) and ``high_latitude_factor`` times higher poleward of ``high_latitude_deg``
geomagnetic latitude (centred dipole, IGRF-13 2020 pole at 80.65 N, 72.68 W: Alken et al.,
"International Geomagnetic Reference Field: the thirteenth generation", Earth Planets Space 73,
49, 2021), scaled so that each node's long-run average stays the dose's: rate(t) = mean x m(t) /
mean(m), mean(m) over the node's orbit (a circular orbit's latitude at uniformly distributed
longitude: exact over many days, as the Earth turns under the orbit).

Drawing. Each node's events are candidates of one Poisson process at the largest rate it can
have (floor + single events at the largest factor), thinned: a candidate is a single event with
probability (its rate there) / (the largest), read at the candidate's step from the node's
position (Lewis, P. A. W. and Shedler, G. S., "Simulation of nonhomogeneous Poisson processes by
thinning", Naval Research Logistics Quarterly 26, 403-413, 1979). Candidates are processed in
(step, node) order from one random stream, so the draws do not depend on how the run is cut into
segments; events fall on step boundaries (ceil of the exponential time over dt), like the other
faults. A node's candidates on steps it is down are dropped (memoryless: the process restricted
to up time), and it draws anew at any change of rate.
"""
from __future__ import annotations

import heapq
import logging
import math

import numpy as np

from twin.constants import (SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_YEAR)
from twin.kernels import layout as L
from twin.kernels.due import first_pending
from twin.kernels.dose import DOSE_YEAR_S, dose_rate_krad_per_year, orbits_of, outside_table
from twin.ops.faults import (NEVER, FaultModel, earth_rotation_angle_rad, in_saa, subsatellite_lat_lon_deg)

logger = logging.getLogger(__name__)

DIPOLE_POLE_LAT_DEG, DIPOLE_POLE_LON_DEG = 80.65, -72.68   # IGRF-13, 2020 (module docstring)
FLOOR, SEE = 0, 1                                            # what a candidate turned out to be
KINDS = ("sdc", "uecc", "sefi")
_GRID = 720   # samples of argument of latitude and of longitude for a node's mean factor


def geomagnetic_latitude_deg(lat_deg, lon_deg):
    """Centred-dipole geomagnetic latitude [deg] of geographic points (spherical trigonometry)."""
    phi, lam = np.radians(lat_deg), np.radians(lon_deg)
    p, q = math.radians(DIPOLE_POLE_LAT_DEG), math.radians(DIPOLE_POLE_LON_DEG)
    s = np.sin(phi) * math.sin(p) + np.cos(phi) * math.cos(p) * np.cos(lam - q)
    return np.degrees(np.arcsin(np.clip(s, -1.0, 1.0)))


class Regions:
    """The rate factor m of a point: ``saa`` inside the SAA ellipse, else ``high`` poleward of the
    geomagnetic latitude ``from_deg``, else 1."""

    def __init__(self, saa_ellipse, saa: float, high: float, from_deg: float):
        self.ellipse, self.saa, self.high, self.from_deg = saa_ellipse, saa, high, from_deg
        self.largest = max(saa, high, 1.0)

    def factor(self, lat_deg, lon_deg) -> np.ndarray:
        inside = in_saa(lat_deg, lon_deg, *self.ellipse)
        poleward = np.abs(geomagnetic_latitude_deg(lat_deg, lon_deg)) >= self.from_deg
        return np.where(inside, self.saa, np.where(poleward, self.high, 1.0))

    def orbit_mean(self, inclination_deg: float) -> float:
        """Long-run mean of the factor on a circular orbit (module docstring): latitude
        asin(sin i sin u) at uniform argument of latitude u, longitude uniform."""
        u = (np.arange(_GRID) + 0.5) * (2.0 * math.pi / _GRID)
        lat = np.degrees(np.arcsin(math.sin(math.radians(inclination_deg)) * np.sin(u)))
        lon = (np.arange(_GRID) + 0.5) * (360.0 / _GRID) - 180.0
        return float(self.factor(lat[:, None], lon[None, :]).mean())


def crossing_step(dose0_krad: np.ndarray, rate_krad_per_step: np.ndarray, threshold_krad) -> np.ndarray:
    """The first step boundary k >= 0 at which dose0 + k x rate >= threshold, per satellite
    (int64; ``NEVER`` where the rate is 0 and the threshold is not reached already)."""
    need = np.asarray(threshold_krad, dtype=np.float64) - dose0_krad
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.ceil(need / rate_krad_per_step)
    out = np.where(need <= 0.0, 0.0, np.where(rate_krad_per_step > 0.0, k, np.inf))
    finite = np.isfinite(out) & (out < NEVER / 4)
    steps = np.full(out.shape, NEVER, dtype=np.int64)
    steps[finite] = out[finite].astype(np.int64)
    # ceil of a quotient can land one step early or late by rounding: settle it on the dose itself
    late = (steps > 0) & (steps < NEVER) & (dose0_krad + (steps - 1) * rate_krad_per_step >= threshold_krad)
    steps[late] -= 1
    early = (steps < NEVER) & (dose0_krad + steps * rate_krad_per_step < threshold_krad)
    steps[early] += 1
    return steps


class RadiationModel:
    """Dose, wear-out, single-event effects and the floor of all nodes (module docstring).

    Parameters: ``scenario`` (twin.config.Scenario), ``sats`` (twin.orbits.SatelliteSet),
    ``jobs`` (twin.ops.jobs.JobBook), ``rng`` its own numpy Generator. The fault model it belongs
    to (:class:`twin.ops.faults.FaultModel`) asks it where its events fall and applies them."""

    def __init__(self, scenario, sats, jobs, rng: np.random.Generator):
        cfg, sim = scenario.radiation, scenario.simulation
        self.jobs, self.rng, self.dt_s = jobs, rng, sim.dt_s
        self.n, self.n_accel = len(sats), int(scenario.spacecraft.accelerator.count)
        altitude_km, inclination_deg = orbits_of(sats)
        why = outside_table(altitude_km, inclination_deg)
        if why:
            logger.warning("radiation dose table (500-2,000 km, 30 deg to sun-synchronous): %s", why)
        self.rate_krad_per_year = dose_rate_krad_per_year(altitude_km, inclination_deg, cfg.shielding_mm_al)
        self.rate_krad_per_step = self.rate_krad_per_year * (self.dt_s / DOSE_YEAR_S)
        self.dose0_krad = cfg.initial_dose_krad + self.rate_krad_per_year * (cfg.age_years * SECONDS_PER_YEAR
                                                                            / DOSE_YEAR_S)
        self.degrade_step = self._first_step(crossing_step(self.dose0_krad, self.rate_krad_per_step,
                                                           cfg.degradation_krad))
        self.degraded = np.zeros(self.n, dtype=bool)
        self.degraded_factor = cfg.degraded_rate_factor
        if cfg.hard_failure_krad > 0:
            spread = (np.exp(cfg.hard_failure_log_sigma * np.abs(rng.standard_normal((self.n, self.n_accel)))).min(axis=1)
                      if cfg.hard_failure_log_sigma > 0 else np.ones(self.n))
            self.failure_krad = cfg.hard_failure_krad * spread
            self.wear_step = self._first_step(crossing_step(self.dose0_krad, self.rate_krad_per_step, self.failure_krad))
        else:
            self.failure_krad = np.full(self.n, np.inf)
            self.wear_step = np.full(self.n, NEVER, dtype=np.int64)
        self.worn = np.zeros(self.n, dtype=bool)
        # per node, events per second at the orbit average: the floor, and each single-event kind
        self.floor_per_s = self.n_accel * cfg.floor_interruptions_per_accel_h / SECONDS_PER_HOUR
        rad_per_s = self.rate_krad_per_year * 1000.0 / DOSE_YEAR_S
        per_event = (cfg.sdc_rad_per_event, cfg.uecc_rad_per_event, cfg.sefi_rad_per_event)
        self.kind_per_s = (np.stack([self.n_accel * rad_per_s / r for r in per_event]) if cfg.upsets
                           else np.zeros((3, self.n)))
        faults = scenario.faults
        self.regions = Regions((faults.saa_center_lon_deg, faults.saa_center_lat_deg, faults.saa_semi_axis_lon_deg,
                                faults.saa_semi_axis_lat_deg), cfg.saa_factor, cfg.high_latitude_factor,
                               cfg.high_latitude_deg)
        self.modulated = cfg.upsets and self.regions.largest > 1.0
        means = {}
        if self.modulated:
            for inc in np.unique(np.round(inclination_deg, 2)):
                means[inc] = self.regions.orbit_mean(float(inc))
        self.mean_factor = np.array([means.get(round(i, 2), 1.0) for i in inclination_deg])
        self.corrupting = cfg.sdc_corrupting_fraction
        self.detect_at_checkpoint = cfg.sdc_detection == "checkpoint"
        self.detect_delay_s = cfg.sdc_detection_delay_s
        self.days0 = None                    # set by the fault model (its epoch)
        self.candidate = np.full(self.n, NEVER, dtype=np.int64)
        self.accepted = {}                   # node -> (step, what, inside the SAA) of a candidate taken
        for node in range(self.n):
            self._draw(node, 0)
        self.detections = []                 # heap of (step, sequence, node, job) corruptions to find
        self.sequence = 0
        self.counts = {name: 0 for name in ("interruptions", "floor_rollbacks", "wear_outs", "degraded", "sdc", "sdc_corrupting",
                                            "sdc_found", "uecc", "uecc_rollbacks", "sefi")}

    @staticmethod
    def _first_step(steps: np.ndarray) -> np.ndarray:
        """Crossings at the epoch happen at the first step boundary, where faults can happen."""
        return np.where(steps == 0, 1, steps)

    @property
    def enabled(self) -> bool:
        return True   # the dose row is written at every record; the floor, wear-out and detections need stops

    # ------------------------------------------------------------ rates
    def see_per_s(self, node: int) -> float:
        """Single-event rate of ``node`` at the orbit average [1/s], degradation included."""
        rate = float(self.kind_per_s[:, node].sum())
        return rate * self.degraded_factor if self.degraded[node] else rate

    def candidate_per_s(self, node: int) -> float:
        return self.floor_per_s + self.see_per_s(node) * self.regions.largest / self.mean_factor[node] \
            if self.modulated else self.floor_per_s + self.see_per_s(node)

    def _draw(self, node: int, step: int) -> None:
        """The node's next candidate after boundary ``step`` (NEVER without any rate)."""
        rate = 0.0 if self.worn[node] else self.candidate_per_s(node)
        if rate <= 0.0:
            self.candidate[node] = NEVER
            return
        wait_s = self.rng.exponential(1.0 / rate)
        self.candidate[node] = step + max(1, int(math.ceil(wait_s / self.dt_s - 1e-9)))

    def dose_krad(self, step: int) -> np.ndarray:
        """Dose of every node at boundary ``step`` [krad(Si)]."""
        return self.dose0_krad + self.rate_krad_per_step * step

    # ------------------------------------------------------------ segments
    def next_stop(self, k0: int, k1: int, pos_end_m: np.ndarray | None) -> int:
        """The first boundary in (k0, k1] where a radiation event, wear-out, degradation or
        corruption detection happens, else k1; candidates up to it are decided (module docstring)."""
        due = min(int(first_pending(self.wear_step, self.worn, NEVER)),
                  int(first_pending(self.degrade_step, self.degraded, NEVER)))
        if self.detections:
            due = min(due, self.detections[0][0])
        if self.accepted:
            due = min(due, min(v[0] for v in self.accepted.values()))
        stop = min(k1, due)
        while True:
            first = int(self.candidate.min())
            if first > stop:
                self.due_step = due   # for apply: nothing happens before it
                return stop
            for node in np.flatnonzero(self.candidate == first).tolist():   # node order within a step
                if self.rng.random() * self.candidate_per_s(node) < self.floor_per_s:
                    self._accept(node, first, FLOOR, False)
                    stop = due = first
                    continue
                inside, keep = False, True
                if pos_end_m is not None:
                    era = earth_rotation_angle_rad(self.days0 + first * self.dt_s / SECONDS_PER_DAY)
                    lat, lon = subsatellite_lat_lon_deg(pos_end_m[first - k0 - 1, node], era)
                    inside = bool(in_saa(lat, lon, *self.regions.ellipse))
                    if self.modulated:
                        keep = self.rng.random() * self.regions.largest < float(self.regions.factor(lat, lon))
                if keep:
                    self._accept(node, first, SEE, inside)
                    stop = due = first
                else:
                    self._draw(node, first)

    def _accept(self, node: int, step: int, what: int, inside: bool) -> None:
        """A candidate taken: the node draws its next one when the event is applied."""
        self.accepted[node] = (step, what, inside)
        self.candidate[node] = NEVER

    def apply(self, step: int, faults: FaultModel, events: list, down: list) -> None:
        """Radiation events at boundary ``step``, after the fault model's own: wear-outs,
        degradations, then accepted candidates and corruption detections, nodes in index order."""
        for node in np.flatnonzero((self.wear_step == step) & ~self.worn).tolist():
            self.worn[node] = True
            self.counts["wear_outs"] += 1
            self.candidate[node] = NEVER
            self.accepted.pop(node, None)
            events.append((node, L.EVENT_WEAR_OUT, float(self.dose_krad(step)[node])))
            faults._take_down(node, step, NEVER - step, down)
        for node in np.flatnonzero((self.degrade_step == step) & ~self.degraded).tolist():
            self.degraded[node] = True
            self.counts["degraded"] += 1
            events.append((node, L.EVENT_DEGRADED, float(self.dose_krad(step)[node])))
            if not self.worn[node] and node not in self.accepted:   # a new rate: draw anew
                self._draw(node, step)
        for node in sorted(n for n, v in self.accepted.items() if v[0] == step):
            _, what, inside = self.accepted.pop(node)
            self._draw(node, step)
            if faults.down_until[node] >= 0:     # down over the step: no event (module docstring)
                continue
            if what == FLOOR:
                self.counts["interruptions"] += 1
                job = self.jobs.job_on(node, self.rng.random() * self.n_accel)
                if job is not None:
                    self.counts["floor_rollbacks"] += 1
                    self.jobs.roll_back_to(job, job.checkpoint_work_accel_s, step * self.dt_s, node)
                events.append((node, L.EVENT_INTERRUPTION, float(job.spec.job_id) if job is not None else -1.0))
            else:
                self._single_event(node, step, inside, faults, events, down)
        while self.detections and self.detections[0][0] == step:
            _, _, node, job = heapq.heappop(self.detections)
            if self.jobs.roll_back_to(job, job.sdc_good_accel_s, step * self.dt_s, node):
                self.counts["sdc_found"] += 1
                events.append((node, L.EVENT_SDC, float(job.spec.job_id)))

    def _single_event(self, node: int, step: int, inside: bool, faults: FaultModel, events: list,
                      down: list) -> None:
        """A single-event effect on ``node``: its kind drawn by the kinds' rates (module docstring)."""
        rates = self.kind_per_s[:, node]
        kind = KINDS[min(int(np.searchsorted(np.cumsum(rates), self.rng.random() * rates.sum(), side="right")), 2)]
        if kind == "sefi":
            self.counts["sefi"] += 1
            faults.counts["upsets"] += 1
            faults.counts["upsets_in_saa"] += int(inside)
            events.append((node, L.EVENT_UPSET, float(inside)))
            faults._take_down(node, step, faults.reboot_steps, down)
            return
        job = self.jobs.job_on(node, self.rng.random() * self.n_accel)
        now_s = step * self.dt_s
        if kind == "uecc":
            self.counts["uecc"] += 1
            if job is not None:
                self.counts["uecc_rollbacks"] += 1
                self.jobs.roll_back_to(job, job.checkpoint_work_accel_s, now_s, node)
            events.append((node, L.EVENT_MEMORY_ERROR, float(job.spec.job_id) if job is not None else -1.0))
            return
        self.counts["sdc"] += 1
        if job is None or self.rng.random() >= self.corrupting:
            return
        self.counts["sdc_corrupting"] += 1
        if math.isnan(job.sdc_good_accel_s):
            job.sdc_good_accel_s = job.checkpoint_work_accel_s
        if self.detect_at_checkpoint:
            due_s = job.spec.checkpoint_interval_s - job.since_checkpoint_s
        else:
            due_s = self.detect_delay_s
        if math.isfinite(due_s) and due_s / self.dt_s < NEVER / 4:   # else it is never found
            at = step + max(1, int(math.ceil(max(due_s, 0.0) / self.dt_s - 1e-9)))
            heapq.heappush(self.detections, (at, self.sequence, node, job))
            self.sequence += 1

    def metrics(self, step: int) -> dict:
        """Radiation totals for ``/summary`` at ``step``."""
        c = self.counts
        dose = self.dose_krad(step)
        return {
            "floor_interruptions": c["interruptions"], "floor_rollbacks": c["floor_rollbacks"],
            "node_wear_outs": c["wear_outs"],
            "nodes_degraded": c["degraded"], "see_sdc": c["sdc"], "see_sdc_corrupting": c["sdc_corrupting"],
            "see_sdc_found": c["sdc_found"], "see_uecc": c["uecc"], "see_uecc_rollbacks": c["uecc_rollbacks"],
            "see_sefi": c["sefi"],
            "dose_rate_krad_per_year_mean": float(self.rate_krad_per_year.mean()) if self.n else 0.0,
            "dose_end_krad_mean": float(dose.mean()) if self.n else 0.0,
            "dose_end_krad_max": float(dose.max()) if self.n else 0.0,
        }


def fault_model(scenario, sats, jobs, seeds) -> FaultModel:
    """The run's fault model with its radiation model: ``seeds`` the run's SeedSequence children
    (1: failures, 2: upsets, 3: radiation; child 0 is the workload's)."""
    sim = scenario.simulation
    radiation = RadiationModel(scenario, sats, jobs, np.random.default_rng(seeds[3]))
    return FaultModel(scenario.faults, len(sats), sim.dt_s, sim.epoch_utc, np.random.default_rng(seeds[1]),
                      np.random.default_rng(seeds[2]), radiation)
