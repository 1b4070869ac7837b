"""What a run report reads from a run file (:class:`RunSample`): strided ``/state`` samples, the
eclipse window at full time resolution, job waits, attributes and the summary.

Large files are read with strides, so that no more than about 50 M values are loaded however big
the run: at most ``MAX_TIME_POINTS`` records and ``MAX_VALUES_PER_VARIABLE`` values per variable.
The accelerator ledger is read whole: ``/ledger`` holds the constellation's sum per record (a row
of eight numbers), so its figure is exact however big the run.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from twin.kernels.layout import MODE_NAMES
from twin.output import schema
from twin.output.schema import LEDGER
from twin.output.reader import RunFileError, n_records, open_h5, read_summary, read_table, reading
from twin.output.tables import n_rows

MAX_TIME_POINTS = 2000                # records per time series: more than a figure has pixels
MAX_VALUES_PER_VARIABLE = 4_000_000   # x 9 variables + eclipse window and blocks + jobs < ~50 M
MAX_JOB_ROWS = 2_000_000
ECLIPSE_WINDOW_S = 86400.0            # the eclipse map's full-resolution window [s]
ECLIPSE_BINS = 150                    # time bins of the whole-run eclipse map (long runs)
ECLIPSE_BLOCK_S = 4 * 3600.0          # records read per bin: two or more LEO orbits [s]

BAND_VARIABLES = ("soc", "electronics_temp_k", "radiator_temp_k", "solar_power_w", "load_power_w",
                  "compute_power_w", "curtailed_power_w")
OPTIONAL_BANDS = ("t_junction_k",)   # sampled where the file has them (schema 5 on)


@dataclass
class RunSample:
    """What the report reads from a run file: strided /state samples, the eclipse window at
    full time resolution, job waits, and the file's attributes and summary."""
    path: Path
    attrs: dict
    summary: dict
    config: dict
    n_records: int
    n_sats: int
    n_planes: int
    record_stride: int
    sat_stride: int
    time_s: np.ndarray                          # (R',) end of each sampled record [s]
    plane: np.ndarray                           # (N',) plane of each sampled satellite
    bands: dict = field(default_factory=dict)   # name -> (min, median, max) over satellites, (R',) each
    utilization_mean: np.ndarray = None         # (R',) mean over satellites [1]
    mode_counts: np.ndarray = None              # (modes, R') satellites per mode, scaled to N
    window_time_s: np.ndarray = None            # (W,) eclipse window at full resolution
    window_sunlit: np.ndarray = None            # (W, N')
    power_time_s: np.ndarray = None             # (W,) the window's records [s]
    power_values: dict = None                   # flow name -> (W, N') per-record power [W]
    orbit_period_s: float | None = None         # None: the power figure finds it from eclipses or altitude
    waits_s: np.ndarray = None                  # start_s - submit_s of started jobs [s]
    jobs_total: int = 0
    jobs_not_started: int = 0
    binned_sunlit: np.ndarray = None            # (bins, N'') orbit-mean sunlit fraction, long runs
    binned_plane: np.ndarray = None             # (N'',) their planes
    binned_sat_stride: int = 1
    bin_edges_s: np.ndarray = None              # (bins + 1,) [s]
    block_s: float = 0.0                        # records averaged at the start of each bin [s]
    job_stride: int = 1
    file_bytes: int = 0
    ledger: np.ndarray = None                   # (causes, T) accelerators per LEDGER_CAUSES, summed over
                                                # every satellite; None for a file without the ledger
    ledger_time_s: np.ndarray = None            # (T,) end of each point's window [s]
    ledger_stride: int = 1                      # records per point
    links: dict = None                          # runs with links: name -> (min, median, max) of links_live
                                                # and link_capacity_gbps over satellites, (R',) each
    comm_slowdown: np.ndarray = None            # completed jobs' comm_slowdown (runs with links) [1]
    ledger_means: bool = True                   # each point the mean over its ledger_stride records (/ledger
                                                # is read whole, so always exact)

    @property
    def sampled(self) -> bool:
        return self.record_stride > 1 or self.sat_stride > 1


def _strides(n_rec: int, n_sats: int) -> tuple[int, int]:
    record_stride = max(1, math.ceil(n_rec / MAX_TIME_POINTS))
    n_times = max(1, math.ceil(n_rec / record_stride))
    sat_stride = max(1, math.ceil(n_sats * n_times / MAX_VALUES_PER_VARIABLE))
    return record_stride, sat_stride


def _bands(values: np.ndarray) -> tuple:
    """(min, median, max) over satellites (axis 1) at each time, float64."""
    values = values.astype(np.float64, copy=False)
    if not np.isnan(values).any():  # np.nanmedian is slow; NaN is not expected in a run file
        return values.min(axis=1), np.median(values, axis=1), values.max(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows stay NaN
        return np.nanmin(values, axis=1), np.nanmedian(values, axis=1), np.nanmax(values, axis=1)


def _config(attrs: dict) -> dict:
    import yaml

    try:
        config = yaml.safe_load(attrs.get("config_yaml", "") or "")
    except yaml.YAMLError:
        return {}
    return config if isinstance(config, dict) else {}


def config_value(config: dict, dotted: str):
    node = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


# the flows the power figure draws as orbit means (twin.report.figures.fig_power)
POWER_VARIABLES = ("solar_power_w", "load_power_w", "compute_power_w", "curtailed_power_w")


def read_sample(path) -> RunSample:
    """Read what the figures need, with strides on large files; RunFileError on a bad file."""
    path = Path(path)
    with open_h5(path) as f, reading(path):
        n_rec = n_records(f)
        if n_rec == 0:
            raise RunFileError(f"{path}: no records yet, nothing to report")
        n_sats = f[schema.SAT].shape[0]
        ts, ss = _strides(n_rec, n_sats)
        rows = slice((n_rec - 1) % ts, n_rec, ts)  # ends on the last record
        cols = slice(0, n_sats, ss)
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        plane = f["plane"][cols]
        sample = RunSample(path=path, attrs=attrs, summary=read_summary(f), config=_config(attrs),
                           n_records=n_rec, n_sats=n_sats, n_planes=len(np.unique(f["plane"][...])),
                           record_stride=ts, sat_stride=ss, time_s=f[schema.TIME][rows], plane=plane,
                           file_bytes=path.stat().st_size)
        # one variable at a time, reduced over satellites at once: memory stays at one sample
        # what the file records (output.variables may leave variables out: their figures are not drawn)
        for name in (n for n in BAND_VARIABLES + OPTIONAL_BANDS if n in f):
            sample.bands[name] = _bands(f[name][rows, cols])
        if "utilization" in f:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows stay NaN
                sample.utilization_mean = np.nanmean(f["utilization"][rows, cols].astype(np.float64), axis=1)
        if "mode" in f:
            mode = f["mode"][rows, cols]
            weight = n_sats / mode.shape[1]  # scales the sampled satellites up to the constellation
            sample.mode_counts = np.stack([(mode == m).sum(axis=1) * weight for m in range(len(MODE_NAMES))])
            del mode
        time_all = f[schema.TIME]
        if n_rec <= MAX_TIME_POINTS:  # the whole run at full resolution
            window = n_rec
        else:  # the first day (at most MAX_TIME_POINTS records), then orbit means of the rest
            window = int(np.searchsorted(time_all[:MAX_TIME_POINTS], ECLIPSE_WINDOW_S, "right"))
            window = max(1, min(window, MAX_TIME_POINTS))
        sample.window_time_s = time_all[:window]
        sample.power_time_s = sample.window_time_s   # orbit means of power (the power figure)
        if all(n in f for n in POWER_VARIABLES):
            sample.power_values = {n: f[n][:window, cols].astype(np.float32) for n in POWER_VARIABLES}
        if "sunlit_fraction" in f:
            sample.window_sunlit = f["sunlit_fraction"][:window, cols]
            if n_rec > 3 * window:  # long enough for a whole-run view of eclipse seasons
                _read_sunlit_blocks(f, sample, cols)
        _read_ledger(f, sample)
        n_jobs = n_rows(f["jobs"])
        sample.job_stride = max(1, math.ceil(n_jobs / MAX_JOB_ROWS))
        jobs = read_table(f, "jobs", ("submit_s", "start_s"), step=sample.job_stride)
        if "links_live" in f:
            sample.links = {name: _bands(f[name][rows, cols]) for name in ("links_live", "link_capacity_gbps")}
            done = read_table(f, "jobs", ("status", "comm_slowdown"), step=sample.job_stride)
            slow = done["comm_slowdown"].to_numpy()[(done["status"] == "completed").to_numpy()]
            sample.comm_slowdown = slow[np.isfinite(slow)]
    started = np.isfinite(jobs["start_s"].to_numpy())
    sample.waits_s = (jobs["start_s"] - jobs["submit_s"]).to_numpy()[started]
    sample.jobs_total = n_jobs
    sample.jobs_not_started = int((~started).sum()) * sample.job_stride
    return sample


def _orbit_records(sunlit: np.ndarray) -> np.ndarray:
    """Per satellite (column), the median number of records between eclipse entries in
    ``sunlit`` (R, N), or 0 where fewer than two entries show (e.g. a dawn-dusk orbit)."""
    dark = sunlit < 0.5
    entries = dark[1:] & ~dark[:-1]
    period = np.zeros(sunlit.shape[1])
    for i in range(sunlit.shape[1]):
        at = np.flatnonzero(entries[:, i])
        if len(at) >= 2:
            period[i] = float(np.median(np.diff(at)))
    return period


def _read_sunlit_blocks(f, sample: RunSample, cols: slice) -> None:
    """Whole-run orbit-mean sunlit fraction in up to ``ECLIPSE_BINS`` time bins, so that eclipse
    seasons show rather than the aliased orbit. Each bin reads a contiguous block of
    ``ECLIPSE_BLOCK_S`` at its start and averages each satellite over a whole number of its
    orbits (the period comes from its eclipse entries in the full-resolution window); on very
    large files the blocks are read for fewer satellites, to stay within MAX_VALUES_PER_VARIABLE."""
    n_rec = sample.n_records
    record_s = float(sample.attrs.get("record_every_s", 60.0) or 60.0)
    block = max(1, math.ceil(ECLIPSE_BLOCK_S / record_s))
    n_bins = max(1, min(ECLIPSE_BINS, n_rec // block))
    bin_records = math.ceil(n_rec / n_bins)
    n_bins = math.ceil(n_rec / bin_records)
    block = min(block, bin_records)
    n_cols = sample.window_sunlit.shape[1]
    extra = max(1, math.ceil(n_bins * block * n_cols / MAX_VALUES_PER_VARIABLE))
    cols = slice(cols.start, cols.stop, cols.step * extra)
    window = sample.window_sunlit[:, ::extra]
    period = _orbit_records(window)
    whole = np.where((period > 0) & (period <= block), np.floor(block / np.maximum(period, 1)) * period, block)
    d = f["sunlit_fraction"]
    means = np.empty((n_bins, window.shape[1]))
    columns = np.arange(window.shape[1])
    for b in range(n_bins):
        start = b * bin_records
        values = d[start:min(start + block, n_rec), cols].astype(np.float64)
        length = np.clip(np.rint(whole).astype(np.int64), 1, len(values))
        means[b] = np.cumsum(values, axis=0)[length - 1, columns] / length
    sample.binned_sunlit = means
    sample.binned_plane = sample.plane[::extra]
    sample.binned_sat_stride = cols.step
    sample.bin_edges_s = np.r_[0.0, _bin_end_times(f, bin_records, n_rec)]
    sample.block_s = block * record_s


def _bin_end_times(f, bin_records: int, n_rec: int) -> np.ndarray:
    """End time of each bin of ``bin_records`` records [s]."""
    ends = np.minimum(np.arange(bin_records, n_rec + bin_records, bin_records), n_rec) - 1
    return f[schema.TIME][ends]


def _read_ledger(f, sample: RunSample) -> None:
    """The constellation's ledger over time (``sample.ledger``): for each cause, accelerators
    summed over all satellites (``/ledger``, one row a record), each point the time-weighted mean
    over ``ledger_stride`` whole records (at most MAX_TIME_POINTS points), so the areas add up to
    the /summary totals."""
    n_rec = sample.n_records
    stride = max(1, math.ceil(n_rec / MAX_TIME_POINTS))
    first = (n_rec - 1) % stride                 # points end on the last record
    ends = np.arange(first, n_rec, stride)
    time_all = f[schema.TIME][:n_rec]
    sample.ledger_time_s = time_all[first:n_rec:stride]
    sample.ledger_stride, sample.ledger_means = stride, True
    dt = np.diff(np.r_[0.0, time_all])
    group = (np.arange(n_rec) - first + stride - 1) // stride
    weight = np.bincount(group, weights=dt, minlength=len(ends))
    rows = f[LEDGER][:n_rec]
    sample.ledger = np.array([np.bincount(group, weights=rows[:, c] * dt, minlength=len(ends))
                              for c in range(rows.shape[1])])
    with np.errstate(invalid="ignore", divide="ignore"):
        sample.ledger /= weight

