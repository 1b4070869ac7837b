"""Progress on long work, and the size check before a run starts."""
import shutil
from collections import namedtuple

import pytest

from conftest import REPO
from twin.config import load_config
from twin.engine.simulation import run
from twin.errors import InputError
from twin.engine.progress import Progress


def test_plain_log_lines_off_a_terminal():
    """Not a terminal (pytest captures stderr): periodic plain lines with simulated time,
    satellite-steps per second and an ETA."""
    lines = []
    meter = Progress(86400.0, 100, enabled=True, log=lines.append, log_every_s=0.0, dt_s=10.0)
    meter.update(43200.0)
    meter.close()
    assert len(lines) == 1
    assert "50.0 %" in lines[0] and "0.50/1.00 d" in lines[0] and "sat-steps/s" in lines[0] and "eta" in lines[0]


def test_expected_size_is_printed_and_a_run_that_cannot_fit_is_refused(tmp_path, monkeypatch):
    scenario = load_config(REPO / "configs" / "default.yaml", ["simulation.duration_s=3600"])
    logs = []
    run(scenario, tmp_path / "ok.h5", log=logs.append)
    assert any(line.startswith("expected run file size: at most") for line in logs)
    Usage = namedtuple("Usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(10**9, 10**9 - 1000, 1000))
    out = tmp_path / "big.h5"
    with pytest.raises(InputError, match="the run needs up to .* GB but .* has .* GB free"):
        run(scenario, out, log=logs.append)
    assert not out.exists()
