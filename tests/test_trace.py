"""Tests of twin.ops.trace: the real Alibaba trace, column-mapping generality, errors."""
from pathlib import Path

import numpy as np
import pandas as pd
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from twin.ops.trace import TraceError, TraceJobs, TraceMapping, load_trace

ROOT = Path(__file__).resolve().parents[1]
ALIBABA_CSV = ROOT / "configs" / "data" / "alibaba_openb_pod_list_default.csv"
SMALL_CSV = Path(__file__).resolve().parent / "data" / "trace_small.csv"

ALIBABA = dict(
    file=Path("data/alibaba_openb_pod_list_default.csv"),
    submit_column="creation_time", start_column="scheduled_time", end_column="deletion_time",
    accelerators_column="num_gpu", accelerator_fraction_column="gpu_milli", accelerator_fraction_scale=1000,
    priority_column="qos", priority_map={"Guaranteed": 3, "LS": 2, "Burstable": 1, "BE": 0},
    filters={"pod_phase": ["Succeeded", "Failed", "Running"]}, censored={"pod_phase": ["Running"]},
)
PHASES = ["Succeeded", "Failed", "Running"]

# trace_small.csv through its duration column, times in ms, tiers as priorities.
SMALL = dict(
    file=SMALL_CSV, time_unit_s=1e-3, submit_column="arrive_ms", duration_column="run_ms",
    accelerators_column="gpus", priority_column="tier", priority_map={"low": 0, "mid": 1, "high": 2},
)
# Hand-computed from trace_small.csv: kept rows a, c, b, f, h in submit order.
SMALL_SUBMIT_S = [1.0, 2.0, 3.0, 8.0, 12.0]
SMALL_WORK = [60.0, 30.0, 240.0, 960.0, 720.0]  # duration [s] x gpus
SMALL_N = [1, 1, 2, 4, 8]
SMALL_PRIORITY = [2, 0, 0, 2, 1]
SMALL_DROPPED = {"too_few_accelerators": 1, "missing_duration": 1, "negative_duration": 1}


def small(**changes) -> TraceJobs:
    return load_trace(TraceMapping(**{**SMALL, **changes}))


# ---------------------------------------------------------------- the real Alibaba trace
@pytest.fixture(scope="module")
def alibaba():
    return load_trace(TraceMapping(**ALIBABA), base_dir=ROOT / "configs")


@pytest.fixture(scope="module")
def alibaba_expected():
    """The same selection computed directly with pandas, independent of the loader."""
    raw = pd.read_csv(ALIBABA_CSV)
    kept = raw[raw.pod_phase.isin(PHASES) & (raw.num_gpu >= 1)]
    work = (kept.deletion_time - kept.scheduled_time) * kept.num_gpu * kept.gpu_milli / 1000.0
    return raw, kept, work


def test_alibaba_counts(alibaba, alibaba_expected):
    raw, kept, _ = alibaba_expected
    assert len(alibaba) == len(kept)
    assert alibaba.dropped == {
        "filtered:pod_phase": int((~raw.pod_phase.isin(PHASES)).sum()),
        "too_few_accelerators": int((raw.pod_phase.isin(PHASES) & (raw.num_gpu == 0)).sum()),
    }
    assert len(alibaba) + sum(alibaba.dropped.values()) == len(raw)
    assert alibaba.notes["censored"] == int((kept.pod_phase == "Running").sum()) == alibaba.censored.sum()


def test_alibaba_arrays(alibaba, alibaba_expected):
    _, kept, work = alibaba_expected
    assert np.all(np.diff(alibaba.submit_s) >= 0)
    assert_array_equal(alibaba.submit_s, np.sort(kept.creation_time.to_numpy(dtype=float)))
    assert np.all(alibaba.work_accel_s > 0)
    assert alibaba.n_accelerators.min() >= 1 and alibaba.n_accelerators.max() <= 8
    assert alibaba.submit_s.dtype == np.float64 and alibaba.n_accelerators.dtype == np.int32
    assert_array_equal(np.bincount(alibaba.n_accelerators), np.bincount(kept.num_gpu))
    # Sums of ~6e3 float64 terms in different orders: rounding is ~1e-13 relative.
    assert_allclose(alibaba.work_accel_s.sum(), work.sum(), rtol=1e-9)
    assert_array_equal(np.sort(alibaba.priority),
                       np.sort(kept.qos.map(ALIBABA["priority_map"]).to_numpy(dtype=np.int32)))


def test_alibaba_whole_accelerators_bound_fractional_work(alibaba, alibaba_expected):
    _, kept, _ = alibaba_expected
    whole = load_trace(TraceMapping(**{**ALIBABA, "accelerator_fraction_column": None}), base_dir=ROOT / "configs")
    expected = ((kept.deletion_time - kept.scheduled_time) * kept.num_gpu).sum()
    assert_allclose(whole.work_accel_s.sum(), expected, rtol=1e-9)
    assert np.all(whole.work_accel_s > 0) and whole.work_accel_s.sum() > alibaba.work_accel_s.sum()


# ---------------------------------------------------------------- column-mapping generality
def test_small_trace_duration_column_ms():
    jobs = small()
    assert_array_equal(jobs.submit_s, SMALL_SUBMIT_S)
    assert_allclose(jobs.work_accel_s, SMALL_WORK, rtol=1e-15)
    assert_array_equal(jobs.n_accelerators, SMALL_N)
    assert_array_equal(jobs.priority, SMALL_PRIORITY)
    assert jobs.dropped == SMALL_DROPPED
    assert not jobs.censored.any() and jobs.notes == {"censored": 0}


def test_small_trace_end_minus_start_matches_duration_column():
    jobs = small(duration_column=None, start_column="begin_ms", end_column="finish_ms")
    assert_array_equal(jobs.submit_s, SMALL_SUBMIT_S)
    assert_allclose(jobs.work_accel_s, SMALL_WORK, rtol=1e-15)
    assert jobs.dropped == SMALL_DROPPED


def test_end_without_start_measures_from_submit():
    # a: 61000 - 1000 ms = 60 s; b: 125000 - 3000 = 122 s (b waited 2 s before starting).
    jobs = small(duration_column=None, end_column="finish_ms", max_jobs=3)
    assert_allclose(jobs.work_accel_s, [60.0, 30.0, 244.0], rtol=1e-15)


def test_fraction_scales_work_not_accelerators():
    jobs = small(accelerator_fraction_column="share")
    assert_allclose(jobs.work_accel_s, [60.0, 15.0, 240.0, 960.0, 720.0], rtol=1e-15)  # c: 30 s x 0.5
    assert_array_equal(jobs.n_accelerators, SMALL_N)


def test_time_scale_stretches_arrivals_only():
    jobs = small(time_scale=2.0)
    assert_array_equal(jobs.submit_s, [2.0, 4.0, 6.0, 16.0, 24.0])
    assert_allclose(jobs.work_accel_s, SMALL_WORK, rtol=1e-15)


def test_size_scale_multiplies_work():
    jobs = small(size_scale=3.0)
    assert_allclose(jobs.work_accel_s, [180.0, 90.0, 720.0, 2880.0, 2160.0], rtol=1e-15)
    assert_array_equal(jobs.submit_s, SMALL_SUBMIT_S)


def test_start_offset_drops_earlier_rows_and_shifts():
    jobs = small(start_offset_s=2.5, time_scale=2.0)
    assert_allclose(jobs.submit_s, [1.0, 11.0, 19.0], rtol=1e-15)  # (3, 8, 12 s - 2.5 s) x 2
    assert jobs.dropped == {**SMALL_DROPPED, "before_offset": 2}


def test_max_jobs_keeps_earliest():
    jobs = small(max_jobs=2)
    assert_array_equal(jobs.submit_s, [1.0, 2.0])
    assert jobs.dropped == {**SMALL_DROPPED, "beyond_max_jobs": 3}


def test_filters_text_and_number():
    jobs = small(filters={"state": ["done"]})
    assert_array_equal(jobs.submit_s, [1.0, 2.0, 3.0, 12.0])
    # d (lost) and f (running) are filtered first, so d is no longer counted as missing_duration.
    assert jobs.dropped == {"filtered:state": 2, "too_few_accelerators": 1, "negative_duration": 1}
    jobs = small(filters={"gpus": [1, 2]})
    assert_array_equal(jobs.n_accelerators, [1, 1, 2])
    assert jobs.dropped == {"filtered:gpus": 3, "missing_duration": 1, "negative_duration": 1}


def test_min_accelerators_and_censored():
    jobs = small(min_accelerators=4, censored={"state": ["running"]})
    assert_array_equal(jobs.n_accelerators, [4, 8])
    assert_array_equal(jobs.censored, [True, False])
    assert jobs.notes == {"censored": 1}
    # a, b, c, d, e, g: d (no duration) and g (negative) fall to the earlier reason.
    assert jobs.dropped == {"too_few_accelerators": 6}


def test_priority_without_map_reads_integers(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text("t,d,n,p\n0,10,1,5\n1,10,2,-1\n")
    jobs = load_trace(TraceMapping(file=csv, submit_column="t", duration_column="d",
                                   accelerators_column="n", priority_column="p"))
    assert_array_equal(jobs.priority, [5, -1])


def test_relative_file_resolves_against_base_dir():
    jobs = load_trace(TraceMapping(**{**SMALL, "file": Path("trace_small.csv")}), base_dir=SMALL_CSV.parent)
    assert_array_equal(jobs.submit_s, SMALL_SUBMIT_S)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 10**5), st.sampled_from([1, 2, 4, 8])),
                     min_size=1, max_size=30),
       time_scale=st.floats(0.01, 100.0), size_scale=st.floats(0.01, 100.0))
def test_scales_are_exact_multipliers(tmp_path_factory, rows, time_scale, size_scale):
    csv = tmp_path_factory.mktemp("h") / "t.csv"
    pd.DataFrame(rows, columns=["t", "d", "n"]).to_csv(csv, index=False)
    base = TraceMapping(file=csv, submit_column="t", duration_column="d", accelerators_column="n")
    plain = load_trace(base)
    scaled = load_trace(base.model_copy(update={"time_scale": time_scale, "size_scale": size_scale}))
    assert_array_equal(plain.submit_s, np.sort([r[0] for r in rows]).astype(float))
    assert_allclose(plain.work_accel_s.sum(), sum(d * n for _, d, n in rows), rtol=1e-12)
    assert_allclose(scaled.submit_s, plain.submit_s * time_scale, rtol=1e-15)
    assert_allclose(scaled.work_accel_s, plain.work_accel_s * size_scale, rtol=1e-15)


# ---------------------------------------------------------------- errors
def test_missing_file(tmp_path):
    with pytest.raises(TraceError, match="not found"):
        small(file=tmp_path / "nope.csv")


def test_missing_column_names_column_and_file():
    with pytest.raises(TraceError) as info:
        small(submit_column="arrival_ms")
    assert "'arrival_ms'" in str(info.value) and "trace_small.csv" in str(info.value)


def test_non_numeric_value(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text(SMALL_CSV.read_text().replace("c,2000,", "c,two seconds,"))
    with pytest.raises(TraceError, match=r"bad\.csv.*'arrive_ms'.*'two seconds'.*line 4"):
        small(file=csv)


def test_negative_time(tmp_path):
    csv = tmp_path / "neg.csv"
    csv.write_text(SMALL_CSV.read_text().replace("c,2000,", "c,-2000,"))
    with pytest.raises(TraceError, match="'arrive_ms' has negative time"):
        small(file=csv)


def test_fractional_accelerators(tmp_path):
    csv = tmp_path / "frac.csv"
    csv.write_text("t,d,n\n0,10,1.5\n")
    with pytest.raises(TraceError, match="'n' must hold whole numbers"):
        load_trace(TraceMapping(file=csv, submit_column="t", duration_column="d", accelerators_column="n"))


def test_unmapped_priority():
    with pytest.raises(TraceError, match=r"'tier' has values \['mid'\]"):
        small(priority_map={"low": 0, "high": 2})


def test_all_rows_filtered():
    with pytest.raises(TraceError, match="no jobs left.*filtered:state: 8"):
        small(filters={"state": ["queued"]})


def test_mapping_needs_one_duration_source():
    with pytest.raises(pydantic.ValidationError, match="exactly one of duration_column or end_column"):
        TraceMapping(**{**SMALL, "end_column": "finish_ms"})
    with pytest.raises(pydantic.ValidationError):
        TraceMapping(**{**SMALL, "time_unit_s": 0.0})
    with pytest.raises(pydantic.ValidationError):
        TraceMapping(**{**SMALL, "unknown_key": 1})
