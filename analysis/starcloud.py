"""Headline numbers of the Starcloud 40 MW cluster (configs/starcloud-40mw.yaml), from its run file.

    .venv/bin/python analysis/starcloud.py [runs/starcloud-40mw.h5] [-o FIGURE.png]

Besides the common numbers (analysis/headline.py), the radiator against the white paper: at full
load in sunlight, the panel temperature twin reaches with the published 63,200 m2 and the heat it
nets per m2 there; the environment it absorbs (emission minus net, at that steady state), hence the
net at the paper's 20 C and the area 40 MW would need at 20 C.
"""
import sys

from headline import main

SIGMA = 5.670374419e-8      # W m^-2 K^-4, CODATA 2018
PAPER_NET_W_M2 = 633.0      # Starcloud white paper, 20 C radiator
PAPER_AREA_M2 = 63_200.0    # for 40 MW
PAPER_TEMP_K = 293.15
PAPER_HEAT_W = 40e6


def full_load_radiator(run, h):
    """Mean radiator temperature [K] and electrical heat per m2 of panel [W/m2] over the
    records in full Sun at full load (load >= 99 % of bus + accelerators at peak)."""
    ds = run.ds
    load = ds["load_power_w"].values
    heat = load + ds["loss_power_w"].values
    sel = (load >= 0.99 * h["full_load_w"]) & (ds["sunlit_fraction"].values >= 1.0)
    if not sel.any():
        return None
    area = run.config["spacecraft"]["radiator"]["area_m2"]
    return (float(ds["radiator_temp_k"].values[sel].mean()), float(heat[sel].mean() / area),
            float(sel.mean()))


def extra(run, h):
    res = full_load_radiator(run, h)
    rad = run.config["spacecraft"]["radiator"]
    convention = "alpha (white paper)" if rad["ir_absorbed_with_alpha"] else "epsilon (Kirchhoff)"
    if res is None:
        return ["radiator                  no record at full load in full Sun"]
    temp_k, net_w_m2, share = res
    emit = rad["sides"] * rad["emissivity"] * SIGMA
    absorbed = emit * temp_k ** 4 - net_w_m2           # steady state: emitted = electrical + absorbed
    net_20c = emit * PAPER_TEMP_K ** 4 - absorbed
    return [f"radiator at full load     {temp_k - 273.15:.1f} C mean over {share:.1%} of node-records "
            f"(Earth IR absorbed with {convention}); nets {net_w_m2:.0f} W/m2 of electrical heat "
            f"(white paper: {PAPER_NET_W_M2:.0f} W/m2 at 20 C)",
            f"radiator at 20 C          environment absorbed {absorbed:.0f} W/m2 (steady state), so the "
            f"net at 20 C is {net_20c:.0f} W/m2 and 40 MW needs {PAPER_HEAT_W / net_20c:,.0f} m2 "
            f"(white paper {PAPER_AREA_M2:,.0f} m2)"]


if __name__ == "__main__":
    main(sys.argv[1:], title="Starcloud 40 MW", default_run="runs/starcloud-40mw.h5", extra=extra)
