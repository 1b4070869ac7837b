"""Nothing lost, nothing hangs (docs/reliability.md): bad inputs found before any output is
touched, a partial file renamed into place, one live writer per run file, a full disk, stale
locks, paths the OS refuses, and the exit codes of a stopped run."""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import h5py
import pytest

from conftest import DATA, REPO, small_config, stored
from twin.engine.checkpoint import checkpoint_path
from twin.output.runlock import lock_path, partial_path
from twin.output.reader import state_names


def twin(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "twin", *map(str, args)], capture_output=True,
                          text=True, cwd=REPO, timeout=timeout)


def start(*args):
    return subprocess.Popen([sys.executable, "-m", "twin", *map(str, args)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def one_line(result, code, *fragments):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wait_for(path: Path, timeout_s: float = 120.0) -> None:
    deadline = time.time() + timeout_s
    while not path.exists():
        assert time.time() < deadline, f"{path} never appeared"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def good_file(tmp_path_factory):
    """A finished run file, the 'result the user keeps' of the tests below."""
    folder = tmp_path_factory.mktemp("good")
    out = folder / "run.h5"
    r = twin("run", REPO / "configs" / "default.yaml", "-o", out, "-q", "--set", "simulation.duration_s=1800")
    assert r.returncode == 0, r.stderr
    return out


def kept(good_file, tmp_path) -> Path:
    """A copy of the good file in this test's folder (the tests replace it with --force)."""
    out = tmp_path / "run.h5"
    shutil.copy(good_file, out)
    return out


# ---------------------------------------------------------------- bad input leaves the old file alone
def trace_config(csv: Path) -> dict:
    cfg = small_config(**{"simulation.duration_s": 600})
    cfg["workload"] = {"kind": "trace", "mapping": {
        "file": str(csv), "time_unit_s": 1e-3, "submit_column": "arrive_ms", "duration_column": "run_ms",
        "accelerators_column": "gpus"}}
    return cfg


def test_trace_with_a_missing_column_leaves_the_old_file_bit_for_bit(good_file, tmp_path, write_config):
    out = kept(good_file, tmp_path)
    before = digest(out)
    csv = tmp_path / "trace.csv"
    text = (DATA / "trace_small.csv").read_text().replace("run_ms", "runtime_ms")
    csv.write_text(text)
    one_line(twin("run", write_config(trace_config(csv)), "-o", out, "-q", "--force"), 2, "trace.csv", "run_ms")
    assert digest(out) == before and not partial_path(out).exists()
    one_line(twin("validate", write_config(trace_config(csv))), 2, "trace.csv", "run_ms")


def test_trace_with_garbage_rows_leaves_the_old_file_bit_for_bit(good_file, tmp_path, write_config):
    out = kept(good_file, tmp_path)
    before = digest(out)
    csv = tmp_path / "garbage.csv"
    csv.write_text((DATA / "trace_small.csv").read_text() + "x,soon,never,many,,,,,\n\x00\x01garbage\n")
    one_line(twin("run", write_config(trace_config(csv)), "-o", out, "-q", "--force"), 2, "garbage.csv")
    assert digest(out) == before
    one_line(twin("validate", write_config(trace_config(csv))), 2, "garbage.csv")


def test_all_decayed_tles_are_one_line_and_leave_the_old_file_alone(good_file, tmp_path, write_config):
    """The ISS's TLE of 2026-05-30 propagated from 2040: SGP4 finds it decayed."""
    out = kept(good_file, tmp_path)
    before = digest(out)
    cfg = small_config(**{"simulation.epoch_utc": "2040-01-01T00:00:00Z", "simulation.duration_s": 600})
    cfg["constellation"] = [{"kind": "tle", "file": str(DATA / "celestrak_iss_20260530.tle")}]
    line = one_line(twin("run", write_config(cfg), "-o", out, "-q", "--force"), 2,
                    "constellation", "no satellite")
    assert "SGP4" in line
    assert digest(out) == before and not partial_path(out).exists() and not lock_path(out).exists()
    one_line(twin("validate", write_config(cfg)), 2, "no satellite")


def test_infinite_config_value_is_refused_before_the_old_file_is_touched(good_file, tmp_path):
    out = kept(good_file, tmp_path)
    before = digest(out)
    r = twin("run", REPO / "configs" / "default.yaml", "-o", out, "-q", "--force",
             "--set", "workload.arrival_rate_per_h=.inf", timeout=60)
    one_line(r, 2, "workload.arrival_rate_per_h")
    assert digest(out) == before


def test_validate_reads_the_inputs_a_run_would(tmp_path, write_config):
    cfg = small_config()
    cfg["constellation"] = [{"kind": "tle", "file": str(DATA / "starlink_sample_20260530.tle")}]
    cfg["simulation"]["epoch_utc"] = "2026-05-30T12:00:00Z"
    r = twin("validate", write_config(cfg))
    assert r.returncode == 0, r.stderr
    assert "valid;" in r.stderr and "satellites" in r.stderr and "constellation:" in r.stdout


# ---------------------------------------------------------------- paths the OS refuses
def test_a_file_name_too_long_is_one_line(tmp_path):
    out = tmp_path / ("x" * 300 + ".h5")
    one_line(twin("run", REPO / "configs" / "default.yaml", "-o", out, "-q"), 2, "name too long")
    one_line(twin("inspect", out), 2)


def test_a_file_where_the_folder_should_be_is_one_line(tmp_path):
    (tmp_path / "plain").write_text("a file")
    one_line(twin("run", REPO / "configs" / "default.yaml", "-o", tmp_path / "plain" / "r.h5", "-q"), 2,
             "is a file, not a folder")


# ---------------------------------------------------------------- one live writer per run file
def long_run_args(out, *extra):
    return ("run", REPO / "configs" / "default.yaml", "-o", out, "-q", "--force",
            "--set", "simulation.duration_s=31536000", "--set", "output.checkpoint_every_s=3600", *extra)


def test_a_second_run_on_a_live_run_is_refused_and_the_first_goes_on(good_file, tmp_path):
    out = kept(good_file, tmp_path)
    before = digest(out)
    first = start(*long_run_args(out))
    try:
        wait_for(checkpoint_path(partial_path(out)))
        line = one_line(twin(*long_run_args(out)), 2, str(out), "live run", f"pid {first.pid}")
        assert "SIGINT" in line
        one_line(twin("run", "--resume", out, "-q"), 2, "live run")
        assert digest(out) == before   # the live run writes its partial file, not the old one
        r = twin("inspect", out)   # the target path finds the run in progress
        assert r.returncode == 0 and "status running" in r.stdout, r.stderr
        assert first.poll() is None
    finally:
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=120)
    assert first.returncode == 143, err
    with h5py.File(out, "r") as f:   # the first run's file, stopped with a checkpoint, intact
        assert f.attrs["status"] == "interrupted" and f["time"].shape[0] > 0
    assert checkpoint_path(out).is_file() and not lock_path(out).exists()


def test_a_killed_run_leaves_a_stale_lock_that_the_next_run_takes_over(tmp_path):
    out = tmp_path / "killed.h5"
    p = start(*long_run_args(out))
    wait_for(checkpoint_path(partial_path(out)))
    p.kill()
    p.wait(timeout=60)
    assert lock_path(out).exists() and partial_path(out).exists()
    r = twin("inspect", out)
    assert r.returncode == 0, r.stderr
    assert "no live writer" in r.stdout and f"twin run --resume {out}" in r.stdout
    # without --force the killed run's partial file is kept: resume it or start over on purpose
    one_line(twin("run", REPO / "configs" / "default.yaml", "-o", out, "-q"), 2, "--resume", "--force")
    r = twin("run", REPO / "configs" / "default.yaml", "-o", out, "-q", "--force",
             "--set", "simulation.duration_s=1800")
    assert r.returncode == 0, r.stderr
    assert not lock_path(out).exists() and not partial_path(out).exists()
    assert not checkpoint_path(partial_path(out)).exists()


# ---------------------------------------------------------------- a full disk
@pytest.fixture
def small_disk(tmp_path):
    """A 48 MiB tmpfs (root only; skipped where the machine cannot mount one)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", f"twin-test-{uuid.uuid4().hex[:8]}", str(mount)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.mark.slow
def test_a_disk_that_fills_during_a_run_fails_cleanly_and_resumes(small_disk, tmp_path):
    """The run writes ~32 MB; once it has a checkpoint, a filler takes the rest of the disk."""
    args = ["--set", "simulation.duration_s=864000", "--set", "output.checkpoint_every_s=3600",
            "--set", "output.flush_every_records=60"]
    reference = tmp_path / "reference.h5"
    r = twin("run", REPO / "configs" / "default.yaml", "-o", reference, "-q", *args)
    assert r.returncode == 0, r.stderr
    out = small_disk / "run.h5"
    p = start("run", REPO / "configs" / "default.yaml", "-o", out, "-q", *args)
    wait_for(checkpoint_path(partial_path(out)))
    filler = small_disk / "filler"
    with open(filler, "wb") as f:   # fill the disk: write until the OS says no
        try:
            while True:
                f.write(b"\0" * (1 << 20))
                f.flush()
        except OSError:
            pass
    _, err = p.communicate(timeout=300)
    assert p.returncode == 1, err
    assert "Traceback" not in err and "Segmentation" not in err
    line = err.strip().splitlines()[-1]
    assert "No space left on device" in line and f"twin run --resume {out}" in line
    assert not out.exists()   # nothing renamed into place
    with h5py.File(partial_path(out), "r") as f:
        assert f.attrs["status"] == "failed"
        assert "No space left on device" in f.attrs["failure_reason"]
    filler.unlink()
    r = twin("run", "--resume", out, "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(out, "r") as a, h5py.File(reference, "r") as b:
        assert a.attrs["status"] == "complete"
        names = ["time", "jobs", "events", *state_names(b)]
        assert stored(a, names) == stored(b, names)


# ---------------------------------------------------------------- damaged values
def test_report_draws_a_file_whose_values_are_not_finite(run_file, tmp_path):
    """A damaged (or hand-edited) file with inf in a power variable: the report still draws
    every figure from the finite values instead of failing on matplotlib's axis limits."""
    damaged = tmp_path / "inf.h5"
    shutil.copy(run_file, damaged)
    with h5py.File(damaged, "r+") as f:
        d = f["solar_power_w"]
        d[...] = float("inf")
    r = twin("report", damaged, "-o", tmp_path / "report")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "report" / "summary.md").is_file()


def test_resume_of_a_killed_run_whose_partial_file_was_cut_is_one_line(tmp_path):
    """A killed run's partial file cut in half (a crash of the disk, not of twin): --resume and
    inspect say it is damaged, in one line, without hanging (unbounded SWMR retries would take
    days; 60 s leaves room for a loaded machine's interpreter start-up and imports). (HDF5 checks a file's length against
    its superblock only in a plain open, which a file left open for SWMR writing refuses, so
    the cut shows as a damaged read rather than as a truncation.)"""
    out = tmp_path / "cut.h5"
    p = start(*long_run_args(out))
    wait_for(checkpoint_path(partial_path(out)))
    time.sleep(0.5)
    p.kill()
    p.wait(timeout=60)
    part = partial_path(out)
    data = part.read_bytes()
    part.write_bytes(data[:len(data) // 2])
    for args in (("run", "--resume", out, "-q"), ("inspect", out)):
        line = one_line(twin(*args, timeout=60), 2, str(part))
        assert "damaged run file" in line or "truncated run file" in line, line
