"""The reference designs' arrays carry what their configs' comments size them for.

Each comment sizes its array for full load plus the recharge of the design eclipse over the
sunlit minutes (configs/suncatcher-cluster.yaml: 11.9 kW in July; starcloud-40mw.yaml: 1,080 kW
per module in July; starlink-shell.yaml: 10.4 kW at beta = 0 on 30 May), at the yield per m2
twin's array model gives there (heat balance, inherent degradation, harness loss). A short run
at each design point, under a load that keeps every accelerator busy, must find the array
giving at least that power in full Sun: the areas are the sized ones rounded up (margins of
0.5-2.4 % in these runs), so an area sized at the yield of cells at 28 C without the losses
(as these configs once were: 35, 3,150 and 30 m2, 10-12 % short) fails.
"""
import contextlib
import io

import h5py
import numpy as np
import pytest

import twin
from conftest import REPO

# (config, overrides putting it at its design point with every accelerator busy, the power the
# comment sizes the array for [W])
DESIGNS = [
    ("suncatcher-cluster", ["simulation.epoch_utc=2026-07-04T00:00:00Z", "simulation.duration_s=86400",
                            "constellation.0.n_sats=4", "workload.accelerators=[32]",
                            "workload.arrival_rate_per_h=20", "output.checkpoint_every_s=0"], 11_900.0),
    ("starcloud-40mw", ["simulation.epoch_utc=2026-07-04T00:00:00Z", "simulation.duration_s=86400",
                        "constellation.0.n_sats=3", "workload.accelerators=[1024]",
                        "workload.arrival_rate_per_h=20", "output.checkpoint_every_s=0"], 1_080_000.0),
    # STARLINK-3839: 540 km, beta ~ 3 deg on 30 May (docs/validation.md, table row 6)
    ("starlink-shell", ["constellation.0.name_pattern=STARLINK-3839", "simulation.duration_s=43200",
                        "workload.accelerators=[8]", "workload.arrival_rate_per_h=4"], 10_400.0),
]


@pytest.mark.parametrize("name, overrides, sized_w", DESIGNS, ids=[d[0] for d in DESIGNS])
def test_array_carries_its_sizing_at_the_design_point(tmp_path, name, overrides, sized_w):
    scenario = twin.load_config(REPO / "configs" / f"{name}.yaml", overrides)
    path = tmp_path / f"{name}.h5"
    with contextlib.redirect_stdout(io.StringIO()):
        twin.run(scenario, path)
    with h5py.File(path) as f:
        lit = f["sunlit_fraction"][:] >= 1.0
        solar_w = f["solar_power_w"][:][lit]
        t_array_c = f["t_array_k"][:][lit] - 273.15
    assert lit.sum() > 100
    # the cells at their sunlit range, as the comments give it (~46-53 C on average)
    assert 35.0 < t_array_c.mean() < 60.0
    # at least the sized power; at most 6 % over it (a larger margin means the area could shrink)
    assert sized_w <= solar_w.mean() < 1.06 * sized_w, (solar_w.mean(), sized_w)
    area = scenario.spacecraft.solar_array.area_m2
    print(f"{name}: {solar_w.mean() / area:.1f} W/m2 at {t_array_c.mean():.1f} C in full Sun")
    # the yield per m2 the comment uses, to its rounding (W/m2)
    yield_w_m2 = {"suncatcher-cluster": 307.0, "starcloud-40mw": 307.0, "starlink-shell": 304.0}[name]
    assert np.isclose(solar_w.mean() / area, yield_w_m2, atol=2.5)
