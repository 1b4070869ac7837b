"""The code passes the ruff configuration in pyproject.toml (pyflakes, pycodestyle errors and
warnings, bugbear)."""
import subprocess
import sys

import pytest

from conftest import REPO


def test_ruff_passes():
    pytest.importorskip("ruff", reason="ruff is in the test extra: pip install -e '.[test]'")
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
                          "twin", "tests", "benchmarks", "analysis", "tools"],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-1000:]
