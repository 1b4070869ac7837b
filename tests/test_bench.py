"""The benchmark suite's baseline computes what twin computes, and its machinery runs.

No wall-time assertions: timings go to the suite's output (benchmarks/out/results.json), not here.
"""
import json
import sys

import h5py
import numpy as np
import pytest
import yaml

from conftest import REPO, small_config

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.naive_simpy import run_naive  # noqa: E402
from benchmarks.run import TINY  # noqa: E402
from twin.config import load_config  # noqa: E402
from twin.orbits.constellation import build_constellation  # noqa: E402
from twin.engine.simulation import run  # noqa: E402
from twin.orbits import walker_shell  # noqa: E402
from twin.output.reader import state_names

STALE_CACHE_HINT = (
    "If twin's physics was not changed, suspect numba's cache (twin.numba_cache keys it on the "
    "compiled sources; a NUMBA_CACHE_DIR set by hand is not); the baseline always runs the current source.")


@pytest.fixture(scope="module")
def four_satellites(tmp_path_factory):
    """Engine and naive baseline on the same scenario: a 2 x 2 Walker shell (550 km, 53 deg)
    for 100 steps of 10 s, every step recorded, no jobs, SGP4 at every step in both (the
    engine's Lagrange interpolation between SGP4 nodes is its own, tested in its own tests; the
    baseline calls SGP4 every step)."""
    tmp = tmp_path_factory.mktemp("bench")
    overrides = {"simulation.duration_s": 1000, "simulation.record_every_s": 10,
                 "workload.arrival_rate_per_h": 0}
    overrides["simulation.sgp4_step_s"] = 0
    cfg = small_config(**overrides)
    cfg["constellation"][0].update(planes=2, sats_per_plane=2)
    path = tmp / "scenario.yaml"
    path.write_text(yaml.safe_dump(cfg))
    scenario = load_config(path)
    run(scenario, tmp / "run.h5", log=lambda message: None)
    sim = scenario.simulation
    sats = build_constellation(scenario.constellation, sim.epoch_utc, sim.seed)
    naive = run_naive(sats, sim.epoch_utc, sim.dt_s, sim.n_steps, scenario.spacecraft,
                      record_every_steps=sim.record_every_steps)
    with h5py.File(tmp / "run.h5", "r") as f:
        engine = {name: f[name][...] for name in state_names(f)}
        engine["time"] = f["time"][...]
    return engine, naive, sats, sim.epoch_utc


def test_same_walker_shell_as_twin_orbits(four_satellites):
    """The naive baseline is given the element sets of twin.orbits.walker_shell (through the
    engine's own constellation builder): the same ones, element by element."""
    _, _, sats, epoch = four_satellites
    direct = walker_shell(550, 53, 2, 2, 1, "delta", epoch)
    for a, b in zip(direct.satrecs, sats.satrecs):
        assert (a.nodeo, a.mo, a.inclo, a.no_kozai) == (b.nodeo, b.mo, b.inclo, b.no_kozai)


def test_naive_baseline_agrees_with_the_engine(four_satellites):
    """Battery energy and temperatures of the naive SimPy baseline match twin's run file.

    Both run the same source code (the naive one in the interpreter), on the same SGP4 output
    (``Satrec.sgp4`` and ``SatrecArray.sgp4`` share one C++ routine), the same rotation and Sun,
    so they differ only by floating-point rounding: the order of the 3x3 rotation sums (1e-9 m
    in position) and LLVM against the interpreter (~1e-16 relative per operation, not amplified
    by a damped system over 100 steps). Tolerances:

    * battery energy and array power, stored as float64: 1e-12 relative;
    * temperatures, stored as float32: one float32 ulp between 256 and 512 K, 2**-15 K ≈ 3.05e-5 K
      (the file rounds twin's float64 to the nearest float32, up to half an ulp off);
    * sunlit fraction, float32 in [0, 1]: 1e-7;
    * modes: equal.
    """
    engine, naive, _, _ = four_satellites
    assert np.array_equal(engine["time"], naive.time_s)
    assert engine["battery_energy_wh"].shape == naive.battery_energy_wh.shape == (100, 4)
    # the scenario exercises what can go wrong: eclipse crossings and a moving battery
    nu = naive.sunlit_fraction
    assert ((nu.min(axis=0) < 0.5) & (nu.max(axis=0) > 0.5)).any(), "no satellite crosses a shadow edge"
    assert np.ptp(naive.battery_energy_wh, axis=0).max() > 100.0
    np.testing.assert_allclose(naive.battery_energy_wh, engine["battery_energy_wh"], rtol=1e-12,
                               err_msg=STALE_CACHE_HINT)
    np.testing.assert_allclose(naive.solar_power_w, engine["solar_power_w"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(naive.sunlit_fraction, engine["sunlit_fraction"], rtol=0, atol=1e-7)
    for name in ("electronics_temp_k", "radiator_temp_k"):
        np.testing.assert_allclose(getattr(naive, name), engine[name], rtol=0, atol=2.0 ** -15,
                                   err_msg=f"{name}. {STALE_CACHE_HINT}")
    assert np.array_equal(naive.mode, engine["mode"])


def test_bench_machinery_runs_on_a_tiny_size(tmp_path):
    """``twin.cli.bench.main`` runs every part of the suite (tiny sizes, one process) and writes a
    results file with every section; no timing is checked."""
    from twin.cli.bench import main

    out = tmp_path / "results.json"
    assert main(quick=True, sizes=TINY, out_path=out) == 0
    res = json.loads(out.read_text())
    assert res["mode"] == "tiny" and res["machine"]["nproc"] >= 1
    names = [r["name"] for r in res["kernels"]]
    assert any(n.startswith("advance_nodes") for n in names) and "advance_jobs" in names
    assert all(r["ns_per_sat_step"] > 0 for r in res["kernels"])
    assert [r["name"].split()[0] for r in res["propagation"]] == ["SatrecArray.sgp4", "Propagator.propagate"]
    (e2e,) = res["end_to_end"]
    assert e2e["n_sats"] == 4 and e2e["satellite_steps"] == 4 * 60
    assert e2e["ratio_to_bare"] > 0 and e2e["peak_rss_mb"] > 0
    assert [r["duration_s"] for r in res["memory"]["vs_duration"]] == [600.0, 1200.0]
    without = res["memory"]["vs_duration_without_jobs"]   # the same satellites with no job load
    assert [r["duration_s"] for r in without] == [600.0, 1200.0] and {r["jobs_per_sat_h"] for r in without} == {0.0}
    assert all(r["jobs_queued_at_end"] == r["jobs_running_at_end"] == 0 for r in without)
    assert {r["physics"] for r in res["naive"]} == {"full", "minimal"}
    assert all(r["twin_over_naive"] > 0 for r in res["naive"])
    assert any(t["target"].startswith("end to end") for t in res["targets"])
    assert not (tmp_path / "work").exists()


def test_floor_counts_the_kernels_libm_calls():
    """benchmarks/floor.py counts what the node kernel calls: every satellite-step takes one
    thermal step (its φ1 at least one ``exp``) and every boundary its β (one ``asin``), so a
    count below one per satellite-step for either means calls went uncounted; with the array's
    heat balance on (the default spacecraft), one ``expm1`` per part of a step."""
    from benchmarks.floor import call_costs, counts_in_subprocess

    counts = counts_in_subprocess(n_nodes=4, k_steps=4)
    per_step = counts["per_sat_step"]
    assert counts["n_nodes"] == 4 and counts["k_steps"] == 4
    assert per_step["exp"] >= 1.0
    assert per_step["asin"] >= (4 + 1) / 4   # K + 1 boundaries of K steps
    assert per_step["expm1"] >= 1.0
    assert counts["by_caller"]["asin <- finish_geometry"] == pytest.approx(5 / 4)
    costs = call_costs(["exp"], n=256, repeats=1, min_time_s=0.001)
    assert 0.0 < costs["exp"] < 1e4   # ns: a call, timed
    warm = counts_in_subprocess(n_nodes=4, k_steps=4, warm_steps=8)   # from a state the compiled kernel reached
    assert warm["warm_steps"] == 8 and warm["per_sat_step"]["exp"] >= 1.0
    assert warm["by_caller"]["asin <- finish_geometry"] == pytest.approx(5 / 4)
