"""Arrivals of inference requests: a Poisson stream, or a request trace replayed (the arrival times
of one column of a CSV or JSON Lines file, e.g. the Azure LLM inference traces: Patel et al.,
"Splitwise: efficient generative LLM inference using phase splitting", ISCA 2024).

A source fills the service's queue with the arrivals before a time (:meth:`fill`). Both are plain
picklable objects whose state is a few numbers (the Poisson stream draws from a counter-based
generator, :func:`twin.kernels.inference.exponential`), for checkpoints."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from twin.kernels.inference import exponential, poisson_arrivals
from twin.ops.trace import TraceError, _date_ns, _numeric, _read_table


@dataclass(frozen=True)
class RequestTrace:
    """A request trace read: arrival times since the run's start [s], ascending, and the rows
    that did not become requests by reason."""
    arrival_s: np.ndarray
    dropped: dict = field(default_factory=dict)


def load_request_trace(cfg) -> RequestTrace:
    """Read a ``TraceRequests`` config's file (TraceError, one line, if it cannot be used)."""
    fmt = cfg.format or ("jsonl" if cfg.file.suffix.lower() in (".jsonl", ".ndjson") else "csv")
    table = _read_table(cfg.file, [cfg.time_column], fmt)
    column = table[cfg.time_column]
    if cfg.time_format == "seconds":
        raw = _numeric(table, cfg.time_column, cfg.file) * cfg.time_unit_s
        unparseable = np.zeros(len(raw), dtype=bool)
    else:
        ns, unparseable = _date_ns(column, SimpleNamespace(time_format=cfg.time_format, timezone="UTC"))
        valid = ns != np.iinfo(np.int64).min
        raw = np.full(len(ns), np.nan)
        if valid.any():
            raw[valid] = (ns[valid] - ns[valid].min()) / 1e9
    missing = np.isnan(raw) & ~unparseable
    times = np.sort(raw[np.isfinite(raw)], kind="stable") * cfg.time_scale - cfg.start_offset_s
    before = times < 0.0
    dropped = {"unparseable_time": int(unparseable.sum()), "missing_time": int(missing.sum()),
               "before_offset": int(before.sum())}
    times = times[~before]
    if len(times) == 0:
        raise TraceError(f"{cfg.file}: no request left in column {cfg.time_column!r} "
                         f"(dropped: {', '.join(f'{k} {v}' for k, v in dropped.items() if v) or 'none read'})")
    return RequestTrace(times, {k: v for k, v in dropped.items() if v})


class PoissonArrivals:
    """Poisson arrivals at ``rate_per_s`` from t = 0, drawn from stream ``key``; with ``amplitude``
    > 0, a daily cycle peaking at ``peak_s`` [s since the run's start, modulo a day]."""

    def __init__(self, rate_per_s: float, key: int, amplitude: float = 0.0, peak_s: float = 0.0):
        self.rate_per_s, self.key = rate_per_s, np.uint64(key)
        self.amplitude, self.peak_s = amplitude, peak_s
        self.counter = 0
        self.next_s = np.inf
        if rate_per_s > 0.0:
            self.next_s = exponential(self.key, 0) / (rate_per_s * (1.0 + amplitude))
            self.counter = 1
        self.dropped = {}

    def fill(self, queue: np.ndarray, hi: int, until_s: float) -> tuple[np.ndarray, int]:
        """Arrivals before ``until_s`` appended at ``queue[hi:]`` (grown as needed); returns the
        queue and its new end."""
        while self.next_s < until_s:
            if hi == len(queue):
                queue = _grown(queue)
            hi, self.next_s, self.counter = poisson_arrivals(self.next_s, self.counter, self.key, self.rate_per_s,
                                                             until_s, queue, hi, self.amplitude, self.peak_s)
        return queue, hi


class TraceArrivals:
    """A request trace's arrivals (:class:`RequestTrace`)."""

    def __init__(self, trace: RequestTrace):
        self.arrival_s = trace.arrival_s
        self.dropped = dict(trace.dropped)
        self.index = 0

    def fill(self, queue: np.ndarray, hi: int, until_s: float) -> tuple[np.ndarray, int]:
        stop = int(np.searchsorted(self.arrival_s, until_s, side="left"))
        n = stop - self.index
        while hi + n > len(queue):
            queue = _grown(queue)
        queue[hi:hi + n] = self.arrival_s[self.index:stop]
        self.index = stop
        return queue, hi + n

    def after_run(self, until_s: float) -> int:
        """Requests of the trace at or after ``until_s`` (never arrived in the run)."""
        return len(self.arrival_s) - int(np.searchsorted(self.arrival_s, until_s, side="left"))


def _grown(queue: np.ndarray) -> np.ndarray:
    bigger = np.empty(max(2 * len(queue), 1024))
    bigger[:len(queue)] = queue
    return bigger
