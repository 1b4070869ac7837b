"""numba's cache is keyed on every source it compiles: an edit to a kernel's callee or to a layout
constant gets a cache of its own, an edit elsewhere does not."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from twin import numba_cache

REPO = Path(__file__).resolve().parents[1]


def copy_package(tmp_path) -> Path:
    package = tmp_path / "twin"
    shutil.copytree(REPO / "twin", package, ignore=shutil.ignore_patterns("__pycache__"))
    return package


def test_digest_follows_the_compiled_sources_only(tmp_path):
    package = copy_package(tmp_path)
    digest = numba_cache.sources_digest(package)
    assert digest == numba_cache.sources_digest(REPO / "twin")
    names = {p.relative_to(package).as_posix() for p in numba_cache.compiled_sources(package)}
    assert {"kernels/layout.py", "kernels/node.py", "constants.py", "engine/nodes.py"} <= names
    assert "report/figures.py" not in names
    report = package / "report" / "figures.py"
    report.write_text(report.read_text() + "\n# a comment\n")
    assert numba_cache.sources_digest(package) == digest     # not compiled: the cache stays
    layout = package / "kernels" / "layout.py"
    layout.write_text(layout.read_text().replace("LEDGER_POWER = 1", "LEDGER_POWER = 1 "))
    assert numba_cache.sources_digest(package) != digest     # a frozen constant: a new cache


def run_python(code: str, env: dict) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          env=env, check=True).stdout.strip()


def test_twin_points_numba_at_the_keyed_cache_unless_the_user_did(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    code = "import numba, twin.kernels; print(numba.config.CACHE_DIR)"   # numba's config, not os.environ
    got = run_python(code, env)
    assert got == str(tmp_path / "cache" / "twin" / f"numba-{numba_cache.sources_digest()}")
    assert Path(got).is_dir()
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "mine")
    assert run_python(code, env) == str(tmp_path / "mine")
