"""The CZML export (twin.report.czml): a document CesiumJS can play, with the positions, colours,
clock and size limits it promises."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from twin.kernels.layout import MODE_NAMES
from twin.report import czml
from twin.report.map import geodetic_lon_lat_deg

EPOCH = datetime(2026, 3, 20, 6, tzinfo=timezone.utc)


def _iso(seconds: float) -> str:
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _tiny():
    t = np.array([60.0, 120.0, 180.0, 240.0, 300.0])
    pos = np.zeros((5, 2, 3))
    pos[:, 0] = [[7000.0 + k, -12.0, 3.0 + k] for k in range(5)]     # whole km: metres are exact
    pos[:, 1] = [[-1.0, 6900.0, -50.0 - k] for k in range(5)]
    mode = np.zeros((5, 2), dtype=np.int8)
    mode[2:, 1] = MODE_NAMES.index("safe")
    return ["ALPHA", "BETA"], t, pos, mode


def test_tiny_document_has_clock_samples_and_mode_intervals():
    names, t, pos, mode = _tiny()
    packets = json.loads(czml.czml_document(names, EPOCH, t, pos, mode, "mode", title="tiny"))
    assert [p["id"] for p in packets] == ["document", "sat-0", "sat-1"]
    doc = packets[0]
    assert doc["name"] == "tiny" and doc["version"] == "1.0"
    assert doc["clock"]["interval"] == f"{_iso(60.0)}/{_iso(300.0)}"
    assert doc["clock"]["currentTime"] == _iso(60.0)
    for s, packet in enumerate(packets[1:]):
        assert packet["name"] == names[s]
        position = packet["position"]
        assert position["referenceFrame"] == "INERTIAL"
        assert position["epoch"] == _iso(0.0)
        samples = np.array(position["cartesian"]).reshape(-1, 4)
        assert samples.shape == (5, 4)                              # 4 x n: time, x, y, z
        assert samples[:, 0].tolist() == t.tolist()                 # seconds since the epoch
        assert np.array_equal(samples[:, 1:], pos[:, s] * 1000.0)   # km in, metres out
        assert packet["availability"] == f"{_iso(60.0)}/{_iso(300.0)}"
        assert packet["path"]["trailTime"] > 0
    nominal, safe = [list(czml.MODE_RGBA[m]) + [255] for m in (0, MODE_NAMES.index("safe"))]
    assert packets[1]["point"]["color"] == [{"interval": f"{_iso(60.0)}/{_iso(300.0)}", "rgba": nominal}]
    assert packets[2]["point"]["color"] == [{"interval": f"{_iso(60.0)}/{_iso(180.0)}", "rgba": nominal},
                                            {"interval": f"{_iso(180.0)}/{_iso(300.0)}", "rgba": safe}]


def test_document_passes_czml3_validation():
    from czml3 import Document

    names, t, pos, mode = _tiny()
    text = czml.czml_document(names, EPOCH, t, pos, mode)
    assert len(Document.model_validate_json(text).packets) == 3


def test_sunlit_colours_by_class():
    names, t, pos, _ = _tiny()
    sunlit = np.array([[1.0, 0.0], [0.5, 0.0], [0.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    packets = json.loads(czml.czml_document(names, EPOCH, t, pos, sunlit, "sunlit"))
    rgb = {label: list(c) + [255] for _, label, c in czml.SUNLIT_CLASSES}
    assert [x["rgba"] for x in packets[1]["point"]["color"]] == [rgb["sunlit"], rgb["penumbra"], rgb["umbra"], rgb["sunlit"]]
    assert [x["rgba"] for x in packets[2]["point"]["color"]] == [rgb["umbra"], rgb["sunlit"]]
    assert "umbra" in packets[0]["description"] and "penumbra" in packets[0]["description"]


def test_satellites_and_samples_are_thinned_to_the_limits():
    t = 60.0 * np.arange(1, 101)
    pos = np.full((100, 10, 3), 4000.0)
    names = [f"S{i}" for i in range(10)]
    packets = json.loads(czml.czml_document(names, EPOCH, t, pos, max_sats=3, max_samples=30))
    assert [p["id"] for p in packets[1:]] == ["sat-0", "sat-4", "sat-8"]       # one in ceil(10/3) = 4
    samples = np.array(packets[1]["position"]["cartesian"]).reshape(-1, 4)
    assert len(samples) == 25 and samples[-1, 0] == t[-1]                      # one in 4, ending on the last
    assert "3 of 10 satellites (one in 4)" in packets[0]["description"]


def test_long_runs_are_cut_rather_than_sampled_too_sparsely():
    # one record in 10 would put samples 600 s apart, too far for the Lagrange interpolation over
    # a LEO orbit: the first max_samples records at 300 s are kept instead
    t = 60.0 * np.arange(1, 101)
    rows, cut = czml.sample_rows(t, max_samples=10)
    assert cut and np.diff(t[rows]).max() <= czml.MAX_SAMPLE_SPACING_S and len(rows) == 10 and rows[0] == 0
    rows, cut = czml.sample_rows(t, max_samples=50)
    assert not cut and rows[-1] == 99 and len(rows) == 50


def test_unpropagated_satellites_are_left_out():
    names, t, pos, mode = _tiny()
    pos[:, 1] = np.nan
    packets = json.loads(czml.czml_document(names, EPOCH, t, pos, mode))
    assert [p["id"] for p in packets] == ["document", "sat-0"]


def test_fixed_frame_puts_satellites_over_the_same_ground_as_the_map():
    # FIXED positions are rotated to ITRS here; their longitude must be the map's (both skyfield)
    names, t, pos, mode = _tiny()
    packets = json.loads(czml.czml_document(names, EPOCH, t, pos, mode, frame="FIXED"))
    samples = np.array(packets[1]["position"]["cartesian"]).reshape(-1, 4)
    assert packets[1]["position"]["referenceFrame"] == "FIXED"
    lon_fixed = np.degrees(np.arctan2(samples[:, 2], samples[:, 1]))
    lon_map, _ = geodetic_lon_lat_deg(EPOCH, t, pos)
    # whole metres at 7,000 km: 1.5e-4 mrad, 1e-5 degree
    assert lon_fixed == pytest.approx(lon_map[:, 0], abs=1e-4)
    assert np.linalg.norm(samples[:, 1:], axis=1) == pytest.approx(np.linalg.norm(pos[:, 0], axis=1) * 1e3, abs=1.0)


def test_bad_arguments_are_refused():
    names, t, pos, mode = _tiny()
    with pytest.raises(ValueError, match="state_kind"):
        czml.czml_document(names, EPOCH, t, pos, mode, "beta")
    with pytest.raises(ValueError, match="frame"):
        czml.czml_document(names, EPOCH, t, pos, mode, frame="TEME")
    with pytest.raises(ValueError, match="position_km"):
        czml.czml_document(names[:1], EPOCH, t, pos, mode)
