"""numba's on-disk cache keyed on the sources it compiles.

numba keys a cached function on its own file only: an edit to a kernel it calls, or to a
constant it reads from ``twin/kernels/layout.py``, leaves the old machine code in use. twin
therefore points numba at ``$XDG_CACHE_HOME/twin/numba-<digest>`` (``~/.cache`` by default),
the digest of every module numba compiles (``twin/kernels``, ``twin/constants.py`` and any other
module with ``njit``): changed sources get a cache of their own. A ``NUMBA_CACHE_DIR`` set by the
user is left alone, as is numba's default when that folder cannot be written.

This module imports nothing from twin: the front door calls it before numba is first imported.
"""
import hashlib
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def compiled_sources(package: Path = PACKAGE) -> list[Path]:
    """The modules whose code numba compiles or whose constants it freezes into machine code."""
    return [path for path in sorted(package.rglob("*.py"))
            if path.parent.name == "kernels" or path.name == "constants.py"
            or "njit" in path.read_text(encoding="utf-8")]


def sources_digest(package: Path = PACKAGE) -> str:
    h = hashlib.sha256()
    for path in compiled_sources(package):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_dir(package: Path = PACKAGE) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "twin" / f"numba-{sources_digest(package)}"


def use_keyed_cache() -> None:
    """Set NUMBA_CACHE_DIR for this process and its children, unless the user has."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:   # read-only home: numba's own default (the package's __pycache__ or its fallback)
        return
    if os.access(folder, os.W_OK):
        os.environ["NUMBA_CACHE_DIR"] = str(folder)
