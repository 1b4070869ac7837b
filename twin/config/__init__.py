"""Configs: YAML scenario -> validated, frozen :class:`Scenario`.

``sections``       the pydantic models of every section, down to :class:`Scenario`
``thermal``        the radiator (coating, orientation, fin) and thermal nodes (conductance models)
``limits``         the range of every quantity, each bound with its reason
``trace_mapping``  the column mapping of a job-trace CSV
``inference``      the inference service (requests, batches, replicas, latency objective)
``load``           the one loader: YAML reading, dotted overrides, presets, error lines
``keys``           dotted keys checked against the models (sweeps)
``doc``            renders docs/config.md from the models

A new spacecraft parameter goes in ``sections`` (with its bound in ``limits``); its kernel
parameter is wired in :mod:`twin.engine.nodes`.
"""
from twin.config.load import (REPO_PRESETS, ConfigError, apply_overrides, format_validation_error,  # noqa: F401
                              load_config, load_config_text, read_yaml, scenario_from_dict, set_dotted)
from twin.config.sections import (  # noqa: F401
                                  Section, Simulation, TleShell, WalkerShell, SsoShell, ClusterShell, Shell, SolarArray,
                                  Battery, Accelerator, Radiator, Thermal, Spacecraft, PoissonWorkload, TraceWorkload,
                                  Workload, Communication, Scheduler, Outage, Faults, Links, Output, Scenario,
                                  PRESET_KINDS, yaml_sha256)
from twin.config.economics import Economics, Ground, Launch, Mass  # noqa: F401
from twin.config.radiation import Radiation  # noqa: F401
from twin.config.terminal import LinkTerminal  # noqa: F401
from twin.config.thermal import BypassLoop, RadiatorFin, Vchp  # noqa: F401
from twin.config.trace_mapping import TraceMapping  # noqa: F401
from twin.config.inference import Autoscale, Inference, PoissonRequests, TraceRequests  # noqa: F401
