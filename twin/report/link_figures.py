"""The figure of a run with inter-satellite links: how many links each satellite had up and what
they carried over time, and how much communication slowed the completed jobs."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from twin.report.figures import _new_figure, _plot_band, _sat_note, _time_axis
from twin.report.sample import RunSample
from twin.report.style import fmt as _fmt, save as _save


def fig_links(sample: RunSample, path: Path) -> Path | None:
    """Live links and their capacity per satellite (median and min–max over satellites), and
    the completed jobs' communication slowdown; None for a run without links."""
    if sample.links is None:
        return None
    fig, (ax_links, ax_cap, ax_jobs) = _new_figure(height=9.0, rows=3, sharex=False)
    unit_s, xlabel = _time_axis(sample)
    x = sample.time_s / unit_s
    _plot_band(ax_links, x, sample.links["links_live"], "#1f77b4", "links up per satellite")
    ax_links.set_ylabel("links up [1]")
    ax_links.set_ylim(bottom=0)
    ax_links.legend(loc="lower right", framealpha=0.9)
    _plot_band(ax_cap, x, sample.links["link_capacity_gbps"], "#2ca02c", "summed capacity of its live links")
    ax_cap.set_ylabel("capacity [Gbit/s]")
    ax_cap.set_ylim(bottom=0)
    ax_cap.set_xlabel(xlabel)
    ax_cap.legend(loc="lower right", framealpha=0.9)
    slow = sample.comm_slowdown
    if slow is None or len(slow) == 0:
        ax_jobs.text(0.5, 0.5, "no completed jobs", ha="center", va="center", transform=ax_jobs.transAxes)
        ax_jobs.set_xticks([])
        ax_jobs.set_yticks([])
    else:
        top = max(float(slow.max()), 1.01)
        ax_jobs.hist(slow, bins=np.linspace(1.0, top, 41), color="#d62728", alpha=0.75)
        median = float(np.median(slow))
        ax_jobs.axvline(median, color="0.2", linestyle=":", label=f"median {_fmt(median, 4)}")
        ax_jobs.legend(loc="upper right", framealpha=0.9)
        ax_jobs.set_xlabel("communication slowdown of a completed job: (work + time lost to communication) / work")
        ax_jobs.set_ylabel("jobs per bin")
    fig.suptitle(f"Inter-satellite links and what they cost the jobs, {_sat_note(sample)}", fontsize=13)
    return _save(fig, path)


LINK_FIGURES = (
    ("links.png", "Inter-satellite links", fig_links,
     "Links up per satellite and their summed capacity (means over each record interval: median and min–max "
     "over satellites), and how much communication slowed each completed job (1: not at all)."),
)
