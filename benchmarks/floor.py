"""The node kernel's floor: what its calls of libm's functions cost by themselves.

Numba cannot vectorise ``math.exp``, ``expm1``, ``asin`` and the like: it did so only through
Intel's SVML, which it has not supported since 0.62 (its release notes: the SVML patch does not
apply to LLVM 20; numba/llvmlite#1390 closed without porting it). So each such call is a scalar
call into libm, whatever the loop around it is made of. This module

- counts each function's calls per satellite-step of the kernel benchmark's workload
  (:func:`benchmarks.kernels.realistic_inputs`: the Starlink satellites from the default
  spacecraft's initial state, K = 64 steps per call) by running the very same kernels as plain
  Python (``TWIN_DISABLE_JIT``, in a subprocess, on fewer nodes) with ``math`` counted;
- times each function's throughput in a numba loop of independent calls (the most favourable
  case: nothing waits on a call's result), ``sqrt`` in a loop numba vectorises (it is an
  instruction, and the kernel's lanes do vectorise it);
- and sums count × cost: the time those calls take per satellite-step however the rest of the
  kernel is written. Issue 25's goal for the whole kernel is 30 ns (``--scale``'s ``kernel``).

The benchmark's nodes start from the spacecraft's initial state, which no node is under the
thermostat in. The same count and the kernel's own time are also taken after WARM_STEPS steps
(the state advanced by the compiled kernel, handed to the counting process in a file), when
nodes in the thermostat's band take its trial thermal steps as well.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
import types
from collections import Counter
from pathlib import Path

import numpy as np
from numba import njit

REPO = Path(__file__).resolve().parents[1]
COUNTED = ("exp", "expm1", "log", "log1p", "sqrt", "asin", "acos", "atan", "atan2", "cos", "sin", "tan")
COUNT_NODES = 200   # satellites counted as plain Python (a few seconds); the benchmark's are 1,000
COUNT_STEPS = 64    # the kernel benchmark's K
WARM_STEPS = 2160   # 6 h at 10 s before the steady-state count: past the first orbits' transient
KERNEL_NODES = 1000   # the kernel benchmark's nodes


class _CountingMath(types.ModuleType):
    """``math`` with the calls of COUNTED functions counted by (function, caller)."""

    def __init__(self, counts: Counter):
        super().__init__("math")
        self._counts = counts

    def __getattr__(self, name):
        value = getattr(math, name)
        if name not in COUNTED:
            return value
        counts = self._counts

        def counted(*args):
            counts[(name, sys._getframe(1).f_code.co_name)] += 1
            return value(*args)
        return counted


def advance(inp: dict, lo: int, hi: int, state, mode, k_steps: int = COUNT_STEPS) -> float:
    """Steps lo..hi-1 of :func:`benchmarks.kernels.realistic_inputs`' ``inp`` through the node
    kernel in calls of ``k_steps``, ``state`` and ``mode`` updated in place, as the engine calls
    it; returns the calls' process CPU time [s]."""
    from twin.kernels import layout as L
    from twin.kernels import node as N
    from twin.kernels.events import event_buffers

    n, dt_s = inp["n"], inp["dt_s"]
    ev, acc, rate = event_buffers(n, k_steps), np.zeros((L.N_ACC, n)), np.empty((k_steps, n))
    spent = 0.0
    for a in range(lo, hi, k_steps):
        b = min(a + k_steps, hi)
        t0 = time.process_time()
        N.advance_nodes(inp["pos"][a:b + 1], inp["vel"][a:b + 1], inp["sun"][a:b + 1], N.NO_GEOMETRY, a * dt_s,
                        dt_s, inp["busy"], inp["params"], state, mode, acc, rate[:b - a], *ev)
        spent += time.process_time() - t0
    return spent


def count_calls(n_nodes: int = COUNT_NODES, k_steps: int = COUNT_STEPS, warm_steps: int = 0,
                warm_file: str | None = None) -> dict:
    """Calls per satellite-step of each COUNTED function in one pass of the kernel benchmark's
    workload, by function and by (function, caller): ``k_steps`` steps from its initial state,
    or from step ``warm_steps`` with the state and modes in ``warm_file`` (:func:`warm_state`).
    Needs ``TWIN_DISABLE_JIT=1`` (set before numba is imported: :func:`counts_in_subprocess`)."""
    import importlib
    import pkgutil

    import twin.kernels
    from benchmarks.kernels import realistic_inputs

    inp = realistic_inputs(n_nodes, warm_steps + k_steps)
    state, mode = inp["state"].copy(), inp["mode"].copy()
    if warm_file is not None:
        with np.load(warm_file) as held:
            state, mode = held["state"], held["mode"]
    counts: Counter = Counter()
    proxy = _CountingMath(counts)
    for info in pkgutil.iter_modules(twin.kernels.__path__):
        module = importlib.import_module(f"twin.kernels.{info.name}")
        if getattr(module, "math", None) is math:
            module.math = proxy
    advance(inp, warm_steps, warm_steps + k_steps, state, mode, k_steps)
    steps = inp["n"] * k_steps
    by_function: Counter = Counter()
    for (name, _), c in counts.items():
        by_function[name] += c
    return {"per_sat_step": {k: v / steps for k, v in sorted(by_function.items())},
            "by_caller": {f"{name} <- {caller}": c / steps for (name, caller), c in sorted(counts.items())},
            "n_nodes": inp["n"], "k_steps": k_steps, "warm_steps": warm_steps}


def _warmed(n_nodes: int, warm_steps: int, k_steps: int):
    """(inputs for ``warm_steps + k_steps`` steps, state, modes after the first ``warm_steps``)."""
    from benchmarks.kernels import realistic_inputs

    inp = realistic_inputs(n_nodes, warm_steps + k_steps)
    state, mode = inp["state"].copy(), inp["mode"].copy()
    advance(inp, 0, warm_steps, state, mode, k_steps)
    return inp, state, mode


def warm_state(n_nodes: int, warm_steps: int, path: Path) -> None:
    """The state and modes of :func:`benchmarks.kernels.realistic_inputs`' first ``n_nodes``
    nodes after ``warm_steps`` steps of the compiled kernel, saved to ``path`` (.npz)."""
    _, state, mode = _warmed(n_nodes, warm_steps, COUNT_STEPS)
    np.savez(path, state=state, mode=mode)


def steady_kernel_ns(n_nodes: int = KERNEL_NODES, warm_steps: int = WARM_STEPS, k_steps: int = COUNT_STEPS,
                     repeats: int = 5) -> float:
    """The compiled kernel's least process CPU time per satellite-step [ns] over ``k_steps`` steps
    from step ``warm_steps`` (one thread, ``k_steps`` per call, as ``--scale``'s ``kernel``)."""
    inp, state, mode = _warmed(n_nodes, warm_steps, k_steps)
    best = float("inf")
    for _ in range(repeats):
        s, m = state.copy(), mode.copy()
        best = min(best, advance(inp, warm_steps, warm_steps + k_steps, s, m, k_steps))
    return best / (inp["n"] * k_steps) * 1e9


def counts_in_subprocess(n_nodes: int = COUNT_NODES, k_steps: int = COUNT_STEPS, warm_steps: int = 0,
                         timeout_s: float = 900.0) -> dict:
    """:func:`count_calls` in a fresh process with numba's compiler off; with ``warm_steps``, from
    the state this process's compiled kernel reaches by then (:func:`warm_state`)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="twin-floor-") as tmp:
        warm_file = None
        if warm_steps:
            warm_file = str(Path(tmp) / "warm.npz")
            warm_state(n_nodes, warm_steps, Path(warm_file))
        return _count_in_subprocess(n_nodes, k_steps, warm_steps, warm_file, timeout_s)


def _count_in_subprocess(n_nodes, k_steps, warm_steps, warm_file, timeout_s) -> dict:
    env = dict(os.environ, TWIN_DISABLE_JIT="1", PYTHONPATH=str(REPO))
    code = (f"import json, benchmarks.floor as f; print(json.dumps(f.count_calls({int(n_nodes)}, {int(k_steps)}, "
            f"{int(warm_steps)}, {warm_file!r})))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout_s)
    if proc.returncode != 0:
        raise RuntimeError(f"counting libm calls failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _loop(fn):
    """A numba loop of independent calls of ``fn`` on its inputs."""
    @njit(cache=False)
    def loop(x, y, out):
        for i in range(x.size):
            out[i] = fn(x[i], y[i])
    return loop


# each function with inputs in the range the kernel gives it
_CASES = {
    "exp": (lambda x, y: math.exp(x), (-5.0, 0.0)),
    "expm1": (lambda x, y: math.expm1(x), (-5.0, 0.0)),
    "log": (lambda x, y: math.log(x), (0.1, 10.0)),
    "log1p": (lambda x, y: math.log1p(x), (0.0, 1.0)),
    "sqrt": (lambda x, y: math.sqrt(x), (0.1, 10.0)),
    "asin": (lambda x, y: math.asin(x), (-1.0, 1.0)),
    "acos": (lambda x, y: math.acos(x), (-1.0, 1.0)),
    "atan": (lambda x, y: math.atan(x), (-10.0, 10.0)),
    "atan2": (lambda x, y: math.atan2(x, y), (-1.0, 1.0)),
    "cos": (lambda x, y: math.cos(x), (0.0, math.pi)),
    "sin": (lambda x, y: math.sin(x), (0.0, math.pi)),
    "tan": (lambda x, y: math.tan(x), (-1.0, 1.0)),
}


def call_costs(names, n: int = 4096, repeats: int = 7, min_time_s: float = 0.05) -> dict:
    """Least time per call [ns] of each function over ``repeats`` timings of a loop of ``n``
    independent calls (process CPU time)."""
    rng = np.random.default_rng(3)
    costs = {}
    for name in names:
        fn, (lo, hi) = _CASES[name]
        loop = _loop(njit(fn))
        x, y = rng.uniform(lo, hi, n), rng.uniform(0.5, 1.0, n)
        out = np.empty(n)
        loop(x, y, out)
        reps = 1
        while True:   # enough calls per timing to be well above the clock's resolution
            t0 = time.process_time()
            for _ in range(reps):
                loop(x, y, out)
            if time.process_time() - t0 >= min_time_s:
                break
            reps *= 4
        best = float("inf")
        for _ in range(repeats):
            t0 = time.process_time()
            for _ in range(reps):
                loop(x, y, out)
            best = min(best, (time.process_time() - t0) / (reps * n))
        costs[name] = best * 1e9
    return costs


def part_floor() -> dict:
    """``--scale``'s ``floor``: the calls per satellite-step, their costs and the floor [ns], from
    the initial state and after WARM_STEPS steps (with the kernel's own time there)."""
    counts = counts_in_subprocess()
    steady = counts_in_subprocess(warm_steps=WARM_STEPS)
    names = sorted(set(counts["per_sat_step"]) | set(steady["per_sat_step"]))
    costs = call_costs(names)
    result = {"floor_call_ns": costs, "floor_counted_nodes": counts["n_nodes"], "floor_k_steps": counts["k_steps"],
              "floor_warm_steps": WARM_STEPS, "steady_kernel_ns": steady_kernel_ns()}
    for key, found in (("floor", counts), ("floor_steady", steady)):
        per_step = found["per_sat_step"]
        share = {name: per_step[name] * costs[name] for name in per_step}
        result.update({f"{key}_libm_ns": sum(share.values()), f"{key}_libm_ns_by_function": share,
                       f"{key}_calls_per_sat_step": per_step, f"{key}_calls_by_caller": found["by_caller"]})
    return result


if __name__ == "__main__":
    result = part_floor()
    for key, what in (("floor", "from the initial state"), ("floor_steady", f"after {WARM_STEPS} steps")):
        print(what)
        for name, ns in result[f"{key}_libm_ns_by_function"].items():
            print(f"  {name:6s} {result[f'{key}_calls_per_sat_step'][name]:6.3f} calls x "
                  f"{result['floor_call_ns'][name]:5.2f} ns = {ns:5.2f} ns per satellite-step")
        print(f"  floor of the libm calls: {result[f'{key}_libm_ns']:.1f} ns per satellite-step")
    print(f"the kernel after {WARM_STEPS} steps: {result['steady_kernel_ns']:.1f} ns per satellite-step "
          "(goal for the whole kernel: 30)")
