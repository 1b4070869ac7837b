"""A constellation as SGP4 element sets: :class:`SatelliteSet` (``Satrec`` objects plus the
names, NORAD ids and planes twin records per satellite), built by :mod:`twin.orbits.tle` and
:mod:`twin.orbits.shells`."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


SYNTHETIC_NORAD_BASE = 900_000  # norad_id of synthetic satellite k is this + k


def joined_planes(planes: list) -> np.ndarray:
    """Plane indices of sets joined in order, offset so they stay unique across sets (-1, no
    known plane, stays -1)."""
    out, offset = [], 0
    for plane in planes:
        p = np.asarray(plane).astype(np.int32)
        out.append(np.where(p >= 0, p + offset, -1).astype(np.int32))
        if (p >= 0).any():
            offset += int(p.max()) + 1
    return np.concatenate(out)


@dataclass(frozen=True)
class SatelliteSet:
    """Satellites as SGP4 element sets plus the coordinates twin records per satellite.

    Attributes
    ----------
    satrecs : list of sgp4.api.Satrec
    name : numpy.ndarray, shape (N,), str
    norad_id : numpy.ndarray, shape (N,), int64 (synthetic: 900000 + running index)
    plane : numpy.ndarray, shape (N,), int32 (-1 when unknown, e.g. from a TLE)
    skipped : tuple of (name, reason)
        TLEs that were left out (bad checksum, SGP4 error at epoch, decayed).
    """

    satrecs: list
    name: np.ndarray
    norad_id: np.ndarray
    plane: np.ndarray
    skipped: tuple = ()

    def __len__(self) -> int:
        return len(self.satrecs)

    def select(self, keep: np.ndarray, skipped=()) -> "SatelliteSet":
        """The satellites where ``keep`` (bool mask or indices) holds; ``skipped`` is added."""
        index = np.nonzero(keep)[0] if np.asarray(keep).dtype == bool else np.asarray(keep)
        return SatelliteSet([self.satrecs[i] for i in index], self.name[index], self.norad_id[index],
                            self.plane[index], tuple(self.skipped) + tuple(skipped))

    @staticmethod
    def concat(sets: list["SatelliteSet"]) -> "SatelliteSet":
        """Join sets in order.  Plane indices are offset so they stay unique across sets
        (-1 stays -1); synthetic satellites are renumbered 900000, 900001, ... in order."""
        if not sets:
            raise ValueError("SatelliteSet.concat needs at least one set")
        norad = np.concatenate([s.norad_id for s in sets]).astype(np.int64)
        synthetic = norad >= SYNTHETIC_NORAD_BASE
        norad[synthetic] = SYNTHETIC_NORAD_BASE + np.arange(int(synthetic.sum()))
        ids, counts = np.unique(norad, return_counts=True)
        if (counts > 1).any():
            raise ValueError(f"NORAD ids appear in more than one set: {ids[counts > 1].tolist()}")
        return SatelliteSet(
            satrecs=[r for s in sets for r in s.satrecs],
            name=np.concatenate([s.name for s in sets]),
            norad_id=norad,
            plane=joined_planes([s.plane for s in sets]),
            skipped=tuple(x for s in sets for x in s.skipped),
        )
