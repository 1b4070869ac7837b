"""The node kernel's cost with the radiator models of docs/design.md §5 on and off, in ns per
satellite-step on one thread (process CPU time, the least of several passes):

    python -m benchmarks.radiator [--nodes 500] [--steps 256] [--repeats 5]

The default model (no ageing, fixed in LVLH, isothermal panel, fixed conductance) is what
``benchmarks/kernels.py`` times; each other row switches one model on. A variable conductance
steps each node alone (no thermal lanes) with a Heun trial step per (sub)step.
"""
from __future__ import annotations

import argparse


from benchmarks.common import DEFAULT_CONFIG
from benchmarks.kernels import nodes_call, realistic_inputs, time_kernel
from twin.config import load_config
from twin.engine.nodes import initial_state, node_params

VARIANTS = {
    "default": [],
    "coating ageing with time (silver_teflon)": ["spacecraft.radiator.coating=silver_teflon"],
    "coating ageing with UV dose (white_silicate_paint)": ["spacecraft.radiator.coating=white_silicate_paint"],
    "edge_on_sun": ["spacecraft.radiator.orientation=edge_on_sun"],
    "body_fixed on a Sun-pointing bus": ["spacecraft.radiator.orientation=body_fixed",
                                         "spacecraft.solar_array.pointing=body_fixed",
                                         "spacecraft.solar_array.attitude=sun",
                                         "spacecraft.solar_array.normal_body=[0, 0, 1]"],
    "fin": ["spacecraft.radiator.fin={thickness_m: 0.001, conductivity_w_per_m_k: 167, half_width_m: 0.05, "
            "reference_temp_k: 300}"],
    "bypass_loop": ["spacecraft.thermal.conductance_model=bypass_loop",
                    "spacecraft.thermal.bypass_loop={closed_temp_k: 278, open_temp_k: 288, min_flow_fraction: 0.05, "
                    "ntu_full_flow: 3}"],
    "vchp": ["spacecraft.thermal.conductance_model=vchp",
             "spacecraft.thermal.vchp={full_open_temp_k: 300, design_sink_temp_k: 280, reservoir_volume_ratio: 10, "
             "min_conductance_w_per_k: 5}"],
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=500)
    ap.add_argument("--steps", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    inp = realistic_inputs(args.nodes, args.steps)
    for name, overrides in VARIANTS.items():
        sc = load_config(DEFAULT_CONFIG, overrides).spacecraft
        inp = {**inp, "params": node_params(sc), "state": initial_state(sc, inp["n"])[0]}
        seconds = time_kernel(nodes_call(inp, 64), tuple, args.repeats)
        print(f"{name:52s} {seconds / (inp['n'] * inp['k']) * 1e9:7.1f} ns per satellite-step", flush=True)


if __name__ == "__main__":
    main()
