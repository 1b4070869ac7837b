"""``twin cost RUN.h5 [--set economics.KEY=VALUE ...]``: the economics of a finished run recomputed
from its file (its resolved config and /summary) with other economics inputs; nothing is
simulated, so it takes seconds. Only ``economics.*`` keys may change: everything else shaped the
simulated physics, which is in the file as it was run (``twin run --from RUN.h5 --set ...`` runs it
again)."""
from __future__ import annotations

from pathlib import Path

from twin.errors import InputError

ALLOWED_PREFIX = "economics."


def recost(run_path, overrides=()) -> dict:
    """The /summary cost keys of the run at ``run_path`` with ``overrides`` (``economics.KEY=VALUE``)."""
    from twin.config import load_config_text
    from twin.economics.cost import cost_of_run
    from twin.output.reader import open_h5, read_summary

    for item in overrides:
        if not item.startswith(ALLOWED_PREFIX):
            raise InputError(f"--set {item!r}: twin cost changes only economics.* keys (the run's physics is "
                             f"in its file; run it again with twin run --from {run_path} to change the rest)")
    with open_h5(run_path) as f:
        text = f.attrs["config_yaml"]
        text = text.decode() if isinstance(text, bytes) else text
        summary = read_summary(f)
    if "delivered_accel_h" not in summary:
        raise InputError(f"{run_path}: no /summary ledger (an unfinished run, or one written before schema 2)")
    text = _without_preset_blocks(text, overrides)
    scenario = load_config_text(text, Path(run_path).resolve().parent, f"{run_path}:config_yaml", list(overrides))
    costs = cost_of_run(scenario, summary)
    costs.update(solar_against_ground(scenario, summary, costs))
    return costs


def solar_against_ground(scenario, summary: dict, costs: dict) -> dict:
    """The run's array yield per m^2 and per kg beside a ground array's on the typical
    meteorological year pvlib ships (twin/economics/ground.py): the seed's "five times" test."""
    from twin.economics.ground import orbit_vs_ground

    area_m2 = scenario.spacecraft.solar_array.area_m2
    kg_per_m2 = costs["mass_solar_array_kg_per_satellite"] / area_m2
    compared = orbit_vs_ground(costs["orbit_solar_kwh_per_m2_year"] * 1000.0, kg_per_m2,
                               orbit_sunlit_fraction=summary.get("sunlit_fraction_mean"))
    return {f"solar_{key}": value for key, value in compared.items() if isinstance(value, (int, float))}


def _without_preset_blocks(text: str, overrides) -> str:
    """The run's resolved config spells out every value of a preset block (``economics.launch``,
    ``economics.mass``); a ``--set economics.BLOCK.preset=NAME`` starts that block afresh, so that
    the new preset's values are not overridden by the old ones (other ``--set`` keys still apply)."""
    import yaml

    blocks = [item.split("=", 1)[0].rsplit(".", 1)[0] for item in overrides
              if item.split("=", 1)[0].endswith(".preset")]
    if not blocks:
        return text
    data = yaml.safe_load(text)
    for dotted in blocks:
        node = data
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node[last] = {}
    return yaml.safe_dump(data, sort_keys=False)
