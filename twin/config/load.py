"""YAML -> :class:`twin.config.Scenario`: the one loader of configs, used by runs, sweeps and tests.

Reading a YAML file, applying dotted-key overrides (``--set`` and a sweep's ``set``, ``grid`` and
``samples``), merging parameter presets and turning pydantic's errors into one line per problem
naming the field all live here, so every entry point treats a key the same way.
"""
from __future__ import annotations

import copy
import types
import typing
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from twin.config.keys import strip_annotation, suggestion
from twin.config.renamed import rename_keys, renamed_path
from twin.config.resources import preset_names, shipped_dir
from twin.config.sections import PRESET_KINDS, Scenario
from twin.config.thermal import COATING_FIELD, COATING_KEYS, COATING_KIND
from twin.errors import InputError

SHIPPED_PRESETS = shipped_dir() / "presets"
REPO_PRESETS = SHIPPED_PRESETS   # the name twin/config/__init__.py and twin/links/budget.py import

# Names of the tagged-union members that pydantic puts in an error's location; a user writes
# ``constellation.0.altitude_km``, not ``constellation.0.walker.altitude_km``.
UNION_TAGS = ("tle", "walker", "sso", "cluster", "poisson", "trace")
RADIATOR = "spacecraft.radiator"   # the block that may name a coating preset (twin/config/thermal.py)


class ConfigError(InputError):
    """A config that cannot be used; the message is one line per problem, naming the field."""


def read_yaml(path: Path, error=ConfigError, what: str = "file"):
    """The YAML document in ``path``; ``error`` (one line: file, line, problem) if it is missing
    or not YAML."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: {what} not found")
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise error(f"{path}:{where} not valid YAML ({getattr(err, 'problem', err)})") from None


def set_dotted(data: dict, dotted: str, value) -> None:
    """Set ``a.b.0.c`` in a raw config dict, creating sections that are missing (or null); a
    renamed key (:mod:`twin.config.renamed`) is set by its new name.

    Raises ValueError naming the prefix when a step of the path is a value, not a section, and
    IndexError/ValueError for a list index that is not there or not a number."""
    keys = renamed_path(dotted).split(".")
    node = data
    for depth, key in enumerate(keys[:-1]):
        if isinstance(node, list):
            node = node[int(key)]
        else:
            nxt = node.get(key)
            if nxt is None:
                nxt = node[key] = {}
            node = nxt
        if not isinstance(node, (dict, list)):
            raise ValueError(f"{'.'.join(keys[:depth + 1])} is a value, not a section")
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = copy.deepcopy(value)
    else:
        node[last] = copy.deepcopy(value)


def apply_overrides(data: dict, overrides) -> dict:
    """Apply ``key.sub=value`` strings (values parsed as YAML) to a raw config dict."""
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set {item!r}: expected dotted.key=value")
        key, raw = item.split("=", 1)
        try:
            set_dotted(data, key.strip(), yaml.safe_load(raw))
        except (IndexError, ValueError, TypeError, AttributeError) as err:
            raise ConfigError(f"--set {item!r}: no such place in the config ({err})") from None
    return data


PRESET_META = ("source", "name", "ranges")   # keys of a preset file that are not config values
#                                               (ranges: docs/parameters.md, twin.config.catalogue)


def _merge_presets(data: dict, base_dir: Path, source: str) -> None:
    """Merge every ``preset: NAME`` of PRESET_KINDS into its block, outer blocks first (PRESET_KINDS'
    order), so that a preset may itself name the presets of the blocks inside it."""
    for where, kind in PRESET_KINDS.items():
        *parents, section = where.split(".")
        parent = data
        for key in parents:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        block = parent.get(section)
        if not isinstance(block, dict):
            continue
        preset = _read_preset(where, kind, block.pop("preset"), base_dir, source) if "preset" in block else {}
        if where == RADIATOR:
            preset = {**preset, **_coating_keys(preset, block, base_dir, source)}
        parent[section] = {**preset, **block}


def _read_preset(where: str, kind: str, name, base_dir: Path, source: str, key: str = "preset") -> dict:
    path = find_preset(where, kind, name, base_dir, source, key)
    preset = read_yaml(path, what="preset") or {}
    if not isinstance(preset, dict):
        raise ConfigError(f"{path}: expected a mapping of {where} keys")
    for meta in PRESET_META:   # what the preset says about its values, not values
        preset.pop(meta, None)
    return preset


def _coating_keys(preset: dict, block: dict, base_dir: Path, source: str) -> dict:
    """The keys of the radiator's coating preset (``coating: NAME`` in the block or its radiator
    preset) that the block does not give itself; none are read when it gives them all (as a
    resolved config does, so a run's stored config needs no preset file)."""
    name = block.get(COATING_FIELD, preset.get(COATING_FIELD))
    if name is None or all(k in block for k in COATING_KEYS):
        return {}
    where = f"{RADIATOR}.{COATING_FIELD}"
    coating = _read_preset(RADIATOR, COATING_KIND, name, base_dir, source, COATING_FIELD)
    unknown = sorted(set(coating) - set(COATING_KEYS))
    if unknown:
        raise ConfigError(f"{source}: {where}: preset {name!r} has keys a coating does not take: {', '.join(unknown)} "
                          f"(a coating gives {', '.join(COATING_KEYS)})")
    return {k: v for k, v in coating.items() if k not in block}


def find_preset(where: str, kind: str, name, base_dir: Path, source: str, key: str = "preset") -> Path:
    """The file of preset ``name`` of ``kind``: ``presets/<kind>/<name>.yaml`` beside the config,
    else twin's shipped one. ConfigError naming the field (``where.key``), both folders and close
    names if none."""
    folders = (Path(base_dir) / "presets", SHIPPED_PRESETS)
    if not isinstance(name, str) or not name or "/" in name or "\\" in name:
        raise ConfigError(f"{source}: {where}.{key}: {name!r} is not a preset name")
    for folder in folders:
        path = folder / kind / f"{name}.yaml"
        if path.is_file():
            return path
    names = sorted({n for folder in folders for n in preset_names(folder, kind)})
    hint = suggestion(name, names) or ("; there are: " + ", ".join(names) if names else "")
    looked = " or ".join(dict.fromkeys(str((folder / kind).resolve()) for folder in folders))
    raise ConfigError(f"{source}: {where}.{key}: no preset {name!r} in {looked}{hint}")


def _keys_at(model: type[BaseModel], loc: tuple) -> list[str] | None:
    """The keys allowed where ``loc`` (a pydantic error location) ends, None if that cannot be told:
    the fields of the model its last step is in, and ``preset`` in a block that takes one."""
    node, path = model, []
    for part in loc[:-1]:
        node = strip_annotation(node)
        origin = typing.get_origin(node)
        if isinstance(node, type) and issubclass(node, BaseModel) and part in node.model_fields:
            node = node.model_fields[part].annotation
            path.append(str(part))
        elif origin is list and isinstance(part, int):
            node = typing.get_args(node)[0]
        elif origin is dict:
            node = typing.get_args(node)[1]
        elif origin in (typing.Union, types.UnionType):   # a tagged union: ``part`` is the member's tag
            node = next((m for m in typing.get_args(node) if _has_tag(m, part)), None)
            if node is None:
                return None
        else:
            return None
    node = strip_annotation(node)
    if not (isinstance(node, type) and issubclass(node, BaseModel)):
        return None
    return list(node.model_fields) + (["preset"] if ".".join(path) in PRESET_KINDS else [])


def _has_tag(member, tag) -> bool:
    if not (isinstance(member, type) and issubclass(member, BaseModel)):
        return False
    kind = member.model_fields.get("kind")
    return member.__name__ == tag or (kind is not None and tag in typing.get_args(kind.annotation))


def format_validation_error(err: ValidationError, source, hide=UNION_TAGS, model=Scenario) -> str:
    """pydantic's errors as one line each: ``source: dotted.field: problem``; an unknown key gets
    the close names ``model`` allows there (when ``err`` is that model's)."""
    lines = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"] if not (isinstance(p, str) and p in hide))
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            keys = _keys_at(model, e["loc"]) if model is not None and err.title == model.__name__ else None
            msg = "unknown key" + (suggestion(str(e["loc"][-1]), keys) if keys else "")
        lines.append(f"{source}: {where}: {msg}" if where else f"{source}: {msg}")
    return "\n".join(lines)


def scenario_from_dict(data: dict, base_dir: Path, source: str = "config") -> Scenario:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of sections at the top level")
    renamed_twice = rename_keys(data)
    if renamed_twice:
        raise ConfigError("\n".join(f"{source}: {problem}" for problem in renamed_twice))
    _merge_presets(data, base_dir, source)
    try:
        return Scenario.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, source)) from None


def load_config(path, overrides=()) -> Scenario:
    """Read, override (``--set``) and validate a YAML config. Raises :class:`ConfigError`."""
    path = Path(path)
    data = read_yaml(path, what="config file")
    data = apply_overrides(data or {}, overrides)
    return scenario_from_dict(data, path.resolve().parent, str(path))


def load_config_text(text: str, base_dir: Path, source: str, overrides=()) -> Scenario:
    """Validate a config held as text (e.g. the ``config_yaml`` of a run file), with dotted
    ``overrides`` applied as in :func:`load_config`."""
    return scenario_from_dict(apply_overrides(yaml.safe_load(text), overrides), base_dir, source)
