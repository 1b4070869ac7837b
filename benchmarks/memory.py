"""``python -m benchmarks.memory``: memory per satellite in one process (issue 25: at most 8 kB
at 10,000 and 100,000 satellites, flat in run length); not in the quick suite (minutes).

Each case is ``twin run configs/default.yaml`` on a designed Walker shell of the default's
altitude and inclination (``planes`` x ``sats_per_plane``), default spacecraft and workload, three
variables recorded (VARIABLES), in a fresh process: its peak RSS (``ru_maxrss``) less that of the same run of one satellite (the
interpreter, the libraries and numba's code) over the number of satellites. A warm-up run first
loads numba's cache, so that no case holds a compiler's memory. ``--where`` adds tracemalloc's
largest live allocations by line at the largest total seen between steps (slower).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHELLS = {1: (1, 1), 10_000: (100, 100), 100_000: (400, 250)}   # satellites: (planes, per plane)
HOURS = (1.0, 3.0)
VARIABLES = ("soc", "electronics_temp_k", "utilization")   # recorded: a few, as a large run would choose


def overrides(n_sats: int, hours: float) -> list[str]:
    planes, per_plane = SHELLS[n_sats]
    return [f"constellation.0.planes={planes}", f"constellation.0.sats_per_plane={per_plane}",
            f"constellation.0.phasing={min(1, planes - 1)}", f"simulation.duration_s={hours * 3600:g}",
            f"output.variables=[{', '.join(VARIABLES)}]"]


def _case(n_sats: int, hours: float, out: str, where: bool) -> dict:
    """One run in this process; its peak RSS [bytes] and, with ``where``, the largest allocations."""
    from twin.config import load_config
    from twin.engine import simulation as S

    scenario = load_config(REPO / "configs" / "default.yaml", overrides(n_sats, hours))
    result = {"n_sats": n_sats, "hours": hours}
    if where:
        import tracemalloc

        largest = [0, None]
        advance_to = S.Simulation.advance_to

        def watched(self, step):
            advance_to(self, step)
            now = tracemalloc.get_traced_memory()[0]
            if now > largest[0]:
                largest[:] = [now, tracemalloc.take_snapshot()]
        S.Simulation.advance_to = watched
        tracemalloc.start(3)
    S.run(scenario, Path(out), force=True, log=lambda message: None)
    result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024   # Linux: kB
    if where and largest[1] is not None:
        stats = largest[1].statistics("traceback")[:12]
        result["traced_bytes"] = largest[0]
        result["where"] = [{"bytes": s.size, "at": " <- ".join(f"{Path(f.filename).name}:{f.lineno}"
                                                                for f in list(s.traceback)[:3])} for s in stats]
    return result


def run_case(n_sats: int, hours: float, where: bool = False, timeout_s: float = 3600.0) -> dict:
    """:func:`_case` in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="twin-memory-") as tmp:
        args = json.dumps([n_sats, hours, str(Path(tmp) / "run.h5"), where])
        proc = subprocess.run([sys.executable, "-m", "benchmarks.memory", "--case", args], cwd=REPO,
                              capture_output=True, text=True, timeout=timeout_s, env=dict(os.environ))
    if proc.returncode != 0:
        raise RuntimeError(f"memory case {n_sats} satellites, {hours:g} h failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_memory(sats=(10_000, 100_000), hours=HOURS, where: bool = False, log=print) -> dict:
    """Bytes per satellite for each (satellites, hours), over the one-satellite baseline."""
    run_case(1, 0.1)   # warm-up: numba's cache
    base = {h: run_case(1, h)["peak_rss_bytes"] for h in hours}
    rows = []
    for n in sats:
        for h in hours:
            row = run_case(n, h, where=where)
            row["baseline_bytes"] = base[h]
            row["bytes_per_sat"] = (row["peak_rss_bytes"] - base[h]) / n
            rows.append(row)
            log(f"{n:>7,} satellites, {h:g} h: peak RSS {row['peak_rss_bytes'] / 2**20:,.0f} MiB, "
                f"{row['bytes_per_sat'] / 1e3:.1f} kB per satellite over {base[h] / 2**20:,.0f} MiB for one")
            for w in row.get("where", []):
                log(f"    {w['bytes'] / n:8,.0f} B/sat  {w['at']}")
    return {"cases": rows, "load_average": os.getloadavg()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sats", type=int, nargs="+", default=[10_000, 100_000], choices=sorted(SHELLS))
    parser.add_argument("--hours", type=float, nargs="+", default=list(HOURS))
    parser.add_argument("--where", action="store_true", help="tracemalloc's largest allocations (slower)")
    parser.add_argument("--out", help="results JSON")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        n_sats, hours, out, where = json.loads(args.case)
        print(json.dumps(_case(n_sats, hours, out, where)))
        return 0
    res = bench_memory(args.sats, args.hours, args.where)
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
