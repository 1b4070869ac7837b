"""Replay of real GPU-cluster job traces through a column mapping.

A trace is a CSV or JSON Lines file with one row (object) per job or attempt of a job.
:class:`TraceMapping` says which columns hold the submit time, the duration (or start and end
times), the number of accelerators, an optional fractional share of one accelerator, a priority,
the user's runtime estimate, the job's own id and its accelerator type, and how times are written (numbers of a time unit, or
dates); :func:`load_trace` turns the file into plain arrays (:class:`TraceJobs`) in SI units that
the workload and the scheduler consume.

Every row that does not become a job is counted under a reason in ``TraceJobs.dropped``;
nothing is dropped silently (:mod:`twin.ops.trace_summary` puts the counts in a run's
/summary and logs them). Malformed files (missing file or column, non-numeric or negative
numeric times, fractional accelerator counts, unmapped priorities, nothing left) raise
:class:`TraceError` with one line naming the file, the column and what is wrong.

References
----------
Weng, Q. et al., "Beware of Fragmentation: Scheduling GPU-Sharing Workloads with
Fragmentation Gradient Descent", USENIX ATC'23. Trace: alibaba/clusterdata,
``cluster-trace-gpu-v2023/csv/openb_pod_list_default.csv`` @ 50a91c7c
(copied to ``configs/data/``, see ``configs/data/TRACE_SOURCES.md``).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from twin.config.trace_mapping import FilterValues, TraceMapping
from twin.errors import InputError
from twin.ops.checkpoints import BYTES_PER_GB

if TYPE_CHECKING:   # imported where used: a run without a trace does not pay for pandas (0.2 s)
    import pandas as pd

# Cell texts read as "no value" in numeric and date columns (case-insensitive, after stripping).
_MISSING_TEXTS = frozenset({"", "nan", "na", "n/a", "null", "none", "nat"})
TRACE_ID_BYTES = 32    # /jobs trace_id holds this many UTF-8 bytes of a trace's job id; longer ids are cut
# Reasons a row does not become a job, in the order they are tried (each row counted under the
# first that applies), besides ``filtered:<column>`` (first of all); the run adds ``after_run``.
DROP_REASONS = ("gpu_type", "unparseable_time", "attempts", "missing_accelerators", "too_few_accelerators",
                "missing_submit", "missing_duration", "negative_duration", "zero_duration", "missing_fraction",
                "before_offset", "beyond_max_jobs")
# an ISO 8601 date and time with its UTC offset (Z, +08:00, +0800, +08 after the time)
_ISO_OFFSET = re.compile(r"[T ].*(?:[zZ]|[+-]\d\d(?::?\d\d)?)$")


class TraceError(InputError):
    """A trace file does not fit its mapping (one line: file, column, what is wrong)."""


@dataclass(frozen=True)
class TraceJobs:
    """Jobs of a trace, sorted by submit time (ties keep file order).

    Attributes
    ----------
    submit_s : (J,) float64 — arrival time since the simulation epoch [s], ascending
    work_accel_s : (J,) float64 — work at full speed [accelerator-s], > 0
    n_accelerators : (J,) int32 — accelerators requested, >= 1
    priority : (J,) int32 — larger = more important
    dropped : reason -> number of trace rows that did not become jobs
    censored : (J,) bool — the duration is a lower bound (e.g. still running at trace end)
    notes : counts about kept jobs that are worth reporting (``censored``)
    trace_id : (J,) S32 — the job's id in the trace (``id_column``, UTF-8, cut to 32 bytes); empty if none
    estimate_s : (J,) float64 — the user's runtime estimate at full rate (``estimate_column``) [s]; NaN if none
    checkpoint_bytes : (J,) float64 — the job's state (``checkpoint_gb_column``) [B]; NaN if none
    rows_read : rows (JSON Lines: objects) in the file; kept jobs + dropped rows
    file : the file read
    filter_columns : the columns of the mapping's ``filters`` (reasons ``filtered:<column>``)
    """

    submit_s: np.ndarray
    work_accel_s: np.ndarray
    n_accelerators: np.ndarray
    priority: np.ndarray
    dropped: dict[str, int]
    censored: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    notes: dict[str, int] = field(default_factory=dict)
    trace_id: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=f"S{TRACE_ID_BYTES}"))
    estimate_s: np.ndarray | None = None
    checkpoint_bytes: np.ndarray | None = None
    rows_read: int = -1
    file: str = ""
    filter_columns: tuple[str, ...] = ()

    def __post_init__(self):
        n_jobs = len(self.submit_s)
        if len(self.censored) == 0 and n_jobs > 0:
            object.__setattr__(self, "censored", np.zeros(n_jobs, dtype=bool))
        if self.trace_id is None or (len(self.trace_id) == 0 and n_jobs > 0):
            object.__setattr__(self, "trace_id", np.zeros(n_jobs, dtype=f"S{TRACE_ID_BYTES}"))
        if self.estimate_s is None:
            object.__setattr__(self, "estimate_s", np.full(n_jobs, np.nan))
        if self.checkpoint_bytes is None:
            object.__setattr__(self, "checkpoint_bytes", np.full(n_jobs, np.nan))
        if self.rows_read < 0:
            object.__setattr__(self, "rows_read", n_jobs + sum(self.dropped.values()))
        for name in ("work_accel_s", "n_accelerators", "priority", "censored", "trace_id", "estimate_s",
                     "checkpoint_bytes"):
            if len(getattr(self, name)) != n_jobs:
                raise ValueError(f"TraceJobs.{name} has {len(getattr(self, name))} entries, submit_s has {n_jobs}")

    def __len__(self) -> int:
        return len(self.submit_s)


# ---------------------------------------------------------------- reading and parsing
def _read_table(path: Path, columns: list[str], file_format: str = "csv") -> pd.DataFrame:
    """The named columns of a CSV or JSON Lines file as stripped text ('' where empty), in file order."""
    import pandas as pd

    if not path.is_file():
        raise TraceError(f"{path}: trace file not found")
    if file_format == "jsonl":
        return _read_jsonl(path, columns)
    try:
        header = pd.read_csv(path, nrows=0).columns
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise TraceError(f"{path}: not a readable CSV ({e})") from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise TraceError(f"{path}: column {missing[0]!r} not found (columns: {', '.join(map(str, header))})")
    try:
        table = pd.read_csv(path, usecols=columns, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise TraceError(f"{path}: not a readable CSV ({e})") from None
    return table.apply(lambda col: col.str.strip())


def _cell_text(value) -> str:
    """A JSON value as the text a CSV cell would hold: null -> '', numbers as written, others as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, separators=(",", ":"))


def _read_jsonl(path: Path, columns: list[str]) -> pd.DataFrame:
    """The named keys of a JSON Lines file (one object per non-blank line) as text; a key missing
    from one object is an empty cell there, a key missing from every object a TraceError."""
    import pandas as pd

    cells: dict[str, list[str]] = {c: [] for c in columns}
    seen: set[str] = set()
    try:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as e:
                    raise TraceError(f"{path}: line {number} is not JSON ({e.msg})") from None
                if not isinstance(record, dict):
                    raise TraceError(f"{path}: line {number} is not a JSON object")
                seen.update(record)
                for c in columns:
                    cells[c].append(_cell_text(record.get(c)))
    except UnicodeDecodeError as e:
        raise TraceError(f"{path}: not a readable JSON Lines file ({e})") from None
    missing = [c for c in columns if c not in seen]
    if missing:
        raise TraceError(f"{path}: column {missing[0]!r} not found (keys: {', '.join(sorted(seen))})")
    return pd.DataFrame(cells, columns=columns, dtype=str)


def _date_ns(text: pd.Series, mapping: TraceMapping) -> tuple[np.ndarray, np.ndarray]:
    """Dates of a column (``mapping.time_format``: iso8601 or a strftime pattern) as int64
    nanoseconds since 1970-01-01 UTC, naive dates read in ``mapping.timezone``; and a mask of the
    cells that hold something but no date (a local time made ambiguous or skipped by a daylight
    saving change counts as one). Missing cells are NaT (the int64 minimum)."""
    import pandas as pd

    empty = text.str.lower().isin(_MISSING_TEXTS).to_numpy()
    fmt = "ISO8601" if mapping.time_format == "iso8601" else mapping.time_format
    if mapping.time_format == "iso8601":
        aware = text.str.contains(_ISO_OFFSET).to_numpy() & ~empty
    else:
        aware = np.full(len(text), "%z" in fmt or "%Z" in fmt) & ~empty
    ns = np.full(len(text), np.iinfo(np.int64).min, dtype=np.int64)
    for subset, utc in ((aware, True), (~aware & ~empty, False)):
        if not subset.any():
            continue
        parsed = pd.to_datetime(text[subset], format=fmt, errors="coerce", utc=utc)
        if utc:
            parsed = parsed.dt.tz_localize(None)
        else:
            parsed = parsed.dt.tz_localize(mapping.timezone, ambiguous="NaT", nonexistent="NaT")
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        ns[subset] = parsed.dt.as_unit("ns").to_numpy().view(np.int64)
    bad = ~empty & (ns == np.iinfo(np.int64).min)
    return ns, bad


def _relative_s(ns: np.ndarray, zero_ns: int) -> np.ndarray:
    """int64 nanoseconds (NaT = int64 minimum) as float64 seconds after ``zero_ns``, NaN for NaT."""
    out = (ns - zero_ns) / 1e9
    out[ns == np.iinfo(np.int64).min] = np.nan
    return out


def _job_ids(text: pd.Series) -> np.ndarray:
    """Trace job ids as UTF-8 bytes of at most TRACE_ID_BYTES, cut at a character boundary."""
    cut = [t.encode("utf-8")[:TRACE_ID_BYTES].decode("utf-8", "ignore").encode("utf-8") for t in text]
    return np.array(cut, dtype=f"S{TRACE_ID_BYTES}")


def _numeric(table: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    """Column as float64, NaN where the cell is empty; non-numeric text is a TraceError."""
    import pandas as pd

    text = table[column]
    empty = text.str.lower().isin(_MISSING_TEXTS).to_numpy()
    values = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype=np.float64)
    bad = ~empty & ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise TraceError(f"{path}: column {column!r} has non-numeric value {text.iloc[row]!r} "
                         f"(line {row + 2}; {int(bad.sum())} such rows)")
    return values


def _no_negative(values: np.ndarray, column: str, path: Path) -> None:
    negative = values < 0
    if negative.any():
        row = int(np.flatnonzero(negative)[0])
        raise TraceError(f"{path}: column {column!r} has negative time {values[row]:g} "
                         f"(line {row + 2}; {int(negative.sum())} such rows)")


def _matches(text: pd.Series, wanted: FilterValues) -> np.ndarray:
    """Rows whose text equals a wanted string or whose number equals a wanted number."""
    import pandas as pd

    strings = [w for w in wanted if isinstance(w, str)]
    numbers = [w for w in wanted if not isinstance(w, str)]
    hit = text.isin(strings).to_numpy()
    if numbers:
        hit = hit | pd.to_numeric(text, errors="coerce").isin(numbers).to_numpy()
    return hit


# ---------------------------------------------------------------- the loader
def load_trace(mapping: TraceMapping, base_dir: Path | None = None) -> TraceJobs:
    """Read a job trace into :class:`TraceJobs` through its column mapping.

    Parameters
    ----------
    mapping : TraceMapping
        Columns, units and selection; ``mapping.file`` relative to ``base_dir`` if given.
    base_dir : Path, optional
        Folder that a relative ``mapping.file`` is resolved against (the config's folder).

    Returns
    -------
    TraceJobs
        ``submit_s = (t_submit * time_unit_s - start_offset_s) * time_scale`` [s];
        ``work_accel_s = duration * time_unit_s * n_accelerators * fraction * size_scale``
        [accelerator-s]. ``time_scale`` stretches arrivals only, never durations.
        ``estimate_s = estimate * time_unit_s * fraction * size_scale`` [s] (``estimate_column``;
        NaN without one or where the cell is empty): the user's runtime estimate, scaled as the
        duration so that its ratio to the job's runtime at full rate stays the trace's.

    Rows are removed in this order, each counted once under the first reason that applies:
    ``filtered:<column>`` (value not in ``filters``), ``gpu_type`` (``gpu_type_column`` not in
    ``gpu_types``), ``unparseable_time`` (a date that does not parse), ``attempts`` (with
    ``attempts: first`` or ``last``: the other rows of the same ``id_column`` value, by submit
    time, file order between equal times; rows without an id are jobs of their own),
    ``missing_accelerators``,
    ``too_few_accelerators`` (``< min_accelerators``, e.g. CPU-only rows), ``missing_submit``,
    ``missing_duration`` (empty duration, start or end), ``negative_duration``,
    ``zero_duration``, ``missing_fraction``, ``before_offset`` (submit < ``start_offset_s``),
    ``beyond_max_jobs``. Rows matching ``censored`` are kept and flagged; their count is in
    ``notes["censored"]``. Per-row GPU-type selection: ``gpu_type_column`` and ``gpu_types``
    (counted as ``gpu_type``), or any column in ``filters`` (counted per column).

    Times: with ``time_format: seconds`` the submit, start and end columns are numbers of
    ``time_unit_s`` from the trace's own zero. With ``iso8601`` or a strftime pattern they are
    dates (naive ones in ``timezone``, DST-ambiguous local times unparseable), counted in
    seconds from the earliest submit date in the file (whatever the filters), and
    ``start_offset_s`` applies from there; a ``duration_column`` is always a number of
    ``time_unit_s``, and so is an ``estimate_column``. Helios (SenseTime, SC'21) ``cluster_log.csv``, for instance: submit =
    ``submit_time``, duration = ``duration`` [s], accelerators = ``gpu_num``, id = ``job_id``,
    ``time_format: iso8601`` (naive dates; their zone is not documented and, without daylight
    saving, only their differences matter), see configs/data/TRACE_SOURCES.md.

    Fractional accelerators: a job with share f of each of its n accelerators (``gpu_milli /
    1000``) asks for n whole accelerators, and its work is scaled by f: n * f * duration
    accelerator-seconds, so a 0.25-GPU job holding a GPU for 4 h becomes 1 accelerator-hour
    of work and runs 1 h on a dedicated accelerator (twin does not share one accelerator
    between jobs; this keeps the trace's delivered accelerator-time). Leave
    ``accelerator_fraction_column`` unset to book whole accelerators for the full duration
    instead (an upper bound on demand).

    Alibaba cluster-trace-gpu-v2023 (``openb_pod_list_*.csv``; times in seconds from the
    trace start): submit = ``creation_time``, start = ``scheduled_time`` (empty for Pending
    pods, which never ran), end = ``deletion_time``, accelerators = ``num_gpu`` (0 = CPU-only
    pod, dropped), fraction = ``gpu_milli`` / 1000 (below 1000 only for 1-GPU pods), priority
    from ``qos`` (Kubernetes Guaranteed > latency-sensitive LS > Burstable > best-effort BE).
    Failed pods occupied their GPUs from scheduling to deletion and are kept as load; Running
    pods are cut at the trace end, so their duration is a lower bound (flagged censored).
    Ready-to-paste scenario snippet (file relative to ``configs/``)::

        workload:
          kind: trace
          mapping:
            file: data/alibaba_openb_pod_list_default.csv
            time_unit_s: 1.0
            submit_column: creation_time
            start_column: scheduled_time
            end_column: deletion_time
            accelerators_column: num_gpu
            accelerator_fraction_column: gpu_milli
            accelerator_fraction_scale: 1000
            priority_column: qos
            priority_map: {Guaranteed: 3, LS: 2, Burstable: 1, BE: 0}
            filters: {pod_phase: [Succeeded, Failed, Running]}
            censored: {pod_phase: [Running]}
            min_accelerators: 1

    Raises
    ------
    TraceError
        Missing file or column, non-numeric or negative times, negative or fractional
        accelerator counts, fractions outside (0, 1], unmapped priorities, no job left.
    """
    import pandas as pd

    m = mapping
    path = Path(m.file)
    if base_dir is not None and not path.is_absolute():
        path = Path(base_dir) / path
    start_column = m.start_column or m.submit_column
    wanted = [m.submit_column, m.duration_column, m.end_column, start_column, m.accelerators_column,
              m.accelerator_fraction_column, m.priority_column, m.id_column, m.gpu_type_column, m.estimate_column,
              m.checkpoint_gb_column, *m.filters, *m.censored]
    columns = list(dict.fromkeys(c for c in wanted if c is not None))
    table = _read_table(path, columns, m.file_format)
    n_rows = len(table)

    unparseable = np.zeros(n_rows, dtype=bool)
    if m.time_format == "seconds":   # numbers of time_unit_s, from the trace's own zero
        submit = _numeric(table, m.submit_column, path)
        _no_negative(submit, m.submit_column, path)
        if m.duration_column is not None:
            duration = _numeric(table, m.duration_column, path)
        else:
            start = _numeric(table, start_column, path)
            end = _numeric(table, m.end_column, path)
            _no_negative(start, start_column, path)
            _no_negative(end, m.end_column, path)
            duration = end - start  # NaN where either is empty
        submit_trace_s = submit * m.time_unit_s
        duration_s = duration * m.time_unit_s
    else:                            # dates, from the file's earliest submit date
        submit_ns, unparseable = _date_ns(table[m.submit_column], m)
        valid = submit_ns[submit_ns != np.iinfo(np.int64).min]
        zero_ns = int(valid.min()) if len(valid) else 0
        submit_trace_s = _relative_s(submit_ns, zero_ns)
        if m.duration_column is not None:
            duration_s = _numeric(table, m.duration_column, path) * m.time_unit_s
        else:
            start_ns, bad_start = _date_ns(table[start_column], m)
            end_ns, bad_end = _date_ns(table[m.end_column], m)
            unparseable |= bad_start | bad_end
            duration_s = _relative_s(end_ns, zero_ns) - _relative_s(start_ns, zero_ns)
    estimate_s = np.full(n_rows, np.nan)   # the user's estimate: a number of time_unit_s, as a duration_column
    if m.estimate_column is not None:
        estimate = _numeric(table, m.estimate_column, path)
        _no_negative(estimate, m.estimate_column, path)
        estimate_s = estimate * m.time_unit_s
    checkpoint_bytes = np.full(n_rows, np.nan)   # empty cells: the workload's size
    if m.checkpoint_gb_column is not None:
        checkpoint_bytes = _numeric(table, m.checkpoint_gb_column, path) * BYTES_PER_GB
        _no_negative(checkpoint_bytes, m.checkpoint_gb_column, path)
    n_acc = _numeric(table, m.accelerators_column, path)
    odd = (n_acc < 0) | (n_acc != np.round(n_acc))
    if odd.any():
        row = int(np.flatnonzero(odd)[0])
        raise TraceError(f"{path}: column {m.accelerators_column!r} must hold whole numbers >= 0, "
                         f"found {table[m.accelerators_column].iloc[row]!r} (line {row + 2})")
    fraction = np.ones(n_rows)
    if m.accelerator_fraction_column is not None:
        fraction = _numeric(table, m.accelerator_fraction_column, path) / m.accelerator_fraction_scale

    alive = np.ones(n_rows, dtype=bool)
    dropped: dict[str, int] = {}

    def drop(reason: str, mask: np.ndarray) -> None:
        nonlocal alive
        count = int((alive & mask).sum())
        if count:
            dropped[reason] = dropped.get(reason, 0) + count
        alive &= ~mask

    for column, allowed in m.filters.items():
        drop(f"filtered:{column}", ~_matches(table[column], allowed))
    if m.gpu_type_column is not None:
        drop("gpu_type", ~_matches(table[m.gpu_type_column], m.gpu_types))
    drop("unparseable_time", unparseable)
    if m.attempts != "all":   # one row per job id: the first or last attempt by submit time
        ids = table[m.id_column].to_numpy()
        candidates = np.flatnonzero(alive & (ids != ""))
        candidates = candidates[np.argsort(submit_trace_s[candidates], kind="stable")]   # NaN last
        other = pd.Series(ids[candidates]).duplicated(keep=m.attempts).to_numpy()
        not_chosen = np.zeros(n_rows, dtype=bool)
        not_chosen[candidates[other]] = True
        drop("attempts", not_chosen)
    drop("missing_accelerators", np.isnan(n_acc))
    drop("too_few_accelerators", n_acc < m.min_accelerators)
    drop("missing_submit", np.isnan(submit_trace_s))
    drop("missing_duration", np.isnan(duration_s))
    drop("negative_duration", duration_s < 0)
    drop("zero_duration", duration_s == 0)
    drop("missing_fraction", np.isnan(fraction))
    out_of_range = alive & ((fraction <= 0) | (fraction > 1))
    if out_of_range.any():
        row = int(np.flatnonzero(out_of_range)[0])
        raise TraceError(f"{path}: column {m.accelerator_fraction_column!r} value "
                         f"{table[m.accelerator_fraction_column].iloc[row]!r} is outside "
                         f"(0, {m.accelerator_fraction_scale:g}] (line {row + 2})")
    drop("before_offset", submit_trace_s < m.start_offset_s)

    rows = np.flatnonzero(alive)
    rows = rows[np.argsort(submit_trace_s[rows], kind="stable")]
    if m.max_jobs is not None and len(rows) > m.max_jobs:
        dropped["beyond_max_jobs"] = len(rows) - m.max_jobs
        rows = rows[: m.max_jobs]
    if len(rows) == 0:
        detail = ", ".join(f"{k}: {v}" for k, v in dropped.items()) or "file has no data rows"
        raise TraceError(f"{path}: no jobs left after the mapping ({n_rows} rows; dropped {detail})")

    priority = np.zeros(len(rows), dtype=np.int32)
    if m.priority_column is not None:
        text = table[m.priority_column].iloc[rows]
        if m.priority_map:
            unmapped = sorted(set(text) - set(m.priority_map))
            if unmapped:
                raise TraceError(f"{path}: column {m.priority_column!r} has values {unmapped} "
                                 f"missing from priority_map {m.priority_map}")
            priority = text.map(m.priority_map).to_numpy(dtype=np.int32)
        else:
            values = _numeric(table, m.priority_column, path)[rows]
            if np.isnan(values).any() or (values != np.round(values)).any():
                raise TraceError(f"{path}: column {m.priority_column!r} needs integers "
                                 f"(or a priority_map) for every kept row")
            priority = values.astype(np.int32)

    censored = np.zeros(len(rows), dtype=bool)
    for column, values in m.censored.items():
        censored |= _matches(table[column].iloc[rows], values)

    return TraceJobs(
        submit_s=(submit_trace_s[rows] - m.start_offset_s) * m.time_scale,
        work_accel_s=duration_s[rows] * n_acc[rows] * fraction[rows] * m.size_scale,
        n_accelerators=n_acc[rows].astype(np.int32),
        priority=priority,
        dropped=dropped,
        censored=censored,
        notes={"censored": int(censored.sum())},
        trace_id=_job_ids(table[m.id_column].iloc[rows]) if m.id_column is not None else None,
        estimate_s=estimate_s[rows] * fraction[rows] * m.size_scale,
        checkpoint_bytes=checkpoint_bytes[rows],
        rows_read=n_rows,
        file=str(path),
        filter_columns=tuple(m.filters),
    )
