"""Who is writing a run file: the lock of a run and the partial file it writes to.

A run to ``RUN.h5`` writes ``RUN.h5.part`` beside it and renames it into place when it finishes
or stops with a checkpoint, so an existing ``RUN.h5`` is never touched by a run that fails to
start or dies. While it runs it holds an exclusive ``flock`` on ``RUN.h5.lock`` (the file holds
the writer's pid, host and start time, for messages). The kernel releases a ``flock`` when its
process dies, however it dies, so a lock file left by a killed run is stale, not live: the next
run takes it over. ``flock`` locks belong to an open file description, so a reader in the
writer's own process also sees the lock as held.
"""
from __future__ import annotations

import errno
import fcntl
import os
import socket
import time as wallclock
from datetime import datetime, timezone
from pathlib import Path

from twin.errors import InputError, OutputExistsError

PART_SUFFIX = ".part"
LOCK_SUFFIX = ".lock"
# a reader probing the lock holds it for microseconds; a starting run retries this long
# before it calls the lock live
ACQUIRE_RETRY_S = 0.5
ACQUIRE_ATTEMPTS = 20


class LiveRunError(InputError):
    """Another live process is writing the run file."""


def _live_message(target, holder: str) -> str:
    return (f"{target}: a live run is writing it ({holder}); wait for it or stop it "
            f"(SIGINT or SIGTERM checkpoints it)")


def partial_path(target) -> Path:
    target = Path(target)
    return target.with_name(target.name + PART_SUFFIX)


def lock_path(target) -> Path:
    target = Path(target)
    return target.with_name(target.name + LOCK_SUFFIX)


def _holder_text(path: Path) -> str:
    try:
        text = path.read_text(errors="replace").strip()
    except OSError:
        return "another process"
    return text.splitlines()[0] if text else "another process"


def live_writer(target) -> str | None:
    """Who holds the lock of ``target`` (e.g. ``pid 12 on host, started 2026-...``), or None
    when no live process writes it."""
    path = lock_path(target)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _holder_text(path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class RunLock:
    """The exclusive lock of one run's output path; ``release()`` (or the process's end) frees it."""

    def __init__(self, target, what: str = "run"):
        self.target = Path(target)
        self.path = lock_path(target)
        self.fd = None
        self._acquire(what)

    def _acquire(self, what: str) -> None:
        try:   # the lock lives beside the output: a folder the user named but has not made is made
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(f"{self.path.parent}: cannot make the output folder ({err.strerror or err})") from None
        for attempt in range(ACQUIRE_ATTEMPTS):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if attempt + 1 < ACQUIRE_ATTEMPTS:   # perhaps a reader's probe: try again shortly
                    wallclock.sleep(ACQUIRE_RETRY_S / ACQUIRE_ATTEMPTS)
                    continue
                raise LiveRunError(_live_message(self.target, _holder_text(self.path))) from None
            # the lock file may have been removed by its last holder between our open and flock:
            # then we hold a lock nobody else can see; take the one at the path instead
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            self.fd = fd
            started = datetime.now(timezone.utc).isoformat(timespec="seconds")
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}, {what} started {started}\n".encode())
            return
        raise LiveRunError(f"{self.path}: could not take the lock (it kept being replaced)")

    def release(self) -> None:
        """Remove the lock file and free the lock (unlink first: a run waiting for the path then
        finds it gone or new, never a file whose lock is about to be freed)."""
        if self.fd is None:
            return
        try:
            os.unlink(self.path)
        except OSError as err:
            if err.errno != errno.ENOENT:
                raise
        finally:
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


# the longest name twin puts beside a run file: the reserve of the file a resume rebuilds
LONGEST_SIDE_SUFFIX = PART_SUFFIX + ".resuming.reserve"


def _existing_folder(path: Path) -> Path:
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_target(target, force: bool, locked: bool = False) -> None:
    """InputError unless a run may write ``target``: a name the file system takes (with twin's
    side files), not a folder, no live run writing it (unless this process holds its lock,
    ``locked``), and with ``force`` where a file or a stopped run's partial file is there. Reads
    only; nothing is created."""
    target = Path(target)
    folder = _existing_folder(target)
    if not folder.is_dir():
        raise InputError(f"{target}: {folder} is a file, not a folder")
    try:
        name_max = os.pathconf(folder, "PC_NAME_MAX")
        path_max = os.pathconf(folder, "PC_PATH_MAX")
    except (OSError, ValueError):
        name_max, path_max = 255, 4096
    longest = len((target.name + LONGEST_SIDE_SUFFIX).encode())
    if longest > name_max:
        raise InputError(f"{target}: file name too long ({len(target.name.encode())} bytes; with twin's "
                         f"side files ({LONGEST_SIDE_SUFFIX}) the file system allows "
                         f"{name_max - len(LONGEST_SIDE_SUFFIX)})")
    if len(str(target.resolve()).encode()) + len(LONGEST_SIDE_SUFFIX) >= path_max:
        raise InputError(f"{target}: path too long for the file system ({path_max} bytes at most)")
    if target.is_dir():
        raise InputError(f"{target}: a folder, not a run file")
    holder = None if locked else live_writer(target)
    if holder is not None:
        raise LiveRunError(_live_message(target, holder))
    if force:
        return
    if target.exists():
        raise OutputExistsError(f"{target}: exists; pass --force to overwrite")
    part = partial_path(target)
    if part.exists():
        raise InputError(f"{part}: left by a run that was killed or failed; resume it with "
                         f"twin run --resume {target}, or pass --force to start again")


# ---------------------------------------------------------------- what readers of a path see
def target_of(path) -> Path:
    """The run path a file belongs to: ``RUN.h5`` for ``RUN.h5.part`` and for ``RUN.h5``."""
    path = Path(path)
    return path.with_name(path.name[:-len(PART_SUFFIX)]) if path.name.endswith(PART_SUFFIX) else path


def reading_path(path) -> Path:
    """The file a reader given ``path`` reads: the partial file beside it while a live run writes
    it, or when a killed or failed run left only that; else ``path`` itself."""
    path = Path(path)
    part = partial_path(path)
    if part.is_file() and (not path.exists() or live_writer(path) is not None):
        return part
    return path


def status_notes(given, read, status: str, reason: str = "") -> list[str]:
    """Lines for ``twin inspect``: who writes the file, and how to go on from its status."""
    target = target_of(given)
    resume = f"twin run --resume {target}"
    notes = []
    if Path(read) != Path(given):
        notes.append(f"  reading {read}: the run to {target} writes it and renames it into place when it ends")
    holder = live_writer(target)
    if status == "running":
        notes.append(f"  live run: {holder}" if holder else
                     f"  no live writer: the run was killed; resume with: {resume}")
    elif status == "interrupted":
        notes.append(f"  stopped with a checkpoint; resume with: {resume}")
    elif status == "failed":
        notes.append(f"  failed: {reason or 'no reason recorded'}; resume from its last checkpoint with: {resume}")
    part = partial_path(target)
    if Path(read) == target and part.is_file() and holder is None:
        notes.append(f"  beside it: {part.name}, left by a later run that was killed or failed "
                     f"(twin inspect {part}; {resume} continues it)")
    return notes
