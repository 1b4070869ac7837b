"""The parameter catalogue: every numeric default and every preset value with its source and range.

``python -m twin.config.catalogue > docs/parameters.md`` (a test keeps it in step). Defaults come
from the config models with :mod:`twin.config.provenance`; presets from ``configs/presets/``, each
value with the comment its file gives it (the lines of ``#`` just above it and the one after it)
and the range its ``ranges:`` block gives. :func:`catalogue_range` is what ``twin sweep`` samples
for ``params: {KEY: catalogue}``.
"""
from __future__ import annotations

import re
import typing
from pathlib import Path

from pydantic import BaseModel

from twin.config.keys import strip_annotation
from twin.config.load import PRESET_META, find_preset
from twin.config.provenance import DEFAULTS, NULL_DEFAULTS, Provenance
from twin.config.resources import shipped_dir
from twin.config.sections import PRESET_KINDS, Scenario
from twin.errors import InputError

_KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):\s*(.*)$")


def numeric_fields(model: type[BaseModel] = Scenario, prefix: str = "") -> dict[str, typing.Any]:
    """Every field of the config tree with a numeric default, by dotted key: its pydantic field."""
    out = {}
    for name, field in model.model_fields.items():
        ann = strip_annotation(field.annotation)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out.update(numeric_fields(ann, f"{prefix}{name}."))
        elif isinstance(field.default, (int, float)) and not isinstance(field.default, bool):
            out[prefix + name] = field
    return out


def preset_comments(text: str) -> dict[str, str]:
    """The comment each top-level key of a preset file carries: the ``#`` block above it (shared by
    the keys that follow it one after another) and the comment after its value, joined."""
    comments, above, after_key = {}, [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            if after_key:   # a new comment block: the last one was for the keys above it
                above, after_key = [], False
            above.append(stripped.lstrip("#").strip())
            continue
        if not stripped:
            above, after_key = [], False
            continue
        match = _KEY_LINE.match(line)
        if match:
            key, rest = match.groups()
            inline = rest.split(" #", 1)[1].strip() if " #" in rest else ""
            comments[key] = " ".join(part for part in above + [inline] if part)
            after_key = True   # a block above keys one after another is theirs together
        elif not line[0].isspace():
            above, after_key = [], False
    return comments


def read_preset(path: Path) -> dict:
    """A preset file as ``{source, ranges, values, comments}``."""
    import yaml

    text = path.read_text()
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of keys")
    ranges = data.get("ranges") or {}
    if not isinstance(ranges, dict):
        raise InputError(f"{path}: ranges: expected a mapping of key: distribution")
    values = {k: v for k, v in data.items() if k not in PRESET_META}
    for key in ranges:
        if key not in values:
            raise InputError(f"{path}: ranges: {key!r} is not a value of this preset")
    return {"source": " ".join(str(data.get("source", "")).split()), "ranges": ranges, "values": values,
            "comments": preset_comments(text)}


def shipped_presets() -> dict[tuple[str, str], Path]:
    """(kind, name) -> file of every shipped preset."""
    root = shipped_dir() / "presets"
    return {(p.parent.name, p.stem): p for p in sorted(root.glob("*/*.yaml"))}


def _range_text(spec: dict | None) -> str:
    if not spec:
        return ""
    (kind, args), = spec.items()
    return f"{kind} {args}"


def catalogue_range(base: dict, key: str, base_dir: Path) -> dict:
    """The range to sample for dotted ``key`` of a config: that of the preset the config's block
    names (``spacecraft.solar_array: {preset: xtj_prime}``, found as the config finds it, from
    ``base_dir``), else the default's (:data:`twin.config.provenance.DEFAULTS`). InputError if
    neither gives one."""
    section, _, leaf = key.rpartition(".")
    if section in PRESET_KINDS:
        block = base
        for part in section.split("."):
            block = block.get(part, {}) if isinstance(block, dict) else {}
        name = block.get("preset") if isinstance(block, dict) else None
        if name is not None:
            path = find_preset(section, PRESET_KINDS[section], name, base_dir, key)
            spec = read_preset(path)["ranges"].get(leaf)
            if spec:
                return spec
            raise InputError(f"{key}: catalogue: the preset {PRESET_KINDS[section]}/{name} gives no range "
                             f"for {leaf!r}")
    prov = DEFAULTS.get(key) or NULL_DEFAULTS.get(key, (None, None))[1]
    if prov is None or not prov.range:
        raise InputError(f"{key}: catalogue: the parameter catalogue (docs/parameters.md) gives no range for it")
    return prov.range


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


INTRO = """# Parameter catalogue

Generated by `python -m twin.config.catalogue > docs/parameters.md` (a test keeps it in step) from
the config models, `twin/config/provenance.py` and the presets in `configs/presets/`. Every numeric
default says where it comes from — **published** (read in the source named), **estimate** (an
engineering value drawn from published ones), **assumption** (no published number behind it),
**design** (a choice of the default spacecraft, the user's to make) or **setting** (how the run is
made) — and, where the source gives one, a range. `twin sweep` samples that range for
`samples: {params: {KEY: catalogue}}`: the range of the preset the base config names for that
block, else the default's (docs/sweeps.md).
"""


def render() -> str:
    fields = numeric_fields()
    out = [INTRO, "## Defaults\n", "| key | default | kind | source | range |", "|---|---|---|---|---|"]
    for key, field in fields.items():
        prov = DEFAULTS.get(key, Provenance("?", "MISSING"))
        source = prov.source if prov.source is not None else (field.description or "")
        out.append(f"| `{key}` | `{field.default!r}` | {prov.kind} | {_cell(source)} | {_cell(_range_text(prov.range))} |")
    out += ["\n## Defaults of fields that are null\n",
            "Such a field's config default is `null`; the run then uses the value below.\n",
            "| key | value used | kind | source | range |", "|---|---|---|---|---|"]
    for key, (value, prov) in NULL_DEFAULTS.items():
        out.append(f"| `{key}` | `{value!r}` | {prov.kind} | {_cell(prov.source)} | {_cell(_range_text(prov.range))} |")
    out.append("\n## Presets\n")
    out.append("A block takes one with `preset: NAME` (docs/config.md); keys given beside it win.\n")
    kinds = {kind: where for where, kind in PRESET_KINDS.items()}
    for (kind, name), path in shipped_presets().items():
        preset = read_preset(path)
        where = kinds.get(kind, kind)
        out += [f"\n### {kind}/{name} (`{where}`)\n", _cell(preset["source"]) + "\n",
                "| key | value | note | range |", "|---|---|---|---|"]
        for key, value in preset["values"].items():
            out.append(f"| `{key}` | `{value!r}` | {_cell(preset['comments'].get(key, ''))} | "
                       f"{_cell(_range_text(preset['ranges'].get(key)))} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(render(), end="")
