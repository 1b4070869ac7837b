"""An optical inter-satellite link terminal: what :mod:`twin.links.budget` needs to turn a range
into a data rate, and the limits (range, tracking rate, field of regard) past which the link
is down.

The budget is the far-field one of spacedc-mdao's lasercom model (github.com/jman4162/spacedc-mdao,
``src/orbitdc/models/lasercom.py``): a beam of half-angle divergence 1.22 lambda / D_tx, the
receive aperture's geometric share of its footprint, the optics' transmission, a Gaussian
pointing loss exp(-2 (theta_e / theta_b)^2), and a receiver that needs ``photons_per_bit``
photons per bit; the rate is capped at ``max_rate_gbps`` (channels x per-channel rate). The
result is capacity = min(cap, k / R^2) within ``max_range_km`` and 0 beyond it.

The defaults are a generic Starlink-class terminal (``configs/presets/link/starlink_class.yaml``:
SpaceX publishes rate and range, not aperture or power, so those are assumptions). Named,
cited presets live in ``configs/presets/link/``. Every field is a plain number in the unit of
its name; NaN and infinities are refused, as in every config section.
"""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

# Bounds: wide on purpose, to catch unit slips (nm for um, W for mW, cm for m), not to judge a
# design; each with its reason.
MIN_WAVELENGTH_NM = 100.0      # [nm] far ultraviolet: below it no optical terminal has flown or is planned
MAX_WAVELENGTH_NM = 20_000.0   # [nm] thermal infrared (CO2 lasers at 10.6 um were studied for ISLs);
#                                a value in um or m lands far below MIN_WAVELENGTH_NM and is refused
MAX_TRANSMIT_POWER_W = 1_000.0  # [W] optical output: flown terminals emit 0.1-10 W; kW is a weapon
MAX_APERTURE_M = 10.0          # [m] larger than any space telescope flown (JWST 6.5 m): a value in cm or mm
MAX_POINTING_ERROR_URAD = 10_000.0  # [urad] 10 mrad (0.57 deg), coarse pointing at best; beams are ~10 urad
MAX_PHOTONS_PER_BIT = 1e6      # [1] direct detection at ~1000 photons/bit is already poor; 1e6 is a slip
MAX_RATE_GBPS = 1e6            # [Gbit/s] 1 Pbit/s, ~100x the most ambitious DWDM terminal proposed
MAX_RANGE_KM = 1e6             # [km] beyond GEO-GEO (~84,000 km) and to the Moon and back
MAX_SLEW_DEG_PER_S = 360.0     # [deg/s] a turn per second: faster than any gimbal or spacecraft


class LinkTerminal(BaseModel):
    """One optical inter-satellite link terminal (both ends of a link use the same one)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    wavelength_nm: float = Field(
        1550.0, gt=MIN_WAVELENGTH_NM, le=MAX_WAVELENGTH_NM,
        description="carrier wavelength [nm]; generic: telecom C band, where coherent DWDM parts are "
                    "made (SpaceX does not publish Starlink's)")
    transmit_power_w: float = Field(
        5.0, gt=0, le=MAX_TRANSMIT_POWER_W,
        description="optical power out of the transmitter, all channels together [W]; generic: an "
                    "assumption (the power spacedc-mdao's crosslink model uses)")
    tx_aperture_m: float = Field(
        0.10, gt=0, le=MAX_APERTURE_M,
        description="transmit aperture diameter [m]; sets the divergence 1.22 lambda / D; generic: an "
                    "assumption")
    rx_aperture_m: float = Field(
        0.10, gt=0, le=MAX_APERTURE_M,
        description="receive aperture diameter [m]; generic: an assumption (same telescope as transmit)")
    optics_efficiency: float = Field(
        0.64, gt=0, le=1,
        description="transmission of transmit and receive optics together [1]; generic: 0.8 x 0.8, "
                    "spacedc-mdao's default")
    pointing_error_urad: float = Field(
        1.0, ge=0, le=MAX_POINTING_ERROR_URAD,
        description="static/RMS pointing error; loss exp(-2 (error / divergence)^2) as in spacedc-mdao "
                    "[urad]; generic: an assumption (spacedc-mdao's value)")
    photons_per_bit: float = Field(
        40.0, gt=0, le=MAX_PHOTONS_PER_BIT,
        description="photons per bit the receiver needs at its data rate and error-rate target [1]; "
                    "generic: an assumption, the top of the 10-40 photons/bit of coherent receivers")
    max_rate_gbps: float = Field(
        200.0, gt=0, le=MAX_RATE_GBPS,
        description="modem/channel cap, channels x per-channel rate [Gbit/s]; generic: Starlink's "
                    "reported peaks of 200 Gbit/s (SpaceX at SPIE Photonics West 2024, via PCMag)")
    max_range_km: float = Field(
        5400.0, gt=0, le=MAX_RANGE_KM,
        description="longest link the terminal closes; beyond it the link is down [km]; generic: "
                    "Starlink's reported links of more than 5,400 km (SPIE Photonics West 2024)")
    max_slew_deg_per_s: Optional[float] = Field(
        None, gt=0, le=MAX_SLEW_DEG_PER_S,
        description="fastest rotation of the line of sight the terminal tracks, relative to its bus (which "
                    "keeps its attitude to the local vertical); None: no limit [deg/s]; generic: not published")
    field_of_regard_deg: Optional[float] = Field(
        None, ge=0, le=90,
        description="largest angle between the link direction and the satellite's local horizontal "
                    "plane the terminal can point at; None: any [deg]; generic: not published")
