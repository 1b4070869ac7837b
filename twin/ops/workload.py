"""Job sources: Poisson arrivals with lognormal (or exponential) sizes, and trace replay.

A source yields :class:`JobSpec` in submission order through ``peek()`` / ``pop()``, drawing
from its own seeded ``numpy.random.Generator`` so that the same seed gives the same jobs
whatever else the run does; sources are plain picklable objects, for checkpoints.

Deadlines, where asked for (``deadline_slack``), are ``submit + slack × work / accelerators``:
a job with slack 3 must finish within three times its run time at full speed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from twin.config.limits import DEFAULT_OFFERED_LOAD
from twin.constants import SECONDS_PER_HOUR


@dataclass(frozen=True)
class JobSpec:
    job_id: int
    submit_s: float          # since the epoch [s]
    work_accel_s: float      # accelerator-seconds at full speed [s]
    n_accelerators: int
    priority: int = 0        # larger = more important
    checkpoint_interval_s: float = 1800.0   # compute time between checkpoints [s]; inf: set per placement (young_daly)
    deadline_s: float = math.nan            # latest end, since the epoch [s]; NaN = none
    checkpoint_bytes: float = math.nan      # its state [B]; NaN: the run's (twin.ops.checkpoints)

    def __reduce__(self):
        # positional: a checkpoint pickles a saturated queue's specs by the ten thousand, and a
        # frozen dataclass's default (a state dict, set field by field) took ~3x as long
        return JobSpec, (self.job_id, self.submit_s, self.work_accel_s, self.n_accelerators, self.priority,
                         self.checkpoint_interval_s, self.deadline_s, self.checkpoint_bytes)




def mean_run_h(workload) -> float:
    """Mean run time of a job at full speed on all its accelerators [h]: the lognormal's
    median x exp(σ²/2), or the exponential's mean (``median_runtime_h`` is its mean)."""
    if workload.work_distribution == "exponential":
        return workload.median_runtime_h
    return workload.median_runtime_h * math.exp(workload.work_sigma ** 2 / 2.0)


def arrival_rate_per_h(workload, installed_accelerators: int | None) -> float:
    """The Poisson workload's arrival rate [1/h]: its own, or the one at which it offers
    ``offered_load`` (:data:`DEFAULT_OFFERED_LOAD` when null) of ``installed_accelerators``: load x
    accelerators / (mean accelerators per job x :func:`mean_run_h`). Jobs larger than the
    constellation count in the offer (they are rejected when they arrive)."""
    if workload.arrival_rate_per_h is not None:
        return workload.arrival_rate_per_h
    if installed_accelerators is None:
        raise ValueError("workload.offered_load needs the constellation's accelerators")
    load = DEFAULT_OFFERED_LOAD if workload.offered_load is None else workload.offered_load
    busy_h_per_job = float(np.mean(workload.accelerators)) * mean_run_h(workload)   # accelerator-hours
    return load * installed_accelerators / busy_h_per_job


def timer_s(interval) -> float:
    """A workload's ``checkpoint_interval_s`` as a JobSpec's [s]: young_daly is set per placement
    (twin.ops.checkpoints), inf until then."""
    return math.inf if interval == "young_daly" else float(interval)


def deadline_s(submit_s: float, work_accel_s: float, n_accelerators: int, slack) -> float:
    """``submit + slack × work / accelerators`` [s], or NaN without a slack."""
    if slack is None:
        return math.nan
    return submit_s + slack * work_accel_s / n_accelerators


class PoissonSource:
    """Poisson arrivals (rate ``arrival_rate_per_h``, or the one that offers ``offered_load`` of
    ``installed_accelerators``: :func:`arrival_rate_per_h`) up to ``until_s``.

    Sizes: lognormal with median ``median_runtime_h`` and shape ``work_sigma`` (the usual fit
    to GPU-cluster job durations; Jeon et al., USENIX ATC'19, "Analysis of large-scale
    multi-tenant GPU clusters"), or exponential with that mean when ``work_distribution:
    exponential`` (for the M/M/c check). The accelerator count is drawn uniformly from
    ``accelerators``; ``work_accel_s`` is per-accelerator time x accelerators. The priority is
    drawn uniformly from ``priorities`` (no draw when there is only one, so that adding the key
    leaves the stream of a run unchanged).

    The source is a plain object (its generator included) so that a checkpoint can pickle it.
    """

    def __init__(self, workload, rng: np.random.Generator, until_s: float, installed_accelerators: int | None = None):
        from twin.config.limits import MAX_EXPECTED_JOBS
        from twin.errors import InputError

        self.rng, self.until_s = rng, until_s
        self.rate_per_h = arrival_rate_per_h(workload, installed_accelerators)
        expected = self.rate_per_h * until_s / SECONDS_PER_HOUR
        # an explicit rate was checked with the config; one from the offered load follows the constellation
        if workload.arrival_rate_per_h is None and expected > MAX_EXPECTED_JOBS:
            raise InputError(f"workload.offered_load: {self.rate_per_h:,.0f} jobs/h on {installed_accelerators:,} "
                             f"accelerators gives {expected:,.0f} expected jobs, more than {MAX_EXPECTED_JOBS:,} "
                             f"(each is a Python object): lower the load or shorten the run")
        self.mean_gap_s = SECONDS_PER_HOUR / max(self.rate_per_h, 1e-300)
        self.choices = np.asarray(workload.accelerators, dtype=np.int64)
        self.median_s = workload.median_runtime_h * SECONDS_PER_HOUR
        self.exponential = workload.work_distribution == "exponential"
        self.sigma = workload.work_sigma
        self.checkpoint_s = timer_s(workload.checkpoint_interval_s)
        self.priorities = np.asarray(workload.priorities, dtype=np.int64)
        self.deadline_slack = workload.deadline_slack
        self.t, self.next_id = 0.0, 0
        self.pending = self._draw()

    def _draw(self) -> JobSpec | None:
        if self.rate_per_h <= 0:
            return None
        self.t += self.rng.exponential(self.mean_gap_s)
        if self.t > self.until_s:
            return None
        n_acc = int(self.choices[self.rng.integers(len(self.choices))])
        if self.exponential:
            work = self.rng.exponential(self.median_s)
        else:
            work = self.median_s * math.exp(self.sigma * self.rng.standard_normal())
        priority = 0
        if len(self.priorities) == 1:
            priority = int(self.priorities[0])
        elif len(self.priorities) > 1:
            priority = int(self.priorities[self.rng.integers(len(self.priorities))])
        spec = JobSpec(self.next_id, self.t, work * n_acc, n_acc, priority, self.checkpoint_s,
                       deadline_s(self.t, work * n_acc, n_acc, self.deadline_slack))
        self.next_id += 1
        return spec

    def peek(self) -> JobSpec | None:
        return self.pending

    def pop(self) -> JobSpec:
        spec, self.pending = self.pending, self._draw()
        return spec


class TraceSource:
    """Replay of a trace through its column mapping (see :mod:`twin.ops.trace`), up to ``until_s``."""

    def __init__(self, workload, until_s: float, jobs=None):
        """``jobs``: the trace already read (:class:`twin.ops.trace.TraceJobs`); read here if None."""
        if jobs is None:
            from twin.ops.trace import load_trace

            jobs = load_trace(workload.mapping)
        keep = jobs.submit_s <= until_s
        self.submit_s = jobs.submit_s[keep]
        self.work_accel_s = jobs.work_accel_s[keep]
        self.n_accelerators = jobs.n_accelerators[keep]
        self.priority = jobs.priority[keep]
        self.checkpoint_s = timer_s(workload.checkpoint_interval_s)
        self.checkpoint_bytes = jobs.checkpoint_bytes[keep]
        self.deadline_slack = workload.deadline_slack
        self.dropped = jobs.dropped
        self.index = 0

    def peek(self) -> JobSpec | None:
        i = self.index
        if i >= len(self.submit_s):
            return None
        submit, work, n_acc = float(self.submit_s[i]), float(self.work_accel_s[i]), int(self.n_accelerators[i])
        return JobSpec(i, submit, work, n_acc, int(self.priority[i]), self.checkpoint_s,
                       deadline_s(submit, work, n_acc, self.deadline_slack), float(self.checkpoint_bytes[i]))

    def pop(self) -> JobSpec:
        spec = self.peek()
        self.index += 1
        return spec


def job_source(workload, rng: np.random.Generator, until_s: float, trace=None, installed_accelerators=None):
    """The workload's job source: an object with ``peek()`` (next job or None) and ``pop()``;
    ``trace`` is a trace workload's file already read (:func:`twin.engine.inputs.read_inputs`);
    ``installed_accelerators``: the constellation's, for a Poisson workload's ``offered_load``."""
    if workload.kind == "poisson":
        return PoissonSource(workload, rng, until_s, installed_accelerators)
    return TraceSource(workload, until_s, trace)
