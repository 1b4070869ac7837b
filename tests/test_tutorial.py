"""docs/tutorial.md runs as written: its Python blocks, in order, in an empty folder."""
import re
import subprocess
import sys

from conftest import REPO


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_tutorial_runs_from_an_empty_folder(tmp_path):
    blocks = python_blocks((REPO / "docs" / "tutorial.md").read_text())
    assert len(blocks) >= 5   # install and run, shell, preset, trace, analysis
    script = tmp_path / "tutorial.py"
    script.write_text("\n\n".join(blocks))
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert any(line.startswith("400.0 W per accelerator") for line in lines)   # the preset beside the config
    assert any(line.startswith("40 jobs replayed") for line in lines)          # the trace's every row
    assert (tmp_path / "compute_power.png").stat().st_size > 10_000
    assert (tmp_path / "traced.nc").is_file() and (tmp_path / "runs" / "traced.h5").is_file()
