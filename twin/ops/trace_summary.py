"""What a run makes of its trace (:class:`twin.ops.trace.TraceJobs`): the jobs it replays (those
submitted within the run), each one's id in the trace and censored flag for /jobs, and the
accounting of every row of the file for /summary and the log.

Every row read is either a replayed job or dropped under one reason: the trace's own
(``TraceJobs.dropped``, see :func:`twin.ops.trace.load_trace`) or ``after_run`` (submitted after
the simulated duration). Censored jobs (still running at the trace's end: their duration is a
lower bound) are replayed as load but left out of the completion statistics, the slowdowns and
the energy per job (:class:`twin.ops.jobs.JobBook`).
"""
from __future__ import annotations

import logging
import re

import numpy as np

from twin.output.schema import unit_of

logger = logging.getLogger(__name__)

AFTER_RUN = "after_run"


def summary_key(reason: str) -> str:
    """The /summary key of a drop reason: ``trace_dropped_<reason>``, lower case, runs of other
    characters as ``_`` (``filtered:pod_phase`` -> ``trace_dropped_filtered_pod_phase``); with
    ``_rows`` added where a column name would give it a unit (``filtered:wait_s``)."""
    key = "trace_dropped_" + re.sub(r"[^0-9a-z]+", "_", reason.lower()).strip("_")
    return key if unit_of(key) == "1" else key + "_rows"


class TraceReplay:
    """The trace's part of a run: ``trace_id`` and ``censored`` by job_id (the source numbers the
    jobs it replays 0, 1, … in submit order), the rows dropped by reason, and the count of
    censored jobs completed. A plain object: the job book holds it, and checkpoints pickle it."""

    def __init__(self, trace, until_s: float):
        from twin.ops.trace import DROP_REASONS   # not at import: twin.ops.trace imports pandas

        n_jobs = int(np.count_nonzero(trace.submit_s <= until_s))   # as twin.ops.workload.TraceSource
        self.file = trace.file
        self.trace_id = trace.trace_id[:n_jobs]
        self.censored = trace.censored[:n_jobs]
        self.rows_read = int(trace.rows_read)
        reasons = [f"filtered:{c}" for c in trace.filter_columns] + list(DROP_REASONS) + [AFTER_RUN]
        self.dropped = {**dict.fromkeys(reasons, 0), **trace.dropped, AFTER_RUN: len(trace) - n_jobs}

    def is_censored(self, job_id: int) -> bool:
        return bool(self.censored[job_id])

    def fill(self, rows: np.ndarray) -> None:
        """Set the ``trace_id`` and ``censored`` columns of /jobs ``rows`` from their job_id."""
        if len(rows):
            ids = rows["job_id"]
            rows["trace_id"] = self.trace_id[ids]
            rows["censored"] = self.censored[ids]

    def summary(self) -> dict:
        """/summary keys: rows read and dropped, one ``trace_dropped_*`` key per reason (zero if
        none), and the censored jobs replayed."""
        out = {"trace_rows_read": self.rows_read, "trace_rows_dropped": int(sum(self.dropped.values())),
               "trace_jobs_replayed": len(self.censored), "trace_jobs_censored": int(self.censored.sum())}
        for reason, count in self.dropped.items():
            out[summary_key(reason)] = int(count)
        return out

    def line(self) -> str:
        """One line on the trace's rows for the log at the start of a run."""
        dropped = [f"{reason} {count:,}" for reason, count in self.dropped.items() if count]
        censored = int(self.censored.sum())
        return (f"trace {self.file}: {self.rows_read:,} rows read, {sum(self.dropped.values()):,} dropped"
                f"{' (' + ', '.join(dropped) + ')' if dropped else ''}; {len(self.censored):,} jobs replayed"
                + (f", {censored:,} of them censored (still running at the trace's end: left out of the "
                   f"slowdown and energy-per-job statistics)" if censored else ""))


def trace_replay(trace, until_s: float) -> TraceReplay | None:
    """The :class:`TraceReplay` of a run over ``until_s`` seconds of ``trace`` (None without a
    trace), its line logged."""
    if trace is None:
        return None
    replay = TraceReplay(trace, until_s)
    logger.info(replay.line())
    return replay
