"""The parameter catalogue: every numeric default and preset value says where it comes from, the
ranges are ones twin sweep can draw and that hold the value they surround, docs/parameters.md
follows the code, and a sweep's ``KEY: catalogue`` samples those ranges."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from twin.config import load_config
from twin.config.catalogue import catalogue_range, numeric_fields, read_preset, render, shipped_presets
from twin.config.provenance import DEFAULTS, KINDS, NULL_DEFAULTS
from twin.errors import InputError
from twin.scaleout.spec import Distribution, load_sweep

ROOT = Path(__file__).resolve().parents[1]
# where a field's own description is its source, it says so after the meaning and unit
# ("meaning [unit]; source", the config's convention) or names it in one of these ways
SOURCE_IN_DESCRIPTION = re.compile(r"\]; \S|sourced|preset|\d{4}|et al|assumption|datasheet|Hypatia|arXiv|§")


def _holds(spec: dict, value: float) -> bool:
    (kind, args), = spec.items()
    if kind in ("uniform", "loguniform", "integers"):
        return args[0] <= value <= args[1]
    if kind == "triangular":
        return args[0] <= value <= args[2]
    return True


def test_every_numeric_default_has_provenance():
    fields = numeric_fields()
    assert set(fields) == set(DEFAULTS), (
        f"no entry: {sorted(set(fields) - set(DEFAULTS))}; stale: {sorted(set(DEFAULTS) - set(fields))}")
    for key, prov in DEFAULTS.items():
        assert prov.kind in KINDS, key
        if prov.source is None:
            assert SOURCE_IN_DESCRIPTION.search(fields[key].description or ""), f"{key}: description names no source"


@pytest.mark.parametrize("key", sorted(NULL_DEFAULTS))
def test_a_null_default_names_its_value_source_and_range(key):
    """A field whose default is null (the code then uses a value it declares once) is in the
    catalogue with that value, a source and a range that holds it; its description names it."""
    from twin.config.sections import PoissonWorkload

    value, prov = NULL_DEFAULTS[key]
    section, _, leaf = key.rpartition(".")
    field = {"workload": PoissonWorkload}[section].model_fields[leaf]
    assert field.default is None and "null = " in field.description and f"{value:g}" in field.description
    assert prov.kind in KINDS and prov.source and _holds(prov.range, value)
    Distribution.model_validate(prov.range)


@pytest.mark.parametrize("key", sorted(k for k, p in DEFAULTS.items() if p.range))
def test_default_ranges_are_drawable_and_hold_the_default(key):
    spec = DEFAULTS[key].range
    dist = Distribution.model_validate(spec)
    draws = [dist.draw(np.random.default_rng(s)) for s in range(20)]
    assert all(_holds(spec, d) for d in draws)
    # a range that leaves out the default it comes with is a typo in one of them
    assert _holds(spec, numeric_fields()[key].default), f"{key}: default outside its range {spec}"


@pytest.mark.parametrize("kind_name", sorted(shipped_presets()), ids=lambda kn: "/".join(kn))
def test_every_preset_value_has_a_source_and_its_range_holds_it(kind_name):
    preset = read_preset(shipped_presets()[kind_name])
    assert preset["source"], "no source: text"
    for key in preset["values"]:
        assert preset["comments"].get(key), f"{key}: no comment saying where it comes from"
    for key, spec in preset["ranges"].items():
        Distribution.model_validate(spec)
        assert _holds(spec, preset["values"][key]), f"{key}: {preset['values'][key]} outside {spec}"


def test_preset_comments_group_and_inline():
    from twin.config.catalogue import preset_comments

    text = "# head\nsource: x\n# shared\na: 1\nb: 2   # own\n\nc: 3\n# next\nd: 4\n"
    got = preset_comments(text)
    assert got["a"] == "shared" and got["b"] == "shared own" and got["c"] == "" and got["d"] == "next"


def test_docs_parameters_md_is_up_to_date():
    assert (ROOT / "docs" / "parameters.md").read_text() == render(), \
        "run: python -m twin.config.catalogue > docs/parameters.md"


def test_a_preset_with_ranges_still_loads(tmp_path):
    cfg = yaml.safe_load((ROOT / "configs" / "default.yaml").read_text())
    cfg["spacecraft"] = {**cfg.get("spacecraft", {}), "solar_array": {"preset": "xtj_prime"}}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    scenario = load_config(path)
    assert scenario.spacecraft.solar_array.temp_coeff_per_k == -0.0022


def _sweep(tmp_path, params, spacecraft=None):
    base = yaml.safe_load((ROOT / "configs" / "default.yaml").read_text())
    if spacecraft:
        base["spacecraft"] = {**base.get("spacecraft", {}), **spacecraft}
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "c", "base": "base.yaml",
                                    "samples": {"n": 50, "seed": 1, "params": params}}))
    return path


def test_sweep_samples_the_presets_range_else_the_defaults(tmp_path):
    path = _sweep(tmp_path, {"spacecraft.battery.min_soc": "catalogue", "spacecraft.bus_power_w": "catalogue"},
                  {"battery": {"preset": "leo_li_ion"}})
    sweep = load_sweep(path)
    soc = [m.overrides["spacecraft.battery.min_soc"] for m in sweep.members]
    bus = [m.overrides["spacecraft.bus_power_w"] for m in sweep.members]
    # the preset's [0.70, 0.80], not the default's [0.65, 0.80]: 50 draws miss 0.65-0.70 only if so
    assert min(soc) >= 0.70 and max(soc) <= 0.80 and max(soc) - min(soc) > 0.05
    assert 200 <= min(bus) and max(bus) <= 500


def test_sweep_catalogue_without_a_range_is_one_line(tmp_path):
    path = _sweep(tmp_path, {"spacecraft.accelerator.peak_flops": "catalogue"})
    with pytest.raises(InputError, match="peak_flops: catalogue: .* gives no range"):
        load_sweep(path)
    with pytest.raises(InputError, match="gives no range for 'max_soc'"):
        catalogue_range({"spacecraft": {"battery": {"preset": "leo_li_ion"}}}, "spacecraft.battery.max_soc",
                        tmp_path)
    out = subprocess.run([sys.executable, "-m", "twin", "sweep", str(path), "-o", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert not (tmp_path / "out").exists()
