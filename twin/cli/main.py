"""Command line: ``twin run | validate | inspect | report | cost | sweep | bench | examples | completion``.

Bad input (config, TLE, trace, run file, an output path the OS refuses, a misspelt subcommand or
option) gets one line per problem on stderr naming the field or file, exit code 2, no traceback,
and no existing output touched. A run that fails on the way (a full disk) says so in one line and
exits 1; one stopped by SIGINT or SIGTERM checkpoints and exits 130 or 143.

Results go to stdout; messages go through :mod:`logging` (the ``twin`` loggers) to stderr:
information as plain lines, warnings and errors prefixed ``twin:``. ``-q`` keeps only warnings
and errors (and no progress display), ``-v`` adds debug lines, each with its logger's name; both
go before or after the subcommand.
"""
from __future__ import annotations

import argparse
import contextlib
import difflib
import errno
import logging
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


logger = logging.getLogger(__name__)


def cmd_run(args) -> int:
    from twin.config import load_config, load_config_text
    from twin.engine.simulation import resume, run
    from twin.output.runlock import check_target

    given = [x for x in (args.config, args.resume, args.from_run) if x]
    if len(given) != 1:
        raise InputError("twin run takes exactly one of CONFIG, --resume RUN.h5, --from RUN.h5")
    if args.resume:
        summary = resume(args.resume, progress=not args.quiet)
        return _report_end(summary, args.json)
    if args.from_run:
        from twin.output.reader import config_of

        text = config_of(args.from_run)   # any schema version: an older twin's file runs again
        scenario = load_config_text(text, Path(args.from_run).resolve().parent, f"{args.from_run}:config_yaml",
                                    args.set)
        stem = Path(args.from_run).stem + "-rerun"
    else:
        scenario = load_config(args.config, args.set)
        stem = Path(args.config).stem
    out = Path(args.out) if args.out else Path("runs") / (stem + ".h5")
    check_target(out, args.force)   # before the banner; the engine checks again under the lock
    sim = scenario.simulation
    logger.info(f"twin run {args.config or args.from_run} -> {out}: {sim.duration_s / SECONDS_PER_DAY:g} d "
                f"at dt {sim.dt_s:g} s, epoch {sim.epoch_utc.isoformat()}")
    summary = run(scenario, out, force=args.force, progress=not args.quiet)
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
    inputs = read_inputs(scenario)
    trace = f", {len(inputs.trace):,} trace jobs" if inputs.trace is not None else ""
    print(scenario.to_yaml(), end="")
    logger.info(f"{args.config}: valid; {len(inputs.sats):,} satellites{trace}")
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
    for path in write_report(args.run, out_dir, track=_map_track(args.run)):
        print(path)
    return 0


def _map_track(run) -> dict | None:
    """The ground-track map's positions (twin.cli.export), or None with a warning when they
    cannot be had (the scenario's TLE file moved away): the rest of the report still draws.
    A damaged file is left to the report, which names the problem."""
    from twin.cli.export import map_track
    from twin.output.reader import RunFileError

    if not Path(run).is_file():   # a sweep folder: its report has no map
        return None
    try:
        return map_track(run)
    except RunFileError:
        return None
    except InputError as err:
        logger.warning("no ground-track map: %s", str(err).splitlines()[0])
        return None


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
    if "trace_rows_read" in s:
        lines.append(f"trace  rows read {s['trace_rows_read']:,}  dropped {s['trace_rows_dropped']:,}  "
                     f"replayed {s['trace_jobs_replayed']:,} (censored {s['trace_jobs_censored']:,})")
    if "inference_requests" in s:
        lines.append(f"inference  requests {s['inference_requests']:,}  served {s['inference_served']:,}  "
                     f"refused {s['inference_refused']:,}   latency p50 {s['latency_p50_s']:.3g} s  "
                     f"p99 {s['latency_p99_s']:.3g} s   within objective {100 * s['slo_attainment']:.2f} %")
    return "\n".join(lines)


def cmd_completion(args) -> int:
    """A completion script for ``args.shell``, from the parser itself (shtab)."""
    import shtab

    parser = build_parser()
    for action in _all_actions(parser):
        marker = COMPLETE_FILE if action.dest in FILE_ARGS else COMPLETE_DIR if action.dest in DIR_ARGS else None
        if marker is not None:
            action.complete = marker
    print(shtab.complete(parser, args.shell))
    return 0


# shtab's markers (shtab.FILE, shtab.DIRECTORY), spelt out so that building the parser imports no shtab
COMPLETE_FILE = {"bash": "_shtab_compgen_files", "zsh": "_files", "tcsh": "f"}
COMPLETE_DIR = {"bash": "_shtab_compgen_dirs", "zsh": "_files -/", "tcsh": "d"}
FILE_ARGS = {"config", "run", "resume", "from_run", "sweep", "scheduler_file"}
DIR_ARGS = {"to"}


def _all_actions(parser):
    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_actions(sub)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors and a "did you mean" for a misspelt choice or subcommand."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see {self.prog} --help)\n")

    def _check_value(self, action, value):
        if action.choices is not None and value not in action.choices:
            choices = ", ".join(map(repr, action.choices))
            raise argparse.ArgumentError(action, f"invalid choice: {value!r}{did_you_mean(value, action.choices)} "
                                                 f"(choose from {choices})")


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def build_parser() -> argparse.ArgumentParser:
    from twin.version import __version__

    p = Parser(prog="twin", description="Digital twin of compute constellations.")
    p.add_argument("--version", action="version", version=f"twin {__version__}")
    p.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors: no progress, no information")
    p.add_argument("-v", "--verbose", action="store_true", help="debug messages too, each with its logger's name")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    r = sub.add_parser("run", help="run a scenario to an HDF5 run file")
    r.add_argument("config", nargs="?", help="scenario YAML")
    r.add_argument("-o", "--out", help="run file (default runs/<config>.h5)")
    r.add_argument("--resume", metavar="RUN.h5", help="continue an interrupted or killed run from its checkpoint")
    r.add_argument("--from", dest="from_run", metavar="RUN.h5", help="re-run the scenario stored in a run file")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. simulation.duration_s=3600 (repeatable)")
    r.add_argument("--force", action="store_true", help="overwrite an existing run file")
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
    where = sw.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="an existing Dask scheduler (default: a local cluster on loopback)")
    where.add_argument("--scheduler-file", metavar="PATH",
                       help="an existing Dask scheduler, by the file it wrote (dask scheduler "
                            "--scheduler-file PATH), as on HPC clusters")
    sw.add_argument("--workers", type=int, help="local cluster workers (default: one per core; 0 = in this process, no Dask)")
    sw.set_defaults(func=cmd_sweep)
    b = sub.add_parser("bench", help="quick benchmark suite (under a minute); --full for the whole one")
    b.add_argument("--full", action="store_true")
    b.set_defaults(func=cmd_bench)
    from twin.cli.examples import add_parser as add_examples
    from twin.cli.export import add_parser as add_export

    add_examples(sub)
    add_export(sub)
    co = sub.add_parser("completion", help="a shell completion script, e.g. eval \"$(twin completion bash)\"",
                        description="Print a completion script for SHELL. bash: add eval \"$(twin completion "
                                    "bash)\" to ~/.bashrc; zsh: twin completion zsh > a folder of $fpath, as _twin; "
                                    "tcsh: eval `twin completion tcsh` in ~/.tcshrc.")
    co.add_argument("shell", choices=("bash", "zsh", "tcsh"))
    co.set_defaults(func=cmd_completion)
    for command in sub.choices.values():   # -q and -v after the subcommand too (twin run -q)
        command.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                             help="only warnings and errors: no progress, no information")
        command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                             help="debug messages too, each with its logger's name")
    return p


def parse(argv=None) -> argparse.Namespace:
    """The command line parsed; a misspelt option gets the close names of its subcommand's."""
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        command = parser._subparsers._group_actions[0].choices[args.command]
        options = [o for action in command._actions for o in action.option_strings]
        hints = "".join(did_you_mean(word.split("=", 1)[0], options) for word in extras if word.startswith("-"))
        command.error(f"unrecognized arguments: {' '.join(extras)}{hints}")
    if args.quiet and args.verbose:
        parser.error("-q and -v: give one of them")
    return args


class _StderrHandler(logging.Handler):
    """Lines to the ``sys.stderr`` of the moment (a progress bar may have wrapped it meanwhile)."""

    def emit(self, record):
        try:
            print(self.format(record), file=sys.stderr, flush=True)
        except Exception:
            self.handleError(record)


class _Format(logging.Formatter):
    def __init__(self, verbose: bool):
        super().__init__()
        self.verbose = verbose

    def format(self, record):
        text = super().format(record)
        if self.verbose:
            return f"{record.levelname.lower()} {record.name}: {text}"
        if record.levelno >= logging.ERROR:
            return f"twin: {text}"
        return f"twin: warning: {text}" if record.levelno >= logging.WARNING else text


@contextlib.contextmanager
def logging_to_stderr(quiet: bool = False, verbose: bool = False):
    """The ``twin`` loggers' messages on stderr while the command runs (INFO and up; WARNING and up
    when ``quiet``; DEBUG and up when ``verbose``); as they were afterwards."""
    log = logging.getLogger("twin")
    handler = _StderrHandler()
    handler.setFormatter(_Format(verbose))
    saved = log.level, log.propagate
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    log.propagate = False   # the application's root handlers (if any) would print them twice
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(saved[0])
        log.propagate = saved[1]


def _say(message: str) -> None:
    for line in message.splitlines() or ["error"]:
        print(f"twin: {line}", file=sys.stderr)


def main(argv=None) -> int:
    args = parse(argv)
    with logging_to_stderr(args.quiet, args.verbose):
        return _dispatch(args)


def _dispatch(args) -> int:
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
