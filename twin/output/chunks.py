"""Rows of the run file's chunked variables written a whole chunk at a time, compressed in
parallel: HDF5 compresses a dataset's chunks one after the other in the thread that writes
them, so with gzip (``output.compression`` 1-9) the writer thread alone was the slower half of
a run. Here each whole chunk of a batch is shuffled and deflated by a small pool of threads
(zlib releases the GIL) and stored with HDF5's direct chunk write (``H5Dwrite_chunk``).

The file is the same: the dataset declares the shuffle and deflate filters as before, and a
chunk written here is exactly what those filters decode — HDF5's shuffle (the bytes of the
elements regrouped by significance: byte 0 of every element, then byte 1 …) followed by a zlib
stream — so h5py, netCDF-C and h5dump read it as any other. An edge chunk (the last, partial
chunk of a batch) is stored at full chunk size, padded with the dataset's fill value beyond the
data, as HDF5 stores it; the dataset's extent is what limits reads. A batch that starts inside
a chunk (after a checkpoint or a resume that ended mid-chunk) writes that partial chunk through
h5py (HDF5 reads the stored chunk back, merges and recompresses it); the whole chunks after it
are written directly. LZF, no compression, and anything but the datasets' record-major layout
take h5py's path throughout.
"""
from __future__ import annotations

import os
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

DIRECT = True   # False: every chunk through h5py's own filter pipeline (the comparison in tests/benchmarks)
try:   # ISA-L's deflate (the isal dependency): the same zlib stream at level 1, ~6x faster than zlib's;
    # zlib where it cannot be imported
    from isal import isal_zlib
except ImportError:
    isal_zlib = None
WORKERS = max(2, min(4, os.cpu_count() or 1))
_pool: tuple | None = None   # (the process id, its pool): a forked child starts its own


def direct_level(compression) -> int | None:
    """The gzip level whose chunks this module compresses for ``output.compression``, or None
    (LZF, none, or the direct path switched off: h5py compresses)."""
    if DIRECT and isinstance(compression, int) and not isinstance(compression, bool) and 1 <= compression <= 9:
        return compression
    return None


def padded(values: np.ndarray, chunk_shape: tuple, fill=0) -> np.ndarray:
    """``values`` as one C-contiguous chunk of ``chunk_shape``: the data at the chunk's origin,
    the fill value beyond it (an edge chunk)."""
    if values.shape == tuple(chunk_shape):
        return np.ascontiguousarray(values)
    out = np.full(chunk_shape, fill, dtype=values.dtype)
    out[tuple(slice(0, n) for n in values.shape)] = values
    return out


def shuffle(chunk: np.ndarray) -> np.ndarray:
    """HDF5's shuffle filter: the chunk's bytes viewed as (elements, itemsize), transposed, so
    that the first bytes of all elements come first (1-byte types and single elements as they are)."""
    raw = np.ascontiguousarray(chunk).reshape(-1).view(np.uint8)
    size = chunk.dtype.itemsize
    if size == 1 or chunk.size <= 1:
        return raw
    return np.ascontiguousarray(raw.reshape(-1, size).T).reshape(-1)


def deflate_chunk(values: np.ndarray, chunk_shape: tuple, level: int, fill=0) -> bytes:
    """One chunk as a dataset with the shuffle and deflate (gzip ``level``) filters stores it
    (level 1 by ISA-L where it is installed: a stream every inflate reads, often a little smaller)."""
    compress = isal_zlib.compress if level == 1 and isal_zlib is not None else zlib.compress
    return compress(shuffle(padded(values, chunk_shape, fill)), level)


def _executor() -> ThreadPoolExecutor:
    """The process's compression threads (shared by every writer, started at first use)."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (os.getpid(), ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="twin-deflate"))
    return _pool[1]


def _direct(d, values: np.ndarray) -> bool:
    """Whether ``d`` takes chunks compressed here: shuffle then gzip and no other filter, chunks
    spanning every dimension but the first (whole records)."""
    return (d.compression == "gzip" and d.shuffle and not d.fletcher32 and d.scaleoffset is None
            and d.chunks is not None and tuple(d.chunks[1:]) == values.shape[1:] == d.shape[1:])


def write_rows(columns: list, r0: int, level: int | None) -> None:
    """Write ``values`` at rows ``r0``… of each ``(dataset, values)`` of ``columns`` (grown to
    hold them), in order. With a gzip ``level`` the whole chunks (and the edge chunk at the end)
    are compressed in parallel and written directly; without, h5py writes every row."""
    jobs = []   # per column: the dataset, values, the rows h5py writes, then (row, future) per direct chunk
    pool = _executor() if level is not None else None
    try:
        for d, values in columns:
            n = len(values)
            chunk_rows = d.chunks[0] if d.chunks else n
            if level is None or not n or not _direct(d, values):
                jobs.append((d, values, n, []))
                continue
            head = min(n, -r0 % chunk_rows)   # rows up to the next chunk boundary: h5py merges them
            fill = d.fillvalue
            futures = [(r0 + i, pool.submit(deflate_chunk, values[i:i + chunk_rows], d.chunks, level, fill))
                       for i in range(head, n, chunk_rows)]
            jobs.append((d, values, head, futures))
        for d, values, head, futures in jobs:
            d.resize((r0 + len(values),) + d.shape[1:])
            if head:
                d[r0:r0 + head] = values[:head]
            for row, future in futures:
                d.id.write_direct_chunk((row,) + (0,) * (d.ndim - 1), future.result(), filter_mask=0)
    finally:   # a failed write: what has not started is dropped
        for *_, futures in jobs:
            for _, future in futures:
                future.cancel()
