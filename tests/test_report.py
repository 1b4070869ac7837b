"""`twin report`: figures and summary.md from a real (small) run; sampling of large files; the
accelerator ledger (waterfall, stacked areas, summary.md, the sweep's limiting-factor figure) and
files without it (schema 1)."""
import re
import shutil
import subprocess
import sys

import h5py
import matplotlib
import numpy as np
import pytest

from conftest import REPO
from twin.output.reader import RunFileError, read_summary
from twin.kernels.layout import LEDGER_CAUSES
from twin.output.ledger import key_of, ledger_line
from twin.report import figures, ledger_figures, markdown, style, sweep_ledger, write_report
from twin.report import sample as sampling

from twin.report.markdown import REPORT_FIGURES
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
    # links.png only for a run with links (test_links_run.py)
    assert names == [name for name, *_ in REPORT_FIGURES if name != "links.png"] + ["summary.md", "report.html"]
    assert {"ledger_waterfall.png", "ledger_time.png"} <= set(names)
    assert all(p.parent == out and p.stat().st_size > 0 for p in paths)
    for path in paths[:-2]:
        assert_valid_png(path)


def test_summary_md_embeds_every_figure_and_headline_numbers(written, run_file):
    out, paths, _ = written
    text = (out / "summary.md").read_text()
    for path in paths[:-2]:
        assert f"]({path.name})" in text
    with h5py.File(run_file, "r") as f:
        summary = read_summary(f)
    for fragment in ("| solar energy delivered to the bus |", "| kWh |", "| min |", "| % |",
                     f"{summary['jobs_submitted']:,} / {summary['jobs_completed']:,}"):
        assert fragment in text, fragment
    for key in summary:  # the full table lists every key with a unit
        assert f"| `{key}` |" in text


def test_report_without_jobs_or_summary(run_file, tmp_path):
    """A run with no jobs and no /summary yet (as while it is written): the wait figure says so
    and summary.md still embeds it; the ledger's waterfall (from /summary) is left out, its areas
    over time are drawn."""
    path = tmp_path / "bare.h5"
    shutil.copy(run_file, path)
    with h5py.File(path, "r+") as f:
        for column in f["jobs"].values():
            column.resize((0,))
        for key in list(f["summary"]):
            del f["summary"][key]
    sample = read_sample(path)
    assert len(sample.waits_s) == 0 and sample.summary == {}
    with matplotlib.rc_context(style.STYLE):
        figure = figures.fig_job_wait(sample, tmp_path / "job_wait.png")
        assert_valid_png(figure)
        assert ledger_figures.fig_ledger_waterfall(sample, tmp_path / "ledger_waterfall.png") is None
        assert_valid_png(ledger_figures.fig_ledger_time(sample, tmp_path / "ledger_time.png"))
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
    # 9 sampled variables, the eclipse window and its blocks, two job columns (the ledger is a
    # row of eight numbers per record)
    assert 11 * sampling.MAX_VALUES_PER_VARIABLE + 2 * sampling.MAX_JOB_ROWS <= 50_000_000


def test_cli_report(written):
    _, _, (proc, out) = written
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    # a run without links; the command line adds the ground-track map (twin.cli.export)
    drawn = [name for name, *_ in REPORT_FIGURES if name != "links.png"] + ["ground_track.png"]
    assert stdout.split() == [str(out / name) for name in drawn] + [str(out / "summary.md"), str(out / "report.html")]
    assert all((out / name).stat().st_size > 0 for name in drawn)


# ---------------------------------------------------------------------- the accelerator ledger
LEDGER_LABELS = {"installed capacity": "capacity_accel_h", "delivered": "delivered_accel_h",
                 **{f"lost: {c}": key_of(c) for c in LEDGER_CAUSES[1:-1]},
                 "idle: no demand (no job waiting)": key_of("no_demand")}
LEDGER_SUMMARY_KEYS = ("capacity_accel_h", *(key_of(c) for c in LEDGER_CAUSES), "ledger_closure_rel_error",
                       "limiting_factor")


def ledger_table(text: str) -> dict:
    """{label: (accelerator-h, % of capacity)} of summary.md's ledger table."""
    lines = text.splitlines()
    start = lines.index("| accelerator ledger | accelerator-h | % of capacity |") + 2
    rows = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        label, value, share = (c.strip() for c in re.split(r"(?<!\\)\|", line.strip("|")))  # \| is a pipe in a cell
        rows[label] = (value, share)
    return rows


def test_summary_md_leads_with_the_ledger_line_and_table(written, run_file):
    out, _, _ = written
    text = (out / "summary.md").read_text()
    with h5py.File(run_file, "r") as f:
        summary = read_summary(f)
    line = ledger_line(summary)
    assert line is not None and f"**{line}**" in text
    assert text.index("## Headline numbers") < text.index(line) < text.index("| accelerator ledger |") \
        < text.index("| quantity | value | unit |")
    rows = ledger_table(text)
    capacity = summary["capacity_accel_h"]
    for label, key in LEDGER_LABELS.items():
        value, share = rows[label]
        assert float(value.replace(",", "")) == pytest.approx(summary[key], rel=5e-4, abs=1e-6 * capacity), label
        assert float(share) == pytest.approx(100 * summary[key] / capacity, rel=5e-3, abs=1e-6), label
    assert rows["limiting factor"][0] == summary["limiting_factor"]
    assert sum(summary[key_of(c)] for c in LEDGER_CAUSES) == pytest.approx(capacity, rel=1e-12)
    assert "| `limiting_factor` | " + summary["limiting_factor"] + " | text |" in text


def test_ledger_over_time_sums_every_satellite_and_adds_up_to_the_summary(run_file, monkeypatch):
    """Each point is the constellation's sum over satellites (/ledger); the stacked areas integrate
    to the /summary totals, also when each point is the mean over a window of records."""
    with h5py.File(run_file, "r") as f:
        direct = f["ledger"][...].T
        time = f["time"][...]
        summary = read_summary(f)
    totals = [summary[key_of(c)] for c in LEDGER_CAUSES]
    installed = summary["capacity_accel_h"] * 3600.0 / summary["simulated_s"]
    sample = read_sample(run_file)
    assert sample.ledger_means and sample.ledger_stride == 1
    np.testing.assert_array_equal(sample.ledger_time_s, time)
    np.testing.assert_allclose(sample.ledger, direct, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(sample.ledger.sum(axis=0), installed, rtol=1e-12)
    monkeypatch.setattr(sampling, "MAX_TIME_POINTS", 7)
    coarse = read_sample(run_file)
    assert (coarse.ledger_stride, coarse.ledger.shape, coarse.ledger_means) == (18, (8, 7), True)
    assert coarse.ledger_time_s[-1] == time[-1]
    for s in (sample, coarse):
        hours = s.ledger @ np.diff(np.r_[0.0, s.ledger_time_s]) / 3600.0
        np.testing.assert_allclose(hours, totals, rtol=1e-9, atol=1e-9 * summary["capacity_accel_h"])
    np.testing.assert_allclose(coarse.ledger.sum(axis=0), installed, rtol=1e-12)


def test_waterfall_of_other_ledgers(run_file, tmp_path):
    """The waterfall of a heat-limited summary, of one with nothing but demand, and rounding
    noise shown as zero."""
    sample = read_sample(run_file)
    capacity = 1000.0
    lost = {"power": 50.0, "heat": 120.0, "faults": 10.0, "network": 0.0, "overhead": 3.0, "scheduling": 40.0,
            "no_demand": 77.0}
    heat = {"capacity_accel_h": capacity, "delivered_accel_h": capacity - sum(lost.values()),
            **{key_of(c): v for c, v in lost.items()}, "ledger_closure_rel_error": 1e-16, "limiting_factor": "heat"}
    idle = {"capacity_accel_h": capacity, "delivered_accel_h": 600.0, **{key_of(c): 0.0 for c in lost},
            "lost_power_accel_h": -8e-17, "lost_no_demand_accel_h": 400.0, "limiting_factor": "none"}
    assert ledger_figures.ledger_hours(idle)["power"] == 0.0
    assert ledger_figures.limit_phrase(heat) == "by heat" and ledger_figures.limit_phrase(idle) == "only by demand"
    with matplotlib.rc_context(style.STYLE):
        for name, summary in (("heat", heat), ("idle", idle)):
            sample.summary = summary
            assert_valid_png(ledger_figures.fig_ledger_waterfall(sample, tmp_path / f"{name}.png"))
        sample.summary = {}
        assert ledger_figures.fig_ledger_waterfall(sample, tmp_path / "none.png") is None
    assert ledger_figures.ledger_hours({}) is None


# ---------------------------------------------------------------------- sweeps
# the limiting factor of each (area, capacity) cell of sweep_table's ledger: heat where the radiator
# is small, power where the battery is, scheduling once both are large
LIMITS = {(4, 4000): "heat", (4, 8000): "heat", (6, 4000): "power", (6, 8000): "heat",
          (8, 4000): "power", (8, 8000): "scheduling"}


def member_ledger(area, capacity, seed, failed=False) -> dict:
    from twin.output.ledger import finish

    if failed:
        return {k: np.nan for k in LEDGER_SUMMARY_KEYS}
    lost = {"power": 12.0 if capacity == 4000 else 2.0, "heat": max(0.0, 30.0 - 4.0 * area),
            "faults": 1.0, "network": 0.0, "overhead": 0.5, "scheduling": 5.0 + 0.1 * seed, "no_demand": 10.0}
    summary = {"capacity_accel_h": 100.0, **{key_of(c): v for c, v in lost.items()}}
    summary["delivered_accel_h"] = 100.0 - sum(lost.values())
    return finish(summary)


def sweep_table(folder, ledger: bool = True, parameters=("spacecraft.radiator.area_m2",
                                                         "spacecraft.battery.capacity_wh", "simulation.seed")):
    """A sweep summary (3 x 2 grid x 2 seeds, one member failed) written as `twin sweep` does,
    with the members' ledger (or without: as from schema-1 run files)."""
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
                             "energy_curtailed_wh": np.nan if failed else 1e5 / area,
                             **(member_ledger(area, capacity, seed, failed) if ledger else {})})
    frame = pd.DataFrame(rows)
    if len(parameters) == 1:  # a sweep of one parameter: one member per value
        frame = frame[(frame["spacecraft.battery.capacity_wh"] == 4000) & (frame["simulation.seed"] == 1)]
    frame = frame.drop(columns=[c for c in ("spacecraft.radiator.area_m2", "spacecraft.battery.capacity_wh",
                                            "simulation.seed") if c not in parameters])
    write_tables(folder, frame, {"name": "grid", "parameters": list(parameters)})
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
    names = ("sweep_limiting.png", "sweep_heatmaps.png", "sweep_parameters.png")
    assert printed == [str(out / n) for n in (*names, "summary.md")]
    for name in names:
        assert_valid_png(out / name)
    text = (out / "summary.md").read_text()
    assert "| members | 12: 11 complete, 1 failed or not run |" in text
    assert "| `m880002` | failed | ValueError: boom |" in text
    assert "](sweep_heatmaps.png)" in text and "| `area_m2` | `capacity_wh` | `seed` |" in text
    assert text.count("| `m4") == 4 and "work delivered [accelerator-h]" in text
    assert "](sweep_limiting.png)" in text and "Limiting factor over the grid" in text
    assert "| delivered [% of capacity] | limiting factor |" in text
    assert "| `m440001` | complete | 4 | 4,000 | 1 | 57.4 | heat |" in text  # 100 - 12 - 14 - 1 - 0.5 - 5.1 - 10
    assert "| `m880002` | failed | 8 | 8,000 | 2 |  |  |" in text


def test_sweep_report_from_the_summary_file_and_bad_folders(tmp_path):
    """A sweep of schema-1 members (no ledger columns): no limiting-factor figure, no ledger
    columns in summary.md."""
    folder = tmp_path / "grid"
    sweep_table(folder, ledger=False)
    paths = write_report(folder / "summary.h5", tmp_path / "out")
    assert [p.name for p in paths] == ["sweep_heatmaps.png", "sweep_parameters.png", "summary.md"]
    assert "limiting factor" not in paths[-1].read_text()
    with pytest.raises(RunFileError, match="a folder, not a run file"):
        write_report(tmp_path / "out", tmp_path / "out2")


def test_sweep_limiting_factor_cells(tmp_path):
    """The cells of the limiting-factor map pool their members (here two seeds): the limiting
    factor of the summed ledger, the delivered share of the summed capacity, and how many
    members agree."""
    from twin.output.sweep_table import read_summary_table

    sweep_table(tmp_path / "grid")
    frame, _ = read_summary_table(tmp_path / "grid" / "summary.h5")
    assert list(frame["limiting_factor"][:2]) == ["heat", "heat"] and frame["limiting_factor"][11] == ""
    members = frame[frame["status"] == "complete"]
    cells = {key: sweep_ledger.pooled(group) for key, group in members.groupby(
        ["spacecraft.radiator.area_m2", "spacecraft.battery.capacity_wh"])}
    assert {key: cell["limit"] for key, cell in cells.items()} == LIMITS
    assert cells[(4, 4000)]["share"]["delivered"] == pytest.approx(100 - 12 - 14 - 1 - 0.5 - 5.15 - 10)
    assert (cells[(4, 4000)]["n"], cells[(4, 4000)]["agree"]) == (2, 2)
    assert (cells[(8, 8000)]["n"], cells[(8, 8000)]["agree"]) == (1, 1)  # its other seed failed
    assert sweep_ledger.axes_for(frame, ["spacecraft.radiator.area_m2", "simulation.seed"]) == \
        ["spacecraft.radiator.area_m2"]
    assert sweep_ledger.axes_for(frame, ["simulation.seed"]) == ["simulation.seed"]


def test_sweep_report_of_one_parameter(tmp_path):
    """One parameter: the shares of capacity stacked against it, the limiting factor over each value."""
    folder = tmp_path / "line"
    sweep_table(folder, parameters=("spacecraft.radiator.area_m2",))
    paths = write_report(folder, folder)
    assert [p.name for p in paths] == ["sweep_limiting.png", "sweep_parameters.png", "summary.md"]
    assert_valid_png(paths[0])
    text = paths[-1].read_text()
    assert "Limiting factor against the parameter" in text
    assert "| `m440001` | complete | 4 | 57.4 | heat |" in text and "| `m640001` | complete | 6 | 65.4 | power |" in text


def test_sweep_table_carries_every_ledger_key(run_file, tmp_path):
    """A member's /summary ledger (the text limiting_factor included) survives the sweep table:
    summary.csv and summary.h5, with a failed member's cells empty."""
    import pandas as pd

    from twin.output.reader import open_h5, read_summary
    from twin.output.sweep_table import build_frame, read_summary_table, write_tables

    with open_h5(run_file) as f:
        summary = read_summary(f)
    common = {"run_file": "", "reused": False, "task_wall_s": 1.0}
    rows = [{"member_id": "a", "status": "complete", "error": "", "overrides": {"x": 1}, "summary": summary, **common},
            {"member_id": "b", "status": "failed", "error": "boom", "overrides": {"x": 2}, "summary": None, **common}]
    write_tables(tmp_path, build_frame(rows, ["x"]), {"name": "t", "parameters": ["x"]})
    csv = pd.read_csv(tmp_path / "summary.csv", keep_default_na=False, na_values=[""])
    h5, _ = read_summary_table(tmp_path / "summary.h5")
    assert isinstance(summary["limiting_factor"], str)
    for table in (csv, h5):
        for key in LEDGER_SUMMARY_KEYS[:-1]:
            assert table[key][0] == pytest.approx(summary[key], rel=1e-15, abs=1e-300), key
            assert np.isnan(table[key][1]), key
    assert list(h5["limiting_factor"]) == [summary["limiting_factor"], ""]
    assert csv["limiting_factor"][0] == summary["limiting_factor"] and pd.isna(csv["limiting_factor"][1])
    with h5py.File(tmp_path / "summary.h5", "r") as f:
        assert f["members/limiting_factor"].attrs["units"] == "text"
        assert f["members/capacity_accel_h"].attrs["units"] == "h"


def test_report_html_is_one_self_contained_file(written):
    """report.html embeds every figure (no file beside it needed) and the summary tables."""
    import base64

    out, paths, _ = written
    page = (out / "report.html").read_text()
    pngs = [p for p in paths if p.suffix == ".png"]
    assert page.count('src="data:image/png;base64,') == len(pngs)
    first = base64.b64encode(pngs[0].read_bytes()).decode("ascii")
    assert first in page
    assert "<table>" in page and "solar energy delivered to the bus" in page
    assert 'src="' + pngs[0].name not in page
