"""The inference service of a scenario (``inference:``, beside the training ``workload:``; off when
absent): request arrivals, the service time of a batch, batching, replicas and their priority over
training, the latency objective and what happens to requests that would miss it. The model is
twin/ops/inference.py's; docs/design.md §5 says what it assumes.

Defaults describe one published serving setup, so that they hang together: Llama-3.3-70B-Instruct
on a replica of two H100 80 GB (FP8, tensor parallel 2) serving prompts of 5,000 tokens with
answers of 500, as NVIDIA measured it (NIM for LLMs benchmarking guide, "Performance", NIM 1.8.0,
docs.nvidia.com/nim/benchmarking/llm/1.0.0/performance): at concurrency 1, 5, 25 and 50 the
inter-token latency was 18.58, 21.83, 38.75 and 59.73 ms and the time to first token 406.77 ms at
concurrency 1; throughput saturated at ~920 tokens/s (inter-token latency 92.9 ms) from
concurrency 100 on. The inter-token latency is affine in the number of requests in flight: the
line through concurrency 1 and 50, 17.7402 + 0.83980 B ms, meets the measurements at 5 and 25
within 0.6 %. Its intercept is a decode step's batch-independent time (the weights read once per
step), its slope each request's share of a step (its key-value cache read and, under the
engine's in-flight batching, its prompt's prefill spread over the steps). The latency objective
is MLPerf Inference's for Llama 2 70B in its server scenario (mlcommons/inference,
loadgen/mlperf.conf: time to first token 2,000 ms and time per output token 200 ms at the 99th
percentile), which for a 500-token answer allows 2 s + 499 x 0.2 s = 101.8 s end to end.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import Field, ValidationInfo, field_validator, model_validator

from twin.config.base import Section
from twin.config.limits import MAX_DURATION_S, TraceOffset, TraceScale, TraceTimeUnit
from twin.config.resources import input_file

# ranges, each with its reason (as twin/config/limits.py)
MAX_REQUEST_RATE_PER_S = 1.0e7   # [1/s] ~300x ChatGPT's 2.5 billion prompts a day (29,000/s; OpenAI
#                                  to Axios, July 2025): a planet's traffic with room to spare
MAX_EXPECTED_REQUESTS = 1.0e10   # requests over a run: each costs ~50 ns in the kernel, so 1e10 is
#                                  already ~10 min of a core; more is a run nobody waits for
MAX_BATCH = 1_000_000            # requests served together: far beyond any accelerator's memory
MAX_REPLICAS = 10_000_000        # replicas: one per accelerator of the largest constellation allowed
MAX_QUEUE = 1_000_000_000        # waiting requests: 8 GB of arrival times
MAX_TOKENS = 10_000_000          # output tokens per request: beyond the longest contexts (~1e6)
MAX_STEP_S = 3600.0              # [s] one decode step (one token for the batch): an hour is no service
PERCENTILE = Annotated[float, Field(gt=0, lt=100)]
ServiceSeconds = Annotated[float, Field(ge=0, le=MAX_STEP_S)]
WaitSeconds = Annotated[float, Field(ge=0, le=MAX_DURATION_S)]
Replicas = Annotated[int, Field(ge=0, le=MAX_REPLICAS)]


class PoissonRequests(Section):
    """Requests arriving as a Poisson process (``inference.arrivals: {kind: poisson}``), as MLPerf
    Inference's server scenario issues them."""
    kind: Literal["poisson"] = "poisson"
    rate_per_s: Annotated[float, Field(ge=0, le=MAX_REQUEST_RATE_PER_S)] = Field(
        2.0, description="mean requests per second to the whole constellation [1/s]")
    diurnal_amplitude: Annotated[float, Field(ge=0, le=1)] = Field(
        0.0, description="a daily cycle: the rate is rate_per_s x (1 + A cos(2 pi (t - peak) / 1 d)), the "
                         "users' day on the ground; 0 = constant [1]")
    peak_hour_utc: Annotated[float, Field(ge=0, lt=24)] = Field(
        18.0, description="hour of the day (UTC) the cycle peaks [h]")


class TraceRequests(Section):
    """Request arrival times replayed from a file (``inference.arrivals: {kind: trace}``): a CSV
    with a header, or JSON Lines, one request per row, e.g. the Azure LLM inference traces
    (Patel et al., Splitwise, ISCA 2024: column TIMESTAMP, dates)."""
    kind: Literal["trace"]
    file: Path = Field(description="request trace (CSV or JSON Lines), relative to the config file")
    format: Literal["csv", "jsonl"] | None = Field(
        None, description="csv or jsonl; default: jsonl for a .jsonl or .ndjson file, else csv")
    time_column: str = Field(description="arrival time of each request [time unit, or a date]")
    time_format: str = Field(
        "seconds", description="seconds (numbers of time_unit_s) or iso8601 or a strftime pattern (dates, "
                               "counted from the earliest in the file)")
    time_unit_s: TraceTimeUnit = Field(1.0, description="seconds per unit of the time column [s]")
    time_scale: TraceScale = Field(1.0, description="multiplies the times (<1 compresses the trace: more load) [1]")
    start_offset_s: TraceOffset = Field(
        0.0, description="trace time mapped to simulation t = 0; earlier requests dropped (and counted) [s]")

    @field_validator("file")
    @classmethod
    def _exists(cls, v: Path, info: ValidationInfo) -> Path:
        return input_file(v, (info.context or {}).get("base_dir", Path(".")), "request trace")

    @field_validator("time_format")
    @classmethod
    def _known_time_format(cls, v: str) -> str:
        if v not in ("seconds", "iso8601") and "%" not in v:
            raise ValueError(f"time_format {v!r} is neither seconds, iso8601 nor a strftime pattern (with % codes)")
        return v


Requests = Annotated[Union[PoissonRequests, TraceRequests], Field(discriminator="kind")]


class Autoscale(Section):
    """Replicas that follow the load (``inference.autoscale``), by Kubernetes' Horizontal Pod
    Autoscaler rule (kubernetes.io, "Horizontal Pod Autoscaling", algorithm details): at every
    scheduler epoch, desired = ceil(replicas x load / target_utilization), unless the ratio is
    within ``tolerance`` of 1. The load is the requests the working replicas took over the last
    epoch, as a share of what they could serve in full batches at full rate (max_batch / S(max_batch)
    each): their busy share is no measure under batching, where a replica that is free takes
    whatever waits, so it is busy nearly always long before it is full. Replicas are added where accelerators are free (``priority: preempt`` takes
    them from training) and removed while idle, newest first."""
    min_replicas: Replicas = Field(1, description="fewest replicas [1]")
    max_replicas: Annotated[int, Field(ge=1, le=MAX_REPLICAS)] = Field(
        64, description="most replicas [1]")
    target_utilization: Annotated[float, Field(gt=0, le=1)] = Field(
        0.7, description="the load to keep the replicas at: requests taken / full-batch capacity [1]")
    tolerance: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.1, description="no change while load / target is within this of 1 [1]; the Horizontal Pod "
                         "Autoscaler's default (kube-controller-manager --horizontal-pod-autoscaler-tolerance)")

    @model_validator(mode="after")
    def _order(self):
        if self.min_replicas > self.max_replicas:
            raise ValueError(f"min_replicas ({self.min_replicas}) must not exceed max_replicas ({self.max_replicas})")
        return self


class Inference(Section):
    """An inference service on the constellation's accelerators (twin/ops/inference.py). Requests
    join one first-come-first-served queue; a replica that is free takes the requests waiting, up
    to ``max_batch``, and serves them together for S(B) = output_tokens x (step_s + B x
    step_per_request_s) seconds at full rate, slower as its satellite's compute rate falls (power,
    heat) and not at all while the satellite sheds its compute or is down."""
    arrivals: Requests = Field(PoissonRequests(), description="when requests come: kind poisson or trace (below)")
    output_tokens: Annotated[int, Field(ge=1, le=MAX_TOKENS)] = Field(
        500, description="decode steps per request (1 for a model that is not generative) [1]; the NVIDIA "
                         "NIM benchmark's 500-token answers (module docstring)")
    step_s: ServiceSeconds = Field(
        0.0177402, description="batch-independent time of one decode step at full rate [s]; 17.7402 ms, NVIDIA NIM "
                               "benchmark of Llama-3.3-70B on 2 H100 (module docstring)")
    step_per_request_s: ServiceSeconds = Field(
        0.00083980, description="time each request in the batch adds to a decode step at full rate [s]; "
                                "0.83980 ms, NVIDIA NIM benchmark of Llama-3.3-70B on 2 H100 (module docstring)")
    service_distribution: Literal["deterministic", "exponential"] = Field(
        "deterministic", description="a batch's service time: exactly S(B), or exponential with mean S(B) "
                                     "(for the M/M/c checks)")
    max_batch: Annotated[int, Field(ge=1, le=MAX_BATCH)] = Field(
        89, description="most requests served together [1]; 89 = where the NIM benchmark's inter-token "
                        "latency levels off, (92.91 - 17.74) / 0.8398 (module docstring)")
    batch_timeout_s: WaitSeconds = Field(
        0.0, description="a free replica waits for its batch to fill to max_batch at most this long after the "
                         "oldest request came (Triton's max_queue_delay); 0 = batch when free [s]")
    accelerators_per_replica: Annotated[int, Field(ge=1, le=MAX_REPLICAS)] = Field(
        2, description="accelerators of one replica, all on one satellite (tensor parallel over its bus) "
                       "[1]; the NIM benchmark's 2 H100 (module docstring)")
    replicas: Replicas = Field(4, description="replicas placed at the start (with autoscale: the initial number) [1]")
    placement: Literal["spread", "pack"] = Field(
        "spread", description="spread: one replica per satellite in turn (eclipses and faults hit few); "
                              "pack: fill each satellite first")
    autoscale: Autoscale | None = Field(None, description="replicas following the load; null = a fixed number")
    priority: Literal["reserved", "preempt"] = Field(
        "reserved", description="over training: reserved (replicas take free accelerators only; those placed at "
                                "the start are reserved before any job) or preempt (a replica that needs "
                                "accelerators preempts training jobs, lowest priority and latest started first)")
    startup_s: WaitSeconds = Field(
        0.0, description="a replica placed anew (autoscaled, moved off a failed satellite, or after its "
                         "satellite's repair) serves only after this long: loading the model [s]")
    latency_objective_s: Annotated[float, Field(gt=0, le=MAX_DURATION_S)] = Field(
        101.8, description="end-to-end latency a request should not exceed [s]; MLPerf Inference's Llama 2 70B "
                           "server limits for a 500-token answer (module docstring)")
    objective_percentile: PERCENTILE = Field(
        99.0, description="the objective is met when this share of the requests meets it [%]; MLPerf "
                          "Inference's 99th percentile (module docstring)")
    on_late: Literal["serve_late", "refuse"] = Field(
        "serve_late", description="requests that wait past max_wait_s: served anyway (late), or refused (the "
                                  "gateway drops them)")
    max_wait_s: WaitSeconds | None = Field(
        None, description="refuse: the longest a request may wait for a replica; null = latency_objective_s "
                          "- network_latency_s - S(1) (past it, not even a solo, full-rate service meets the "
                          "objective), at least 0 [s]")
    max_queue: Annotated[int, Field(ge=0, le=MAX_QUEUE)] | None = Field(
        10_000_000, description="requests that may wait at once: an arrival that finds this many waiting is refused "
                                "(the gateway's queue is full: M/M/c/K); null = no limit (8 bytes of memory a "
                                "waiting request) [1]")
    network_latency_s: WaitSeconds = Field(
        0.0, description="added to every request's latency: the ground-to-satellite round trip and routing [s]")

    @field_validator("arrivals", mode="before")
    @classmethod
    def _default_kind(cls, v):
        return {"kind": "poisson", **v} if isinstance(v, dict) and "kind" not in v else v

    @model_validator(mode="after")
    def _consistent(self):
        if self.autoscale is not None and not (self.autoscale.min_replicas <= self.replicas
                                               <= self.autoscale.max_replicas):
            raise ValueError(f"replicas ({self.replicas}) must lie within autoscale's min_replicas and "
                             f"max_replicas ({self.autoscale.min_replicas}, {self.autoscale.max_replicas})")
        if self.service_s(1) <= 0.0:
            raise ValueError("step_s and step_per_request_s are both 0: a request would take no time")
        return self

    def service_s(self, batch: int) -> float:
        """S(B): a batch's service time at full rate [s]."""
        return self.output_tokens * (self.step_s + batch * self.step_per_request_s)

    @property
    def wait_limit_s(self) -> float:
        """How long a request may wait before ``refuse`` drops it [s] (+inf under ``serve_late``)."""
        if self.on_late == "serve_late":
            return math.inf
        if self.max_wait_s is not None:
            return self.max_wait_s
        return max(0.0, self.latency_objective_s - self.network_latency_s - self.service_s(1))

    @property
    def most_replicas(self) -> int:
        return self.replicas if self.autoscale is None else self.autoscale.max_replicas


def check_scenario(scenario) -> None:
    """Cross-section checks of ``scenario.inference`` (ValueError naming the fields)."""
    inf = scenario.inference
    if inf is None:
        return
    per_sat = scenario.spacecraft.accelerator.count
    if inf.accelerators_per_replica > per_sat:
        raise ValueError(f"inference.accelerators_per_replica ({inf.accelerators_per_replica}) exceeds "
                         f"spacecraft.accelerator.count ({per_sat}): a replica lives on one satellite")
    if inf.arrivals.kind == "poisson":
        expected = inf.arrivals.rate_per_s * scenario.simulation.duration_s
        if expected > MAX_EXPECTED_REQUESTS:
            raise ValueError(f"inference.arrivals.rate_per_s ({inf.arrivals.rate_per_s:g}) x simulation.duration_s "
                             f"gives {expected:.3g} expected requests, more than {MAX_EXPECTED_REQUESTS:.0e}")


# where each numeric default comes from: (kind, source, range) as twin/config/provenance.py's
# Provenance, which merges them (a source of None: the field's description names it)
PROVENANCE = {
    "inference.output_tokens": ("published", None),
    "inference.step_s": ("published", None),
    "inference.step_per_request_s": ("published", None),
    "inference.max_batch": ("estimate", None),
    "inference.batch_timeout_s": ("setting", "batch when free, as engines with in-flight batching do"),
    "inference.accelerators_per_replica": ("published", None),
    "inference.replicas": ("design", "four replicas, one per satellite of a small constellation"),
    "inference.startup_s": (
        "assumption", "replicas keep the model resident; loading a 70B model takes tens of seconds (Fu et al., "
                      "ServerlessLLM, OSDI 2024), to be set where it matters", {"uniform": [0.0, 120.0]}),
    "inference.latency_objective_s": ("published", None),
    "inference.objective_percentile": ("published", None),
    "inference.max_queue": ("setting", "bounds the memory of an overloaded run (80 MB) far above any queue a "
                                       "latency objective allows"),
    "inference.network_latency_s": (
        "assumption", "the satellite's own latency only; LEO links add tens of ms (Michel et al., 'A first look "
                      "at Starlink performance', IMC 2022)", {"uniform": [0.0, 0.1]}),
}
# the autoscale block's, when given (it is off by default, so no default of it is in force)
AUTOSCALE_PROVENANCE = {
    "inference.autoscale.min_replicas": ("setting", "keep one replica up"),
    "inference.autoscale.max_replicas": ("design", "a cap the user sets to the constellation"),
    "inference.autoscale.target_utilization": (
        "assumption", "headroom for bursts, a common autoscaling target", {"uniform": [0.5, 0.9]}),
    "inference.autoscale.tolerance": ("published", None),
}
