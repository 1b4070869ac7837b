"""View factors from a flat plate in orbit to the Earth, for Earth-IR and albedo loads.

Scalar numba kernels (float64 SI in and out). docs/design.md §5, "Thermal".

References
----------
Howell, J. R., *A Catalog of Radiation Heat Transfer Configuration Factors*, 3rd ed., University of
    Texas at Austin (thermalradiation.net), factor B-43 "Differential planar element of arbitrary
    tilt to a sphere" (B-39 is its untilted special case, F = 1/H²). The same closed form is in
    Howell, Mengüç, Daun & Siegel, *Thermal Radiation Heat Transfer*, 7th ed. (2021), Appendix C.
Gilmore, D. G. (ed.) (2002). *Spacecraft Thermal Control Handbook*, vol. 1, 2nd ed., The Aerospace
    Press, ch. 2 "Spacecraft Thermal Environments": Earth view factor of a tilted plate vs.
    altitude (the same configuration factor), and the simple albedo model
    q_albedo = S · a · F · cos(ζ), ζ the solar zenith angle at the sub-satellite point.
"""
import math

from numba import njit

from twin.constants import EARTH_MEAN_RADIUS_M
from twin.kernels.jit import kernel

# The sphere of equal mean radius (EARTH_MEAN_RADIUS_M) is the right one for a spherical-Earth view factor:
# IUGG mean radius R1 = (2a + b)/3 of GRS80 (Moritz 2000, J. Geodesy 74, 128). It differs from the
# WGS-84 equatorial radius by 0.1 %, which moves F by < 2e-4 at 550 km.


@njit(cache=True)
def earth_view_factor(altitude_m, nadir_angle_rad):
    """View factor from a one-sided flat plate in orbit to the spherical Earth.

    Howell's catalog, factor B-43 (plane element of arbitrary tilt to a sphere), with
    H = (R + h)/R and λ the angle between the plate normal and nadir:

    * λ ≤ arccos(1/H)  (the whole Earth disc is in front of the plate):
      F = cos λ / H²
    * arccos(1/H) < λ < π − arccos(1/H)  (the plate's horizon cuts the Earth disc):
      F = 1/2 − (1/π) arcsin(√(H²−1) / (H sin λ))
          + 1/(π H²) · [cos λ · arccos(−√(H²−1) cot λ) − √(H²−1) · √(1 − H² cos² λ)]
    * λ ≥ π − arccos(1/H)  (Earth entirely behind the plate): F = 0

    The pieces join continuously (F = 1/H³ at λ = arccos(1/H)); at λ = 90° the middle branch is
    the familiar vertical-plate result F = (1/π)[arctan(1/√(H²−1)) − √(H²−1)/H²].

    Parameters
    ----------
    altitude_m : float
        altitude above the spherical Earth of radius ``EARTH_MEAN_RADIUS_M`` [m]; at or below 0 the
        plate sits on the surface and F = (1 + cos λ)/2 (plane element to an infinite plane)
    nadir_angle_rad : float
        angle between the plate's outward normal and the nadir direction [rad]; any value, taken
        modulo 2π and folded into [0, π]

    Returns
    -------
    float
        view factor F from the plate to the Earth [1], in [0, 1]
    """
    lam = abs(nadir_angle_rad)
    if lam > math.pi:
        lam = lam % (2.0 * math.pi)
        if lam > math.pi:
            lam = 2.0 * math.pi - lam
    cos_lam = math.cos(lam)
    if altitude_m <= 0.0:
        return 0.5 * (1.0 + cos_lam)
    big_h = (EARTH_MEAN_RADIUS_M + altitude_m) / EARTH_MEAN_RADIUS_M
    h2 = big_h * big_h
    # the cone of the Earth disc seen from the plate has half-angle arcsin(1/H) = π/2 − arccos(1/H)
    cos_limit = 1.0 / big_h  # cos(arccos(1/H))
    if cos_lam >= cos_limit:
        return cos_lam / h2
    if cos_lam <= -cos_limit:
        return 0.0
    sin_lam = math.sqrt(1.0 - cos_lam * cos_lam)  # > 0 here: λ is strictly inside (0, π)
    root = math.sqrt(h2 - 1.0)
    a = root / (big_h * sin_lam)
    a = 1.0 if a > 1.0 else a
    b = -root * cos_lam / sin_lam
    b = 1.0 if b > 1.0 else (-1.0 if b < -1.0 else b)
    c = 1.0 - h2 * cos_lam * cos_lam
    c = c if c > 0.0 else 0.0
    f = (0.5 - math.asin(a) / math.pi
         + (cos_lam * math.acos(b) - root * math.sqrt(c)) / (math.pi * h2))
    return f if f > 0.0 else 0.0


@kernel
def albedo_view_factor(altitude_m, nadir_angle_rad, sun_zenith_subsat_rad):
    """Albedo view factor, simple model: F_albedo = F_earth · max(cos ζ, 0).

    The albedo load on the plate is then α · a · S · F_albedo (Gilmore 2002, ch. 2, the simple
    albedo model), ζ being the solar zenith angle at the sub-satellite point.

    Parameters
    ----------
    altitude_m : float
        altitude [m]
    nadir_angle_rad : float
        angle between the plate normal and nadir [rad]
    sun_zenith_subsat_rad : float
        solar zenith angle at the sub-satellite point [rad] (0 = Sun overhead)

    Returns
    -------
    float
        albedo view factor [1], in [0, 1]

    Notes
    -----
    Limits of the model: the sunlit part of the visible cap is represented by its centre, so
    it (i) gives 0 as soon as the sub-satellite point is in night although the visible cap
    still holds lit ground near the terminator (at 550 km the cap reaches 23.0° from the
    sub-satellite point, so the model misses albedo for ζ up to ~113°); (ii) ignores how the
    solar zenith varies across the cap; (iii) assumes Lambertian reflection with one uniform
    albedo. Errors grow with altitude and are largest near the terminator; for loads there, an
    integration over the cap is needed (Gilmore 2002, ch. 2).
    """
    cos_zenith = math.cos(sun_zenith_subsat_rad)
    if cos_zenith <= 0.0:
        return 0.0
    return earth_view_factor(altitude_m, nadir_angle_rad) * cos_zenith
