"""A sharded run of a trace keeps what the trace says about each job — its id, its censored flag,
its runtime estimate, its deadline — and the trace's row accounting is the member's, not that of
the CSVs its shards replay. Checked against the single-process run of the same scenario, shards
run one after another here (the Dask path is tests/test_shard.py's)."""
import numpy as np
import pytest

from conftest import small_config
from twin.config import scenario_from_dict
from twin.engine.simulation import run
from twin.output.run import open_run
from twin.scaleout.combine import combine
from twin.scaleout.shard import plan_shards, read_job_ids, run_selected, shard_scenarios

N_JOBS = 40


def _trace(path):
    rng = np.random.default_rng(3)
    rows = ["id,submit,duration,gpus,status,est"]
    for j in range(N_JOBS):
        status = ("Done", "Done", "Running", "Failed")[j % 4]   # Failed: dropped by the filter
        est = "" if j % 5 == 0 else f"{rng.uniform(2000, 9000):.1f}"   # some without an estimate
        # ids a number parser would spoil (leading zeros), with commas and non-ASCII text
        rows.append(f'"00{j:03d},é",{j * 90.0},{rng.uniform(600, 4000):.3f},{1 + j % 4},{status},{est}')
    path.write_text("\n".join(rows) + "\n")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shard_trace")
    _trace(folder / "trace.csv")
    cfg = small_config(**{"simulation.dt_s": 60, "simulation.duration_s": 3600, "output.compression": 0,
                          "scheduler.policy": "priority", "scheduler.runtime_overestimate": 2.0})
    cfg["workload"] = {"kind": "trace", "checkpoint_interval_s": 900, "deadline_slack": 3.0, "mapping": {
        "file": "trace.csv", "submit_column": "submit", "duration_column": "duration",
        "accelerators_column": "gpus", "id_column": "id", "estimate_column": "est",
        "filters": {"status": ["Done", "Running"]}, "censored": {"status": ["Running"]}}}
    sc = scenario_from_dict(cfg, folder)
    single = folder / "single.h5"
    run(sc, single, log=lambda m: None)
    plan = plan_shards(sc, "plane", 2)
    shard_dir = folder / "shards"
    shards = shard_scenarios(sc, plan, shard_dir)
    paths, job_ids = [], []
    for k, shard in enumerate(shards):
        paths.append(shard_dir / f"shard-{k:03d}.h5")
        run_selected(shard, paths[-1], plan.starts[k], plan.counts[k], lambda m: None)
        job_ids.append(read_job_ids(shard_dir / f"shard-{k:03d}.jobs.csv"))
    combined = folder / "combined.h5"
    combine(combined, paths, plan, sc, job_ids)
    return sc, shards, single, combined


def test_shards_keep_the_members_workload_settings(runs):
    sc, shards, _, _ = runs
    for shard in shards:
        assert shard.workload.deadline_slack == sc.workload.deadline_slack == 3.0
        assert shard.workload.communication == sc.workload.communication
        assert shard.workload.checkpoint_interval_s == sc.workload.checkpoint_interval_s


def test_combined_jobs_keep_trace_ids_censored_flags_estimates_and_deadlines(runs):
    _, _, single, combined = runs
    with open_run(single) as one, open_run(combined) as both:
        j1 = one.jobs.sort_values("job_id").reset_index(drop=True)
        j2 = both.jobs.sort_values("job_id").reset_index(drop=True)
        assert len(j1) == len(j2) == N_JOBS * 3 // 4   # the Failed quarter filtered out
        for col in ("job_id", "trace_id", "censored", "submit_s", "work_accel_s", "n_accelerators",
                    "priority", "deadline_s", "estimate_s"):
            np.testing.assert_array_equal(j2[col].to_numpy(), j1[col].to_numpy(), err_msg=col)
        assert j1["trace_id"].iloc[0] == "00000,é" and j1["censored"].sum() == N_JOBS // 4


def test_combined_trace_accounting_is_the_members(runs):
    _, _, single, combined = runs
    with open_run(single) as one, open_run(combined) as both:
        t1 = {k: v for k, v in one.summary.items() if k.startswith("trace_")}
        t2 = {k: v for k, v in both.summary.items() if k.startswith("trace_")}
        assert t2 == t1
        assert t1["trace_rows_read"] == N_JOBS and t1["trace_dropped_filtered_status"] == N_JOBS // 4
