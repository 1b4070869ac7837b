"""twin's side of docs/validation.md: short runs of the reference scenarios set up for each check,
read back from their run files, against the published or textbook value.

    .venv/bin/python analysis/validation.py [--year runs/suncatcher-year.h5] [--work DIR] [--runs DIR]

Checks (each a run of a reference config with ``--set`` overrides, a few simulated hours):

1. beta = 0 at 400 km (iss-like, dt 1 s): eclipse (sunlit fraction < 0.5, from /events), shadow
   per orbit (integral of 1 - sunlit_fraction, from /state) and period (eclipse entry spacing),
   against 36.1 of 92.6 min.
2. Dawn-dusk SSO at 650 km (one satellite of suncatcher-cluster around the June solstice,
   dt 10 s): the longest eclipse, against "up to about 20 min"; the season from the year-long
   Suncatcher run if its file is there.
3. Starcloud radiator: twin.validation.radiator_budget's balance per m2 (Earth IR with alpha as published,
   and with epsilon), and starcloud-40mw at full load in sunlight (every accelerator held at peak
   power), equilibrium panel temperature with each convention.
4. 1 kW through a ~35.4 min eclipse (one 540 km Starlink of starlink-shell at beta ~ 1 deg, a
   1,000 W bus and nothing else, dt 1 s): the eclipse, 1 kW x its length, and the battery energy
   the file shows drawn over it.

Then the accelerator ledger of each reference design's own run, where its file is in ``--runs``
(default ``runs/``, under the README's names; ``<config>-saturated.h5`` too, the same design under
a saturating workload): capacity, the share delivered and lost to each cause, and the limiting
factor, from the file's ``/summary`` (docs/validation.md, "What limits each reference design").
"""
from __future__ import annotations

import argparse
import contextlib
import io
import math
import tempfile
from pathlib import Path

import numpy as np

import twin
from headline import eclipses, headline, ledger, load_run
from iss_like import beta_zero_check
from starcloud import full_load_radiator
from twin.constants import EARTH_MU_M3_S2 as MU_M3_S2, EARTH_RADIUS_M as R_EARTH_M
from twin.validation.radiator_budget import STARCLOUD_HEAT_W, radiator_area_m2, starcloud_balance

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"
# (design, config, run file) under the names the README's commands give them
REFERENCE_RUNS = (("Suncatcher cluster", "suncatcher-cluster", "suncatcher-year.h5"),
                  ("Starcloud 40 MW", "starcloud-40mw", "starcloud-40mw.h5"),
                  ("Starlink shell", "starlink-shell", "starlink-shell.h5"),
                  ("ISS-like", "iss-like", "iss-like.h5"))
LEDGER_COLUMNS = ("power", "heat", "faults", "network", "overhead", "scheduling", "no_demand")


def run_config(name: str, out: Path, overrides: list[str]) -> Path:
    """Run configs/<name>.yaml with ``overrides`` (``--set`` strings) to ``out``."""
    scenario = twin.load_config(CONFIGS / f"{name}.yaml", overrides)
    with contextlib.redirect_stdout(io.StringIO()):   # twin.run's notes (file size, skipped TLEs)
        twin.run(scenario, out, force=True)
    return out


def textbook_beta0(altitude_km: float) -> tuple[float, float]:
    """Keplerian period and cylindrical-shadow eclipse at beta = 0 [min] (Vallado 2013)."""
    a = R_EARTH_M + altitude_km * 1e3
    period = 2 * math.pi * math.sqrt(a ** 3 / MU_M3_S2)
    return period / 60, period * math.asin(R_EARTH_M / a) / math.pi / 60


def check_beta0(work: Path) -> dict:
    path = run_config("iss-like", work / "beta0.h5", [
        "simulation.dt_s=1", "simulation.record_every_s=10", "simulation.duration_s=12000",
        "workload.arrival_rate_per_h=0"])
    run = load_run(path)
    try:
        h = headline(run)
        rows = beta_zero_check(run, h)
    finally:
        run.ds.close()
    period, ecl = textbook_beta0(400.0)
    return {"textbook_period_min": period, "textbook_eclipse_min": ecl,
            "beta_deg": float(np.mean([r[1] for r in rows])),
            "eclipse_min": float(np.mean([r[2] for r in rows])),
            "shadow_min": float(np.mean([r[3] for r in rows])),
            "period_min": float(np.mean([r[4] for r in rows]))}


def check_sso(work: Path, year_path: Path | None) -> dict:
    path = run_config("suncatcher-cluster", work / "sso-solstice.h5", [
        "constellation.0.n_sats=1", "simulation.epoch_utc=2026-06-20T00:00:00Z",
        "simulation.duration_s=86400", "simulation.dt_s=10", "simulation.record_every_s=60",
        "scheduler.epoch_s=60", "workload.arrival_rate_per_h=0"])
    run = load_run(path)
    try:
        ecl = eclipses(run.events, 10.0)
        done = ecl[ecl["complete"]]
        out = {"solstice_longest_min": float(done["duration_s"].max() / 60),
               "solstice_eclipses": len(done)}
    finally:
        run.ds.close()
    if year_path and Path(year_path).is_file():
        run = load_run(year_path)
        try:
            ecl = eclipses(run.events, float(run.config["simulation"]["dt_s"]))
            out.update(season_first=run.when(ecl["entry_s"].min()),
                       season_last=run.when(np.nanmax(ecl["exit_s"])),
                       season_days=len(np.unique(np.floor(ecl["entry_s"] / 86400))),
                       year_longest_min=float(ecl.loc[ecl["complete"], "duration_s"].max() / 60))
        finally:
            run.ds.close()
    return out


def check_starcloud(work: Path) -> dict:
    out = {}
    for alpha in (True, False):
        bal = starcloud_balance(alpha)
        key = "alpha" if alpha else "epsilon"
        out[f"net_{key}_w_m2"] = bal["net_w_m2"]
        out[f"area_{key}_m2"] = radiator_area_m2(STARCLOUD_HEAT_W, bal["net_w_m2"])
        path = run_config("starcloud-40mw", work / f"starcloud-{key}.h5", [
            "simulation.epoch_utc=2026-03-20T00:00:00Z", "simulation.duration_s=43200",
            "workload.arrival_rate_per_h=0", "spacecraft.accelerator.idle_power_w=700",
            f"spacecraft.radiator.ir_absorbed_with_alpha={str(alpha).lower()}"])
        run = load_run(path)
        try:
            h = headline(run)
            temp_k, net_w_m2, _ = full_load_radiator(run, h)
        finally:
            run.ds.close()
        out[f"run_{key}_temp_c"] = temp_k - 273.15
        out[f"run_{key}_net_w_m2"] = net_w_m2
    return out


def check_one_kw(work: Path) -> dict:
    path = run_config("starlink-shell", work / "one-kw.h5", [
        "constellation.0.name_pattern=STARLINK-3839", "simulation.duration_s=12000",
        "simulation.dt_s=1", "simulation.record_every_s=10", "workload.arrival_rate_per_h=0",
        "spacecraft.bus_power_w=1000", "spacecraft.accelerator.idle_power_w=0",
        "spacecraft.thermal.heater_max_w=0", "scheduler.epoch_s=60"])
    run = load_run(path)
    try:
        ecl = eclipses(run.events, 1.0)
        first = ecl[ecl["complete"]].iloc[0]
        t = run.time_s
        stored = run.ds["battery_energy_wh"].isel(sat=0).values
        before = stored[np.searchsorted(t, first["entry_s"] - 60.0)]   # a minute before entry
        after = stored[(t >= first["entry_s"]) & (t <= first["exit_s"] + 60.0)].min()
        eta = float(run.config["spacecraft"]["battery"]["discharge_efficiency"])
        beta = float(run.ds["beta_deg"].isel(sat=0).values.mean())
    finally:
        run.ds.close()
    minutes = float(first["duration_s"]) / 60
    return {"eclipse_min": minutes, "beta_deg": beta, "wh_before_losses": 1000.0 * minutes / 60,
            "wh_after_losses": 1000.0 * minutes / 60 / eta, "battery_drawn_wh": float(before - after),
            "eta": eta}


def reference_ledgers(folder: Path) -> list[dict]:
    """One row per reference run file present in ``folder`` (REFERENCE_RUNS, then each config's
    ``-saturated.h5``): ``design, path, days, ledger`` (:func:`headline.ledger`; None for a file
    older than the ledger), and ``missing`` for the configured runs absent."""
    rows = []
    for design, config, name in REFERENCE_RUNS:
        for label, path in ((design, Path(folder) / name),
                            (f"{design}, saturating load", Path(folder) / f"{config}-saturated.h5")):
            if not path.is_file():
                if path.name == name:
                    rows.append({"design": label, "path": path, "missing": f"twin run configs/{config}.yaml -o {path}"})
                continue
            run = load_run(path)
            try:
                rows.append({"design": label, "path": path, "days": run.duration_s / 86400,
                             "ledger": ledger(run), "schema": run.ds.attrs.get("schema_version")})
            finally:
                run.ds.close()
    return rows


def ledger_row_line(row: dict) -> str:
    if "missing" in row:
        return f"ledger, {row['design']}: no run file {row['path']} ({row['missing']})"
    led = row["ledger"]
    head = f"ledger, {row['design']} ({row['path'].name}, {row['days']:g} d)"
    if led is None:
        return f"{head}: none, schema {row['schema']} predates the accelerator ledger; re-run it"
    pct = led["percent"]
    lost = ", ".join(f"{c} {pct[c]:.1f} %" for c in LEDGER_COLUMNS)
    return (f"{head}: delivered {pct['delivered']:.1f} % of {led['capacity_accel_h']:,.0f} accelerator-hours; "
            f"lost to {lost} — limited by {led['limiting_factor']}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", default=str(REPO / "runs" / "suncatcher-year.h5"),
                        help="year-long Suncatcher run, for the eclipse season (skipped if absent)")
    parser.add_argument("--work", help="folder for the short runs (default: a temporary one)")
    parser.add_argument("--runs", default=str(REPO / "runs"),
                        help="folder of the reference designs' own runs, for their ledgers (absent ones are named)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work or tmp)
        work.mkdir(parents=True, exist_ok=True)
        b0 = check_beta0(work)
        print(f"beta 0, 400 km: eclipse {b0['eclipse_min']:.2f} min (events, 1 s steps), shadow "
              f"{b0['shadow_min']:.2f} min, period {b0['period_min']:.2f} min at beta "
              f"{b0['beta_deg']:+.2f} deg; textbook {b0['textbook_eclipse_min']:.2f} of "
              f"{b0['textbook_period_min']:.2f} min")
        sso = check_sso(work, Path(args.year))
        line = (f"dawn-dusk SSO 650 km: longest eclipse around the June solstice "
                f"{sso['solstice_longest_min']:.2f} min ({sso['solstice_eclipses']} eclipses in the day)")
        if "season_first" in sso:
            line += (f"; year run: eclipses {sso['season_first']:%Y-%m-%d} .. {sso['season_last']:%Y-%m-%d}, "
                     f"{sso['season_days']} days, longest {sso['year_longest_min']:.0f} min at 60 s steps")
        print(line)
        sc = check_starcloud(work)
        print(f"Starcloud radiator: net {sc['net_alpha_w_m2']:.2f} W/m2 (IR with alpha), "
              f"{sc['net_epsilon_w_m2']:.2f} (IR with epsilon); 40 MW needs {sc['area_alpha_m2']:,.0f} / "
              f"{sc['area_epsilon_m2']:,.0f} m2; run at full load on 63,200 m2: "
              f"{sc['run_alpha_temp_c']:.1f} C (alpha) / {sc['run_epsilon_temp_c']:.1f} C (epsilon), "
              f"netting {sc['run_alpha_net_w_m2']:.0f} / {sc['run_epsilon_net_w_m2']:.0f} W/m2")
        kw = check_one_kw(work)
        print(f"1 kW through an eclipse: {kw['eclipse_min']:.2f} min at beta {kw['beta_deg']:+.1f} deg -> "
              f"{kw['wh_before_losses']:.1f} Wh before losses, {kw['wh_after_losses']:.1f} Wh after "
              f"(/ {kw['eta']:g}); battery drawn in the file {kw['battery_drawn_wh']:.1f} Wh")
    ledgers = reference_ledgers(Path(args.runs))
    for row in ledgers:
        print(ledger_row_line(row))
    return {"beta0": b0, "sso": sso, "starcloud": sc, "one_kw": kw, "ledgers": ledgers}


if __name__ == "__main__":
    main()
