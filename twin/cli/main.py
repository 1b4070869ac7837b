"""Command line: ``twin run | validate | inspect | report | cost | sweep | bench``.

Bad input (config, TLE, trace, run file, an output path the OS refuses) gets one line per problem
on stderr naming the field or file, exit code 2, no traceback, and no existing output touched. A
run that fails on the way (a full disk) says so in one line and exits 1; one stopped by SIGINT or
SIGTERM checkpoints and exits 130 or 143.
"""
from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
from pathlib import Path

from twin.constants import SECONDS_PER_DAY
from twin.errors import InputError, RunFailedError

EXIT_BAD_INPUT = 2
EXIT_RUN_FAILED = 1
# the machine's fault, not the input's: exit 1
RUN_FAILED_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.ENOMEM)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_run(args) -> int:
    from twin.config import load_config, load_config_text
    from twin.engine.simulation import resume, run
    from twin.output.runlock import check_target

    given = [x for x in (args.config, args.resume, args.from_run) if x]
    if len(given) != 1:
        raise InputError("twin run takes exactly one of CONFIG, --resume RUN.h5, --from RUN.h5")
    if args.resume:
        summary = resume(args.resume, progress=not args.quiet, log=_log)
        return _report_end(summary, args.json)
    if args.from_run:
        from twin.output.reader import open_h5

        with open_h5(args.from_run) as f:
            text = f.attrs["config_yaml"]
        scenario = load_config_text(text, Path(args.from_run).resolve().parent, f"{args.from_run}:config_yaml",
                                    args.set)
        stem = Path(args.from_run).stem + "-rerun"
    else:
        scenario = load_config(args.config, args.set)
        stem = Path(args.config).stem
    out = Path(args.out) if args.out else Path("runs") / (stem + ".h5")
    check_target(out, args.force)   # before the banner; the engine checks again under the lock
    sim = scenario.simulation
    print(f"twin run {args.config or args.from_run} -> {out}: {sim.duration_s / SECONDS_PER_DAY:g} d at dt "
          f"{sim.dt_s:g} s, epoch {sim.epoch_utc.isoformat()}", flush=True,
          file=sys.stderr if args.json else sys.stdout)   # with --json, stdout is the JSON alone
    summary = run(scenario, out, force=args.force, progress=not args.quiet, log=_log)
    return _report_end(summary, args.json)


def _report_end(summary, json_out: bool = False) -> int:
    from twin.engine.checkpoint import stop_signal

    if summary is None:   # stopped by a signal: the engine said how to resume
        return 128 + (stop_signal() or signal.SIGINT)
    print(summary_json(summary) if json_out else format_summary(summary))
    return 0


def cmd_validate(args) -> int:
    """The resolved config on stdout once it and every input it names (TLE files, trace, presets)
    are read and checked, as a run would before it starts; what was read on stderr."""
    from twin.config import load_config
    from twin.engine.inputs import read_inputs

    scenario = load_config(args.config, args.set)
    inputs = read_inputs(scenario, log=_log)
    trace = f", {len(inputs.trace):,} trace jobs" if inputs.trace is not None else ""
    print(scenario.to_yaml(), end="")
    _log(f"{args.config}: valid; {len(inputs.sats):,} satellites{trace}")
    return 0


def cmd_inspect(args) -> int:
    from twin.output.reader import describe, open_h5, read_summary

    if args.json:
        with open_h5(args.run) as f:
            print(summary_json(read_summary(f)))
        return 0
    print(describe(args.run))
    return 0


def summary_json(summary: dict) -> str:
    """A /summary as JSON, the ledger among it (non-finite numbers as null, numpy scalars as
    numbers), for scripts: ``twin run --json``, ``twin inspect --json``."""
    import json
    import math

    def plain(value):
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, bytes):
            value = value.decode()
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value

    return json.dumps({key: plain(value) for key, value in summary.items()}, indent=1)


def cmd_report(args) -> int:
    from twin.report import write_report

    out_dir = Path(args.out) if args.out else Path(args.run).with_suffix("")
    for path in write_report(args.run, out_dir):
        print(path)
    return 0


def cmd_cost(args) -> int:
    """The economics of a finished run again, with ``--set economics.KEY=VALUE`` (or a
    spacecraft mass key), in seconds: nothing is simulated."""
    from twin.cli.cost import recost

    costs = recost(args.run, args.set)
    from twin.economics.cost import cost_line

    print(cost_line(costs))
    width = max(len(k) for k in costs)
    for key, value in costs.items():
        print(f"  {key:<{width}}  {value:,.6g}" if isinstance(value, float) else f"  {key:<{width}}  {value:,}")
    return 0


def cmd_bench(args) -> int:
    from twin.cli.bench import main as bench_main

    return bench_main(quick=not args.full)


def cmd_sweep(args) -> int:
    from twin.scaleout.sweep import main as sweep_main

    return sweep_main(args)


def format_summary(s: dict) -> str:
    from twin.output.ledger import ledger_line

    answer = ledger_line(s)
    lines = [answer] if answer else []
    if "cost_per_delivered_accel_h_usd" in s:
        from twin.economics.cost import cost_line

        lines.append(cost_line(s))
    lines += [
        f"satellites {s['n_satellites']:,}   simulated {s['simulated_s'] / SECONDS_PER_DAY:.3g} d   "
        f"wall {s.get('wall_s', float('nan')):.1f} s   {s.get('satellite_steps_per_s', 0) / 1e3:,.0f} k sat-steps/s",
        f"energy  solar {s['energy_solar_wh'] / 1e3:,.1f} kWh   load {s['energy_load_wh'] / 1e3:,.1f} kWh   "
        f"curtailed {s['energy_curtailed_wh'] / 1e3:,.1f} kWh   losses {s['energy_loss_wh'] / 1e3:,.2f} kWh   "
        f"balance error {s['energy_balance_rel_error']:.1e}",
        f"sunlit {100 * s['sunlit_fraction_mean']:.1f} %   utilisation {100 * s['utilization_mean']:.1f} %   "
        f"node-hours throttled {s['node_hours_throttled']:,.1f}  idle {s['node_hours_idle']:,.1f}  "
        f"safe {s['node_hours_safe']:,.1f}  thermal shutdown {s['node_hours_thermal_shutdown']:,.1f}",
        f"jobs  submitted {s['jobs_submitted']:,}  completed {s['jobs_completed']:,}  rejected {s['jobs_rejected']:,}  "
        f"running {s['jobs_running_at_end']:,}  queued {s['jobs_queued_at_end']:,}   "
        f"work {s['work_delivered_accel_h']:,.1f} accel-h   wait mean {s['wait_mean_s'] / 60:.1f} min  "
        f"p95 {s['wait_p95_s'] / 60:.1f} min",
    ]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    from twin.version import __version__

    p = argparse.ArgumentParser(prog="twin", description="Digital twin of compute constellations.")
    p.add_argument("--version", action="version", version=f"twin {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a scenario to an HDF5 run file")
    r.add_argument("config", nargs="?", help="scenario YAML")
    r.add_argument("-o", "--out", help="run file (default runs/<config>.h5)")
    r.add_argument("--resume", metavar="RUN.h5", help="continue an interrupted or killed run from its checkpoint")
    r.add_argument("--from", dest="from_run", metavar="RUN.h5", help="re-run the scenario stored in a run file")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. simulation.duration_s=3600 (repeatable)")
    r.add_argument("--force", action="store_true", help="overwrite an existing run file")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    r.add_argument("--json", action="store_true", help="print the summary (the ledger and the cost among it) as JSON")
    r.set_defaults(func=cmd_run)
    v = sub.add_parser("validate", help="print the resolved config, or its errors")
    v.add_argument("config")
    v.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    v.set_defaults(func=cmd_validate)
    i = sub.add_parser("inspect", help="summarise a run file")
    i.add_argument("run")
    i.add_argument("--json", action="store_true", help="the /summary (the ledger and the cost among it) as JSON")
    i.set_defaults(func=cmd_inspect)
    rp = sub.add_parser("report", help="PNG figures and a Markdown summary of a run file (or of a sweep folder)")
    rp.add_argument("run")
    rp.add_argument("-o", "--out", help="output folder (default: the run file's name without .h5)")
    rp.set_defaults(func=cmd_report)
    c = sub.add_parser("cost", help="the economics of a finished run, with other economics inputs (--set)")
    c.add_argument("run", help="a complete run file")
    c.add_argument("--set", action="append", default=[], metavar="economics.KEY=VALUE",
                   help="override an economics (or spacecraft mass-related) input; repeatable")
    c.set_defaults(func=cmd_cost)
    sw = sub.add_parser("sweep", help="a parameter sweep / ensemble / sharded run on dask.distributed")
    sw.add_argument("sweep", help="sweep YAML (a base config plus grid, samples and seeds)")
    sw.add_argument("-o", "--out", help="output folder (default runs/<sweep name>/)")
    sw.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="an existing Dask scheduler (default: a local cluster on loopback)")
    sw.add_argument("--workers", type=int, help="local cluster workers (default: one per core; 0 = in this process, no Dask)")
    sw.add_argument("-q", "--quiet", action="store_true")
    sw.set_defaults(func=cmd_sweep)
    b = sub.add_parser("bench", help="quick benchmark suite (under a minute); --full for the whole one")
    b.add_argument("--full", action="store_true")
    b.set_defaults(func=cmd_bench)
    return p


def _say(message: str) -> None:
    for line in message.splitlines() or ["error"]:
        print(f"twin: {line}", file=sys.stderr)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as err:
        _say(str(err))
        return EXIT_BAD_INPUT
    except RunFailedError as err:
        _say(str(err))
        return EXIT_RUN_FAILED
    except BrokenPipeError:   # the reader of our output left (twin inspect RUN | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt:   # Ctrl-C before a run started (a running one checkpoints instead)
        _say("interrupted")
        return 128 + signal.SIGINT
    except OSError as err:   # a path the OS refuses, a file it cannot read or write
        where = f"{err.filename}: " if err.filename else ""
        _say(f"{where}{err.strerror or err}")
        return EXIT_RUN_FAILED if err.errno in RUN_FAILED_ERRNOS else EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
