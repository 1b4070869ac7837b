"""A Dask client for a sweep: a loopback-only ``LocalCluster``, or a scheduler the user names.

The local cluster listens on 127.0.0.1 only: the scheduler, the nannies, the workers and the
scheduler's HTTP endpoint (health checks, and the dashboard if bokeh is installed), the latter on a
random port rather than 8787, so that nothing is reachable from another machine unless the user
passes ``--scheduler tcp://HOST:PORT`` (and then the user's scheduler decides who may connect).

Workers are processes with one thread each; ``NUMBA_NUM_THREADS=1`` in every worker keeps numba's
parallel kernels from starting one thread per core in each of them (N workers x N threads would
oversubscribe the machine, and numba's OpenMP layer slows down many times over on busy cores).
"""
from __future__ import annotations

import contextlib
import os

from twin.errors import InputError

LOOPBACK = "127.0.0.1"
WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "OPENBLAS_NUM_THREADS": "1"}


def cores() -> int:
    """Cores this process may use (the affinity mask, e.g. a CI container's 2 cores)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def local_cluster(n_workers: int | None = None):
    """A ``LocalCluster`` of single-threaded worker processes on loopback only."""
    from distributed import LocalCluster

    return LocalCluster(n_workers=n_workers or cores(), threads_per_worker=1, processes=True,
                        host=LOOPBACK, dashboard_address=f"{LOOPBACK}:0", env=dict(WORKER_ENV),
                        silence_logs=40)


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, n_workers: int | None = None):
    """A connected ``distributed.Client``; the local cluster (if any) closes on exit."""
    from distributed import Client

    if scheduler:
        if "://" not in scheduler:
            raise InputError(f"--scheduler {scheduler!r}: expected tcp://HOST:PORT")
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as err:
            raise InputError(f"--scheduler {scheduler}: cannot connect ({err})") from None
        try:
            yield client
        finally:
            client.close()
        return
    if n_workers is not None and n_workers < 1:
        raise InputError(f"--workers {n_workers}: need at least 1 (or 0 for no Dask at all)")
    cluster = local_cluster(n_workers)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def worker_threads(client) -> int:
    """Threads across the client's workers (how many members can run at once)."""
    return max(1, sum(client.nthreads().values()))
