"""Node faults: random failures, radiation upsets (more inside the South Atlantic Anomaly) and
scripted outages (docs/design.md §4, "Faults").

Every fault takes a node down for a while; the job book rolls back the jobs on it to their last
checkpoint (:meth:`twin.ops.jobs.JobBook.fail_nodes`). Faults happen at step boundaries only: the
engine asks :meth:`FaultModel.next_stop` where the next one falls inside the segment it is about
to run, runs the physics up to there and then calls :meth:`FaultModel.apply`. So the outcome
never depends on SimPy's ordering of equal-time events, and everything here is plain numpy state
and ``numpy.random.Generator`` objects: picklable, so a checkpoint holds it and a resumed run
draws the same faults.

Random failures: per node, exponential times between failures (mean ``mtbf_h``, counted while
the node is up), then a repair time (exponential or fixed, mean ``mean_repair_h``).

Radiation upsets (single-event functional interrupts: the node reboots for ``upset_reboot_s``):
an inhomogeneous Poisson process per node with rate ``saa_upset_rate_per_day`` inside the SAA
and ``upset_rate_per_day`` outside. It is drawn by accumulating the hazard ∫λ(t)dt step by step
against an Exp(1) threshold; an upset happens at the end of the step where the hazard crosses it
(Çinlar, *Introduction to Stochastic Processes*, 1975, §4.7: time change of a Poisson process).

SAA membership is a simple region model: an ellipse in geographic longitude and latitude of the
sub-satellite point, by default centred at (45° W, 25° S) with half-axes 40° × 20°, roughly the
AP-8 trapped-proton contour (E > 10 MeV) at 400–600 km (SPENVIS AP-8 MIN maps; the centre drifts
west by ~0.3°/year: Heirtzler, J. R., "The future of the South Atlantic anomaly and implications
for radiation damage in space", J. Atmos. Sol.-Terr. Phys. 64, 1701–1708, 2002). The region is a
LEO model; it does not grow or shrink with altitude.
"""
from __future__ import annotations

import math
from datetime import datetime

import numpy as np

from twin.constants import J2000_JD, SECONDS_PER_DAY, SECONDS_PER_HOUR, UNIX_EPOCH_JD
from twin.errors import InputError
from twin.kernels import layout as L
from twin.kernels.due import next_fault_step

NEVER = np.iinfo(np.int64).max


# ---------------------------------------------------------------- geography
def earth_rotation_angle_rad(days_since_j2000):
    """Earth rotation angle θ(UT1) [rad], IERS Conventions (2010) eq. (5.15):
    θ = 2π (0.7790572732640 + 1.00273781191135448 Du), Du = JD(UT1) − 2451545.0.

    UTC is used for UT1 (|UT1 − UTC| < 0.9 s: under 0.004° of longitude)."""
    du = np.asarray(days_since_j2000, dtype=np.float64)
    turns = 0.7790572732640 + 0.00273781191135448 * du + np.mod(du, 1.0)
    return 2.0 * math.pi * np.mod(turns, 1.0)


def subsatellite_lat_lon_deg(pos_gcrs_m: np.ndarray, era_rad) -> tuple[np.ndarray, np.ndarray]:
    """Geocentric latitude and longitude [deg] of the points below GCRS positions (..., 3) [m].

    GCRS to Earth-fixed by the Earth rotation angle alone (``era_rad`` broadcast against the
    leading axes): precession-nutation since J2000 (~0.4° by 2026) and polar motion are left
    out, far below the size of any SAA model."""
    x, y, z = pos_gcrs_m[..., 0], pos_gcrs_m[..., 1], pos_gcrs_m[..., 2]
    lat = np.degrees(np.arctan2(z, np.hypot(x, y)))
    lon = np.degrees(np.arctan2(y, x) - era_rad)
    return lat, (lon + 180.0) % 360.0 - 180.0


def in_saa(lat_deg, lon_deg, center_lon_deg=-45.0, center_lat_deg=-25.0,
           semi_axis_lon_deg=40.0, semi_axis_lat_deg=20.0) -> np.ndarray:
    """Whether points lie inside the SAA ellipse (see the module docstring)."""
    dlon = (np.asarray(lon_deg) - center_lon_deg + 180.0) % 360.0 - 180.0
    dlat = np.asarray(lat_deg) - center_lat_deg
    return (dlon / semi_axis_lon_deg) ** 2 + (dlat / semi_axis_lat_deg) ** 2 <= 1.0


def _days_since_j2000(epoch_utc: datetime) -> float:
    return UNIX_EPOCH_JD + epoch_utc.timestamp() / SECONDS_PER_DAY - J2000_JD


# ---------------------------------------------------------------- the model
class FaultModel:
    """Fault state of all nodes; see the module docstring.

    Parameters
    ----------
    cfg : twin.config.Faults
    n_nodes : int; dt_s : physics step [s]; epoch_utc : datetime (UTC)
    rng_failures, rng_upsets : numpy.random.Generator — one stream each, from the run's seed
    radiation : twin.ops.radiation.RadiationModel or None — its events are applied after these
    """

    def __init__(self, cfg, n_nodes: int, dt_s: float, epoch_utc: datetime,
                 rng_failures: np.random.Generator, rng_upsets: np.random.Generator, radiation=None):
        self.n, self.dt_s = n_nodes, dt_s
        self.radiation = radiation
        self.rng_failures, self.rng_upsets = rng_failures, rng_upsets
        self.mtbf_s = cfg.mtbf_h * SECONDS_PER_HOUR if cfg.mtbf_h else None
        self.repair_s, self.repair_fixed = cfg.mean_repair_h * SECONDS_PER_HOUR, cfg.repair_distribution == "fixed"
        self.rate_out_per_s = cfg.upset_rate_per_day / SECONDS_PER_DAY
        self.rate_saa_per_s = cfg.saa_upset_rate_per_day / SECONDS_PER_DAY
        self.upsets_on = self.rate_out_per_s > 0 or self.rate_saa_per_s > 0
        self.reboot_steps = self._steps(cfg.upset_reboot_s)
        self.saa = (cfg.saa_center_lon_deg, cfg.saa_center_lat_deg,
                    cfg.saa_semi_axis_lon_deg, cfg.saa_semi_axis_lat_deg)
        self.days0 = _days_since_j2000(epoch_utc)
        if radiation is not None:
            radiation.days0 = self.days0
        self.down_until = np.full(n_nodes, -1, dtype=np.int64)   # step it comes back; -1 = up
        self.down_since = np.zeros(n_nodes, dtype=np.int64)
        self.next_failure = np.full(n_nodes, NEVER, dtype=np.int64)
        for node in range(n_nodes):
            self.next_failure[node] = self._draw_failure(0)
        self.hazard = np.zeros(n_nodes)
        self.threshold = rng_upsets.exponential(1.0, n_nodes) if self.upsets_on else np.full(n_nodes, np.inf)
        outages = []
        for o in cfg.outages:
            bad = [s for s in o.sats if s >= n_nodes]
            if bad:
                raise InputError(f"faults.outages: satellite {bad[0]} does not exist "
                                 f"(the constellation has {n_nodes}, indices 0..{n_nodes - 1})")
            start = max(1, int(round(o.start_s / dt_s)))
            outages += [(start, sat, self._steps(o.duration_s)) for sat in sorted(set(o.sats))]
        self.outages = sorted(outages)
        self.next_outage = 0
        self.pending_upsets = np.zeros(0, dtype=np.int64)
        self.pending_upset_step = -1
        self.pending_in_saa = np.zeros(0, dtype=bool)
        self.counts = {"failures": 0, "upsets": 0, "upsets_in_saa": 0, "outages": 0, "recoveries": 0}
        self.down_steps = 0          # node-steps spent down, of finished downtimes
        self.saa_steps = 0           # node-steps inside the SAA (only counted with upsets on)
        self.scanned_steps = 0

    def _steps(self, seconds: float) -> int:
        return max(1, int(math.ceil(seconds / self.dt_s - 1e-9)))

    def _draw_failure(self, step: int) -> int:
        if self.mtbf_s is None:
            return NEVER
        return step + self._steps(self.rng_failures.exponential(self.mtbf_s))

    def _draw_repair_steps(self) -> int:
        return self._steps(self.repair_s if self.repair_fixed else self.rng_failures.exponential(self.repair_s))

    @property
    def enabled(self) -> bool:
        return (self.mtbf_s is not None or self.upsets_on or bool(self.outages)
                or (self.radiation is not None and self.radiation.enabled))

    # ------------------------------------------------------------ segments
    def in_saa(self, k0: int, pos_end_m: np.ndarray) -> np.ndarray:
        """(K, N) SAA membership at the ends of steps k0..k0+K-1 from their positions (K, N, 3)."""
        t_days = self.days0 + (k0 + 1 + np.arange(pos_end_m.shape[0])) * self.dt_s / SECONDS_PER_DAY
        lat, lon = subsatellite_lat_lon_deg(pos_end_m, earth_rotation_angle_rad(t_days)[:, None])
        return in_saa(lat, lon, *self.saa)

    def next_stop(self, k0: int, k1: int, pos_end_m: np.ndarray | None) -> int:
        """The first step boundary in (k0, k1] where a fault or recovery happens, else k1.

        ``pos_end_m`` (k1 - k0, N, 3) are the GCRS positions at the ends of the steps [m] (only
        read when upsets are on). The upset hazard of the steps up to the returned boundary is
        committed here: the caller must run the physics exactly up to it, then call :meth:`apply`.
        """
        if not self.enabled:
            return k1
        due = int(next_fault_step(self.down_until, self.next_failure, NEVER))
        if self.next_outage < len(self.outages):
            due = min(due, self.outages[self.next_outage][0])
        stop = min(k1, due)
        if self.radiation is not None:   # before the upsets, which commit their hazard up to the stop
            stop = self.radiation.next_stop(k0, stop, pos_end_m)
            due = min(due, self.radiation.due_step)
        if self.upsets_on and stop > k0:
            up = self.down_until < 0
            saa = self.in_saa(k0, pos_end_m[:stop - k0])
            rate = np.where(saa, self.rate_saa_per_s, self.rate_out_per_s) * up
            # sequential sums (add.accumulate), so that the crossing does not depend on how the
            # run was cut into segments
            cum = np.add.accumulate(np.vstack([self.hazard, rate * self.dt_s]), axis=0)[1:]
            crossed = cum >= self.threshold
            rows = np.flatnonzero(crossed.any(axis=1))
            if len(rows):
                r = int(rows[0])
                stop = k0 + r + 1
                self.pending_upsets = np.flatnonzero(crossed[r])
                self.pending_in_saa = saa[r, self.pending_upsets]
                self.pending_upset_step = stop
            self.hazard = cum[stop - k0 - 1].copy()
            self.saa_steps += int(saa[:stop - k0].sum())
            self.scanned_steps += (stop - k0) * self.n
        if self.pending_upset_step >= 0:
            due = min(due, self.pending_upset_step)
        self.due_step = due
        return stop

    def apply(self, step: int) -> tuple[list, list, list]:
        """Faults and recoveries at boundary ``step``, in a fixed order: recoveries, scripted
        outages, random failures, upsets; nodes in index order within each.

        Returns ``(events, down, up)``: events ``(sat, kind, value)`` for /events, nodes that
        went down and nodes back in service.
        """
        events, down, up = [], [], []
        if step < getattr(self, "due_step", step):   # nothing falls before next_stop's earliest event
            return events, down, up
        for node in np.flatnonzero(self.down_until == step):
            self.down_until[node] = -1
            self.down_steps += step - self.down_since[node]
            self.counts["recoveries"] += 1
            self.next_failure[node] = self._draw_failure(step)
            events.append((int(node), L.EVENT_RECOVERY, (step - self.down_since[node]) * self.dt_s))
            up.append(int(node))
        while self.next_outage < len(self.outages) and self.outages[self.next_outage][0] == step:
            _, node, length = self.outages[self.next_outage]
            self.next_outage += 1
            self.counts["outages"] += 1
            events.append((node, L.EVENT_OUTAGE, length * self.dt_s))
            self._take_down(node, step, length, down)
        for node in np.flatnonzero((self.next_failure == step) & (self.down_until < 0)):
            length = self._draw_repair_steps()
            self.counts["failures"] += 1
            events.append((int(node), L.EVENT_FAULT, length * self.dt_s))
            self._take_down(int(node), step, length, down)
        if self.pending_upset_step == step:
            for node, saa in zip(self.pending_upsets, self.pending_in_saa):
                node = int(node)
                self.hazard[node] = 0.0
                self.threshold[node] = self.rng_upsets.exponential(1.0)
                if self.down_until[node] >= 0:
                    continue
                self.counts["upsets"] += 1
                self.counts["upsets_in_saa"] += int(saa)
                events.append((node, L.EVENT_UPSET, float(saa)))
                self._take_down(node, step, self.reboot_steps, down)
            self.pending_upset_step = -1
        if self.radiation is not None:
            self.radiation.apply(step, self, events, down)
        return events, down, up

    def _take_down(self, node: int, step: int, length: int, down: list) -> None:
        if self.down_until[node] >= 0:      # already down: the longer outage wins
            self.down_until[node] = max(self.down_until[node], step + length)
            return
        self.down_until[node] = step + length
        self.down_since[node] = step
        self.next_failure[node] = NEVER
        down.append(node)

    def metrics(self, step: int) -> dict:
        """Fault totals for ``/summary`` at ``step``."""
        ongoing = np.where(self.down_until >= 0, step - self.down_since, 0).sum()
        out = {
            "node_failures": self.counts["failures"], "node_upsets": self.counts["upsets"],
            "node_upsets_in_saa": self.counts["upsets_in_saa"], "node_outages": self.counts["outages"],
            "node_hours_down": float((self.down_steps + ongoing) * self.dt_s / SECONDS_PER_HOUR),
        }
        if self.scanned_steps:   # SAA membership is only computed when upsets are on
            out["saa_time_fraction"] = self.saa_steps / self.scanned_steps
        if self.radiation is not None:
            out.update(self.radiation.metrics(step))
        return out
