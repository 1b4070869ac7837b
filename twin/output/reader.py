"""Reading run files (docs/schema.md): a checked open, a text summary (``twin inspect``) and
the helpers :mod:`twin.output.run` (``open_run``) builds on.

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
from twin.output.tables import EVENTS, JOBS, n_rows, read_rows

# h5py reports damaged files with these; KeyError is a missing object
_H5_ERRORS = (OSError, RuntimeError, KeyError, ValueError)

_SAT_PATHS = (schema.SAT, *schema.SAT_COORDS)


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
        raise RunFileError(f"{path}: run file schema version {version!r}, this twin reads "
                           f"{schema.OLDEST_READ} to {SCHEMA_VERSION}")
    if version < schema.OLDEST_READ:
        raise RunFileError(f"{path}: run file schema version {version} (an older twin's layout); this twin reads "
                           f"{schema.OLDEST_READ} to {SCHEMA_VERSION}: run its scenario again (twin run --from {path})")
    recorded = _python(f.attrs.get("state_variables"))   # the run's choice (output.variables); older files: all
    chosen = set(recorded.split()) if isinstance(recorded, str) else None
    variables = [v for v in schema.STATE_VARIABLES if (not v.links or v.name in f) and v.since <= version
                 and (chosen is None or v.name in chosen)]
    required = (schema.TIME, *_SAT_PATHS, schema.CAUSE, JOBS, EVENTS, schema.SUMMARY, schema.LEDGER,
                *(v.name for v in variables))
    with reading(path):
        for key in required:
            if key not in f:
                raise RunFileError(f"{path}: damaged run file, /{key} missing")
        n_sat = f[schema.SAT].shape[0]
        for key in _SAT_PATHS:
            if f[key].shape != (n_sat,):
                raise RunFileError(f"{path}: damaged run file, /{key} has shape {f[key].shape}, "
                                   f"expected ({n_sat},)")
        if len(f[schema.LEDGER].shape) != 2 or f[schema.LEDGER].shape[1] != len(LEDGER_CAUSES):
            raise RunFileError(f"{path}: damaged run file, /{schema.LEDGER} has shape {f[schema.LEDGER].shape}, "
                               f"expected (records, {len(LEDGER_CAUSES)})")
        for var in variables:
            shape = f[var.name].shape
            if len(shape) != 2 or shape[1] != n_sat:
                raise RunFileError(f"{path}: damaged run file, /{var.name} has shape {shape}, "
                                   f"expected (records, {n_sat})")
        for table in (JOBS, EVENTS):
            missing = [c for c in schema.TABLES[table].dtype.names if c not in f[table]]
            if missing:
                raise RunFileError(f"{path}: damaged run file, /{table}/{missing[0]} missing")


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


def state_names(f: h5py.File) -> list[str]:
    """The file's /state variables (docs/schema.md), in the schema's order: the declared ones,
    then the optional ones it recorded (per-record extrema, positions)."""
    optional = [v.name for v in schema.extrema_variables()] + [schema.POSITIONS]
    return [v.name for v in schema.STATE_VARIABLES if v.name in f] + [n for n in optional if n in f]


def config_of(path) -> str:
    """The resolved config (``config_yaml``) a run file holds, whatever its schema version: how
    a file of an older twin is run again (``twin run --from``)."""
    def opener(p: Path) -> str:
        if not p.is_file():
            raise RunFileError(f"{p}: no such run file")
        f = _open_file(p)
        try:
            with reading(p):
                if _attr(f, "schema", None) != SCHEMA:
                    raise RunFileError(f"{p}: not a twin run file (schema attribute is {_attr(f, 'schema', None)!r})")
                text = _attr(f, "config_yaml", "")
        finally:
            f.close()
        if not text:
            raise RunFileError(f"{p}: damaged run file, no config_yaml attribute")
        return text

    return _retrying(opener, reading_path(path))


def n_records(f: h5py.File) -> int:
    """Records complete in every dataset: while a run is written, ``/time`` grows last, but a
    SWMR reader can see one dataset longer than another."""
    return int(min([f[schema.TIME].shape[0], f[schema.LEDGER].shape[0]] +
                   [f[v.name].shape[0] for v in schema.STATE_VARIABLES if v.name in f]))


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
    """``/summary`` as a dict of Python scalars, in the order written (empty until the run completes)."""
    out = {}
    for k, d in f[schema.SUMMARY].items():
        if not isinstance(d, h5py.Dataset):   # a damaged file's dangling or foreign entry
            raise RunFileError(f"{f.filename}: /summary/{k} is not a dataset: the file is damaged")
        out[k] = _python(d.asstr()[()] if d.dtype.kind == "O" else d[()])
    return out


def summary_units(f: h5py.File) -> dict:
    """The units attribute of each /summary value that has one."""
    return {k: _attr(d, "units") for k, d in f[schema.SUMMARY].items() if "units" in d.attrs}


def read_table(f: h5py.File, name: str, fields=None, step: int = 1):
    """``/jobs``, ``/events`` or ``/links`` (only ``fields``, every ``step``-th row) as a pandas
    DataFrame: numbers as stored (instants in seconds since the epoch), text as str."""
    import pandas as pd

    g = f[name]
    n = n_rows(g)
    names = list(fields) if fields else [c for c in schema.TABLES[name].dtype.names if c in g]
    frame = {}
    for col in names:
        values = g[col][:n:step]
        frame[col] = np.char.decode(values, "utf-8").astype(object) if values.dtype.kind == "S" else values
    return pd.DataFrame(frame)


def table_rows(f: h5py.File, name: str):
    """A table's complete rows as one structured array of its schema dtype (text as bytes)."""
    return read_rows(f[name], schema.TABLES[name].dtype)


def describe(path) -> str:
    """A few lines on a run file: scenario, size, status (and who writes it, or how to resume
    it), headline totals."""
    given, path = path, reading_path(path)
    with open_h5(path) as f, reading(path):
        n_rec = n_records(f)
        n_sat = f[schema.SAT].shape[0]
        t_end = float(f[schema.TIME][n_rec - 1]) if n_rec else 0.0
        lines = [
            f"{path}: twin run file, schema {_attr(f, 'schema_version')}, status {_attr(f, 'status')}",
            f"  epoch {_attr(f, 'epoch_utc')}   dt {_attr(f, 'dt_s')} s   record every "
            f"{_attr(f, 'record_every_s')} s   seed {_attr(f, 'seed')}",
            f"  {n_sat:,} satellites x {n_rec:,} records ({t_end / SECONDS_PER_DAY:.3g} d recorded)   "
            f"{n_rows(f[JOBS]):,} job rows   {n_rows(f[EVENTS]):,} events   "
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
