"""`twin report`: figures and summary.md from a real (small) run; sampling of large files."""
import shutil
import subprocess
import sys

import h5py
import matplotlib
import numpy as np
import pytest

from conftest import REPO
from twin.output.reader import RunFileError
from twin.report import figures, markdown, style, write_report
from twin.report import sample as sampling
from twin.report.figures import FIGURES
from twin.report.sample import read_sample

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def written(run_file, tmp_path_factory):
    """The report written in-process, and `python -m twin report` of the same run started
    alongside (it runs on another core while this one draws)."""
    out = tmp_path_factory.mktemp("out") / "report"
    cli_out = out.parent / "cli"
    proc = subprocess.Popen([sys.executable, "-m", "twin", "report", str(run_file), "-o", str(cli_out)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    paths = write_report(run_file, out)
    yield out, paths, (proc, cli_out)
    proc.kill()
    proc.wait()


def assert_valid_png(path):
    import matplotlib.image

    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, path
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[2] in (3, 4), image.shape
    assert image.shape[0] > 300 and image.shape[1] > 600, image.shape
    assert image[..., :3].std() > 0.05, f"{path.name} is blank"


def test_report_writes_every_figure_and_the_summary(written):
    out, paths, _ = written
    names = [p.name for p in paths]
    assert names == [name for name, *_ in FIGURES] + ["summary.md"]
    assert all(p.parent == out and p.stat().st_size > 0 for p in paths)
    for path in paths[:-1]:
        assert_valid_png(path)


def test_summary_md_embeds_every_figure_and_headline_numbers(written, run_file):
    out, paths, _ = written
    text = (out / "summary.md").read_text()
    for path in paths[:-1]:
        assert f"]({path.name})" in text
    with h5py.File(run_file, "r") as f:
        summary = dict(f["summary"].attrs)
    for fragment in ("| solar energy delivered to the bus |", "| kWh |", "| min |", "| % |",
                     f"{summary['jobs_submitted']:,} / {summary['jobs_completed']:,}"):
        assert fragment in text, fragment
    for key in summary:  # the full table lists every key with a unit
        assert f"| `{key}` |" in text


def test_report_without_jobs_or_summary(run_file, tmp_path):
    """A run with no jobs and no /summary yet (as while it is written): the wait figure says so
    and summary.md still embeds it."""
    path = tmp_path / "bare.h5"
    shutil.copy(run_file, path)
    with h5py.File(path, "r+") as f:
        f["jobs"].resize((0,))
        for key in list(f["summary"].attrs):
            del f["summary"].attrs[key]
    sample = read_sample(path)
    assert len(sample.waits_s) == 0 and sample.summary == {}
    with matplotlib.rc_context(style.STYLE):
        figure = figures.fig_job_wait(sample, tmp_path / "job_wait.png")
    assert_valid_png(figure)
    text = markdown._markdown(sample, [(figure, "Job waits", "")])
    assert "No `/summary` yet" in text and "](job_wait.png)" in text


def test_large_files_are_read_with_strides(run_file, tmp_path, monkeypatch):
    """With small limits the same file is sampled: fewer records and satellites are read, the
    eclipse map gets its whole-run panel, and summary.md says it sampled."""
    monkeypatch.setattr(sampling, "MAX_TIME_POINTS", 30)
    monkeypatch.setattr(sampling, "MAX_VALUES_PER_VARIABLE", 30 * 8)
    monkeypatch.setattr(sampling, "ECLIPSE_BLOCK_S", 600.0)
    sample = read_sample(run_file)
    assert (sample.record_stride, sample.sat_stride) == (4, 3)  # 120 records, 24 satellites
    assert len(sample.time_s) == 30 and sample.time_s[-1] == 7200.0  # ends on the last record
    assert all(len(band) == 30 for bands in sample.bands.values() for band in bands)
    assert sample.window_sunlit.shape == (30, 8)
    assert sample.binned_sunlit is not None and sample.binned_sunlit.size <= 30 * 8
    np.testing.assert_allclose(sample.mode_counts.sum(axis=0), 24)  # scaled up to the constellation
    with matplotlib.rc_context(style.STYLE):
        for name, draw in (("eclipse_map.png", figures.fig_eclipse_map), ("utilization.png", figures.fig_utilization)):
            assert_valid_png(draw(sample, tmp_path / name))
    assert "one record in 4 and one satellite in 3" in markdown._markdown(sample, [])


def test_value_budget_holds_for_huge_runs():
    """Strides keep each variable under MAX_VALUES_PER_VARIABLE, so a report loads no more than
    ~50 M values whatever the run size."""
    for n_rec, n_sats in ((10**6, 10**5), (525_600, 42_000), (100, 10**6), (5, 3)):
        ts, ss = sampling._strides(n_rec, n_sats)
        n_times, n_cols = -(-n_rec // ts), -(-n_sats // ss)
        assert n_times <= sampling.MAX_TIME_POINTS
        assert n_times * n_cols <= sampling.MAX_VALUES_PER_VARIABLE
    # 9 sampled variables, the eclipse window and its blocks, two job columns
    assert 11 * sampling.MAX_VALUES_PER_VARIABLE + 2 * sampling.MAX_JOB_ROWS <= 50_000_000


def test_cli_report(written):
    _, _, (proc, out) = written
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert stdout.split() == [str(out / name) for name, *_ in FIGURES] + [str(out / "summary.md")]
    assert all((out / name).stat().st_size > 0 for name, *_ in FIGURES)


# ---------------------------------------------------------------------- sweeps
def sweep_table(folder):
    """A sweep summary (3 x 2 grid x 2 seeds, one member failed) written as `twin sweep` does."""
    import pandas as pd

    from twin.output.sweep_table import write_tables

    rows = []
    for area in (4, 6, 8):
        for capacity in (4000, 8000):
            for seed in (1, 2):
                failed = (area, capacity, seed) == (8, 8000, 2)
                rows.append({"member_id": f"m{area}{capacity}{seed}", "status": "failed" if failed else "complete",
                             "error": "ValueError: boom" if failed else "", "run_file": "", "reused": False,
                             "task_wall_s": 1.0, "spacecraft.radiator.area_m2": area,
                             "spacecraft.battery.capacity_wh": capacity, "simulation.seed": seed,
                             "work_delivered_accel_h": np.nan if failed else area * capacity / 1e3 + seed,
                             "utilization_mean": np.nan if failed else 0.5 + area / 20,
                             "node_hours_throttled": np.nan if failed else 40.0 / area,
                             "node_hours_safe": np.nan if failed else 8000.0 / capacity,
                             "energy_curtailed_wh": np.nan if failed else 1e5 / area})
    frame = pd.DataFrame(rows)
    write_tables(folder, frame, {"name": "grid", "parameters": ["spacecraft.radiator.area_m2",
                                                                "spacecraft.battery.capacity_wh", "simulation.seed"]})
    return frame


def test_sweep_report_from_the_sweep_folder(tmp_path, capsys):
    """`twin report runs/<sweep>/` (no -o) writes runs/<sweep>/report/: a heatmap per metric over
    the grid, metrics against the parameters, and summary.md with every member and the failures."""
    from twin.cli.main import main

    folder = tmp_path / "grid"
    sweep_table(folder)
    assert main(["report", str(folder)]) == 0
    out = folder / "report"
    printed = capsys.readouterr().out.split()
    assert printed == [str(out / n) for n in ("sweep_heatmaps.png", "sweep_parameters.png", "summary.md")]
    for name in ("sweep_heatmaps.png", "sweep_parameters.png"):
        assert_valid_png(out / name)
    text = (out / "summary.md").read_text()
    assert "| members | 12: 11 complete, 1 failed or not run |" in text
    assert "| `m880002` | failed | ValueError: boom |" in text
    assert "](sweep_heatmaps.png)" in text and "| `area_m2` | `capacity_wh` | `seed` |" in text
    assert text.count("| `m4") == 4 and "work delivered [accelerator-h]" in text


def test_sweep_report_from_the_summary_file_and_bad_folders(tmp_path):
    folder = tmp_path / "grid"
    sweep_table(folder)
    paths = write_report(folder / "summary.h5", tmp_path / "out")
    assert [p.name for p in paths] == ["sweep_heatmaps.png", "sweep_parameters.png", "summary.md"]
    with pytest.raises(RunFileError, match="a folder, not a run file"):
        write_report(tmp_path / "out", tmp_path / "out2")
