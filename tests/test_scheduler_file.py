"""``twin sweep --scheduler-file PATH``: Dask's convention on HPC clusters (the JSON file ``dask
scheduler --scheduler-file`` writes), against a real scheduler on loopback; a missing, foreign or
unreachable one is one line and exit 2; the dashboard's address is printed."""
import json
import logging
import socket

import pytest
import yaml

from conftest import small_config
from twin.cli.main import main
from twin.errors import InputError
from twin.output.sweep_table import read_summary_table
from twin.scaleout import cluster as C


@pytest.fixture(scope="module")
def scheduler_file(tmp_path_factory):
    """A one-worker cluster on loopback, made as twin makes its own, and its scheduler file."""
    from distributed import Client

    local = C.local_cluster(1)
    client = Client(local)
    path = tmp_path_factory.mktemp("scheduler") / "scheduler.json"
    client.write_scheduler_file(str(path))
    yield path, local.scheduler_address
    client.close()
    local.close()


def write_sweep(folder):
    cfg = small_config(**{"simulation.duration_s": 1800, "simulation.dt_s": 60, "output.compression": 0})
    (folder / "base.yaml").write_text(yaml.safe_dump(cfg))
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump({"name": "sf", "base": "base.yaml", "seeds": [1, 2]}))
    return path


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_the_client_reaches_the_scheduler_of_the_file(scheduler_file, caplog):
    path, address = scheduler_file
    with caplog.at_level(logging.INFO, logger="twin.scaleout.cluster"):
        with C.dask_client(scheduler_file=path) as client:
            assert client.scheduler.address == address
            assert C.worker_threads(client) == 1
    assert any(r.getMessage().startswith(f"Dask scheduler {address}; dashboard http://127.0.0.1:")
               for r in caplog.records), [r.getMessage() for r in caplog.records]


def test_a_sweep_runs_on_the_scheduler_of_the_file(scheduler_file, tmp_path, capsys):
    path, address = scheduler_file
    assert main(["sweep", str(write_sweep(tmp_path)), "-o", str(tmp_path / "out"), "--scheduler-file", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"Dask scheduler {address}; dashboard http://127.0.0.1:" in err
    frame, _ = read_summary_table(tmp_path / "out" / "summary.h5")
    assert list(frame["status"]) == ["complete", "complete"]


def test_a_missing_file_is_one_line(tmp_path, capsys):
    missing = tmp_path / "nowhere.json"
    assert main(["sweep", str(write_sweep(tmp_path)), "--scheduler-file", str(missing), "-q"]) == 2
    line = one_line(capsys.readouterr().err)
    assert str(missing) in line and "no such file" in line


def test_a_file_that_is_not_a_scheduler_file_is_one_line(tmp_path, capsys):
    junk = tmp_path / "junk.json"
    for text in ("not json", json.dumps({"type": "Scheduler"})):
        junk.write_text(text)
        assert main(["sweep", str(write_sweep(tmp_path)), "--scheduler-file", str(junk), "-q"]) == 2
        line = one_line(capsys.readouterr().err)
        assert str(junk) in line and "not a Dask scheduler file" in line


def test_an_unreachable_scheduler_is_one_line_within_the_timeout(tmp_path, capsys, monkeypatch):
    with socket.socket() as s:   # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gone = tmp_path / "gone.json"
    gone.write_text(json.dumps({"type": "Scheduler", "address": f"tcp://127.0.0.1:{port}"}))
    monkeypatch.setattr(C, "CONNECT_TIMEOUT", "2s")
    assert main(["sweep", str(write_sweep(tmp_path)), "--scheduler-file", str(gone), "-q"]) == 2
    line = one_line(capsys.readouterr().err)
    assert str(gone) in line and "cannot connect" in line


def test_scheduler_and_scheduler_file_exclude_each_other(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["sweep", "s.yaml", "--scheduler", "tcp://127.0.0.1:1", "--scheduler-file", "x.json"])
    assert stop.value.code == 2
    assert "not allowed with argument" in one_line(capsys.readouterr().err)
    with pytest.raises(InputError, match="give one of them"):
        with C.dask_client("tcp://127.0.0.1:1", scheduler_file="x.json"):
            pass


def test_a_local_cluster_prints_its_dashboard_on_loopback(caplog):
    with caplog.at_level(logging.INFO, logger="twin.scaleout.cluster"):
        with C.dask_client(None, 1):
            pass
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("local Dask cluster of 1 worker(s) on 127.0.0.1; dashboard http://127.0.0.1:")
               for m in messages), messages
