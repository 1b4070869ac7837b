"""TLE files -> :class:`twin.orbits.satset.SatelliteSet`: checked line by line (length, checksum,
fields), selected by name, screened for SGP4 errors and decay at epoch.

References
----------
Vallado, D. A., Crawford, P., Hujsak, R. & Kelso, T. S., Revisiting Spacetrack Report #3,
AIAA 2006-6753 (2006): SGP4 and the TLE format.
"""
from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import numpy as np
from sgp4.alpha5 import from_alpha5
from sgp4.api import SGP4_ERRORS, WGS72, Satrec

from twin.constants import EARTH_RADIUS_M, M_PER_KM
from twin.errors import InputError
from twin.orbits.satset import SatelliteSet

TLE_LINE_LENGTH = 69  # characters, including the checksum


class TLEError(InputError):
    """A TLE file that cannot be read: the message names the file, the line and the fault."""


# --------------------------------------------------------------------------- TLE files


def _tle_checksum(line: str) -> int:
    """Modulo-10 sum of the digits of columns 1-68, each '-' counting 1 (TLE format)."""
    head = line[:68]
    return (sum(digit * head.count(str(digit)) for digit in range(1, 10)) + head.count("-")) % 10


_IMPLIED_DECIMAL = re.compile(r"^ *[+-]?\d{1,5}[+-]\d$")  # e.g. ' 28098-4', '-11606-4'
_L1_FIELDS = (  # (name, first column index, end index) of numeric fields SGP4 reads
    ("epoch", 18, 32), ("first derivative of mean motion", 33, 43),
    ("second derivative of mean motion", 44, 52), ("B*", 53, 61))
_L2_FIELDS = (
    ("inclination", 8, 16), ("right ascension of the node", 17, 25),
    ("eccentricity", 26, 33), ("argument of perigee", 34, 42),
    ("mean anomaly", 43, 51), ("mean motion", 52, 63))


def _check_fields(path, lineno, line, fields):
    for field_name, lo, hi in fields:
        text = line[lo:hi]
        if field_name in ("second derivative of mean motion", "B*"):
            ok = bool(_IMPLIED_DECIMAL.match(text))
        elif field_name == "eccentricity":
            ok = text.strip().isdigit()
        else:
            try:
                float(text)
                ok = True
            except ValueError:
                ok = False
        if not ok:
            raise TLEError(f"{path}:{lineno}: {field_name} (columns {lo + 1}-{hi}) is not a "
                           f"number: {text!r}")


def _read_tle_records(path: Path):
    """Split a TLE file into (name or None, line1, line2, line number of line 1)."""
    data = path.read_bytes()
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        lineno = data[:exc.start].count(b"\n") + 1
        raise TLEError(f"{path}:{lineno}: not a TLE file (non-ASCII byte)") from None
    lines = [(i, raw.rstrip()) for i, raw in enumerate(text.splitlines(), start=1)]
    lines = [(i, s) for i, s in lines if s and not s.startswith("#")]
    records = []
    name = None
    k = 0
    while k < len(lines):
        lineno, line = lines[k]
        if line.startswith("1 ") or (line[0] == "1" and len(line) == TLE_LINE_LENGTH):
            if len(line) != TLE_LINE_LENGTH:
                raise TLEError(f"{path}:{lineno}: TLE line 1 has {len(line)} characters, "
                               f"expected {TLE_LINE_LENGTH}")
            if k + 1 >= len(lines):
                raise TLEError(f"{path}:{lineno}: TLE line 1 is not followed by line 2")
            lineno2, line2 = lines[k + 1]
            if not line2.startswith("2 "):
                raise TLEError(f"{path}:{lineno2}: expected TLE line 2 (starting '2 '), "
                               f"found {line2[:30]!r}")
            if len(line2) != TLE_LINE_LENGTH:
                raise TLEError(f"{path}:{lineno2}: TLE line 2 has {len(line2)} characters, "
                               f"expected {TLE_LINE_LENGTH}")
            if line[2:7].strip() != line2[2:7].strip():
                raise TLEError(f"{path}:{lineno2}: satellite number {line2[2:7]!r} differs "
                               f"from line 1's {line[2:7]!r}")
            records.append((name, line, line2, lineno))
            name = None
            k += 2
            continue
        if line.startswith("2 "):
            raise TLEError(f"{path}:{lineno}: TLE line 2 without a preceding line 1")
        if name is not None:
            raise TLEError(f"{path}:{lineno}: expected TLE line 1 (starting '1 ') after the "
                           f"name line {name!r}, found {line[:30]!r}")
        name = line[2:].strip() if line.startswith("0 ") else line.strip()
        k += 1
    if name is not None:
        raise TLEError(f"{path}: name line {name!r} at the end of the file has no TLE lines")
    if not records:
        raise TLEError(f"{path}: no TLE found")
    return records


def _name_matcher(pattern: str):
    if pattern.startswith("re:"):
        try:
            regex = re.compile(pattern[3:], re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"name_pattern {pattern!r} is not a valid regular expression: "
                             f"{exc}") from None
        return lambda name: regex.search(name) is not None
    upper = pattern.upper()
    return lambda name: fnmatch.fnmatchcase(name.upper(), upper)


def load_tle(path, name_pattern: str | None = None,
             norad_ids: list[int] | None = None) -> SatelliteSet:
    """Read a 2-line or 3-line TLE file (LF or CRLF) into a :class:`SatelliteSet`.

    Blank lines and lines starting with ``#`` are ignored; a name line may carry the
    ``0 `` prefix of Space-Track's 3LE format.  Line 1 and 2 must be 69 characters (after
    trailing blanks are stripped) and carry the same satellite number.

    Parameters
    ----------
    path : str or Path
    name_pattern : str, optional
        Keep satellites whose name matches.  Shell-style (``fnmatch``) wildcards,
        case-insensitive, matched against the whole name (``"STARLINK-1*"``); prefix with
        ``re:`` for a regular expression searched anywhere in the name, also
        case-insensitive (``"re:^STARLINK-(1|2)\\d{3}$"``).  Satellites of a 2-line file are
        named by their NORAD number.
    norad_ids : list of int, optional
        Keep only these catalogue numbers; every one must be in the file.

    Returns
    -------
    SatelliteSet
        In file order, ``plane`` = -1.  TLEs that fail a checksum, return an SGP4 error at
        their own epoch, or have a perigee below the Earth's surface (decayed) are left out
        and listed in ``skipped`` as (name, reason).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    TLEError
        The file is not a TLE file (wrong line length or prefix, unparsable field, name
        line without TLE lines), the selection matches nothing or misses a requested
        NORAD id, or every selected TLE was skipped.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"TLE file not found: {path}")
    records = _read_tle_records(path)

    wanted = None if norad_ids is None else {int(i) for i in norad_ids}
    matches = None if name_pattern is None else _name_matcher(name_pattern)
    selected = []
    for name, line1, line2, lineno in records:
        norad = from_alpha5(line1[2:7].strip())
        name = name or str(norad)
        if wanted is not None and norad not in wanted:
            continue
        if matches is not None and not matches(name):
            continue
        selected.append((name, norad, line1, line2, lineno))
    if not selected:
        raise TLEError(f"{path}: no TLE matches name_pattern={name_pattern!r}, "
                       f"norad_ids={norad_ids!r}")
    if wanted is not None:
        missing = sorted(wanted - {s[1] for s in selected})
        if missing:
            raise TLEError(f"{path}: NORAD ids not found (with name_pattern={name_pattern!r}): "
                           f"{missing}")

    satrecs, names, ids, skipped = [], [], [], []
    for name, norad, line1, line2, lineno in selected:
        bad = [(n, ln, line) for n, ln, line in ((1, lineno, line1), (2, lineno + 1, line2))
               if not line[68].isdigit() or int(line[68]) != _tle_checksum(line)]
        if bad:
            n, ln, line = bad[0]
            skipped.append((name, f"checksum error on line {n} ({path.name}:{ln}): "
                                  f"computed {_tle_checksum(line)}, found {line[68]!r}"))
            continue
        _check_fields(path, lineno, line1, _L1_FIELDS)
        _check_fields(path, lineno + 1, line2, _L2_FIELDS)
        satrec = Satrec.twoline2rv(line1, line2, WGS72)
        error, _, _ = satrec.sgp4(satrec.jdsatepoch, satrec.jdsatepochF)
        if satrec.error or error:
            code = satrec.error or error
            skipped.append((name, f"SGP4 error {code} at epoch: {SGP4_ERRORS[code]}"))
            continue
        perigee_m = satrec.a * (1.0 - satrec.ecco) * satrec.radiusearthkm * M_PER_KM
        if perigee_m < EARTH_RADIUS_M:
            skipped.append((name, f"decayed: perigee {(perigee_m - EARTH_RADIUS_M) / M_PER_KM:.0f} km "
                                  f"below the surface"))
            continue
        satrecs.append(satrec)
        names.append(name)
        ids.append(norad)
    if not satrecs:
        raise TLEError(f"{path}: all {len(selected)} selected TLEs were skipped, e.g. "
                       f"{skipped[0][0]}: {skipped[0][1]}")
    return SatelliteSet(
        satrecs=satrecs,
        name=np.array(names, dtype=str),
        norad_id=np.array(ids, dtype=np.int64),
        plane=np.full(len(satrecs), -1, dtype=np.int32),
        skipped=tuple(skipped),
    )
