"""A run file opened for analysis: :class:`Run` (``twin.open_run``; docs/schema.md, "Reading a run").

The state is an ``xarray.Dataset`` whose variables are read lazily through xarray's own backend
array protocol (``BackendArray`` behind a ``LazilyIndexedArray``), so nothing is read until
values are asked for and dask is not needed (``run.state.chunk()`` makes dask arrays where dask
is installed). Each read acquires the file through an xarray ``CachingFileManager``: the handle
stays open while the run is used and is reopened if the cache evicted it. The tables are pandas
DataFrames and the summary a dict: nothing large rides in ``attrs``, and :meth:`Run.to_netcdf`
writes it all back as one netCDF-4 file of groups (an ``xarray.DataTree``).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from twin.output import schema
from twin.output.runlock import reading_path
from twin.output.reader import (_attr, _open_lazy, _python, n_records, open_h5, read_summary, read_table, reading,
                                state_names, summary_units)
from twin.output.tables import EVENTS, JOBS, LINKS

# attributes the file's variables carry for netCDF readers that xarray expresses otherwise
# (dimension scales, the coordinates list, the time coordinate's encoding)
_FILE_ONLY = {"CLASS", "NAME", "REFERENCE_LIST", "DIMENSION_LIST", "coordinates", "_Netcdf4Dimid",
              "_Netcdf4Coordinates"}
_TIME_ENCODING = {"units", "calendar"}   # the datetime64 coordinate carries them as its encoding


def open_run(path) -> "Run":
    """The run file as a :class:`Run`: the state as an ``xarray.Dataset`` read lazily, the
    tables as pandas DataFrames, the summary as a dict.

    A file still being written is read up to the records complete when it was opened; open it
    again to see more. Raises RunFileError for a missing, truncated, corrupt or foreign file.
    """
    return Run(reading_path(path))   # a live run's partial file, as open_h5 reads


class _LazyState:
    """One state variable's first ``shape[0]`` records, for xarray's lazy indexing."""

    def __init__(self, manager, path, name: str, shape: tuple, dtype):
        self.manager, self.path, self.name = manager, path, name
        self.shape, self.dtype = shape, np.dtype(dtype)

    def __getitem__(self, key):
        from xarray.core import indexing

        return indexing.explicit_indexing_adapter(key, self.shape, indexing.IndexingSupport.BASIC, self._read)

    def _read(self, key: tuple):
        # slices bounded by self.shape: a file that grew since it was opened is read as it was
        bounded = tuple(k if isinstance(k, (int, np.integer)) else slice(*k.indices(n))
                        for k, n in zip(key, self.shape))
        with reading(self.path):
            return self.manager.acquire()[self.name][bounded]


def _lazy_variable(manager, path, name, shape, dtype, dims, attrs):
    import xarray as xr
    from xarray.backends import BackendArray
    from xarray.core import indexing

    class _Backend(_LazyState, BackendArray):   # xarray's protocol (BackendArray sets nbytes etc.)
        pass

    return xr.Variable(dims, indexing.LazilyIndexedArray(_Backend(manager, path, name, shape, dtype)), attrs)


def _table_dataset(frame, dim: str, table: "schema.Table", epoch: np.datetime64):
    """A table as an ``xarray.Dataset`` on ``dim``: instants as dates, other columns with units."""
    import xarray as xr

    from twin.output import cf

    units, instants = table.units, table.instants
    columns = {}
    for col in frame.columns:
        values = frame[col].to_numpy()
        if col in instants:
            columns[col] = (dim, datetimes(epoch, values), {"long_name": f"{col}: an instant (UTC)"})
        else:
            text = values.dtype.kind in "OUS"
            columns[col] = (dim, values.astype(str) if text else values,
                            {} if text else cf.unit_attrs(units.get(col, "")))
    return xr.Dataset(columns)


def _epoch(attrs: dict) -> np.datetime64:
    epoch = datetime.fromisoformat(str(attrs["epoch_utc"]))
    return np.datetime64(epoch.replace(tzinfo=None), "ns")


def datetimes(epoch: np.datetime64, seconds: np.ndarray) -> np.ndarray:
    """Instants ``seconds`` after ``epoch`` as datetime64[ns] (NaN: NaT)."""
    seconds = np.asarray(seconds, dtype=np.float64)
    ns = np.where(np.isfinite(seconds), np.round(seconds * 1e9), 0).astype(np.int64)
    out = epoch + ns.astype("timedelta64[ns]")
    out[~np.isfinite(seconds)] = np.datetime64("NaT")
    return out


class Run:
    """A run file opened for analysis. Close it (or use ``with``) to release the file.

    - ``state``: ``xarray.Dataset`` on (``time``, ``sat``): every recorded state variable, read
      lazily, with its ``units``, ``long_name``, ``kind`` (``flow``: mean over the record
      interval; ``stock``: value at its end) and ``cell_methods``; ``ledger`` (time, cause) and,
      once complete, ``ledger_total`` (sat, cause). Coordinates: ``time`` (datetime64, UTC, the
      end of each record interval), ``time_s`` (seconds since the epoch), ``sat``, ``sat_name``,
      ``norad_id``, ``plane`` (``shard`` in a combined run), ``cause``. ``state.attrs``: the
      file's global attributes (CF and twin's: epoch, config, versions, status).
    - ``jobs``, ``events``, ``links`` (None without /links): pandas DataFrames, one row per
      table row; instants (``submit_s``, ``time_s``, …) in seconds since the epoch.
    - ``summary``: dict of the run's totals (empty until the run completes); ``summary_units``.
    - ``attrs``: ``state.attrs``; ``path``: the file read.

    ``run["soc"]``, ``run.soc``, ``run.sel(...)``: anything else is the state Dataset's.
    """

    def __init__(self, path: Path):
        import xarray as xr
        from xarray.backends import CachingFileManager

        from twin.kernels.layout import LEDGER_CAUSES

        self.path = Path(path)
        with open_h5(self.path) as f, reading(self.path):
            n_rec = n_records(f)
            attrs = {k: _python(v) for k, v in f.attrs.items()}
            epoch = _epoch(attrs)
            time_s = f[schema.TIME][:n_rec]
            coords = {
                "time": ("time", datetimes(epoch, time_s), {"standard_name": "time", "axis": "T",
                                                            "long_name": _attr(f[schema.TIME], "long_name")}),
                "time_s": ("time", time_s, {"units": "s", "long_name": "seconds since the epoch (epoch_utc)"}),
                "sat": ("sat", f[schema.SAT][...], {"units": "1", "long_name": "satellite index"}),
                "cause": ("cause", np.array(LEDGER_CAUSES), {"long_name": "cause of the accelerator ledger"}),
            }
            for name in (*schema.SAT_COORDS, "shard"):
                if name in f:
                    d = f[name]
                    coords[name] = ("sat", d.asstr()[...] if d.dtype.kind == "O" else d[...], self._attrs(d))
            lazy = [(name, (n_rec, *f[name].shape[1:]), f[name].dtype, self._attrs(f[name]))
                    for name in state_names(f)]
            small = {schema.LEDGER: (("time", "cause"), f[schema.LEDGER][:n_rec], self._attrs(f[schema.LEDGER]))}
            if schema.LEDGER_TOTAL in f:
                d = f[schema.LEDGER_TOTAL]
                small[schema.LEDGER_TOTAL] = (("sat", "cause"), d[...], self._attrs(d))
            for name in schema.SAT_VARIABLES:
                if name in f:
                    small[name] = (("sat",), f[name][...], self._attrs(f[name]))
            if schema.XYZ in f:
                coords[schema.XYZ] = (schema.XYZ, f[schema.XYZ].asstr()[...], self._attrs(f[schema.XYZ]))
            self.summary = read_summary(f)
            self.summary_units = summary_units(f)
            self.jobs = read_table(f, JOBS)
            self.events = read_table(f, EVENTS)
            self.links = read_table(f, LINKS) if LINKS in f else None
        self._manager = CachingFileManager(_open_lazy, self.path)
        data = {name: _lazy_variable(self._manager, self.path, name, shape, dtype,
                                     ("time", "sat", schema.XYZ)[:len(shape)], var_attrs)
                for name, shape, dtype, var_attrs in lazy}
        self.state = xr.Dataset({**data, **small}, coords=coords, attrs=attrs)
        self.state["time"].encoding.update(units=f"seconds since {str(epoch)[:19].replace('T', ' ')}",
                                           calendar="standard", dtype="float64")
        self.state.set_close(self._manager.close)

    @staticmethod
    def _attrs(d) -> dict:
        skip = _FILE_ONLY | (_TIME_ENCODING if d.name.rsplit("/", 1)[-1] == schema.TIME else set())
        return {key: value if isinstance(value, np.ndarray) and value.dtype.kind in "iuf" else _python(value)
                for key, value in d.attrs.items() if key not in skip}

    @property
    def attrs(self) -> dict:
        return self.state.attrs

    def __getitem__(self, key):
        return self.state[key]

    def __contains__(self, key) -> bool:
        return key in self.state

    def __iter__(self):
        return iter(self.state)

    def __getattr__(self, name):
        if name.startswith("_") or name == "state":
            raise AttributeError(name)
        return getattr(self.state, name)

    def __repr__(self) -> str:
        n_jobs = len(self.jobs)
        return (f"<twin.Run {self.path}: {self.state.sizes.get('sat', 0):,} satellites x "
                f"{self.state.sizes.get('time', 0):,} records, {n_jobs:,} job rows, status {self.attrs.get('status')}>")

    def to_datatree(self):
        """The run as an ``xarray.DataTree``: the state at the root; ``jobs``, ``events``,
        ``links`` (one dimension each: ``job``, ``event``, ``link``) and ``summary`` (scalars
        with units) as child nodes. Reads the state."""
        import xarray as xr

        children = {}
        epoch = _epoch(self.attrs)
        for name, frame, dim in ((JOBS, self.jobs, "job"), (EVENTS, self.events, "event"), (LINKS, self.links, "link")):
            if frame is not None:
                children[name] = _table_dataset(frame, dim, schema.TABLES[name], epoch)
        children["summary"] = xr.Dataset({k: ((), v, {"units": self.summary_units[k]} if k in self.summary_units
                                              else {}) for k, v in self.summary.items()})
        return xr.DataTree.from_dict({"/": self.state, **{f"/{k}": v for k, v in children.items()}})

    def to_netcdf(self, path, **kwargs) -> None:
        """Write the run (:meth:`to_datatree`) as a netCDF-4 file."""
        self.to_datatree().to_netcdf(path, **kwargs)

    def close(self) -> None:
        self.state.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
