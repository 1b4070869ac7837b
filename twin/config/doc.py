"""Renders docs/config.md from the config models, so the documentation cannot drift from the code.

``python -m twin.config.doc > docs/config.md``; a test checks the file is up to date.
"""
from __future__ import annotations

import types
import typing

from pydantic import BaseModel

from twin import config as C
from twin.config.environment import Earth
from twin.config.inference import Autoscale, Inference, PoissonRequests, TraceRequests
from twin.config.radiation import Radiation
from twin.config.keys import strip_annotation

INTRO = """# twin configuration reference

Generated from `twin/config/` by `python -m twin.config.doc > docs/config.md` (a test keeps it in
step). Units are in the key names (`_s` seconds, `_km`, `_m2`, `_w` watts, `_wh` watt-hours,
`_k` kelvin, `_deg`, `_h` hours, `_per_h` per hour) or in brackets; `[1]` means dimensionless.
Unknown keys are errors. Only `simulation` and `constellation` are required.

`twin run CONFIG --set a.b.c=VALUE` overrides any key (list items by index:
`constellation.0.altitude_km=600`). Inside `spacecraft`, the blocks `solar_array`, `battery`,
`radiator` and `accelerator`, `links.terminal`, `economics.launch` and `economics.mass` accept
`preset: NAME`, which loads `configs/presets/<solar|battery|radiator|accelerator|link|launch|mass>/NAME.yaml`;
keys given beside it win. `spacecraft.radiator.coating: NAME` loads the coating's keys from
`configs/presets/coating/NAME.yaml` the same way (over the radiator preset's, under the block's own).
So do `spacecraft.solar_array.front_coating` and `.back_coating` (`configs/presets/array_coating/NAME.yaml`).
"""


def _strip_annotated(annotation):
    return strip_annotation(annotation, optional=False)


def _type_name(annotation) -> str:
    ann = _strip_annotated(annotation)
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is typing.Literal:
        return " or ".join(repr(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args)
    if origin in (list, tuple):
        return f"{origin.__name__} of {_type_name(args[0])}"
    if origin is dict:
        return "mapping"
    if ann is type(None):
        return "null"
    return getattr(ann, "__name__", str(ann))


def _constraints(field) -> str:
    symbols = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤"}
    out = []
    metas = list(field.metadata) + [m for a in typing.get_args(field.annotation) for m in getattr(a, "__metadata__", ())]
    if typing.get_origin(field.annotation) in (typing.Union, types.UnionType):   # a member's own Field's bounds
        metas += [m for meta in metas for m in getattr(meta, "metadata", ())]
    for meta in metas:
        for key, sym in symbols.items():
            if getattr(meta, key, None) is not None:
                out.append(f"{sym} {_number(getattr(meta, key))}")
    return ", ".join(out)


def _number(value) -> str:
    """A bound as people write it: 3.15576e+09, not 3155760000.0."""
    return f"{value:,}" if isinstance(value, int) and abs(value) < 10**7 else f"{value:g}"


def _own_first(model: type[BaseModel]):
    """The model's fields, those it declares itself before those it inherits (a section built on
    a block of fields of its own module, as Battery on BatteryAgeing, reads in its own order)."""
    own = model.__dict__.get("__annotations__", {})
    fields = model.model_fields
    return [(n, fields[n]) for n in fields if n in own] + [(n, fields[n]) for n in fields if n not in own]


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    for name, field in _own_first(model):
        ann = _strip_annotated(field.annotation)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            continue
        default = "required" if field.is_required() else f"`{field.default!r}`"
        constraints = _constraints(field)
        desc = field.description or ""
        rows.append(f"| `{prefix}{name}` | {_type_name(field.annotation)} | {constraints} | {default} | {desc} |")
    return rows


def _section(title: str, model: type[BaseModel], prefix: str, note: str = "") -> list[str]:
    out = [f"\n## {title}\n"]
    if note:
        out.append(note + "\n")
    out += ["| key | type | range | default | meaning |", "|---|---|---|---|---|"] + _rows(model, prefix)
    for name, field in model.model_fields.items():
        ann = strip_annotation(field.annotation)   # a block, or an optional one (``fin: null``)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += _section(f"{prefix}{name}", ann, f"{prefix}{name}.")[0:]
    return out


def render() -> str:
    parts = [INTRO]
    parts += _section("simulation", C.Simulation, "simulation.")
    note = "A list; each item is one shell, chosen by `kind`."
    parts += [f"\n## constellation\n\n{note}"]
    for model in (C.TleShell, C.WalkerShell, C.SsoShell, C.ClusterShell):
        parts += _section(f"constellation item, kind `{model.model_fields['kind'].annotation.__args__[0]}`",
                          model, "")
    parts += _section("spacecraft", C.Spacecraft, "spacecraft.")
    parts += _section("workload, kind `poisson` (default)", C.PoissonWorkload, "workload.")
    parts += _section("workload, kind `trace`", C.TraceWorkload, "workload.",
                      "`mapping` takes the keys of `twin.config.TraceMapping` (below).")
    parts += _section("workload.mapping (trace replay)", C.TraceMapping, "workload.mapping.")
    parts += _section("inference", Inference, "inference.",
                      "An inference service beside the training workload; off (absent, `null`) by default. Its "
                      "defaults and their sources: twin/config/inference.py; the model: docs/design.md §5.")
    parts += _section("inference.arrivals, kind `poisson` (default)", PoissonRequests, "inference.arrivals.")
    parts += _section("inference.arrivals, kind `trace`", TraceRequests, "inference.arrivals.")
    parts += _section("inference.autoscale", Autoscale, "inference.autoscale.", "Off (`null`) by default.")
    parts += _section("scheduler", C.Scheduler, "scheduler.")
    parts += _section("faults", C.Faults, "faults.")
    parts += _section("faults.outages item", C.Outage, "")
    parts += _section("radiation", Radiation, "radiation.",
                      "Dose, wear-out, single-event effects and the terrestrial failure floor (sources in "
                      "twin/config/radiation.py and twin/kernels/dose.py).")
    parts += _section("links", C.Links, "links.", "Inter-satellite links; off (`topology: none`) by default.")
    parts += _section("earth", Earth, "earth.",
                      "The Earth's albedo and outgoing infrared, by design case (values and sources in "
                      "twin/config/environment.py); `albedo` and `olr_w_m2` given beside `case` win.")
    parts += _section("economics", C.Economics, "economics.",
                      "Mass and money on a run ([economics.md](economics.md)); `launch` and `mass` take `preset: NAME` "
                      "(configs/presets/launch/, configs/presets/mass/).")
    parts += _section("output", C.Output, "output.")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render(), end="")
