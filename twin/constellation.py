"""Config shells -> one :class:`twin.orbits.SatelliteSet` (the bridge between config and orbits)."""
from __future__ import annotations

from dataclasses import replace

from twin import orbits


def build_constellation(shells, epoch_utc, seed: int = 0) -> "orbits.SatelliteSet":
    """Build every shell of the config and join them; planes stay unique across shells."""
    sets = []
    for index, shell in enumerate(shells):
        if shell.kind == "tle":
            sats = orbits.load_tle(shell.file, shell.name_pattern, shell.norad_ids)
            if shell.max_satellites is not None and len(sats) > shell.max_satellites:
                n = shell.max_satellites
                sats = replace(sats, satrecs=sats.satrecs[:n], name=sats.name[:n],
                               norad_id=sats.norad_id[:n], plane=sats.plane[:n])
        elif shell.kind == "walker":
            sats = orbits.walker_shell(shell.altitude_km, shell.inclination_deg, shell.planes,
                                       shell.sats_per_plane, shell.phasing, shell.pattern,
                                       epoch_utc, shell.raan0_deg)
        elif shell.kind == "sso":
            sats = orbits.sso_shell(shell.altitude_km, shell.ltan_h, shell.planes,
                                    shell.sats_per_plane, epoch_utc, shell.phasing)
        else:
            sats = orbits.cluster_shell(shell.altitude_km, shell.ltan_h, shell.n_sats,
                                        shell.radius_km, epoch_utc, seed=seed + index)
        sets.append(sats)
    return sets[0] if len(sets) == 1 else orbits.SatelliteSet.concat(sets)
