"""Make ``twin/data/coastline_110m.npz`` (the ground-track map's coastlines) from Natural Earth.

Run once, by hand; twin reads only the ``.npz`` it writes, so none of this is a runtime dependency.

Source: Natural Earth 1:110m Admin 0 countries (public domain), as the shapefile
``geopandas/datasets/naturalearth_lowres`` inside the geopandas 0.14.4 wheel on PyPI (geopandas
dropped the dataset in 1.0). The countries are dissolved into land (so land borders between
countries disappear and only shores stay), and the edges that exist only because the polygons
are cut at the antimeridian or closed along the south pole are dropped.

Steps::

    pip download geopandas==0.14.4 --no-deps -d /tmp/ne
    pip install --target /tmp/ne/lib pyshp shapely
    PYTHONPATH=/tmp/ne/lib python tools/make_coastline.py /tmp/ne/geopandas-0.14.4-py3-none-any.whl

The output holds ``lon_deg`` and ``lat_deg`` (float32, the same length): polylines separated by
NaN, longitudes in [-180, 180], latitudes in [-90, 90], WGS 84 (the shapefile's datum).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

MEMBER = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
OUT = Path(__file__).resolve().parents[1] / "twin" / "data" / "coastline_110m.npz"
EDGE_DEG = 179.99     # a vertex this far east or west is on the antimeridian cut
POLE_DEG = -89.99     # a vertex this far south is on Antarctica's closing edge, not a shore
SLIVER_DEG2 = 1e-4    # holes smaller than this [deg^2] are gaps between two countries' borders


def read_countries(wheel: Path):
    """The country polygons of the wheel's shapefile, as shapely geometries."""
    import shapefile   # pyshp
    from shapely.geometry import shape

    with zipfile.ZipFile(wheel) as z:
        parts = {ext: io.BytesIO(z.read(f"{MEMBER}.{ext}")) for ext in ("shp", "shx", "dbf")}
    reader = shapefile.Reader(**parts)
    return [shape(s.__geo_interface__) for s in reader.shapes()]


def land(countries):
    """The union of the countries, without the sliver holes left where borders do not match."""
    from shapely.geometry import MultiPolygon, Polygon
    from shapely.ops import unary_union

    merged = unary_union([c.buffer(0) for c in countries])
    polygons = list(merged.geoms) if isinstance(merged, MultiPolygon) else [merged]
    return [Polygon(p.exterior, [h for h in p.interiors if Polygon(h).area > SLIVER_DEG2])
            for p in polygons]


def shore_runs(ring: np.ndarray) -> list[np.ndarray]:
    """The ring (K, 2) [deg] cut into runs of shore: an edge both of whose ends lie on the
    antimeridian, or on the south pole's closing edge, is no coastline."""
    lon, lat = ring[:, 0], ring[:, 1]
    on_cut = np.abs(lon) >= EDGE_DEG
    at_pole = lat <= POLE_DEG
    fake = (on_cut[:-1] & on_cut[1:]) | (at_pole[:-1] | at_pole[1:])
    runs, start = [], 0
    for k in np.flatnonzero(fake):
        if k + 1 - start >= 2:
            runs.append(ring[start:k + 1])
        start = k + 1
    if len(ring) - start >= 2:
        runs.append(ring[start:])
    return runs


def polylines(polygons) -> tuple[np.ndarray, np.ndarray]:
    """Every shore run joined into (lon, lat) float32 arrays separated by NaN."""
    pieces = []
    for polygon in polygons:
        for ring in [polygon.exterior, *polygon.interiors]:
            pieces += shore_runs(np.asarray(ring.coords, dtype=np.float64))
    gap = np.full((1, 2), np.nan)
    joined = np.concatenate([x for p in pieces for x in (p, gap)][:-1])
    return joined[:, 0].astype(np.float32), joined[:, 1].astype(np.float32)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="geopandas-0.14.4-py3-none-any.whl")
    parser.add_argument("-o", "--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    lon, lat = polylines(land(read_countries(args.wheel)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, lon_deg=lon, lat_deg=lat)
    digest = hashlib.sha256(args.wheel.read_bytes()).hexdigest()
    print(f"{args.out}: {int(np.isfinite(lon).sum())} points in {int(np.isnan(lon).sum()) + 1} polylines, "
          f"{args.out.stat().st_size} bytes; from {args.wheel.name} sha256 {digest}")


if __name__ == "__main__":
    main()
