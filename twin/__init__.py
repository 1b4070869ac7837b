"""twin: a time-stepped digital twin of satellite constellations that carry AI data centres.

Public API: :func:`load_config`, :func:`run`, :func:`open_run`.

Set ``TWIN_DISABLE_JIT=1`` to run every numba kernel as plain Python (for stepping through
a kernel in a debugger); it maps onto numba's ``NUMBA_DISABLE_JIT`` and must be set before
twin is first imported.
"""
import os as _os

if _os.environ.get("TWIN_DISABLE_JIT") == "1":
    _os.environ["NUMBA_DISABLE_JIT"] = "1"
# numba's OpenMP threads spin while they wait, taking cores from the engine's other threads
# (the orbit feed, the HDF5 writer) on a small machine (benchmarks/RESULTS.md); waiting passively
# costs nothing measurable otherwise.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from twin.numba_cache import use_keyed_cache as _use_keyed_cache  # noqa: E402

_use_keyed_cache()   # before numba is imported: kernels compiled from other sources are not reused

from twin.version import __version__  # noqa: E402 (after the environment set-up above)


def load_config(path, overrides=()):
    """Read a YAML scenario into a validated, frozen :class:`twin.config.Scenario`."""
    from twin.config import load_config as _load

    return _load(path, overrides)


def run(scenario, out_path, force=False, progress=False):
    """Run a scenario to an HDF5 run file; returns the summary dict."""
    from twin.engine.simulation import run as _run

    return _run(scenario, out_path, force=force, progress=progress)


def open_run(path):
    """Open a run file as an ``xarray.Dataset`` (see docs/schema.md)."""
    from twin.output.reader import open_run as _open

    return _open(path)
