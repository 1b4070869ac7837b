"""The reference scenarios (configs/suncatcher-cluster, starcloud-40mw, starlink-shell, iss-like)
and their analyses (analysis/): every config validates, each runs for a few simulated hours, and
the analysis of that short file agrees with independent calculations: eclipse geometry, the
file's /summary (its accelerator ledger too, as printed), and the design arithmetic in the
configs' comments.

The year-long Suncatcher run is too long for the suite; see docs/validation.md.
"""
import contextlib
import io
import math
import re
import subprocess
import sys
from types import SimpleNamespace

import pandas as pd
import pytest
from numpy.testing import assert_allclose

import twin
from conftest import REPO
from twin.cli.main import main as twin_cli

sys.path.insert(0, str(REPO / "analysis"))
import headline  # noqa: E402
import iss_like  # noqa: E402
import starcloud  # noqa: E402,F401  (used through sys.modules)
import starlink  # noqa: E402
import suncatcher  # noqa: E402,F401  (used through sys.modules)
import validation  # noqa: E402

SCENARIOS = ("suncatcher-cluster", "starcloud-40mw", "starlink-shell", "iss-like")
# s: a few hours; the ISS-like run long enough for two whole eclipses of both beta-0 satellites
SHORT_S = {"suncatcher-cluster": 3 * 3600.0, "starcloud-40mw": 3 * 3600.0,
           "starlink-shell": 3 * 3600.0, "iss-like": 4 * 3600.0}
LOST = ("power", "heat", "faults", "network", "overhead", "scheduling")   # docs/schema.md
MU_M3_S2 = 3.986004418e14  # m^3/s^2
R_EARTH_M = 6_378_137.0    # m


def cylinder_eclipse_min(altitude_km):
    """Eclipse at beta = 0 in a cylindrical shadow, circular Keplerian orbit [min]."""
    a = R_EARTH_M + altitude_km * 1e3
    return 2 * math.pi * math.sqrt(a ** 3 / MU_M3_S2) * math.asin(R_EARTH_M / a) / math.pi / 60


@pytest.mark.parametrize("name", SCENARIOS)
def test_config_validates(name, capsys):
    assert twin_cli(["validate", str(REPO / "configs" / f"{name}.yaml")]) == 0
    assert "constellation:" in capsys.readouterr().out


@pytest.fixture(scope="module")
def short_runs(tmp_path_factory):
    """Each scenario for a few hours (SHORT_S; the Starlink shell's 176 TLE satellites included)."""
    folder = tmp_path_factory.mktemp("scenarios")
    paths = {}
    for name in SCENARIOS:
        scenario = twin.load_config(REPO / "configs" / f"{name}.yaml",
                                    [f"simulation.duration_s={SHORT_S[name]}"])
        paths[name] = folder / f"{name}.h5"
        with contextlib.redirect_stdout(io.StringIO()):
            twin.run(scenario, paths[name])
    return paths


@pytest.fixture(scope="module")
def numbers(short_runs):
    """headline() of every short run, with the run kept open for the checks."""
    out = {}
    for name, path in short_runs.items():
        run = headline.load_run(path)
        out[name] = (run, headline.headline(run))
    yield out
    for run, _ in out.values():
        run.ds.close()


def test_eclipse_pairing_handles_cut_eclipses():
    events = pd.DataFrame({
        "time_s": [10.0, 600.0, 2000.0, 4000.0, 300.0, 5000.0, 7000.0, 8000.0],
        "sat": [0, 0, 0, 0, 1, 1, 1, 1],
        "kind": ["eclipse_entry", "eclipse_exit", "eclipse_entry", "eclipse_exit",
                 "eclipse_exit", "eclipse_entry", "eclipse_exit", "eclipse_entry"]})
    ecl = headline.eclipses(events, dt_s=10.0)
    done = ecl[ecl["complete"]]
    assert sorted(zip(done["sat"], done["duration_s"])) == [(0, 2000.0), (1, 2000.0)]
    cut = ecl[~ecl["complete"]]
    assert len(cut) == 3   # sat 0 in shadow at the start (entry at dt), sat 1 at start and end
    assert cut["exit_s"].isna().sum() == 1


@pytest.mark.parametrize("name", SCENARIOS)
def test_totals_agree_with_summary(numbers, name):
    """Integrals of the file's flows against /summary, and the energy balance from the file."""
    run, h = numbers[name]
    s = run.summary
    assert_allclose(h["curtailed_wh"], s["energy_curtailed_wh"], rtol=1e-9, atol=1e-6)
    assert_allclose(h["solar_wh"], s["energy_solar_wh"], rtol=1e-9)
    # flows are means over records, stocks end values: closure to rounding (docs/schema.md)
    assert abs(h["balance_residual_wh"]) < 1e-6 * max(s["energy_solar_wh"], 1.0)
    # radiator per MW: one face of every panel over the mean of load + losses
    heat_w = (s["energy_load_wh"] + s["energy_loss_wh"]) / (s["simulated_s"] / 3600)
    area = run.config["spacecraft"]["radiator"]["area_m2"] * s["n_satellites"]
    assert_allclose(h["radiator_m2_per_mw_mean"], area / (heat_w / 1e6), rtol=1e-9)
    # per year: the run's delivered work scaled to 365 days
    assert_allclose(h["accel_h_per_year"], s["work_delivered_accel_h"] * 365 * 86400 / s["simulated_s"])
    # utilisation is per node: it counts accelerators still held after a job ends (until the
    # next placement epoch) and those of a gang job stalled by a slower member, so the progress
    # it implies bounds the jobs' progress from above; where no node is ever short of power
    # (the ISS-like baseline) only the placement lag separates them
    assert h["accel_h_progress_summary"] <= h["accel_h_progress_file"] * (1 + 1e-6)
    if name == "iss-like":
        assert h["accel_h_progress_file"] <= 1.02 * h["accel_h_progress_summary"] + 1.0
    # whole records at full power can only be fewer than the exact nominal steps
    assert h["full_power_fraction"] <= h["nominal_fraction_summary"] + 1e-9
    # the ledger: the /state flows integrate to /summary's hours, which add up to the capacity
    led = h["ledger"]
    acc = run.config["spacecraft"]["accelerator"]["count"]
    assert_allclose(led["capacity_accel_h"], s["n_satellites"] * acc * s["simulated_s"] / 3600, rtol=1e-12)
    assert_allclose(sum(led["accel_h"].values()), led["capacity_accel_h"], rtol=1e-9)
    assert_allclose(led["accel_h"]["delivered"], s["work_delivered_accel_h"], rtol=1e-9)
    for cause, hours in led["file_accel_h"].items():
        assert abs(hours - led["accel_h"][cause]) <= 1e-9 * led["capacity_accel_h"], cause
    assert led["file_rel_diff"] < 1e-9


def test_iss_like_beta_zero_eclipse_against_geometry(numbers):
    """Plane 0 starts at beta ~ 0: eclipse and shadow per orbit against the cylindrical shadow
    2 asin(R/a) / 2 pi of the period, 36.1 of 92.6 min at 400 km (Vallado 2013). Tolerance
    0.25 min: events are at the 10 s step, the conical shadow at nu = 0.5 sits within ~1 s of
    the cylinder, and the period from two eclipse entries is J2- and step-rounded (~5 s)."""
    run, h = numbers["iss-like"]
    period_min = 2 * math.pi * math.sqrt((R_EARTH_M + 400e3) ** 3 / MU_M3_S2) / 60
    eclipse_min = cylinder_eclipse_min(400.0)
    assert abs(period_min - 92.6) < 0.05 and abs(eclipse_min - 36.1) < 0.05
    rows = iss_like.beta_zero_check(run, h)
    assert len(rows) == 2   # both satellites of plane 0
    for _sat, beta, ecl, shadow, period in rows:
        assert abs(beta) < 1.0
        assert abs(ecl - eclipse_min) < 0.25
        assert abs(shadow - eclipse_min) < 0.1      # integral of 1 - nu over a whole orbit
        assert abs(period - period_min) < 0.25
    assert abs(h["longest"]["duration_s"] / 60 - eclipse_min) < 0.25


def test_iss_like_battery_design_carries_full_load(numbers):
    """The config sizes the battery for full load through the beta = 0 eclipse: 3.3 kW x 36.1
    min = 1.99 kWh before losses, 2.05 after, within the 2.1 kWh usable; the analysis must find
    the same and every node must stay at full power."""
    run, h = numbers["iss-like"]
    b = h["battery"]
    assert h["full_load_w"] == 500 + 4 * 700
    assert_allclose(b["full_wh_before_losses"], 3300 * h["longest"]["duration_s"] / 3600)
    assert_allclose(b["full_wh_after_losses"], b["full_wh_before_losses"] / 0.97)
    assert 1.95e3 < b["full_wh_before_losses"] < 2.02e3
    assert b["wh_before_losses"] <= b["full_wh_before_losses"] + 1e-6
    assert b["full_wh_after_losses"] < h["usable_battery_wh"] == pytest.approx(2100.0)
    assert h["nominal_fraction_summary"] == pytest.approx(1.0)


def test_dawn_dusk_scenarios_in_january_never_eclipse(numbers):
    """The two dawn-dusk clusters start on 1 January, months from their eclipse season."""
    for name, n in (("suncatcher-cluster", 81), ("starcloud-40mw", 40)):
        run, h = numbers[name]
        assert h["n_sats"] == n and h["n_eclipses"] == 0 and "longest" not in h
        assert h["sunlit_fraction_mean"] == 1.0
        assert h["full_power_fraction"] == pytest.approx(1.0)
    _, sc = numbers["suncatcher-cluster"]
    assert sc["full_load_w"] == 1000 + 32 * 300


def test_starcloud_is_40_mw_on_the_published_radiator(numbers):
    run, h = numbers["starcloud-40mw"]
    acc = run.config["spacecraft"]["accelerator"]
    assert 40e6 <= h["n_sats"] * acc["count"] * acc["peak_power_w"] < 40.1e6
    assert h["radiator_area_m2"] == 63_200.0


def test_starlink_shell_selection_and_eclipses(numbers):
    """176 satellites named STARLINK-38xx/39xx; their eclipses are bounded by the cylindrical
    shadow at beta = 0 of the lowest of them (361 km: 36.3 min), and those of the 540 km
    satellites by that at 540 km (35.6 min), which the planes near beta = 0 (|beta| ~ 1-2 deg
    on 30 May) come within a step (10 s) of."""
    run, h = numbers["starlink-shell"]
    names = run.ds["sat_name"].values
    assert len(names) == 176 and all(n.startswith(("STARLINK-38", "STARLINK-39")) for n in names)
    done = h["eclipses"][h["eclipses"]["complete"]]
    assert len(done) > 176
    assert done["duration_s"].max() / 60 < cylinder_eclipse_min(361.0) + 0.2
    off_station = {"STARLINK-3858", "STARLINK-3893", "STARLINK-3894", "STARLINK-3936", "STARLINK-3982"}
    at_540 = done[~done["sat"].map(dict(enumerate(names))).isin(off_station)]
    bound_min = cylinder_eclipse_min(540.0)
    assert bound_min - 0.25 < at_540["duration_s"].max() / 60 < bound_min + 0.1
    rows = starlink.by_beta(run)
    assert sum(r[1] for r in rows) == 176


@pytest.mark.parametrize("script, name", [("suncatcher", "suncatcher-cluster"),
                                          ("starcloud", "starcloud-40mw"),
                                          ("starlink", "starlink-shell"), ("iss_like", "iss-like")])
def test_analysis_scripts_print_and_plot(short_runs, tmp_path, capsys, script, name):
    module = sys.modules[script]
    figure = tmp_path / f"{name}.png"
    module.main([str(short_runs[name]), "-o", str(figure)], title=name, default_run="",
                extra=module.extra)
    out = capsys.readouterr().out
    for label in ("full compute power", "eclipse season", "radiator area per MW",
                  "accelerator-hours", "energy curtailed", "ledger", "limiting factor"):
        assert label in out
    assert figure.stat().st_size > 10_000
    check_ledger_lines(out, summary_of(short_runs[name]))


def summary_of(path):
    with twin.open_run(path) as ds:
        return dict(ds.summary)


def check_ledger_lines(out, s):
    """The printed ledger against the file's /summary: every share to its printed rounding, and
    the limiting factor both as stored and as the largest printed loss other than no_demand."""
    m = re.search(r"ledger +delivered ([\d.]+) % of ([\d,]+) installed accelerator-hours; lost to (.*?); "
                  r"no_demand \(idle for want of jobs\) ([\d.]+) %", out)
    assert m, out
    capacity = s["capacity_accel_h"]
    assert float(m[2].replace(",", "")) == pytest.approx(capacity, abs=0.5)
    shown = {c: float(v) for c, v in re.findall(r"(\w+) ([\d.]+) %", m[3])}
    assert list(shown) == list(LOST)
    shown.update(delivered=float(m[1]), no_demand=float(m[4]))
    for cause, pct in shown.items():
        key = "delivered_accel_h" if cause == "delivered" else f"lost_{cause}_accel_h"
        assert abs(pct - 100 * s[key] / capacity) <= 0.05 + 1e-9, cause
    assert abs(sum(shown.values()) - 100) <= 0.05 * len(shown)
    limit = re.search(r"limiting factor +(\w+)", out)[1]
    lost = {c: s[f"lost_{c}_accel_h"] for c in LOST}
    expected = max(lost, key=lost.get) if max(lost.values()) > 0 else "none"
    assert limit == s["limiting_factor"] == expected
    if limit != "none":
        hours = re.search(r"limiting factor +\w+: ([\d,]+) accelerator-hours", out)[1]
        assert float(hours.replace(",", "")) == pytest.approx(lost[limit], abs=0.5)
        rest = {c: h for c, h in lost.items() if c != limit and h > 0}
        nxt = re.search(r"limiting factor .*; next (\w+), ([\d,.]+) ", out)
        if rest:
            assert nxt[1] == max(rest, key=rest.get)
            assert float(nxt[2].replace(",", "")) == pytest.approx(rest[nxt[1]], rel=0.05, abs=0.5)
        else:
            assert nxt is None


def test_ledger_of_a_file_older_than_the_ledger():
    """A schema-1 file's /summary has none of the ledger's keys: the analysis says why it prints
    no ledger rather than failing or printing zeros."""
    run = SimpleNamespace(summary={"work_delivered_accel_h": 10.0}, ds=SimpleNamespace(attrs={"schema_version": 1}))
    assert headline.ledger(run) is None
    (line,) = headline.ledger_lines(run, None)
    assert "schema 1 predates the accelerator ledger" in line


def test_validation_lists_the_reference_ledgers(short_runs, tmp_path):
    """analysis/validation.py's ledger rows, from run files under the README's names, against
    their /summary; a design with no file is named with the command that makes it."""
    for _design, config, name in validation.REFERENCE_RUNS:
        if config != "starlink-shell":
            (tmp_path / name).symlink_to(short_runs[config])
    (tmp_path / "iss-like-saturated.h5").symlink_to(short_runs["iss-like"])
    rows = validation.reference_ledgers(tmp_path)
    assert [r["design"] for r in rows] == ["Suncatcher cluster", "Starcloud 40 MW", "Starlink shell",
                                           "ISS-like", "ISS-like, saturating load"]
    for row in rows:
        line = validation.ledger_row_line(row)
        if row["design"] == "Starlink shell":
            assert "no run file" in line and "twin run configs/starlink-shell.yaml" in line
            continue
        s = summary_of(row["path"])
        assert row["days"] == pytest.approx(s["simulated_s"] / 86400)
        assert line.endswith(f"limited by {s['limiting_factor']}")
        for cause in LOST + ("no_demand",):
            pct = float(re.search(rf"{cause} ([\d.]+) %", line)[1])
            assert abs(pct - 100 * s[f"lost_{cause}_accel_h"] / s["capacity_accel_h"]) <= 0.05 + 1e-9


def test_analysis_script_runs_from_the_command_line(short_runs, tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "analysis" / "iss_like.py"),
                             str(short_runs["iss-like"]), "--no-figure"],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "beta ~ 0 check" in result.stdout and "longest eclipse" in result.stdout
