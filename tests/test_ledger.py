"""The accelerator ledger: every installed accelerator-second falls to exactly one cause, the causes
close to the installed accelerator-hours, and each cause is real (a controlled scenario makes it
appear, or not, as physics and queueing theory say it must)."""
import math
import tempfile
from pathlib import Path

import h5py
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import small_config
from twin.config import load_config
from twin.engine.simulation import run
from twin.kernels.layout import LEDGER_CAUSES
from twin.output.ledger import key_of, ledger_line, limiting_factor

CLOSURE_REL = 1e-9   # the bound; float64 sums of ~1e5 terms close to ~1e-15
SSO_NO_ECLIPSE = {"kind": "sso", "altitude_km": 650, "ltan_h": 18.0, "planes": 1, "sats_per_plane": 8}


def run_cfg(cfg: dict, folder: Path, name: str = "run") -> tuple[dict, Path]:
    import yaml

    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = folder / f"{name}.h5"
    summary = run(load_config(path), out, log=lambda message: None)
    return summary, out


def stopped_and_resumed(cfg: dict, folder: Path, monkeypatch, stop_step: int = 600) -> Path:
    """Run ``cfg`` whole (``whole.h5``, returned), then again stopped at the first record after
    step ``stop_step`` (with a checkpoint) and resumed (``parts.h5``), for the bit-identity tests."""
    from twin.engine.simulation import Simulation, resume

    _, whole = run_cfg(cfg, folder, "whole")
    tick = Simulation.tick

    def stop_midway(self, step):
        if step == stop_step:
            self.stop_requested = True
        tick(self, step)

    monkeypatch.setattr(Simulation, "tick", stop_midway)
    assert run_cfg(cfg, folder, "parts")[0] is None
    monkeypatch.setattr(Simulation, "tick", tick)
    resume(folder / "parts.h5", log=lambda message: None)
    return whole


def closes(summary: dict, out: Path, n_accel: int) -> None:
    """The causes add up to the installed accelerator-seconds per satellite (/ledger_total), per
    record for the constellation (/ledger) and over the run (/summary)."""
    with h5py.File(out, "r") as f:
        per_sat = f["ledger_total"][...].sum(axis=1)
        per_record = f["ledger"][...].sum(axis=1)
        n_sats = f["sat"].shape[0]
        # /ledger integrated over time is /summary's, cause by cause
        interval = np.diff(np.concatenate([[0.0], f["time"][...]]))
        by_cause_h = (f["ledger"][...] * interval[:, None]).sum(axis=0) / 3600.0
    expected = n_accel * summary["simulated_s"]
    assert np.all(np.abs(per_sat - expected) <= CLOSURE_REL * expected), (per_sat, expected)
    assert np.all(np.abs(per_record - n_accel * n_sats) <= CLOSURE_REL * n_accel * n_sats), per_record
    for c, cause in enumerate(LEDGER_CAUSES):
        assert abs(by_cause_h[c] - summary[key_of(cause)]) <= CLOSURE_REL * summary["capacity_accel_h"], cause
    total = sum(summary[key_of(c)] for c in LEDGER_CAUSES)
    assert abs(total - summary["capacity_accel_h"]) <= CLOSURE_REL * summary["capacity_accel_h"]
    assert summary["ledger_closure_rel_error"] <= CLOSURE_REL
    # delivered is the job book's work kept (progress - rollbacks), counted in another place
    assert math.isclose(summary["delivered_accel_h"], summary["work_delivered_accel_h"],
                        rel_tol=CLOSURE_REL, abs_tol=1e-9)


def share(summary: dict, cause: str) -> float:
    return summary[key_of(cause)] / summary["capacity_accel_h"]


def saturating_trace(folder: Path, n_jobs: int, accelerators: int) -> dict:
    """A trace of ``n_jobs`` jobs at t = 0 of ``accelerators`` each that outlast the run: every
    accelerator busy from the first dispatch on, and, with free checkpoints, computing whenever its
    node lets it (held time goes to delivered, power or heat alone)."""
    csv = folder / "saturate.csv"
    csv.write_text("submit,duration,gpus\n" + "".join(f"0,10000000,{accelerators}\n" for _ in range(n_jobs)))
    return {"kind": "trace", "mapping": {"file": str(csv), "submit_column": "submit",
                                         "duration_column": "duration", "accelerators_column": "gpus"},
            "checkpoint": {"size_gb": 0.0}}


def saturated(folder: Path, **overrides) -> dict:
    cfg = small_config(**{"simulation.dt_s": 30, "simulation.duration_s": 6 * 3600, **overrides})
    cfg["workload"] = saturating_trace(folder, 8, 4)   # 8 satellites x 4 accelerators
    return cfg


# ---------------------------------------------------------------------- closure
def test_ledger_closes_on_every_shipped_kind_of_run(tmp_path):
    """Gangs across satellites, faults with rollbacks, preemption and migration all close."""
    cases = {
        "gangs_and_faults": small_config(**{"workload.accelerators": [4, 8, 16], "workload.arrival_rate_per_h": 30,
                                            "faults.mtbf_h": 3.0, "faults.mean_repair_h": 0.5}),
        "preemption": small_config(**{"scheduler.policy": "priority", "scheduler.preempt": True,
                                      "workload.priorities": [0, 1, 2], "workload.arrival_rate_per_h": 40}),
        "migration": small_config(**{"scheduler.policy": "follow_the_sun", "simulation.duration_s": 4 * 3600}),
    }
    for name, cfg in cases.items():
        summary, out = run_cfg(cfg, tmp_path, name)
        closes(summary, out, 4)
    assert summary["migrations"] > 0 and summary["lost_overhead_accel_h"] > 0   # a stall is overhead


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=st.sampled_from(["fifo", "priority", "power_aware", "thermal_aware", "follow_the_sun"]),
       capacity_wh=st.sampled_from([300.0, 2000.0, 8000.0]), radiator_m2=st.sampled_from([0.5, 4.0]),
       rate_per_h=st.sampled_from([0.0, 5.0, 40.0]), mtbf_h=st.sampled_from([None, 2.0]),
       seed=st.integers(0, 1000))
def test_ledger_closes_on_random_scenarios(policy, capacity_wh, radiator_m2, rate_per_h, mtbf_h, seed):
    cfg = small_config(**{"simulation.duration_s": 3 * 3600, "simulation.dt_s": 30, "simulation.seed": seed,
                          "scheduler.policy": policy, "scheduler.preempt": policy == "priority",
                          "workload.priorities": [0, 1], "workload.accelerators": [1, 2, 4, 8],
                          "workload.arrival_rate_per_h": rate_per_h, "faults.mtbf_h": mtbf_h,
                          "faults.mean_repair_h": 0.5, "spacecraft.battery.capacity_wh": capacity_wh,
                          "spacecraft.radiator.area_m2": radiator_m2})
    with tempfile.TemporaryDirectory() as folder:
        summary, out = run_cfg(cfg, Path(folder))
        closes(summary, out, 4)
        for cause in LEDGER_CAUSES[1:]:   # losses never go negative (delivered may, in a record)
            assert summary[key_of(cause)] >= -1e-9 * summary["capacity_accel_h"], cause


# ---------------------------------------------------------------------- each cause is real
def test_no_jobs_is_all_no_demand(tmp_path):
    summary, out = run_cfg(small_config(**{"workload.arrival_rate_per_h": 0}), tmp_path)
    closes(summary, out, 4)
    assert share(summary, "no_demand") == 1.0
    assert summary["limiting_factor"] == "none"
    assert "limited by nothing but demand" in ledger_line(summary)


def test_full_sun_ample_power_and_radiator_lose_nothing_to_power_or_heat(tmp_path):
    """A dawn-dusk orbit outside its eclipse season (January), a battery and array far above the
    load and a large radiator, every accelerator busy: nothing is lost to power or heat; what is not
    delivered is the wait for the first scheduler epoch (scheduling)."""
    cfg = saturated(tmp_path, **{"simulation.epoch_utc": "2026-01-10T00:00:00Z",
                                 "spacecraft.battery.capacity_wh": 50_000, "spacecraft.solar_array.area_m2": 60,
                                 "spacecraft.radiator.area_m2": 12})
    cfg["constellation"] = [SSO_NO_ECLIPSE]
    summary, out = run_cfg(cfg, tmp_path)
    closes(summary, out, 4)
    assert summary["sunlit_fraction_mean"] == 1.0
    assert summary["lost_power_accel_h"] == 0.0 and summary["lost_heat_accel_h"] == 0.0
    assert share(summary, "delivered") > 0.99


def test_tiny_battery_in_eclipse_loses_to_power_what_the_modes_shed(tmp_path):
    """Every accelerator busy on an eclipsing shell with a battery far too small for the dark: the
    accelerators lose to power exactly what the node's served throttle did not give them, and at
    least the node-time the power manager spent with compute shed (idle or safe)."""
    cfg = saturated(tmp_path, **{"spacecraft.battery.capacity_wh": 400, "spacecraft.radiator.area_m2": 12})
    summary, out = run_cfg(cfg, tmp_path)
    closes(summary, out, 4)
    assert summary["lost_heat_accel_h"] == 0.0
    with h5py.File(out, "r") as f:
        t = f["time"][...]
        interval = np.diff(np.concatenate([[0.0], t]))
        unheld = f["ledger"][:, LEDGER_CAUSES.index("scheduling")] + f["ledger"][:, LEDGER_CAUSES.index("no_demand")]
        throttle = f["throttle"][...].astype(np.float64)
        power_per_record = f["ledger"][:, LEDGER_CAUSES.index("power")] * interval / 3600.0
    # in the records where every accelerator was held, power took 1 - the served throttle of each
    # (float32 throttle: 1e-5)
    held = unheld < 1e-9
    assert held.sum() >= len(held) - 2   # only the wait for the first dispatch is not held
    expected_h = (4 * (1.0 - throttle) * interval[:, None])[held].sum() / 3600.0
    assert math.isclose(power_per_record[held].sum(), expected_h, rel_tol=1e-5)
    power_h = summary["lost_power_accel_h"]
    assert power_h > 0.0
    # node-time with compute shed: while the jobs held the accelerators it is power's; before the
    # first dispatch placed them (the jobs waited: scheduling) it cost nothing
    shed_h = 4 * (summary["node_hours_idle"] + summary["node_hours_safe"])
    assert shed_h > 0 and shed_h <= power_h + summary["lost_scheduling_accel_h"] + 1e-9
    assert power_h <= shed_h + 4 * summary["node_hours_throttled"] + 1e-9
    assert summary["limiting_factor"] == "power"


def test_small_radiator_loses_to_heat_and_a_large_one_does_not(tmp_path):
    """In full sun with ample power: a radiator too small for a full load throttles (heat > 0, and
    at most the accelerators' time in throttled or shutdown modes); a large one loses nothing."""
    losses = {}
    for area in (0.6, 12.0):
        cfg = saturated(tmp_path, **{"simulation.epoch_utc": "2026-01-10T00:00:00Z",
                                     "spacecraft.battery.capacity_wh": 50_000, "spacecraft.solar_array.area_m2": 60,
                                     "spacecraft.radiator.area_m2": area})
        cfg["constellation"] = [SSO_NO_ECLIPSE]
        summary, out = run_cfg(cfg, tmp_path, f"radiator_{area}")
        closes(summary, out, 4)
        losses[area] = summary
    small, large = losses[0.6], losses[12.0]
    assert small["lost_heat_accel_h"] > 0.0 and small["limiting_factor"] == "heat"
    assert small["lost_heat_accel_h"] <= 4 * (small["node_hours_throttled"] + small["node_hours_thermal_shutdown"]) + 1e-9
    assert large["lost_heat_accel_h"] == 0.0


def test_faults_share_is_mttr_over_mtbf_plus_mttr(tmp_path):
    """No jobs, exponential failures (MTBF 24 h while up) and repairs (MTTR 6 h) on 64 satellites
    for 10 days: the faults share is the two-state Markov chain's mean unavailability from an up
    start, p (1 - (1 - e^-(l+m)T) / ((l+m) T)), p = MTTR / (MTBF + MTTR) = 0.2 (0.196 here). Its
    standard deviation over 64 independent nodes is ~0.01 (alternating renewal, exponential
    periods: var = 2 MTBF^2 MTTR^2 / ((MTBF + MTTR)^3 T) per node), so 0.04 is four of them."""
    cfg = small_config(**{"simulation.duration_s": 10 * 86400, "simulation.dt_s": 60, "simulation.record_every_s": 3600,
                          "workload.arrival_rate_per_h": 0, "faults.mtbf_h": 24.0, "faults.mean_repair_h": 6.0})
    cfg["constellation"][0].update(planes=8, sats_per_plane=8)
    summary, out = run_cfg(cfg, tmp_path)
    closes(summary, out, 4)
    lam, mu, t_h = 1 / 24.0, 1 / 6.0, 240.0
    expected = lam / (lam + mu) * (1 - (1 - math.exp(-(lam + mu) * t_h)) / ((lam + mu) * t_h))
    assert abs(share(summary, "faults") - expected) < 0.04
    # the fault model's own count of down time, in accelerator-hours
    assert math.isclose(summary["lost_faults_accel_h"], 4 * summary["node_hours_down"], rel_tol=1e-9)
    assert summary["limiting_factor"] == "faults"


def test_mmc_load_delivers_rho_of_capacity(tmp_path):
    """M/M/c at rho = 0.5 (Poisson arrivals, exponential work, one accelerator a job, 32
    accelerators, power and heat ample): work is conserved, so delivered / capacity = rho. Over
    5 days ~2,700 jobs arrive; the delivered work's relative standard deviation is
    sqrt(2 / jobs) = 2.7 %, i.e. 0.014 of capacity: 0.055 is four of them."""
    mean_h = 0.5   # with work_distribution: exponential, median_runtime_h is the mean (twin.ops.workload)
    rho, accelerators = 0.5, 32
    cfg = small_config(**{"simulation.duration_s": 5 * 86400, "simulation.dt_s": 60, "simulation.record_every_s": 3600,
                          "simulation.epoch_utc": "2026-01-10T00:00:00Z", "workload.work_distribution": "exponential",
                          "workload.median_runtime_h": mean_h, "workload.accelerators": [1],
                          "workload.arrival_rate_per_h": rho * accelerators / mean_h,
                          "spacecraft.battery.capacity_wh": 50_000, "spacecraft.solar_array.area_m2": 60,
                          "spacecraft.radiator.area_m2": 12})
    cfg["constellation"] = [SSO_NO_ECLIPSE]
    summary, out = run_cfg(cfg, tmp_path)
    closes(summary, out, 4)
    assert abs(share(summary, "delivered") - rho) < 0.055
    assert summary["lost_power_accel_h"] == 0.0 and summary["lost_heat_accel_h"] == 0.0


# ---------------------------------------------------------------------- the answer
def test_limiting_factor_is_the_largest_loss_but_demand():
    base = {"capacity_accel_h": 100.0, "delivered_accel_h": 40.0, **{key_of(c): 0.0 for c in LEDGER_CAUSES[1:]}}
    assert limiting_factor({**base, "lost_no_demand_accel_h": 60.0}) == "none"
    assert limiting_factor({**base, "lost_no_demand_accel_h": 50.0, "lost_heat_accel_h": 4.0,
                            "lost_power_accel_h": 6.0}) == "power"
    line = ledger_line({**base, "lost_power_accel_h": 16.2, "lost_scheduling_accel_h": 9.1,
                        "lost_no_demand_accel_h": 34.7, "limiting_factor": "power"})
    assert line.startswith("delivered 40.0 % of 100 accelerator-hours; lost: power 16.2 %, heat 0.0 %")
    assert line.endswith("— limited by power") and "scheduling 9.1 %" in line
    assert ledger_line({"n_satellites": 3}) is None   # a schema-1 summary has no ledger
