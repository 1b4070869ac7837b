"""Inference in whole runs (docs/design.md §5): a mixed scenario (training and inference) runs
with both in /summary and the ledger closing; power limits show in the latencies; runs repeat
with their seed and resume bit for bit; request traces are read as their mapping says; bad input
is one line and exit 2."""
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import yaml

from conftest import REPO, small_config
from twin.config import load_config
from twin.engine.checkpoint import checkpoint_path
from twin.engine.simulation import run
from twin.errors import InputError
from twin.output.runlock import partial_path
from twin.scaleout.shard import ShardError, plan_shards

INFERENCE = {"arrivals": {"rate_per_s": 6.0}, "replicas": 8, "latency_objective_s": 60.0}
NOT_COMPARED = ("wall_s", "satellite_steps_per_s")


def config(battery_wh=8000.0, jobs_per_h=8.0, hours=6, **inference) -> dict:
    """``small_config``'s 8 satellites (4 accelerators each) with training jobs and 8 inference
    replicas of 2 accelerators (half the accelerators), serving 6 requests/s of the default model."""
    return small_config(**{"simulation.duration_s": hours * 3600, "workload.arrival_rate_per_h": jobs_per_h,
                           "spacecraft.battery.capacity_wh": battery_wh, "output.compression": 0,
                           "inference": {**INFERENCE, **inference}})


def run_config(cfg: dict, tmp_path, name: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = tmp_path / f"{name}.h5"
    return run(load_config(path), out), out


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    return run_config(config(), tmp_path_factory.mktemp("mixed"), "mixed")


def test_a_mixed_scenario_runs_both_parts(mixed):
    s, out = mixed
    assert s["jobs_submitted"] > 0 and s["jobs_completed"] > 0
    assert s["inference_served"] > 0.99 * s["inference_requests"]
    assert s["inference_requests"] == s["inference_served"] + s["inference_refused"] + s["inference_pending_at_end"]
    # ~6/s over 6 h; Poisson: 129,600 ± 3 sigma (1,080)
    assert abs(s["inference_requests"] - 6.0 * 6 * 3600) < 1080
    assert s["inference_throughput_per_s"] == pytest.approx(s["inference_served"] / s["simulated_s"])
    assert s["latency_p50_s"] < s["latency_p99_s"] < 60.0 and s["slo_attainment"] == 1.0
    assert s["inference_replicas_mean"] == 8.0
    # the ledger closes with inference in it (the tolerance of tests/test_ledger.py)
    assert s["ledger_closure_rel_error"] < 1e-9
    # the replicas hold half the accelerators all the time; training never gets them
    assert s["allocation_mean"] >= 0.5


def test_every_summary_key_of_an_inference_run_is_documented(mixed):
    doc = (REPO / "docs" / "schema.md").read_text()
    _, out = mixed
    with h5py.File(out, "r") as f:
        missing = [k for k in f["summary"] if f"`{k}`" not in doc]
    assert not missing, f"docs/schema.md does not mention: {missing}"


def test_power_limits_show_in_the_latencies(mixed, tmp_path):
    """The same service on satellites whose 400 Wh battery cannot carry the accelerators through
    eclipse: they shed compute, their replicas stop and hand back their batches, and the
    requests wait longer; the replicas' lost time is the ledger's power."""
    full, _ = mixed
    short, _ = run_config(config(battery_wh=400.0), tmp_path, "short")
    assert short["node_hours_safe"] > 5.0
    assert short["inference_requeued"] > 0 and full["inference_requeued"] == 0
    assert short["latency_p99_s"] > 1.2 * full["latency_p99_s"]
    assert short["inference_wait_mean_s"] > full["inference_wait_mean_s"]
    assert short["slo_attainment"] < full["slo_attainment"]
    assert short["lost_power_accel_h"] > full["lost_power_accel_h"]


def test_autoscaling_preempts_training_for_load(tmp_path):
    """Two replicas at the start; training jobs fill the other accelerators in the first hour;
    then requests come at 6/s, twice what two replicas serve: the autoscaler takes accelerators
    back from training (priority preempt)."""
    (tmp_path / "requests.csv").write_text("t\n" + "\n".join(f"{3600 + i / 6:.3f}" for i in range(6 * 7200)) + "\n")
    cfg = config(jobs_per_h=200.0, hours=3, replicas=2, priority="preempt",
                 arrivals={"kind": "trace", "file": "requests.csv", "time_column": "t"},
                 autoscale={"min_replicas": 2, "max_replicas": 16, "target_utilization": 0.7})
    s, _ = run_config(cfg, tmp_path, "autoscale")
    assert s["inference_preemptions"] > 0 and s["preemptions"] >= s["inference_preemptions"]
    assert s["inference_replicas_mean"] > 3.0
    assert s["inference_served"] > 0.95 * s["inference_requests"]


def test_a_seed_repeats_an_inference_run_and_another_changes_it(mixed, tmp_path):
    cfg = config()
    again, _ = run_config(cfg, tmp_path, "again")
    cfg["simulation"]["seed"] += 1
    other, _ = run_config(cfg, tmp_path, "other")
    first, _ = mixed
    keys = [k for k in first if k.startswith(("inference_", "latency_")) or k == "slo_attainment"]
    assert all(first[k] == again[k] or (first[k] != first[k] and again[k] != again[k]) for k in keys)
    assert other["inference_requests"] != first["inference_requests"]


def start(*args):
    return subprocess.Popen([sys.executable, "-m", "twin", "run", *map(str, args), "-q"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    """Ten days with everything inference does: a queue that never empties, batches handed back
    in eclipse (small battery), failed satellites, autoscaling that preempts training. Killed
    after its first checkpoint and resumed, the file (state, tables, /summary) is the
    uninterrupted run's, bit for bit."""
    cfg = config(battery_wh=600.0, hours=240, replicas=6, priority="preempt", startup_s=60.0,
                 autoscale={"min_replicas": 4, "max_replicas": 12})
    cfg["faults"] = {"mtbf_h": 48.0, "mean_repair_h": 2.0}
    cfg["output"].update(checkpoint_every_s=4 * 3600, flush_every_records=30)
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(cfg))
    ref, out = tmp_path / "reference.h5", tmp_path / "killed.h5"
    assert start(path, "-o", ref).wait(timeout=600) == 0
    p = start(path, "-o", out)
    t0 = time.time()
    while not checkpoint_path(partial_path(out)).exists():
        assert time.time() - t0 < 300 and p.poll() is None, "no checkpoint before the run ended"
        time.sleep(0.02)
    time.sleep(0.3)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert not out.exists(), "the run ended before it was killed: make it longer"
    r = subprocess.run([sys.executable, "-m", "twin", "run", "--resume", str(out), "-q"], cwd=REPO,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    with h5py.File(ref, "r") as a, h5py.File(out, "r") as b:
        assert a["summary/inference_requeued"][()] > 0 and a["summary/inference_preemptions"][()] > 0
        assert a["summary/node_failures"][()] > 0
        names = []
        a.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
        for name in names:
            if name.split("/")[-1] in NOT_COMPARED:
                continue
            x, y = a[name][()], b[name][()]
            assert np.array_equal(x, y, equal_nan=np.asarray(x).dtype.kind == "f"), name


def test_request_trace_arrivals(tmp_path):
    """A CSV of dates (the Azure LLM inference traces' TIMESTAMP): times from the earliest,
    compressed by time_scale; empty and unreadable cells dropped and counted; every request
    before the run's end arrives and is served."""
    from twin.ops.requests import load_request_trace

    rows = ["TIMESTAMP,ContextTokens", "2023-11-16 18:15:46.5,100", "2023-11-16 18:15:50.5,100", ",7",
            "not a date,3", "2023-11-16 18:16:46.5,100"]
    (tmp_path / "requests.csv").write_text("\n".join(rows) + "\n")
    arrivals = {"kind": "trace", "file": "requests.csv", "time_column": "TIMESTAMP", "time_format": "iso8601",
                "time_scale": 0.5}
    cfg = config(jobs_per_h=0.0, hours=1, arrivals=arrivals)
    path = tmp_path / "trace.yaml"
    path.write_text(yaml.safe_dump(cfg))
    scenario = load_config(path)
    trace = load_request_trace(scenario.inference.arrivals)
    np.testing.assert_allclose(trace.arrival_s, [0.0, 2.0, 30.0])
    assert trace.dropped == {"unparseable_time": 1, "missing_time": 1}
    s = run(scenario, tmp_path / "trace.h5")
    assert s["inference_requests"] == s["inference_served"] == 3


def test_sharded_runs_refuse_inference():
    with pytest.raises(ShardError, match="inference"):
        plan_shards(load_config_dict(config()), "plane", 2)


def load_config_dict(cfg: dict):
    from twin.config import scenario_from_dict

    return scenario_from_dict(cfg, REPO, "test")


@pytest.mark.parametrize("override, fragment", [
    ("inference.max_batch=0", "max_batch"),
    ("inference.accelerators_per_replica=8", "accelerators_per_replica"),
    ("inference.replicas=100", "do not fit"),
    ("inference.batch_size=4", "batch_size"),
    ("inference.on_late=drop", "on_late"),
    ("inference.autoscale.min_replicas=9", "min_replicas"),
    ("inference.arrivals.rate_per_s=-1", "rate_per_s"),
    ("inference.arrivals={kind: trace, file: missing.csv, time_column: t}", "missing.csv"),
])
def test_bad_inference_input_is_one_line_and_exit_2(tmp_path, override, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config(hours=1)))
    r = subprocess.run([sys.executable, "-m", "twin", "run", str(path), "-o", str(tmp_path / "bad.h5"), "-q",
                        "--set", override], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, lines
    assert fragment in lines[0]


def test_config_errors_name_the_field():
    with pytest.raises(InputError, match="replicas"):
        load_config_dict(config(replicas=20, autoscale={"min_replicas": 1, "max_replicas": 10}))


def test_under_a_power_cap_the_replicas_energy_takes_the_capped_power(tmp_path, monkeypatch):
    """The engine hands the inference service what it hands the jobs: each node's power above idle
    per unit of rate at its cap, (cap × peak − idle) / throughput at the cap, so that the replicas'
    energy falls with the cap as the node's power does (tests/test_inference_queue.py checks the
    energy it books with it)."""
    from twin.config.power_cap import throughput_at
    from twin.ops.inference import InferenceService

    seen = []
    advance = InferenceService.advance

    def spy(self, *args):
        seen.append(args[6] if len(args) > 6 else None)
        return advance(self, *args)

    monkeypatch.setattr(InferenceService, "advance", spy)
    cfg = config(hours=1)
    cfg["spacecraft"].setdefault("accelerator", {})["power_cap_fraction"] = 0.6
    summary, _ = run_config(cfg, tmp_path, "capped")
    acc = load_config(tmp_path / "capped.yaml").spacecraft.accelerator
    expected = (0.6 * acc.peak_power_w - acc.idle_power_w) / throughput_at(0.6, acc.power_curve)
    assert seen and all(w is not None and np.all(w == expected) for w in seen)
    assert summary["inference_energy_wh"] > 0.0
