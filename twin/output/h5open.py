"""Opening HDF5 files for single-writer-multiple-reader (SWMR) reading with a bound on HDF5's
metadata retries, so that a damaged file fails in milliseconds instead of hanging: the one open
that every reader of run files uses for a file a writer may hold (:mod:`twin.output.reader`, the
resume's copy in :mod:`twin.output.hdf5`, the sweep planner)."""
from __future__ import annotations

import ctypes
import os
import re
import sys
import warnings
from pathlib import Path

import h5py

# A SWMR reader retries a metadata read whose checksum fails (its writer may be halfway through
# writing that block), sleeping 1, 2, 4, ... ns in between: n attempts wait about 2**n ns in all.
# HDF5's default of 100 attempts turns one damaged block into a wait of days. 20 attempts wait
# about 1 ms; a writer's torn write lasts microseconds, and open_h5 retries the whole open a few
# times over a fraction of a second when the file changes under it. h5py has no setting for this, so
# H5Pset_metadata_read_attempts is called on the libhdf5 that h5py itself uses.
SWMR_READ_ATTEMPTS = 20

_hdf5 = []     # [ctypes.CDLL or None], looked for once
_warned = []   # [True] once the warning that retries cannot be bounded was given
try:   # h5py takes this lock around every call into HDF5 (not built thread-safe); so do we
    from h5py._objects import phil as _hdf5_lock
except ImportError:   # pragma: no cover - a private name of h5py, may be missing
    import threading
    _hdf5_lock = threading.RLock()


def _hdf5_candidates() -> list[str]:
    """Paths of the libhdf5 the process may use, most likely first: those already loaded
    (Linux: /proc/self/maps; macOS: dyld's image list), then the ones beside h5py (wheels)."""
    found = []
    try:
        with open("/proc/self/maps") as maps:
            found += [line.split(None, 5)[5].strip() for line in maps if line.count(" ") >= 5
                      and "hdf5" in line]
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            libc = ctypes.CDLL(None)
            libc._dyld_get_image_name.restype = ctypes.c_char_p
            found += [libc._dyld_get_image_name(i).decode()
                      for i in range(libc._dyld_image_count())]
        except (OSError, AttributeError):
            pass
    h5py_dir = Path(h5py.__file__).parent
    for folder in (h5py_dir.parent / "h5py.libs", h5py_dir / ".dylibs", h5py_dir):
        if folder.is_dir():
            found += sorted(str(p) for p in folder.iterdir())
    paths = []
    for path in found:   # libhdf5-1a2b3c4d.so.320, libhdf5_serial.so.103, libhdf5.310.dylib, hdf5.dll
        base = os.path.basename(path).lower()
        if (base.startswith(("libhdf5", "hdf5")) and re.search(r"\.(so|dylib|dll)\b", base)
                and not re.search(r"hl|cpp|fortran|tools", base) and path not in paths
                and os.path.isfile(path)):
            paths.append(path)
    return paths


def _same_hdf5(lib) -> bool:
    """Whether ``lib`` is the very library instance h5py calls (not another copy in the
    process, e.g. netCDF4's): a property set through it must show through h5py."""
    probe = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    lib.H5Iis_valid.argtypes = [ctypes.c_int64]
    lib.H5Pset_fclose_degree.argtypes = [ctypes.c_int64, ctypes.c_int]
    lib.H5Pset_metadata_read_attempts.argtypes = [ctypes.c_int64, ctypes.c_uint]
    if lib.H5Iis_valid(probe.id) <= 0:
        return False
    want = h5py.h5f.CLOSE_SEMI if probe.get_fclose_degree() != h5py.h5f.CLOSE_SEMI else h5py.h5f.CLOSE_STRONG
    return lib.H5Pset_fclose_degree(probe.id, want) >= 0 and probe.get_fclose_degree() == want


def find_hdf5():
    """h5py's libhdf5 through ctypes, or None (then SWMR opens keep HDF5's unbounded retries,
    and _open_file opens in SWMR mode only what plain mode could open or a writer holds)."""
    with _hdf5_lock:
        if not _hdf5:
            lib = None
            for path in _hdf5_candidates():
                try:
                    candidate = ctypes.CDLL(path)
                    if _same_hdf5(candidate):
                        lib = candidate
                        break
                except (OSError, AttributeError):   # not loadable, or no such function
                    continue
            _hdf5.append(lib)
        return _hdf5[0]


def _swmr_fapl():
    """A file access property list for SWMR reads with bounded metadata retries, or None."""
    lib = find_hdf5()
    if lib is None:
        return None
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)   # as libver="latest"
    with _hdf5_lock:
        if lib.H5Pset_metadata_read_attempts(fapl.id, SWMR_READ_ATTEMPTS) < 0:
            return None
    return fapl


def open_swmr(path) -> h5py.File:
    """``h5py.File(path, "r", libver="latest", swmr=True)``, but its metadata reads give up
    after SWMR_READ_ATTEMPTS, so that a damaged file raises (OSError, RuntimeError, KeyError)
    instead of hanging. Without the library (see find_hdf5): HDF5's retries, and a warning."""
    fapl = _swmr_fapl()
    if fapl is None:
        _warn_unbounded()
        return h5py.File(path, "r", libver="latest", swmr=True)
    fid = h5py.h5f.open(os.fsencode(path), h5py.h5f.ACC_RDONLY | h5py.h5f.ACC_SWMR_READ, fapl=fapl)
    return h5py.File(fid)


def _warn_unbounded() -> None:
    if not _warned:
        _warned.append(True)
        warnings.warn("twin: cannot bound HDF5's SWMR read retries (h5py's libhdf5 not found through "
                      "ctypes): reading a damaged run file may hang", RuntimeWarning, stacklevel=3)
