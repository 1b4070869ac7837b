"""The inference queue (twin/kernels/inference.py, twin/ops/inference.py) against queueing theory,
with every node computing at full rate unless a test says otherwise:

- batch size 1, exponential service, c replicas: M/M/c, mean wait by Erlang C;
- one replica, deterministic service: M/D/1, mean wait by Pollaczek-Khinchine;
- one replica, exponential service: M/M/1, whose time in system is exponential with rate μ − λ
  (its median and 99th percentile, read from the latency histogram);
- a queue of at most K − c waiting: M/M/c/K, its blocking probability;
- ``refuse`` with a wait limit τ: M/M/c+D (customers leave after a deterministic patience), whose
  refused share has a closed form (below); at τ = 0 it is M/M/c/c, Erlang B;
- batches: a saturated replica serves max_batch / S(max_batch) requests per second; a time-out
  fills batches as the arrivals say;
- the service time of the defaults against the NVIDIA NIM measurements they come from;
- the node's compute rate: half rate doubles the service time, rate 0 stops it; the ledger closes.

Statistics: independent replications (each starts empty; its first requests are few against its
~2e5), the mean over them with a Student-t 95 % interval, widened by 1 % of the theory for the
start-up transient each replication keeps. With another seed such a check fails about 1 time in
20, as a 95 % interval should; the seeds here are fixed.
"""
import math
from math import factorial

import numpy as np
import pytest

from twin.config.inference import Inference
from twin.kernels import inference as K
from twin.kernels import layout as L
from twin.ops.inference import InferenceService
from twin.ops.jobs import JobBook
from twin.ops.requests import RequestTrace
from twin.ops.scheduling import Fifo

T975 = {9: 2.2622, 19: 2.0930}   # Student t, 97.5 % quantile, by degrees of freedom (any table)


def service(n_nodes=4, accel_per_node=1, seed=1, trace=None, **cfg):
    """An InferenceService with its replicas reserved on ``n_nodes`` nodes, and its job book."""
    base = {"output_tokens": 1, "step_s": 0.0, "step_per_request_s": 1.0, "max_batch": 1,
            "accelerators_per_replica": 1}
    base.update(cfg)
    c = Inference(**base)
    jobs = JobBook(n_nodes, accel_per_node, Fifo(), 0.0, 1.0)
    svc = InferenceService(c, n_nodes, accel_per_node, 0.0, 1.0, seed, trace)
    svc.reserve(jobs)
    return svc, jobs


def drive(svc, jobs, calls, rate=1.0, k_steps=64, dt_s=10.0, acc=None):
    """``calls`` engine calls of ``k_steps`` steps at a constant compute rate; returns the ledger
    accumulators (N_ACC, N)."""
    n = len(jobs.free)
    rate_kn = np.full((k_steps, n), rate)
    heat_kn = np.zeros((k_steps, n))
    acc = np.zeros((L.N_ACC, n)) if acc is None else acc
    for c in range(calls):
        svc.advance(rate_kn, heat_kn, c * k_steps, dt_s, jobs.down, acc)
    return acc


def replicated(stat, runs, **kw):
    """``stat(metrics)`` over ``runs`` independent replications: (mean, 95 % half-width)."""
    calls = kw.pop("calls")
    values = []
    for seed in range(runs):
        svc, jobs = service(seed=1000 + seed, **kw)
        drive(svc, jobs, calls)
        values.append(stat(svc.metrics(calls * 640.0)))
    values = np.array(values)
    return values.mean(), T975[runs - 1] * values.std(ddof=1) / math.sqrt(runs)


def erlang_c(c, a):
    top = a ** c / factorial(c) * c / (c - a)
    return top / (sum(a ** k / factorial(k) for k in range(c)) + top)


def erlang_b(c, a):
    return (a ** c / factorial(c)) / sum(a ** k / factorial(k) for k in range(c + 1))


def mmc_patience_refused(c, lam, mu, tau):
    """Refused share of M/M/c+D, deterministic patience τ (FCFS): by level crossing, the offered
    wait V has density g(x) = λ p_{c−1} e^{−(cμ−λ)x} for 0 < x ≤ τ and g(τ) e^{−cμ(x−τ)} beyond,
    p_n = p_0 (λ/μ)^n / n! for n < c busy; arrivals are refused when V > τ (PASTA):
    P = λ p_{c−1} e^{−(cμ−λ)τ} / (cμ). At c = 1 this is Baccelli & Hébuterne's M/M/1+D,
    (1 − ρ) ρ e^{−(μ−λ)τ} / (1 − ρ² e^{−(μ−λ)τ}); at τ = 0 Erlang B."""
    a, d = lam / mu, c * mu - lam
    terms = [a ** n / factorial(n) for n in range(c)]
    tail = math.exp(-d * tau)
    inside = tau if d == 0 else (1.0 - tail) / d
    p0 = 1.0 / (sum(terms) + lam * terms[-1] * (inside + tail / (c * mu)))
    return lam * p0 * terms[-1] * tail / (c * mu)


def test_the_theory_against_known_values():
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)   # Kleinrock vol. 1, eq. 3.40
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    rho, mu, tau = 0.8, 1.0, 2.0
    e = math.exp(-(mu - rho * mu) * tau)
    assert mmc_patience_refused(1, rho, mu, tau) == pytest.approx((1 - rho) * rho * e / (1 - rho ** 2 * e))
    assert mmc_patience_refused(3, 2.5, 1.0, 0.0) == pytest.approx(erlang_b(3, 2.5))


def test_mmc_mean_wait_is_erlang_c():
    """c = 4, λ = 3/s, E[S] = 1 s (ρ = 0.75); 10 replications of ~190,000 requests."""
    mean, half = replicated(lambda m: m["inference_wait_mean_s"], 10, calls=100, arrivals={"rate_per_s": 3.0},
                            service_distribution="exponential", replicas=4)
    theory = erlang_c(4, 3.0) / (4 * 1.0 - 3.0)
    print(f"\nM/M/4 rho 0.75: Erlang C {theory:.4f} s, measured {mean:.4f} ± {half:.4f} s")
    assert abs(mean - theory) <= half + 0.01 * theory


def test_md1_mean_wait_is_pollaczek_khinchine():
    """One replica, S = 1 s exactly, λ = 0.8/s: W_q = ρ S / (2 (1 − ρ)) = 2 s."""
    mean, half = replicated(lambda m: m["inference_wait_mean_s"], 10, calls=300, arrivals={"rate_per_s": 0.8},
                            n_nodes=1, replicas=1)
    theory = 0.8 * 1.0 / (2 * (1 - 0.8))
    print(f"\nM/D/1 rho 0.8: P-K {theory:.4f} s, measured {mean:.4f} ± {half:.4f} s")
    assert abs(mean - theory) <= half + 0.01 * theory


def test_mm1_latency_quantiles_are_exponential():
    """M/M/1 at ρ = 0.8, μ = 1/s: the time in system is Exp(μ − λ), median ln 2 / 0.2 = 3.47 s and
    99th percentile ln 100 / 0.2 = 23.0 s; and the network latency adds to every request."""
    for stat, q in (("latency_p50_s", 0.5), ("latency_p99_s", 0.99)):
        mean, half = replicated(lambda m, stat=stat: m[stat] - 0.05, 10, calls=300, arrivals={"rate_per_s": 0.8},
                                service_distribution="exponential", n_nodes=1, replicas=1, network_latency_s=0.05)
        theory = -math.log(1 - q) / 0.2
        print(f"\nM/M/1 rho 0.8 {stat}: {theory:.3f} s, measured {mean:.3f} ± {half:.3f} s")
        assert abs(mean - theory) <= half + 0.01 * theory


@pytest.mark.parametrize("tau_s", [0.0, 0.5])
def test_refusals_match_mmc_with_patience(tau_s):
    """c = 2, λ = 2.4/s, μ = 1/s (offered 120 %): requests that wait more than τ are refused.
    τ = 0 is Erlang B (M/M/2/2)."""
    mean, half = replicated(lambda m: m["inference_refused"] / (m["inference_refused"] + m["inference_served"]),
                            10, calls=60, arrivals={"rate_per_s": 2.4}, service_distribution="exponential",
                            n_nodes=2, replicas=2, on_late="refuse", max_wait_s=tau_s)
    theory = mmc_patience_refused(2, 2.4, 1.0, tau_s)
    print(f"\nM/M/2+D tau {tau_s}: refused {theory:.4f}, measured {mean:.4f} ± {half:.4f}")
    assert abs(mean - theory) <= half + 0.01 * theory


def mmck_blocking(c, k, a):
    """M/M/c/K: the share of arrivals that find the system full, p_K (PASTA), offered load a = λ/μ."""
    terms = [a ** n / factorial(n) for n in range(c + 1)] + [a ** n / (factorial(c) * c ** (n - c))
                                                             for n in range(c + 1, k + 1)]
    return terms[-1] / sum(terms)


def test_a_full_queue_refuses_as_mmck_blocks():
    """c = 2 replicas, at most 3 waiting (K = 5), λ = 2.4/s, μ = 1/s: the arrivals refused are
    M/M/2/5's blocking probability."""
    mean, half = replicated(lambda m: m["inference_refused_queue_full"] / (m["inference_refused"]
                                                                         + m["inference_served"]),
                            10, calls=60, arrivals={"rate_per_s": 2.4}, service_distribution="exponential",
                            n_nodes=2, replicas=2, max_queue=3)
    theory = mmck_blocking(2, 5, 2.4)
    print(f"\nM/M/2/5, offered 120 %: blocked {theory:.4f}, measured {mean:.4f} ± {half:.4f}")
    assert mmck_blocking(1, 1, 1.0) == pytest.approx(0.5)   # M/M/1/1 is Erlang B
    assert abs(mean - theory) <= half + 0.01 * theory


def test_saturated_batches_reach_full_batch_capacity():
    """2 replicas, max_batch 8, S(B) = 1 + 0.5 B s, offered 3x capacity: each replica serves 8
    requests every 5 s. Exact but for the start, where the first batches take what has come (and
    the batches in service at the end): a few batches' worth in 2,560."""
    svc, jobs = service(n_nodes=2, replicas=2, max_batch=8, step_s=1.0, step_per_request_s=0.5,
                        arrivals={"rate_per_s": 9.6})
    drive(svc, jobs, 10)
    capacity = 2 * 8 / (1.0 + 0.5 * 8)
    m = svc.metrics(6400.0)
    assert m["inference_batch_mean"] == pytest.approx(8.0, abs=0.01)
    assert m["inference_throughput_per_s"] == pytest.approx(capacity, abs=4 * 8 / 6400.0)
    assert m["inference_load"] == pytest.approx(1.0, abs=2e-3)


def test_batch_timeout_fills_batches_as_the_arrivals_say():
    """Requests every 1 s, max_batch 4, time-out 10 s, a batch takes 0.1 s: each batch forms when
    its 4th request comes, so the waits are 3, 2, 1, 0 s (mean 1.5 s) and the replica waits 3 s a
    batch; with a time-out of 2 s the batches are of 3 (waits 2, 1, 0: mean 1 s; the replica waits
    2 s a batch), the last request alone after its 2 s."""
    times = RequestTrace(np.arange(400.0) + 0.5)
    for timeout_s, batch, wait_s, filling_s in ((10.0, 4, 1.5, 100 * 3.0), (2.0, 400 / 134, 401 / 400, 134 * 2.0)):
        svc, jobs = service(n_nodes=1, replicas=1, max_batch=4, step_s=0.0, step_per_request_s=0.025,
                            batch_timeout_s=timeout_s, arrivals={"kind": "trace", "file": __file__, "time_column": "x"},
                            trace=times)
        acc = drive(svc, jobs, 1)
        m = svc.metrics(640.0)
        assert m["inference_batch_mean"] == pytest.approx(batch, rel=1e-12)
        assert m["inference_wait_mean_s"] == pytest.approx(wait_s, rel=1e-9)
        # the replica's wait for a batch to fill is the ledger's scheduling
        assert acc[L.ACC_LEDGER + L.LEDGER_SCHEDULING, 0] == pytest.approx(filling_s, rel=1e-9)


def test_default_service_time_reproduces_the_nim_measurements():
    """S(B) / output_tokens is the inter-token latency at B requests in flight (NVIDIA NIM,
    Llama-3.3-70B, 2 H100, FP8: 21.83 ms at 5, 38.75 ms at 25, within 0.6 %); one request alone
    takes TTFT + 499 ITL = 9.68 s (within 5 %); full batches serve the saturated 920 tokens/s
    (within 5 %)."""
    c = Inference()
    assert c.service_s(5) / 500 == pytest.approx(21.83e-3, rel=0.006)
    assert c.service_s(25) / 500 == pytest.approx(38.75e-3, rel=0.006)
    assert c.service_s(1) == pytest.approx(0.40677 + 499 * 18.58e-3, rel=0.05)
    assert c.max_batch / c.service_s(c.max_batch) * 500 == pytest.approx(920.5, rel=0.05)


def test_service_follows_the_compute_rate_and_the_ledger_closes():
    """Half rate: M/D/1 with S = 2 s at λ = 0.4/s, W_q = 2 s as before twice as slow; the ledger
    books half of the serving time delivered, half power. Rate 0 in the first 10 s: a request that
    came at 5 s starts at 10 s."""
    svc, jobs = service(n_nodes=1, replicas=1, arrivals={"rate_per_s": 0.4}, seed=7)
    acc = drive(svc, jobs, 300, rate=0.5)
    m = svc.metrics(300 * 640.0)
    assert m["inference_wait_mean_s"] == pytest.approx(0.4 * 4 / (2 * 0.2), rel=0.05)
    ledger = acc[L.ACC_LEDGER:L.ACC_LEDGER + L.N_LEDGER, 0]
    assert ledger.sum() == pytest.approx(300 * 640.0, rel=1e-12)   # one accelerator, all the time
    assert ledger[L.LEDGER_DELIVERED] == pytest.approx(ledger[L.LEDGER_POWER], rel=1e-9)
    assert ledger[L.LEDGER_DELIVERED] == pytest.approx(m["inference_served"] * 1.0, rel=1e-3)

    svc, jobs = service(n_nodes=1, replicas=1, arrivals={"kind": "trace", "file": __file__, "time_column": "x"},
                        trace=RequestTrace(np.array([5.0])))
    rate = np.ones((20, 1))
    rate[:10] = 0.0
    acc = np.zeros((L.N_ACC, 1))
    svc.advance(rate, np.zeros((20, 1)), 0, 1.0, jobs.down, acc)
    assert svc.metrics(20.0)["latency_mean_s"] == pytest.approx(6.0, abs=1e-12)   # 5 s waiting + 1 s served
    ledger = acc[L.ACC_LEDGER:L.ACC_LEDGER + L.N_LEDGER, 0]
    assert ledger[L.LEDGER_POWER] == pytest.approx(5.0)        # waited 5..10 s for the node
    assert ledger[L.LEDGER_DELIVERED] == pytest.approx(1.0)
    assert ledger.sum() == pytest.approx(20.0)


def test_where_the_engine_cuts_its_blocks_changes_nothing():
    """One call of 128 steps or two of 64, or 128 of 1: the same requests served at the same
    times (counts and latency histogram exactly; sums to rounding, added in another order)."""
    results = []
    for k_steps, calls in ((128, 1), (64, 2), (1, 128)):
        svc, jobs = service(replicas=4, arrivals={"rate_per_s": 3.5}, service_distribution="exponential",
                            max_batch=3, step_s=0.5, step_per_request_s=0.5)
        drive(svc, jobs, calls, rate=0.7, k_steps=k_steps)
        results.append(svc)
    for other in results[1:]:
        np.testing.assert_array_equal(other.counts, results[0].counts)
        np.testing.assert_array_equal(other.hist, results[0].hist)
        np.testing.assert_allclose(other.sums, results[0].sums, rtol=1e-12)


def test_a_failed_node_sends_its_batch_back_to_the_queue():
    """Two replicas; the node of the one serving fails: its requests are served by the other, and
    every request is served once."""
    svc, jobs = service(n_nodes=2, replicas=2, arrivals={"kind": "trace", "file": __file__, "time_column": "x"},
                        step_per_request_s=30.0, trace=RequestTrace(np.array([1.0, 2.0])))
    rate, heat = np.ones((2, 2)), np.zeros((2, 2))
    acc = np.zeros((L.N_ACC, 2))
    svc.advance(rate, heat, 0, 10.0, jobs.down, acc)   # both requests in service, till 31 s and 32 s
    first = svc.node[svc.busy][0]
    jobs.fail_nodes([first], 20.0)
    svc.on_faults([first], [], 20.0)
    for k in range(2, 12, 2):
        svc.advance(rate, heat, k, 10.0, jobs.down, acc)
    m = svc.metrics(120.0)
    assert m["inference_requeued"] == 1 and m["inference_served"] == 2
    assert m["inference_pending_at_end"] == 0
    # the requeued request (1 s) waited for the other replica (free at 32 s): served by 62 s
    assert m["latency_mean_s"] == pytest.approx(((32.0 - 2.0) + (62.0 - 1.0)) / 2)


def test_histogram_quantiles():
    hist = np.zeros(K.N_HIST, np.int64)
    for x in (0.001, 1.0, 10.0, 100.0):
        hist[K.hist_bin(x)] += 25
    assert K.hist_quantile(hist, 0.10) == pytest.approx(0.001, rel=2.5e-3)
    assert K.hist_quantile(hist, 0.99) == pytest.approx(100.0, rel=2.5e-3)
    assert math.isnan(K.hist_quantile(np.zeros(K.N_HIST, np.int64), 0.5))


def test_daily_cycle_of_arrivals_follows_its_rate():
    """Thinning with A = 0.8 peaking at 18 h: over 20 days, the arrivals in each hour of the day are
    rate x ∫(1 + A cos(2π (t − 18 h) / 1 d)) dt over that hour x 20, within 4 sigma (Poisson)."""
    from twin.ops.requests import PoissonArrivals

    source = PoissonArrivals(2.0, 12345, 0.8, 18 * 3600.0)
    queue, hi = source.fill(np.empty(1024), 0, 20 * 86400.0)
    counts = np.bincount((queue[:hi] % 86400.0 // 3600.0).astype(int), minlength=24)
    w = 2 * math.pi / 86400.0
    edges = np.arange(25) * 3600.0
    expected = 20 * 2.0 * (3600.0 + 0.8 / w * (np.sin(w * (edges[1:] - 18 * 3600)) - np.sin(w * (edges[:-1] - 18 * 3600))))
    assert np.all(np.abs(counts - expected) < 4 * np.sqrt(expected))
    assert counts[18] > 5 * counts[6]   # peak 1.8 against trough 0.2 of the mean


def test_the_random_stream_is_splitmix64():
    """Draw n of key k is SplitMix64's (n + 1)-th output from state k, top 53 bits: the reference
    outputs from state 0 (Vigna's splitmix64.c) are 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4,
    0x06C45D188009454F."""
    for n, ref in enumerate((0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F)):
        assert K.uniform(0, n) == (ref >> 11) * 2.0 ** -53
    assert K.exponential(0, 0) == -math.log(1.0 - (0xE220A8397B1DCDAF >> 11) * 2.0 ** -53)


def test_energy_is_idle_plus_dynamic_power_at_the_node_rate_capped_or_not():
    """A replica's accelerators draw idle + (peak − idle) × rate without a power cap; under one,
    a busy accelerator draws idle + (cap × peak − idle) × throttle while its rate is throttle ×
    the throughput the cap leaves, so per unit of rate (cap × peak − idle) / throughput
    (twin.ops.power_cap.dynamic_w), as the node kernel's power and a job's energy take it."""
    idle_w, peak_w, accel, rate, seconds = 100.0, 400.0, 2, 0.6, 10 * 640.0
    cap, throughput = 0.6, 0.932
    capped_w = (cap * peak_w - idle_w) / throughput
    energies = []
    for dynamic_w in (None, np.full(1, capped_w)):
        cfg = Inference(output_tokens=1, step_s=0.0, step_per_request_s=1.0, max_batch=1,
                        accelerators_per_replica=accel, replicas=1, arrivals={"rate_per_s": 0.2})
        jobs = JobBook(1, accel, Fifo(), idle_w, peak_w)
        svc = InferenceService(cfg, 1, accel, idle_w, peak_w, 3)
        svc.reserve(jobs)
        rate_kn, heat_kn, acc = np.full((64, 1), rate), np.zeros((64, 1)), np.zeros((L.N_ACC, 1))
        for c in range(10):
            svc.advance(rate_kn, heat_kn, c * 64, 10.0, jobs.down, acc, dynamic_w)
        energies.append(svc.metrics(seconds)["inference_energy_wh"] * 3600.0)
    # the replica is placed from the start, its model loaded within the first block or not:
    # energy is booked for every step it is placed on a working node, whatever it serves
    assert energies[0] == pytest.approx(accel * (idle_w + (peak_w - idle_w) * rate) * seconds, rel=1e-12)
    assert energies[1] == pytest.approx(accel * (idle_w + capped_w * rate) * seconds, rel=1e-12)
    assert energies[1] < energies[0] * 0.75   # 100 + 150.2 x 0.6 against 100 + 300 x 0.6 W
