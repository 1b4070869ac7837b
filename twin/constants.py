"""Physical constants used across twin, each with its unit and source."""

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0
SECONDS_PER_YEAR = 365.25 * 86400.0  # s, Julian year (IAU)
J_PER_WH = 3600.0  # J per Wh
M_PER_KM = 1000.0
BPS_PER_GBPS = 1e9  # bit/s per Gbit/s
UNIX_EPOCH_JD = 2440587.5  # d, Julian date of 1970-01-01T00:00 UTC
J2000_JD = 2451545.0  # d, Julian date of the J2000.0 epoch, 2000-01-01T12:00 TT (IAU 1976)

ASTRONOMICAL_UNIT_M = 149_597_870_700.0  # m, IAU 2012 Resolution B2
SUN_RADIUS_M = 696_000_000.0  # m, solar radius used by Montenbruck & Gill (2000), Satellite Orbits, §3.4.2
SOLAR_CONSTANT_W_M2 = 1361.0  # W/m^2 at 1 AU, Kopp & Lean 2011, GRL 38, L01706
STEFAN_BOLTZMANN_W_M2_K4 = 5.670374419e-8  # W m^-2 K^-4, CODATA 2018
PLANCK_J_S = 6.62607015e-34  # J s, Planck constant h, exact (SI 2019; CODATA 2018)
SPEED_OF_LIGHT_M_S = 299_792_458.0  # m/s, speed of light in vacuum c, exact (SI)
EARTH_RADIUS_M = 6_378_137.0  # m, WGS-84 equatorial radius (NIMA TR8350.2, 2000); altitudes are above it
EARTH_FLATTENING = 1.0 / 298.257223563  # 1, WGS-84 flattening f (NIMA TR8350.2, 3rd ed. 2000, Table 3.1)
EARTH_POLAR_RADIUS_M = EARTH_RADIUS_M * (1.0 - EARTH_FLATTENING)  # m, WGS-84 semi-minor axis b = a(1 - f) = 6,356,752.3142 m (TR8350.2 Table 3.3)
EARTH_MEAN_RADIUS_M = 6_371_008.8  # m, IUGG mean radius R1 (Moritz 2000, Geodetic Reference System 1980)
EARTH_MU_M3_S2 = 3.986004418e14  # m^3/s^2, WGS-84 / IERS 2010
EARTH_IR_W_M2 = 239.0  # W/m^2 outgoing long-wave at the top of atmosphere, global mean (Gilmore, Spacecraft Thermal Control Handbook, 2002, Table 2.3)
EARTH_ALBEDO = 0.30  # Bond albedo, global mean (Gilmore 2002, Table 2.3)
DEEP_SPACE_K = 2.7  # K, cosmic microwave background (Fixsen 2009, ApJ 707, 916)
CELSIUS_ZERO_K = 273.15  # K
