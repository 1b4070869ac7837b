"""TWIN_DISABLE_JIT=1 (every kernel as plain Python, for debugging) runs a whole scenario, and to
the same bits as the compiled kernels: what numba compiles is what Python would compute."""
import os
import subprocess
import sys

import h5py
import numpy as np
import yaml

from conftest import REPO, small_config

STATE = ("soc", "electronics_temp_k", "radiator_temp_k", "solar_power_w", "t_array_k", "mode", "utilization")


def test_a_run_without_numba_equals_the_compiled_run(tmp_path):
    cfg = small_config(**{"simulation.duration_s": 1200, "constellation.0.planes": 1,
                          "constellation.0.sats_per_plane": 2, "constellation.0.phasing": 0})
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(cfg))
    files = {}
    for name, flag in (("python", "1"), ("numba", "0")):
        env = {k: v for k, v in os.environ.items() if k != "TWIN_DISABLE_JIT"}
        env["TWIN_DISABLE_JIT"] = flag
        files[name] = tmp_path / f"{name}.h5"
        result = subprocess.run([sys.executable, "-m", "twin", "run", path, "-o", files[name], "-q"],
                                capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
        assert result.returncode == 0, result.stderr
    probe = subprocess.run([sys.executable, "-c", "from twin.kernels import node; "
                            "print(hasattr(node.advance_nodes, 'py_func'))"], capture_output=True, text=True,
                           cwd=REPO, env=dict(os.environ, TWIN_DISABLE_JIT="1"), timeout=120)
    assert probe.stdout.strip() == "False", probe.stderr   # really plain Python there
    with h5py.File(files["python"]) as a, h5py.File(files["numba"]) as b:
        for name in STATE:
            np.testing.assert_array_equal(a[name][...], b[name][...], err_msg=name)
