"""Chunks compressed by twin (shuffle + deflate in parallel, HDF5's direct chunk write) are what
HDF5's own filters write: h5py, netCDF-C and h5dump decode them, and a run written this way
holds the same values as one that h5py compressed (twin.output.chunks)."""
import shutil
import subprocess
import zlib

import h5py
import numpy as np
import pytest

from conftest import REPO, small_config, stored
from twin.output import chunks
from twin.output.chunks import deflate_chunk, padded, shuffle, write_rows

DTYPES = [np.float32, np.float64, np.int8, np.int64]


def values_of(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return (np.cumsum(rng.normal(size=shape), axis=0) * 0.1).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -1000), min(info.max, 1000), size=shape).astype(dtype)


def gzip_dataset(f, name, dtype, chunk_shape, level=1, **kwargs):
    return f.create_dataset(name, shape=(0,) + chunk_shape[1:], maxshape=(None,) + chunk_shape[1:], dtype=dtype,
                            chunks=chunk_shape, compression="gzip", compression_opts=level, shuffle=True, **kwargs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rows", [16, 5, 1])   # a full chunk, an edge chunk, a single record
@pytest.mark.parametrize("chunk_shape", [(16, 7), (16, 7, 3)])
def test_a_chunk_compressed_here_reads_back_through_hdf5(tmp_path, dtype, rows, chunk_shape):
    data = values_of(dtype, (2 * chunk_shape[0] + rows,) + chunk_shape[1:])
    with h5py.File(tmp_path / "c.h5", "w") as f:
        d = gzip_dataset(f, "x", dtype, chunk_shape, level=4)
        d.resize(data.shape)
        for r0 in range(0, len(data), chunk_shape[0]):
            block = data[r0:r0 + chunk_shape[0]]
            d.id.write_direct_chunk((r0,) + (0,) * (d.ndim - 1), deflate_chunk(block, chunk_shape, 4), filter_mask=0)
    with h5py.File(tmp_path / "c.h5", "r") as f:
        assert f["x"].compression == "gzip" and f["x"].shuffle
        back = f["x"][...]
    assert back.dtype == data.dtype and back.tobytes() == data.tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_shuffle_is_hdf5s(tmp_path, dtype):
    """The bytes HDF5 deflates for a chunk it filters itself are this module's shuffle of it."""
    data = values_of(dtype, (16, 9), seed=3)
    with h5py.File(tmp_path / "s.h5", "w") as f:
        d = gzip_dataset(f, "x", dtype, (16, 9))
        d.resize((16, 9))
        d[...] = data
        f.flush()
        mask, raw = d.id.read_direct_chunk((0, 0))
    assert mask == 0 and zlib.decompress(raw) == shuffle(data).tobytes()


@pytest.mark.parametrize("codec", ["zlib", "isal"])
def test_level_1_reads_back_whichever_deflate_wrote_it(tmp_path, monkeypatch, codec):
    """Level 1 goes through ISA-L where it is installed: its stream decodes as zlib's does."""
    if codec == "isal":
        monkeypatch.setattr(chunks, "isal_zlib", pytest.importorskip("isal.isal_zlib"))
    else:
        monkeypatch.setattr(chunks, "isal_zlib", None)
    data = values_of(np.float32, (21, 6), seed=5)
    with h5py.File(tmp_path / "l1.h5", "w") as f:
        d = gzip_dataset(f, "x", np.float32, (8, 6))
        d.resize(data.shape)
        for r0 in range(0, 21, 8):
            d.id.write_direct_chunk((r0, 0), deflate_chunk(data[r0:r0 + 8], (8, 6), 1), filter_mask=0)
    with h5py.File(tmp_path / "l1.h5", "r") as f:
        assert f["x"][...].tobytes() == data.tobytes()


def test_an_edge_chunk_is_padded_with_the_fill_value():
    edge = padded(np.arange(6, dtype=np.float32).reshape(2, 3), (4, 3), fill=np.float32(-1))
    assert edge.shape == (4, 3) and (edge[:2].ravel() == np.arange(6)).all() and (edge[2:] == -1).all()


def batches(n, sizes):
    """``n`` rows cut into batches of the sizes given, in turn: starts inside chunks included."""
    r0, k = 0, 0
    while r0 < n:
        size = min(sizes[k % len(sizes)], n - r0)
        yield r0, size
        r0, k = r0 + size, k + 1


@pytest.mark.parametrize("sizes", [[8], [8, 8, 3], [3, 8, 5], [1, 2, 13]])
def test_batches_starting_anywhere_store_the_same_values_as_h5py(tmp_path, sizes):
    """Whole chunks written directly, partial ones (a checkpoint, a resume mid-chunk) merged by
    h5py, in a SWMR file as the writer's: the values equal h5py's own writes."""
    n, chunk = 61, (8, 5)
    data = {dtype: values_of(dtype, (n,) + chunk[1:], seed=7) for dtype in DTYPES}
    for level in (1, None):
        with h5py.File(tmp_path / f"{level}.h5", "w", libver=("v110", "v110")) as f:
            sets = {dtype: gzip_dataset(f, np.dtype(dtype).name, dtype, chunk) for dtype in DTYPES}
            f.swmr_mode = True
            for r0, size in batches(n, sizes):
                write_rows([(sets[t], data[t][r0:r0 + size]) for t in DTYPES], r0, level)
                if r0 % 3 == 0:
                    f.flush()
    with h5py.File(tmp_path / "1.h5", "r") as a, h5py.File(tmp_path / "None.h5", "r") as b:
        assert stored(a) == stored(b)
        for dtype in DTYPES:
            assert a[np.dtype(dtype).name][...].tobytes() == data[dtype].tobytes()


def test_lzf_and_no_compression_keep_h5pys_path():
    assert chunks.direct_level("lzf") is None and chunks.direct_level(0) is None and chunks.direct_level(True) is None
    assert chunks.direct_level(1) == 1 and chunks.direct_level(9) == 9


def run_once(tmp_path, name, direct: bool, monkeypatch, **overrides):
    from twin.config import scenario_from_dict
    from twin.engine.simulation import run

    monkeypatch.setattr(chunks, "DIRECT", direct)
    cfg = small_config(**{"simulation.duration_s": 4 * 3600, "output.positions": True, **overrides})
    path = tmp_path / f"{name}.h5"
    run(scenario_from_dict(cfg, REPO / "configs", "test"), path, log=lambda message: None)
    return path


@pytest.mark.parametrize("overrides", [
    {},   # whole chunks
    # checkpoints every 60 records, chunks of 7: batches that start and end inside chunks
    {"output.flush_every_records": 7, "output.checkpoint_every_s": 3600, "output.compression": 6},
])
def test_a_run_written_directly_equals_one_h5py_compressed(tmp_path, monkeypatch, overrides):
    direct = run_once(tmp_path, "direct", True, monkeypatch, **overrides)
    plain = run_once(tmp_path, "plain", False, monkeypatch, **overrides)
    with h5py.File(direct, "r") as a, h5py.File(plain, "r") as b:
        names = [name for name in b if isinstance(b[name], h5py.Dataset) or name in ("jobs", "events")]
        assert stored(a, names) == stored(b, names)
        assert a["soc"].compression == "gzip" and a["soc"].shuffle
        assert a["soc"].compression_opts == overrides.get("output.compression", 1)
        assert a["soc"].shape[0] == 240 and a["position_gcrs_km"].shape == b["position_gcrs_km"].shape


def test_netcdf_c_and_h5dump_read_a_run_written_directly(tmp_path, monkeypatch):
    path = run_once(tmp_path, "direct", True, monkeypatch, **{"output.flush_every_records": 7})
    with h5py.File(path, "r") as f:
        soc, positions = f["soc"][...], f["position_gcrs_km"][...]
    netCDF4 = pytest.importorskip("netCDF4")
    with netCDF4.Dataset(path) as ds:
        ds.set_auto_mask(False)
        assert ds["soc"][...].tobytes() == soc.tobytes()
        assert ds["position_gcrs_km"][...].tobytes() == positions.tobytes()
    if shutil.which("h5dump") is None:
        pytest.skip("h5dump absent")
    out = subprocess.run(["h5dump", "-d", "/soc", "-s", "230,0", "-c", "10,2", "-m", "%.9g", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    numbers = [float(x) for line in out.stdout.split("DATA {")[1].split("}")[0].splitlines()
               for x in line.split(":")[-1].replace(",", " ").split()]
    assert np.array_equal(np.array(numbers, dtype=np.float32), soc[230:240, :2].ravel())
