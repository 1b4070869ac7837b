"""What makes the run file netCDF-4 and CF (docs/schema.md): unit strings UDUNITS parses, the
time coordinate's units, cell methods, flag attributes and the global attributes.

The CF conventions (https://cfconventions.org, version 1.10) ask for units that the UDUNITS-2
library parses (section 3.1), time as "<unit> since <reference time>" (4.4), ``cell_methods`` for
values that are means or extrema over a cell (7.3), ``flag_values``/``flag_meanings`` for codes
(3.5) and the global ``Conventions``, ``title``, ``history``, ``source`` (2.6.2). twin names its
units for people (``Wh``, ``deg``); this module turns them into UDUNITS spellings when stored.
"""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

CONVENTIONS = "CF-1.10"
CALENDAR = "standard"   # the proleptic Gregorian calendar mixed with Julian before 1582 (CF 4.4.1): UTC dates here

# twin's unit names -> UDUNITS-2 spellings; None: no units attribute (text, codes). Currency is
# not a physical unit and UDUNITS has none: money is stored as "1" with ``currency`` beside it.
_UDUNITS = {
    "Wh": "W h", "deg": "degree", "kWh/(m2 year)": "kW h/(m2 year)", "kWh/(kg year)": "kW h/(kg year)",
    "FLOP": "1", "USD": "1", "USD/kg": "kg-1", "text": None, "enum": None, "": "1",
    # absorbed dose: UDUNITS reads "rad" as the radian, so 1 krad = 10 Gy; the dose table's year is
    # 365 days (twin/kernels/dose.py), UDUNITS' "year" a tropical one
    "krad": "10 Gy", "krad/year": "10 Gy/(365 day)",
}
CURRENCY = {"USD": "USD", "USD/kg": "USD"}


def udunits(unit: str) -> str | None:
    """The UDUNITS spelling of a twin unit (None: the variable carries no units attribute)."""
    return _UDUNITS.get(unit, unit)


def unit_attrs(unit: str) -> dict:
    """``units`` (and ``currency`` for money) of a variable whose unit twin names ``unit``."""
    out = {}
    stored = udunits(unit)
    if stored is not None:
        out["units"] = stored
    if unit in CURRENCY:
        out["currency"] = CURRENCY[unit]
    return out


def time_units(epoch: datetime) -> str:
    """``seconds since <epoch>`` in UDUNITS' form (UTC, microseconds kept when there are any)."""
    utc = epoch.astimezone(timezone.utc) if epoch.tzinfo else epoch
    text = utc.strftime("%Y-%m-%d %H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return f"seconds since {text}"


def time_attrs(epoch: datetime, long_name: str) -> dict:
    """Attributes of an instant counted in seconds from the run's epoch (the time coordinate,
    and the tables' time columns). ``units`` and ``calendar`` are bytes, stored as fixed-length
    strings (netCDF ``char``): ``ncdump -t`` and other netCDF-C tools decode times only from those."""
    return {"units": np.bytes_(time_units(epoch).encode()), "calendar": np.bytes_(CALENDAR.encode()),
            "long_name": long_name}


def cell_methods(kind: str, stat: str = "") -> str:
    """``cell_methods`` of a /state variable: a flow is the mean over the record interval that
    ends at its time (or that interval's minimum or maximum step mean), a stock its value at
    the interval's end."""
    if stat:
        return f"time: {'minimum' if stat == 'min' else 'maximum'}"
    return "time: mean" if kind == "flow" else "time: point"


def flag_attrs(names, dtype) -> dict:
    """``flag_values`` and ``flag_meanings`` of a code variable whose code ``k`` means ``names[k]``."""
    return {"flag_values": np.arange(len(names), dtype=dtype), "flag_meanings": " ".join(names)}


def global_attrs(scenario_name: str, created: datetime, command: str, twin_version: str) -> dict:
    """The CF global attributes of a run file."""
    stamp = created.astimezone(timezone.utc).isoformat(timespec="seconds")
    return {
        "Conventions": CONVENTIONS,
        "title": f"twin run: {scenario_name}",
        "source": f"twin {twin_version}: SGP4 orbits (sgp4, skyfield), conical shadow, solar array, battery, "
                  f"two-node thermal and job scheduling, stepped by a SimPy engine over numba kernels",
        "history": f"{stamp} {command}",
        "references": "docs/schema.md and docs/design.md of twin",
    }
