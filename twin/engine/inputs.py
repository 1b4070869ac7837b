"""Every input a run reads, read and checked before any output is made (``twin run``, ``twin
run --resume``, ``twin validate``): the constellation (TLE files, designed shells) screened for
satellites SGP4 can carry through the run, and a trace workload's file. Presets are merged and
the config's fields checked when it is loaded (:mod:`twin.config`)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from twin.config import ConfigError
from twin.links.budget import rate_range_product
from twin.links.network import build_network
from twin.orbits.constellation import build_constellation
from twin.orbits import screen_for_run
from twin.output.variables import check_variable_names

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunInputs:
    sats: object            # twin.orbits.SatelliteSet, screened
    trace: object = None    # twin.ops.trace.TraceJobs of a trace workload, else None
    links: object = None    # twin.links.network.LinkNetwork, if the run has inter-satellite links
    requests: object = None  # twin.ops.requests.RequestTrace of an inference request trace, else None


def read_inputs(scenario, satellites=None, log=None) -> RunInputs:
    """Build and screen the constellation (or ``satellites``, e.g. one shard of it) and read a
    trace workload's file; ConfigError, TLEError or TraceError (one line each) if any is unusable.
    Satellites left out are a warning to this module's logger, or to ``log`` (a callable) if given."""
    sim = scenario.simulation
    check_variable_names(scenario)
    if satellites is None:
        satellites = build_constellation(scenario.constellation, sim.epoch_utc, sim.seed)
    sats = screen_for_run(satellites, sim.epoch_utc, sim.duration_s)
    if len(sats) == 0:
        first = f"; e.g. {sats.skipped[0][0]}: {sats.skipped[0][1]}" if sats.skipped else ""
        raise ConfigError(f"constellation: no satellite can be propagated through the run "
                          f"({len(sats.skipped)} skipped by SGP4{first}); choose an epoch_utc near "
                          f"the TLEs' epochs or other TLEs")
    if sats.skipped:
        names = ", ".join(n for n, _ in sats.skipped[:10])
        more = f" and {len(sats.skipped) - 10} more" if len(sats.skipped) > 10 else ""
        (log or logger.warning)(f"skipped {len(sats.skipped)} TLE(s): {names}{more} "
                                f"(reasons in the run file's skipped_tles)")
    trace = None
    if scenario.workload.kind == "trace":
        from twin.ops.trace import load_trace

        trace = load_trace(scenario.workload.mapping)
    links = None
    if scenario.links.topology != "none":
        try:
            rate_range_product(scenario.links.terminal)
        except ValueError as err:
            raise ConfigError(f"links.terminal: {err}") from None
        try:
            links = build_network(scenario, sats)
        except ValueError as err:
            raise ConfigError(f"links.topology: {err}") from None
    return RunInputs(sats, trace, links, _inference_inputs(scenario, len(sats)))


def _inference_inputs(scenario, n_sats: int):
    """Check that the initial inference replicas fit and read a request trace (None if none)."""
    inf = scenario.inference
    if inf is None:
        return None
    from twin.ops.inference import replicas_fit

    fit = replicas_fit(inf, n_sats, scenario.spacecraft.accelerator.count)
    if inf.replicas > fit:
        raise ConfigError(f"inference.replicas ({inf.replicas}) x accelerators_per_replica "
                          f"({inf.accelerators_per_replica}) do not fit on the constellation's {n_sats} satellites "
                          f"({fit} replicas fit)")
    if inf.arrivals.kind != "trace":
        return None
    from twin.ops.requests import load_request_trace

    return load_request_trace(inf.arrivals)
