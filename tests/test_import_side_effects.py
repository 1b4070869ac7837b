"""Importing twin changes nothing in the process: not the environment, not the warnings filters,
not the logging handlers (but a NullHandler on ``twin``); numba is set up through its config
instead (the keyed cache, ``TWIN_DISABLE_JIT``) and OpenMP's wait policy only while numba's
threads start. Each check runs in a fresh interpreter."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from twin import numba_cache

REPO = Path(__file__).resolve().parents[1]

SNAPSHOT = textwrap.dedent("""
    import logging, os, sys, warnings

    def snapshot():
        loggers = {"": logging.getLogger()} | {name: logger for name, logger in
                                               logging.Logger.manager.loggerDict.items()
                                               if isinstance(logger, logging.Logger)}
        return {"environ": dict(os.environ),
                "filters": [repr(f) for f in warnings.filters],
                "handlers": {name: [type(h).__name__ for h in logger.handlers]
                             for name, logger in loggers.items() if logger.handlers}}
""")


def python(code: str, env: dict | None = None) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                            env=env or dict(os.environ), timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def changes(target: str, preimport: list[str] = ()) -> dict:
    """What ``import target`` changed, after importing ``preimport`` (the third-party modules it
    pulls in, whose own import-time settings are theirs, not twin's)."""
    code = SNAPSHOT + textwrap.dedent(f"""
        import importlib, json
        for name in {list(preimport)!r}:
            try:
                importlib.import_module(name)
            except Exception:
                pass
        before = snapshot()
        import {target}
        after = snapshot()
        environ = {{k: (before["environ"].get(k), v) for k, v in after["environ"].items()
                   if before["environ"].get(k) != v}}
        environ.update({{k: (v, None) for k, v in before["environ"].items() if k not in after["environ"]}})
        handlers = {{k: v for k, v in after["handlers"].items() if before["handlers"].get(k) != v}}
        print(json.dumps({{"environ": environ, "filters": after["filters"] != before["filters"],
                          "handlers": handlers,
                          "loaded": sorted(m for m in sys.modules if m.startswith(("twin.", "numba")))}}))
    """)
    return json.loads(python(code).splitlines()[-1])


def third_party_of(target: str) -> list[str]:
    """Every module but twin's that ``import target`` loads, in the order it loads them."""
    code = f"import sys\nimport {target}\nprint('\\n'.join(m for m in sys.modules if m.split('.')[0] != 'twin'))"
    return python(code).split()


def test_import_twin_changes_nothing_and_loads_no_simulator():
    got = changes("twin")
    assert got["environ"] == {}, got["environ"]
    assert not got["filters"]
    assert got["handlers"] == {"twin": ["NullHandler"]}
    assert got["loaded"] == ["twin.version"], got["loaded"]   # the rest on first use: numba is not loaded


@pytest.mark.parametrize("target", ["twin.engine.simulation", "twin.cli.main", "twin.scaleout.sweep",
                                    "twin.output.reader", "twin.kernels.node"])
def test_importing_twin_modules_changes_nothing_of_their_own(target):
    got = changes(target, third_party_of(target))
    assert got["environ"] == {}, got["environ"]
    assert not got["filters"], "twin changed warnings.filters on import"
    assert got["handlers"] == {"twin": ["NullHandler"]}, got["handlers"]


def test_the_checker_sees_a_change():
    """The snapshot does see what a module does on import (a test that can fail)."""
    code = SNAPSHOT + textwrap.dedent("""
        before = snapshot()
        os.environ["X_TWIN_TEST"] = "1"
        warnings.simplefilter("ignore")
        logging.getLogger().addHandler(logging.StreamHandler())
        after = snapshot()
        print(before["environ"] != after["environ"], before["filters"] != after["filters"],
              before["handlers"] != after["handlers"])
    """)
    assert python(code).split() == ["True", "True", "True"]


KEYED = ("import os, numba, twin.kernels.node as n\n"
         "print(numba.config.CACHE_DIR); print(n.advance_nodes_packed._cache._cache_path)\n"
         "print('NUMBA_CACHE_DIR' in os.environ)")


def test_kernels_use_the_keyed_cache_without_the_environment(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    folder, kernel_cache, in_environ = python(KEYED, env).split()
    assert folder == str(tmp_path / "cache" / "twin" / f"numba-{numba_cache.sources_digest()}")
    assert Path(folder).is_dir() and kernel_cache.startswith(folder + os.sep)
    assert in_environ == "False"


def test_a_cache_folder_the_user_chose_is_kept(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "mine"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    folder, kernel_cache, in_environ = python(KEYED, env).split()
    assert folder == str(tmp_path / "mine") and kernel_cache.startswith(folder)
    assert not (tmp_path / "cache").exists()


def test_disable_jit_without_the_environment():
    env = dict(os.environ, TWIN_DISABLE_JIT="1")
    code = ("import os, twin.kernels.thermal as t\n"
            "print(hasattr(t.two_node_step, 'py_func'), 'NUMBA_DISABLE_JIT' in os.environ)")
    assert python(code, env).split() == ["False", "False"]


def _spin_count(env: dict) -> tuple[str, str]:
    """(GOMP_SPINCOUNT libgomp reports when numba starts its threads, OMP_WAIT_POLICY after)."""
    code = ("import os\nfrom twin.numba_cache import start_threads\nstart_threads()\n"
            "import numba\nprint(numba.threading_layer(), os.environ.get('OMP_WAIT_POLICY'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                            env=dict(env, OMP_DISPLAY_ENV="VERBOSE"), timeout=300)
    assert result.returncode == 0, result.stderr
    layer, policy = result.stdout.split()
    spin = [line.split("=")[1].strip(" '") for line in result.stderr.splitlines() if "GOMP_SPINCOUNT" in line]
    if layer != "omp" or not spin:
        pytest.skip(f"numba's threading layer is {layer}, not GNU OpenMP")
    return spin[0], policy


def test_openmp_threads_wait_passively_and_the_environment_is_restored():
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    assert _spin_count(env) == ("0", "None")          # passive: no spinning
    spin, policy = _spin_count(dict(env, OMP_WAIT_POLICY="ACTIVE"))
    assert spin != "0" and policy == "ACTIVE"          # the user's choice stands
