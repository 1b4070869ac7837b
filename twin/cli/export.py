"""Positions of a run's satellites for pictures: ``twin export RUN.h5 --czml`` (a CesiumJS
animation) and the ground-track map ``twin report`` draws.

Positions come from the file where the run recorded them (``output.positions``), else the run's
scenario (its ``config_yaml``) is propagated again at the recorded times with the engine's own
functions (:func:`twin.orbits.track.positions_for`): the same SGP4 positions the run used. This
lives in the command line, above both the report (which reads files only) and the orbits.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.output import schema

MAP_SPAN_S = 5700.0   # the map's tracks: the last ~95 min, one LEO orbit
MAP_MAX_SATS = 2000   # dots on the map; tracks are thinned further by the figure


def read_track(run_path, rows_of, max_sats: int) -> dict:
    """The run's times, satellite names, states and GCRS positions [km] at the records
    ``rows_of(time_s)`` chooses (increasing indices), for one satellite in k (at most
    ``max_sats``). Raises RunFileError for a bad file, InputError when positions cannot be had."""
    from twin.output.reader import _attr, n_records, open_h5, reading

    path = Path(run_path)
    with open_h5(path) as f:
        missing = [name for name in ("mode", "sunlit_fraction") if name not in f]
    if missing:
        raise InputError(f"{path}: /{missing[0]} is not recorded (the run's output.variables left it out); "
                         f"the map and CZML colour satellites by it")
    with open_h5(path) as f, reading(path):
        n_rec = n_records(f)
        if n_rec == 0:
            raise InputError(f"{path}: no records yet, nothing to draw")
        time_all = f[schema.TIME][:n_rec]
        rows = np.asarray(rows_of(time_all), dtype=np.int64)
        n_sat = f[schema.SAT].shape[0]
        step = max(1, math.ceil(n_sat / max_sats))
        take = slice(0, n_sat, step)
        span = slice(int(rows[0]), int(rows[-1]) + 1)   # one contiguous read, then the rows wanted
        local = rows - rows[0]
        out = {"time_s": time_all[rows], "names": f["sat_name"].asstr()[take].tolist(),
               "norad_id": f["norad_id"][take], "mode": f["mode"][span, take][local],
               "sunlit": f["sunlit_fraction"][span, take][local], "epoch_utc": _attr(f, "epoch_utc"),
               "n_sats": n_sat, "sat_step": step, "config_yaml": _attr(f, "config_yaml")}
        out["position_km"] = f[schema.POSITIONS][span, take][local] if schema.POSITIONS in f else None
    if out["position_km"] is None:
        out["position_km"] = _propagate(path, out)
    return out


def _propagate(path: Path, track: dict) -> np.ndarray:
    from twin.config import load_config_text
    from twin.orbits.track import positions_for

    scenario = load_config_text(track["config_yaml"], path.resolve().parent, f"{path}:config_yaml")
    try:
        return positions_for(scenario, track["time_s"], norad_id=track["norad_id"])
    except ValueError as err:
        raise InputError(f"{path}: cannot place its satellites again ({err})") from None


def epoch_of(track: dict):
    from datetime import datetime

    return datetime.fromisoformat(track["epoch_utc"])


def map_track(run_path, span_s: float = MAP_SPAN_S, max_sats: int = MAP_MAX_SATS) -> dict:
    """What the ground-track figure draws: the last ``span_s`` of the run, as longitude and
    latitude [deg] (skyfield's WGS84), with the sunlit fraction to colour it."""
    from twin.report.map import geodetic_lon_lat_deg

    track = read_track(run_path, lambda t: np.flatnonzero(t >= t[-1] - span_s), max_sats)
    lon, lat = geodetic_lon_lat_deg(epoch_of(track), track["time_s"], track["position_km"])
    return {**track, "lon_deg": lon, "lat_deg": lat}


def write_czml(run_path, out_path, colour: str = "mode", frame: str = "FIXED") -> dict:
    """``out_path``: the run as CZML (:func:`twin.report.czml.czml_document`). ``frame`` FIXED
    writes Earth-fixed positions (ITRS, exact in any Cesium viewer); INERTIAL writes GCRS, which
    Cesium turns with its own Earth orientation. Returns what was written (counts, size)."""
    from twin.report import czml

    cut = {}

    def rows_of(time_s):
        rows, cut["short"] = czml.sample_rows(time_s)
        return rows

    track = read_track(run_path, rows_of, czml.MAX_SATS)
    text = czml.czml_document(track["names"], epoch_of(track), track["time_s"], track["position_km"],
                              track[colour], colour, title=f"twin run {Path(run_path).name}",
                              max_sats=czml.MAX_SATS, frame=frame)
    out = Path(out_path)
    tmp = out.with_name(out.name + ".part")   # a reader never sees half a document
    tmp.write_text(text)
    tmp.replace(out)
    return {"satellites": len(track["names"]), "of": track["n_sats"], "samples": len(track["time_s"]),
            "cut_short": bool(cut.get("short")), "bytes": out.stat().st_size}


def cmd_export(args) -> int:
    """``twin export RUN.h5 --czml [-o OUT]``."""
    if not args.czml:
        raise InputError("twin export: say what to export (--czml)")
    out = Path(args.out) if args.out else Path(args.run).with_suffix(".czml")
    if out.exists() and not args.force:
        raise InputError(f"{out}: exists (--force to replace it)")
    if not out.parent.is_dir():
        raise InputError(f"{out}: folder {out.parent} does not exist")
    done = write_czml(args.run, out, colour=args.colour, frame=args.frame)
    note = " (the run's first part: samples kept close enough to interpolate)" if done["cut_short"] else ""
    print(f"{out}: {done['satellites']:,} of {done['of']:,} satellites x {done['samples']:,} samples{note}, "
          f"{done['bytes'] / 1e6:.1f} MB; open it in CesiumJS (Viewer.dataSources.add(CzmlDataSource.load(...)))")
    return 0


def add_parser(subparsers) -> None:
    e = subparsers.add_parser("export", help="export a run for other tools: --czml (a CesiumJS animation)")
    e.add_argument("run", metavar="RUN.h5")
    e.add_argument("--czml", action="store_true", help="CZML: the constellation animated over the run")
    e.add_argument("-o", "--out", metavar="OUT.czml", help="output file (default: RUN.czml beside the run)")
    e.add_argument("--colour", choices=("mode", "sunlit"), default="mode", help="colour satellites by node mode "
                   "or by illumination (default: mode)")
    e.add_argument("--frame", choices=("FIXED", "INERTIAL"), default="FIXED",
                   help="FIXED: Earth-fixed positions, exact in any viewer (default); INERTIAL: GCRS")
    e.add_argument("--force", action="store_true", help="replace an existing output file")
    e.set_defaults(func=cmd_export)
