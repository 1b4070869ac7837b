"""The optical inter-satellite link budget (twin/links/budget.py) and its terminal presets
(configs/presets/link/): published anchors, the 1/R^2 law and its cap, the (k, cap) pair the
engine's kernel uses, and the terminal's validation."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from twin.config.terminal import LinkTerminal
from twin.links.budget import (BPS_PER_GBPS, capacity_bps, ceiling_rate_bps, full_collection_range_m,
                               fraunhofer_distance_m, geometric_efficiency, link_margin_db, load_preset,
                               photon_limited_rate_bps, rate_range_product, received_power_w)

REPO = Path(__file__).resolve().parents[1]
PRESETS = sorted((REPO / "configs" / "presets" / "link").glob("*.yaml"))
KM = 1000.0


# ------------------------------------------------------------------ anchors
# spacedc-mdao 0.4.2 (PyPI; github.com/jman4162/spacedc-mdao), crosslink_capacity() with the inputs
# of its tests/test_references.py::test_suncatcher_crosslink_per_aperture (200 m, 5 W, 10 cm,
# 1.55 um, 1 urad, 24 channels x 533 Gbps, 100 photons/bit, eta_tx = eta_rx = 0.8), as it printed
# them when run; they are its outputs, not twin's.
SPACEDC_200M_CAPACITY_GBPS = 12792.0
SPACEDC_200M_RX_POWER_W = 3.1821522706334395
SPACEDC_10KM_RX_POWER_W = 0.2224733059233124          # far field: geometric share 0.0699
SPACEDC_10KM_GEOMETRIC_EFFICIENCY = 0.06991284105930821
SPACEDC_5000KM_RX_POWER_W = 8.898932236932492e-07
SPACEDC_5000KM_RATE_PER_CHANNEL_GBPS = 69.43730642144175  # photon-limited: 1/24 of its 1666.5 Gbps total
# Same equations, the same exact SI values of h and c: only the order of float operations
# differs, so agreement is to rounding (~1e-16 relative). 1e-6 Gbps is 1e-10 of the 12.8 Tbps,
# far above rounding and far below any modelling difference (a changed constant or a 1.22 -> 1.27
# divergence would move the 10 km power by ~8 %).
SPACEDC_TOL_GBPS = 1e-6
SPACEDC_REL_TOL = 1e-12


def test_suncatcher_class_reproduces_spacedc_mdao():
    t = load_preset("suncatcher_class")
    assert capacity_bps(t, 200.0) / BPS_PER_GBPS == pytest.approx(SPACEDC_200M_CAPACITY_GBPS, abs=SPACEDC_TOL_GBPS)
    assert received_power_w(t, 200.0) == pytest.approx(SPACEDC_200M_RX_POWER_W, rel=SPACEDC_REL_TOL)
    assert received_power_w(t, 10 * KM) == pytest.approx(SPACEDC_10KM_RX_POWER_W, rel=SPACEDC_REL_TOL)
    assert geometric_efficiency(t, 10 * KM) == pytest.approx(SPACEDC_10KM_GEOMETRIC_EFFICIENCY, rel=SPACEDC_REL_TOL)
    # photon-limited (beyond this preset's 2 km range, so the rate is asked without the range limit):
    # spacedc-mdao gives each of its 24 channels the whole 5 W, twin shares it, so twin's total is
    # spacedc-mdao's rate per channel
    assert received_power_w(t, 5000 * KM) == pytest.approx(SPACEDC_5000KM_RX_POWER_W, rel=SPACEDC_REL_TOL)
    assert photon_limited_rate_bps(t, 5000 * KM) / BPS_PER_GBPS == pytest.approx(
        SPACEDC_5000KM_RATE_PER_CHANNEL_GBPS, abs=SPACEDC_TOL_GBPS)


# Suncatcher (arXiv:2511.19468): neighbours 100-200 m apart; 1.6 Tbps demonstrated on the bench
# with one transceiver pair. The preset is spacedc-mdao's multi-channel design: it must carry at
# least the demonstrated rate over the whole neighbour spacing.
SUNCATCHER_SPACING_M = (100.0, 200.0)
SUNCATCHER_BENCH_GBPS = 1600.0


def test_suncatcher_class_carries_the_demonstrated_rate_at_formation_spacing():
    t = load_preset("suncatcher_class")
    for r in SUNCATCHER_SPACING_M:
        assert capacity_bps(t, r) / BPS_PER_GBPS >= SUNCATCHER_BENCH_GBPS


# Starlink (SpaceX at SPIE Photonics West 2024, via PCMag): 100 Gbps per link, links of more than
# 5,400 km, peaks of 200 Gbps.
STARLINK_RANGE_KM = 5400.0
STARLINK_RATE_GBPS = 100.0
STARLINK_PEAK_GBPS = 200.0


def test_starlink_class_delivers_the_reported_rate_at_the_reported_range():
    t = load_preset("starlink_class")
    rate_gbps = capacity_bps(t, STARLINK_RANGE_KM * KM) / BPS_PER_GBPS
    assert STARLINK_RATE_GBPS <= rate_gbps <= STARLINK_PEAK_GBPS
    assert capacity_bps(t, 1000 * KM) / BPS_PER_GBPS == STARLINK_PEAK_GBPS   # peaks on shorter links


def test_the_defaults_are_the_starlink_class_preset():
    assert LinkTerminal() == load_preset("starlink_class")


# Tesat LCT, NFIRE-TerraSAR-X (Smutny et al., Proc. SPIE 7199, 2009; AIAA 2006-5460): 5.625 Gbps
# at BER < 1e-9 over links up to ~5,100 km.
TESAT_RANGE_KM = 5100.0
TESAT_RATE_GBPS = 5.625
# A 3 dB margin is the customary minimum for an optical link design (an assumption of this test;
# no margin for this link was found published): the link must close with at least that.
MIN_MARGIN_DB = 3.0


def test_tesat_lct_closes_its_rate_at_its_range_with_margin():
    t = load_preset("tesat_lct_nfire")
    r = TESAT_RANGE_KM * KM
    assert capacity_bps(t, r) / BPS_PER_GBPS == pytest.approx(TESAT_RATE_GBPS, rel=1e-15)
    assert link_margin_db(t, r, TESAT_RATE_GBPS * BPS_PER_GBPS) >= MIN_MARGIN_DB


# ------------------------------------------------------------------ the law
# A terminal whose cap and range do not get in the way, to see the photon-limited law alone.
UNCAPPED = LinkTerminal(max_rate_gbps=1e6, max_range_km=1e6)


@pytest.mark.parametrize("r_km", [500.0, 3000.0, 40_000.0])
def test_doubling_the_range_quarters_the_rate_in_the_far_field(r_km):
    assert r_km * KM > fraunhofer_distance_m(UNCAPPED)
    near, far = capacity_bps(UNCAPPED, r_km * KM), capacity_bps(UNCAPPED, 2 * r_km * KM)
    assert far < UNCAPPED.max_rate_gbps * BPS_PER_GBPS
    assert near / far == pytest.approx(4.0, rel=1e-12)
    assert received_power_w(UNCAPPED, r_km * KM) / received_power_w(UNCAPPED, 2 * r_km * KM) == pytest.approx(4.0)


@pytest.mark.parametrize("name", [p.stem for p in PRESETS])
def test_the_cap_holds_at_short_range_and_nothing_passes_beyond_the_range(name):
    t = load_preset(name)
    cap = t.max_rate_gbps * BPS_PER_GBPS
    for r in (1.0, 100.0, min(1 * KM, t.max_range_km * KM)):
        assert capacity_bps(t, r) == cap
    assert capacity_bps(t, t.max_range_km * KM) > 0.0                 # the limit itself is in range
    assert capacity_bps(t, t.max_range_km * KM * (1 + 1e-9)) == 0.0
    assert capacity_bps(t, 10 * t.max_range_km * KM) == 0.0


def test_received_power_never_exceeds_what_is_transmitted():
    t = LinkTerminal()
    r = np.array([0.0, 1.0, full_collection_range_m(t) / 2, full_collection_range_m(t), 1e4, 1e7])
    p = received_power_w(t, r)
    assert np.all(p <= t.transmit_power_w * t.optics_efficiency)
    assert np.all(np.diff(p) <= 0.0)                                   # never rises with range
    assert geometric_efficiency(t, 0.0) == 1.0
    assert ceiling_rate_bps(t) == photon_limited_rate_bps(t, 0.0)


def test_arrays_and_scalars_agree():
    t = load_preset("tesat_lct_nfire")
    r = np.linspace(0.0, 2 * t.max_range_km * KM, 57)
    got = capacity_bps(t, r)
    assert got.shape == r.shape
    assert np.array_equal(got, np.array([capacity_bps(t, float(x)) for x in r]))
    assert isinstance(capacity_bps(t, 1e6), float)


def test_a_negative_or_nan_range_is_refused():
    with pytest.raises(ValueError, match="range"):
        capacity_bps(LinkTerminal(), -1.0)
    with pytest.raises(ValueError, match="range"):
        received_power_w(LinkTerminal(), np.array([1.0, math.nan]))


# ------------------------------------------------------------------ what the kernel uses
@pytest.mark.parametrize("name", [p.stem for p in PRESETS])
def test_rate_range_product_is_the_budget(name):
    t = load_preset(name)
    k, cap = rate_range_product(t)
    assert cap == t.max_rate_gbps * BPS_PER_GBPS
    knee_m = math.sqrt(k / cap)                                        # where the cap stops binding
    ranges = [1.0, 100.0, 200.0, full_collection_range_m(t) / 3, full_collection_range_m(t),
              fraunhofer_distance_m(t), 100 * KM, 1000 * KM, knee_m, 0.5 * knee_m, 2 * knee_m,
              t.max_range_km * KM]
    for r in ranges:
        if r > t.max_range_km * KM:
            continue
        assert min(cap, k / r ** 2) == pytest.approx(capacity_bps(t, r), rel=1e-12), f"{name} at {r} m"


def test_rate_range_product_refuses_a_cap_above_what_the_whole_beam_carries():
    weak = LinkTerminal(transmit_power_w=1e-6, max_rate_gbps=1e4)      # ~124 Gbit/s if all light arrives
    assert ceiling_rate_bps(weak) < weak.max_rate_gbps * BPS_PER_GBPS
    with pytest.raises(ValueError, match="max_rate_gbps"):
        rate_range_product(weak)


# ------------------------------------------------------------------ the terminal config
@pytest.mark.parametrize("key, value, says", [
    ("transmit_power_w", -1.0, "greater than 0"),
    ("wavelength_nm", 1.55, "greater than 100"),                       # um typed for nm
    ("optics_efficiency", 1.2, "less than or equal to 1"),
    ("field_of_regard_deg", 95.0, "less than or equal to 90"),
    ("photons_per_bit", math.nan, "finite"),
])
def test_bad_values_are_refused_with_the_field_named(key, value, says):
    with pytest.raises(ValidationError) as err:
        LinkTerminal(**{key: value})
    text = str(err.value)
    assert key in text and says in text


def test_an_unknown_key_is_refused_with_its_name():
    with pytest.raises(ValidationError, match="transmit_power_mw") as err:
        LinkTerminal(transmit_power_mw=700.0)
    assert "extra" in str(err.value).lower()


def test_the_terminal_is_frozen():
    with pytest.raises(ValidationError):
        LinkTerminal().transmit_power_w = 10.0


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_every_preset_has_a_source_and_every_number_a_comment(path):
    data = yaml.safe_load(path.read_text())
    assert data.get("source"), f"{path.name}: no source"
    load_preset(path.stem)                                             # and it validates
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        key = line.split(":", 1)[0]
        if key in LinkTerminal.model_fields:
            assert lines[i - 1].lstrip().startswith("#"), f"{path.name}: {key} has no comment above it"
    assert set(data) - {"source", "name"} == set(LinkTerminal.model_fields), f"{path.name}: not every field set"


def test_the_three_anchored_presets_ship():
    assert {"starlink_class", "suncatcher_class", "tesat_lct_nfire"} <= {p.stem for p in PRESETS}
