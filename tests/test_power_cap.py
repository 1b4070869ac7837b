"""Power caps (twin/config/power_cap.py, twin/ops/power_cap.py): a capped node progresses and draws
as its curve says, what the cap takes goes to the ledger's power cause, bad curves are one line
and exit 2, the power_cap policy rides eclipses that fifo sheds in, and runs with caps are
deterministic and resume bit for bit."""
import math
import subprocess
import sys

import h5py
import numpy as np
import pytest
import yaml

from conftest import REPO, small_config, stored
from test_ledger import SSO_NO_ECLIPSE, closes, run_cfg, saturating_trace, stopped_and_resumed
from twin.config import load_config
from twin.config.power_cap import H100_POWER_CURVE, throughput_at
from twin.constants import J_PER_WH
from twin.kernels import layout as L
from twin.kernels.jobs import advance_jobs
from twin.ops.power_cap import PowerCap, dynamic_w
from twin.ops.policy_choice import make_policy
from twin.ops.scheduling import NodeView
from twin.output.reader import state_names

N_SATS, N_ACCEL = 8, 4
EPOCH_S = 60.0   # the saturating jobs, submitted at t = 0, start at the first epoch after it
CURVE = [[0.3, 0.5], [0.7, 0.9], [1.0, 1.0]]   # a configured curve with a point inside


def full_sun(folder, **overrides) -> dict:
    """Every accelerator busy from the first epoch on, in a dawn-dusk orbit that never eclipses,
    with an array and a radiator so large that neither power nor heat ever throttles: a busy
    accelerator progresses at exactly what its cap leaves it."""
    cfg = small_config(**{"simulation.dt_s": 30, "simulation.duration_s": 4 * 3600,
                          "spacecraft.solar_array.area_m2": 60, "spacecraft.radiator.area_m2": 20,
                          "spacecraft.thermal.heater_max_w": 0.0, **overrides})
    cfg["constellation"] = [SSO_NO_ECLIPSE]
    cfg["workload"] = saturating_trace(folder, N_SATS, N_ACCEL)
    return cfg


@pytest.mark.parametrize("cap, curve, throughput", [
    (1.0, None, 1.0),
    (0.6, None, 0.9363),               # the default curve's measured point (McDonald et al. 2022)
    (0.8, None, 0.5 * (0.9363 + 1.0)),  # half-way between its two points: linear
    (0.5, CURVE, 0.7),                 # half-way between 0.3 -> 0.5 and 0.7 -> 0.9
    (0.3, CURVE, 0.5),                 # the curve's lowest point
])
def test_a_capped_node_progresses_at_its_curve_and_draws_its_cap(tmp_path, cap, curve, throughput):
    overrides = {"spacecraft.accelerator.power_cap_fraction": cap}
    if curve is not None:
        overrides["spacecraft.accelerator.power_curve"] = curve
    summary, out = run_cfg(full_sun(tmp_path, **overrides), tmp_path)
    # the premise: neither power nor heat throttled any node, nothing failed
    assert summary["node_hours_throttled"] == 0.0 and summary["lost_heat_accel_h"] == 0.0
    assert summary["node_hours_idle"] == summary["node_hours_safe"] == 0.0
    assert summary["node_hours_down"] == 0.0 and summary["sunlit_fraction_mean"] == 1.0
    busy_s = summary["simulated_s"] - EPOCH_S
    # analytic: work = accelerators x busy time x throughput(cap); float64 sums of ~500 steps of
    # ~1e2 accelerator-s each agree to ~1e-12 relative, so 1e-9 catches any real shortfall
    expected_h = N_SATS * N_ACCEL * busy_s * throughput / 3600.0
    assert math.isclose(summary["work_delivered_accel_h"], expected_h, rel_tol=1e-9)
    # what the cap took went to power, and only to power
    assert math.isclose(summary["lost_power_accel_h"], N_SATS * N_ACCEL * busy_s * (1 - throughput) / 3600.0,
                        rel_tol=1e-9, abs_tol=1e-9)
    closes(summary, out, N_ACCEL)
    # power: every accelerator at idle during the first epoch, then at its cap (busy, throttle 1)
    acc = load_config(REPO / "configs" / "default.yaml").spacecraft.accelerator   # 80 W idle, 700 W peak
    compute_j = N_SATS * N_ACCEL * (acc.idle_power_w * EPOCH_S + cap * acc.peak_power_w * busy_s)
    assert math.isclose(summary["energy_compute_wh"], compute_j / J_PER_WH, rel_tol=1e-9)


def test_a_job_on_a_capped_node_is_charged_the_capped_power():
    """advance_jobs with the capped nodes' power per unit rate: a job at full throttle on a node
    capped at c draws c x peak per accelerator (not idle + (peak - idle) x its lower rate)."""
    idle_w, peak_w, cap = 80.0, 700.0, 0.6
    f = float(throughput_at(cap, H100_POWER_CURVE))
    state = np.ones((L.N_STATE, 1))
    state[L.STATE_POWER_CAP], state[L.STATE_CAP_THROUGHPUT] = cap, f
    energy = np.zeros(1)
    args = (np.full((3, 1), f), 0.0, 10.0, np.array([0, 1]), np.array([0]), np.array([4]), np.array([4.0]),
            np.array([1e9]), energy, np.full(1, -1.0), idle_w, peak_w)
    advance_jobs(*args, dynamic_w=dynamic_w(state, idle_w, peak_w))
    assert math.isclose(energy[0], 4 * cap * peak_w * 30.0, rel_tol=1e-12)   # 4 accelerators, 3 steps of 10 s
    assert dynamic_w(np.ones((L.N_STATE, 2)), idle_w, peak_w) is None        # uncapped: the kernel's own


@pytest.mark.parametrize("key, value", [
    ("spacecraft.accelerator.power_curve", [[0.8, 0.9], [0.6, 0.95], [1.0, 1.0]]),   # caps fall
    ("spacecraft.accelerator.power_curve", [[0.5, 0.95], [0.8, 0.9], [1.0, 1.0]]),   # throughput falls
    ("spacecraft.accelerator.power_curve", [[0.0, 0.5], [1.0, 1.0]]),                # a cap of 0
    ("spacecraft.accelerator.power_curve", [[0.5, 1.2], [1.0, 1.0]]),                # throughput above 1
    ("spacecraft.accelerator.power_curve", [[0.5, 0.8], [0.9, 0.95]]),               # not ending at (1, 1)
    ("spacecraft.accelerator.power_cap_fraction", 0.5),                              # below the default curve
])
def test_a_bad_power_curve_is_one_line_naming_the_field_and_exit_2(tmp_path, key, value):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(small_config(**{key: value})))
    p = subprocess.run([sys.executable, "-m", "twin", "run", str(path), "-o", str(tmp_path / "out.h5"), "-q"],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, lines
    assert key.rsplit(".", 1)[1] in lines[0] and "spacecraft.accelerator" in lines[0], lines[0]
    assert not (tmp_path / "out.h5").exists()


def eclipsing(folder, policy: str, **overrides) -> dict:
    """The default Walker shell (every satellite eclipses ~35 % of each orbit), every accelerator
    busy, and a full 4 kWh battery: full load (4 x 700 W + 300 W bus) through a 36-minute eclipse
    needs 1.84 kWh, more than the 1.34 kWh it gives above its floor (35 % of it, 96 % efficient);
    at the curve's lowest cap (0.6) the node needs 1.18 kWh, which it has."""
    cfg = small_config(**{"simulation.dt_s": 30, "simulation.duration_s": 6 * 3600,
                          "spacecraft.battery.capacity_wh": 4000, "spacecraft.battery.initial_soc": 1.0,
                          "scheduler.policy": policy, **overrides})
    cfg["workload"] = saturating_trace(folder, N_SATS, N_ACCEL)
    return cfg


def test_the_power_cap_policy_rides_eclipses_that_fifo_sheds_in(tmp_path):
    fifo, _ = run_cfg(eclipsing(tmp_path, "fifo"), tmp_path, "fifo")
    capped, out = run_cfg(eclipsing(tmp_path, "power_cap"), tmp_path, "capped")
    shed = ("node_hours_idle", "node_hours_safe")
    assert sum(fifo[k] for k in shed) > 1.0, fifo   # the premise: fifo's nodes shed in eclipse
    assert sum(capped[k] for k in shed) == 0.0, capped
    with h5py.File(out, "r") as f:
        assert not np.isin(f["mode"][...], (L.MODE_IDLE, L.MODE_SAFE)).any()
    assert capped["work_delivered_accel_h"] > fifo["work_delivered_accel_h"]
    assert capped["lost_power_accel_h"] > 0.0   # the caps' toll, booked to power
    closes(capped, out, N_ACCEL)


def test_the_eclipse_cap_spends_the_usable_battery_over_the_rest_of_the_eclipse():
    """An eclipsed node: the cap whose load, held to the predicted exit, uses the battery's energy
    above its floor and reserve (analytic); a sunlit node whose array carries its load and charges
    the battery enough runs uncapped; a node without work is never capped."""
    cfg = load_config(REPO / "configs" / "default.yaml", ["scheduler.policy=power_cap",
                                                           "scheduler.power_cap_reserve_soc=0.05"])
    policy = make_policy(cfg.scheduler, cfg.spacecraft)
    assert isinstance(policy, PowerCap)
    p, sc = policy.params, cfg.spacecraft
    battery_j = sc.battery.capacity_wh * J_PER_WH
    left_s, soc = 1200.0, 0.80
    view = NodeView(soc=np.array([soc, 0.9, soc]), sunlit_fraction=np.array([0.0, 1.0, 0.0]),
                    next_eclipse_entry_s=np.array([5000.0, 3000.0, 5000.0]),
                    next_eclipse_exit_s=np.array([1000.0 + left_s, np.nan, 1000.0 + left_s]),
                    eclipse_duration_s=np.full(3, 2100.0), period_s=np.full(3, 5700.0),
                    array_power_w=np.array([6000.0, 6000.0, 6000.0]), now_s=1000.0)
    busy = np.array([4.0, 4.0, 0.0])
    caps = policy.caps(view, busy)
    usable_w = (soc - sc.battery.min_soc - 0.05) * battery_j * sc.battery.discharge_efficiency / left_s
    cap = (usable_w - sc.bus_power_w) / (4 * p.peak_w)   # all 4 busy: load = bus + 4 x cap x peak
    assert 0.6 < cap < 1.0   # the premise: within the curve
    assert caps[0] == pytest.approx(cap, rel=1e-12)
    assert caps[1] == 1.0 and caps[2] == 1.0


def test_a_power_capped_run_is_deterministic_and_resumes_bit_for_bit(tmp_path, monkeypatch):
    cfg = eclipsing(tmp_path, "power_cap", **{"simulation.duration_s": 4 * 3600,
                                               "output.checkpoint_every_s": 1800})
    whole = stopped_and_resumed(cfg, tmp_path, monkeypatch, stop_step=300)
    _, again = run_cfg(cfg, tmp_path, "again")
    with h5py.File(whole, "r") as a, h5py.File(tmp_path / "parts.h5", "r") as b, h5py.File(again, "r") as c:
        names = ["time", "jobs", "events", "ledger", "ledger_total", *state_names(a)]
        reference = stored(a, names)
        assert stored(b, names) == reference
        assert stored(c, names) == reference
        assert a["ledger_total"][:, L.LEDGER_POWER].sum() > 0   # caps were in effect
