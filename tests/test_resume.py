"""Long runs: checkpoints, SIGKILL + --resume equal to an uninterrupted run bit for bit,
SIGINT/SIGTERM stop cleanly, --from re-runs a file's scenario, live reading while it runs."""
import os
import signal
import subprocess
import sys
import time

import h5py
import pytest

from conftest import REPO, small_config, stored
from twin.engine.checkpoint import checkpoint_path
from twin.output.hdf5 import FILE_FLUSH_INTERVAL_S
from twin.output.runlock import partial_path
from twin.output.reader import state_names

STATE_AND_TABLES = ["time", "soc", "battery_energy_wh", "electronics_temp_k",
                    "radiator_temp_k", "solar_power_w", "load_power_w", "mode",
                    "utilization", "jobs", "events", "ledger", "ledger_total"]


def long_config(write_config, name="long.yaml"):
    # 12 simulated days and 72 checkpoints: long enough to be killed mid-way, well after the
    # first checkpoint
    cfg = small_config(**{"simulation.duration_s": 12 * 86400, "output.checkpoint_every_s": 4 * 3600,
                          "output.flush_every_records": 30, "workload.arrival_rate_per_h": 4})
    cfg["constellation"][0].update(planes=4, sats_per_plane=8)
    return write_config(cfg, name)


def start(*args):
    return subprocess.Popen([sys.executable, "-m", "twin", "run", *map(str, args), "-q"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def start_until_checkpoint(cfg, out, *extra):
    """``twin run`` in the background, returned once its first checkpoint is on disk (beside the
    partial file the run writes until it ends)."""
    p = start(cfg, "-o", out, *extra)
    wait_for(checkpoint_path(partial_path(out)))
    return p


def resume(out):
    return subprocess.run([sys.executable, "-m", "twin", "run", "--resume", str(out), "-q"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def identical(a_path, b_path):
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        names = [*STATE_AND_TABLES, *state_names(a)]
        assert stored(a, names) == stored(b, names)


def wait_for(path, timeout=120):
    t0 = time.time()
    while not path.exists():
        assert time.time() - t0 < timeout, f"{path} never appeared"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ref")
    import yaml
    cfg = tmp / "long.yaml"
    long_config(lambda c, n: (cfg.write_text(yaml.safe_dump(c)), cfg)[1])
    out = tmp / "reference.h5"
    p = start(cfg, "-o", out)
    assert p.wait(timeout=600) == 0, p.stderr.read()
    return cfg, out


@pytest.mark.parametrize("delay_s", [0.3, 1.7])
def test_sigkill_then_resume_equals_uninterrupted(reference, tmp_path, delay_s):
    cfg, ref = reference
    out = tmp_path / "killed.h5"
    p = start_until_checkpoint(cfg, out)
    time.sleep(delay_s)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert not out.exists()   # the run writes its partial file until it ends or stops
    with h5py.File(partial_path(out), "r", libver="latest", swmr=True) as f:
        assert f.attrs["status"] == "running"   # killed: never closed
    r = resume(out)
    assert r.returncode == 0, r.stderr
    with h5py.File(out, "r") as f:
        assert f.attrs["status"] == "complete"
    identical(ref, out)
    assert not checkpoint_path(out).exists()
    assert not partial_path(out).exists() and not checkpoint_path(partial_path(out)).exists()


@pytest.mark.parametrize("sig", [signal.SIGINT, pytest.param(signal.SIGTERM, marks=pytest.mark.slow)])
def test_sigint_and_sigterm_checkpoint_and_say_how_to_resume(reference, tmp_path, sig):
    cfg, ref = reference
    out = tmp_path / "stopped.h5"
    p = start_until_checkpoint(cfg, out)
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 128 + sig, err   # 130 for SIGINT, 143 for SIGTERM, as a shell reports
    assert f"twin run --resume {out}" in err
    assert not partial_path(out).exists() and checkpoint_path(out).is_file()   # renamed into place
    with h5py.File(out, "r") as f:
        assert f.attrs["status"] == "interrupted"
        assert f["time"].shape[0] > 0
    r = resume(out)
    assert r.returncode == 0, r.stderr
    identical(ref, out)


def test_resume_refuses_complete_and_foreign_files(reference, tmp_path):
    _, ref = reference
    r = subprocess.run([sys.executable, "-m", "twin", "run", "--resume", str(ref)], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 2 and "already complete" in r.stderr and "Traceback" not in r.stderr
    junk = tmp_path / "junk.h5"
    junk.write_bytes(os.urandom(4096))
    r = subprocess.run([sys.executable, "-m", "twin", "run", "--resume", str(junk)], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 2 and "junk.h5" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_from_reruns_the_stored_scenario(reference, tmp_path):
    _, ref = reference
    out = tmp_path / "again.h5"
    r = subprocess.run([sys.executable, "-m", "twin", "run", "--from", str(ref), "-o", str(out), "-q"],
                       cwd=REPO, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    identical(ref, out)


def test_live_reading_while_a_run_writes(reference, tmp_path):
    """A second process reads the file (inspect and open_run) while twin run is writing it."""
    cfg, _ = reference
    out = tmp_path / "live.h5"
    # a long run (a year), stopped with SIGINT once the reader has seen it grow
    p = start_until_checkpoint(cfg, out, "--set", "simulation.duration_s=31536000",
                               "--set", "output.flush_every_records=60")
    seen = []
    code = ("import twin; ds = twin.open_run(%r); print(ds.sizes['time'], float(ds.soc.isel(time=-1).mean()))" % str(out))
    deadline = time.time() + 120   # generous: the machine may be loaded
    while len(seen) < 2 or seen[-1] <= seen[0]:
        assert time.time() < deadline, f"the file did not grow while read: {seen}"
        r = subprocess.run([sys.executable, "-m", "twin", "inspect", str(out)], cwd=REPO,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert "status running" in r.stdout
        r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        seen.append(int(r.stdout.split()[0]))
        time.sleep(FILE_FLUSH_INTERVAL_S / 2)   # the writer flushes the file to disk this often
    p.send_signal(signal.SIGINT)
    assert p.wait(timeout=120) == 130
    assert seen[0] > 0
