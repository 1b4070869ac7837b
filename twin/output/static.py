"""The parts of a run file written once, not streamed: attributes (CF and twin's), the
compression options, ``/summary`` and ``/ledger_total`` (docs/schema.md)."""
from __future__ import annotations

import platform
from pathlib import Path

import h5py
import numpy as np

from twin.kernels import layout as L
from twin.output import cf, schema


def library_versions() -> dict:
    import numba
    import sgp4
    import simpy
    import skyfield

    from twin.version import __version__
    return {"twin_version": __version__, "skyfield_version": skyfield.__version__,
            "sgp4_version": sgp4.__version__, "numba_version": numba.__version__,
            "h5py_version": h5py.__version__, "numpy_version": np.__version__,
            "simpy_version": simpy.__version__, "python_version": platform.python_version()}


def write_ledger_total(f: h5py.File, total: np.ndarray) -> None:
    """``/ledger_total`` (sat, cause) [accelerator-s] of a completed run."""
    d = f.create_dataset(schema.LEDGER_TOTAL, data=np.asarray(total, dtype=np.float64))
    d.attrs.update({"units": "s", "long_name": "accelerator-seconds of each satellite in each cause of the ledger, over "
                                        "the run", "coordinates": " ".join(schema.SAT_COORDS)})
    d.dims[0].attach_scale(f[schema.SAT])
    d.dims[1].attach_scale(f[schema.CAUSE])


def write_sat_variables(f: h5py.File, values: dict) -> None:
    """The data variables on ``sat`` alone (``schema.SAT_VARIABLES``): ``values`` by name, (sat,)."""
    for name, data in values.items():
        unit, long_name = schema.SAT_VARIABLES[name]
        d = f.create_dataset(name, data=np.asarray(data, dtype=np.float64))
        d.attrs.update({"long_name": long_name, "coordinates": " ".join(schema.SAT_COORDS), **cf.unit_attrs(unit)})
        d.dims[0].attach_scale(f[schema.SAT])


def write_summary(f: h5py.File, summary: dict) -> None:
    """``/summary``: one scalar variable per key, with its units (``schema.unit_of``)."""
    g = f[schema.SUMMARY]
    for key, value in summary.items():
        if isinstance(value, str):
            d = g.create_dataset(key, data=value, dtype=h5py.string_dtype())
        else:
            d = g.create_dataset(key, data=value)
            d.attrs.update(cf.unit_attrs(schema.unit_of(key)))


def variable_attrs(var, coordinates: str) -> dict:
    """The attributes of /state variable ``var``: CF units, cell methods and flags, twin's ``kind``."""
    stat = var.name.rsplit("_", 1)[-1] if var.source.read == "acc" else ""
    out = {"long_name": var.long_name, "kind": var.kind, "cell_methods": cf.cell_methods(var.kind, stat),
           "coordinates": coordinates, **cf.unit_attrs(var.units)}
    if var.source.read == "mode":
        out.update(cf.flag_attrs(L.MODE_NAMES, var.dtype))
    return out


def compression_options(compression) -> dict:
    """h5py's filter options for ``output.compression``."""
    if compression == "lzf":
        return {"compression": "lzf", "shuffle": True}
    if compression:
        return {"compression": "gzip", "compression_opts": compression, "shuffle": True}
    return {}


def command_line() -> str:
    """What made the file, for the CF ``history``: the twin command line, or the Python API."""
    import shlex
    import sys

    if Path(sys.argv[0]).name == "twin":
        return shlex.join(["twin", *sys.argv[1:]])
    return "twin.run (Python API)"
