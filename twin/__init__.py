"""twin: a time-stepped digital twin of satellite constellations that carry AI data centres.

The Python API (docs/api.md)::

    import twin

    scenario = twin.load_config("configs/default.yaml", ["simulation.duration_s=86400"])
    with twin.run(scenario) as run:           # a temporary run file: run.path
        run.state.soc.mean("sat").plot()      # xarray.Dataset (time, sat), read lazily
        run.jobs, run.events, run.summary     # pandas DataFrames, a dict

- :func:`load_config` reads a YAML scenario into a validated, frozen :class:`Scenario`;
  :class:`Scenario` and its sections (:class:`Simulation`, :class:`WalkerShell`,
  :class:`Spacecraft`, :class:`Economics`, ...) are the config's pydantic models, to build or
  change a scenario in Python (``scenario.model_copy(update=...)``).
- :func:`run` simulates a scenario (a :class:`Scenario`, a YAML path or a dict) to a run file
  and returns it opened; :func:`open_run` opens an existing one.
- Messages go through :mod:`logging`, under the ``twin`` logger (which has only a
  ``NullHandler``): ``logging.basicConfig(level=logging.INFO)`` shows them.

Importing twin changes nothing in the process (environment, warnings filters, logging handlers)
and loads no simulator module: the names above are imported when first used.

``TWIN_DISABLE_JIT=1`` in the environment runs every numba kernel as plain Python (for stepping
through a kernel in a debugger); it is read when the kernels are first imported.
"""
import logging as _logging

from twin.version import __version__

_logging.getLogger(__name__).addHandler(_logging.NullHandler())

# name -> module that defines it, imported on first use (PEP 562) so that ``import twin`` stays light
_CONFIG_NAMES = (
    "Scenario", "Simulation", "Shell", "TleShell", "WalkerShell", "SsoShell", "ClusterShell",
    "Spacecraft", "SolarArray", "Battery", "Accelerator", "Radiator", "Thermal", "Communication",
    "Workload", "PoissonWorkload", "TraceWorkload", "TraceMapping", "Scheduler", "Faults", "Outage",
    "Links", "LinkTerminal", "Output", "Economics", "Launch", "Mass", "Ground", "ConfigError",
    "Inference", "PoissonRequests", "TraceRequests", "Autoscale",
)
_LAZY = {**{name: "twin.config" for name in _CONFIG_NAMES},
         "Run": "twin.output.run", "InputError": "twin.errors"}

__all__ = ["__version__", "load_config", "run", "open_run", "examples_dir", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'twin' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


def load_config(path, overrides=()):
    """Read a YAML scenario into a validated, frozen :class:`Scenario`.

    ``overrides``: ``"dotted.key=value"`` strings, as ``twin run --set`` takes. Raises
    :class:`ConfigError` (one line per problem, naming the field) for a bad config."""
    from twin.config import load_config as _load

    return _load(path, overrides)


def run(scenario, out_path=None, *, force: bool = False, progress: bool = True):
    """Simulate ``scenario`` to a run file and return the file opened (:func:`open_run`).

    Parameters
    ----------
    scenario : Scenario, str, os.PathLike or dict
        a scenario, the path of a YAML config, or a config as a dict (relative file names in
        it are taken from the current folder)
    out_path : str or os.PathLike, optional
        the run file; without one, ``run.h5`` in a new temporary folder (``twin-*`` under
        :func:`tempfile.gettempdir`), which the caller owns: delete it when done
        (``shutil.rmtree(run.path.parent)``)
    force : bool
        replace an existing ``out_path``
    progress : bool
        a progress bar on a terminal or in Jupyter (with ipywidgets), log lines otherwise

    Returns
    -------
    Run
        the run file opened for analysis; close it (or use ``with``)

    Raises
    ------
    InputError
        bad input: a config, TLE or trace problem, an existing ``out_path`` without ``force``
    KeyboardInterrupt
        the run was interrupted (Ctrl-C, SIGTERM): it stopped at a record boundary with a
        checkpoint, from which ``twin run --resume OUT_PATH`` continues it
    """
    from pathlib import Path

    from twin.engine.simulation import run as _run

    scenario = _scenario(scenario)
    if out_path is None:
        import tempfile

        out_path = Path(tempfile.mkdtemp(prefix="twin-")) / "run.h5"
    summary = _run(scenario, out_path, force=force, progress=progress)
    if summary is None:
        raise KeyboardInterrupt(f"{out_path}: interrupted with a checkpoint; resume with: "
                                f"twin run --resume {out_path}")
    return open_run(out_path)


def _scenario(scenario):
    """A Scenario from a Scenario, a YAML path or a config dict."""
    import os
    from pathlib import Path

    from twin.config import Scenario, load_config as _load, scenario_from_dict

    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, os.PathLike)):
        return _load(scenario)
    if isinstance(scenario, dict):
        import copy

        return scenario_from_dict(copy.deepcopy(scenario), Path.cwd(), "scenario dict")
    raise TypeError(f"twin.run: scenario is a {type(scenario).__name__}; expected a twin.Scenario, "
                    f"a YAML path or a dict")


def open_run(path):
    """Open a run file for analysis: a :class:`Run` with ``.state`` (an ``xarray.Dataset`` on
    ``time`` and ``sat``, read lazily), ``.jobs``, ``.events``, ``.links`` (pandas DataFrames),
    ``.summary`` (a dict); close it or use ``with`` (docs/api.md, docs/schema.md)."""
    from twin.output.run import open_run as _open

    return _open(path)


def examples_dir():
    """The folder of the example scenarios twin ships (``twin examples`` lists them), with their
    presets and data: ``twin.load_config(twin.examples_dir() / "default.yaml")``."""
    from twin.config.resources import shipped_dir

    return shipped_dir()
