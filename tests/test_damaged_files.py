"""Damaged run files: every reader ends within LIMIT_S with one line naming the file
and the problem (RunFileError in Python; exit 2 and no traceback on the command line), never a
hang (HDF5's SWMR reader retries a bad metadata checksum with a doubling back-off, ~for ever by
default) nor a traceback.

One small run (conftest's ``run_file``) and a second, different one are damaged once per module:
cut short, bytes overwritten in its metadata (each kind of HDF5 structure it holds) and data
regions, spliced and interleaved with the other run (as two writers on one path leave it), a
foreign HDF5 file, a text file, an empty file. The Python API is called on all of them, each call
in a child process (forked from a forkserver that has imported twin, so a call does not
pay for the imports) that is killed after LIMIT_S: a hang fails its test instead of stalling the suite.
The command line runs, in real subprocesses, on a representative few.
"""
import ctypes
import multiprocessing
import os
import re
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from conftest import REPO
from twin.output import h5open, reader

LIMIT_S = 10.0

# signatures of the HDF5 structures a run file holds: object headers and their continuation
# chunks, fractal heaps (dense attributes and links), B-trees v2 (link names), extensible arrays
# (chunk indexes of growing datasets), free-space managers, the global heap (variable-length
# strings, no checksum)
SIGNATURES = ("OHDR", "OCHK", "FRHP", "FHDB", "FHIB", "BTHD", "BTIN", "BTLF", "EAHD", "EAIB",
              "FSHD", "FSSE", "GCOL")

# the variants every reader must refuse, with a pattern of the message; any other may also
# read (its damage may be in bytes nothing reads, or give wrong numbers), or fail only with
# RunFileError (soc_chunk_head fails whatever reads /state/soc: see its own test)
CUTS = {"cut_1kB": 1000, "cut_5kB": 5000, "cut_10pct": 0.10, "cut_50pct": 0.50, "cut_90pct": 0.90,
        "cut_last_byte": -1}
REFUSED = {**{name: r"truncated run file \([\d,]+ of [\d,]+ bytes\)" for name in CUTS},
           "foreign": "not a twin run file", "text": "not a readable HDF5 file",
           "empty": "not a readable HDF5 file", "superblock": "not a readable HDF5 file"}


# ---------------------------------------------------------------------- damaged files
def _overwrite(data: bytes, pos: int, n: int, seed: int) -> bytes:
    out = bytearray(data)
    out[pos:pos + n] = np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()
    return bytes(out[:len(data)])


def _variants(a: bytes, b: bytes, a_path) -> dict[str, bytes]:
    n = len(a)
    v = {name: a[:n + cut if cut < 0 else int(n * cut) if cut < 1 else cut] for name, cut in CUTS.items()}
    v["superblock"] = _overwrite(a, 8, 32, 1)
    for sig in SIGNATURES:   # the first and the last of each kind of structure
        found = [m.start() for m in re.finditer(sig.encode(), a)]
        for which, pos in {"first": found[0], "last": found[-1]}.items() if found else ():
            v[f"{sig}_{which}"] = _overwrite(a, pos + 6, 16, pos)
    with h5py.File(a_path, "r") as f:
        soc = f["soc"].id.get_chunk_info(0)
        time_chunk = f["time"].id.get_chunk_info(0)
        jobs = f["jobs/energy_wh"].id.get_chunk_info(0)
    head = bytearray(a)   # a compressed chunk whose first bytes are nonsense does not decompress
    head[soc.byte_offset:soc.byte_offset + 64] = b"\xff" * 64
    v["soc_chunk_head"] = bytes(head)
    v["soc_chunk_middle"] = _overwrite(a, soc.byte_offset + soc.size // 2, 64, 2)
    v["time_chunk"] = _overwrite(a, time_chunk.byte_offset + 64, 64, 3)
    v["jobs_chunk"] = _overwrite(a, jobs.byte_offset + 32, 64, 4)
    rng = np.random.default_rng(17)
    for seed in range(4):   # anywhere in the middle
        v[f"random_{seed}"] = _overwrite(a, int(rng.integers(n // 20, n * 19 // 20)), 64, seed)
    # two writers on one path: the head of one run and the tail of the other, both ways round,
    # and every other 4 kB block of each
    for frac in (0.33, 0.67):
        v[f"splice_ab_{int(frac * 100)}"] = a[:int(n * frac)] + b[int(n * frac):]
        v[f"splice_ba_{int(frac * 100)}"] = b[:int(n * frac)] + a[int(n * frac):]
    longer, shorter = (a, b) if len(a) >= len(b) else (b, a)
    mixed = bytearray(longer)
    for start in range(4096, len(shorter), 8192):
        mixed[start:start + 4096] = shorter[start:start + 4096]
    v["interleaved"] = bytes(mixed)
    v["text"] = b"time,soc\n0,0.5\n" * 20
    v["empty"] = b""
    return v


@pytest.fixture(scope="module")
def damaged(run_file, tmp_path_factory):
    """{variant name: path} of the damaged copies of ``run_file``."""
    from twin.config import load_config
    from twin.engine.simulation import run

    folder = tmp_path_factory.mktemp("damaged")
    other = folder / "other_run.h5"   # a different run: another seed, 3 h instead of 2 h
    run(load_config(REPO / "configs" / "default.yaml", ["simulation.duration_s=10800", "simulation.seed=11"]),
        other, log=lambda message: None)
    paths = {}
    for name, data in _variants(run_file.read_bytes(), other.read_bytes(), run_file).items():
        paths[name] = folder / f"{name}.h5"
        paths[name].write_bytes(data)
    paths["foreign"] = folder / "foreign.h5"
    with h5py.File(paths["foreign"], "w") as f:
        f["x"] = np.arange(10.0)
        f.attrs["title"] = "not a run"
    return paths


def _variant_names():
    """The variant names without building the files (for parametrize): every structure kind
    may not occur in every run file, so those are listed generously and skipped when absent."""
    names = list(CUTS) + ["superblock"]
    names += [f"{sig}_{which}" for sig in SIGNATURES for which in ("first", "last")]
    names += ["soc_chunk_head", "soc_chunk_middle", "time_chunk", "jobs_chunk"]
    names += [f"random_{seed}" for seed in range(4)]
    names += [f"splice_{order}_{p}" for p in (33, 67) for order in ("ab", "ba")]
    return names + ["interleaved", "foreign", "text", "empty"]


# ---------------------------------------------------------------------- calls with a hard limit
CHILD = """
import time
t0 = time.perf_counter()
try:
    from twin.errors import InputError
    from twin.output import h5open, reader
    if no_library:   # as if h5py's libhdf5 could not be found through ctypes
        h5open._hdf5[:] = [None]
    if call == "describe":
        reader.describe(path)
    elif call == "open_run":   # opened lazily, then every variable read
        from twin.output.run import open_run
        with open_run(path) as ds:
            ds.load()
    elif call == "read_sample":   # what twin report reads
        from twin.report.sample import read_sample
        read_sample(path)
    elif call == "report":
        from twin.report import write_report
        write_report(path, out)
    elif call == "load_checkpoint":   # what twin run --resume reads first
        from twin.engine.checkpoint import load_checkpoint
        load_checkpoint(path)
    result = ("ok", "")
except InputError as err:
    result = (type(err).__name__, str(err))
except BaseException:
    import traceback
    result = ("crash", traceback.format_exc())
conn.send((*result, time.perf_counter() - t0))
conn.close()
"""

_context = []


def _mp():
    """A forkserver that has imported what the calls need, so that each call is a fork away."""
    if not _context:
        if "forkserver" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["twin.output.reader", "twin.report", "twin.engine.checkpoint", "twin.config",
                                        "xarray", "dask.array", "distributed", "matplotlib.pyplot"])
        else:
            ctx = multiprocessing.get_context("spawn")
        _context.append(ctx)
    return _context[0]


def call(name: str, path, out=None, no_library: bool = False) -> tuple[str, str, float]:
    """(outcome, message, seconds) of reader call ``name`` on ``path`` in a child process;
    outcome is "ok", an InputError's class name, or "crash" (message: the traceback). Fails the
    test if the call has not ended within LIMIT_S."""
    ctx = _mp()
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=exec, args=(CHILD, {"conn": send, "call": name, "path": str(path),
                                                   "out": str(out), "no_library": no_library}))
    child.start()
    send.close()
    try:
        if not receive.poll(LIMIT_S):
            pytest.fail(f"{name}({path.name}) did not end within {LIMIT_S:g} s (killed)")
        try:
            return receive.recv()
        except EOFError:
            child.join(LIMIT_S)
            pytest.fail(f"{name}({path.name}) died (exit code {child.exitcode}) without a result")
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()


def assert_one_line(message: str, path, pattern: str | None = None) -> None:
    assert "\n" not in message and str(path) in message, message
    if pattern:
        assert re.search(pattern, message), message


# ---------------------------------------------------------------------- the Python API
@pytest.mark.parametrize("variant", _variant_names())
@pytest.mark.parametrize("api", ["describe", "open_run", "read_sample", "load_checkpoint"])
def test_readers_end_with_one_line(damaged, api, variant):
    """Every variant: read (it may be damaged where nothing looks) or RunFileError, one line
    naming the file, within LIMIT_S; the ones that cannot be read are refused with what is wrong."""
    if variant not in damaged:
        pytest.skip(f"this run file holds no {variant.split('_')[0]} structure")
    path = damaged[variant]
    outcome, message, seconds = call(api, path)
    assert outcome != "crash", message
    assert seconds < LIMIT_S
    if variant in REFUSED:
        assert outcome == "RunFileError", f"{api}({variant}) read a file that cannot be read"
        assert_one_line(message, path, REFUSED[variant])
    elif api == "load_checkpoint" and outcome == "InputError":
        assert_one_line(message, path, "already complete|no checkpoint")   # a readable complete run
    elif outcome != "ok":
        assert outcome == "RunFileError", message
        assert_one_line(message, path)
    if variant == "soc_chunk_head" and api in ("open_run", "read_sample"):   # they read /state/soc
        assert outcome == "RunFileError" and "damaged run file" in message


@pytest.mark.parametrize("variant", ["cut_5kB", "EAIB_first", "soc_chunk_head", "interleaved", "foreign",
                                     "empty"])
def test_report_ends_with_one_line(damaged, tmp_path, variant):
    if variant not in damaged:
        pytest.skip(f"this run file holds no {variant.split('_')[0]} structure")
    path = damaged[variant]
    outcome, message, seconds = call("report", path, tmp_path / "report")
    assert outcome in ("ok", "RunFileError"), message
    if variant in REFUSED:
        assert outcome == "RunFileError"
    if outcome == "RunFileError":
        assert_one_line(message, path)


def test_a_corrupt_chunk_fails_when_read_not_before(damaged):
    """open_run reads /state lazily: a corrupt chunk opens, and each later read of it raises
    RunFileError at once (no hang, no other error); the other variables still read."""
    from twin.output.reader import RunFileError
    from twin.output.run import open_run

    path = damaged["soc_chunk_head"]
    with open_run(path) as ds:
        for _ in range(2):
            t0 = time.perf_counter()
            with pytest.raises(RunFileError) as err:
                _ = ds.soc.values
            assert time.perf_counter() - t0 < LIMIT_S
            assert_one_line(str(err.value), path, "damaged run file")
        assert np.isfinite(ds.battery_energy_wh.values).all()


def test_without_the_library_readers_still_refuse_damaged_files(damaged, run_file):
    """If h5py's libhdf5 cannot be found, SWMR retries cannot be bounded: what plain mode finds
    damaged is refused without a SWMR open, and what it opens is read in plain mode (which
    does not retry); only a file a writer holds is read in SWMR mode then."""
    for variant in ("cut_5kB", "cut_last_byte", "superblock", "text", "empty"):
        outcome, message, _ = call("describe", damaged[variant], no_library=True)
        assert outcome == "RunFileError", message
        assert_one_line(message, damaged[variant], REFUSED[variant])
    for variant in ("OHDR_first", "GCOL_first", "EAIB_first", "soc_chunk_head", "interleaved"):
        outcome, message, _ = call("open_run", damaged[variant], no_library=True)
        assert outcome == "RunFileError", message
        assert_one_line(message, damaged[variant])
    assert call("open_run", run_file, no_library=True)[:2] == ("ok", "")


def test_h5py_libhdf5_is_found_and_bounds_swmr_retries(damaged):
    lib = h5open.find_hdf5()
    assert lib is not None, "h5py's libhdf5 not found through ctypes: SWMR reads of damaged files can hang"
    fapl = h5open._swmr_fapl()
    attempts = ctypes.c_uint()
    lib.H5Pget_metadata_read_attempts.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_uint)]
    assert lib.H5Pget_metadata_read_attempts(fapl.id, ctypes.byref(attempts)) >= 0
    assert attempts.value == h5open.SWMR_READ_ATTEMPTS
    # HDF5 checks a file's length against its superblock only outside SWMR mode (which is why
    # _open_file opens in plain mode first, to tell a truncated file): a cut file opens in SWMR
    # mode, and its first damaged metadata read fails fast
    t0 = time.perf_counter()
    f = reader.open_swmr(damaged["cut_5kB"])
    try:
        with pytest.raises(reader._H5_ERRORS, match="checksum"):
            dict(f.attrs)
    finally:
        f.close()
    assert time.perf_counter() - t0 < 1.0
    with pytest.raises(OSError, match="truncated file"):
        h5py.File(damaged["cut_5kB"], "r")


def test_an_open_is_tried_again_only_while_the_file_changes(tmp_path, monkeypatch):
    """A writer's torn write can fail an open: open_h5 tries again while the file changes under
    it, and not at all when it stays the same (a damaged file fails at once)."""
    monkeypatch.setattr(reader, "OPEN_RETRY_S", 0.001)
    path = tmp_path / "f.h5"
    path.write_bytes(b"x")
    calls = []

    def changing(p):
        calls.append(p)
        if len(calls) < 3:
            with open(p, "ab") as fh:   # the file grows while the open fails
                fh.write(b"y")
            raise reader.RunFileError(f"{p}: damaged run file (checksum)")
        return "handle"

    assert reader._retrying(changing, path) == "handle" and len(calls) == 3

    calls.clear()

    def failing(p):
        calls.append(p)
        raise reader.RunFileError(f"{p}: damaged run file (checksum)")

    with pytest.raises(reader.RunFileError):
        reader._retrying(failing, path)
    assert len(calls) == 1


# ---------------------------------------------------------------------- the command line
CLI_CASES = [("inspect", v) for v in ("cut_1kB", "cut_last_byte", "EAIB_first", "OHDR_last", "splice_ab_33",
                                      "interleaved", "foreign", "text", "empty")]
CLI_CASES += [("report", v) for v in ("cut_50pct", "soc_chunk_head", "text")]
CLI_CASES += [("resume", v) for v in ("cut_5kB", "cut_last_byte", "superblock", "empty")]


@pytest.fixture(scope="module")
def cli_results(damaged, tmp_path_factory):
    """Every CLI case run as ``python -m twin ...``, two at a time, each killed after LIMIT_S:
    {case: (exit code or None if killed, stdout, stderr, seconds)}."""
    out = tmp_path_factory.mktemp("cli")
    commands = {}
    for command, variant in CLI_CASES:
        path = str(damaged[variant])
        args = {"inspect": ["inspect", path], "report": ["report", path, "-o", str(out / variant)],
                "resume": ["run", "--resume", path, "-q"]}[command]
        commands[command, variant] = [sys.executable, "-m", "twin", *args]
    results, running, pending = {}, {}, list(commands)
    while pending or running:
        while pending and len(running) < max(2, os.cpu_count() or 1):
            case = pending.pop(0)
            running[case] = (subprocess.Popen(commands[case], cwd=REPO, stdout=subprocess.PIPE,
                                              stderr=subprocess.PIPE, text=True), time.monotonic())
        for case, (proc, started) in list(running.items()):
            if proc.poll() is None and time.monotonic() - started < LIMIT_S:
                continue
            code = proc.poll()
            if code is None:
                proc.kill()
            stdout, stderr = proc.communicate()
            results[case] = (code, stdout, stderr, time.monotonic() - started)
            del running[case]
        time.sleep(0.02)
    return results


@pytest.mark.parametrize("command,variant", CLI_CASES)
def test_cli_exits_2_with_one_line(damaged, cli_results, command, variant):
    """Exit 2 and one line on stderr (exit 0 only for damage the command does not read)."""
    code, stdout, stderr, seconds = cli_results[command, variant]
    assert code is not None, f"twin {command} {variant} did not end within {LIMIT_S:g} s"
    if code == 0 and variant not in REFUSED and command != "resume":
        return
    lines = stderr.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in stderr, stderr
    assert stdout == "", stdout
    assert lines[0].startswith("twin: ") and str(damaged[variant]) in lines[0], lines
    if variant in REFUSED and command != "resume":
        assert re.search(REFUSED[variant], lines[0]), lines
