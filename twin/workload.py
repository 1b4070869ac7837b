"""Job sources: Poisson arrivals with lognormal (or exponential) sizes, and trace replay.

A source is an iterator of :class:`JobSpec` in submission order, drawn from its own seeded
``numpy.random.Generator`` so that the same seed gives the same jobs whatever else the run does.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from twin.constants import SECONDS_PER_HOUR


@dataclass(frozen=True)
class JobSpec:
    job_id: int
    submit_s: float          # since the epoch [s]
    work_accel_s: float      # accelerator-seconds at full speed [s]
    n_accelerators: int
    priority: int = 0
    checkpoint_interval_s: float = 1800.0


def poisson_jobs(workload, rng: np.random.Generator, until_s: float) -> Iterator[JobSpec]:
    """Poisson arrivals (rate ``arrival_rate_per_h``) up to ``until_s``.

    Sizes: lognormal with median ``median_work_accel_h`` and shape ``work_sigma`` (the usual fit to
    GPU-cluster job durations; Jeon et al., USENIX ATC'19, "Analysis of large-scale multi-tenant
    GPU clusters"), or exponential with that mean when ``work_distribution: exponential`` (for the
    M/M/c check). The accelerator count is drawn uniformly from ``accelerators``.
    """
    if workload.arrival_rate_per_h <= 0:
        return
    mean_gap_s = SECONDS_PER_HOUR / workload.arrival_rate_per_h
    choices = np.asarray(workload.accelerators, dtype=np.int64)
    median_s = workload.median_work_accel_h * SECONDS_PER_HOUR
    t = 0.0
    job_id = 0
    while True:
        t += rng.exponential(mean_gap_s)
        if t > until_s:
            return
        n_acc = int(choices[rng.integers(len(choices))])
        if workload.work_distribution == "exponential":
            work = rng.exponential(median_s)
        else:
            work = median_s * math.exp(workload.work_sigma * rng.standard_normal())
        yield JobSpec(job_id, t, work * n_acc, n_acc, 0, workload.checkpoint_interval_s)
        job_id += 1


def trace_jobs(workload, until_s: float) -> Iterator[JobSpec]:
    """Replay a trace through its column mapping (see :mod:`twin.trace`)."""
    from twin.trace import load_trace

    jobs = load_trace(workload.mapping)
    for job_id in range(len(jobs.submit_s)):
        if jobs.submit_s[job_id] > until_s:
            return
        yield JobSpec(job_id, float(jobs.submit_s[job_id]), float(jobs.work_accel_s[job_id]),
                      int(jobs.n_accelerators[job_id]), int(jobs.priority[job_id]),
                      workload.checkpoint_interval_s)


def job_source(workload, rng: np.random.Generator, until_s: float) -> Iterator[JobSpec]:
    if workload.kind == "poisson":
        return poisson_jobs(workload, rng, until_s)
    return trace_jobs(workload, until_s)
