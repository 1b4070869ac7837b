"""twin's side of docs/validation.md, "Accelerator junction temperature": the H100 preset's chain
at TDP against the hand calculation, then one loop under two limits.

    .venv/bin/python analysis/junction.py [--work DIR]

1. The H100 SXM5 preset (configs/presets/accelerator/h100.yaml): its three resistances, their sum,
   the junction's rise over the coolant at 700 W, by hand and through the kernel, and what
   Latif et al. (2025)'s 41-50 C for liquid-cooled H100s under load implies for the coolant.
2. configs/default.yaml on a dawn-dusk orbit in January (no eclipse), power to spare, every
   accelerator held by a job for 6 h (a trace), H100 preset, a 2.6 m2 radiator, run twice:
   ``thermal_limit: electronics`` and ``junction``. Per run: the loop (electronics node) and the
   recorded junction temperature, the mean throttle over the second half, the ledger's heat
   share; for the junction run, the closed-form throttle of the settled loop beside the file's.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
from pathlib import Path

import h5py
import yaml

from twin.config.load import scenario_from_dict
from twin.engine.simulation import run
from twin.kernels.junction import hottest_accel_w, junction_temp_k

REPO = Path(__file__).resolve().parents[1]
CELSIUS = 273.15
H100 = REPO / "configs" / "presets" / "accelerator" / "h100.yaml"
CHAIN_KEYS = ("junction_to_case_k_per_w", "case_to_cold_plate_k_per_w", "cold_plate_to_coolant_k_per_w")
RADIATOR_M2 = 2.6
SSO = {"kind": "sso", "altitude_km": 650, "ltan_h": 18.0, "planes": 1, "sats_per_plane": 8}


def preset_at_tdp() -> dict:
    preset = yaml.safe_load(H100.read_text())
    chain = sum(preset[k] for k in CHAIN_KEYS)
    rise = junction_temp_k(0.0, hottest_accel_w(700.0, 1.0, 1.0, preset["idle_power_w"], 700.0), chain)
    return {**{k: preset[k] for k in CHAIN_KEYS}, "chain_k_per_w": chain, "rise_by_hand_k": 700.0 * chain,
            "rise_kernel_k": rise, "coolant_for_41_50_c": (41.0 - rise, 50.0 - rise)}


def full_sun(work: Path, limit: str) -> dict:
    cfg = yaml.safe_load((REPO / "configs" / "default.yaml").read_text())
    csv = work / "saturate.csv"
    csv.write_text("submit,duration,gpus\n" + "".join("0,10000000,4\n" for _ in range(8)))
    cfg["simulation"].update(epoch_utc="2026-01-10T00:00:00Z", duration_s=6 * 3600, dt_s=30)
    cfg["constellation"] = [SSO]
    sc = cfg["spacecraft"]
    sc["battery"]["capacity_wh"] = 50_000
    sc["solar_array"]["area_m2"] = 60
    sc["radiator"]["area_m2"] = RADIATOR_M2
    sc["accelerator"] = {"count": 4, "preset": "h100", "thermal_limit": limit}
    cfg["workload"] = {"kind": "trace", "mapping": {"file": str(csv), "submit_column": "submit",
                                                    "duration_column": "duration", "accelerators_column": "gpus"}}
    scenario = scenario_from_dict(cfg, REPO / "configs", f"full sun, {limit} limit")
    out = work / f"{limit}.h5"
    with contextlib.redirect_stdout(io.StringIO()):
        summary = run(scenario, out, force=True, log=lambda message: None)
    with h5py.File(out, "r") as f:
        te, tj = f["electronics_temp_k"][...].astype(float), f["t_junction_k"][...].astype(float)
        throttle = f["throttle"][...].astype(float)
    late = slice(te.shape[0] // 2, None)
    acc = scenario.spacecraft.accelerator
    row = {"loop_max_k": te.max(), "loop_end_k": (te[-1].min(), te[-1].max()), "junction_max_k": tj.max(),
           "junction_late_k": (tj[late].min(), tj[late].max()), "throttle_late": (throttle[late].min(), throttle[late].max()),
           "heat_share": summary["lost_heat_accel_h"] / summary["capacity_accel_h"],
           "limiting_factor": summary["limiting_factor"]}
    if limit == "junction":   # Eq. (3) of twin/kernels/junction.py at the loop's last temperature
        r = acc.chain_k_per_w
        x = (acc.junction_shutdown_k - te[-1] - r * acc.idle_power_w) / (
            acc.junction_shutdown_k - acc.junction_throttle_k + r * (acc.peak_power_w - acc.idle_power_w))
        row["closed_form_at_end"] = (x.min(), x.max())
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="folder for the run files (default: a temporary one)")
    args = parser.parse_args(argv)
    p = preset_at_tdp()
    print("H100 SXM5 preset: " + ", ".join(f"{k} {p[k]:.4f}" for k in CHAIN_KEYS)
          + f"; chain {p['chain_k_per_w']:.4f} K/W; rise at 700 W {p['rise_by_hand_k']:.2f} K by hand, "
          f"{p['rise_kernel_k']:.2f} K kernel; 41-50 C junctions need coolant at "
          f"{p['coolant_for_41_50_c'][0]:.1f}-{p['coolant_for_41_50_c'][1]:.1f} C")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for limit in ("electronics", "junction"):
            r = full_sun(work, limit)
            line = (f"{limit:11s}: loop max {r['loop_max_k']:.2f} K, end {r['loop_end_k'][0]:.2f}-{r['loop_end_k'][1]:.2f} K;"
                    f" junction max {r['junction_max_k']:.2f} K ({r['junction_max_k'] - CELSIUS:.1f} C),"
                    f" 2nd half {r['junction_late_k'][0]:.2f}-{r['junction_late_k'][1]:.2f} K;"
                    f" throttle 2nd half {r['throttle_late'][0]:.3f}-{r['throttle_late'][1]:.3f};"
                    f" heat {100 * r['heat_share']:.1f} % ({r['limiting_factor']})")
            if "closed_form_at_end" in r:
                line += f"; closed form at the end {r['closed_form_at_end'][0]:.3f}-{r['closed_form_at_end'][1]:.3f}"
            print(line)


if __name__ == "__main__":
    main()
