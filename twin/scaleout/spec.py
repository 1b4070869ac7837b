"""The sweep YAML: a base scenario plus a grid, random samples and/or seeds, and its members.

A sweep file names a base config (relative to the sweep file) and how members differ from it::

    name: radiator-battery
    base: dawn-dusk-cluster.yaml
    set: {simulation.duration_s: 21600}                     # every member
    grid: {spacecraft.radiator.area_m2: [4, 6, 8],          # cartesian product
           spacecraft.battery.capacity_wh: [4000, 8000]}
    samples: {n: 4, seed: 1, params: {spacecraft.bus_power_w: {uniform: [200, 400]},
                                      economics.accelerator_usd: {triangular: [25000, 30000, 40000]}}}
    seeds: [1, 2]                                            # simulation.seed values
    shard: {by: plane, n: 2}                                 # split every member
    table: csv                                               # or parquet (needs pyarrow)

Members are the cross product of grid points, samples and seeds (a missing part counts as one
empty choice, so a file with none of them has one member: the base with ``set``). A member's id
is a hash of its own overrides, so it stays the same when the sweep grows or is re-run, and its
run file ``<out>/<member_id>.h5`` can be recognised as already done.
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from twin.config import Section, format_validation_error, read_yaml, set_dotted  # noqa: F401 (set_dotted: API)
from twin.config.keys import config_key_problem
from twin.errors import InputError

SEED_KEY = "simulation.seed"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class SweepError(InputError):
    """A sweep file that cannot be used; one line per problem, naming the file and the field."""


KINDS = ("uniform", "loguniform", "normal", "integers", "triangular", "choice", "catalogue")


class Distribution(Section):
    """Exactly one of: ``uniform: [lo, hi]``, ``loguniform: [lo, hi]`` (lo > 0),
    ``normal: [mean, sd]``, ``integers: [lo, hi]`` (both included),
    ``triangular: [low, central, high]`` (a low/central/high estimate: low <= central <= high,
    low < high), ``choice: [a, b, ...]``."""

    uniform: tuple[float, float] | None = None
    loguniform: tuple[float, float] | None = None
    normal: tuple[float, float] | None = None
    integers: tuple[int, int] | None = None
    triangular: tuple[float, float, float] | None = None
    choice: Annotated[list[Any], Field(min_length=1)] | None = None
    catalogue: Literal[True] | None = None   # written 'catalogue': resolved by load_sweep

    @model_validator(mode="after")
    def _one(self):
        given = [k for k in KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of " + ", ".join(KINDS))
        kind = given[0]
        if kind == "catalogue":
            return self
        if kind == "triangular":
            lo, mid, hi = self.triangular
            # numpy's triangular needs left <= mode <= right and left < right (a point is no range)
            if not (lo <= mid <= hi and lo < hi):
                raise ValueError(f"triangular: need low <= central <= high and low < high, got [{lo}, {mid}, {hi}]")
            return self
        lo, hi = (getattr(self, kind) if kind != "choice" else (0, 1))
        if kind in ("uniform", "loguniform", "integers") and not lo < hi:
            raise ValueError(f"{kind}: need low < high, got [{lo}, {hi}]")
        if kind == "loguniform" and lo <= 0:
            raise ValueError(f"loguniform: need low > 0, got {lo}")
        if kind == "normal" and hi <= 0:
            raise ValueError(f"normal: need sd > 0, got {hi}")
        return self

    def draw(self, rng: np.random.Generator):
        if self.uniform is not None:
            return float(rng.uniform(*self.uniform))
        if self.loguniform is not None:
            lo, hi = self.loguniform
            return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
        if self.normal is not None:
            return float(rng.normal(*self.normal))
        if self.integers is not None:
            return int(rng.integers(self.integers[0], self.integers[1], endpoint=True))
        if self.triangular is not None:
            return float(rng.triangular(*self.triangular))
        if self.choice is not None:
            return self.choice[int(rng.integers(len(self.choice)))]
        raise InputError("a 'catalogue' sample is drawn only once load_sweep has found its range")


class Samples(Section):
    n: Annotated[int, Field(gt=0)] = Field(description="number of random samples")
    seed: Annotated[int, Field(ge=0)] = Field(0, description="seed of the sampling (not of the simulation)")
    params: Annotated[dict[str, Distribution], Field(min_length=1)] = Field(
        description="dotted key: a distribution, or 'catalogue' for the range the parameter catalogue "
                    "gives (docs/parameters.md: the base config's preset's, else the default's)")

    @field_validator("params", mode="before")
    @classmethod
    def _catalogue_marker(cls, params):
        # 'catalogue' stands for a range found once the base config is read (load_sweep)
        if isinstance(params, dict):
            return {k: {"catalogue": True} if v == "catalogue" else v for k, v in params.items()}
        return params


class ShardSpec(Section):
    by: Literal["shell", "plane", "cluster"] = Field(
        description="unit that is never split: a config shell, an orbital plane, or a kind: cluster shell")
    n: Annotated[int, Field(gt=0)] | None = Field(None, description="number of shards; default one per unit")


class SweepSpec(Section):
    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    base: Path = Field(description="scenario YAML, relative to the sweep file")
    set: dict[str, Any] = Field(default_factory=dict, description="overrides applied to every member")
    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = Field(default_factory=dict)
    samples: Samples | None = None
    seeds: Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=1)] | None = None
    shard: ShardSpec | None = None
    table: Literal["csv", "parquet"] = "csv"

    @field_validator("grid")
    @classmethod
    def _distinct(cls, grid):
        for key, values in grid.items():
            canon = [_canonical(v) for v in values]
            if len(set(canon)) != len(canon):
                raise ValueError(f"{key}: values repeat")
        return grid

    @model_validator(mode="after")
    def _disjoint(self):
        sample_keys = set(self.samples.params) if self.samples else set()
        both = sorted(set(self.grid) & sample_keys)
        if both:
            raise ValueError(f"{both[0]} is both in grid and in samples.params")
        if self.seeds is not None and SEED_KEY in set(self.grid) | sample_keys:
            raise ValueError(f"{SEED_KEY} is given by seeds and also in grid or samples")
        for key in list(self.grid) + sorted(sample_keys) + list(self.set):
            problem = config_key_problem(key)
            if problem:
                raise ValueError(f"{key}: {problem}")
        return self


# ---------------------------------------------------------------- members
def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def member_id(overrides: dict) -> str:
    """12 hex digits of SHA-256 of the member's own overrides (key order does not matter)."""
    return hashlib.sha256(_canonical(overrides).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Member:
    id: str
    overrides: dict              # dotted key -> value: this member's grid, sample and seed values
    index: int                   # position in the sweep (for display only; ids are what persist)


def expand_members(spec: SweepSpec) -> list[Member]:
    """Grid points x samples x seeds, each with its own overrides, in a stable order."""
    grid_keys = list(spec.grid)
    points = [dict(zip(grid_keys, values)) for values in itertools.product(*spec.grid.values())]
    draws = [{}]
    if spec.samples is not None:
        keys = sorted(spec.samples.params)
        draws = []
        for i in range(spec.samples.n):
            # one child seed per sample index: sample i is the same whatever n is
            rng = np.random.default_rng(np.random.SeedSequence(spec.samples.seed, spawn_key=(i,)))
            draws.append({k: spec.samples.params[k].draw(rng) for k in keys})
    seeds = [{}] if spec.seeds is None else [{SEED_KEY: s} for s in spec.seeds]
    members, seen = [], set()
    for point, draw, seed in itertools.product(points, draws, seeds):
        overrides = {**point, **draw, **seed}
        mid = member_id(overrides)
        if mid in seen:   # e.g. two samples drawing the same choice
            continue
        seen.add(mid)
        members.append(Member(mid, overrides, len(members)))
    return members


def member_config(base: dict, spec: SweepSpec, member: Member) -> dict:
    """The raw config dict of a member: the base, then ``set``, then the member's overrides."""
    data = copy.deepcopy(base)
    for key, value in list(spec.set.items()) + list(member.overrides.items()):
        try:
            set_dotted(data, key, value)
        except (IndexError, ValueError, TypeError, AttributeError) as err:
            raise SweepError(f"{key}: no such place in the base config ({err})") from None
    return data


# ---------------------------------------------------------------- loading
@dataclass(frozen=True)
class Sweep:
    """A loaded sweep: the spec, where it came from, the base config and the members."""
    spec: SweepSpec
    path: Path
    text: str
    base_path: Path
    base: dict = field(repr=False)
    members: list = field(repr=False)

    @property
    def base_dir(self) -> Path:
        return self.base_path.parent


def _parquet_engine() -> bool:
    import importlib.util

    return any(importlib.util.find_spec(m) is not None for m in ("pyarrow", "fastparquet"))


def load_sweep(path) -> Sweep:
    """Read and validate a sweep file and its base config; SweepError (one line each) if bad."""
    path = Path(path)
    data = read_yaml(path, SweepError, "sweep file")
    text = path.read_text()
    if not isinstance(data, dict):
        raise SweepError(f"{path}: expected a mapping (name, base, grid, samples, seeds, ...)")
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as err:
        raise SweepError(format_validation_error(err, path, hide=(), model=SweepSpec)) from None
    if spec.table == "parquet" and not _parquet_engine():
        raise SweepError(f"{path}: table: parquet needs pyarrow or fastparquet installed; use table: csv")
    base_path = spec.base if spec.base.is_absolute() else path.resolve().parent / spec.base
    if not base_path.is_file():
        raise SweepError(f"{path}: base: config file not found: {base_path}")
    base = read_yaml(base_path, SweepError, "base config") or {}
    if not isinstance(base, dict):
        raise SweepError(f"{base_path}: expected a mapping of sections at the top level")
    spec = _catalogue_ranges(spec, base, base_path.parent, path)
    return Sweep(spec, path.resolve(), text, base_path.resolve(), base, expand_members(spec))


def _catalogue_ranges(spec: SweepSpec, base: dict, base_dir: Path, path: Path) -> SweepSpec:
    """``spec`` with each ``KEY: catalogue`` sample replaced by the range the parameter catalogue
    gives for KEY in this base config (:func:`twin.config.catalogue.catalogue_range`)."""
    if spec.samples is None or not any(d.catalogue for d in spec.samples.params.values()):
        return spec
    from twin.config.catalogue import catalogue_range

    params = dict(spec.samples.params)
    for key, value in params.items():
        if value.catalogue:
            try:
                params[key] = Distribution.model_validate(catalogue_range(base, key, base_dir))
            except (InputError, ValidationError) as err:
                raise SweepError(f"{path}: samples.params.{' '.join(str(err).split())}") from None
    return spec.model_copy(update={"samples": spec.samples.model_copy(update={"params": params})})


def parameter_names(sweep: Sweep) -> list[str]:
    """The dotted keys that vary between members, in the order the sweep gives them."""
    spec = sweep.spec
    names = list(spec.grid)
    if spec.samples is not None:
        names += sorted(spec.samples.params)
    if spec.seeds is not None:
        names.append(SEED_KEY)
    return names

