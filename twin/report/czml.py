"""The constellation as a CZML document that CesiumJS plays as an animation (``twin export --czml``).

One packet per satellite: its position sampled at the records (GCRS, which CZML calls
``INERTIAL``: Cesium's ICRF, whose axes GCRS shares to far below a metre at LEO), a point coloured
by the node mode or by illumination over time (one colour per interval in which the state holds),
and a path trailing one orbit. The document packet holds the clock (the run's span) and a legend.

Times are SI seconds after the run's epoch, as in the run file; CZML's ``epoch`` + seconds is
elapsed time too (Cesium counts in TAI), so a leap second inside a run shifts neither. The colour
intervals are written as UTC instants without leap seconds: they would be 1 s off after one.

Size: a satellite costs about 40 bytes per sample, so 1,440 samples (a day at 60 s) are ~58 kB
and 5,000 satellites ~290 MB, more than a browser loads comfortably. ``max_sats`` (default
``MAX_SATS``) keeps one satellite in k, evenly spread, and ``max_samples`` one record in k, never
further apart than ``MAX_SAMPLE_SPACING_S`` (the Lagrange interpolation between samples needs
about 20 a LEO orbit): a long run is cut to its first ``max_samples`` records at that spacing
instead. The document's description says what was kept.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np

from twin.constants import M_PER_KM, SECONDS_PER_HOUR
from twin.kernels.layout import MODE_NAMES
from twin.report.figures import MODE_COLOURS

MAX_SATS = 500               # ~30 MB for a day at 60 s: what CesiumJS animates smoothly
MAX_SAMPLES = 2000           # samples of each satellite's position
MAX_SAMPLE_SPACING_S = 300.0  # 19 samples an orbit at 550 km: Lagrange degree 5 stays within ~1 m
INTERPOLATION_DEGREE = 5
MODE_RGBA = tuple(tuple(int(c[k:k + 2], 16) for k in (1, 3, 5)) for c in MODE_COLOURS)   # as in the figures
SUNLIT_CLASSES = (   # (upper bound of the sunlit fraction, label, RGB): bright enough on a dark globe
    (0.01, "umbra", (80, 120, 230)),
    (0.99, "penumbra", (240, 140, 60)),
    (math.inf, "sunlit", (255, 220, 80)),
)
STATE_KINDS = ("mode", "sunlit")
FRAMES = ("INERTIAL", "FIXED")


def itrs_from_gcrs_km(epoch_utc: datetime, time_s, position_gcrs_km) -> np.ndarray:
    """GCRS positions (T, S, 3) [km] rotated into the Earth-fixed ITRS with skyfield's matrices."""
    from skyfield.framelib import itrs

    from twin.report.map import skyfield_times

    rotation = itrs.rotation_at(skyfield_times(epoch_utc, time_s))   # (3, 3, T), GCRS -> ITRS
    return np.einsum("ijt,tsj->tsi", rotation, np.asarray(position_gcrs_km, dtype=np.float64))


def _iso(epoch: datetime, seconds: float) -> str:
    return (epoch + timedelta(seconds=float(seconds))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sample_rows(time_s, max_samples: int = MAX_SAMPLES,
                max_spacing_s: float = MAX_SAMPLE_SPACING_S) -> tuple[np.ndarray, bool]:
    """Indices of the records to sample, and whether the run was cut short to keep the spacing.

    One record in k with k as small as ``max_samples`` allows, always ending on the last record;
    when k records would be further apart than ``max_spacing_s``, k shrinks to fit and only the
    first ``max_samples`` samples are kept."""
    t = np.asarray(time_s, dtype=np.float64)
    n = len(t)
    step_s = float(np.median(np.diff(t))) if n > 1 else 0.0
    stride = max(1, math.ceil(n / max_samples))
    if stride > 1 and stride * step_s > max_spacing_s:
        stride = max(1, int(max_spacing_s // step_s)) if step_s > 0 else 1
        return np.arange(0, n, stride)[:max_samples], True
    return np.arange((n - 1) % stride, n, stride), False


def _state_classes(state: np.ndarray, kind: str) -> tuple[np.ndarray, list[str], list[tuple]]:
    """(class index per sample, class labels, RGB per class) of node modes or sunlit fractions."""
    if kind == "mode":
        codes = np.asarray(state)
        codes = np.where((codes >= 0) & (codes < len(MODE_NAMES)), codes, len(MODE_NAMES)).astype(np.int64)
        return codes, [*MODE_NAMES, "unknown"], [*MODE_RGBA, (200, 200, 200)]
    bounds = [b for b, _, _ in SUNLIT_CLASSES]
    values = np.nan_to_num(np.asarray(state, dtype=np.float64), nan=1.0)
    return (np.searchsorted(bounds, values, "left").astype(np.int64), [x for _, x, _ in SUNLIT_CLASSES],
            [c for _, _, c in SUNLIT_CLASSES])


def state_intervals(time_s, classes) -> list[tuple[float, float, int]]:
    """(start [s], end [s], class) for each run of equal classes of one satellite: a record's
    state holds from its time until the next record's; the last runs to the last record."""
    t = np.asarray(time_s, dtype=np.float64)
    c = np.asarray(classes)
    change = np.flatnonzero(c[1:] != c[:-1]) + 1
    starts = np.r_[0, change]
    ends = np.r_[change, len(c) - 1]
    return [(float(t[a]), float(t[b]), int(c[a])) for a, b in zip(starts, ends)]


def _legend_html(labels, rgbs, used, note: str) -> str:
    rows = "".join(f'<li><span style="color:rgb{tuple(rgbs[k])}">&#9679;</span> {labels[k].replace("_", " ")}</li>'
                   for k in sorted(used))
    return f"<p>Point colours:</p><ul>{rows}</ul><p>{note}</p>"


def czml_document(names, epoch_utc: datetime, time_s, position_km, state=None, state_kind: str = "mode", *,
                  title: str = "twin run", max_sats: int = MAX_SATS, max_samples: int = MAX_SAMPLES,
                  trail_s: float | None = None, frame: str = "INERTIAL") -> str:
    """The constellation as a CZML document (JSON text).

    Parameters
    ----------
    names : sequence of str, shape (S,)
        Satellite names (packet ids are ``sat-<index>``, unique even if names repeat).
    epoch_utc : datetime
        The run's epoch (naive is taken as UTC).
    time_s : array_like, shape (T,)
        Seconds since the epoch of each record [s], increasing.
    position_km : array_like, shape (T, S, 3)
        GCRS positions [km] (written in metres, ``referenceFrame: INERTIAL``).
    state : array_like, shape (T, S), optional
        Node mode codes (index into ``twin.kernels.layout.MODE_NAMES``; ``state_kind="mode"``) or
        sunlit fractions [1] (``state_kind="sunlit"``: umbra / penumbra / sunlit). None: white points.
    title : str
        The document's name, shown by Cesium.
    max_sats, max_samples : int
        Size limits (see the module docstring).
    trail_s : float, optional
        Length of the path behind each satellite [s]; default one orbit, from the mean radius.
    frame : {"INERTIAL", "FIXED"}
        INERTIAL writes the GCRS positions as they are: paths are orbits, and Cesium turns them
        to Earth-fixed with its ICRF data if the page preloads it
        (``Cesium.Transforms.preloadIcrfFixed``), else with a GMST rotation that leaves out
        precession since J2000 (0.36° of longitude in 2026, ~40 km). FIXED rotates them to ITRS
        here (skyfield), exact in any viewer; paths then trace the ground track in the air.

    Returns
    -------
    str
        The document, compact JSON: a list whose first packet has id ``document``.
    """
    from czml3 import CZML_VERSION, Clock, Color, Document, Packet, Path, Point, Position
    from czml3.properties import PolylineMaterial, SolidColorMaterial
    from czml3.types import IntervalValue, TimeInterval, TimeIntervalCollection

    if frame not in FRAMES:
        raise ValueError(f"frame must be one of {FRAMES}, not {frame!r}")
    if state_kind not in STATE_KINDS:
        raise ValueError(f"state_kind must be one of {STATE_KINDS}, not {state_kind!r}")
    epoch = epoch_utc.replace(tzinfo=timezone.utc) if epoch_utc.tzinfo is None else epoch_utc.astimezone(timezone.utc)
    t_all = np.asarray(time_s, dtype=np.float64)
    pos_all = np.asarray(position_km, dtype=np.float64)
    n_times, n_sats = pos_all.shape[:2]
    if pos_all.shape != (len(t_all), n_sats, 3) or len(names) != n_sats:
        raise ValueError(f"position_km must be (T, S, 3) = ({len(t_all)}, {len(names)}, 3); got {pos_all.shape}")
    rows, cut = sample_rows(t_all, max_samples)
    sat_stride = max(1, math.ceil(n_sats / max_sats))
    sats = np.arange(0, n_sats, sat_stride)
    t = t_all[rows]
    pos = pos_all[rows][:, sats]
    if frame == "FIXED":
        pos = itrs_from_gcrs_km(epoch, t, pos)
    # the state at full record resolution over the sampled span: changes are few, intervals cheap
    state_rows = slice(0, rows[-1] + 1)
    if trail_s is None:
        radius_m = float(np.nanmean(np.linalg.norm(pos_all[-1], axis=-1))) * M_PER_KM
        trail_s = 2.0 * math.pi * math.sqrt(radius_m ** 3 / 3.986004418e14)   # Kepler, WGS 84 GM
    if state is not None:
        classes, labels, rgbs = _state_classes(np.asarray(state)[state_rows][:, sats], state_kind)
    used = set()

    packets = []
    for j, s in enumerate(sats):
        xyz = np.round(pos[:, j] * M_PER_KM)          # whole metres: SGP4 is good to ~1 km
        ok = np.isfinite(xyz).all(axis=1)
        if not ok.any():
            continue
        samples = np.column_stack([t[ok], xyz[ok]]).ravel().tolist()
        if state is None:
            colour = Color(rgba=[255, 255, 255, 255])
        else:
            spans = state_intervals(t_all[state_rows], classes[:, j])
            used.update(k for _, _, k in spans)
            colour = TimeIntervalCollection(values=[
                IntervalValue(start=_iso(epoch, a), end=_iso(epoch, b), value=Color(rgba=[*rgbs[k], 255]))
                for a, b, k in spans])
        packets.append(Packet(
            id=f"sat-{s}", name=str(names[s]),
            availability=TimeInterval(start=_iso(epoch, t[ok][0]), end=_iso(epoch, t[ok][-1])),
            position=Position(epoch=epoch, referenceFrame=frame, interpolationAlgorithm="LAGRANGE",
                              interpolationDegree=INTERPOLATION_DEGREE, cartesian=samples),
            point=Point(pixelSize=6 if len(sats) <= 100 else 4, color=colour),
            path=Path(leadTime=0.0, trailTime=float(trail_s), width=1.0,
                      resolution=float(np.median(np.diff(t))) if len(t) > 1 else 60.0,
                      material=PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=[255, 255, 255, 70]))))))

    kept = [f"{len(sats):,} of {n_sats:,} satellites" + (f" (one in {sat_stride:,})" if sat_stride > 1 else ""),
            f"{len(t):,} position samples each"
            + (f", one record in {rows[1] - rows[0]:,}" if len(rows) > 1 and rows[1] - rows[0] > 1 else "")]
    if cut:
        kept.append(f"the first {t[-1] / SECONDS_PER_HOUR:,.4g} h of {t_all[-1] / SECONDS_PER_HOUR:,.4g} h")
    note = "Kept: " + "; ".join(kept) + f". Positions {'GCRS' if frame == 'INERTIAL' else 'ITRS'} ({frame}), from twin."
    description = _legend_html(labels, rgbs, used, note) if state is not None else f"<p>{note}</p>"
    document = Packet(id="document", name=title, version=CZML_VERSION, description=description,
                      clock=Clock(interval=TimeInterval(start=_iso(epoch, t[0]), end=_iso(epoch, t[-1])),
                                  currentTime=_iso(epoch, t[0]), multiplier=60.0,
                                  range="LOOP_STOP", step="SYSTEM_CLOCK_MULTIPLIER"))
    return Document(packets=[document, *packets]).dumps()
