"""Cost uncertainty of a Monte Carlo sweep: the triangular distribution of the sweep file, the
percentiles, Spearman's rho and the tornado of twin.report.sweep_cost on synthetic tables, the
sweep report's hook, and a small serial sweep end to end."""
import math

import numpy as np
import pytest
import yaml

from conftest import REPO, small_config
from twin.output.sweep_table import read_summary_table, write_tables
from twin.report import sweep_cost
from twin.report.sweep import write_sweep_report
from twin.scaleout.spec import SweepError, load_sweep

COST = sweep_cost.COST_KEY


def synthetic_table(n=200, seed=0):
    """cost = 3 a + noise, with b drawn but unrelated; ground and break-even alongside."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0, 10, n), rng.uniform(0, 10, n)
    cost = 3.0 * a + rng.normal(0.0, 1.0, n) + 5.0
    return pd.DataFrame({"member_id": [f"m{i}" for i in range(n)], "status": "complete", "error": "",
                         "run_file": "", "reused": False, "task_wall_s": 1.0, "x.a": a, "x.b": b,
                         COST: cost, sweep_cost.GROUND_KEY: 0.5 * cost + 1.0,
                         sweep_cost.BREAKEVEN_KEY: 100.0 - 10.0 * a})


def sweep_text(params: dict, n: int = 4) -> str:
    return yaml.safe_dump({"name": "mc", "base": str(REPO / "configs" / "default.yaml"),
                           "samples": {"n": n, "seed": 1, "params": params}}, sort_keys=False)


# ---------------------------------------------------------------------- the triangular distribution
def test_triangular_draws_within_bounds_with_the_right_mean(tmp_path):
    lo, mid, hi, n = 25000.0, 30000.0, 40000.0, 2000
    path = tmp_path / "mc.yaml"
    path.write_text(sweep_text({"economics.accelerator_usd": {"triangular": [lo, mid, hi]}}, n))
    draws = np.array([m.overrides["economics.accelerator_usd"] for m in load_sweep(path).members])
    assert len(draws) == n and draws.min() >= lo and draws.max() <= hi
    # the mean of a triangular distribution and its standard deviation; 4 standard errors
    sd = math.sqrt((lo * lo + mid * mid + hi * hi - lo * mid - lo * hi - mid * hi) / 18.0)
    assert abs(draws.mean() - (lo + mid + hi) / 3.0) < 4.0 * sd / math.sqrt(n)
    # most draws near the central value: the mode's side of the range holds (mid - lo)/(hi - lo)
    assert abs((draws < mid).mean() - (mid - lo) / (hi - lo)) < 0.05


def test_a_triangular_with_equal_ends_is_allowed_at_either_end(tmp_path):
    path = tmp_path / "mc.yaml"
    path.write_text(sweep_text({"economics.discount_rate": {"triangular": [0.05, 0.05, 0.12]},
                                "economics.mission_life_years": {"triangular": [3, 7, 7]}}))
    members = load_sweep(path).members
    assert all(0.05 <= m.overrides["economics.discount_rate"] <= 0.12 for m in members)
    assert all(3 <= m.overrides["economics.mission_life_years"] <= 7 for m in members)


@pytest.mark.parametrize("values, fragment", [
    ([3, 2, 4], "need low <= central <= high and low < high, got [3.0, 2.0, 4.0]"),
    ([1, 5, 3], "need low <= central <= high and low < high"),
    ([2, 2, 2], "need low <= central <= high and low < high"),
    ([1, 2], "triangular.2: Field required"),
    ([1, float("nan"), 3], "triangular.1: Input should be a finite number"),
])
def test_bad_triangular_is_one_line_naming_the_key(tmp_path, values, fragment):
    path = tmp_path / "mc.yaml"
    path.write_text(sweep_text({"economics.bus_usd_per_w": {"triangular": values}}))
    with pytest.raises(SweepError) as err:
        load_sweep(path)
    message = str(err.value)
    assert "\n" not in message and "samples.params.economics.bus_usd_per_w" in message
    assert fragment in message and "mc.yaml" in message


def test_two_distributions_for_one_key_are_refused(tmp_path):
    path = tmp_path / "mc.yaml"
    path.write_text(sweep_text({"economics.bus_usd_per_w": {"triangular": [5, 22, 32], "uniform": [5, 32]}}))
    with pytest.raises(SweepError, match="give exactly one of .*triangular"):
        load_sweep(path)


# ---------------------------------------------------------------------- statistics
def test_percentiles_match_numpy_on_a_table():
    frame = synthetic_table()
    for key in (COST, sweep_cost.GROUND_KEY, sweep_cost.BREAKEVEN_KEY):
        np.testing.assert_allclose(sweep_cost.percentiles(frame[key]), np.percentile(frame[key], [10, 50, 90]),
                                   rtol=1e-12)
    # NaN left out; members of infinite cost (nothing delivered) push the top percentiles to inf
    assert list(sweep_cost.percentiles([1.0, np.nan, 2.0, 3.0])) == list(np.percentile([1.0, 2.0, 3.0], [10, 50, 90]))
    got = sweep_cost.percentiles([1.0, 2.0, 3.0, np.inf, np.inf, np.inf])
    assert np.isfinite(got[0]) and got[1] == np.inf and got[2] == np.inf
    np.testing.assert_array_equal(sweep_cost.percentiles([-np.inf, -np.inf, 0.0, 1.0], (10, 50)), [-np.inf, -np.inf])
    assert np.isnan(sweep_cost.percentiles([np.nan])).all()


def test_spearman_matches_scipy_with_ties():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(3)
    x = rng.integers(0, 5, 60).astype(float)      # many ties
    y = x + rng.normal(0, 2, 60)
    assert sweep_cost.spearman(x, y) == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
    np.testing.assert_array_equal(sweep_cost.ranks([10.0, 20.0, 10.0, 30.0]), [1.5, 3.0, 1.5, 4.0])
    assert sweep_cost.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(sweep_cost.spearman([1, 1, 1, 1], [1, 2, 3, 4]))


def test_tornado_ranks_the_parameter_that_drives_the_cost_first():
    frame = synthetic_table()
    rows = sweep_cost.tornado(frame, ["x.b", "x.a"])
    assert [r["parameter"] for r in rows] == ["x.a", "x.b"]
    a, b = rows
    assert a["k"] == 40 and a["n"] == 200
    # lowest 20 % of a (~0-2) against highest (~8-10): a swing of ~3 x 8 = 24
    assert a["low"] < a["high"] and 20 < a["swing"] < 28 and a["rho"] > 0.9
    assert abs(b["rho"]) < 0.2
    noise = sweep_cost.split_noise(frame[COST], a["k"])
    assert b["swing"] < noise < a["swing"]
    # the tails are the members with the lowest and highest draws
    order = np.sort(frame["x.a"].to_numpy())
    assert a["low_upto"] == order[39] and a["high_from"] == order[-40]
    assert a["low"] == np.median(frame[COST][frame["x.a"] <= order[39]])


def test_sampled_parameters_come_from_the_sweep_file():
    frame = synthetic_table()
    frame["simulation.seed"] = np.arange(len(frame)) % 3
    attrs = {"sweep_yaml": sweep_text({"x.a": {"uniform": [0, 10]}})}
    assert sweep_cost.sampled_parameters(frame, attrs, ["x.b", "x.a", "simulation.seed"]) == ["x.a"]
    # a table without its sweep file: every parameter but the seeds
    assert sweep_cost.sampled_parameters(frame, {}, ["x.b", "x.a", "simulation.seed"]) == ["x.b", "x.a"]


# ---------------------------------------------------------------------- the report
def write_synthetic_sweep(folder, frame, params, text=True):
    attrs = {"name": "mc", "parameters": params}
    if text:
        attrs["sweep_yaml"] = sweep_text({p: {"uniform": [0, 10]} for p in params})
    write_tables(folder, frame, attrs)
    return folder / "summary.h5"


def test_sweep_report_has_the_cost_percentiles_and_the_tornado(tmp_path):
    frame = synthetic_table(n=60)
    frame.loc[3, "status"], frame.loc[3, COST] = "failed", np.nan
    paths = write_sweep_report(write_synthetic_sweep(tmp_path, frame, ["x.a", "x.b"]), tmp_path / "report")
    names = [p.name for p in paths]
    assert names[-3:] == ["sweep_cost_distribution.png", "sweep_cost_tornado.png", "summary.md"]
    assert all(p.stat().st_size > 1000 for p in paths)
    text = (tmp_path / "report" / "summary.md").read_text()
    ok = frame[frame["status"] == "complete"]
    p10, p50, p90 = np.percentile(ok[COST], [10, 50, 90])
    from twin.report.style import fmt

    row = f"| orbit: cost per delivered accelerator-hour | {fmt(p10)} | {fmt(p50)} | {fmt(p90)} | USD/accel-h |"
    assert "## Cost uncertainty (Monte Carlo)" in text and row in text
    assert "59 complete members with a cost." in text
    tornado = text[text.index("### What moves the cost"):]
    assert tornado.index("| `a` |") < tornado.index("| `b` |")
    assert "| `a` | uniform 0 / 10 |" in tornado
    assert text.index("## Cost uncertainty") < text.index("## Figures") < text.index("## Members")


def test_no_cost_section_without_samples_or_costs(tmp_path):
    """A grid is not a probability distribution; a table without the economics keys has no cost."""
    frame = synthetic_table(n=20)
    grid = frame.assign(**{"x.a": np.repeat([1.0, 2.0], 10)})
    text = yaml.safe_dump({"name": "g", "base": "x.yaml", "grid": {"x.a": [1.0, 2.0]}})
    write_tables(tmp_path / "g", grid, {"name": "g", "parameters": ["x.a"], "sweep_yaml": text})
    paths = write_sweep_report(tmp_path / "g" / "summary.h5", tmp_path / "g" / "report")
    assert not any(p.name.startswith("sweep_cost") for p in paths)
    nocost = frame.drop(columns=[COST, sweep_cost.GROUND_KEY, sweep_cost.BREAKEVEN_KEY])
    paths = write_sweep_report(write_synthetic_sweep(tmp_path / "n", nocost, ["x.a", "x.b"]), tmp_path / "n" / "r")
    assert not any(p.name.startswith("sweep_cost") for p in paths)
    assert "Cost uncertainty" not in (tmp_path / "n" / "r" / "summary.md").read_text()


def test_the_shipped_economics_sweep_samples_economics_and_a_spacecraft_part():
    sweep = load_sweep(REPO / "configs" / "sweeps" / "economics-mc.yaml")
    params = sweep.spec.samples.params
    assert len(sweep.members) == sweep.spec.samples.n == 40
    assert {"economics.launch.usd_per_kg", "economics.accelerator_usd", "economics.bus_usd_per_w",
            "economics.mission_life_years", "economics.discount_rate",
            "economics.ground.electricity_usd_per_kwh"} <= set(params)
    assert any(k.startswith("spacecraft.") for k in params)
    launch = [m.overrides["economics.launch.usd_per_kg"] for m in sweep.members]
    assert 67 <= min(launch) and max(launch) <= 2940


# ---------------------------------------------------------------------- end to end
def test_a_small_monte_carlo_sweep_end_to_end(tmp_path):
    """Six members run one by one in this process (no Dask), then the report's cost section."""
    from twin.scaleout.sweep import run_sweep

    (tmp_path / "base.yaml").write_text(yaml.safe_dump(small_config(**{
        "simulation.dt_s": 60, "simulation.duration_s": 10800, "output.compression": 0})))
    path = tmp_path / "mc.yaml"
    path.write_text(yaml.safe_dump({"name": "mc", "base": "base.yaml", "samples": {"n": 6, "seed": 4, "params": {
        "economics.launch.usd_per_kg": {"loguniform": [67, 2940]},
        "economics.accelerator_usd": {"triangular": [25000, 30000, 40000]}}}}))
    result = run_sweep(path, tmp_path / "out", workers=0, log=lambda m: None)
    assert result.n_failed == 0
    frame, attrs = read_summary_table(tmp_path / "out" / "summary.h5")
    cost = frame[COST].to_numpy()
    assert np.isfinite(cost).all() and (cost > 0).all()
    # launch price is the only cost driver that differs much: cost rises with it, rank for rank
    assert sweep_cost.spearman(frame["economics.launch.usd_per_kg"], cost) > 0.8
    paths = write_sweep_report(tmp_path / "out" / "summary.h5", tmp_path / "out" / "report")
    assert {"sweep_cost_distribution.png", "sweep_cost_tornado.png"} <= {p.name for p in paths}
    text = (tmp_path / "out" / "report" / "summary.md").read_text()
    assert "| `usd_per_kg` | loguniform 67 / 2,940 |" in text
