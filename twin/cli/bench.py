"""``twin bench``: run the repository's benchmark suite (``benchmarks/``, docs/design.md §8).

The suite lives beside the package, not in it (it carries a naive baseline and experiments that
are no part of twin); this module finds it from an editable or source checkout and runs it.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main(quick: bool = True, *, sizes=None, out_path=None) -> int:
    """Run the suite: quick (small sizes) or, with ``quick=False``, the full sizes of docs/design.md §8.

    Parameters
    ----------
    quick : bool
        small sizes (``benchmarks.run.QUICK``) rather than the full ones (``FULL``)
    sizes : benchmarks.run.Sizes, optional
        explicit sizes (tests use ``TINY``); overrides ``quick``
    out_path : str or Path, optional
        results JSON; default ``benchmarks/out/results.json``

    Returns
    -------
    int
        exit code: 0, or 2 when the benchmarks folder is not there (an installed wheel)
    """
    if not (REPO / "benchmarks" / "run.py").is_file():
        print(f"twin bench: no benchmarks/ folder beside the twin package ({REPO}); "
              f"run it from a source checkout", file=sys.stderr)
        return 2
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from benchmarks.run import main as run_suite
    from twin.numba_cache import start_threads

    start_threads()   # before the kernel benchmarks start numba's threads: passive waiting, as in a run

    return run_suite(quick=quick, sizes=sizes, out_path=out_path)
