"""The run report's figures, each drawn from a :class:`twin.report.sample.RunSample`: min / median /
max bands over satellites (state of charge, temperatures), orbit-mean power (percentiles over
satellites of each one's mean over the last orbit: an instant's min–max spans eclipse and full Sun
and says nothing), an eclipse map, job waits, and utilisation with node modes. ``FIGURES`` lists
them with their titles and captions.
"""
from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from twin.constants import CELSIUS_ZERO_K, SECONDS_PER_DAY, SECONDS_PER_HOUR
from twin.kernels.layout import MODE_NAMES
from twin.report.style import fmt as _fmt, save as _save

from twin.report.sample import RunSample, config_value

MODE_COLOURS = ("#4c9a2a", "#f2b134", "#8c8c8c", "#d1495b", "#5b2a86")


def _time_axis(sample: RunSample, span_s: float | None = None):
    """(scale [s per unit], axis label) for a time axis from the epoch to ``span_s`` (default:
    the whole run): minutes up to two hours, hours up to three days, else days."""
    span = float(sample.time_s[-1]) if span_s is None else span_s
    epoch = str(sample.attrs.get("epoch_utc", "")).replace("T", " ").replace("+00:00", " UTC")
    if span < 2 * SECONDS_PER_HOUR:
        return 60.0, f"time since {epoch} [min]"
    if span <= 3 * SECONDS_PER_DAY:
        return SECONDS_PER_HOUR, f"time since {epoch} [h]"
    return SECONDS_PER_DAY, f"time since {epoch} [d]"


def _sat_note(sample: RunSample) -> str:
    n_used = math.ceil(sample.n_sats / sample.sat_stride)
    if sample.sat_stride > 1:
        return f"{n_used:,} of {sample.n_sats:,} satellites (one in {sample.sat_stride})"
    return f"{sample.n_sats:,} satellite{'s' if sample.n_sats != 1 else ''}"


def _plot_band(ax, x, bands, colour, label, scale=1.0):
    """Median line over a shaded min–max band; x-axis from the epoch to the last record."""
    lo, mid, hi = bands
    ax.fill_between(x, lo * scale, hi * scale, color=colour, alpha=0.25, linewidth=0,
                    label=f"{label}: min–max")
    ax.plot(x, mid * scale, color=colour, linewidth=1.4, marker="o" if len(x) < 3 else None,
            label=f"{label}: median")
    ax.set_xlim(0.0, x[-1])


def _new_figure(width=10.0, height=4.8, rows=1, sharex=True):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # Agg, without pyplot's global state
    axes = fig.subplots(rows, 1, sharex=sharex, squeeze=False)[:, 0]
    return fig, axes


def fig_soc(sample: RunSample, path: Path) -> Path | None:
    if "soc" not in sample.bands:
        return None   # not recorded (output.variables)
    scale, xlabel = _time_axis(sample)
    x = sample.time_s / scale
    fig, (ax,) = _new_figure()
    _plot_band(ax, x, sample.bands["soc"], "#1f77b4", "state of charge", scale=100.0)
    for key, label, style in (("spacecraft.battery.min_soc", "min_soc (load shedding)", "--"),
                              ("spacecraft.battery.recover_soc", "recover_soc", ":")):
        level = config_value(sample.config, key)
        if isinstance(level, (int, float)):
            ax.axhline(100.0 * level, color="#d1495b", linestyle=style, linewidth=1.2, label=label)
    ax.set_ylim(0, 100)
    ax.set_title(f"Battery state of charge across {_sat_note(sample)}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("state of charge [%]")
    ax.legend(loc="lower left", ncols=2, framealpha=0.9)
    return _save(fig, path)


def fig_temperatures(sample: RunSample, path: Path) -> Path | None:
    scale, xlabel = _time_axis(sample)
    x = sample.time_s / scale
    panels = tuple(p for p in (("electronics_temp_k", "electronics node", "#d62728"),
                               ("radiator_temp_k", "radiator node", "#1f77b4"),
                               ("t_junction_k", "hottest accelerator junction (record mean)", "#ff7f0e"))
                   if p[0] in sample.bands)
    if not panels:
        return None   # not recorded (output.variables)
    junction = "t_junction_k" in sample.bands
    fig, axes = _new_figure(height=3.5 * len(panels), rows=len(panels))
    lo = min(float(np.nanmin(sample.bands[name][0])) for name, _, _ in panels)
    hi = max(float(np.nanmax(sample.bands[name][2])) for name, _, _ in panels)
    margin = 20.0  # [K] limits further than this from the data would only squash the bands
    # each panel's limits: the throttle's on the temperature it acts on (spacecraft.accelerator.
    # thermal_limit), the junction's own also when they do not act (marked so), the heaters' set point
    on_junction = config_value(sample.config, "spacecraft.accelerator.thermal_limit") == "junction"
    note = "" if on_junction else " (not acting)"
    keys = {"electronics_temp_k": (() if on_junction else (("spacecraft.thermal.shutdown_k", "shutdown", "#5b2a86"),
                                                           ("spacecraft.thermal.throttle_start_k", "throttle start",
                                                            "#f2b134")))
            + (("spacecraft.thermal.heater_setpoint_k", "heater setpoint", "#17becf"),),
            "t_junction_k": (("spacecraft.accelerator.junction_shutdown_k", "shutdown" + note, "#5b2a86"),
                             ("spacecraft.accelerator.junction_throttle_k", "throttle start" + note, "#f2b134"))}
    limits = {name: [(label, colour, config_value(sample.config, key)) for key, label, colour in panel_keys]
              for name, panel_keys in keys.items()}
    for ax, (name, label, colour) in zip(axes, panels):
        _plot_band(ax, x, sample.bands[name], colour, label)
        drawn = []   # limits on the scale: the axis reaches them
        if name in limits:
            for limit, limit_colour, level in limits[name]:
                if isinstance(level, (int, float)) and lo - margin <= level <= hi + margin:
                    ax.axhline(level, color=limit_colour, linestyle="--", linewidth=1.2,
                               label=f"{limit} ({level:.0f} K)")
                    drawn.append(level)
                elif isinstance(level, (int, float)):   # off the scale: said in the legend, with the gap
                    gap, side = (level - hi, "above the hottest node") if level > hi else (lo - level, "below the coldest node")
                    ax.plot([], [], linestyle="none", label=f"{limit} {level:.0f} K: {gap:.0f} K {side}")
        ax.set_ylim(min([lo, *drawn]) - 3.0, max([hi, *drawn]) + 3.0)
        ax.set_ylabel("temperature [K]")
        ax.secondary_yaxis("right", functions=(lambda k: k - CELSIUS_ZERO_K, lambda c: c + CELSIUS_ZERO_K)) \
            .set_ylabel("[°C]")
        ax.set_title(label, loc="left", fontsize=11)
        ax.legend(loc="upper left", bbox_to_anchor=(1.08, 1.0), framealpha=0.9)
    axes[-1].set_xlabel(xlabel)
    fig.suptitle(f"Electronics and radiator temperatures at the end of each record"
                 f"{', junction means over it' if junction else ''}, {_sat_note(sample)}", fontsize=13)
    return _save(fig, path)


POWER_PANELS = (("solar_power_w", "solar (delivered to the bus)", "#ff7f0e"),
                ("load_power_w", "load (bus + compute + heaters)", "#1f77b4"),
                ("compute_power_w", "compute (accelerators)", "#9467bd"),
                ("curtailed_power_w", "curtailed (neither used nor stored)", "#7f7f7f"))
POWER_PERCENTILES = (10.0, 50.0, 90.0)   # the band and the line of the power figure [%]
DEFAULT_ORBIT_PERIOD_S = 5700.0          # about 550 km, when neither eclipses nor the config tell
EARTH_GM_M3_S2 = 3.986004418e14          # WGS 84 (NIMA TR8350.2): only to guess a period from altitude


def orbit_mean(time_s, values, orbit_period_s: float, start_s: float | None = None) -> np.ndarray:
    """Trailing mean of each column of ``values`` over one orbital period, at every record.

    Parameters
    ----------
    time_s : array_like, shape (T,)
        End of each record [s], increasing and contiguous: record k covers (time_s[k-1], time_s[k]].
    values : array_like, shape (T, ...)
        The mean of a quantity over each record (the run file's power variables are such means).
    orbit_period_s : float
        Averaging window [s].
    start_s : float, optional
        Start of the first record [s]; default one record step before ``time_s[0]``.

    Returns
    -------
    numpy.ndarray, shape (T, ...)
        The mean over (t - P, t]: the integral of the record means, taken piecewise constant (the
        window's first record counts with the fraction of it inside), over P. NaN where the window
        reaches back before the first record, or where over half of it is NaN (NaN records are
        left out and the mean taken over the rest).
    """
    t = np.asarray(time_s, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if len(t) == 0:
        return v.copy()
    if start_s is None:
        start_s = t[0] - (t[1] - t[0]) if len(t) > 1 else 0.0
    edges = np.r_[start_s, t]
    width = np.diff(edges).reshape((-1,) + (1,) * (v.ndim - 1))
    valid = np.isfinite(v)
    zeros = np.zeros((1,) + v.shape[1:])
    energy = np.concatenate([zeros, np.cumsum(np.where(valid, v, 0.0) * width, axis=0)])
    covered = np.concatenate([zeros, np.cumsum(valid * width, axis=0)])
    begin = t - orbit_period_s
    inside = begin >= edges[0] - 1e-9 * max(1.0, abs(edges[0]))
    at = np.clip(np.searchsorted(edges, begin, "right") - 1, 0, len(edges) - 2)
    frac = np.clip((begin - edges[at]) / (edges[at + 1] - edges[at]), 0.0, 1.0).reshape(width.shape)

    def before(cum):   # the cumulative integral at the window's start, linear within a record
        return cum[at] + frac * (cum[at + 1] - cum[at])

    seen = covered[1:] - before(covered)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (energy[1:] - before(energy)) / seen
    return np.where(inside.reshape(width.shape) & (seen > 0.5 * orbit_period_s), mean, np.nan)


def orbit_mean_bands(time_s, values, orbit_period_s: float, percentiles=POWER_PERCENTILES,
                     start_s: float | None = None) -> tuple:
    """Percentiles over satellites (axis 1) of each satellite's orbit mean (:func:`orbit_mean`)
    of ``values`` (T, S): one (T,) array per percentile, NaN before the first whole orbit."""
    return _percentiles(orbit_mean(time_s, values, orbit_period_s, start_s), percentiles)


def _percentiles(values: np.ndarray, percentiles) -> tuple:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows (the first orbit) stay NaN
        return tuple(np.nanpercentile(values, q, axis=1) for q in percentiles)


def kepler_period_s(altitude_km: float) -> float:
    """Period of a circular orbit at ``altitude_km`` above the WGS 84 equatorial radius [s]."""
    a_m = 6_378_137.0 + 1e3 * altitude_km
    return 2.0 * math.pi * math.sqrt(a_m ** 3 / EARTH_GM_M3_S2)


def orbit_period_from_sunlit(time_s, sunlit) -> float | None:
    """The median time between eclipse entries (sunlit fraction falling below 1/2) over the
    satellites of ``sunlit`` (T, S) [s], or None when none enters eclipse twice."""
    t = np.asarray(time_s, dtype=np.float64)
    dark = np.asarray(sunlit, dtype=np.float64) < 0.5
    entries = dark[1:] & ~dark[:-1]
    gaps = [np.diff(t[1:][entries[:, i]]) for i in range(entries.shape[1])]
    gaps = np.concatenate(gaps) if gaps else np.empty(0)
    return float(np.median(gaps)) if len(gaps) else None


def _orbit_period(sample: RunSample) -> float:
    """From the sample if it knows, else eclipse entries, else the first shell's altitude."""
    known = getattr(sample, "orbit_period_s", None)
    if known:
        return float(known)
    if sample.window_sunlit is not None and len(sample.window_time_s) > 2:
        found = orbit_period_from_sunlit(sample.window_time_s, sample.window_sunlit)
        if found:
            return found
    shells, altitude = sample.config.get("constellation"), None
    if isinstance(shells, list) and shells and isinstance(shells[0], dict):
        altitude = shells[0].get("altitude_km")
    return kepler_period_s(float(altitude)) if isinstance(altitude, (int, float)) else DEFAULT_ORBIT_PERIOD_S


def fig_power(sample: RunSample, path: Path) -> Path:
    """Orbit-mean power per satellite: the 10–90 % band and the median over satellites, and one
    satellite's per-record power for the orbit's swing. Needs ``sample.power_time_s`` (W,) and
    ``sample.power_values`` (name -> (W, N'') per-record power [W] over contiguous records); a
    sample without them gets the min–max bands of ``sample.bands``."""
    values = getattr(sample, "power_values", None)
    if not values:
        if not all(name in sample.bands for name, _, _ in POWER_PANELS):
            return None   # not recorded (output.variables)
        return _fig_power_bands(sample, path)
    t = np.asarray(sample.power_time_s, dtype=np.float64)
    period = _orbit_period(sample)
    scale, xlabel = _time_axis(sample, float(t[-1]))
    x = t / scale
    fig, axes = _new_figure(height=9.0, rows=len(POWER_PANELS))
    lo_q, mid_q, hi_q = POWER_PERCENTILES
    drawn, stat = {}, "orbit mean"
    for name, _, _ in POWER_PANELS:
        raw = np.asarray(values[name], dtype=np.float64)
        drawn[name] = raw, orbit_mean_bands(t, raw, period)
    if not any(np.isfinite(bands[1]).any() for _, bands in drawn.values()):
        # shorter than one orbit: no orbit mean exists, so the percentiles of each record
        stat = "each record"
        drawn = {name: (raw, _percentiles(raw, POWER_PERCENTILES)) for name, (raw, _) in drawn.items()}
    finite = [a[np.isfinite(a)] for raw, bands in drawn.values() for a in (raw[:, 0], bands[2])]
    top = max([float(a.max()) for a in finite if a.size] + [1.0]) / 1e3
    for ax, (name, label, colour) in zip(axes, POWER_PANELS):
        raw, (lo, mid, hi) = drawn[name]
        ax.plot(x, raw[:, 0] / 1e3, color=colour, linewidth=0.6, alpha=0.45)
        ax.fill_between(x, lo / 1e3, hi / 1e3, color=colour, alpha=0.3, linewidth=0)
        ax.plot(x, mid / 1e3, color=colour, linewidth=1.8)
        ax.set_xlim(0.0, x[-1])
        ax.set_ylim(0, top * 1.05)
        ax.set_ylabel("power [kW]")
        ax.set_title(label, loc="left", fontsize=11)
    axes[-1].set_xlabel(xlabel)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(color="0.5", alpha=0.4, label=f"{lo_q:.0f}–{hi_q:.0f} % of satellites"),
                        Line2D([], [], color="0.2", linewidth=1.8, label="median over satellites"),
                        Line2D([], [], color="0.2", linewidth=0.6, alpha=0.5, label="first satellite, each record")],
               loc="outside lower center", ncols=3, framealpha=0.9)
    span = "" if t[-1] >= sample.time_s[-1] - 1e-6 else \
        f", first {t[-1] / SECONDS_PER_HOUR:,.3g} h of {sample.time_s[-1] / SECONDS_PER_HOUR:,.4g} h"
    n_used = np.shape(values[POWER_PANELS[0][0]])[1]
    sats = _sat_note(sample) if n_used == math.ceil(sample.n_sats / sample.sat_stride) else \
        f"{n_used:,} of {sample.n_sats:,} satellites"
    what = f"mean over the last orbit ({period / 60.0:.1f} min)" if stat == "orbit mean" else \
        f"each record (the run is shorter than an orbit, {period / 60.0:.1f} min)"
    fig.suptitle(f"Power per satellite, {what}{span}, {sats}", fontsize=13)
    return _save(fig, path)


def _fig_power_bands(sample: RunSample, path: Path) -> Path:
    scale, xlabel = _time_axis(sample)
    x = sample.time_s / scale
    fig, axes = _new_figure(height=8.5, rows=len(POWER_PANELS))
    # the finite values only: a damaged file can hold inf, and matplotlib refuses infinite limits
    top = max(float(np.nanmax(np.where(np.isfinite(sample.bands[name][2]), sample.bands[name][2], np.nan),
                              initial=0.0)) for name, _, _ in POWER_PANELS) / 1e3
    for ax, (name, label, colour) in zip(axes, POWER_PANELS):
        _plot_band(ax, x, sample.bands[name], colour, "", scale=1e-3)
        ax.set_ylim(0, max(top, 1e-3) * 1.05)
        ax.set_ylabel("power [kW]")
        ax.set_title(label, loc="left", fontsize=11)
    axes[-1].set_xlabel(xlabel)
    from matplotlib.patches import Patch
    from matplotlib.lines import Line2D
    axes[0].legend(handles=[Patch(color="0.5", alpha=0.35, label="min–max over satellites"),
                            Line2D([], [], color="0.2", linewidth=1.4, label="median")],
                   loc="upper right", ncols=2, framealpha=0.9)
    fig.suptitle(f"Power per satellite (mean over each record interval), {_sat_note(sample)}",
                 fontsize=13)
    return _save(fig, path)


def _plane_order(plane: np.ndarray):
    """Satellites sorted by plane (stable, so index order within a plane), plane boundaries."""
    order = np.argsort(plane, kind="stable")
    sorted_planes = plane[order]
    starts = np.flatnonzero(np.r_[True, sorted_planes[1:] != sorted_planes[:-1]])
    return order, sorted_planes, starts


def _eclipse_image(ax, x_edges, image, plane, title, vmin=0.0):
    """Satellites (rows, sorted by plane) × time (columns) image of the sunlit fraction.
    Uniform time steps are drawn with imshow (fast for large images), others with pcolormesh."""
    order, sorted_planes, starts = _plane_order(plane)
    style = {"cmap": "cividis", "vmin": vmin, "vmax": 1.0}
    steps = np.diff(x_edges)
    if len(steps) and np.allclose(steps, steps[0], rtol=1e-6):
        im = ax.imshow(image[:, order].T, aspect="auto", origin="lower", interpolation="nearest",
                       extent=(x_edges[0], x_edges[-1], -0.5, len(order) - 0.5), **style)
    else:
        im = ax.pcolormesh(x_edges, np.arange(len(order) + 1) - 0.5, image[:, order].T,
                           shading="flat", rasterized=True, **style)
    for s in starts[1:]:
        ax.axhline(s - 0.5, color="0.55", linewidth=0.8)
    ends = np.r_[starts[1:], len(order)]
    every = max(1, math.ceil(len(starts) / 16))  # at most ~16 plane labels
    ticks = [(a + b - 1) / 2 for a, b in zip(starts[::every], ends[::every])]
    labels = [f"plane {p}" if p >= 0 else "plane unknown" for p in sorted_planes[starts][::every]]
    ax.set_yticks(ticks, labels)
    ax.grid(False)
    ax.set_title(title, loc="left", fontsize=11)
    return im


def fig_eclipse_map(sample: RunSample, path: Path) -> Path | None:
    if sample.window_sunlit is None:
        return None   # sunlit_fraction not recorded (output.variables)
    scale, xlabel = _time_axis(sample)
    binned = sample.binned_sunlit
    fig, axes = _new_figure(height=5.5 if binned is None else 9.5, rows=1 if binned is None else 2,
                            sharex=False)
    t = sample.window_time_s
    x_edges = np.r_[0.0, t]  # the window starts at the first record, whose interval starts at 0
    if len(t) == sample.n_records:
        title, w_scale, w_label = "whole run, every record", scale, xlabel
    else:  # the first day, in hours
        title = f"first {t[-1] / SECONDS_PER_HOUR:.3g} h of {sample.time_s[-1] / SECONDS_PER_HOUR:,.4g} h, every record"
        w_scale, w_label = _time_axis(sample, float(t[-1]))
    im = _eclipse_image(axes[0], x_edges / w_scale, sample.window_sunlit, sample.plane, title)
    axes[0].set_xlabel(w_label)
    fig.colorbar(im, ax=axes[0], label="sunlit fraction [1]\n(0 = umbra, 1 = full Sun)")
    if binned is not None:
        vmin = max(0.0, math.floor(float(np.nanmin(binned)) * 20.0) / 20.0 - 0.05)
        bin_h = (sample.bin_edges_s[1] - sample.bin_edges_s[0]) / SECONDS_PER_HOUR
        fewer = (f", one satellite in {sample.binned_sat_stride:,}"
                 if sample.binned_sat_stride > sample.sat_stride else "")
        im = _eclipse_image(axes[1], sample.bin_edges_s / scale, binned, sample.binned_plane,
                            f"whole run: mean over whole orbits in the first {sample.block_s / SECONDS_PER_HOUR:.3g} h "
                            f"of every {bin_h:.3g} h{fewer}", vmin=vmin)
        axes[1].set_xlabel(xlabel)
        fig.colorbar(im, ax=axes[1], label="orbit-mean sunlit fraction [1]")
    fig.suptitle(f"Eclipse map: sunlit fraction per satellite, sorted by plane ({_sat_note(sample)})",
                 fontsize=13)
    return _save(fig, path)


def fig_job_wait(sample: RunSample, path: Path) -> Path:
    fig, (ax,) = _new_figure(height=5.0)
    waits_min = sample.waits_s / 60.0
    ax.set_xlabel("wait from submission to start [min]")
    if len(waits_min) == 0:
        ax.text(0.5, 0.5, f"no started jobs\n({sample.jobs_total:,} job rows in the file)",
                ha="center", va="center", transform=ax.transAxes, fontsize=14)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title("Job wait distribution")
        return _save(fig, path)
    top = max(float(waits_min.max()), 1.0)
    counts, _, _ = ax.hist(waits_min, bins=np.linspace(0.0, top, 41), color="#1f77b4", alpha=0.75,
                           label="jobs per bin (left axis)")
    if counts.max() > 20 * max(np.median(counts[counts > 0]), 1.0):
        ax.set_yscale("log")  # one crowded bin would flatten the rest
    ax.set_ylabel("jobs per bin" + (f" (one row in {sample.job_stride})" if sample.job_stride > 1 else ""))
    ax2 = ax.twinx()
    ranked = np.sort(waits_min)
    share = np.arange(1, len(ranked) + 1) / len(ranked) * 100.0
    if len(ranked) > 4000:  # more steps than pixels
        keep = np.unique(np.linspace(0, len(ranked) - 1, 4000).astype(np.int64))
        ranked, share = ranked[keep], share[keep]
    ax2.step(ranked, share, where="post",
             color="#d62728", linewidth=1.6, label="share of jobs waiting at most this long (right axis)")
    ax2.set_ylim(0, 101)
    ax2.set_ylabel("cumulative share of started jobs [%]")
    ax2.grid(False)
    for q, style in ((50, ":"), (95, "--")):
        value = float(np.percentile(waits_min, q))
        ax.axvline(value, color="0.2", linestyle=style, linewidth=1.1, label=f"p{q} = {_fmt(value, 3)} min")
    ax.set_xlim(0, top * 1.02)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, framealpha=0.9)
    never = f"; {sample.jobs_not_started:,} never started" if sample.jobs_not_started else ""
    ax.set_title(f"Job wait distribution: {len(waits_min) * sample.job_stride:,} started jobs{never}")
    return _save(fig, path)


def fig_utilization(sample: RunSample, path: Path) -> Path | None:
    if sample.utilization_mean is None or sample.mode_counts is None:
        return None   # utilization or mode not recorded (output.variables)
    scale, xlabel = _time_axis(sample)
    x = sample.time_s / scale
    fig, (ax, ax_mode) = _new_figure(height=7.0, rows=2)
    ax.plot(x, sample.utilization_mean * 100.0, color="#1f77b4", linewidth=1.4, label="constellation mean")
    ax.set_ylim(0, 102)
    ax.set_ylabel("utilisation [%]")
    ax.set_title("Accelerator utilisation (busy accelerators × rate / accelerators)", loc="left", fontsize=11)
    ax.legend(loc="best", framealpha=0.9)
    ax_mode.stackplot(x, sample.mode_counts, labels=[n.replace("_", " ") for n in MODE_NAMES], colors=MODE_COLOURS,
                      alpha=0.9, linewidth=0)
    ax.set_xlim(0.0, x[-1])
    ax_mode.set_ylim(0, sample.n_sats * 1.02)
    ax_mode.set_ylabel("satellites" + (" (estimated)" if sample.sat_stride > 1 else ""))
    ax_mode.set_title("Satellites per node mode at the end of each record", loc="left", fontsize=11)
    ax_mode.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=0.9)
    ax_mode.set_xlabel(xlabel)
    fig.suptitle(f"Utilisation and node modes, {_sat_note(sample)}", fontsize=13)
    return _save(fig, path)


FIGURES = (
    ("soc.png", "State of charge", fig_soc,
     "Battery state of charge at the end of each record: median over satellites and its min–max range."),
    ("temperatures.png", "Temperatures", fig_temperatures,
     "Electronics and radiator node temperatures at the end of each record: median and min–max over satellites."),
    ("power.png", "Power", fig_power,
     "Solar, load, compute and curtailed power per satellite, each averaged over the orbit before "
     "each instant: the median and 10–90 % of satellites, and one satellite's per-record power for "
     "the swing within an orbit (the first orbit has no mean yet)."),
    ("eclipse_map.png", "Eclipse map", fig_eclipse_map,
     "Sunlit fraction of each satellite over time (dark: eclipse), satellites sorted by plane; "
     "runs longer than about three days add a whole-run panel of orbit-mean sunlit fraction."),
    ("job_wait.png", "Job waits", fig_job_wait,
     "Time from submission to start of every started job: histogram and cumulative share."),
    ("utilization.png", "Utilisation and node modes", fig_utilization,
     "Constellation-mean accelerator utilisation, and how many satellites are in each node mode."),
)
