"""numba's set-up for twin's kernels: an on-disk cache keyed on the sources it compiles, the
plain-Python switch, and passive OpenMP threads; none of it through ``os.environ`` for good.

numba keys a cached function on its own file only: an edit to a kernel it calls, or to a
constant it reads from ``twin/kernels/layout.py``, leaves the old machine code in use. twin
therefore points numba at ``$XDG_CACHE_HOME/twin/numba-<digest>`` (``~/.cache`` by default),
the digest of every module numba compiles (``twin/kernels``, ``twin/constants.py`` and any other
module with ``njit`` or ``@kernel``): changed sources get a cache of their own. A cache folder
the user chose (``NUMBA_CACHE_DIR``, or numba's ``.numba_config.yaml``) is left alone, as is
numba's default when the keyed folder cannot be written.

numba picks a function's cache folder, and whether to compile it at all, when ``@njit`` decorates
it, so :func:`configure_numba` runs when ``twin.kernels`` is first imported, before any kernel is
decorated; it sets ``numba.config`` (this process only: a Dask worker imports the kernels, and so
configures itself). :func:`start_threads` starts numba's thread pool with passive waiting.

This module imports nothing from twin.
"""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
DISABLE_JIT_VARIABLE = "TWIN_DISABLE_JIT"   # "1": every kernel runs as plain Python (debugging)

logger = logging.getLogger(__name__)
_configured = False
_threads_started = False


def compiled_sources(package: Path = PACKAGE) -> list[Path]:
    """The modules whose code numba compiles or whose constants it freezes into machine code."""
    return [path for path in sorted(package.rglob("*.py"))
            if path.parent.name == "kernels" or path.name == "constants.py"
            or any(word in path.read_text(encoding="utf-8") for word in ("njit", "@kernel"))]


def sources_digest(package: Path = PACKAGE) -> str:
    h = hashlib.sha256()
    for path in compiled_sources(package):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_dir(package: Path = PACKAGE) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "twin" / f"numba-{sources_digest(package)}"


def keyed_cache_dir() -> Path | None:
    """The keyed cache folder, made if need be; None when it cannot be written (a read-only home)."""
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def configure_numba() -> None:
    """Point numba's cache at the keyed folder (unless the user chose one) and honour
    ``TWIN_DISABLE_JIT=1``; once per process, before the first kernel is decorated."""
    global _configured
    if _configured:
        return
    _configured = True
    from numba.core import config

    if os.environ.get(DISABLE_JIT_VARIABLE) == "1":
        config.DISABLE_JIT = 1
    if config.CACHE_DIR:   # NUMBA_CACHE_DIR or numba's config file: the user's choice
        logger.debug("numba cache: %s (the user's)", config.CACHE_DIR)
        return
    folder = keyed_cache_dir()
    if folder is None:
        logger.debug("numba cache: numba's default (%s cannot be written)", cache_dir())
        return
    # numba re-reads its environment before each compilation but keeps this value unless a
    # NUMBA_* variable changed; the folder of a kernel is fixed when it is decorated anyway.
    config.CACHE_DIR = str(folder)
    logger.debug("numba cache: %s", folder)


def start_threads() -> None:
    """Start numba's thread pool, its OpenMP threads waiting passively unless the user set
    ``OMP_WAIT_POLICY``: spinning threads take cores from the engine's other threads (the orbit
    feed, the HDF5 writer) on a small machine (benchmarks/RESULTS.md), and waiting passively costs
    nothing measurable otherwise. The OpenMP runtime reads the variable once, when numba loads it
    here; it is set only meanwhile, so the environment is left as it was."""
    global _threads_started
    if _threads_started:
        return
    import numba

    unset = "OMP_WAIT_POLICY" not in os.environ
    if unset:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        numba.get_num_threads()   # loads the threading layer and starts its pool
    finally:
        if unset:
            os.environ.pop("OMP_WAIT_POLICY", None)
    _threads_started = True
    logger.debug("numba threads: %d, threading layer %s", numba.get_num_threads(), _threading_layer())


def _threading_layer() -> str:
    import numba

    try:
        return numba.threading_layer()
    except ValueError:   # no parallel kernel has run yet on some numba versions
        return "not yet chosen"


def will_compile(dispatcher) -> bool | None:
    """Whether calling the numba ``dispatcher`` the first time compiles it (True), loads it
    from the cache or runs it as it is (False); None when this numba does not say."""
    try:
        if not hasattr(dispatcher, "signatures"):   # plain Python (TWIN_DISABLE_JIT=1)
            return False
        if dispatcher.signatures:                   # compiled or loaded in this process
            return False
        cache = dispatcher._cache                   # numba's FunctionCache (internal)
        index = Path(cache._cache_file._index_path)
    except AttributeError:
        return None
    # a stale index (other source) compiles too; cheap to miss, and the phase is labelled anyway
    return not index.is_file()
