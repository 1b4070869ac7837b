"""An output variable is declared once (twin/output/schema.py) and everything follows: a
variable added to the declaration is computed each record, written with its units and
description, read by ``twin.open_run`` and listed in docs/schema.md's table; a /jobs row is
built column by column from the job-table declaration."""
import h5py
import numpy as np
import pytest

import twin
from conftest import small_config
from twin.config import load_config
from twin.engine.simulation import run
from twin.kernels import layout as L
from twin.output import schema, schema_doc

DUMMY = schema.Variable("solar_power_kw", "kW", np.float32, schema.mean(L.ACC_SOLAR, per=1000.0),
                        "test dummy: solar array power in kilowatts",
                        "a variable a test adds: `solar_power_w` in kW", extrema=True)


@pytest.fixture
def dummy_variable(monkeypatch):
    """The declaration with one more variable: solar power again, converted to kW."""
    monkeypatch.setattr(schema, "STATE_VARIABLES", schema.STATE_VARIABLES + (DUMMY,))
    return DUMMY


@pytest.fixture
def dummy_run(dummy_variable, write_config, tmp_path):
    cfg = small_config(**{"output.aggregate": ["mean", "min", "max"], "simulation.duration_s": 3600})
    out = tmp_path / "dummy.h5"
    run(load_config(write_config(cfg)), out, log=lambda message: None)
    return out


def test_a_declared_variable_is_in_the_file(dummy_run):
    with h5py.File(dummy_run, "r") as f:
        state = f
        d = state["solar_power_kw"]
        assert d.dtype == np.float32 and d.shape == state["solar_power_w"].shape
        assert {k: d.attrs[k] for k in ("units", "long_name", "kind")} == {
            "units": "kW", "long_name": "test dummy: solar array power in kilowatts", "kind": "flow"}
        # the declared source and conversion: the mean of the same integral, / 1000, as float32
        watts = state["solar_power_w"][...]
        assert watts.max() > 0.0
        assert np.array_equal(d[...], (watts / 1000.0).astype(np.float32))
        for stat in ("min", "max"):
            e = state[f"solar_power_kw_{stat}"]
            assert e.attrs["units"] == "kW" and e.attrs["kind"] == "flow"
            assert np.array_equal(e[...], (state[f"solar_power_w_{stat}"][...] / 1000.0).astype(np.float32))
        # the variables declared before it are where they were
        for var in [v for v in schema.STATE_VARIABLES[:-1] if not v.links]:   # no links in this run
            assert state[var.name].attrs["long_name"] == var.long_name


def test_a_declared_variable_is_read_by_open_run(dummy_run):
    with twin.open_run(dummy_run) as ds:
        kw = ds["solar_power_kw"]
        assert kw.dims == ("time", "sat") and kw.dtype == np.float32
        assert kw.attrs == {"units": "kW", "long_name": "test dummy: solar array power in kilowatts",
                            "kind": "flow", "cell_methods": "time: mean"}
        assert np.array_equal(kw.values, (ds["solar_power_w"].values / 1000.0).astype(np.float32))
        assert "solar_power_kw_max" in ds


def test_a_declared_variable_is_in_the_docs_table(dummy_variable):
    table = schema_doc.state_table()
    assert table.splitlines()[-1] == \
        "| `solar_power_kw` | kW | float32 | flow | a variable a test adds: `solar_power_w` in kW |"
    assert "`throttle` and `solar_power_kw`" in " ".join(schema_doc.extrema_text().split())
    # the page itself does not have it: it is stale while the declaration has the dummy
    doc = schema_doc.DOC.read_text()
    assert schema_doc.render(doc) != doc


def test_the_record_rows_follow_the_declaration(dummy_variable):
    from twin.engine.nodes import record_values

    rng = np.random.default_rng(3)
    acc = rng.uniform(0.0, 1e6, (L.N_ACC, 5))
    state = rng.uniform(1.0, 1e8, (L.N_STATE, 5))
    values = record_values(acc, state, np.zeros(5, np.int64), 60.0, extrema=True)
    assert list(values) == list(schema.RECORD_ROW_NAMES)
    assert np.array_equal(values["solar_power_kw"], acc[L.ACC_SOLAR] / 60.0 / 1000.0)
    j = L.EXTREMA_ACC.index(L.ACC_SOLAR)
    assert np.array_equal(values["solar_power_kw_max"], acc[L.ACC_MAX + j] / 1000.0)


@pytest.mark.parametrize("bad, message", [
    (schema.Variable("soc", "1", np.float32, schema.end(L.STATE_EFC), "twice"), "declared twice"),
    (schema.Variable("beta_max_deg", "deg", np.float32, schema.mean(L.ACC_BETA), "x", extrema=True), "extrema only"),
    (schema.Variable("odd", "1", np.float32, schema.Source("median", L.ACC_SOLAR), "x"), "none of"),
])
def test_a_declaration_the_record_cannot_follow_is_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        schema.check(schema.STATE_VARIABLES + (bad,))


def test_a_job_row_is_built_by_column_name():
    from twin.ops.job import Job
    from twin.ops.workload import JobSpec

    job = Job(JobSpec(7, 10.0, 3600.0, 2, priority=3, deadline_s=5000.0), 3600.0)
    job.start_s, job.end_s, job.status, job.first_sat = 70.0, 1870.0, "completed", 4
    job.remaining_accel_s, job.energy_j = 0.0, 7200.0
    values = job.values(peak_flops=1e15)
    assert list(values) == list(schema.JOB_DTYPE.names)
    row = np.array([job.row(1e15)], dtype=schema.JOB_DTYPE)[0]
    assert row["job_id"] == 7 and row["sat_first"] == 4 and row["priority"] == 3
    assert row["wait_s"] == 60.0 and row["energy_wh"] == 2.0 and row["flop"] == 3600.0 * 1e15
    assert row["status"] == b"completed" and row["deadline_s"] == 5000.0
    assert set(schema.JOB_UNITS) <= set(schema.JOB_DTYPE.names)
