"""The files twin ships: example configs, parameter presets and the data files the examples name.

They live once, in the repository's top-level ``configs/`` folder (README and Makefile run
``configs/default.yaml``), and the wheel carries the same folder as ``twin/configs/``
(pyproject.toml maps it there). An installed twin finds them with :mod:`importlib.resources`;
an editable install or a plain checkout has no ``twin/configs/`` (setuptools' editable finder
cannot import a package mapped onto a folder without ``__init__.py``, pypa/setuptools#4248), so
there the folder beside the package is the shipped one.

A file a config names (a TLE shell's or a trace's ``file``) is looked for beside the config
first, then among the shipped files, so a shipped example copied elsewhere still finds its data.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

EXAMPLE_FOLDERS = (".", "sweeps")   # where example configs (scenarios and sweeps) are


@lru_cache(maxsize=1)
def shipped_dir() -> Path:
    """The folder of twin's shipped configs (``presets/``, ``data/``, ``sweeps/``, ``*.yaml``)."""
    packaged = resources.files("twin") / "configs"
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "configs"


def shipped_file(relative) -> Path | None:
    """The shipped file at ``relative`` (e.g. ``data/celestrak_iss_20260530.tle``), or None if
    there is none; a path that leaves the shipped folder (``../x``, absolute) is never one."""
    relative = Path(relative)
    if relative.is_absolute():
        return None
    root = shipped_dir().resolve()
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def input_file(file: Path, base_dir: Path, what: str) -> Path:
    """The absolute path of ``file`` named in a config in ``base_dir``: beside the config, else the
    shipped file at the same relative path. ValueError (one line: the file and where it was looked
    for) if neither exists; pydantic puts the field in front of it."""
    file = Path(file)
    if file.is_absolute():
        if file.is_file():
            return file.resolve()
        raise ValueError(f"{what} not found: {file}")
    beside = Path(base_dir) / file
    if beside.is_file():
        return beside.resolve()
    shipped = shipped_file(file)
    if shipped is not None:
        return shipped
    raise ValueError(f"{what} not found: {file} is neither in {Path(base_dir).resolve()} (the config's "
                     f"folder) nor among twin's shipped files ({shipped_dir()})")


def preset_names(folder: Path, kind: str) -> list[str]:
    """The presets of ``kind`` in a presets ``folder`` (``<folder>/<kind>/<name>.yaml``)."""
    return sorted(p.stem for p in (Path(folder) / kind).glob("*.yaml"))


def example_configs() -> dict[str, Path]:
    """The shipped example configs by name: ``default``, ``sweeps/economics-mc``, ..."""
    root = shipped_dir()
    found = {}
    for folder in EXAMPLE_FOLDERS:
        for path in sorted((root / folder).glob("*.yaml")):
            found[path.relative_to(root).with_suffix("").as_posix()] = path
    return found


def first_comment(path: Path) -> str:
    """The first ``#`` comment line of a YAML file, without the ``#`` ('' if it has none)."""
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return ""
