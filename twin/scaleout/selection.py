"""The satellites of a shard, built alone: a designed shell's size and planes follow from its
config, so a shard builds only the shells its satellites are in (a million-satellite constellation's
shard builds its 100,000, not the million), numbered as the whole constellation numbers them.

A TLE shell is loaded wherever its size is needed (its satellites are known only from the file).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from twin.orbits.satset import SYNTHETIC_NORAD_BASE, SatelliteSet, joined_planes
from twin.errors import InputError


class ShardError(InputError):
    """A shard specification that does not fit the constellation."""


def _build(scenario, index: int):
    from twin.orbits.constellation import build_constellation

    sim = scenario.simulation
    # the seed a whole-constellation build gives this shell (build_constellation: seed + index)
    return build_constellation([scenario.constellation[index]], sim.epoch_utc, sim.seed + index)


def _designed_planes(shell) -> np.ndarray | None:
    """The plane of each satellite of a designed shell, in build order; None for a TLE shell."""
    if shell.kind in ("walker", "sso"):
        return np.repeat(np.arange(shell.planes, dtype=np.int32), shell.sats_per_plane)
    if shell.kind == "cluster":
        return np.zeros(shell.n_sats, dtype=np.int32)
    return None


def shell_layout(scenario) -> tuple[list[np.ndarray], list[int], dict]:
    """Per shell, in config order: each satellite's plane within its shell and how many of its
    satellites have synthetic NORAD ids; and the TLE shells, loaded (index -> SatelliteSet)."""
    planes, synthetic, loaded = [], [], {}
    for index, shell in enumerate(scenario.constellation):
        p = _designed_planes(shell)
        if p is None:
            loaded[index] = sats = _build(scenario, index)
            p = sats.plane
            synthetic.append(int((sats.norad_id >= SYNTHETIC_NORAD_BASE).sum()))
        else:
            synthetic.append(len(p))
        planes.append(np.asarray(p, dtype=np.int32))
    return planes, synthetic, loaded


def selected_satellites(scenario, start: int, count: int) -> SatelliteSet:
    """Satellites ``start .. start + count - 1`` of the scenario's constellation (as
    ``build_constellation`` numbers them: planes unique across shells, synthetic NORAD ids in
    order, the TLEs skipped on the first shard), building only the shells they are in."""
    planes, synthetic, loaded = shell_layout(scenario)
    sizes = np.array([len(p) for p in planes], dtype=np.int64)
    cum = np.r_[0, np.cumsum(sizes)]
    stop = start + count
    if count < 1 or start < 0 or stop > cum[-1]:
        raise ShardError(f"shard needs satellites {start}..{stop - 1}, the constellation has {int(cum[-1])}")
    first = int(np.searchsorted(cum, start, "right") - 1)
    last = int(np.searchsorted(cum, stop - 1, "right") - 1)
    sets = [loaded[i] if i in loaded else _build(scenario, i) for i in range(first, last + 1)]
    kept = SatelliteSet.concat(sets) if len(sets) > 1 else sets[0]
    norad = np.asarray(kept.norad_id, dtype=np.int64).copy()
    is_synthetic = norad >= SYNTHETIC_NORAD_BASE
    norad[is_synthetic] = SYNTHETIC_NORAD_BASE + sum(synthetic[:first]) + np.arange(int(is_synthetic.sum()))
    lo, hi = start - int(cum[first]), stop - int(cum[first])
    skipped = tuple(x for i in sorted(loaded) for x in loaded[i].skipped) if start == 0 else ()
    return replace(kept, satrecs=kept.satrecs[lo:hi], name=kept.name[lo:hi], norad_id=norad[lo:hi],
                   plane=joined_planes(planes)[start:stop], skipped=skipped)
