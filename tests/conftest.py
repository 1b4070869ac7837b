"""Shared test fixtures. The whole suite runs with the network off: any socket connection
attempt raises, so a test that would download something fails (docs/design.md §2: nothing is downloaded)."""
import socket
from pathlib import Path

import pytest
import yaml

from twin.config import set_dotted

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


class NetworkBlocked(RuntimeError):
    pass


LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost", None)


@pytest.fixture(autouse=True, scope="session")
def no_network():
    """Block outbound connections for every test (Unix sockets stay usable for local IPC)."""
    original_connect = socket.socket.connect

    def guarded_connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if host not in LOCAL_HOSTS:
                raise NetworkBlocked(f"network access to {address!r} attempted during tests")
        return original_connect(self, address)

    mp = pytest.MonkeyPatch()
    mp.setattr(socket.socket, "connect", guarded_connect)
    original_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host not in LOCAL_HOSTS:
            raise NetworkBlocked(f"name lookup of {host!r} attempted during tests")
        return original_getaddrinfo(host, *args, **kwargs)

    mp.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield
    mp.undo()


def small_config(**overrides) -> dict:
    """A small scenario (8 satellites, 2 h) as a dict; ``overrides`` are dotted keys."""
    cfg = yaml.safe_load((REPO / "configs" / "default.yaml").read_text())
    cfg["simulation"]["duration_s"] = 7200
    cfg["constellation"][0].update(planes=2, sats_per_plane=4)
    for key, value in overrides.items():
        set_dotted(cfg, key, value)
    return cfg


@pytest.fixture
def write_config(tmp_path):
    def write(cfg: dict, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(cfg))
        return path
    return write


def rerun_and_reseed(cfg_path, tmp_path, seed: int) -> tuple[Path, Path]:
    """The scenario at ``cfg_path`` run again as it is, and with another ``seed``: the two run
    files, for the tests that a seed reproduces a run and another seed changes it."""
    from twin.config import load_config
    from twin.engine.simulation import run

    again, other = tmp_path / "again.h5", tmp_path / "other.h5"
    run(load_config(cfg_path), again)
    run(load_config(cfg_path, [f"simulation.seed={seed}"]), other)
    return again, other


@pytest.fixture(scope="session")
def run_file(tmp_path_factory):
    """One small real run (24 satellites, 2 h) shared by the tests that only read it."""
    from twin.config import load_config
    from twin.engine.simulation import run

    path = tmp_path_factory.mktemp("shared_run") / "r.h5"
    run(load_config(REPO / "configs" / "default.yaml", ["simulation.duration_s=7200"]), path,
        log=lambda message: None)
    return path


def stored(f, names=None) -> dict:
    """Every dataset of an open run file by path (or only ``names``: datasets, or groups whose
    datasets are all taken), as bytes to compare bit for bit; text as its UTF-8 characters."""
    import h5py

    out = {}

    def take(path, obj):
        if isinstance(obj, h5py.Dataset):
            values = obj.asstr()[...] if obj.dtype.kind == "O" else obj[...]
            out[path] = "\x00".join(values.ravel().tolist()).encode() if obj.dtype.kind == "O" else values.tobytes()

    for name in names if names is not None else [None]:
        root = f if name is None else f[name]
        if isinstance(root, h5py.Dataset):
            take(name, root)
        else:
            root.visititems(lambda path, obj, name=name: take(f"{name}/{path}" if name else path, obj))
    return out
