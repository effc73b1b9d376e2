"""Build data/basemap/places.csv, the city names of the offline basemap, from Natural Earth's 1:10m
populated places (public domain).

Input: `ne_10m_populated_places` as GeoJSON (e.g. the ogr2ogr conversion in the CC0 repository
martynafford/natural-earth-geojson, file 10m/cultural/ne_10m_populated_places.json) or as the original
shapefile or zip from naturalearthdata.com. Run from the repository root:

    .venv/bin/python data/basemap/build_places.py path/to/ne_10m_populated_places.{json,geojson,shp,zip}

What is kept, and why (the full file is 16 MB of JSON with 120 columns; the extract is ~0.4 MB):
- name: NAME (the name used in the country, in Latin script), name_en: NAME_EN when it differs;
- country: ISO_A2 (empty for the few places without one);
- lat, lon: the point's geometry (Natural Earth's cartographic placement), rounded to 4 decimals (~11 m);
- min_zoom: Natural Earth's suggested first web-map zoom for the label — what keeps the map uncluttered;
- rank: SCALERANK (0 = most important), population: POP_MAX, capital: ADM0CAP (1 for a national capital).
Rows are sorted by min_zoom, then by population (largest first): the order in which labels are placed.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("places.csv")
COLUMNS = ("name", "name_en", "country", "lat", "lon", "min_zoom", "rank", "population", "capital")


def _features(path: Path) -> list[tuple[dict[str, Any], tuple[float, float]]]:
    if path.suffix in {".json", ".geojson"}:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return [(f["properties"], tuple(f["geometry"]["coordinates"][:2])) for f in doc["features"]]
    import shapefile  # pyshp, a dependency of the app

    with shapefile.Reader(str(path), encoding="utf-8") as reader:
        return [(rec.as_dict(), tuple(shape.points[0])) for rec, shape in zip(reader.records(), reader.shapes(), strict=True)]


def _get(props: dict[str, Any], key: str, default: Any = None) -> Any:
    """Natural Earth's column names are upper case in some editions and lower case in others."""
    value = props.get(key, props.get(key.lower()))
    return default if value is None else value


def rows(path: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for props, (lon, lat) in _features(path):
        name = str(_get(props, "NAME", "")).strip()
        if not name:
            continue
        name_en = str(_get(props, "NAME_EN", "")).strip()
        iso = str(_get(props, "ISO_A2", "")).strip()
        out.append({
            "name": name, "name_en": name_en if name_en != name else "",
            "country": iso if len(iso) == 2 and iso.isalpha() else "",
            "lat": round(float(lat), 4), "lon": round(float(lon), 4),
            "min_zoom": round(float(_get(props, "min_zoom", 10)), 1),
            "rank": int(_get(props, "SCALERANK", 10)), "population": int(_get(props, "POP_MAX", 0)),
            "capital": 1 if float(_get(props, "ADM0CAP", 0)) >= 1 else 0,
        })
    out.sort(key=lambda r: (r["min_zoom"], -r["population"], r["name"]))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write(__doc__ or "")
        return 2
    data = rows(Path(argv[1]))
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
    sys.stdout.write(f"{len(data)} places → {OUT} ({OUT.stat().st_size:,} bytes)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
