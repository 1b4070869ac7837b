"""Reading run files: a checked open, a text summary (``twin inspect``) and ``open_run``."""
from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from twin.errors import InputError
from twin.output.schema import SCHEMA, STATE_VARIABLES


class RunFileError(InputError):
    """A file that is not a readable twin run file; the message names the file and the problem."""


def open_h5(path) -> h5py.File:
    """Open a run file read-only (SWMR, so a file being written can be read), or raise RunFileError."""
    path = Path(path)
    if not path.is_file():
        raise RunFileError(f"{path}: no such run file")
    try:
        f = h5py.File(path, "r", libver="latest", swmr=True)
    except OSError as err:
        raise RunFileError(f"{path}: not a readable HDF5 file ({str(err).splitlines()[0]})") from None
    schema = f.attrs.get("schema")
    if isinstance(schema, bytes):
        schema = schema.decode()
    if schema != SCHEMA:
        f.close()
        raise RunFileError(f"{path}: not a twin run file (schema attribute is {schema!r})")
    return f


def _attr(f, key, default=""):
    v = f.attrs.get(key, default)
    return v.decode() if isinstance(v, bytes) else v


def describe(path) -> str:
    """A few lines on a run file: scenario, size, status, headline totals."""
    with open_h5(path) as f:
        try:
            n_rec = f["time"].shape[0]
            n_sat = f["sat/index"].shape[0]
            t_end = float(f["time"][n_rec - 1]) if n_rec else 0.0
            lines = [
                f"{path}: twin run file, schema {_attr(f, 'schema_version')}, status {_attr(f, 'status')}",
                f"  epoch {_attr(f, 'epoch_utc')}   dt {_attr(f, 'dt_s')} s   record every "
                f"{_attr(f, 'record_every_s')} s   seed {_attr(f, 'seed')}",
                f"  {n_sat:,} satellites x {n_rec:,} records ({t_end / 86400:.3g} d recorded)   "
                f"{f['jobs'].shape[0]:,} job rows   {f['events'].shape[0]:,} events   "
                f"{os.path.getsize(path) / 1e6:.1f} MB",
                f"  twin {_attr(f, 'twin_version')}, config sha256 {_attr(f, 'config_sha256')[:12]}",
            ]
            summary = dict(f["summary"].attrs)
        except KeyError as err:
            raise RunFileError(f"{path}: damaged run file, {err.args[0]} missing") from None
    if summary:
        lines.append("  summary:")
        for key, value in summary.items():
            if isinstance(value, (float, np.floating)):
                lines.append(f"    {key:28s} {value:,.6g}")
            else:
                lines.append(f"    {key:28s} {value}")
    else:
        lines.append("  summary: none yet (run not complete)")
    return "\n".join(lines)


def open_run(path):
    """The run file as an ``xarray.Dataset`` with dimensions ``time`` and ``sat``; the jobs and
    events tables are in ``ds.attrs['jobs']`` / ``ds.attrs['events']`` as pandas DataFrames."""
    import pandas as pd
    import xarray as xr

    with open_h5(path) as f:
        time = f["time"][...]
        coords = {"time": ("time", time, {"units": "s", "long_name": f["time"].attrs["long_name"]}),
                  "sat": ("sat", f["sat/index"][...])}
        coords["name"] = ("sat", f["sat/name"].asstr()[...])
        coords["norad_id"] = ("sat", f["sat/norad_id"][...])
        coords["plane"] = ("sat", f["sat/plane"][...])
        data = {}
        for var in STATE_VARIABLES:
            d = f["state"][var.name]
            data[var.name] = (("time", "sat"), d[: len(time)], 
                              {k: _attr(d, k) for k in ("units", "long_name", "kind")})
        jobs = pd.DataFrame(f["jobs"][...])
        events = pd.DataFrame(f["events"][...])
        for frame, col in ((jobs, "status"), (events, "kind")):
            if len(frame):
                frame[col] = frame[col].str.decode("ascii")
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        summary = dict(f["summary"].attrs)
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    ds.attrs["summary"] = summary
    ds.attrs["jobs"] = jobs
    ds.attrs["events"] = events
    return ds
