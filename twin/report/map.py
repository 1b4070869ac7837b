"""The ground-track map: where the satellites are over the Earth and what state each is in.

A plate carrée (equirectangular) map with Natural Earth coastlines (``twin/data/coastline_110m.npz``,
shipped with twin: nothing is downloaded; see ``twin/data/COASTLINE_SOURCE.md``). Each satellite's
latest position is a dot coloured by its state (sunlit fraction or node mode); the recent ground
track of up to ``MAX_TRACKS`` satellites is drawn as faint lines, cut where they cross the
antimeridian.

Positions come as GCRS vectors (the run file's ``position_gcrs_km``, or a re-propagation of the
scenario); :func:`geodetic_lon_lat_deg` turns them into WGS 84 longitude and latitude with
skyfield's own Earth-orientation model (the builtin timescale: offline).
"""
from __future__ import annotations

import functools
import math
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import numpy as np

from twin.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR
from twin.kernels.layout import MODE_NAMES
from twin.report.figures import MODE_COLOURS
from twin.report.style import save as _save

COASTLINE_FILE = "data/coastline_110m.npz"   # inside the twin package
MAX_TRACKS = 120          # satellites whose tracks are drawn: beyond this they hide the map
DEFAULT_TRACK_SPAN_S = 5700.0   # one orbit at about 550 km: a track long enough to show its shape
SUNLIT_CMAP = "cividis"   # the eclipse map's colours, so a state looks the same in both figures
COLOUR_KINDS = ("sunlit", "mode")


@functools.lru_cache(maxsize=1)
def load_coastline() -> tuple[np.ndarray, np.ndarray]:
    """(lon_deg, lat_deg) float32 polylines separated by NaN, from the file shipped in the package."""
    with resources.files("twin").joinpath(COASTLINE_FILE).open("rb") as f:
        data = np.load(f)
        lon, lat = data["lon_deg"], data["lat_deg"]
    lon.flags.writeable = lat.flags.writeable = False   # cached: shared by every caller
    return lon, lat


def skyfield_times(epoch_utc: datetime, time_s):
    """skyfield Time at ``time_s`` SI seconds after ``epoch_utc``, built as twin's engine builds
    it (TT Julian date, so elapsed time is exact across a leap second)."""
    from skyfield.api import load

    ts = load.timescale(builtin=True)   # leap seconds and ΔT shipped inside skyfield
    epoch = epoch_utc.replace(tzinfo=timezone.utc) if epoch_utc.tzinfo is None else epoch_utc
    t0 = ts.from_datetime(epoch)
    return ts.tt_jd(t0.whole, t0.tt_fraction + np.asarray(time_s, dtype=np.float64) / SECONDS_PER_DAY)


def geodetic_lon_lat_deg(epoch_utc: datetime, time_s, position_gcrs_km) -> tuple[np.ndarray, np.ndarray]:
    """WGS 84 geodetic longitude and latitude [deg] below GCRS positions.

    Parameters
    ----------
    epoch_utc : datetime
        The run's epoch (naive is taken as UTC).
    time_s : array_like, shape (T,)
        SI seconds since the epoch [s].
    position_gcrs_km : array_like, shape (T, S, 3)
        Earth-centred GCRS positions [km]; NaN rows give NaN.

    Returns
    -------
    lon_deg, lat_deg : numpy.ndarray, shape (T, S)
        Longitude in [-180, 180), geodetic latitude.

    Notes
    -----
    The GCRS -> ITRS rotation is skyfield's (``wgs84.latlon_of``), evaluated once per time and
    broadcast over the satellites: skyfield's matrices carry a trailing time axis, so positions
    are handed over as (3, S, T).
    """
    from skyfield.api import wgs84
    from skyfield.constants import AU_KM
    from skyfield.positionlib import Geocentric

    pos = np.asarray(position_gcrs_km, dtype=np.float64)
    time_s = np.atleast_1d(np.asarray(time_s, dtype=np.float64))
    if pos.ndim != 3 or pos.shape[-1] != 3 or pos.shape[0] != len(time_s):
        raise ValueError(f"position_gcrs_km must be (T, S, 3) with T = {len(time_s)}; got {pos.shape}")
    t = skyfield_times(epoch_utc, time_s)
    with np.errstate(invalid="ignore"):
        lat, lon = wgs84.latlon_of(Geocentric(pos.transpose(2, 1, 0) / AU_KM, t=t, center=399))
    return lon.degrees.T, lat.degrees.T


def _state_colours(colour: np.ndarray, colour_kind: str) -> np.ndarray:
    """RGBA (..., 4) for sunlit fractions or mode codes; NaN or unknown codes are light grey."""
    from matplotlib import colormaps
    from matplotlib.colors import to_rgba_array

    values = np.asarray(colour, dtype=np.float64)
    if colour_kind == "sunlit":
        rgba = colormaps[SUNLIT_CMAP](np.clip(np.nan_to_num(values, nan=0.0), 0.0, 1.0))
        rgba[np.isnan(values)] = (0.8, 0.8, 0.8, 1.0)
        return rgba
    table = np.vstack([to_rgba_array(MODE_COLOURS), [(0.8, 0.8, 0.8, 1.0)]])
    codes = np.nan_to_num(values, nan=-1.0).astype(np.int64)
    codes = np.where((codes >= 0) & (codes < len(MODE_NAMES)), codes, len(MODE_NAMES))
    return table[codes]


def track_segments(lon_deg: np.ndarray, lat_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Line segments between consecutive samples of each track, without those that jump the
    antimeridian (|Δlon| > 180°: a straight line across the map would be wrong) or touch a NaN.

    ``lon_deg``, ``lat_deg``: (T, K). Returns segments (M, 2, 2) [deg] and, for each, the index
    (M, 2) of its end sample as (time, track), to colour it by the state there."""
    lon, lat = np.asarray(lon_deg, dtype=np.float64), np.asarray(lat_deg, dtype=np.float64)
    start = np.stack([lon[:-1], lat[:-1]], axis=-1)      # (T-1, K, 2)
    end = np.stack([lon[1:], lat[1:]], axis=-1)
    with np.errstate(invalid="ignore"):
        keep = (np.abs(lon[1:] - lon[:-1]) <= 180.0) & np.isfinite(start).all(-1) & np.isfinite(end).all(-1)
    k_time, k_track = np.nonzero(keep)
    segments = np.stack([start[k_time, k_track], end[k_time, k_track]], axis=1)
    return segments, np.column_stack([k_time + 1, k_track])


def _axis_labels(ax) -> None:
    ax.set_xticks(np.arange(-180, 181, 60),
                  [f"{abs(v)}°{'E' if v > 0 else 'W' if v < 0 else ''}" for v in range(-180, 181, 60)])
    ax.set_yticks(np.arange(-90, 91, 30),
                  [f"{abs(v)}°{'N' if v > 0 else 'S' if v < 0 else ''}" for v in range(-90, 91, 30)])


def _time_note(time_s, rows: slice) -> str:
    if time_s is None:
        return ""
    t = np.asarray(time_s, dtype=np.float64)
    end = float(t[-1])
    span = end - float(t[rows][0])
    at = f"{end / SECONDS_PER_HOUR:,.4g} h" if end >= 2 * SECONDS_PER_HOUR else f"{end / 60.0:,.4g} min"
    return f"dots: positions at t = {at}; lines: the {span / 60.0:,.0f} min before"


def ground_track_figure(lon_deg, lat_deg, colour, colour_kind: str, out_path, title: str, *,
                        time_s=None, track_span_s: float | None = DEFAULT_TRACK_SPAN_S,
                        max_tracks: int = MAX_TRACKS, names=None) -> Path:
    """Draw the ground-track map and save it to ``out_path`` (PNG).

    Parameters
    ----------
    lon_deg, lat_deg : array_like, shape (T, S)
        Sub-satellite longitude and latitude [deg] at T times (oldest first), e.g. from
        :func:`geodetic_lon_lat_deg`.
    colour : array_like, shape (T, S)
        The state at each sample: the sunlit fraction [1] (``colour_kind="sunlit"``) or the node
        mode code, an index into ``twin.kernels.layout.MODE_NAMES`` (``colour_kind="mode"``).
    colour_kind : {"sunlit", "mode"}
    out_path : path
    title : str
    time_s : array_like, shape (T,), optional
        Seconds since the epoch of each sample [s]: with it the tracks are cut to the last
        ``track_span_s`` (None: every sample) and the figure says when the dots are.
    max_tracks : int
        At most this many tracks are drawn (one satellite in k, evenly spread); every satellite
        gets its dot.
    names : sequence of str, shape (S,), optional
        Written next to the dots when there are at most 12 satellites.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D

    from twin.report.figures import _new_figure

    if colour_kind not in COLOUR_KINDS:
        raise ValueError(f"colour_kind must be one of {COLOUR_KINDS}, not {colour_kind!r}")
    lon, lat = np.atleast_2d(np.asarray(lon_deg, dtype=np.float64)), np.atleast_2d(np.asarray(lat_deg, dtype=np.float64))
    state = np.asarray(colour, dtype=np.float64).reshape(lon.shape)
    n_times, n_sats = lon.shape
    rows = slice(0, n_times)
    if time_s is not None and track_span_s is not None:
        t = np.asarray(time_s, dtype=np.float64)
        rows = slice(int(np.searchsorted(t, t[-1] - track_span_s, "left")), n_times)

    fig, (ax,) = _new_figure(width=11.0, height=5.3)
    ax.set_facecolor("#e4eaf0")   # a grey sea: both ends of the sunlit scale (navy, yellow) show on it
    coast_lon, coast_lat = load_coastline()
    ax.plot(coast_lon, coast_lat, color="0.45", linewidth=0.6, zorder=1)

    stride = max(1, math.ceil(n_sats / max_tracks))
    tracks = np.arange(0, n_sats, stride)
    segments, at = track_segments(lon[rows][:, tracks], lat[rows][:, tracks])
    if len(segments):
        few = len(tracks) <= 12   # tracks that can be told apart: drawn strong
        seg_rgba = _state_colours(state[rows][:, tracks][at[:, 0], at[:, 1]], colour_kind)
        seg_rgba[:, 3] = 0.85 if few else 0.35
        ax.add_collection(LineCollection(segments, colors=seg_rgba, linewidths=1.5 if few else 0.7, zorder=2))

    last_lon, last_lat, last_state = lon[-1], lat[-1], state[-1]
    size = float(np.clip(6000.0 / max(n_sats, 1), 5.0, 70.0))
    ax.scatter(last_lon, last_lat, s=size, c=_state_colours(last_state, colour_kind),
               edgecolors="0.1" if n_sats <= 300 else "none", linewidths=0.5, zorder=3)
    if names is not None and n_sats <= 12:
        for name, x, y in zip(names, last_lon, last_lat):
            if np.isfinite(x) and np.isfinite(y):
                right = x > 135.0   # labels east of 135°E go to the dot's left, to stay on the map
                ax.annotate(str(name), (x, y), xytext=(-6 if right else 6, 4), textcoords="offset points",
                            ha="right" if right else "left", fontsize=9, zorder=4)

    if colour_kind == "sunlit":
        from matplotlib.cm import ScalarMappable

        fig.colorbar(ScalarMappable(Normalize(0.0, 1.0), SUNLIT_CMAP), ax=ax, fraction=0.03, pad=0.02,
                     label="sunlit fraction [1]\n(0 = umbra, 1 = full Sun)")
    else:
        codes = np.nan_to_num(last_state, nan=-1.0).astype(np.int64)
        handles = [Line2D([], [], linestyle="", marker="o", markersize=8, markerfacecolor=c, markeredgecolor="0.1",
                          label=f"{n.replace('_', ' ')} ({int((codes == m).sum()):,})")
                   for m, (n, c) in enumerate(zip(MODE_NAMES, MODE_COLOURS))]
        ax.legend(handles=handles, title="node mode (satellites)", loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), framealpha=0.9)

    ax.set_xlim(-180.0, 180.0)
    ax.set_ylim(-90.0, 90.0)
    ax.set_aspect("equal")
    _axis_labels(ax)
    count = f"{n_sats:,} satellite{'s' if n_sats != 1 else ''}"
    if len(tracks) < n_sats:
        count += f", tracks of {len(tracks):,} (one in {stride:,})"
    note = "; ".join(x for x in (count, _time_note(time_s, rows)) if x)
    ax.set_title(note, fontsize=10, loc="left")
    fig.suptitle(title, fontsize=13)
    return _save(fig, Path(out_path))
