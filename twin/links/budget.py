"""Optical inter-satellite link budget: from a terminal (:class:`twin.config.terminal.LinkTerminal`)
and a range to a received power and a data rate.

The model is spacedc-mdao's Tier-0 free-space optical budget (github.com/jman4162/spacedc-mdao,
``src/orbitdc/models/lasercom.py``, used by ``models/comms_link.py``), which twin's
``suncatcher_class`` preset reproduces:

* divergence (half-angle) of a diffraction-limited beam: theta_b = 1.22 lambda / D_tx (the first
  dark ring of a uniformly lit circular aperture);
* geometric share of the beam the receive aperture catches: eta_geo = (D_rx / (2 R theta_b))^2,
  at most 1;
* pointing loss of a Gaussian beam: eta_point = exp(-2 (theta_e / theta_b)^2);
* received power: P_rx = P_tx x optics_efficiency x eta_geo x eta_point;
* data rate: min(max_rate, P_rx / (photons_per_bit x h c / lambda)), 0 beyond the terminal's
  range.

Relation to Friis. Far out, eta_geo = (pi D_tx D_rx / (4 lambda R))^2 x (4 / (1.22 x 2 pi))^2: the
Friis product G_tx G_rx (lambda / 4 pi R)^2 of two uniformly lit apertures, G = (pi D / lambda)^2,
times 0.272 (-5.65 dB). Real terminals (truncated Gaussian beams, aperture efficiency ~0.81 each,
-1.8 dB for the pair) sit between the two, so this budget is conservative by ~3.8 dB against a
well-designed telescope: what it says closes, closes.

Far field and the 1/R^2 form. The engine's per-step kernel (:mod:`twin.kernels.links`) computes a
link's rate as min(cap_bps, k_bps_m2 / R^2), with the two numbers :func:`rate_range_product`
returns. That is exact in the far field of the transmit aperture, beyond the Fraunhofer
distance R_F = D_tx^2 / lambda (6.5 km for 10 cm at 1550 nm; antenna texts use 2 D^2 / lambda).
Nearer, the beam has not spread yet:

* between R_full = D_tx D_rx / (2.44 lambda) (2.6 km for 10 cm at 1550 nm) and R_F the far-field
  share is below what a real receiver collects: the budget underestimates (conservative);
* inside R_full the far-field share would exceed 1: :func:`received_power_w` clamps it at 1 (all
  the light, spacedc-mdao's ``min(1, ...)``), so the rate there is at most the "ceiling"
  P_tx x optics_efficiency x eta_point / (photons_per_bit x h c / lambda).

The kernel's unclamped k / R^2 equals this clamped budget exactly when the cap binds at and
inside R_full, i.e. when cap <= ceiling; :func:`rate_range_product` refuses a terminal for which
it does not. For every shipped preset the ceiling is far above the cap: Suncatcher-class links
at 100-200 m (well inside R_F) have a ceiling of ~2.5e17 bit/s against a cap of 1.28e13 bit/s, so
the cap decides whatever the near-field optics do (run ``python -m twin.links.budget
suncatcher_class@0.1`` to see it).

Run ``python -m twin.links.budget PRESET@RANGE_KM ...`` for a table of the budget at those ranges.
"""
from __future__ import annotations

import math
import sys

import numpy as np

from twin.config.terminal import LinkTerminal
from twin.constants import BPS_PER_GBPS, M_PER_KM, PLANCK_J_S, SPEED_OF_LIGHT_M_S

# First zero of the Airy pattern, j_1,1 / pi = 3.8317 / pi = 1.2197, rounded as spacedc-mdao
# (and most link-budget texts) round it: theta_b = 1.22 lambda / D.
AIRY_FIRST_NULL = 1.22
# Gaussian-beam pointing loss exp(-POINTING_LOSS_EXPONENT (theta_e / theta_b)^2): the far-field
# intensity of a Gaussian beam of 1/e^2 half-angle theta_b at an angle theta_e off its axis.
POINTING_LOSS_EXPONENT = 2.0

M_PER_NM = 1e-9
RAD_PER_URAD = 1e-6


def wavelength_m(terminal: LinkTerminal) -> float:
    return terminal.wavelength_nm * M_PER_NM


def photon_energy_j(terminal: LinkTerminal) -> float:
    """h c / lambda [J]."""
    return PLANCK_J_S * SPEED_OF_LIGHT_M_S / wavelength_m(terminal)


def divergence_rad(terminal: LinkTerminal) -> float:
    """Half-angle divergence of the transmitted beam, 1.22 lambda / D_tx [rad]."""
    return AIRY_FIRST_NULL * wavelength_m(terminal) / terminal.tx_aperture_m


def pointing_efficiency(terminal: LinkTerminal) -> float:
    """exp(-2 (theta_e / theta_b)^2) [1]."""
    ratio = terminal.pointing_error_urad * RAD_PER_URAD / divergence_rad(terminal)
    return math.exp(-POINTING_LOSS_EXPONENT * ratio * ratio)


def full_collection_range_m(terminal: LinkTerminal) -> float:
    """R_full = D_rx / (2 theta_b): nearer than this the far-field share would exceed 1 and is
    clamped to 1 [m]."""
    return terminal.rx_aperture_m / (2.0 * divergence_rad(terminal))


def fraunhofer_distance_m(terminal: LinkTerminal) -> float:
    """D_tx^2 / lambda: the far-field (1/R^2) law holds well beyond this range [m]."""
    return terminal.tx_aperture_m ** 2 / wavelength_m(terminal)


def _ranges(range_m) -> np.ndarray:
    r = np.asarray(range_m, dtype=np.float64)
    if not np.all(r >= 0.0):   # also catches NaN
        raise ValueError(f"link range must be >= 0 m, got {range_m!r}")
    return r


def _scalar_or_array(x: np.ndarray):
    return float(x) if x.ndim == 0 else x


def geometric_efficiency(terminal: LinkTerminal, range_m):
    """Share of the beam the receive aperture catches, min(1, (D_rx / (2 R theta_b))^2) [1]."""
    r = _ranges(range_m)
    with np.errstate(divide="ignore"):   # R = 0: the share is inf before the clamp, then 1
        share = (terminal.rx_aperture_m / (2.0 * r * divergence_rad(terminal))) ** 2
    return _scalar_or_array(np.minimum(1.0, share))


def received_power_w(terminal: LinkTerminal, range_m):
    """Optical power into the receiver at ``range_m`` [m] (scalar or array) [W]."""
    eta = terminal.optics_efficiency * pointing_efficiency(terminal)
    return _scalar_or_array(terminal.transmit_power_w * eta * np.asarray(geometric_efficiency(terminal, range_m)))


def photon_limited_rate_bps(terminal: LinkTerminal, range_m):
    """P_rx / (photons_per_bit x h c / lambda): the rate the received power supports [bit/s]."""
    p = np.asarray(received_power_w(terminal, range_m))
    return _scalar_or_array(p / (terminal.photons_per_bit * photon_energy_j(terminal)))


def capacity_bps(terminal: LinkTerminal, range_m):
    """Data rate of one link at ``range_m`` [m]: min(cap, photon-limited rate) within the
    terminal's range (inclusive, as the kernel), 0 beyond [bit/s]."""
    r = _ranges(range_m)
    rate = np.minimum(terminal.max_rate_gbps * BPS_PER_GBPS, np.asarray(photon_limited_rate_bps(terminal, r)))
    return _scalar_or_array(np.where(r <= terminal.max_range_km * M_PER_KM, rate, 0.0))


def ceiling_rate_bps(terminal: LinkTerminal) -> float:
    """Rate if the receiver caught the whole beam (eta_geo = 1), the most any range gives [bit/s]."""
    return float(photon_limited_rate_bps(terminal, 0.0))


def rate_range_product(terminal: LinkTerminal) -> tuple[float, float]:
    """(k_bps_m2, cap_bps) with capacity_bps(R) = min(cap_bps, k_bps_m2 / R^2) for 0 < R <=
    max_range (the engine's kernel applies the range limit itself).

    k is the far-field rate x R^2. Raises ValueError when the cap would not bind where the
    far-field share is clamped (cap > ceiling): there k / R^2 would promise more than the whole
    beam carries.
    """
    theta = divergence_rad(terminal)
    p_far_w_m2 = (terminal.transmit_power_w * terminal.optics_efficiency * pointing_efficiency(terminal)
                  * (terminal.rx_aperture_m / (2.0 * theta)) ** 2)       # P_rx x R^2, far field
    k_bps_m2 = p_far_w_m2 / (terminal.photons_per_bit * photon_energy_j(terminal))
    cap_bps = terminal.max_rate_gbps * BPS_PER_GBPS
    ceiling = ceiling_rate_bps(terminal)
    if cap_bps > ceiling:
        raise ValueError(
            f"link terminal: max_rate_gbps {terminal.max_rate_gbps:g} exceeds what the whole beam carries "
            f"({ceiling / BPS_PER_GBPS:.6g} Gbit/s at {terminal.photons_per_bit:g} photons/bit), so the "
            f"1/R^2 budget would overstate the rate inside {full_collection_range_m(terminal):.4g} m; "
            f"lower max_rate_gbps or raise transmit_power_w")
    return k_bps_m2, cap_bps


def link_margin_db(terminal: LinkTerminal, range_m, rate_bps: float):
    """10 log10(P_rx / (rate x photons_per_bit x h c / lambda)): how far above the receiver's need
    a link at ``rate_bps`` is at ``range_m`` [dB]."""
    need_w = rate_bps * terminal.photons_per_bit * photon_energy_j(terminal)
    return _scalar_or_array(10.0 * np.log10(np.asarray(received_power_w(terminal, range_m)) / need_w))


def load_preset(name: str) -> LinkTerminal:
    """The terminal of ``configs/presets/link/NAME.yaml`` (its ``source`` and ``name`` dropped, as
    the config loader does)."""
    import yaml

    from twin.config.load import REPO_PRESETS

    data = yaml.safe_load((REPO_PRESETS / "link" / f"{name}.yaml").read_text()) or {}
    data.pop("source", None)
    data.pop("name", None)
    return LinkTerminal(**data)


def table(specs: list[str]) -> str:
    """A markdown table of the budget for ``PRESET@RANGE_KM`` specs."""
    rows = ["| preset | range [km] | P_rx [W] | photon-limited [Gbit/s] | cap [Gbit/s] | capacity [Gbit/s] "
            "| margin at cap [dB] | R_full [km] | R_F [km] | ceiling [Gbit/s] |", "|" + " --- |" * 10]
    for spec in specs:
        name, _, km = spec.partition("@")
        t = load_preset(name)
        r = float(km) * M_PER_KM
        rows.append(
            f"| {name} | {float(km):g} | {received_power_w(t, r):.10g} | "
            f"{photon_limited_rate_bps(t, r) / BPS_PER_GBPS:.8g} | {t.max_rate_gbps:g} | "
            f"{capacity_bps(t, r) / BPS_PER_GBPS:.6g} | {link_margin_db(t, r, t.max_rate_gbps * BPS_PER_GBPS):.3g} | "
            f"{full_collection_range_m(t) / M_PER_KM:.4g} | "
            f"{fraunhofer_distance_m(t) / M_PER_KM:.4g} | {ceiling_rate_bps(t) / BPS_PER_GBPS:.4g} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(sys.argv[1:]))
