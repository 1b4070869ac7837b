"""Config shells -> one :class:`twin.orbits.SatelliteSet` (the bridge between config and orbits)."""
from __future__ import annotations

import numpy as np

from twin import orbits
from twin.config import ConfigError
from twin.errors import InputError


def build_constellation(shells, epoch_utc, seed: int = 0) -> "orbits.SatelliteSet":
    """Build every shell of the config and join them; planes stay unique across shells."""
    sets = []
    for index, shell in enumerate(shells):
        try:
            sets.append(_build_shell(shell, index, epoch_utc, seed))
        except InputError:
            raise
        except ValueError as err:   # a shell the builders cannot make (e.g. no SSO at that altitude)
            raise ConfigError(f"constellation.{index} ({shell.kind}): {err}") from None
    return sets[0] if len(sets) == 1 else orbits.SatelliteSet.concat(sets)


def _build_shell(shell, index: int, epoch_utc, seed: int) -> "orbits.SatelliteSet":
    if shell.kind == "tle":
        sats = orbits.load_tle(shell.file, shell.name_pattern, shell.norad_ids)
        n = shell.max_satellites
        if n is not None and len(sats) > n:
            sats = sats.select(np.arange(n))
        return sats
    if shell.kind == "walker":
        return orbits.walker_shell(shell.altitude_km, shell.inclination_deg, shell.planes,
                                   shell.sats_per_plane, shell.phasing, shell.pattern,
                                   epoch_utc, shell.raan0_deg, shell.thickness_km, shell.layers)
    if shell.kind == "sso":
        return orbits.sso_shell(shell.altitude_km, shell.ltan_h, shell.planes,
                                shell.sats_per_plane, epoch_utc, shell.phasing, shell.ltan_span_h,
                                shell.thickness_km, shell.layers)
    return orbits.cluster_shell(shell.altitude_km, shell.ltan_h, shell.n_sats, shell.radius_km,
                                epoch_utc, seed=seed + index)
