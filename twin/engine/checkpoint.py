"""Checkpoints, resumption, stop signals and the disk-space check of a run.

A checkpoint is the whole mutable state of a :class:`twin.engine.simulation.Simulation` (node arrays, queue
and running jobs, the job source with its random generator, accumulators, the simulated step) and
the number of records, job rows and event rows the run file held at that moment. It is pickled
beside the file it describes (``FILE.checkpoint``), atomically (write, fsync, rename), so a kill
at any instant leaves either the previous or the new checkpoint whole. A run to ``RUN.h5`` writes
``RUN.h5.part`` (:mod:`twin.output.runlock`), so while it runs its checkpoint is
``RUN.h5.part.checkpoint``; a run stopped by a signal is renamed into place with its checkpoint.
Resuming rebuilds the run file up to those counts and continues; the result equals an
uninterrupted run bit for bit.
"""
from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import signal
from pathlib import Path

from twin.engine.filesize import expected_size_bytes, state_bytes
from twin.errors import InputError
from twin.output.runlock import partial_path

CHECKPOINT_VERSION = 12  # 2: jobs, faults and node-down state; 3: running jobs' progress in JobSlots;
#                        4: the job book's reject-scan time; 5: radiator view factors in the node state;
#                        6: the accelerator ledger in the accumulators, Job in twin.ops.job;
#                        7: inter-satellite links (the network, link accumulators, jobs' network time);
#                        8: the job book's trace replay (trace ids, censored flags, row accounting)
#                        9: jobs' runtime estimates (Job.estimate_s, the book's trace estimates)
#                        10: battery ageing rows in the node state (STATE_CYCLE_TURN .. STATE_FADE_CALENDAR),
#                            the junction temperature accumulator (layout.ACC_JUNCTION), radiation (the
#                            fault model's RadiationModel, the dose state row, Job.sdc_good_accel_s), the
#                            radiator coating's UV dose (STATE_RADIATOR_UV_ESH), checkpoint costs (the
#                            book's CheckpointCosts, JobSlots.write_stall_s),
#                            the solar array's temperature (STATE_ARRAY_K),
#                            the inference service (replicas, request queue, statistics)
#                        11: the job book's queue index by demand and its rejection heap (twin.ops.queue_index)
#                        12: the accelerators' power cap in the node state (STATE_POWER_CAP, STATE_CAP_THROUGHPUT)


def checkpoint_path(run_path) -> Path:
    run_path = Path(run_path)
    return run_path.with_name(run_path.name + ".checkpoint")


def _tmp_path(path: Path) -> Path:
    return path.with_name(path.name + ".tmp")


def checkpoint_bytes(state: dict) -> bytes:
    """The checkpoint of ``state`` as it is now (the simulation may change its arrays after)."""
    return pickle.dumps({"version": CHECKPOINT_VERSION, **state}, protocol=pickle.HIGHEST_PROTOCOL)


def write_checkpoint(run_path, payload: bytes) -> None:
    """Replace the run's checkpoint atomically with ``payload`` (:func:`checkpoint_bytes`)."""
    path = checkpoint_path(run_path)
    tmp = _tmp_path(path)
    try:
        with open(tmp, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:   # e.g. a full disk: the previous checkpoint stays the valid one
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def move_checkpoint(from_run, to_run) -> None:
    """The checkpoint of ``from_run`` becomes ``to_run``'s (after the file itself was renamed)."""
    source = checkpoint_path(from_run)
    if source.is_file():
        os.replace(source, checkpoint_path(to_run))


def remove_checkpoint(run_path) -> None:
    path = checkpoint_path(run_path)
    for leftover in (path, _tmp_path(path)):
        leftover.unlink(missing_ok=True)


def resume_source(target) -> Path:
    """The file a resume of the run to ``target`` continues: the partial file of a killed or
    failed run if there is one, else ``target`` itself (a run stopped by a signal). A checkpoint
    left under the partial's name by a crash between the two renames of a stop is moved to
    ``target``'s."""
    target = Path(target)
    part = partial_path(target)
    if part.is_file():
        return part
    orphan = checkpoint_path(part)
    if target.is_file() and orphan.is_file() and not checkpoint_path(target).is_file():
        os.replace(orphan, checkpoint_path(target))
    return target


def load_checkpoint(target):
    """The file to continue a run to ``target`` from (:func:`resume_source`), the scenario it
    stores and its last checkpoint; InputError if it cannot resume."""
    from twin.config import load_config_text
    from twin.output.reader import _attr, open_h5

    target = Path(target)
    run_path = resume_source(target)
    if not run_path.is_file():
        raise InputError(f"{target}: no such run file (and no partial file {run_path.name}) to resume")
    with open_h5(run_path) as f:
        status = _attr(f, "status", None)
        config_yaml = f.attrs.get("config_yaml")
    if status == "complete":
        raise InputError(f"{run_path}: the run is already complete; nothing to resume")
    path = checkpoint_path(run_path)
    if not path.is_file():
        raise InputError(f"{run_path}: no checkpoint ({path.name} missing); the run stopped before its "
                         f"first checkpoint (output.checkpoint_every_s) and must be run again")
    try:
        with open(path, "rb") as fh:
            ckpt = pickle.load(fh)
    except Exception as err:  # a damaged pickle can raise almost anything
        raise InputError(f"{path}: unreadable checkpoint ({type(err).__name__})") from None
    if not isinstance(ckpt, dict) or ckpt.get("version") != CHECKPOINT_VERSION:
        raise InputError(f"{path}: not a twin checkpoint of version {CHECKPOINT_VERSION}")
    scenario = load_config_text(config_yaml, run_path.parent, f"{run_path}:config_yaml")
    return run_path, scenario, ckpt


_stop_signal = [0]   # signals belong to the process: the first that stopped a run in it


def stop_signal() -> int:
    """The signal that stopped the last run stopped in this process (0: none); a command that
    stops for it exits with 128 + it, as a shell reports a process killed by it."""
    return _stop_signal[0]


@contextlib.contextmanager
def stop_signals(sim):
    """SIGINT and SIGTERM ask the simulation to stop at its next record boundary, checkpointed."""
    def handler(signum, frame):
        sim.stop_requested = True
        _stop_signal[0] = signum

    _stop_signal[0] = 0
    previous = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread: no signal handling
        pass
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def check_disk_space(scenario, n_sats: int, out_path, log, reserve_bytes: int = 0) -> None:
    """InputError unless the run file (and the space held in reserve to close it after a write
    fails, :mod:`twin.output.hdf5`) fits in the free space of its folder."""
    state = state_bytes(scenario, n_sats)
    size = expected_size_bytes(scenario, n_sats) + reserve_bytes
    folder = Path(out_path).resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    log(f"expected run file size: at most {state / 1e6:,.1f} MB of /state uncompressed, about "
        f"{size / 1e6:,.1f} MB in all with the tables ({free / 1e9:,.1f} GB free)")
    if size > free:
        raise InputError(f"{out_path}: the run needs up to {size / 1e9:,.2f} GB but {folder} has "
                         f"{free / 1e9:,.2f} GB free; record less often (simulation.record_every_s) "
                         f"or free space")
