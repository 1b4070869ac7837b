"""The range of every quantity of a scenario config (:mod:`twin.config`), each bound declared
once with its reason, and the annotated types the config's fields use.

They are wide on purpose: they catch unit slips (W for MW, s for h), typos and values that would
make a run loop for ever, overflow or finish with NaN in it; they do not judge a design. NaN and
±inf are refused for every float by ``allow_inf_nan=False`` on the config's section base.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from pydantic import Field

from twin.constants import DEEP_SPACE_K, SECONDS_PER_HOUR, SECONDS_PER_YEAR
# Each bound is declared once, here, with its reason. They are wide on purpose: they catch unit
# slips (W for MW, s for h), typos and values that would make a run loop for ever, overflow or
# finish with NaN in it; they do not judge a design. NaN and ±inf are refused for every float by
# ``allow_inf_nan=False`` on the section base (_Section).

# time
MAX_YEARS = 100.0          # [year] a century: beyond any spacecraft's working life (GEO satellites
#                            are built for ~15 years), and the array and battery ageing laws are fits
#                            over a mission. The ephemeris window below is the tighter limit in practice.
MAX_DURATION_S = MAX_YEARS * SECONDS_PER_YEAR    # [s] longest run; also bounds every time span
MAX_DURATION_H = MAX_DURATION_S / SECONDS_PER_HOUR
MIN_DT_S = 0.1             # [s] a tenth of the finest step of the validation runs (1 s,
#                            docs/validation.md): the fastest process modelled, a LEO penumbra
#                            crossing, lasts ~10 s, so finer steps resolve nothing and only multiply
#                            the steps (and the step counts stay far inside int64)
MAX_DT_S = 600             # [s] the engine steps at 10-600 s, what the thermal
#                            integrator is built for (twin/kernels/thermal.py)
MAX_SGP4_STEP_S = 600      # [s] SGP4 node spacing: measured against SGP4 at 150 km, the 8-node
#                            Lagrange fill is off by <1 km mid-run and <7 km at the run's ends at
#                            600 s (2 mm at the default 120 s); coarser nodes cost kilometres fast
#                            (13 km mid-run at 900 s, 100 km at 1200 s)
# JPL DE421 (the Sun, from skyfield-data) covers JD 2414864.5-2471184.5 TDB, 1899-07-29 to
# 2053-10-09; a day is kept inside both ends for TDB-UTC (~1 min) and the Sun's interpolation nodes
EPHEMERIS_FIRST_UTC = datetime(1899, 7, 30, tzinfo=timezone.utc)
EPHEMERIS_LAST_UTC = datetime(2053, 10, 8, tzinfo=timezone.utc)
MAX_SEED = 2 ** 63 - 1     # stored as an int64 attribute of the run file

# orbits
MIN_ALTITUDE_KM = 150.0    # [km] below ~150 km drag brings a satellite down within about a day
#                            (orbital-lifetime curves, Wertz & Larson, SMAD), and twin's synthetic
#                            shells fly without drag (B* = 0), so they would be silently unphysical
MAX_ALTITUDE_KM = 50_000.0  # [km] covers GEO (35,786 km) and its graveyard orbits with margin:
#                             SGP4/SDP4 is a near-Earth and deep-space (to GEO/HEO) Earth-satellite
#                             model (Hoots & Roehrich 1980, Spacetrack Report 3), not a cislunar one
MAX_CLUSTER_RADIUS_KM = 100.0  # [km] a compact formation (Suncatcher's is 1 km); at 100 km the
#                             second-order terms the first-order relative elements leave out,
#                             ~radius^2 / a = 1.5 km, stay well inside the 20 % margin they keep
MAX_SATELLITES = 1_000_000  # per shell: the largest constellation filed, SpaceX's orbital data
#                             centres, "up to one million satellites" (FCC SAT-LOA-20260108-00016,
#                             2026), ~3x the largest before it (327,320, Rwanda's Cinnamon-937
#                             ITU filing, 2021)
MAX_SHELL_THICKNESS_KM = 2_000.0  # [km] wider than the whole 500-2,000 km band of SpaceX's orbital
#                                   data-centre filing (FCC SAT-LOA-20260108-00016, 2026; its shells
#                                   span "up to 50 km each"): a thicker band is several shells
MAX_SHELL_LAYERS = 1_000    # layers of planes in one shell: 50 m apart in a 50 km shell, closer
#                             than the along-track spacing of any filed constellation
MAX_ANGLE_DEG = 360        # a RAAN offset: one turn either way says everything
MAX_INCLINATION_DEG = 180
HOURS_PER_DAY = 24         # local time of the ascending node lies in [0, 24) h
MAX_LONGITUDE_DEG = 180
MAX_LATITUDE_DEG = 90

# spacecraft
MAX_AREA_M2 = 1.0e8        # [m^2] 100 km^2 per satellite, array or radiator: above the largest
#                            structures proposed for orbit (NASA/DOE 1979 solar power satellite
#                            reference, 5 km x 10 km; Starcloud's 5 GW design, ~4 km x 4 km)
MAX_POWER_W = 1.0e10       # [W] 10 GW, twice those 5 GW designs: bounds every load and heater
MAX_ENERGY_WH = MAX_POWER_W * 10.0  # [Wh] ten hours of the largest load, far beyond the longest
#                            eclipse of any orbit allowed here (1.2 h at GEO, 1.3 h at 50,000 km);
#                            the energy balance rounds at ~1e-16 of the capacity per step, so even
#                            1e11 Wh on a kW satellite closes to ~1e-7 (an infinite one makes it NaN)
MAX_C_RATE_PER_H = 100.0   # [1/h] high-power Li-ion cells sustain ~10-30 C and pulse ~50 C
MIN_TEMP_K = DEEP_SPACE_K  # [K] the cosmic background: nothing in orbit is colder
MAX_TEMP_K = 1000.0        # [K] above the melting point of aluminium (933 K): no electronics,
#                            cell or radiator of such a spacecraft survives it
MAX_TEMP_COEFF_PER_K = 0.01  # [1/K] |dP/P per K|: twice that of silicon cells (-0.45 %/K), the
#                            most temperature-sensitive space cells (triple junction ~-0.2 %/K)
MAX_HEAT_CAPACITY_J_PER_K = 1.0e12  # [J/K] a million tonnes of aluminium (900 J/(kg K)); the
#                            ISS is 420 t
MAX_AREAL_HEAT_CAPACITY_J_PER_M2_K = 1.0e6  # [J/(m^2 K)] ~240 kg/m^2 of water (4.19 kJ/(kg K),
#                            the largest specific heat of common materials); flown panels 5-10 kJ/(m^2 K)
MAX_CONDUCTANCE_W_PER_K = MAX_POWER_W  # [W/K] carries the largest load across 1 K
MAX_ACCELERATORS = 10_000_000  # per satellite or job: MAX_POWER_W of 1 kW accelerators
MAX_PEAK_FLOPS = 1.0e18    # [FLOP/s] per accelerator: an exaflop, ~50x the fastest chip of
#                            2025 (NVIDIA B200, ~2e16 sparse FP4)
# radiator coating, fins and variable conductance (twin/config/thermal.py)
MAX_UV_DOSE_ESH = MAX_YEARS * 8766.0  # [equivalent sun hours] a century of full Sun at normal
#                            incidence on a face: no surface receives more
MAX_FIN_THICKNESS_M = 0.1  # [m] a 10 cm solid sheet: radiator face sheets are 0.1-2 mm; beyond
#                            this it is a structure, not a fin (and no longer thin: 1-D conduction fails)
MAX_FIN_HALF_WIDTH_M = 10.0  # [m] tube spacing of 20 m: far beyond any radiator (5-30 cm), where
#                            the fin efficiency is ~0 anyway
MAX_CONDUCTIVITY_W_PER_M_K = 5000.0  # [W/(m K)] twice diamond's ~2,200, the best bulk conductor
#                            (pyrolytic graphite in-plane ~1,700, copper 400, aluminium 6061 167)
MAX_VOLUME_RATIO = 1000.0  # VCHP reservoir / condenser volume: designs use ~1-20 (tighter control
#                            needs larger reservoirs); 1,000 already holds the set point to < 0.1 K
MAX_NTU = 50.0             # a radiator's number of transfer units: exp(-50) ~ 2e-22, already ε = 1
MIN_AMMONIA_K = 239.6      # [K] the validity range of the ammonia vapour-pressure fit
MAX_AMMONIA_K = 371.5      # (Stull 1947 via the NIST WebBook; twin/kernels/conductance.py) that an
#                            ammonia VCHP's evaporator may be designed at
MAX_DIRECTION_COMPONENT = 1.0e6  # a normal's direction is all that counts; bounded so that its
#                            squared length cannot overflow

# workload and scheduling
# The load a workload offers when its config gives no arrival rate: the fraction of the installed
# accelerators its jobs keep busy on average (offered load = rate x mean accelerators per job x
# mean run time / accelerators). Below 1 so that the queue is stable (an M/G/c queue with an
# offered load of 1 or more grows without bound: Kleinrock, Queueing Systems vol. 1, 1975, §3.5,
# ρ < 1 for M/M/m); 0.8 as the reference designs offer theirs (docs/validation.md, "Where the
# capacity goes": the Starlink shell and the ISS-like station 80 %, Suncatcher and Starcloud 85 %),
# close to the 0.85 utilisation the spacedc economics assumes (twin.economics.published). A default, declared
# here beside the workload's limits so that config and ops read the one value.
DEFAULT_OFFERED_LOAD = 0.8
MAX_EXPECTED_JOBS = 10_000_000  # Poisson jobs expected in a run (rate x duration): each is a
#                            Python object and a /jobs row, so 1e7 is already GBs and hours
MAX_ARRIVAL_RATE_PER_H = float(MAX_EXPECTED_JOBS)  # [1/h] no hour may hold more than a whole run
MAX_OFFERED_LOAD = 100.0    # [1] a hundredfold overload: far past where any queue is stable
MAX_WORK_SIGMA = 5.0       # lognormal shape: sigma = 5 puts the 1st and 99th percentiles of the
#                            job size 1e10 apart (a second to four centuries); far larger sigmas overflow
MAX_DEADLINE_SLACK = 1.0e6  # [1] a minute's job would get two years: a deadline that never binds
#                            (null means no deadline)
PRIORITY_LIMIT = 2 ** 31   # priorities are int32 in /jobs: -2^31 <= priority < 2^31

# faults
MAX_MTBF_H = 1.0e9         # [h] 114,000 years: above any component's rated MTBF (~1e6-1e7 h)
MAX_UPSET_RATE_PER_DAY = 86_400.0  # [1/d] one upset a second: a node would never finish a reboot

# output
MAX_FLUSH_RECORDS = 2 ** 20  # records per write and HDF5 chunk: 8 MiB of one float64 variable per
#                            satellite (HDF5 caps a chunk at 4 GiB)

Fraction = Annotated[float, Field(ge=0, le=1)]
PositiveFraction = Annotated[float, Field(gt=0, le=1)]
Seconds = Annotated[float, Field(gt=0, le=MAX_DURATION_S)]
SecondsOrZero = Annotated[float, Field(ge=0, le=MAX_DURATION_S)]
Hours = Annotated[float, Field(gt=0, le=MAX_DURATION_H)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
Altitude = Annotated[float, Field(ge=MIN_ALTITUDE_KM, le=MAX_ALTITUDE_KM)]
LocalTime = Annotated[float, Field(ge=0, lt=HOURS_PER_DAY)]
Count = Annotated[int, Field(gt=0, le=MAX_SATELLITES)]
CountOrZero = Annotated[int, Field(ge=0, le=MAX_SATELLITES)]
Area = Annotated[float, Field(gt=0, le=MAX_AREA_M2)]
Power = Annotated[float, Field(ge=0, le=MAX_POWER_W)]
PositivePower = Annotated[float, Field(gt=0, le=MAX_POWER_W)]
Temperature = Annotated[float, Field(ge=MIN_TEMP_K, le=MAX_TEMP_K)]
TemperatureDifference = Annotated[float, Field(ge=0, le=MAX_TEMP_K)]
DirectionComponent = Annotated[float, Field(ge=-MAX_DIRECTION_COMPONENT, le=MAX_DIRECTION_COMPONENT)]
Direction = tuple[DirectionComponent, DirectionComponent, DirectionComponent]
Accelerators = Annotated[int, Field(gt=0, le=MAX_ACCELERATORS)]
Priority = Annotated[int, Field(ge=-PRIORITY_LIMIT, lt=PRIORITY_LIMIT)]
DeadlineSlack = Annotated[float | None, Field(ge=1, le=MAX_DEADLINE_SLACK)]
UpsetRate = Annotated[float, Field(ge=0, le=MAX_UPSET_RATE_PER_DAY)]

# trace mapping (twin.ops.trace.TraceMapping)
MIN_TIME_UNIT_S = 1e-9     # [s] a trace's clock unit: nanoseconds at the finest (trace logs use
MAX_TIME_UNIT_S = SECONDS_PER_YEAR  # s, ms, us or ns) and a year at the coarsest
MAX_TRACE_SCALE = 1.0e6    # time, size and fraction scales: a million-fold stretch or shrink of a
#                            trace is already no longer that trace
TraceTimeUnit = Annotated[float, Field(ge=MIN_TIME_UNIT_S, le=MAX_TIME_UNIT_S)]
TraceScale = Annotated[float, Field(gt=0, le=MAX_TRACE_SCALE)]
TraceOffset = Annotated[float, Field(ge=-MAX_DURATION_S, le=MAX_DURATION_S)]
