"""Which /state variables a run records: the schema's, less the extrema not asked for, the links'
in a run without links, and those ``output.variables`` leaves out (a large constellation's file
kept to what its analysis needs: docs/config.md)."""
from __future__ import annotations

from twin.config import ConfigError
from twin.output import schema


def state_variables(scenario) -> tuple:
    """The /state variables of ``scenario``'s run file (the extrema only where asked for, the
    links' only in a run with links, and only those ``output.variables`` names when it does)."""
    stats = tuple(stat for stat in schema.EXTREMA_STATS if stat in scenario.output.aggregate)
    links = scenario.links.topology != "none"
    chosen = check_variable_names(scenario)
    return tuple(v for v in schema.record_variables(stats) if (links or not v.links)
                 and (chosen is None or _base_name(v.name) in chosen))


def _base_name(name: str) -> str:
    for stat in schema.EXTREMA_STATS:
        if name.endswith(f"_{stat}") and name[:-len(stat) - 1] in schema.EXTREMA_NAMES:
            return name[:-len(stat) - 1]
    return name


def check_variable_names(scenario) -> frozenset | None:
    """``output.variables`` as a set (None: every variable); ConfigError naming the first name that
    is no /state variable of this run (a links variable in a run without links included)."""
    chosen = scenario.output.variables
    if chosen is None:
        return None
    links = scenario.links.topology != "none"
    known = [v.name for v in schema.STATE_VARIABLES if links or not v.links]
    for name in chosen:
        if name not in known:
            hint = " (recorded only in a run with links)" if name in schema.STATE_BY_NAME else ""
            raise ConfigError(f"output.variables: {name!r} is not a /state variable of this run{hint}; "
                              f"choose from {', '.join(known)}")
    return frozenset(chosen)
