"""The demo population: synthetic citizens abroad, distributed over countries, cities and occupations in
proportion to data/demo_population.json (which names its public sources). Deterministic for a seed.

Written for speed (2,000,000 citizens at >= 10,000 per second on SQLite): rows are generated in batches
and inserted with executemany in one transaction per batch, ids assigned up front."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import random
from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import h3
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from embassy.citizens.models import NIK_CONTEXT, PASSPORT_CONTEXT, Citizen, Dependant, EmergencyContact, Stay
from embassy.citizens.validation import DEFAULT_PURGE_DAYS
from embassy.common import crypto
from embassy.common.bulk import bulk_load, copy_many, foreign_keys_off
from embassy.geo.boundaries import get_country_resolver
from embassy.geo.h3cells import STAY_RES
from embassy.missions.routing import get_router

FEMALE = ["Siti", "Sri", "Dewi", "Nur", "Ayu", "Putri", "Wulan", "Rina", "Lestari", "Fitri", "Indah", "Yuni", "Ratna",
          "Dian", "Eka", "Ani", "Rahmawati", "Kartini", "Ningsih", "Susanti", "Maya", "Novi", "Intan", "Rizka", "Aisyah",
          "Nabila", "Salsabila", "Anisa", "Tuti", "Endang", "Sumiati", "Murni", "Wati", "Yanti", "Lilis", "Nining"]
MALE = ["Budi", "Agus", "Ahmad", "Muhammad", "Eko", "Joko", "Dedi", "Hendra", "Rudi", "Andi", "Bambang", "Slamet",
        "Wahyu", "Yusuf", "Rizky", "Fajar", "Arif", "Hadi", "Iwan", "Dimas", "Bayu", "Teguh", "Sigit", "Taufik",
        "Imam", "Hasan", "Ilham", "Reza", "Putra", "Ketut", "Made", "Wayan", "Nyoman", "Samsul", "Supriyadi", "Yohanes"]
FAMILY = ["Saputra", "Wijaya", "Santoso", "Hidayat", "Pratama", "Nugroho", "Siregar", "Nasution", "Simanjuntak",
          "Harahap", "Lubis", "Sitompul", "Kusuma", "Setiawan", "Gunawan", "Halim", "Rahman", "Syahputra", "Purba",
          "Tanjung", "Wibowo", "Susilo", "Prasetyo", "Hakim", "Firmansyah", "Maulana", "Ramadhan", "Kurniawan",
          "Suryadi", "Hutapea", "Manurung", "Pane", "Ginting", "Sembiring", "Tarigan", "Mahendra", "Utami", "Handayani"]
PROVINCES = ["11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36", "51",
             "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82", "91", "94"]
HOME_TOWNS = ["Indramayu", "Cirebon", "Cilacap", "Banyuwangi", "Malang", "Ponorogo", "Blitar", "Lombok Timur",
              "Sumbawa", "Kupang", "Medan", "Jakarta Timur", "Bandung", "Surabaya", "Semarang", "Makassar",
              "Kendal", "Tulungagung", "Cianjur", "Sukabumi", "Karawang", "Tegal", "Brebes", "Lampung Timur"]
RELATIONS = ["Ibu / Mother", "Ayah / Father", "Suami / Husband", "Istri / Wife", "Kakak / Sibling", "Anak / Child"]
VESSELS = ["MV Samudra Jaya", "MV Pacific Dawn", "FV Hai Feng 88", "MT Ocean Pearl", "MV Coral Princess",
           "FV Da Yang 12", "MV Nusantara Star", "MT Gulf Voyager"]
INSTITUTIONS = ["University of {city}", "{city} Institute of Technology", "{city} Islamic University",
                "{city} Polytechnic", "{city} Language School"]
ORGANISERS = ["KBIH Al-Hikmah", "KBIH Nurul Iman", "PT Amanah Travel", "PT Safar Mulia", "KBIH Baitul Makmur"]
EMPLOYER_KINDS = ["Group", "Holdings", "Trading", "Industries", "Household", "Plantation", "Construction"]
BATCH = 20_000
BULK_THRESHOLD = 100_000  # from this size on, indexes are dropped during the load and rebuilt after


@dataclass(frozen=True)
class _City:
    country: str
    name: str
    lat: float
    lon: float
    mission_id: int
    rule: str


def load_population(path: Path | None = None) -> dict:
    path = path or Path(settings.DATA_DIR) / "demo_population.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _cities(population: dict) -> tuple[list[_City], list[float], dict[str, tuple[list[str], list[float]]]]:
    router = get_router()
    total = sum(c["weight"] for c in population["countries"])
    cities: list[_City] = []
    weights: list[float] = []
    mixes: dict[str, tuple[list[str], list[float]]] = {}
    for country in population["countries"]:
        city_total = sum(c["weight"] for c in country["cities"])
        for city in country["cities"]:
            route = router.route(city["lat"], city["lon"])
            cities.append(_City(country["country"], city["name"], city["lat"], city["lon"], route.mission_id, route.rule))
            weights.append(country["weight"] / total * city["weight"] / city_total)
        keys = list(country["occupation_mix"])
        mixes[country["country"]] = (keys, [country["occupation_mix"][k] for k in keys])
    return cities, weights, mixes


def _imo(n: int) -> str:
    """A well-formed IMO number (valid check digit) derived from n."""
    body = f"{900_000 + n * 7919 % 99_999:06d}"
    check = sum(int(d) * w for d, w in zip(body, range(7, 1, -1), strict=True)) % 10
    return f"{body}{check}"


def _cum(weights: list[float]) -> list[float]:
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def demo_clear() -> int:
    """Remove every demo citizen (and their stays and contacts) with set-based deletes."""
    ids = Citizen.objects.filter(source="demo")
    with transaction.atomic():
        EmergencyContact.objects.filter(citizen__in=ids).delete()
        Stay.dependants.through.objects.filter(stay__citizen__in=ids).delete()
        Dependant.objects.filter(citizen__in=ids).delete()
        Stay.objects.filter(citizen__in=ids)._raw_delete(Stay.objects.db)
        count: int = ids._raw_delete(Citizen.objects.db)
    return count


@dataclass(frozen=True)
class _Plan:
    """Everything a batch needs, prepared once in the parent (worker processes never touch the database)."""

    seed: int
    cities: list[_City]
    cum: list[float]
    cum_mix: dict[str, tuple[list[str], list[float]]]
    purposes: dict[str, str]
    spots: list[list[tuple[float, float, float]]]  # per city: (lat, lon, jitter) points known to be inside
    today: dt.date
    stamp: str
    start_ids: tuple[int, int, int]


JITTER = 0.08  # degrees: points spread over a box of about 9 km around the city centre
_plan: _Plan | None = None


def _make_batch(args: tuple[int, int, int]) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Rows for citizens [offset, offset + n) of the population; deterministic for (seed, batch number)."""
    batch_no, offset, n = args
    plan = _plan
    assert plan is not None
    rng = random.Random(plan.seed * 1_000_003 + batch_no)  # noqa: S311 - deterministic demo data, not secrets
    rand = rng.random
    seal_nik, index_nik = crypto.sealer(context=NIK_CONTEXT)
    seal_passport, index_passport = crypto.sealer(context=PASSPORT_CONTEXT)
    female_n, male_n, family_n, prov_n = len(FEMALE), len(MALE), len(FAMILY), len(PROVINCES)
    anyone, relations, towns = FEMALE + MALE, RELATIONS, HOME_TOWNS
    today, stamp = plan.today, plan.stamp
    c0, s0, e0 = plan.start_ids
    city_idx = [bisect(plan.cum, rand() * plan.cum[-1]) for _ in range(n)]
    c_rows, s_rows, e_rows = [], [], []
    for i in range(n):
        k = min(city_idx[i], len(plan.cities) - 1)
        city = plan.cities[k]
        cid = c0 + offset + i
        female = rand() < 0.58
        first = FEMALE[int(rand() * female_n)] if female else MALE[int(rand() * male_n)]
        family = FAMILY[int(rand() * family_n)]
        keys, ocum = plan.cum_mix[city.country]
        occupation = keys[min(bisect(ocum, rand() * ocum[-1]), len(keys) - 1)]
        purpose = plan.purposes[occupation]
        age = 18 + int(rand() ** 1.6 * 45) if occupation != "student" else 18 + int(rand() * 12)
        b_day, b_month, b_year = 1 + int(rand() * 28), 1 + int(rand() * 12), today.year - age
        nik = (f"{PROVINCES[int(rand() * prov_n)]}{1 + int(rand() * 79):02d}{1 + int(rand() * 39):02d}"
               f"{b_day + (40 if female else 0):02d}{b_month:02d}{b_year % 100:02d}{1 + int(rand() * 9998):04d}")
        passport = f"{'XABCE'[int(rand() * 5)]}{1_000_000 + int(rand() * 9_000_000)}"
        email = f"{first.lower()}.{family.lower()}{cid}@example.com" if rand() < 0.45 else ""
        c_rows.append((
            cid, None, f"{first} {family}", f"{b_year:04d}-{b_month:02d}-{b_day:02d}", "F" if female else "M", email,
            f"+628{11 + int(rand() * 88)}{10_000_000 + int(rand() * 90_000_000)}",
            seal_nik(nik), index_nik(nik), seal_passport(passport), index_passport(passport),
            (today + dt.timedelta(days=30 + int(rand() * 3620))).isoformat(),
            f"{towns[int(rand() * len(towns))]}, Indonesia", "demo", stamp, stamp,
        ))
        s_rows.append(_stay_row(rand, plan, city, k, cid=cid, sid=s0 + offset + i, occupation=occupation, purpose=purpose))
        e_rows.append((
            e0 + offset + i, cid, f"{anyone[int(rand() * len(anyone))]} {family}", relations[int(rand() * len(relations))],
            f"+628{11 + int(rand() * 88)}{10_000_000 + int(rand() * 90_000_000)}", "",
        ))
    return c_rows, s_rows, e_rows


def _stay_row(rand: Callable[[], float], plan: _Plan, city: _City, k: int, *, cid: int, sid: int, occupation: str,
              purpose: str) -> tuple:
    """The active stay of citizen `cid` in `city` (the k-th), in STAY_COLUMNS order."""
    spots = plan.spots[k]
    slat, slon, jitter = spots[int(rand() * len(spots))]
    lat, lon = slat + (rand() - 0.5) * jitter, slon + (rand() - 0.5) * jitter
    employer = vessel = imo = institution = pilgrimage = organiser = ""
    if occupation in {"ship_crew", "fishing_crew"}:
        vessel = VESSELS[int(rand() * len(VESSELS))]
        imo = _imo(cid)
    elif purpose == "work":
        employer = f"{FAMILY[int(rand() * len(FAMILY))]} {EMPLOYER_KINDS[int(rand() * len(EMPLOYER_KINDS))]}"
    elif purpose == "study":
        institution = INSTITUTIONS[cid % len(INSTITUTIONS)].format(city=city.name)
    elif purpose == "pilgrimage":
        pilgrimage = "hajj" if occupation == "pilgrim_hajj" else "umrah"
        organiser = ORGANISERS[cid % len(ORGANISERS)]
    today, stamp = plan.today, plan.stamp
    start = today - dt.timedelta(days=1 + int(rand() * 1094))
    end = None
    if purpose in {"tourism", "pilgrimage"}:
        end = max(start + dt.timedelta(days=5 + int(rand() * 25)), today + dt.timedelta(days=1 + int(rand() * 13)))
    return (
        sid, cid, city.country, city.name, f"{1 + int(rand() * 299)} {city.name}",
        round(lat, 6), round(lon, 6), h3.str_to_int(h3.latlng_to_cell(lat, lon, STAY_RES)), city.mission_id,
        city.rule, purpose, occupation, employer, institution, pilgrimage, organiser, vessel, imo,
        start.isoformat(), end.isoformat() if end else None, "active", stamp, stamp, stamp, "", "", "", "",
        DEFAULT_PURGE_DAYS,
    )


CITIZEN_COLUMNS = ("id", "user_id", "full_name", "birth_date", "gender", "email", "phone", "nik", "nik_index",
                   "passport_number", "passport_index", "passport_expiry", "home_address", "source", "created_at",
                   "updated_at")
STAY_COLUMNS = ("id", "citizen_id", "country_id", "city", "address", "lat", "lon", "cell", "mission_id", "routing_rule",
                "purpose", "occupation", "employer", "institution", "pilgrimage_kind", "organiser", "vessel_name",
                "vessel_imo", "start_date", "end_date", "status", "confirmed_at", "created_at", "updated_at",
                "employer_address", "employer_phone", "vessel_flag", "purpose_detail", "location_purge_days")
CONTACT_COLUMNS = ("id", "citizen_id", "name", "relationship", "phone", "email")


def _write_batch(args: tuple[int, int, int]) -> int:
    """Make one batch and write it through this process's own connection (SQLite serialises the writers;
    generation, the expensive part, runs in parallel)."""
    c_rows, s_rows, e_rows = _make_batch(args)
    foreign_keys_off()
    with transaction.atomic():
        copy_many(Citizen, CITIZEN_COLUMNS, c_rows)
        copy_many(Stay, STAY_COLUMNS, s_rows)
        copy_many(EmergencyContact, CONTACT_COLUMNS, e_rows)
    return len(c_rows)


SPOTS = 12  # the jitter box of a city is cut into SPOTS x SPOTS sub-boxes


def _spots(resolver: object, city: _City) -> list[tuple[float, float, float]]:
    """Sub-boxes of the city's jitter box whose centre lies in the city's country, each with the jitter
    allowed around it (the sub-box size when its corners are inside too, else 0), so that every generated
    point lies in the right country without a per-point look-up."""
    size = JITTER / SPOTS
    out: list[tuple[float, float, float]] = []
    at = resolver.country_at  # type: ignore[attr-defined]  # the resolver is any object with country_at (the real one or a test double)
    for i in range(SPOTS):
        for j in range(SPOTS):
            la = city.lat - JITTER / 2 + (i + 0.5) * size
            lo = city.lon - JITTER / 2 + (j + 0.5) * size
            if not (-90 < la < 90 and -180 < lo < 180) or at(la, lo) != city.country:
                continue
            corners = all(at(la + dy * size / 2, lo + dx * size / 2) == city.country for dy in (-1, 1) for dx in (-1, 1))
            out.append((la, lo, size if corners else 0.0))
    return out or [(city.lat, city.lon, 0.0)]


def demo_generate(*, citizens: int, seed: int, progress: bool = False, workers: int | None = None) -> int:
    """Insert `citizens` demo citizens (one active stay and one emergency contact each). Rows are made in
    worker processes (fork) while this process writes; the result depends only on the seed. From
    BULK_THRESHOLD citizens on, the tables' secondary indexes are dropped during the load and rebuilt after."""
    global _plan
    _plan = _plan_make(seed)
    crypto.keyring()  # resolve keys before forking
    jobs = [(b, off, min(BATCH, citizens - off)) for b, off in enumerate(range(0, citizens, BATCH))]
    if workers is None:
        workers = 0 if citizens < BULK_THRESHOLD else max(1, min(4, os.cpu_count() or 1))
    done = 0
    with bulk_load([Citizen, Stay, EmergencyContact], drop_indexes=citizens >= BULK_THRESHOLD):
        if workers:
            connections.close_all()  # each forked worker opens its own connection
        pool = multiprocessing.get_context("fork").Pool(workers) if workers else None
        try:
            for made in pool.imap_unordered(_write_batch, jobs) if pool else map(_write_batch, jobs):
                done += made
                if progress:
                    print(f"  {done:,} / {citizens:,}", flush=True)  # noqa: T201
        finally:
            if pool:
                pool.close()
                pool.join()
            _plan = None
    return done


def _plan_make(seed: int) -> _Plan:
    population = load_population()
    cities, weights, mixes = _cities(population)
    resolver = get_country_resolver()
    now = timezone.now()
    start_ids = tuple(
        (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        for model in (Citizen, Stay, EmergencyContact)
    )
    return _Plan(
        seed=seed, cities=cities, cum=_cum(weights),
        cum_mix={k: (keys, _cum(ws)) for k, (keys, ws) in mixes.items()},
        purposes={k: v["purpose"] for k, v in population["occupations"].items()},
        spots=[_spots(resolver, c) for c in cities], today=now.date(), stamp=now.isoformat(),
        start_ids=start_ids,  # type: ignore[arg-type]  # a 3-tuple (one per model) built from a generator
    )
