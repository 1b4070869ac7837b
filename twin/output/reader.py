"""Reading run files (docs/schema.md): a checked open, a text summary (``twin inspect``) and
``open_run``, which maps a run file lazily onto an ``xarray.Dataset``.

Every reader goes through :func:`open_h5`, which turns a missing, truncated, corrupt or foreign
file into a :class:`RunFileError` whose one-line message names the file and the problem.
Files being written by a running ``twin run`` are read in SWMR mode, up to the records that all
of ``/time`` and ``/state`` hold at the moment of opening.
"""
from __future__ import annotations

import os
import re
import time as wallclock
from contextlib import contextmanager
from pathlib import Path

import h5py
import numpy as np

from twin.constants import SECONDS_PER_DAY
from twin.errors import InputError
from twin.output.h5open import find_hdf5, open_swmr
from twin.output.runlock import live_writer, reading_path, status_notes, target_of
from twin.output import schema
from twin.kernels.layout import LEDGER_CAUSES
from twin.output.ledger import ledger_line
from twin.output.schema import SCHEMA, SCHEMA_VERSION

# h5py reports damaged files with these; KeyError is a missing object
_H5_ERRORS = (OSError, RuntimeError, KeyError, ValueError)

# elements per dask chunk of a lazily read variable (32 MB of float64)
_DASK_CHUNK_ELEMENTS = 4_000_000

_SAT_PATHS = ("sat/index", "sat/name", "sat/norad_id", "sat/plane")


class RunFileError(InputError):
    """A file that is not a readable twin run file; the message names the file and the problem."""


def _first_line(err: BaseException) -> str:
    text = str(err.args[0] if isinstance(err, KeyError) and err.args else err).strip()
    return text.splitlines()[0] if text else type(err).__name__


@contextmanager
def reading(path):
    """Turn h5py's errors while reading ``path`` into a one-line :class:`RunFileError`."""
    try:
        yield
    except RunFileError:
        raise
    except _H5_ERRORS as err:
        raise RunFileError(f"{path}: damaged run file ({_first_line(err)})") from None


def _open_file(path) -> h5py.File:
    """Open read-only: plain mode first, since only it checks the file's length against the
    length its superblock records (HDF5 skips that check for SWMR readers); then SWMR mode, which
    is how a file still open in a writer (or left by a crashed one) can be read. The returned
    handle is a SWMR-mode one, which holds no file lock, so a later ``twin run --force`` to the
    same path is not blocked by a reader (unless this process already holds a plain handle on
    the file: HDF5 then insists on the same mode). Its metadata reads give up after
    ``twin.output.h5open.SWMR_READ_ATTEMPTS``, so a damaged file fails at once instead of
    hanging; where that bound cannot be set (``h5open.find_hdf5``), a file that opens in plain
    mode is read in it."""
    try:
        h5py.File(path, "r").close()
    except _H5_ERRORS as err:   # a damaged superblock raises RuntimeError
        found = re.search(r"truncated file: eof = (\d+).*stored_eof = (\d+)", str(err))
        if found and not _being_written(path):
            have, want = (int(x) for x in found.groups())
            raise RunFileError(f"{path}: truncated run file ({have:,} of {want:,} bytes)") from None
        if find_hdf5() is None and not _may_be_live(err):
            # SWMR retries cannot be bounded here: do not let a SWMR open hang on what plain
            # mode already found damaged
            raise RunFileError(f"{path}: not a readable HDF5 file ({_first_line(err)})") from None
    else:
        if find_hdf5() is None:
            # SWMR retries cannot be bounded here: a file no writer holds is read in plain
            # mode, which does not retry (only one a writer holds needs SWMR mode)
            return h5py.File(path, "r")
    try:
        return open_swmr(path)
    except _H5_ERRORS as err:
        if "SWMR read access flag not the same" in str(err):
            # this process holds a plain handle on the file (HDF5 shares one per process): use it
            return h5py.File(path, "r")
        raise RunFileError(f"{path}: not a readable HDF5 file ({_first_line(err)})") from None


def _may_be_live(err: BaseException) -> bool:
    """Whether a plain open failed the way it does on a file a writer holds (or a killed writer
    left): those are read in SWMR mode."""
    text = str(err)
    return any(s in text for s in ("already open for write", "SWMR", "lock file", "truncated file"))


def _being_written(path) -> bool:
    """A live run holds the file's lock (:mod:`twin.output.runlock`) and the file says it is
    still going (status ``running``): its writer records a new length before the data reaches
    the file, so a live file can look truncated for a moment; a killed run's cannot."""
    if live_writer(target_of(path)) is None:
        return False
    if find_hdf5() is None:   # a SWMR open could hang on this damaged file: call it truncated
        return False            # (open_h5 tries again if the file is growing)
    try:
        with open_swmr(path) as f:
            return _attr(f, "status", None) == "running"
    except _H5_ERRORS:   # too damaged to tell: it is not a live run
        return False


def _check_layout(f: h5py.File, path) -> None:
    """Raise RunFileError unless ``f`` has every object of schema version 1 in consistent shapes,
    and root attributes that all read (their strings live in a global heap, which has no
    checksum: a damaged one fails only when read, and every reader reads them)."""
    with reading(path):
        for key in f.attrs:
            f.attrs[key]
    version = _python(f.attrs.get("schema_version"))
    if not isinstance(version, int) or not 1 <= version <= SCHEMA_VERSION:
        raise RunFileError(f"{path}: run file schema version {version!r}, this twin reads 1 to {SCHEMA_VERSION}")
    variables = [v for v in schema.STATE_VARIABLES if v.since <= version and (not v.links or f"state/{v.name}" in f)]
    ledger = (schema.LEDGER,) if version >= schema.LEDGER_SINCE else ()
    required = ("time", *_SAT_PATHS, "jobs", "events", "summary", *ledger, *(f"state/{v.name}" for v in variables))
    with reading(path):
        for key in required:
            if key not in f:
                raise RunFileError(f"{path}: damaged run file, /{key} missing")
        n_sat = f["sat/index"].shape[0]
        for key in _SAT_PATHS:
            if f[key].shape != (n_sat,):
                raise RunFileError(f"{path}: damaged run file, /{key} has shape {f[key].shape}, "
                                   f"expected ({n_sat},)")
        if ledger and (len(f[schema.LEDGER].shape) != 2 or f[schema.LEDGER].shape[1] != len(LEDGER_CAUSES)):
            raise RunFileError(f"{path}: damaged run file, /{schema.LEDGER} has shape {f[schema.LEDGER].shape}, "
                               f"expected (records, {len(LEDGER_CAUSES)})")
        for var in variables:
            shape = f["state"][var.name].shape
            if len(shape) != 2 or shape[1] != n_sat:
                raise RunFileError(f"{path}: damaged run file, /state/{var.name} has shape {shape}, "
                                   f"expected (records, {n_sat})")


def shard_files(f: h5py.File, path) -> list[Path]:
    """The shard files of a combined run (docs/schema.md, "Combined runs"), resolved against the
    combined file's folder; empty for an ordinary run file."""
    if "shards" not in f.attrs:
        return []
    names = np.atleast_1d(f.attrs["shards"])
    return [Path(path).parent / (n.decode() if isinstance(n, bytes) else str(n)) for n in names]


def _check_shards(f: h5py.File, path) -> None:
    """A combined run reads its /state through virtual datasets, which HDF5 silently fills
    where a shard file is missing: refuse the file instead."""
    for shard in shard_files(f, path):
        if not shard.is_file():
            raise RunFileError(f"{path}: shard file {shard} missing (a combined run needs every shard "
                               f"file beside it)")


# An open that fails while the file changes under it (its writer flushing, or replacing it) is
# tried again, OPEN_ATTEMPTS times in all, after OPEN_RETRY_S, then twice and four times that
# (0.35 s in all); an open of a file that stays the same fails at once.
OPEN_ATTEMPTS = 4
OPEN_RETRY_S = 0.05


def _stamp(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _retrying(opener, path):
    """``opener(path)``, tried again while it raises RunFileError and the file changes."""
    for attempt in range(OPEN_ATTEMPTS):
        before = _stamp(path)
        try:
            return opener(path)
        except RunFileError:
            if attempt + 1 == OPEN_ATTEMPTS or _stamp(path) == before:
                raise
        wallclock.sleep(OPEN_RETRY_S * 2 ** attempt)


def _open_lazy(path) -> h5py.File:
    """The opener of open_run's file manager: _open_file, tried again like open_h5."""
    return _retrying(_open_file, path)


def open_h5(path) -> h5py.File:
    """Open a run file read-only (SWMR, so a file being written can be read) and check its
    layout (and, for a combined run, that its shard files are there), or raise RunFileError.
    Given a run's path, reads the partial file a live run writes beside it (or that a killed or
    failed run left there alone: :func:`twin.output.runlock.reading_path`)."""
    return _retrying(_open_checked, reading_path(path))


def _open_checked(path: Path) -> h5py.File:
    if path.is_dir():
        raise RunFileError(f"{path}: a folder, not a run file")
    if not path.is_file():
        raise RunFileError(f"{path}: no such run file")
    f = _open_file(path)
    try:
        with reading(path):   # a damaged root group fails here already
            tag = _attr(f, "schema", None)
            if tag != SCHEMA:
                raise RunFileError(f"{path}: not a twin run file (schema attribute is {tag!r})")
            _check_layout(f, path)
            _check_shards(f, path)
    except BaseException:
        f.close()
        raise
    return f


def n_records(f: h5py.File) -> int:
    """Records complete in every dataset: while a run is written, ``/time`` grows before
    ``/state``, so a SWMR reader can see one longer than the other."""
    ledger = [f[schema.LEDGER].shape[0]] if schema.LEDGER in f else []
    return int(min([f["time"].shape[0]] + ledger + [f["state"][v.name].shape[0] for v in schema.STATE_VARIABLES
                                                            if v.name in f["state"]]))


def _attr(obj, key, default=""):
    v = obj.attrs.get(key, default)
    return v.decode() if isinstance(v, bytes) else v


def _python(value):
    """An HDF5 attribute value as a plain Python value (str, int, float, list)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def read_summary(f: h5py.File) -> dict:
    """``/summary`` attributes as a dict of Python scalars (empty until the run completes)."""
    return {k: _python(v) for k, v in f["summary"].attrs.items()}


def read_table(f: h5py.File, name: str, fields=None, step: int = 1):
    """``/jobs``, ``/events`` or ``/links`` (only ``fields``, every ``step``-th row) as a pandas DataFrame
    with text columns decoded."""
    import pandas as pd

    d = f[name]
    if fields:
        frame = pd.DataFrame({c: d.fields(c)[::step] for c in fields})
    else:
        frame = pd.DataFrame(d[::step])
    for col in frame.columns:   # fixed-size byte strings (status, kind, reason, ...) as text
        if d.dtype[col].kind == "S":
            frame[col] = frame[col].str.decode("utf-8") if len(frame) else frame[col].astype(str)
    return frame


def describe(path) -> str:
    """A few lines on a run file: scenario, size, status (and who writes it, or how to resume
    it), headline totals."""
    given, path = path, reading_path(path)
    with open_h5(path) as f, reading(path):
        n_rec = n_records(f)
        n_sat = f["sat/index"].shape[0]
        t_end = float(f["time"][n_rec - 1]) if n_rec else 0.0
        lines = [
            f"{path}: twin run file, schema {_attr(f, 'schema_version')}, status {_attr(f, 'status')}",
            f"  epoch {_attr(f, 'epoch_utc')}   dt {_attr(f, 'dt_s')} s   record every "
            f"{_attr(f, 'record_every_s')} s   seed {_attr(f, 'seed')}",
            f"  {n_sat:,} satellites x {n_rec:,} records ({t_end / SECONDS_PER_DAY:.3g} d recorded)   "
            f"{f['jobs'].shape[0]:,} job rows   {f['events'].shape[0]:,} events   "
            f"{os.path.getsize(path) / 1e6:.1f} MB",
            f"  twin {_attr(f, 'twin_version')}, config sha256 {_attr(f, 'config_sha256')[:12]}",
            *status_notes(given, path, _attr(f, "status"), _attr(f, "failure_reason")),
        ]
        shards = shard_files(f, path)
        if shards:
            lines.append(f"  combined from {len(shards)} shard(s) by {_attr(f, 'shard_by')}: "
                         f"{', '.join(os.path.relpath(s, Path(path).parent) for s in shards[:4])}"
                         f"{', ...' if len(shards) > 4 else ''}")
        summary = read_summary(f)
    answer = ledger_line(summary) if summary else None
    if answer:   # what people read first: where the accelerator-hours went
        lines.insert(1, f"  {answer}")
    if summary:
        lines.append("  summary:")
        for key, value in summary.items():
            if isinstance(value, float):
                lines.append(f"    {key:28s} {value:,.6g}")
            else:
                lines.append(f"    {key:28s} {value}")
    else:
        lines.append("  summary: none yet (run not complete)")
    return "\n".join(lines)


# ---------------------------------------------------------------------- open_run
class _LazyVariable:
    """``/state/<name>[:n_records]`` as an array-like for ``dask.array.from_array``.

    Each read acquires the file through an xarray ``CachingFileManager``: the handle stays open
    while the dataset is used (and is reopened transparently if the cache evicted it), and the
    object pickles, so dask's process-based schedulers can use it too.
    """

    def __init__(self, manager, path, name: str, shape: tuple, dtype):
        self.manager, self.path, self.name = manager, path, name
        self.shape, self.dtype, self.ndim = shape, np.dtype(dtype), len(shape)

    def __getitem__(self, key):
        # dask passes slices within self.shape, so reads never go past n_records
        with reading(self.path):
            f = self.manager.acquire()
            return f["state"][self.name][key]


def _dask_chunks(shape: tuple, h5_chunks) -> tuple:
    """Whole HDF5 chunks along time, about _DASK_CHUNK_ELEMENTS per dask chunk."""
    per_record = int(np.prod(shape[1:], dtype=np.int64)) or 1
    step = h5_chunks[0] if h5_chunks else 1
    records = max(step, _DASK_CHUNK_ELEMENTS // per_record // step * step)
    return (max(1, min(records, shape[0])), *shape[1:])


def open_run(path):
    """The run file as an ``xarray.Dataset`` with dimensions ``time`` and ``sat``, read lazily.

    Every ``/state`` variable is a dask array: nothing is read until ``.values``,
    ``.compute()``, ``.load()`` or a plot asks for it, and then only the chunks needed. Each
    variable's attrs hold ``units``, ``long_name`` and ``kind`` (``flow``: mean over the record
    interval; ``stock``: value at its end). Coordinates: ``time`` [s since ``epoch_utc``], ``sat``
    (index), ``name``, ``norad_id``, ``plane`` (and ``shard`` for a combined run). ``ds.attrs`` holds the file's root attributes,
    ``summary`` (dict, empty until the run completes), and ``jobs`` and ``events`` (pandas
    DataFrames, read eagerly).

    The file stays open while the dataset lives; ``ds.close()`` (or ``with twin.open_run(p) as
    ds:``) closes it. A file still being written is read up to the records complete when it was
    opened; open it again to see more.

    Raises RunFileError for a missing, truncated, corrupt or foreign file.
    """
    import dask.array as da
    import xarray as xr
    from dask.base import tokenize
    from xarray.backends import CachingFileManager

    from twin.kernels.layout import MODE_NAMES

    path = reading_path(path)   # a live run's partial file, as open_h5 reads
    with open_h5(path) as f, reading(path):
        n_rec = n_records(f)
        time = f["time"][:n_rec]
        coords = {
            "time": ("time", time, {"units": "s", "long_name": _attr(f["time"], "long_name")}),
            "sat": ("sat", f["sat/index"][...], {"units": "1", "long_name": "satellite index"}),
            "name": ("sat", f["sat/name"].asstr()[...], {"long_name": "satellite name"}),
            "norad_id": ("sat", f["sat/norad_id"][...], {"units": "1", "long_name": "NORAD catalogue number"}),
            "plane": ("sat", f["sat/plane"][...], {"units": "1", "long_name": "orbital plane"}),
        }
        if "sat/shard" in f:   # a combined run (docs/schema.md, "Combined runs")
            coords["shard"] = ("sat", f["sat/shard"][...], {"units": "1", "long_name": "shard of the satellite"})
        variables = []
        optional = [v.name for v in schema.extrema_variables()] + ["position_gcrs_km"]
        # older schemas lack some variables (Variable.since); _check_layout required the rest
        for name in [v.name for v in schema.STATE_VARIABLES if v.name in f["state"]] + \
                [n for n in optional if n in f["state"]]:
            d = f["state"][name]
            variables.append((name, (n_rec, *d.shape[1:]), d.dtype, d.chunks,
                              {k: _attr(d, k) for k in ("units", "long_name", "kind") if k in d.attrs}))
        extra = {}   # the ledger (schema 2), small: read at once
        if schema.LEDGER in f:
            coords["cause"] = ("cause", np.array(LEDGER_CAUSES), {"long_name": "cause of the accelerator ledger"})
            d = f[schema.LEDGER]
            extra["ledger"] = (("time", "cause"), d[:n_rec], {k: _attr(d, k) for k in ("units", "long_name")})
        if schema.LEDGER_TOTAL in f:
            d = f[schema.LEDGER_TOTAL]
            extra["ledger_total"] = (("sat", "cause"), d[...], {k: _attr(d, k) for k in ("units", "long_name")})
        attrs = {k: _python(v) for k, v in f.attrs.items()}
        summary = read_summary(f)
        jobs = read_table(f, "jobs")
        events = read_table(f, "events")
        links = read_table(f, schema.LINKS) if schema.LINKS in f else None
    manager = CachingFileManager(_open_lazy, path)
    stat = path.stat()
    token = tokenize(str(path.resolve()), stat.st_mtime_ns, stat.st_size, n_rec)
    data = {}
    for name, shape, dtype, h5_chunks, var_attrs in variables:
        lazy = _LazyVariable(manager, path, name, shape, dtype)
        array = da.from_array(lazy, chunks=_dask_chunks(shape, h5_chunks), name=f"twin-{name}-{token}",
                              lock=False, asarray=True, meta=np.empty((0,) * len(shape), dtype))
        dims = ("time", "sat", "xyz")[:len(shape)]
        if name == "mode":  # CF flags, so that plots and readers can name the codes
            var_attrs = {**var_attrs, "flag_values": np.arange(len(MODE_NAMES), dtype=np.int8),
                         "flag_meanings": " ".join(MODE_NAMES)}
        data[name] = (dims, array, var_attrs)
    ds = xr.Dataset({**data, **extra}, coords=coords, attrs=attrs)
    ds.attrs["summary"] = summary
    ds.attrs["jobs"] = jobs
    ds.attrs["events"] = events
    if links is not None:
        ds.attrs["links"] = links
    ds.set_close(manager.close)
    return ds
