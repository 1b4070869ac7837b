"""The run file's tables (/jobs, /events, /links) as netCDF-4 groups: one 1-D variable per column
on the table's own dimension (``job``, ``event``, ``link``), whose coordinate variable is the row
number (docs/schema.md). Text columns are fixed-length strings (netCDF's ``char``) marked
``_Encoding = "utf-8"``, which xarray decodes to text: HDF5's variable-length strings live in a
global heap that a SWMR reader of a growing file cannot follow. Instants are seconds since the run's epoch with CF time units, so xarray and netCDF tools decode
them to dates.

In memory a table's rows are one structured array (``schema.JOB_DTYPE`` …); :func:`append_rows`
splits them into the columns and :func:`read_rows` joins them back.
"""
from __future__ import annotations

import h5py
import numpy as np

from twin.output import cf, schema

JOBS, EVENTS, LINKS = "jobs", "events", "links"
DIMENSION = {JOBS: "job", EVENTS: "event", LINKS: "link"}
CHUNK_ROWS = 4096


def create_table(f: h5py.File, name: str, epoch, opts: dict) -> h5py.Group:
    """The empty table ``name`` (``schema.TABLES``): the row coordinate, then a growable column
    per field, instants with CF time units counted from ``epoch``."""
    table = schema.TABLES[name]
    dtype, units, long_names, instants = table.dtype, table.units, table.long_names, table.instants
    g = f.create_group(name)
    dim = DIMENSION[name]
    row = g.create_dataset(dim, shape=(0,), maxshape=(None,), dtype=np.int64, chunks=(CHUNK_ROWS,), **opts)
    row.attrs.update({"long_name": f"row of /{name}", "units": "1"})
    row.make_scale(dim)
    for field in dtype.names:
        kind = dtype[field]
        d = g.create_dataset(field, shape=(0,), maxshape=(None,), dtype=kind, chunks=(CHUNK_ROWS,), **opts)
        if field in instants:
            attrs = cf.time_attrs(epoch, long_names.get(field, field))
        else:
            attrs = {"long_name": long_names.get(field, field), **cf.unit_attrs(units.get(field, ""))}
            if kind.kind == "S":
                attrs.pop("units", None)
                attrs["_Encoding"] = "utf-8"
        d.attrs.update(attrs)
        d.dims[0].attach_scale(row)
    return g


def n_rows(g: h5py.Group) -> int:
    """Rows complete in every column (a live reader can see a column longer than another)."""
    lengths = []
    for name in g:
        d = g.get(name)
        if not isinstance(d, h5py.Dataset):   # damaged: the reader turns KeyError into one line
            raise KeyError(f"{g.name}/{name} is not a readable column")
        lengths.append(d.shape[0])
    return int(min(lengths, default=0))


def append_rows(g: h5py.Group, rows: np.ndarray) -> None:
    """Append ``rows`` (a structured array) to the table; the row coordinate last, so a live
    reader that sees a row in it finds the row in every column."""
    dim = g[DIMENSION[g.name.rsplit("/", 1)[-1]]]
    n0, n = dim.shape[0], len(rows)
    if not n:
        return
    for field in rows.dtype.names:
        d = g[field]
        d.resize((n0 + n,))
        d[n0:] = rows[field]
    dim.resize((n0 + n,))
    dim[n0:] = np.arange(n0, n0 + n, dtype=np.int64)


def read_rows(g: h5py.Group, dtype: np.dtype, stop: int | None = None) -> np.ndarray:
    """The table's first ``stop`` rows (all complete rows by default) as a structured array of
    ``dtype``; fields the file lacks are left at zero (NaN for floats)."""
    n = n_rows(g) if stop is None else stop
    out = np.zeros(n, dtype)
    for field in dtype.names:
        if field not in g:
            if dtype[field].kind == "f":
                out[field] = np.nan
            continue
        out[field] = g[field][:n]
    return out


def copy_table_rows(src: h5py.Group, dst: h5py.Group, stop: int, dtype: np.dtype) -> None:
    """The first ``stop`` rows of ``src`` appended to the empty table ``dst`` (a resumed run)."""
    append_rows(dst, read_rows(src, dtype, stop))
