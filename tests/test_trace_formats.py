"""Any cluster trace by configuration (twin.ops.trace, twin.ops.trace_summary): dates in ISO 8601
or a strftime pattern with a time zone, JSON Lines, the trace's job ids, attempts of one job,
GPU-type filters, every dropped row counted in /summary and logged, censored jobs flagged in
/jobs and kept out of the completion statistics. All trace files here are synthetic."""
import json
import logging
import re

import h5py
import numpy as np
import pydantic
import pytest
import yaml
from numpy.testing import assert_allclose, assert_array_equal

from conftest import REPO
from twin.ops.trace import TraceError, TraceMapping, load_trace
from twin.ops.trace_summary import TraceReplay, summary_key, trace_replay

# Synthetic rows in the documented Helios cluster_log.csv schema (S-Lab-System-Group/HeliosData
# README): not real data. j3 is CPU-only, j5 was SUSPENDED, j6's submit date is garbled.
HELIOS_CSV = """job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,duration,queue
j1,uA,vcA,1,1,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-10 04:55:09,36848,0
j2,uB,vcB,4,16,1,FAILED,2020-06-09 18:41:27,2020-06-09 18:42:27,2020-06-09 18:46:36,249,60
j3,uC,vcA,0,4,1,COMPLETED,2020-06-09 18:41:28,2020-06-09 18:41:28,2020-06-09 18:50:00,512,0
j4,uC,vcC,8,64,1,CANCELLED,2020-06-09 18:40:00,2020-06-09 19:00:00,2020-06-09 21:00:00,7200,1200
j5,uD,vcA,2,8,1,SUSPENDED,2020-06-09 18:45:00,2020-06-09 18:45:00,2020-06-09 18:55:00,600,0
j6,uD,vcB,1,1,1,COMPLETED,June 9th,2020-06-09 18:45:00,2020-06-09 18:55:00,600,0
"""


def helios_mapping(path) -> TraceMapping:
    """The Helios mapping published in configs/data/TRACE_SOURCES.md, on ``path``."""
    text = (REPO / "configs" / "data" / "TRACE_SOURCES.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    return TraceMapping(**{**yaml.safe_load(block)["mapping"], "file": path})


@pytest.fixture
def helios_csv(tmp_path):
    path = tmp_path / "cluster_log.csv"
    path.write_text(HELIOS_CSV)
    return path


# ---------------------------------------------------------------- dates
def test_helios_schema_through_its_published_mapping(helios_csv):
    jobs = load_trace(helios_mapping(helios_csv))
    # zero = the earliest submit date in the file (j4, 18:40:00); kept j4, j1, j2 in submit order
    assert_array_equal(jobs.submit_s, [0.0, 61.0, 87.0])
    assert_array_equal(jobs.trace_id, [b"j4", b"j1", b"j2"])
    assert_allclose(jobs.work_accel_s, [7200 * 8, 36848 * 1, 249 * 4], rtol=1e-15)  # = the duration column
    assert jobs.dropped == {"filtered:state": 1, "unparseable_time": 1, "too_few_accelerators": 1}
    assert jobs.rows_read == 6 and jobs.file == str(helios_csv)


def test_iso8601_offsets_and_time_zones_agree(tmp_path):
    """The same instants written in UTC with Z, with +08:00 (mixed in one column), and naive in
    the named zone give the same times."""
    rows = {"utc": ["2023-01-01T00:00:00Z", "2023-01-01T02:30:00Z"],
            "mixed": ["2023-01-01T08:00:00+08:00", "2023-01-01T03:30:00+01:00"],
            "naive": ["2023-01-01 08:00:00", "2023-01-01 10:30:00"]}
    submits = {}
    for name, (first, second) in rows.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(f"t,d,n\n{first},10,1\n{second},10,1\n")
        zone = "Asia/Shanghai" if name == "naive" else "UTC"
        jobs = load_trace(TraceMapping(file=path, time_format="iso8601", timezone=zone, submit_column="t",
                                       duration_column="d", accelerators_column="n"))
        submits[name] = jobs.submit_s.tolist()
    assert submits == {name: [0.0, 9000.0] for name in rows}


def test_strftime_pattern_across_a_daylight_saving_change(tmp_path):
    """New York sprang forward on 2018-03-11 at 02:00: 01:30 to 03:30 local is one hour."""
    path = tmp_path / "t.csv"
    path.write_text("sub,beg,fin,gpus\n"
                    "11/03/2018 01:00,11/03/2018 01:30,11/03/2018 03:30,2\n"
                    "11/03/2018 01:10,11/03/2018 02:30,11/03/2018 04:00,1\n")   # 02:30 never happened there
    jobs = load_trace(TraceMapping(file=path, time_format="%d/%m/%Y %H:%M", timezone="America/New_York",
                                   submit_column="sub", start_column="beg", end_column="fin",
                                   accelerators_column="gpus"))
    assert_array_equal(jobs.submit_s, [0.0])
    assert_array_equal(jobs.work_accel_s, [3600.0 * 2])
    assert jobs.dropped == {"unparseable_time": 1}


def test_numeric_times_still_refuse_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("t,d,n\n2023-01-01T00:00:00,10,1\n")
    with pytest.raises(TraceError, match=r"'t' has non-numeric value '2023-01-01T00:00:00'"):
        load_trace(TraceMapping(file=path, submit_column="t", duration_column="d", accelerators_column="n"))


def test_dates_that_never_parse_leave_no_job(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("t,d,n\n2023-01-01,10,1\n2023-01-02,10,1\n")
    with pytest.raises(TraceError, match="no jobs left.*unparseable_time: 2"):
        load_trace(TraceMapping(file=path, time_format="%Y/%m/%d", submit_column="t", duration_column="d",
                                accelerators_column="n"))


def test_mapping_checks_time_format_and_zone():
    base = dict(file="t.csv", submit_column="t", duration_column="d", accelerators_column="n")
    with pytest.raises(pydantic.ValidationError, match="neither seconds, iso8601 nor a strftime pattern"):
        TraceMapping(**base, time_format="iso")
    with pytest.raises(pydantic.ValidationError, match="not an IANA time zone"):
        TraceMapping(**base, time_format="iso8601", timezone="Mars/Olympus")


# ---------------------------------------------------------------- JSON Lines
def _as_jsonl(csv_text: str) -> str:
    header, *rows = csv_text.strip().splitlines()
    keys = header.split(",")
    out = []
    for row in rows:
        record = {}
        for key, cell in zip(keys, row.split(",")):
            record[key] = int(cell) if key in ("gpu_num", "cpu_num", "node_num", "duration", "queue") else cell
        out.append(json.dumps(record))
    return "\n".join(out) + "\n\n"   # a blank line at the end is no row


@pytest.mark.parametrize("name, fmt", [("log.jsonl", None), ("log.ndjson", None), ("log.txt", "jsonl")])
def test_json_lines_give_the_same_jobs_as_csv(helios_csv, tmp_path, name, fmt):
    path = tmp_path / name
    path.write_text(_as_jsonl(HELIOS_CSV))
    from_csv = load_trace(helios_mapping(helios_csv))
    from_json = load_trace(helios_mapping(path).model_copy(update={"format": fmt}))
    for field in ("submit_s", "work_accel_s", "n_accelerators", "priority", "censored", "trace_id"):
        assert_array_equal(getattr(from_json, field), getattr(from_csv, field), err_msg=field)
    assert from_json.dropped == from_csv.dropped and from_json.rows_read == 6


def test_json_lines_nulls_numbers_and_errors(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"t": 5, "d": 2.5, "n": 2, "id": 17}\n{"t": 0, "d": null, "n": 1, "id": 18}\n'
                    '{"t": 1, "d": 4, "n": 1}\n')
    mapping = TraceMapping(file=path, submit_column="t", duration_column="d", accelerators_column="n",
                           id_column="id")
    jobs = load_trace(mapping)
    assert_array_equal(jobs.submit_s, [1.0, 5.0])
    assert_array_equal(jobs.work_accel_s, [4.0, 5.0])
    assert_array_equal(jobs.trace_id, [b"", b"17"])        # a key missing from a row: an empty cell
    assert jobs.dropped == {"missing_duration": 1}
    path.write_text('{"t": 0, "d": 1, "n": 1}\n{"t": 0, "d": 1,\n')
    with pytest.raises(TraceError, match=r"t\.jsonl: line 2 is not JSON"):
        load_trace(mapping)
    path.write_text('{"t": 0, "d": 1, "n": 1}\n')
    with pytest.raises(TraceError, match=r"column 'id' not found \(keys: d, n, t\)"):
        load_trace(mapping)


# ---------------------------------------------------------------- ids, attempts, GPU types
ATTEMPTS_CSV = """job,attempt_submit,run,gpus,gpu
A,0,100,1,V100
B,5,50,2,A100
A,10,200,1,V100
C,12,30,1,T4
A,20,300,1,V100
,25,40,1,V100
"""


@pytest.mark.parametrize("attempts, ids, work, dropped", [
    ("all", [b"A", b"B", b"A", b"C", b"A", b""], [100, 100, 200, 30, 300, 40], {}),
    ("first", [b"A", b"B", b"C", b""], [100, 100, 30, 40], {"attempts": 2}),
    ("last", [b"B", b"C", b"A", b""], [100, 30, 300, 40], {"attempts": 2}),
])
def test_attempts_of_one_job(tmp_path, attempts, ids, work, dropped):
    path = tmp_path / "a.csv"
    path.write_text(ATTEMPTS_CSV)
    jobs = load_trace(TraceMapping(file=path, submit_column="attempt_submit", duration_column="run",
                                   accelerators_column="gpus", id_column="job", attempts=attempts))
    assert_array_equal(jobs.trace_id, ids)
    assert_array_equal(jobs.work_accel_s, work)
    assert jobs.dropped == dropped


def test_attempts_and_gpu_types_need_their_columns():
    base = dict(file="t.csv", submit_column="t", duration_column="d", accelerators_column="n")
    with pytest.raises(pydantic.ValidationError, match="attempts: last needs id_column"):
        TraceMapping(**base, attempts="last")
    with pytest.raises(pydantic.ValidationError, match="gpu_types and gpu_type_column go together"):
        TraceMapping(**base, gpu_types=["A100"])
    with pytest.raises(pydantic.ValidationError, match="gpu_types and gpu_type_column go together"):
        TraceMapping(**base, gpu_type_column="gpu")


def test_gpu_type_filter_counts_its_rows(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(ATTEMPTS_CSV)
    jobs = load_trace(TraceMapping(file=path, submit_column="attempt_submit", duration_column="run",
                                   accelerators_column="gpus", id_column="job", attempts="last",
                                   gpu_type_column="gpu", gpu_types=["V100", "A100"]))
    # C (T4) goes first, so it is counted as gpu_type, and attempts resolve among what is left
    assert_array_equal(jobs.trace_id, [b"B", b"A", b""])
    assert jobs.dropped == {"gpu_type": 1, "attempts": 2}


def test_long_ids_are_cut_at_a_character(tmp_path):
    long_id = "é" * 20   # 40 UTF-8 bytes: cut to 16 characters (32 bytes), never inside one
    path = tmp_path / "t.csv"
    path.write_text(f"id,t,d,n\n{long_id},0,1,1\nx{long_id},1,1,1\n")
    jobs = load_trace(TraceMapping(file=path, submit_column="t", duration_column="d", accelerators_column="n",
                                   id_column="id"))
    assert [t.decode() for t in jobs.trace_id] == ["é" * 16, "x" + "é" * 15]


# ---------------------------------------------------------------- accounting, /summary, the log
def test_replay_accounts_for_every_row(helios_csv, caplog):
    jobs = load_trace(helios_mapping(helios_csv).model_copy(update={"censored": {"state": ["FAILED"]}}))
    with caplog.at_level(logging.INFO, logger="twin.ops.trace_summary"):
        replay = trace_replay(jobs, until_s=70.0)        # j2 (87 s) is submitted after the run
    keys = replay.summary()
    assert keys["trace_rows_read"] == 6 and keys["trace_jobs_replayed"] == 2
    assert keys["trace_rows_dropped"] == 4 == keys["trace_rows_read"] - keys["trace_jobs_replayed"]
    assert keys["trace_dropped_filtered_state"] == 1 and keys["trace_dropped_unparseable_time"] == 1
    assert keys["trace_dropped_too_few_accelerators"] == 1 and keys["trace_dropped_after_run"] == 1
    assert keys["trace_dropped_attempts"] == 0 and keys["trace_jobs_censored"] == 0   # j2 is not replayed
    assert all(isinstance(v, int) for v in keys.values())
    assert "6 rows read, 4 dropped (filtered:state 1, unparseable_time 1, too_few_accelerators 1, " \
           "after_run 1); 2 jobs replayed" in caplog.text
    assert trace_replay(None, 70.0) is None


def test_summary_keys_have_no_units():
    from twin.output.schema import unit_of

    assert summary_key("filtered:pod_phase") == "trace_dropped_filtered_pod_phase"
    assert summary_key("filtered:Wait S") == "trace_dropped_filtered_wait_s_rows"   # not seconds
    assert summary_key("filtered:energy_wh") == "trace_dropped_filtered_energy_wh_rows"
    for reason in ("after_run", "filtered:pod_phase", "filtered:Wait S", "before_offset"):
        assert unit_of(summary_key(reason)) == "1"


def test_rows_of_replayed_jobs_get_their_id_and_flag(helios_csv):
    from twin.output.schema import JOB_DTYPE

    jobs = load_trace(helios_mapping(helios_csv).model_copy(update={"censored": {"state": ["CANCELLED"]}}))
    replay = TraceReplay(jobs, until_s=1e9)
    rows = np.zeros(3, dtype=JOB_DTYPE)
    rows["job_id"] = [2, 0, 1]
    replay.fill(rows)
    assert rows["trace_id"].tolist() == [b"j2", b"j4", b"j1"]
    assert rows["censored"].tolist() == [0, 1, 0]


def test_a_run_writes_trace_ids_censored_flags_and_drop_counts(tmp_path, write_config):
    """End to end: a JSON Lines trace with dates; the censored job runs but stays out of the
    slowdowns; /summary counts every row."""
    records = [
        {"id": "train-1", "submitted": "2024-05-01T00:00:00Z", "gpus": 1, "seconds": 600, "state": "done"},
        {"id": "serve-1", "submitted": "2024-05-01T00:01:00Z", "gpus": 1, "seconds": 900, "state": "running"},
        {"id": "train-2", "submitted": "2024-05-01T00:02:00Z", "gpus": 0, "seconds": 60, "state": "done"},
        {"id": "train-3", "submitted": "2024-05-01T00:03:00Z", "gpus": 2, "seconds": 60, "state": "queued"},
        {"id": "train-4", "submitted": "2024-05-01T05:00:00Z", "gpus": 1, "seconds": 60, "state": "done"},
    ]
    (tmp_path / "jobs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    cfg = {"simulation": {"epoch_utc": "2026-01-01T00:00:00Z", "duration_s": 3600, "dt_s": 10},
           "constellation": [{"kind": "walker", "altitude_km": 550, "inclination_deg": 53,
                              "planes": 1, "sats_per_plane": 2}],
           "workload": {"kind": "trace", "mapping": {
               "file": "jobs.jsonl", "time_format": "iso8601", "submit_column": "submitted",
               "duration_column": "seconds", "accelerators_column": "gpus", "id_column": "id",
               "filters": {"state": ["done", "running"]}, "censored": {"state": ["running"]}}}}
    from twin.config import load_config
    from twin.engine.simulation import run

    out = tmp_path / "r.h5"
    summary = run(load_config(write_config(cfg)), out, log=lambda line: None)
    assert summary["trace_rows_read"] == 5 and summary["trace_jobs_replayed"] == 2 == summary["jobs_submitted"]
    assert summary["trace_dropped_filtered_state"] == 1 and summary["trace_dropped_too_few_accelerators"] == 1
    assert summary["trace_dropped_after_run"] == 1 and summary["trace_rows_dropped"] == 3
    assert summary["trace_jobs_censored"] == 1 and summary["jobs_completed"] == 2
    with h5py.File(out, "r") as f:
        ids = f["jobs/trace_id"][:].tolist()
        censored = f["jobs/censored"][:].tolist()
        slowdown = f["jobs/slowdown"][:]
        assert int(f["summary/trace_rows_read"][()]) == 5
    assert sorted(zip(ids, censored)) == [(b"serve-1", 1), (b"train-1", 0)]
    assert summary["slowdown_mean"] == pytest.approx(float(slowdown[ids.index(b"train-1")]))
