"""A run with the radiator's ageing coating (its UV dose in the node state), a fin and a
bypass loop: SIGKILL after a checkpoint and --resume give the uninterrupted run bit for bit, and
--from reruns its stored config (every coating key filled in) to the same bits."""
import signal
import subprocess
import sys
import time

import pytest
import yaml

from conftest import REPO
from test_resume import identical, long_config, resume, start, start_until_checkpoint
from twin.engine.checkpoint import checkpoint_path
from twin.output.runlock import partial_path

RADIATOR = {
    "spacecraft.radiator.coating": "white_silicate_paint",
    "spacecraft.radiator.normal_lvlh": [1, 0, 0],   # along-track: the Sun on its faces, the dose grows
    "spacecraft.radiator.uv_dose_at_epoch_esh": 990.0,   # reaches the tested 1,000 ESH on day 1: held after
    "spacecraft.radiator.fin": {"thickness_m": 0.001, "conductivity_w_per_m_k": 167.0, "half_width_m": 0.05,
                                "reference_temp_k": 300.0},
    "spacecraft.thermal.conductance_model": "bypass_loop",
    "spacecraft.thermal.bypass_loop": {"closed_temp_k": 278.0, "open_temp_k": 288.0, "min_flow_fraction": 0.05,
                                       "ntu_full_flow": 3.0},
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ref")
    cfg = tmp / "radiator.yaml"

    def write(c, _name):
        from twin.config import set_dotted
        for key, value in RADIATOR.items():
            set_dotted(c, key, value)
        cfg.write_text(yaml.safe_dump(c))
        return cfg

    long_config(write)
    out = tmp / "reference.h5"
    p = start(cfg, "-o", out)
    assert p.wait(timeout=900) == 0, p.stderr.read()
    return cfg, out


def test_sigkill_then_resume_equals_uninterrupted_with_the_radiator_models_on(reference, tmp_path):
    cfg, ref = reference
    out = tmp_path / "killed.h5"
    p = start_until_checkpoint(cfg, out)
    time.sleep(0.5)
    p.send_signal(signal.SIGKILL)
    p.wait()
    r = resume(out)
    assert r.returncode == 0, r.stderr
    identical(ref, out)
    assert not checkpoint_path(out).exists() and not partial_path(out).exists()


def test_from_reruns_the_stored_radiator_config(reference, tmp_path):
    _, ref = reference
    out = tmp_path / "again.h5"
    r = subprocess.run([sys.executable, "-m", "twin", "run", "--from", str(ref), "-o", str(out), "-q"],
                       cwd=REPO, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    identical(ref, out)
