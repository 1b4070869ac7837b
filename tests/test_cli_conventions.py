"""The command line's conventions: ``-q`` (warnings and errors only) and ``-v`` (debug lines with
logger names) before or after the subcommand, shell completion, "did you mean" for a misspelt
subcommand or option, and a progress display that says the first run compiles the kernels."""
import os
import subprocess
import sys
import textwrap
import threading

import pytest

from conftest import REPO, small_config
from twin.engine import progress as P


def twin(*args):
    return subprocess.run([sys.executable, "-m", "twin", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, env=dict(os.environ), timeout=300)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    import yaml

    path = tmp_path_factory.mktemp("cli") / "tiny.yaml"
    path.write_text(yaml.safe_dump(small_config(**{"simulation.duration_s": 1800, "output.compression": 0})))
    return path


def assert_one_line_error(result, *fragments):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(f in lines[0] for f in fragments), lines[0]


# ---------------------------------------------------------------------- -q and -v
@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_prints_the_result_and_nothing_else(tiny, tmp_path, where):
    args = ["run", tiny, "-o", tmp_path / "q.h5"]
    result = twin("-q", *args) if where == "before" else twin(*args, "-q")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "energy" in result.stdout and "jobs" in result.stdout   # the summary: what was asked for


def test_messages_go_to_stderr_as_plain_lines(tiny, tmp_path):
    result = twin("run", tiny, "-o", tmp_path / "d.h5")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"twin run {tiny} -> ")
    assert any(line.startswith("expected run file size") for line in lines)
    assert not any(line.startswith(("debug", "info", "twin: warning")) for line in lines), lines
    assert "twin run" not in result.stdout   # stdout holds the summary alone


def test_verbose_adds_debug_lines_with_logger_names(tiny, tmp_path):
    result = twin("-v", "run", tiny, "-o", tmp_path / "v.h5")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert any(line.startswith("debug twin.engine.simulation: ") for line in lines), lines
    assert any(line.startswith("info twin.cli.main: twin run ") for line in lines), lines


def test_warnings_show_when_quiet(tmp_path):
    """A satellite left out (a TLE with a wrong checksum) is a warning: shown under -q, prefixed."""
    lines = (REPO / "configs" / "data" / "celestrak_starlink_20260530.tle").read_text().splitlines()[:3]
    broken = lines[2][:-1] + str((int(lines[2][-1]) + 1) % 10)
    (tmp_path / "two.tle").write_text("\n".join(lines + ["BROKEN-SAT", lines[1], broken]) + "\n")
    cfg = tmp_path / "c.yaml"
    cfg.write_text('simulation: {epoch_utc: "2026-05-30T00:00:00Z", duration_s: 600}\n'
                   "constellation: [{kind: tle, file: two.tle}]\n")
    result = twin("-q", "validate", cfg)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("twin: warning: skipped 1 TLE(s): BROKEN-SAT"), result.stderr
    assert len(result.stderr.splitlines()) == 1 and "constellation" in result.stdout


def test_quiet_and_verbose_together_are_refused():
    assert_one_line_error(twin("-q", "inspect", "x.h5", "-v"), "-q and -v")


# ---------------------------------------------------------------------- did you mean
def test_a_misspelt_subcommand_gets_the_close_name():
    assert_one_line_error(twin("rnu", "x.yaml"), "invalid choice: 'rnu'", "did you mean 'run'?")
    assert_one_line_error(twin("sweeep", "x.yaml"), "did you mean 'sweep'?")


def test_a_misspelt_option_gets_the_close_name(tiny):
    assert_one_line_error(twin("run", tiny, "--forse"), "unrecognized arguments: --forse", "did you mean '--force'?")
    assert_one_line_error(twin("sweep", "s.yaml", "--schedular-file", "x"), "did you mean '--scheduler-file'?")
    assert_one_line_error(twin("completion", "fsh"), "invalid choice: 'fsh'")


# ---------------------------------------------------------------------- completion
def test_bash_completion_names_every_subcommand():
    from twin.cli.main import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)
    assert {"run", "sweep", "inspect", "completion"} <= commands
    result = twin("completion", "bash")
    assert result.returncode == 0, result.stderr
    script = result.stdout
    assert "complete" in script and "_shtab_twin" in script
    missing = [c for c in commands if c not in script]
    assert not missing, missing
    assert "--scheduler-file" in script and "--force" in script


@pytest.mark.parametrize("shell", ["zsh", "tcsh"])
def test_zsh_and_tcsh_completion(shell):
    result = twin("completion", shell)
    assert result.returncode == 0, result.stderr
    assert "sweep" in result.stdout and "inspect" in result.stdout


def test_bash_accepts_the_completion_script(tmp_path):
    script = tmp_path / "twin.bash"
    script.write_text(twin("completion", "bash").stdout)
    result = subprocess.run(["bash", "-c", f"source {script} && complete -p twin"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "twin" in result.stdout


# ---------------------------------------------------------------------- the first run compiles
class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_compiling_first_step_is_named_and_left_out_of_the_eta(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(P.time, "perf_counter", clock)
    lines = []
    meter = P.Progress(1000.0, 10, enabled=True, log=lines.append, log_every_s=0.0, dt_s=1.0, compiling=True)
    assert lines and lines[0].startswith("compiling kernels (first run only)")
    clock.now += 60.0                    # the first step: a minute of compiling
    meter.update(100.0)
    assert "eta" not in lines[-1]        # nothing measured yet
    clock.now += 10.0                    # then 100 simulated s per 10 wall s
    meter.update(200.0)
    assert lines[-1].endswith("eta 80 s"), lines[-1]   # 800 s left at 10 s a second, not (70 / 0.2) * 0.8
    assert "10 k sat-steps/s" not in lines[-1] and "0 k sat-steps/s" in lines[-1]
    meter.close()


def test_without_compiling_rates_count_from_the_start(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(P.time, "perf_counter", clock)
    lines = []
    meter = P.Progress(1000.0, 1000, enabled=True, log=lines.append, log_every_s=0.0, dt_s=1.0, compiling=False)
    assert lines == []
    clock.now += 10.0
    meter.update(500.0)
    assert "50 k sat-steps/s" in lines[-1] and lines[-1].endswith("eta 10 s"), lines[-1]


def test_a_compilation_during_the_run_restarts_the_measurement(monkeypatch):
    """numba's compile events (a real compilation here) keep the time they take out of the rate."""
    from numba import njit

    clock = Clock()
    monkeypatch.setattr(P.time, "perf_counter", clock)
    lines = []
    meter = P.Progress(1000.0, 1000, enabled=True, log=lines.append, log_every_s=0.0, dt_s=1.0, compiling=False)
    clock.now += 10.0
    meter.update(100.0)
    assert lines[-1].endswith("eta 90 s"), lines[-1]
    njit(lambda x: x + 1)(1)             # compiles: a kernel met for the first time mid-run
    clock.now += 100.0                   # ... and took long
    meter.update(200.0)
    assert "eta" not in lines[-1], lines[-1]
    clock.now += 10.0
    meter.update(300.0)
    assert lines[-1].endswith("eta 70 s"), lines[-1]   # 100 s per 10 s since, not 200 per 120
    meter.close()
    assert meter._listener is None


def test_the_bar_says_compiling_until_the_first_step(monkeypatch):
    monkeypatch.setattr(P, "display_kind", lambda enabled: "bar")
    meter = P.Progress(1000.0, 10, enabled=True, compiling=True)
    try:
        assert meter._bar.tasks[0].description == P.COMPILING
        meter.update(100.0)
        assert meter._bar.tasks[0].description == P.RUNNING
    finally:
        meter.close()
    meter = P.Progress(1000.0, 10, enabled=True, compiling=None)
    assert meter._bar.tasks[0].description == P.STARTING
    meter.update(100.0)
    assert meter._bar.tasks[0].description == P.RUNNING
    from numba import njit

    njit(lambda x: x * 2)(1)             # a compilation later on names itself while it lasts
    assert meter._bar.tasks[0].description == P.COMPILING
    meter.update(200.0)
    assert meter._bar.tasks[0].description == P.RUNNING
    meter.close()


def test_display_kind(monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    monkeypatch.setattr(P, "_in_jupyter", lambda: False)
    assert P.display_kind(True) == "lines" and P.display_kind(False) == "off"
    monkeypatch.setattr(P, "_in_jupyter", lambda: True)
    have_widgets = P.importlib.util.find_spec("ipywidgets") is not None
    assert P.display_kind(True) == ("bar" if have_widgets else "notebook")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert P.display_kind(True) == "bar"


def test_will_compile_reads_numba_cache(tmp_path):
    """A cached kernel's first call compiles with an empty cache, not once the cache holds it."""
    (tmp_path / "kern.py").write_text("from numba import njit\n\n@njit(cache=True)\ndef f(x):\n    return x + 1\n")
    code = textwrap.dedent("""
        import kern
        from twin.numba_cache import will_compile
        before = will_compile(kern.f)
        kern.f(1)
        print(before, will_compile(kern.f), will_compile(kern.f.py_func))
    """)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(tmp_path), str(REPO), os.environ.get("PYTHONPATH")])))
    run = [sys.executable, "-c", code]
    first = subprocess.run(run, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["True", "False", "False"]
    again = subprocess.run(run, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert again.stdout.split()[0] == "False"   # the cache has it now


def test_main_leaves_logging_as_it_found_it(capsys):
    """In process (a notebook, a test), the command's stderr handler goes when it returns."""
    import logging

    from twin.cli.main import main

    log = logging.getLogger("twin")
    before = (list(log.handlers), log.level, log.propagate)
    assert main(["-v", "completion", "bash"]) == 0
    assert (list(log.handlers), log.level, log.propagate) == before
    assert "_shtab_twin" in capsys.readouterr().out


def test_a_run_with_an_empty_numba_cache_says_it_compiles(tmp_path, tiny):
    """The real first run: ``twin run`` with twin's numba cache in an empty folder says
    "compiling kernels" before its first step. Stopped once it has said so, so that the test does
    not pay for the compilation (nothing here reads a clock)."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR" and k != "TWIN_DISABLE_JIT"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")   # twin.numba_cache keys its folder under it
    proc = subprocess.Popen([sys.executable, "-m", "twin", "run", str(tiny), "-o", str(tmp_path / "run.h5")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    said = []
    watchdog = threading.Timer(900.0, proc.kill)   # a run that never says it ends the loop, failing
    watchdog.start()
    try:
        for line in proc.stderr:   # lines mode: stderr is a pipe
            said.append(line)
            if P.COMPILING.rstrip("…") in line:
                break
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait(timeout=60)
        proc.stderr.close()
    assert said and P.COMPILING.rstrip("…") in said[-1], "".join(said)
