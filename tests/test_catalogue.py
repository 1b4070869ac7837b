"""The whole real Starlink catalogue (10,395 TLEs with their own epochs) loads and propagates;
failing TLEs are reported by count and name, never silently dropped, never a crash."""
import subprocess
import sys
from datetime import datetime, timezone

import numpy as np

from conftest import DATA, REPO
from twin.orbits import Propagator, load_tle
from twin.output.reader import read_summary

CATALOGUE = REPO / "configs" / "data" / "celestrak_starlink_20260530.tle"


def test_full_starlink_catalogue_loads_and_propagates():
    sats = load_tle(CATALOGUE)
    assert len(sats) + len(sats.skipped) == 10_395
    assert len(sats) > 10_000
    pos, vel, err = Propagator(sats, datetime(2026, 5, 30, tzinfo=timezone.utc)).propagate(np.arange(0.0, 600.0, 60.0))
    ok = err == 0
    assert ok.mean() > 0.99
    r_km = np.linalg.norm(pos[ok], axis=-1) / 1000
    assert np.all((r_km > 6378 + 150) & (r_km < 6378 + 2000))   # all in LEO
    assert np.all(np.isnan(pos[~ok]))                             # failures are flagged, not garbage


def test_a_run_reports_skipped_tles_by_count_and_name(tmp_path):
    lines = (DATA / "celestrak_iss_20260530.tle").read_text().splitlines()
    good = lines[:3]
    bad_line2 = lines[2][:-1] + str((int(lines[2][-1]) + 1) % 10)   # wrong checksum
    tle = tmp_path / "two.tle"
    tle.write_text("\n".join(good + ["BROKEN-SAT", lines[1], bad_line2]) + "\n")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"""simulation: {{epoch_utc: "2026-05-30T00:00:00Z", duration_s: 600}}
constellation: [{{kind: tle, file: {tle}}}]
""")
    r = subprocess.run([sys.executable, "-m", "twin", "run", str(cfg), "-o", str(tmp_path / "r.h5"), "-q"],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "skipped 1 TLE(s): BROKEN-SAT" in r.stderr
    import h5py
    with h5py.File(tmp_path / "r.h5") as f:
        assert f["sat"].shape == (1,)
        assert "BROKEN-SAT" in f.attrs["skipped_tles"]


def test_satellites_sgp4_cannot_carry_through_the_run_are_left_out_and_named(tmp_path):
    """Two months before their epochs, some of the first 1,000 Starlink TLEs fail SGP4 (error 6,
    'decayed', or eccentricity out of range): they are screened out, named with the error, and
    the file has no NaN."""
    import h5py
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"""simulation: {{epoch_utc: "2026-03-20T00:00:00Z", duration_s: 3600}}
constellation: [{{kind: tle, file: {CATALOGUE}, max_satellites: 1000}}]
""")
    r = subprocess.run([sys.executable, "-m", "twin", "run", str(cfg), "-o", str(tmp_path / "r.h5"), "-q"],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "r.h5") as f:
        n = f["sat"].shape[0]
        reasons = f.attrs["skipped_tles"].splitlines()
        assert n + len(reasons) == 1000 and len(reasons) > 0
        assert all("SGP4 error" in line for line in reasons)
        assert f"skipped {len(reasons)} TLE(s)" in r.stderr
        for name in ("soc", "electronics_temp_k", "solar_power_w"):
            assert np.isfinite(f[name][...]).all()
        assert np.isfinite(read_summary(f)["energy_balance_rel_error"])
