"""``twin report`` of one run file: the figures (:mod:`twin.report.ledger_figures`,
:mod:`twin.report.figures`) and a Markdown summary with the headline numbers (the accelerator
ledger first) and every ``/summary`` value; a sweep folder goes to :mod:`twin.report.sweep`. The
report says when it sampled a large file, and leaves the ledger out of a file without one.
"""
from __future__ import annotations

from pathlib import Path

from twin.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR
from twin.kernels.layout import LEDGER_CAUSES, MODE_NAMES
from twin.output.ledger import ledger_line
from twin.output.reader import RunFileError
from twin.output.schema import unit_of
from twin.report.style import STYLE, fmt as _fmt

from twin.report.figures import FIGURES
from twin.report.ledger_figures import LEDGER_FIGURES, ledger_hours
from twin.report.cost_figures import COST_FIGURES
from twin.report.html import write_html
from twin.report.link_figures import LINK_FIGURES
from twin.report.sample import RunSample, read_sample

# every figure of a run report, in the order of summary.md; a draw that returns None is left out
REPORT_FIGURES = LEDGER_FIGURES + COST_FIGURES + FIGURES + LINK_FIGURES

# (label, unit, function of the summary) — rows whose keys are missing are left out
HEADLINES = (
    ("Energy", (
        ("solar energy delivered to the bus", "kWh", lambda s: s["energy_solar_wh"] / 1e3),
        ("load energy (bus + compute + heaters)", "kWh", lambda s: s["energy_load_wh"] / 1e3),
        ("compute energy", "kWh", lambda s: s["energy_compute_wh"] / 1e3),
        ("heater energy", "kWh", lambda s: s["energy_heater_wh"] / 1e3),
        ("curtailed energy", "kWh", lambda s: s["energy_curtailed_wh"] / 1e3),
        ("battery losses (charge and discharge)", "kWh", lambda s: s["energy_loss_wh"] / 1e3),
        ("battery energy, start → end", "kWh",
         lambda s: f"{_fmt(s['battery_start_wh'] / 1e3)} → {_fmt(s['battery_end_wh'] / 1e3)}"),
        ("energy balance relative error", "1", lambda s: s["energy_balance_rel_error"]),
    )),
    ("Operations", (
        ("mean sunlit fraction", "%", lambda s: 100 * s["sunlit_fraction_mean"]),
        ("mean accelerator utilisation", "%", lambda s: 100 * s["utilization_mean"]),
        *((f"node-hours {name.replace('_', ' ')}", "h", lambda s, n=name: s[f"node_hours_{n}"])
          for name in MODE_NAMES),
    )),
    ("Jobs", (
        ("jobs submitted / completed / rejected", "1",
         lambda s: f"{s['jobs_submitted']:,} / {s['jobs_completed']:,} / {s['jobs_rejected']:,}"),
        ("jobs running / queued at the end", "1",
         lambda s: f"{s['jobs_running_at_end']:,} / {s['jobs_queued_at_end']:,}"),
        ("work delivered", "accelerator-h", lambda s: s["work_delivered_accel_h"]),
        ("compute delivered (at peak FLOP/s)", "FLOP", lambda s: s["flop_delivered"]),
        ("wait mean / p50 / p95 / p99", "min",
         lambda s: " / ".join(_fmt(s[k] / 60.0, 3) for k in ("wait_mean_s", "wait_p50_s", "wait_p95_s", "wait_p99_s"))),
        ("mean slowdown (turnaround / ideal run time)", "1", lambda s: s["slowdown_mean"]),
    )),
    ("Run", (
        ("satellites", "1", lambda s: s["n_satellites"]),
        ("simulated", "d", lambda s: s["simulated_s"] / SECONDS_PER_DAY),
        ("wall time", "s", lambda s: s["wall_s"]),
        ("speed", "satellite-steps/s", lambda s: s["satellite_steps_per_s"]),
    )),
)


def _sampling_note(sample: RunSample) -> str:
    parts = []
    if sample.record_stride > 1:
        parts.append(f"one record in {sample.record_stride:,}")
    if sample.sat_stride > 1:
        parts.append(f"one satellite in {sample.sat_stride:,}")
    return " and ".join(parts) or "everything"


def _ledger_lines(sample: RunSample) -> list[str]:
    """The ledger's one line and its table (cause, accelerator-hours, % of capacity), or a note
    that the file has none."""
    s = sample.summary
    line, hours = ledger_line(s), ledger_hours(s)
    if line is None or hours is None:
        return ["This run file has no accelerator ledger (it predates schema 2): where the "
                "accelerator-hours went is not recorded.", ""]
    capacity = hours["capacity"]
    lines = [f"**{line}**", "", "| accelerator ledger | accelerator-h | % of capacity |", "|---|---:|---:|",
             f"| installed capacity | {_fmt(capacity)} | 100 |"]
    for cause in LEDGER_CAUSES:
        label = "delivered" if cause == "delivered" else f"lost: {cause.replace('_', ' ')}"
        if cause == "no_demand":
            label = "idle: no demand (no job waiting)"
        share = 100.0 * hours[cause] / capacity
        lines.append(f"| {label} | {_fmt(hours[cause])} | {_fmt(share, 3)} |")
    limit = s.get("limiting_factor", "?")
    lines += [f"| limiting factor | {limit} | |"]
    if "ledger_closure_rel_error" in s:
        lines.append(f"| closure: \\|Σ causes − capacity\\| / capacity | {_fmt(s['ledger_closure_rel_error'])} | |")
    return lines + [""]


def _markdown(sample: RunSample, figures: list[tuple[Path, str, str]]) -> str:
    a, s = sample.attrs, sample.summary
    record_s = float(a.get("record_every_s", 0.0) or 0.0)
    lines = [
        f"# twin run report: {sample.path.name}", "",
        "| | |", "|---|---|",
        f"| file | `{sample.path}` ({sample.file_bytes / 1e6:.1f} MB) |",
        f"| status | {a.get('status', '?')} |",
        f"| epoch | {a.get('epoch_utc', '?')} |",
        f"| satellites | {sample.n_sats:,} in {sample.n_planes:,} plane(s) |",
        f"| recorded | {sample.n_records:,} records every {_fmt(record_s)} s "
        f"({sample.time_s[-1] / SECONDS_PER_HOUR:,.4g} h) |",
        f"| physics step, seed | {a.get('dt_s', '?')} s, {a.get('seed', '?')} |",
        f"| twin, config sha256 | {a.get('twin_version', '?')}, `{str(a.get('config_sha256', ''))[:12]}` |",
        "",
    ]
    if sample.sampled:
        lines += [f"This file is large, so the figures sample {_sampling_note(sample)}; the headline "
                  "numbers are the run's exact totals.", ""]
    lines += ["## Headline numbers", ""]
    if not s:
        lines += [f"No `/summary` yet: the run is `{a.get('status', '?')}`. Figures show the records "
                  "written so far.", ""]
    else:
        lines += _ledger_lines(sample)
        lines += ["| quantity | value | unit |", "|---|---:|---|"]
        for group, rows in HEADLINES:
            lines.append(f"| **{group}** | | |")
            for label, unit, get in rows:
                try:
                    value = get(s)
                except (KeyError, TypeError, ZeroDivisionError):
                    continue
                lines.append(f"| {label} | {value if isinstance(value, str) else _fmt(value)} | {unit} |")
        lines.append("")
    lines += ["## Figures", ""]
    for path, title, caption in figures:
        lines += [f"### {title}", "", f"![{title}]({path.name})", "", caption, ""]
    if s:
        lines += ["## All /summary values", "", "| key | value | unit |", "|---|---:|---|"]
        lines += [f"| `{k}` | {_fmt(v, 6)} | {'text' if isinstance(v, str) else unit_of(k)} |" for k, v in s.items()]
        lines.append("")
    return "\n".join(lines)


def _ground_track(track: dict, out_dir: Path) -> tuple:
    from twin.report.map import ground_track_figure

    shown = f"{len(track['names']):,} of {track['n_sats']:,} satellites" if track["sat_step"] > 1 else \
        f"{track['n_sats']:,} satellites"
    path = ground_track_figure(track["lon_deg"], track["lat_deg"], track["sunlit"], "sunlit",
                               out_dir / "ground_track.png", f"Ground tracks, last orbit ({shown})",
                               time_s=track["time_s"], names=track["names"])
    return (path, "Ground tracks", "Where the constellation was over its last orbit (WGS84 sub-satellite points, "
            "Natural Earth coastlines): each satellite's track, and a dot where it ended, coloured by its "
            "sunlit fraction (umbra, penumbra, full Sun).")


def write_report(run_path, out_dir, track: dict | None = None) -> list[Path]:
    """Write the figures (PNG) and ``summary.md`` for ``run_path`` into ``out_dir``; with
    ``track`` (``twin.cli.export.map_track``: longitudes, latitudes, sunlit fractions and times
    of the last orbit) also the ground-track map.

    ``run_path`` may also be a sweep folder (``runs/<sweep>/``) or its ``summary.h5``: then the
    report is the sweep's (:mod:`twin.report.sweep`), and when ``out_dir`` is the sweep folder
    itself (``twin report runs/<sweep>/`` without ``-o``) it goes into ``runs/<sweep>/report/``.

    Returns the paths written, figures first. Raises RunFileError for a missing, truncated,
    corrupt or foreign file, or one with no records yet.
    """
    import matplotlib

    from twin.report.sweep import find_sweep_summary, write_sweep_report

    sweep_summary = find_sweep_summary(run_path)
    if sweep_summary is not None:
        out_dir = Path(out_dir)
        if Path(run_path).is_dir() and out_dir.resolve() == Path(run_path).resolve():
            out_dir = out_dir / "report"
        return write_sweep_report(sweep_summary, out_dir)
    if Path(run_path).is_dir():
        raise RunFileError(f"{run_path}: a folder, not a run file (nor a sweep folder with a summary.h5)")
    sample = read_sample(run_path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context(STYLE):
        for filename, title, draw, caption in REPORT_FIGURES:
            figure = draw(sample, out_dir / filename)
            if figure is not None:
                written.append((figure, title, caption))
        if track is not None:
            written.append(_ground_track(track, out_dir))
    summary_md = out_dir / "summary.md"
    summary_md.write_text(_markdown(sample, written))
    report_html = write_html(summary_md, out_dir / "report.html")
    return [p for p, _, _ in written] + [summary_md, report_html]
