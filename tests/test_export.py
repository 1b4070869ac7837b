"""``twin export RUN.h5 --czml`` and the report's ground-track map, from run files: positions the
run recorded, or the run's scenario propagated again (the same SGP4 positions)."""
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO


def twin(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "twin", *map(str, args)], cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same 2 h run twice: once recording positions, once not."""
    from twin.config import load_config
    from twin.engine.simulation import run

    folder = tmp_path_factory.mktemp("export")
    paths = {}
    for recorded in (True, False):
        paths[recorded] = folder / f"positions_{recorded}.h5"
        run(load_config(REPO / "configs" / "default.yaml", ["simulation.duration_s=7200",
                                                            f"output.positions={str(recorded).lower()}"]),
            paths[recorded], log=lambda message: None)
    return paths


def cartesian(document: list, packet_id: str) -> np.ndarray:
    packet = next(p for p in document if p["id"] == packet_id)
    return np.asarray(packet["position"]["cartesian"], dtype=np.float64).reshape(-1, 4)


@pytest.mark.parametrize("frame", ["FIXED", "INERTIAL"])
def test_czml_positions_propagated_again_equal_the_recorded_ones(runs, tmp_path, frame):
    docs = {}
    for recorded, path in runs.items():
        out = tmp_path / f"{recorded}.czml"
        r = twin("export", path, "--czml", "-o", out, "--frame", frame)
        assert r.returncode == 0, r.stderr
        assert "24 of 24 satellites" in r.stdout
        docs[recorded] = json.loads(out.read_text())
    for document in docs.values():
        assert document[0]["id"] == "document" and "clock" in document[0]
        assert sum(p["id"].startswith("sat-") for p in document) == 24
    for sat in ("sat-0", "sat-23"):
        a, b = cartesian(docs[True], sat), cartesian(docs[False], sat)
        np.testing.assert_array_equal(a[:, 0], b[:, 0])   # the same sample times [s]
        # recorded positions are float32 km (~0.5 m at 7,000 km); propagated ones float64
        assert np.abs(a[:, 1:] - b[:, 1:]).max() < 2.0
        radius_km = np.linalg.norm(a[:, 1:], axis=1) / 1e3
        assert np.all((radius_km > 6378 + 500) & (radius_km < 6378 + 600))   # the 550 km shell


def test_export_refuses_to_replace_a_file_and_names_it(runs, tmp_path):
    out = tmp_path / "taken.czml"
    out.write_text("mine")
    r = twin("export", runs[False], "--czml", "-o", out)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "taken.czml" in r.stderr
    assert out.read_text() == "mine"
    r = twin("export", runs[False])
    assert r.returncode == 2 and "--czml" in r.stderr


def test_report_draws_the_ground_track_map(runs, tmp_path):
    r = twin("report", runs[False], "-o", tmp_path / "report")
    assert r.returncode == 0, r.stderr
    png = tmp_path / "report" / "ground_track.png"
    assert png.stat().st_size > 20_000
    assert "ground_track.png" in (tmp_path / "report" / "summary.md").read_text()


def test_map_track_longitudes_follow_the_earth_rotating_under_the_orbit(runs):
    """Consecutive sub-satellite points of one satellite 60 s apart move west of the inertial
    motion by the Earth's rotation: check the track's ground speed against the orbit's."""
    from twin.cli.export import map_track

    track = map_track(runs[True])
    lon, lat = np.radians(track["lon_deg"][:, 0]), np.radians(track["lat_deg"][:, 0])
    step = np.arccos(np.clip(np.sin(lat[1:]) * np.sin(lat[:-1]) + np.cos(lat[1:]) * np.cos(lat[:-1])
                             * np.cos(lon[1:] - lon[:-1]), -1, 1))
    # a 550 km circular orbit sweeps 360° in 95.6 min: 3.77°/min of arc; the ground track of an
    # inclined orbit moves at that ± the Earth's 0.25°/min, so between 3.4 and 4.1 °/min
    assert np.all((np.degrees(step) > 3.4) & (np.degrees(step) < 4.1))
