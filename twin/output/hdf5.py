"""Streams a run to an HDF5 file of schema version 1 (docs/design.md §6, docs/schema.md).

The file (netCDF-4, CF: :mod:`twin.output.cf`) is opened with a fixed format bound
(``FILE_FORMAT``) and switched to SWMR once every dataset exists, so
that readers can follow it while it grows. Records are buffered and written a whole
chunk at a time (``flush_every_records`` records, by default about 256 KiB per variable) by a
writer thread, at most MAX_PENDING_WRITES batches waiting, while the simulation goes on (gzip chunks
compressed in parallel and written directly: :mod:`twin.output.chunks`); the file itself is flushed
(H5Fflush, tens of ms on a slow disk) at most every ``FILE_FLUSH_INTERVAL_S`` of wall time, at every
checkpoint and at the end, so a crash loses at most the records since then — and a checkpoint never
refers to data that is not on disk. Root attributes that change (``status``) and ``/summary`` are
written after the SWMR writer closes.
"""
from __future__ import annotations

import errno
import os
import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor
import time as wallclock
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

from twin.config import yaml_sha256
from twin.kernels import layout as L
from twin.kernels.rows import copy_rows
from twin.output import cf, schema
from twin.output.chunks import direct_level, write_rows
from twin.output.static import (command_line, compression_options, library_versions, variable_attrs,
                                 write_ledger_total, write_sat_variables, write_summary)
from twin.output.schema import EVENT_DTYPE, JOB_DTYPE, SCHEMA, SCHEMA_VERSION
from twin.output.tables import EVENTS, JOBS, LINKS, append_rows, copy_table_rows, create_table
from twin.output.variables import state_variables
from twin.kernels.dose import satellite_dose_rates


FILE_FLUSH_INTERVAL_S = 2.0
MAX_PENDING_WRITES = 2   # batches handed to the writer thread and not yet written, at most
# HDF5's metadata written when a file is closed (object headers, chunk indexes, free space) is
# a few hundred kB for a run file; the reserve holds this much beyond the raw chunks in flight
# The run file's format bound, fixed whatever h5py writes it: HDF5 1.10's format, the oldest that
# allows SWMR (live reading) and virtual datasets (combined runs), readable by HDF5 1.10 and later
# tools (h5dump, netCDF-C, MATLAB); "latest" would follow the h5py at hand (1.14's layout messages
# fail in 1.10-era readers)
FILE_FORMAT = ("v110", "v110")
RESERVE_METADATA_BYTES = 2 * 1024 * 1024
RESERVE_MAX_BYTES = 256 * 1024 * 1024


def chunk_records(scenario, n_sats: int) -> int:
    """Records per write and per HDF5 chunk: ``output.flush_every_records``, or
    :func:`_chunk_records` (whole chunks at a time: a gzip chunk is compressed once, never
    rewritten)."""
    sim, out = scenario.simulation, scenario.output
    between = int(round(out.checkpoint_every_s / sim.record_every_s)) if out.checkpoint_every_s else 0
    return out.flush_every_records or _chunk_records(n_sats, between)


def record_bytes(scenario, n_sats: int) -> int:
    """Uncompressed bytes of one record of /state (positions included where recorded), /ledger
    and, with ``output.links``, /links (at most every candidate link live)."""
    per_sat = sum(np.dtype(v.dtype).itemsize for v in state_variables(scenario))
    return (per_sat + (12 if scenario.output.positions else 0)) * n_sats + 8 * L.N_LEDGER + \
        schema.LINK_DTYPE.itemsize * _links_at_most(scenario, n_sats)


def _links_at_most(scenario, n_sats: int) -> int:
    """Candidate links of the run, the most /links can hold per record (0 without the table)."""
    links = scenario.links
    if not scenario.output.links or links.topology == "none":
        return 0
    if links.topology == "pairs":
        return len(links.pairs)
    per_sat = 4 if links.topology == "+grid" else links.terminals_per_sat   # nearest: spare terminals bridge
    return n_sats * per_sat // 2


def reserve_bytes(scenario, n_sats: int) -> int:
    """Disk space a run holds in reserve beside its file (``FILE.reserve``) and gives back when a
    write fails, so that the file can still be closed and marked failed on a full disk: the
    chunks of one batch of records (dirty in HDF5's chunk caches) and the metadata."""
    batch = chunk_records(scenario, n_sats) * record_bytes(scenario, max(n_sats, 1))
    return int(min(RESERVE_MAX_BYTES, batch + RESERVE_METADATA_BYTES))


def _chunk_records(n_sats: int, between_checkpoints: int = 0) -> int:
    """Records per chunk so that a chunk of one variable is about 256 KiB, rounded down to a
    divisor of the records ``between_checkpoints`` (when there are checkpoints): a checkpoint
    then writes whole chunks, instead of compressing a partial chunk that is compressed again
    once it fills (half the writer's time in a small constellation's run)."""
    chunk = int(max(1, min(1024, (256 * 1024) // (4 * max(n_sats, 1)))))
    if between_checkpoints > 0:
        while between_checkpoints % chunk:
            chunk -= 1
    return chunk


def _hold_space(path: Path, n_bytes: int) -> None:
    """A file of ``n_bytes`` whose blocks are allocated (not a sparse file, which frees nothing)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            os.posix_fallocate(fd, 0, n_bytes)
        except OSError as err:
            if err.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                raise
            block = b"\0" * (1 << 20)   # a file system without fallocate: write the zeros
            for start in range(0, n_bytes, len(block)):
                os.write(fd, block[:n_bytes - start])
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)


class _Rows:
    """Rows of one table (/jobs, /events) waiting for the writer thread, copied as they come into
    one array of the file's dtype (doubled when full), so a batch is handed over without joining
    hundreds of small arrays."""

    def __init__(self, dtype, capacity: int = 1024):
        self.rows, self.n = np.empty(capacity, dtype), 0

    def add(self, rows: np.ndarray) -> None:
        if not len(rows):
            return
        end = self.n + len(rows)
        if end > len(self.rows):
            grown = np.empty(max(2 * len(self.rows), end), self.rows.dtype)
            grown[:self.n] = self.rows[:self.n]
            self.rows = grown
        self.rows[self.n:end] = rows
        self.n = end

    def take(self) -> np.ndarray:
        """The rows so far (the writer thread's from now on); the buffer starts anew."""
        taken = self.rows[:self.n]
        self.rows, self.n = np.empty(len(self.rows), self.rows.dtype), 0
        return taken


class RunWriter:
    def __init__(self, path: Path, scenario, sats, compression: int | str, flush_every: int,
                 positions: bool = False, copy_from: tuple | None = None):
        """Create the run file. ``copy_from=(old_path, counts)`` starts it with the first
        ``counts`` records, job rows and event rows of an earlier file of the same run (resume)."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.n_sats = len(sats)
        chunk = flush_every or chunk_records(scenario, self.n_sats)
        self.flush_every = chunk
        self.positions = positions
        self.links = scenario.output.links and scenario.links.topology != "none"   # a /links table
        self.variables = state_variables(scenario)
        # records are buffered by storage type, one (variables, records, satellites) array per type;
        # add_record's rows come in the order of schema.record_variables(), gathered per type by _gather
        row_of = {var.name: r for r, var in enumerate(schema.record_variables())}
        self._groups = {}
        for var in self.variables:
            self._groups.setdefault(np.dtype(var.dtype), []).append(var.name)
        self._gather = [np.array([row_of[name] for name in names], dtype=np.int64) for names in self._groups.values()]
        self._new_buffers()
        self._jobs, self._events, self._links = _Rows(JOB_DTYPE), _Rows(EVENT_DTYPE), _Rows(schema.LINK_DTYPE)
        self.n_records = self.n_job_rows = self.n_event_rows = self.n_link_rows = 0
        self._last_file_flush = wallclock.monotonic()
        self.failure = None       # the first write that failed, if any
        self._reserve = self.path.with_name(self.path.name + ".reserve")
        _hold_space(self._reserve, reserve_bytes(scenario, self.n_sats))
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="twin-hdf5")
        self._deflate = direct_level(compression)   # gzip: chunks compressed in parallel (twin.output.chunks)
        self._pending = deque()   # writes handed to the thread, oldest first
        self.file = None
        try:
            self._create(scenario, sats, compression, chunk, positions, copy_from)
        except BaseException:   # nothing is left behind: no file, no reserve, no thread
            self._pool.shutdown(wait=False)
            if self.file is not None:
                self.file.close()
            for leftover in (self.path, self._reserve):
                leftover.unlink(missing_ok=True)
            raise

    def _create(self, scenario, sats, compression, chunk: int, positions: bool, copy_from) -> None:
        """The file with every variable and table, then in SWMR mode (part of __init__)."""
        sim = scenario.simulation
        f = h5py.File(self.path, "w", libver=FILE_FORMAT)
        self.file = f
        config_yaml = scenario.to_yaml()
        created = datetime.now(timezone.utc)
        versions = library_versions()
        attrs = {
            **cf.global_attrs(f"{self.n_sats:,} satellites, {sim.duration_s / 86400:g} d from {sim.epoch_utc:%Y-%m-%d}",
                              created, command_line(), versions["twin_version"]),
            "schema": SCHEMA, "schema_version": SCHEMA_VERSION,
            "created_utc": created.isoformat(timespec="seconds"),
            "status": "running", "epoch_utc": sim.epoch_utc.isoformat(), "dt_s": sim.dt_s,
            "record_every_s": sim.record_every_s, "record_every_steps": sim.record_every_steps,
            "duration_s": sim.duration_s, "seed": sim.seed, "config_yaml": config_yaml,
            "config_sha256": yaml_sha256(config_yaml), "ephemeris": "de421.bsp (skyfield-data)",
            "skipped_tles": "\n".join(f"{n}: {why}" for n, why in sats.skipped),
            "state_variables": " ".join(v.name for v in self.variables),
            **versions,
        }
        f.attrs.update(attrs)
        opts = compression_options(compression)
        time = f.create_dataset(schema.TIME, shape=(0,), maxshape=(None,), dtype=np.float64, chunks=(1024,))
        time.attrs.update({**cf.time_attrs(sim.epoch_utc, "end of the record interval"), "standard_name": "time",
                    "axis": "T"})
        time.make_scale(schema.TIME)
        index = f.create_dataset(schema.SAT, data=np.arange(self.n_sats, dtype=np.int64))
        index.attrs.update({"units": "1", "long_name": "satellite index"})
        index.make_scale(schema.SAT)
        coords = {"sat_name": (np.array([str(n) for n in sats.name], dtype=object), h5py.string_dtype(),
                               {"long_name": "satellite name"}),
                  "norad_id": (np.asarray(sats.norad_id, dtype=np.int64), None,
                               {"units": "1", "long_name": "NORAD catalogue number"}),
                  "plane": (np.asarray(sats.plane, dtype=np.int32), None, {"units": "1", "long_name": "orbital plane"})}
        for name, (values, dtype, var_attrs) in coords.items():
            d = f.create_dataset(name, data=values, dtype=dtype)
            d.attrs.update(var_attrs)
            d.dims[0].attach_scale(index)
        write_sat_variables(f, {"dose_rate_krad_per_year": satellite_dose_rates(scenario, sats)})
        cause = f.create_dataset(schema.CAUSE, data=np.array(L.LEDGER_CAUSES, dtype=object), dtype=h5py.string_dtype())
        cause.attrs.update({"long_name": "cause of the accelerator ledger (docs/schema.md)"})
        cause.make_scale(schema.CAUSE)
        on_sats = " ".join(schema.SAT_COORDS)
        for var in self.variables:
            d = f.create_dataset(var.name, shape=(0, self.n_sats), maxshape=(None, self.n_sats),
                                 dtype=var.dtype, chunks=(chunk, max(self.n_sats, 1)), **opts)
            d.attrs.update(variable_attrs(var, on_sats))
            d.dims[0].attach_scale(time)
            d.dims[1].attach_scale(index)
        if positions:
            xyz = f.create_dataset(schema.XYZ, data=np.array(["x", "y", "z"], dtype=object), dtype=h5py.string_dtype())
            xyz.attrs.update({"long_name": "GCRS axis"})
            xyz.make_scale(schema.XYZ)
            d = f.create_dataset(schema.POSITIONS, shape=(0, self.n_sats, 3), maxshape=(None, self.n_sats, 3),
                                 dtype=np.float32, chunks=(chunk, max(self.n_sats, 1), 3), **opts)
            d.attrs.update({"units": "km", "long_name": "GCRS position at the end of the record interval",
                     "kind": "stock", "cell_methods": "time: point", "coordinates": on_sats})
            for axis, scale in enumerate((time, index, xyz)):
                d.dims[axis].attach_scale(scale)
        ledger = f.create_dataset(schema.LEDGER, shape=(0, L.N_LEDGER), maxshape=(None, L.N_LEDGER), dtype=np.float64,
                                  chunks=(chunk, L.N_LEDGER), **opts)
        ledger.attrs.update({"units": "1", "cell_methods": "time: mean",
                      "long_name": "accelerators in each cause of the ledger, summed over the satellites, mean over "
                                   "the record interval"})
        ledger.dims[0].attach_scale(time)
        ledger.dims[1].attach_scale(cause)
        epoch = sim.epoch_utc
        create_table(f, JOBS, epoch, opts)
        create_table(f, EVENTS, epoch, opts)
        if self.links:
            links = create_table(f, LINKS, epoch, opts)
            links.attrs.update({"long_name": "inter-satellite links up at the end of each record"})
        f.create_group(schema.SUMMARY, track_order=True)
        if copy_from is not None:
            self._copy_prefix(*copy_from)
        f.swmr_mode = True
        self._datasets = {v.name: f[v.name] for v in self.variables}
        if positions:
            self._datasets[schema.POSITIONS] = f[schema.POSITIONS]
        self._datasets.update(time=f[schema.TIME], ledger=f[schema.LEDGER], jobs=f[JOBS], events=f[EVENTS])
        if self.links:
            self._datasets["links"] = f[LINKS]

    def counts(self) -> dict:
        """Records, job rows and event rows the file holds once what is buffered is written."""
        return {"records": self.n_records + self._n_buffered,
                "jobs": self.n_job_rows + self._jobs.n, "events": self.n_event_rows + self._events.n,
                "links": self.n_link_rows + self._links.n}

    def _copy_prefix(self, old_path, counts: dict, block: int = 256) -> None:
        """Copy what an earlier file of this run held at a checkpoint (SWMR read: the earlier
        writer may have been killed)."""
        from twin.output.h5open import open_swmr
        from twin.output.reader import _attr, reading

        f = self.file
        with open_swmr(old_path) as old, reading(old_path):   # damaged: RunFileError, never a hang
            f.attrs.update({key: _attr(old, key) for key in ("created_utc", "history")})
            n = counts["records"]
            names = [v.name for v in self.variables] + ([schema.POSITIONS] if self.positions else [])
            for name in (schema.TIME, schema.LEDGER, *names):
                d = f[name]
                d.resize((n,) + d.shape[1:])
                for r0 in range(0, n, block):
                    d[r0:r0 + block] = old[name][r0:min(r0 + block, n)]
            tables = ((JOBS, JOB_DTYPE), (EVENTS, EVENT_DTYPE)) + (((LINKS, schema.LINK_DTYPE),) if self.links else ())
            for table, dtype in tables:
                copy_table_rows(old[table], f[table], counts.get(table, 0), dtype)
        self.n_records, self.n_job_rows, self.n_event_rows = n, counts["jobs"], counts["events"]
        self.n_link_rows = counts.get("links", 0)

    # ------------------------------------------------------------------ streaming
    def add_record(self, time_s: float, rows: np.ndarray, position_km: np.ndarray | None = None,
                   ledger: np.ndarray | None = None) -> None:
        """One record: ``rows`` (variables, N) in the order of ``schema.record_variables()``
        (twin.engine.nodes.record_rows; the extrema rows may be left out when the file has none),
        the positions [km] (N, 3) if the file records them, and the constellation's ledger
        (N_LEDGER,) [accelerators]."""
        row = self._n_buffered
        self._times[row] = time_s
        self._ledger[row] = np.nan if ledger is None else ledger
        for buffer, index in zip(self._buffers.values(), self._gather):
            copy_rows(rows, index, buffer, row)
        if self.positions:
            self._positions[row] = position_km
        self._n_buffered = row + 1
        if self._n_buffered >= self.flush_every:
            self.flush()

    def add_jobs(self, rows: np.ndarray) -> None:
        self._jobs.add(rows)

    def add_events(self, rows: np.ndarray) -> None:
        self._events.add(rows)

    def add_links(self, columns: dict) -> None:
        """Rows of /links, as columns by name (``twin.output.schema.LINK_DTYPE``)."""
        rows = np.empty(len(columns["time_s"]), schema.LINK_DTYPE)
        for name in schema.LINK_DTYPE.names:
            rows[name] = columns[name]
        self._links.add(rows)

    def flush(self, to_disk: bool = False, then=None) -> None:
        """Hand the buffered rows to the writer thread; with ``to_disk``, or when the flush
        interval has passed, the file is flushed after them. With ``to_disk`` this returns only
        once everything is on disk, unless ``then`` is given: a function the writer thread calls
        once the file is flushed (a checkpoint), and this returns at once. An error of an
        earlier write is raised here."""
        batch = self._take_batch()
        now = wallclock.monotonic()
        flush_file = to_disk or now - self._last_file_flush >= FILE_FLUSH_INTERVAL_S
        if flush_file:
            self._last_file_flush = now
        if batch or flush_file:   # one thread: batches are written in the order handed over
            self._pending.append(self._pool.submit(self._write, batch, flush_file, then if to_disk else None))
        self._wait(0 if to_disk and then is None else MAX_PENDING_WRITES)

    def _wait(self, keep: int = 0) -> None:
        """Wait until at most ``keep`` writes are pending (memory stays bounded); raise the error
        of any write that failed."""
        while self._pending and (len(self._pending) > keep or self._pending[0].done()):
            self._pending.popleft().result()

    def _new_buffers(self) -> None:
        """Buffers for the next chunk of records, one row per record, in the file's dtypes."""
        shape = (self.flush_every, self.n_sats)
        self._buffers = {dtype: np.empty((len(names),) + shape, dtype) for dtype, names in self._groups.items()}
        self._positions = np.empty(shape + (3,), np.float32) if self.positions else None
        self._times = np.empty(self.flush_every)
        self._ledger = np.empty((self.flush_every, L.N_LEDGER))
        self._n_buffered = 0

    def _take_batch(self) -> dict:
        """The buffered rows as arrays, with where they go; the counts move on at once."""
        batch = {}
        if self._n_buffered:
            n = self._n_buffered
            batch["r0"], batch["time"], batch["ledger"] = self.n_records, self._times[:n], self._ledger[:n]
            batch["state"] = {name: buffer[j, :n] for buffer, names in zip(self._buffers.values(), self._groups.values())
                              for j, name in enumerate(names)}
            if self.positions:
                batch["state"]["position_gcrs_km"] = self._positions[:n]
            self.n_records += n
            self._new_buffers()   # the batch's buffers now belong to the writer thread
        for name, buffer, counter in (("jobs", self._jobs, "n_job_rows"), ("events", self._events, "n_event_rows"),
                                      ("links", self._links, "n_link_rows")):
            if buffer.n:
                batch[name] = buffer.take()
                setattr(self, counter, getattr(self, counter) + len(batch[name]))
        return batch

    def _write(self, batch: dict, flush_file: bool, then=None) -> None:
        """Write one batch (in the writer thread: h5py releases the GIL while HDF5 compresses
        and writes, so the simulation goes on meanwhile). After a failed write nothing more is
        written: the file keeps what its last checkpoint refers to, and the space held in
        reserve is given back so that the file can still be closed and marked failed."""
        if self.failure is not None:
            return
        try:
            self._write_batch(batch, flush_file)
            if then is not None:
                then()
        except BaseException as err:
            self.failure = err
            self._free_reserve()
            raise

    def _write_batch(self, batch: dict, flush_file: bool) -> None:
        # the datasets stay open (self._datasets): a dataset closed after each write would flush
        # its chunk cache while it is freed, where a failure (a full disk) is only printed
        ds = self._datasets
        if "state" in batch:
            r0, n = batch["r0"], len(batch["time"])
            columns = [(ds[name], values) for name, values in batch["state"].items()]
            write_rows(columns + [(ds["ledger"], batch["ledger"])], r0, self._deflate)
            # /time last: a live reader that sees a record in /time finds it in /state too
            ds["time"].resize((r0 + n,))
            ds["time"][r0:] = batch["time"]
        for name in ("jobs", "events", "links"):
            if name in batch:
                append_rows(ds[name], batch[name])
        if flush_file:
            self.file.flush()

    def _free_reserve(self) -> None:
        self._reserve.unlink(missing_ok=True)

    # ------------------------------------------------------------------ closing
    def close(self, status: str, summary: dict | None = None, reason: str = "",
              ledger_total: np.ndarray | None = None) -> tuple[str, str]:
        """Flush, leave SWMR, then set ``status`` (with ``failure_reason`` when it is
        ``failed``) and write ``/summary``. A write that fails here, or failed before, makes the
        status ``failed``; returns the status and reason written. Never raises for a failed
        write: the caller reports it."""
        if self.file is None:
            return status, reason
        try:
            if status != "failed":
                self.flush(to_disk=True)
        except Exception:   # self.failure holds it
            pass
        finally:
            try:   # whatever is still queued: a failed writer skips it
                self._wait(0)
            except Exception:
                pass
            self._pool.shutdown(wait=True)
            self._free_reserve()
            self._datasets = {}
            try:
                self.file.close()
            except Exception as err:
                self.failure = self.failure or err
            self.file = None
        if self.failure is not None:
            status, reason = "failed", reason or failure_text(self.failure)
        try:
            with h5py.File(self.path, "r+", libver=FILE_FORMAT) as f:
                f.attrs["status"] = status
                if status == "failed":
                    f.attrs["failure_reason"] = reason
                elif "failure_reason" in f.attrs:
                    del f.attrs["failure_reason"]
                if status == "complete":
                    write_summary(f, summary or {})
                if status == "complete" and ledger_total is not None:
                    write_ledger_total(f, ledger_total)
        except Exception as err:
            if status != "failed":
                raise
            reason = f"{reason}; the status could not be written either ({failure_text(err)})"
        return status, reason


def failure_text(err: BaseException) -> str:
    """One line for a failed write: the OS's words for an OSError (``No space left on
    device``), HDF5's first line otherwise."""
    for cause in (err, *_causes(err)):
        code = getattr(cause, "errno", None) if isinstance(cause, OSError) else None
        found = re.search(r"errno = (\d+)", str(cause))   # HDF5 puts the OS's errno in its text
        code = code or (int(found.group(1)) if found else None)
        if code:
            return f"{os.strerror(code)} (errno {errno.errorcode.get(code, code)})"
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:300]}" if text else type(err).__name__


def _causes(err: BaseException):
    seen = err.__cause__ or err.__context__
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__
