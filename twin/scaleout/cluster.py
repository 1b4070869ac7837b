"""A Dask client for a sweep: a loopback-only ``LocalCluster``, or a scheduler the user names.

The local cluster listens on 127.0.0.1 only: the scheduler, the nannies, the workers and the
scheduler's HTTP endpoint (health checks, and the dashboard if bokeh is installed), the latter on a
random port rather than 8787, so that nothing is reachable from another machine unless the user
passes ``--scheduler tcp://HOST:PORT`` or ``--scheduler-file PATH`` (the JSON file ``dask scheduler
--scheduler-file PATH`` writes, Dask's convention on HPC clusters); then the user's scheduler
decides who may connect. The dashboard's address is logged either way.

Workers are processes with one thread each; ``NUMBA_NUM_THREADS=1`` in every worker keeps numba's
parallel kernels from starting one thread per core in each of them (N workers x N threads would
oversubscribe the machine, and numba's OpenMP layer slows down many times over on busy cores).
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
from pathlib import Path

from twin.errors import InputError

LOOPBACK = "127.0.0.1"
CONNECT_TIMEOUT = "10s"   # to reach a scheduler the user names
logger = logging.getLogger(__name__)
WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "OPENBLAS_NUM_THREADS": "1"}


def cores() -> int:
    """Cores this process may use (the affinity mask, e.g. a CI container's 2 cores)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _distributed(name: str):
    """``distributed.<name>``, or one line saying how to get Dask (it is an extra)."""
    try:
        import distributed
    except ImportError:
        raise InputError("twin sweep needs Dask for its workers: pip install 'twin[dask]' (or run it serially "
                         "with --workers 0)") from None
    return getattr(distributed, name)


def local_cluster(n_workers: int | None = None):
    """A ``LocalCluster`` of single-threaded worker processes on loopback only."""
    LocalCluster = _distributed("LocalCluster")

    return LocalCluster(n_workers=n_workers or cores(), threads_per_worker=1, processes=True,
                        host=LOOPBACK, dashboard_address=f"{LOOPBACK}:0", env=dict(WORKER_ENV),
                        silence_logs=40)


def scheduler_address(scheduler_file) -> str:
    """The address in a Dask scheduler file (``{"address": "tcp://HOST:PORT", ...}``); InputError
    in one line if the file is missing or holds none. Not waited for: a sweep is started once its
    scheduler runs."""
    path = Path(scheduler_file).expanduser()
    if not path.is_file():
        raise InputError(f"--scheduler-file {path}: no such file (a running `dask scheduler "
                         f"--scheduler-file {path}` writes it)")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise InputError(f"--scheduler-file {path}: not a Dask scheduler file ({err})") from None
    address = info.get("address") if isinstance(info, dict) else None
    if not isinstance(address, str) or "://" not in address:
        raise InputError(f"--scheduler-file {path}: not a Dask scheduler file (no address in it)")
    return address


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, n_workers: int | None = None, scheduler_file=None):
    """A connected ``distributed.Client``: to ``scheduler`` (an address), to the scheduler of
    ``scheduler_file``, or to a new local cluster, which closes on exit."""
    Client = _distributed("Client")

    if scheduler and scheduler_file:
        raise InputError("--scheduler and --scheduler-file: give one of them")
    if scheduler_file:
        what = f"--scheduler-file {scheduler_file}"
        scheduler = scheduler_address(scheduler_file)
    else:
        what = f"--scheduler {scheduler}"
    if scheduler:
        if "://" not in scheduler:
            raise InputError(f"--scheduler {scheduler!r}: expected tcp://HOST:PORT")
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as err:
            raise InputError(f"{what}: cannot connect to {scheduler} ({' '.join(str(err).split())})") from None
        try:
            logger.info("Dask scheduler %s; %s", scheduler, dashboard_text(client))
            yield client
        finally:
            client.close()
        return
    if n_workers is not None and n_workers < 1:
        raise InputError(f"--workers {n_workers}: need at least 1 (or 0 for no Dask at all)")
    cluster = local_cluster(n_workers)
    client = Client(cluster)
    try:
        note = "" if importlib.util.find_spec("bokeh") else " (its pages need bokeh: pip install bokeh)"
        logger.info("local Dask cluster of %d worker(s) on %s; %s%s", len(cluster.workers), LOOPBACK,
                    dashboard_text(client), note)
        yield client
    finally:
        client.close()
        cluster.close()


def dashboard_text(client) -> str:
    """``dashboard http://HOST:PORT/status``, or that the scheduler has none."""
    try:
        link = client.dashboard_link
    except (KeyError, OSError, TimeoutError):   # no dashboard service, or the scheduler went away
        link = None
    return f"dashboard {link}" if link else "no dashboard"


def worker_threads(client) -> int:
    """Threads across the client's workers (how many members can run at once)."""
    return max(1, sum(client.nthreads().values()))
