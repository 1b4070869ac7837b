"""Headline numbers of a twin run, from the run file alone (docs/schema.md).

Every reference scenario's script (``analysis/<scenario>.py``) calls :func:`main` with its title
and, optionally, a function that prints what is particular to it. The numbers:

* **full compute power**: share of node-time in records whose mode (a stock, at the record's end)
  is ``nominal`` and whose throttle (a flow, the record's mean) is 1, i.e. every step of the
  record at full throttle. Records are coarser than steps, so this is a lower bound; the exact
  share at the step resolution is ``/summary`` ``node_hours_nominal``, printed beside it.
* **eclipse season and longest eclipse**: from ``/events`` ``eclipse_entry``/``eclipse_exit``
  (the sunlit fraction crossing 0.5, at the physics step), complete eclipses only (entered and
  left within the run).
* **radiator area per MW rejected**: panel area (one face, from ``config_yaml``) of all
  satellites ÷ the heat they reject, mean and at the highest per-satellite dissipation. At steady
  state a radiator rejects every electrical watt the node consumes plus the battery losses
  (``load_power_w + loss_power_w``); the environment's heat comes on top and is not counted.
* **battery energy to ride through the longest eclipse**: its duration × the mean load served
  during it (``load_power_w`` of records lying inside it), before losses and ÷ the discharge
  efficiency after; and the same at the node's full load (bus + accelerators at peak).
* **accelerator-hours per year**: ``/summary`` ``work_delivered_accel_h`` scaled to 365 days; the
  integral of ``utilization`` × accelerators (progress, rolled-back work included) beside it.
* **energy curtailed**: the integral of ``curtailed_power_w``, against ``/summary``.
* **the accelerator ledger**: the installed accelerator-hours (``/summary`` ``capacity_accel_h``)
  and the share of them delivered and lost to each cause (``delivered_accel_h``,
  ``lost_<cause>_accel_h``), with the limiting factor (``limiting_factor``: the largest loss other
  than ``no_demand``); beside them, the largest difference between those hours and the file's
  ``/ledger`` records integrated over time. A file older than the ledger (schema 1) says so.

    .venv/bin/python analysis/suncatcher.py runs/suncatcher-year.h5 [-o FIGURE.png]
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import dask
import numpy as np
import pandas as pd
import yaml

import twin
from twin.kernels.layout import MODE_NOMINAL
from twin.output.ledger import LEDGER_CAUSES, key_of

YEAR_S = 365 * 86400.0  # s: "per year" means per 365 days
FULL_THROTTLE = 1.0 - 1e-6  # throttle is a float32 mean: 1 within rounding is full


@dataclass
class Run:
    """What the headline numbers need from one run file (state variables stay lazy in ``ds``)."""

    path: Path
    ds: object                 # twin.open_run's Run
    config: dict               # the resolved config (root attribute config_yaml)
    epoch: datetime
    time_s: np.ndarray         # end of each record [s]
    interval_s: np.ndarray     # length of each record [s]
    summary: dict
    events: pd.DataFrame
    n_sats: int

    @property
    def duration_s(self) -> float:
        return float(self.time_s[-1]) if len(self.time_s) else 0.0

    def when(self, t_s: float) -> datetime:
        return self.epoch + timedelta(seconds=float(t_s))


def load_run(path) -> Run:
    """Open a run file (lazily) with the pieces the analysis needs."""
    ds = twin.open_run(path)
    time_s = np.asarray(ds.time_s.values, dtype=float)
    return Run(path=Path(path), ds=ds, config=yaml.safe_load(ds.attrs["config_yaml"]),
               epoch=datetime.fromisoformat(ds.attrs["epoch_utc"]), time_s=time_s,
               interval_s=np.diff(time_s, prepend=0.0), summary=dict(ds.summary),
               events=ds.events, n_sats=int(ds.sizes["sat"]))


def eclipses(events: pd.DataFrame, dt_s: float) -> pd.DataFrame:
    """One row per eclipse: ``sat, entry_s, exit_s, duration_s, complete``.

    An eclipse runs from an ``eclipse_entry`` to the same satellite's next ``eclipse_exit``.
    It is incomplete when the run cut it: an exit with no entry before it (the satellite started
    in shadow), an entry at the first step (nodes start as sunlit, so a satellite in shadow at the
    epoch logs one then) or an entry with no exit after it (still in shadow at the end; such rows
    have ``exit_s`` NaN).
    """
    ev = events[events["kind"].isin(["eclipse_entry", "eclipse_exit"])]
    ev = ev.sort_values(["sat", "time_s"], kind="stable")
    sat = ev["sat"].to_numpy()
    t = ev["time_s"].to_numpy(dtype=float)
    entry = (ev["kind"] == "eclipse_entry").to_numpy()
    same_as_next = np.r_[sat[1:] == sat[:-1], False]
    paired = entry & same_as_next & np.r_[~entry[1:], False]     # entry, then its exit
    i = np.flatnonzero(paired)
    orphan_exit = np.flatnonzero(~entry & ~np.r_[False, paired[:-1]])   # in shadow at the start
    orphan_entry = np.flatnonzero(entry & ~paired)                      # in shadow at the end
    out = pd.DataFrame({
        "sat": np.concatenate([sat[i], sat[orphan_exit], sat[orphan_entry]]),
        "entry_s": np.concatenate([t[i], np.zeros(len(orphan_exit)), t[orphan_entry]]),
        "exit_s": np.concatenate([t[i + 1], t[orphan_exit], np.full(len(orphan_entry), np.nan)]),
        "complete": np.concatenate([t[i] > dt_s + 1e-9, np.zeros(len(orphan_exit) + len(orphan_entry), bool)]),
    })
    out["duration_s"] = out["exit_s"] - out["entry_s"]
    return out.sort_values(["entry_s", "sat"], kind="stable").reset_index(drop=True)


def _series(run: Run) -> dict:
    """Per-record constellation series (1-D over time), read in one pass over the file."""
    ds = run.ds.state.chunk({"time": 4096})   # dask: every series below in one pass
    full = ((ds["mode"] == MODE_NOMINAL) & (ds["throttle"] >= FULL_THROTTLE))
    heat = ds["load_power_w"] + ds["loss_power_w"]
    lazy = {
        "full": full.mean("sat"),
        "sunlit": ds["sunlit_fraction"].astype("f8").mean("sat"),
        "utilization": ds["utilization"].astype("f8").mean("sat"),
        "throttle": ds["throttle"].astype("f8").mean("sat"),
        "solar_w": ds["solar_power_w"].sum("sat"),
        "load_w": ds["load_power_w"].sum("sat"),
        "loss_w": ds["loss_power_w"].sum("sat"),
        "curtailed_w": ds["curtailed_power_w"].sum("sat"),
        "compute_w": ds["compute_power_w"].astype("f8").sum("sat"),
        "heat_max_w": heat.max("sat"),
        "soc_min": ds["soc"].min("sat"),
        "soc_mean": ds["soc"].astype("f8").mean("sat"),
        "radiator_max_k": ds["radiator_temp_k"].max("sat"),
        "radiator_mean_k": ds["radiator_temp_k"].astype("f8").mean("sat"),
        "radiator_min_k": ds["radiator_temp_k"].min("sat"),
        "electronics_max_k": ds["electronics_temp_k"].max("sat"),
        "electronics_min_k": ds["electronics_temp_k"].min("sat"),
    }
    values = dask.compute(*[v.data for v in lazy.values()])
    out = {k: np.asarray(v, dtype=float) for k, v in zip(lazy, values)}
    if "ledger" in ds:   # the constellation's ledger per record (absent from files older than it)
        for cause in LEDGER_CAUSES:
            out[f"ledger_{cause}"] = np.asarray(ds["ledger"].sel(cause=cause).values, dtype=float)
    return out


def _eclipse_load_w(run: Run, sat: int, entry_s: float, exit_s: float) -> float:
    """Mean ``load_power_w`` of ``sat`` over the records inside [entry_s, exit_s] (those that
    overlap it if none lies wholly inside) [W]."""
    start = run.time_s - run.interval_s
    inside = (start >= entry_s - 1e-9) & (run.time_s <= exit_s + 1e-9)
    if not inside.any():
        inside = (run.time_s > entry_s) & (start < exit_s)
    idx = np.flatnonzero(inside)
    load = np.asarray(run.ds["load_power_w"].isel(sat=sat, time=slice(idx[0], idx[-1] + 1)).values)
    w = run.interval_s[idx]
    return float((load * w).sum() / w.sum())


def headline(run: Run) -> dict:
    """The headline numbers of a run (see the module docstring), with their cross-checks."""
    sc = run.config["spacecraft"]
    dt_s = float(run.config["simulation"]["dt_s"])
    s = _series(run)
    w = run.interval_s
    node_s = run.n_sats * run.duration_s
    out = {"n_sats": run.n_sats, "duration_s": run.duration_s, "epoch": run.epoch, "dt_s": dt_s,
           "record_s": float(run.ds.attrs["record_every_s"]), "series": s}

    # 1. full compute power
    out["full_power_fraction"] = float((s["full"] * w).sum() / run.duration_s)
    out["nominal_fraction_summary"] = run.summary.get("node_hours_nominal", math.nan) * 3600 / node_s
    out["throttle_time_fraction"] = float((s["throttle"] * w).sum() / run.duration_s)
    out["utilization_mean"] = float((s["utilization"] * w).sum() / run.duration_s)

    # 2. eclipse season and the longest eclipse
    ecl = eclipses(run.events, dt_s)
    out["eclipses"] = ecl
    done = ecl[ecl["complete"]]
    out["n_eclipses"] = len(done)
    out["sunlit_fraction_mean"] = float((s["sunlit"] * w).sum() / run.duration_s)
    if len(ecl):
        first, last = float(ecl["entry_s"].min()), float(np.nanmax(ecl["exit_s"].fillna(run.duration_s)))
        days = np.unique(np.floor(ecl["entry_s"].to_numpy() / 86400.0))
        out.update(season_start_s=first, season_end_s=last, eclipse_days=len(days))
    if len(done):
        longest = done.loc[done["duration_s"].idxmax()]
        out["longest"] = {k: float(longest[k]) for k in ("sat", "entry_s", "exit_s", "duration_s")}
        out["longest"]["sat"] = int(longest["sat"])

    # 3. radiator area per MW rejected
    area_m2 = float(sc["radiator"]["area_m2"]) * run.n_sats
    heat_mean_w = float(((s["load_w"] + s["loss_w"]) * w).sum() / run.duration_s)
    out["radiator_area_m2"] = area_m2
    out["heat_mean_w"] = heat_mean_w
    out["radiator_m2_per_mw_mean"] = area_m2 / (heat_mean_w / 1e6) if heat_mean_w > 0 else math.nan
    heat_peak_w = float(s["heat_max_w"].max())
    out["heat_peak_per_sat_w"] = heat_peak_w
    out["radiator_m2_per_mw_peak"] = float(sc["radiator"]["area_m2"]) / (heat_peak_w / 1e6)

    # 4. battery energy to ride through the longest eclipse
    acc = sc["accelerator"]
    full_load_w = float(sc["bus_power_w"]) + acc["count"] * float(acc["peak_power_w"])
    eta_d = float(sc["battery"]["discharge_efficiency"])
    bat = sc["battery"]
    out["full_load_w"] = full_load_w
    out["usable_battery_wh"] = float(bat["capacity_wh"]) * (float(bat["max_soc"]) - float(bat["min_soc"]))
    if "longest" in out:
        lg = out["longest"]
        load_w = _eclipse_load_w(run, lg["sat"], lg["entry_s"], lg["exit_s"])
        hours = lg["duration_s"] / 3600.0
        out["battery"] = {"eclipse_load_w": load_w, "wh_before_losses": load_w * hours,
                          "wh_after_losses": load_w * hours / eta_d,
                          "full_wh_before_losses": full_load_w * hours,
                          "full_wh_after_losses": full_load_w * hours / eta_d,
                          "discharge_efficiency": eta_d}

    # 5. accelerator-hours per year
    scale = YEAR_S / run.duration_s
    out["accel_h_delivered"] = float(run.summary.get("work_delivered_accel_h", math.nan))
    out["accel_h_per_year"] = out["accel_h_delivered"] * scale
    out["flop_per_year"] = float(run.summary.get("flop_delivered", math.nan)) * scale
    out["accel_h_progress_file"] = float((s["utilization"] * w).sum()) * run.n_sats * acc["count"] / 3600
    out["accel_h_progress_summary"] = float(run.summary.get("work_progress_accel_h", math.nan))

    # 6. energy curtailed, and the energy balance of the file
    out["curtailed_wh"] = float((s["curtailed_w"] * w).sum() / 3600)
    out["curtailed_wh_summary"] = float(run.summary.get("energy_curtailed_wh", math.nan))
    out["solar_wh"] = float((s["solar_w"] * w).sum() / 3600)
    out["curtailed_share"] = out["curtailed_wh"] / out["solar_wh"] if out["solar_wh"] else math.nan
    net_wh = float(((s["solar_w"] - s["load_w"] - s["loss_w"] - s["curtailed_w"]) * w).sum() / 3600)
    stored_wh = run.summary.get("battery_end_wh", math.nan) - run.summary.get("battery_start_wh", math.nan)
    out["balance_residual_wh"] = net_wh - stored_wh

    # 7. the accelerator ledger
    out["ledger"] = ledger(run, s)
    return out


def ledger(run: Run, series: dict | None = None) -> dict | None:
    """The accelerator ledger from ``/summary``: ``capacity_accel_h``, per cause (LEDGER_CAUSES:
    delivered, then the losses) ``accel_h`` and ``percent`` of the capacity, ``limiting_factor``
    and ``closure`` (the summary's ``ledger_closure_rel_error``). With ``series`` (from
    :func:`_series`), ``file_accel_h`` per cause (the ``/ledger`` records × their intervals) and
    ``file_rel_diff``, their largest difference from the summary's as a share of the capacity.
    None for a run file older than the ledger."""
    summary = run.summary
    if "capacity_accel_h" not in summary:
        return None
    capacity = float(summary["capacity_accel_h"])
    hours = {c: float(summary[key_of(c)]) for c in LEDGER_CAUSES}
    out = {"capacity_accel_h": capacity, "accel_h": hours,
           "percent": {c: 100.0 * v / capacity if capacity > 0 else math.nan for c, v in hours.items()},
           "limiting_factor": str(summary["limiting_factor"]),
           "closure": float(summary.get("ledger_closure_rel_error", math.nan))}
    if series is not None and all(f"ledger_{c}" in series for c in LEDGER_CAUSES):
        file_h = {c: float((series[f"ledger_{c}"] * run.interval_s).sum() / 3600) for c in LEDGER_CAUSES}
        out["file_accel_h"] = file_h
        out["file_rel_diff"] = max(abs(file_h[c] - hours[c]) for c in LEDGER_CAUSES) / capacity
    return out


def _fmt_small(x: float, spec: str) -> str:
    """``x`` in ``spec``, or to two significant digits where ``spec`` would round it to 0."""
    text = format(x, spec)
    return format(x, ".2g") if x != 0 and float(text.replace(",", "")) == 0 else text


def ledger_lines(run: Run, led: dict | None) -> list[str]:
    """The ledger as text lines (see :func:`ledger`), or why the file has none."""
    if led is None:
        version = run.ds.attrs.get("schema_version", "?")
        return [f"ledger                    none in this file: schema {version} predates the accelerator "
                f"ledger (schema 2); re-run the scenario with this twin to get it"]
    pct = led["percent"]
    lost = ", ".join(f"{c} {pct[c]:.1f} %" for c in LEDGER_CAUSES[1:] if c != "no_demand")
    agree = (f"; the file's /ledger records agree to {led['file_rel_diff']:.1g} of it"
             if "file_rel_diff" in led else "")
    lines = [f"ledger                    delivered {pct['delivered']:.1f} % of {led['capacity_accel_h']:,.0f} "
             f"installed accelerator-hours; lost to {lost}; no_demand (idle for want of jobs) "
             f"{pct['no_demand']:.1f} % (/summary, closes to {led['closure']:.1g}{agree})"]
    limit = led["limiting_factor"]
    if limit == "none":
        lines.append("limiting factor           none: nothing lost but to want of jobs")
    else:
        others = [c for c in LEDGER_CAUSES[1:] if c not in (limit, "no_demand") and led["accel_h"][c] > 0]
        runner_up = max(others, key=led["accel_h"].get, default=None)
        after = (f"; next {runner_up}, {_fmt_small(led['accel_h'][runner_up], ',.0f')} "
                 f"({_fmt_small(pct[runner_up], '.1f')} %)" if runner_up else "")
        lines.append(f"limiting factor           {limit}: {led['accel_h'][limit]:,.0f} accelerator-hours "
                     f"({pct[limit]:.1f} %), the largest loss other than no_demand{after}")
    return lines


def _fmt_energy(wh: float) -> str:
    for unit, scale in (("GWh", 1e9), ("MWh", 1e6), ("kWh", 1e3)):
        if abs(wh) >= scale:
            return f"{wh / scale:,.3g} {unit}" if abs(wh) < 1000 * scale else f"{wh / scale:,.0f} {unit}"
    return f"{wh:,.0f} Wh"


def _fmt_power(w: float) -> str:
    for unit, scale in (("MW", 1e6), ("kW", 1e3)):
        if abs(w) >= scale:
            return f"{w / scale:,.3g} {unit}"
    return f"{w:,.0f} W"


def report_lines(run: Run, h: dict) -> list[str]:
    """The headline numbers as text lines."""
    days = h["duration_s"] / 86400
    lines = [f"{run.n_sats} satellites, {days:,.2f} days from {run.epoch:%Y-%m-%d %H:%M} UTC, "
             f"dt {h['dt_s']:g} s, records every {h['record_s']:g} s"]
    lines.append(f"full compute power        {h['full_power_fraction']:.2%} of node-time (records nominal "
                 f"at throttle 1); exact, per step (/summary nominal node-hours): "
                 f"{h['nominal_fraction_summary']:.2%}")
    if "season_start_s" in h:
        lg = h.get("longest")
        season = (f"{run.when(h['season_start_s']):%Y-%m-%d} .. {run.when(h['season_end_s']):%Y-%m-%d}"
                  f" ({h['eclipse_days']} days with an eclipse entry, {h['n_eclipses']:,} complete eclipses)")
        lines.append(f"eclipse season            {season}")
        if lg:
            lines.append(f"longest eclipse           {lg['duration_s'] / 60:.2f} min (sunlit fraction < 0.5; "
                         f"sat {lg['sat']}, from {run.when(lg['entry_s']):%Y-%m-%d %H:%M:%S} UTC)")
    else:
        lines.append("eclipse season            none: no eclipse in the run")
    lines.append(f"sunlit                    {h['sunlit_fraction_mean']:.2%} of node-time")
    lines.append(f"radiator area per MW      {h['radiator_m2_per_mw_mean']:,.0f} m2/MW at the mean heat "
                 f"({h['radiator_area_m2']:,.0f} m2 of panel, one face, for {_fmt_power(h['heat_mean_w'])}); "
                 f"{h['radiator_m2_per_mw_peak']:,.0f} m2/MW at the peak per satellite "
                 f"({_fmt_power(h['heat_peak_per_sat_w'])})")
    b = h.get("battery")
    if b:
        lines.append(f"battery, longest eclipse  {_fmt_energy(b['wh_before_losses'])} before losses, "
                     f"{_fmt_energy(b['wh_after_losses'])} after (/ {b['discharge_efficiency']:g}) at the "
                     f"{_fmt_power(b['eclipse_load_w'])} served; at full load ({_fmt_power(h['full_load_w'])}) "
                     f"{_fmt_energy(b['full_wh_before_losses'])} / {_fmt_energy(b['full_wh_after_losses'])}; "
                     f"installed usable {_fmt_energy(h['usable_battery_wh'])} per satellite")
    lines.append(f"accelerator-hours         {h['accel_h_per_year']:,.4g} per year delivered "
                 f"({h['accel_h_delivered']:,.4g} in the run; {h['flop_per_year']:.3g} FLOP per year); "
                 f"progress from utilisation {h['accel_h_progress_file']:,.4g} vs /summary "
                 f"{h['accel_h_progress_summary']:,.4g}; mean utilisation {h['utilization_mean']:.1%}")
    lines.append(f"energy curtailed          {_fmt_energy(h['curtailed_wh'])} ({h['curtailed_share']:.1%} of "
                 f"the array's {_fmt_energy(h['solar_wh'])}; /summary {_fmt_energy(h['curtailed_wh_summary'])}); "
                 f"energy balance residual {h['balance_residual_wh']:.2g} Wh")
    lines += ledger_lines(run, h["ledger"])
    lines += cost_lines(run)
    return lines


def cost_lines(run: Run) -> list[str]:
    """The run's economics from its /summary (twin/economics/cost.py; docs/economics.md)."""
    s = run.ds.summary
    if "cost_per_delivered_accel_h_usd" not in s:
        return ["cost                      none in this file (schema 3 added the economics)"]
    breakeven = s["breakeven_launch_usd_per_kg"]
    verdict = (f"break-even launch price ${breakeven:,.0f}/kg" if breakeven > 0
               else f"orbit costs more than the ground even with free launch (break-even ${breakeven:,.0f}/kg)")
    return [f"cost                      ${s['cost_per_delivered_accel_h_usd']:,.2f} per delivered accelerator-hour "
            f"(${s['cost_per_delivered_pflop_day_usd']:,.0f} per PFLOP-day) against ${s['ground_cost_per_accel_h_usd']:,.2f} "
            f"on the ground; {s['mass_kg'] / 1000:,.1f} t in {s['n_launches']:,} launch(es), launch "
            f"{100 * s['launch_share']:.0f} % of the cost; {verdict} (economics defaults: docs/economics.md)"]


def _bins(run: Run) -> tuple[np.ndarray, float, str]:
    """Record -> bin index: days for runs of 5 days or more, hours otherwise."""
    width, label = (86400.0, "day") if run.duration_s >= 5 * 86400 else (3600.0, "hour")
    return np.floor((run.time_s - 1e-9) / width).astype(int), width, label


def _binned(values, weights, index, n, how="mean"):
    if how == "max":
        out = np.full(n, -np.inf)
        np.maximum.at(out, index, values)
        return out
    if how == "min":
        out = np.full(n, np.inf)
        np.minimum.at(out, index, values)
        return out
    return np.bincount(index, values * weights, n) / np.maximum(np.bincount(index, weights, n), 1e-300)


def plot(run: Run, h: dict, out_png: Path, title: str) -> Path:
    """Five panels against time: eclipses, full power and utilisation, power, battery,
    temperatures. Days for runs of 5 days or more, hours otherwise."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    s, w = h["series"], run.interval_s
    idx, width, unit = _bins(run)
    n = int(idx.max()) + 1
    starts = [run.epoch + timedelta(seconds=i * width) for i in range(n)]
    centres = [t + timedelta(seconds=width / 2) for t in starts]

    fig, axes = plt.subplots(5, 1, figsize=(12, 12.5), sharex=True, dpi=110)
    # (a) eclipses: longest each bin, and shadow per bin
    ax = axes[0]
    ecl = h["eclipses"]
    done = ecl[ecl["complete"]]
    longest = np.zeros(n)
    if len(done):
        b = np.floor((done["entry_s"].to_numpy() - 1e-9) / width).astype(int)
        np.maximum.at(longest, np.clip(b, 0, n - 1), done["duration_s"].to_numpy() / 60)
    ax.plot(centres, longest, color="tab:blue", lw=1.6, label=f"longest eclipse in the {unit}")
    shadow_pct = 100 * (1 - _binned(s["sunlit"], w, idx, n))
    ax2 = ax.twinx()
    ax2.plot(centres, shadow_pct, color="0.45", lw=1.0, ls="--", label="shadow, % of node-time")
    ax2.set_ylabel("shadow [% of time]", color="0.35")
    ax2.set_ylim(0, max(5.0, shadow_pct.max() * 1.15))
    ax.set_ylabel("eclipse [min]")
    ax.set_ylim(0, max(5.0, longest.max() * 1.15))
    lg = h.get("longest")
    txt = (f"longest eclipse {lg['duration_s'] / 60:.1f} min (at the {h['dt_s']:g} s step), "
           f"first on {run.when(lg['entry_s']):%d %b %Y}" if lg else "no complete eclipse")
    if "season_start_s" in h:
        txt += (f"; eclipses {run.when(h['season_start_s']):%d %b} – "
                f"{run.when(h['season_end_s']):%d %b}")
    ax.set_title(f"{title}: {txt}", fontsize=10)
    _legend(ax, ax2)

    # (b) full compute power and utilisation
    ax = axes[1]
    ax.plot(centres, 100 * _binned(s["full"], w, idx, n), color="tab:green", lw=1.6,
            label=f"node-time at full compute power ({h['full_power_fraction']:.1%} overall)")
    ax.plot(centres, 100 * _binned(s["utilization"], w, idx, n), color="tab:purple", lw=1.0,
            label=f"accelerator utilisation ({h['utilization_mean']:.1%})")
    ax.set_ylabel("[% of node-time]")
    ax.set_ylim(0, 105)
    _outside(ax)

    # (c) power
    ax = axes[2]
    scale, punit = (1e6, "MW") if s["solar_w"].max() >= 2e6 else (1e3, "kW")
    for key, colour, label in (("solar_w", "tab:orange", "array (to the bus)"),
                               ("load_w", "tab:blue", "load served"),
                               ("compute_w", "tab:purple", "of which accelerators"),
                               ("curtailed_w", "tab:red", "curtailed")):
        ax.plot(centres, _binned(s[key], w, idx, n) / scale, color=colour, lw=1.2, label=label)
    ax.set_ylabel(f"constellation, mean [{punit}]")
    ax.set_ylim(bottom=0)
    _outside(ax)

    # (d) battery
    ax = axes[3]
    bat = run.config["spacecraft"]["battery"]
    ax.plot(centres, _binned(s["soc_min"], w, idx, n, "min"), color="tab:red", lw=1.2,
            label="lowest state of charge of any satellite")
    ax.plot(centres, _binned(s["soc_mean"], w, idx, n), color="tab:blue", lw=1.0, label="mean")
    ax.axhline(bat["min_soc"], color="k", lw=0.8, ls=":", label=f"floor (min_soc {bat['min_soc']:g})")
    ax.set_ylabel("state of charge [1]")
    ax.set_ylim(min(bat["min_soc"] - 0.05, 0.95), 1.01)
    _outside(ax)

    # (e) temperatures
    ax = axes[4]
    th = run.config["spacecraft"]["thermal"]
    for key, how, colour, style, label in (
            ("electronics_max_k", "max", "tab:red", "-", "electronics, hottest satellite"),
            ("electronics_min_k", "min", "tab:red", "--", "electronics, coldest"),
            ("radiator_max_k", "max", "tab:blue", "-", "radiator, hottest"),
            ("radiator_min_k", "min", "tab:blue", "--", "radiator, coldest")):
        ax.plot(centres, _binned(s[key], w, idx, n, how) - 273.15, color=colour, ls=style, lw=1.2,
                label=label)
    ax.plot(centres, _binned(s["radiator_mean_k"], w, idx, n) - 273.15, color="tab:cyan", lw=0.9,
            label="radiator, mean")
    ax.axhline(th["throttle_start_k"] - 273.15, color="tab:red", lw=0.8, ls=":", label="throttle start")
    ax.axhline(th["heater_setpoint_k"] - 273.15, color="k", lw=0.8, ls=":", label="heater set point")
    ax.set_ylabel("temperature [°C]")
    _outside(ax)

    for ax in axes:
        ax.grid(alpha=0.3)
    if unit == "day" and n > 60:
        axes[-1].xaxis.set_major_locator(mdates.MonthLocator())
        axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%b"))
    else:
        axes[-1].xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=9))
        axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%d %b" if unit == "day" else "%d %b\n%H:%M"))
    axes[-1].set_xlabel(f"UTC (one point per {unit})")
    fig.tight_layout()
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_png)
    plt.close(fig)
    return out_png


def _legend(ax, ax2):
    """One legend for a panel and its twin axis, right of both."""
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", bbox_to_anchor=(1.07, 1.0), fontsize=8)


def _outside(ax):
    ax.legend(loc="upper left", bbox_to_anchor=(1.07, 1.0), fontsize=8)


def main(argv=None, *, title: str, default_run: str, extra=None) -> dict:
    """Command line of the per-scenario scripts: print the headline numbers (and ``extra(run, h)``
    lines), write the figure. Returns the numbers."""
    parser = argparse.ArgumentParser(description=f"Headline numbers of a {title} run")
    parser.add_argument("run", nargs="?", default=default_run, help=f"run file (default {default_run})")
    parser.add_argument("-o", "--figure", help="figure (PNG); default beside the run file")
    parser.add_argument("--no-figure", action="store_true", help="print only")
    args = parser.parse_args(argv)
    run = load_run(args.run)
    try:
        h = headline(run)
        print(f"{title} — {run.path}")
        for line in report_lines(run, h):
            print("  " + line)
        if extra is not None:
            for line in extra(run, h):
                print("  " + line)
        if not args.no_figure:
            out = Path(args.figure) if args.figure else run.path.with_suffix(".headline.png")
            print(f"  figure                    {plot(run, h, out, title)}")
    finally:
        run.ds.close()
    return h
