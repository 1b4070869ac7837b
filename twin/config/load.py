"""YAML -> :class:`twin.config.Scenario`: the one loader of configs, used by runs, sweeps and tests.

Reading a YAML file, applying dotted-key overrides (``--set`` and a sweep's ``set``, ``grid`` and
``samples``), merging parameter presets and turning pydantic's errors into one line per problem
naming the field all live here, so every entry point treats a key the same way.
"""
from __future__ import annotations

import copy
from pathlib import Path

import yaml
from pydantic import ValidationError

from twin.config.sections import PRESET_KINDS, Scenario
from twin.errors import InputError

REPO_PRESETS = Path(__file__).resolve().parents[2] / "configs" / "presets"

# Names of the tagged-union members that pydantic puts in an error's location; a user writes
# ``constellation.0.altitude_km``, not ``constellation.0.walker.altitude_km``.
UNION_TAGS = ("tle", "walker", "sso", "cluster", "poisson", "trace")


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
    """Set ``a.b.0.c`` in a raw config dict, creating sections that are missing (or null).

    Raises ValueError naming the prefix when a step of the path is a value, not a section, and
    IndexError/ValueError for a list index that is not there or not a number."""
    keys = dotted.split(".")
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


def _merge_presets(data: dict, base_dir: Path) -> None:
    for where, kind in PRESET_KINDS.items():
        parent_key, section = where.split(".")
        parent = data.get(parent_key)
        if not isinstance(parent, dict):
            continue
        block = parent.get(section)
        if not isinstance(block, dict) or "preset" not in block:
            continue
        name = block.pop("preset")
        for folder in (base_dir / "presets", REPO_PRESETS):
            path = folder / kind / f"{name}.yaml"
            if path.is_file():
                break
        else:
            raise ConfigError(f"{where}.preset: no preset {name!r} in {REPO_PRESETS / kind}")
        preset = yaml.safe_load(path.read_text()) or {}
        preset.pop("source", None)
        preset.pop("name", None)
        parent[section] = {**preset, **block}


def format_validation_error(err: ValidationError, source, hide=UNION_TAGS) -> str:
    """pydantic's errors as one line each: ``source: dotted.field: problem``."""
    lines = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"] if not (isinstance(p, str) and p in hide))
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"{source}: {where}: {msg}" if where else f"{source}: {msg}")
    return "\n".join(lines)


def scenario_from_dict(data: dict, base_dir: Path, source: str = "config") -> Scenario:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of sections at the top level")
    _merge_presets(data, base_dir)
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
