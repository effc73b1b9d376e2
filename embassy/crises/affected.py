"""The affected set: who is inside a crisis zone, computed with H3 and kept current.

A citizen is affected when an active stay lies inside the zone (by its position, or by its country for a
country-wide crisis), or when the last position their own app sent (SOS, or "share my position") lies inside
and is recent (CRISIS_LAST_SEEN_DAYS, default 14). Dependants travelling along on the stay count too.

`affected_refresh(crisis)` computes the set and stores the difference (new people in, people gone out — their
rows are kept with inside=False, so answers survive a zone change). It runs when a crisis is made or its
zone changes; `affected_citizens_changed(citizen_ids)` re-checks people against the open crises when they
register, change or end a stay, or their app reports a new position.

The spatial query is zone.Zone's coarse filter (ranges of res-9 H3 cells) + the exact test, in plain SQL so
that 100,000 people are found and stored in about a second on SQLite. `find_affected(coarse=False)` is the
brute-force scan over every active stay, used as the baseline and in tests.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from embassy.citizens.models import Citizen, Stay
from embassy.common.bulk import insert_many, update_rows
from embassy.crises.asking import newcomers_kick
from embassy.crises.models import Affected, Crisis
from embassy.crises.zone import Zone, zone_of
from embassy.missions.routing import get_router

log = logging.getLogger(__name__)

RANGES_PER_QUERY = 200
WRITE_CHUNK = 5_000
OPEN = (Crisis.Status.PROPOSED, Crisis.Status.ACTIVE)


class Candidate(NamedTuple):
    citizen_id: int
    stay_id: int | None
    mission_id: int
    via: str
    lat: float | None
    lon: float | None
    dependants: int


@dataclass(frozen=True)
class RefreshResult:
    added: int
    left: int
    changed: int
    inside: int
    people: int  # inside, dependants included
    seconds: float


def last_seen_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    days = float(settings.CRISIS_LAST_SEEN_DAYS)
    return (now or timezone.now()) - dt.timedelta(days=days)


# --- Finding ----------------------------------------------------------------------------------------------------
def _stay_columns() -> str:
    """id, citizen, mission, lat, lon, dependants travelling along: what a Candidate is made of."""
    through = Stay.dependants.through._meta.db_table
    return ("s.id, s.citizen_id, s.mission_id, s.lat, s.lon, "  # noqa: S608 - names from model metadata
            f"(SELECT COUNT(*) FROM {through} d WHERE d.stay_id = s.id)")


def _stay_sql(where: str) -> str:
    return (f"SELECT {_stay_columns()} FROM {Stay._meta.db_table} s "  # noqa: S608 - names from model metadata
            f"WHERE s.status = %s AND {where} ORDER BY s.start_date DESC, s.id DESC")


def _inside(zone: Zone, rows: list[tuple[Any, ...]], lat: int) -> list[tuple[Any, ...]]:
    """The rows whose point (columns lat, lat + 1) passes the zone's exact test."""
    if not rows:
        return []
    pos = np.array([(r[lat], r[lat + 1]) for r in rows], dtype=float)
    keep = zone.contains_many(pos[:, 0], pos[:, 1])
    return [rows[i] for i in np.nonzero(keep)[0]]


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _in_ranges(select: str, table_alias: str, column: str, ranges: list[tuple[int, int]],
               params: list[Any]) -> list[tuple[Any, ...]]:
    """Rows of `select` whose `column` lies in any of the ranges: one query that joins a VALUES list of
    ranges, so that the database walks the column's index once per range (SQLite and PostgreSQL alike).
    `select` has one {ranges} placeholder for the join and its own %s parameters after it (`params`)."""
    rows: list[tuple[Any, ...]] = []
    for i in range(0, len(ranges), RANGES_PER_QUERY):
        chunk = ranges[i:i + RANGES_PER_QUERY]
        values = ", ".join(["(%s, %s)"] * len(chunk))
        if connection.vendor == "sqlite":
            cast, join = "", f"(SELECT column1 AS lo, column2 AS hi FROM (VALUES {values})) r JOIN "  # noqa: S608 - placeholders only
        else:
            cast, join = "::bigint", f"(VALUES {values}) AS r(lo, hi) JOIN "
        sql = select.format(ranges=join, on=f"{table_alias}.{column} BETWEEN r.lo{cast} AND r.hi{cast}")
        rows += _fetch(sql, [v for r in chunk for v in r] + params)
    return rows


def _stays_in_zone(zone: Zone, coarse: bool) -> list[tuple[Any, ...]]:
    if coarse:
        # SQLite's planner would rather walk the (status, …) index than the cell index: a unary plus makes the
        # status test a plain filter there (PostgreSQL plans this join well by itself and has no unary plus
        # for text).
        no_index = "+" if connection.vendor == "sqlite" else ""
        select = (f"SELECT {_stay_columns()}, s.start_date || '' "  # noqa: S608
                  f"FROM {{ranges}}{Stay._meta.db_table} s ON {{on}} WHERE {no_index}s.status = %s")
        rows = _in_ranges(select, "s", "cell", zone.ranges(), [Stay.Status.ACTIVE])
    else:
        rows = _fetch(_stay_sql("s.lat IS NOT NULL"), [Stay.Status.ACTIVE])
    found = _inside(zone, rows, 3)
    if coarse:  # one stay per citizen: the newest (as _stay_sql's order gives it to add_stays)
        newest: dict[int, tuple[Any, ...]] = {}
        for r in found:
            seen = newest.get(r[1])
            if seen is None or (r[6], r[0]) > (seen[6], seen[0]):
                newest[r[1]] = r
        found = [r[:6] for r in newest.values()]
    return found


def _positions_in_zone(zone: Zone, coarse: bool, cutoff: dt.datetime) -> list[tuple[int, float, float]]:
    table = Citizen._meta.db_table
    cutoff_db = connection.ops.adapt_datetimefield_value(cutoff)
    if coarse:
        select = (f"SELECT c.id, c.last_lat, c.last_lon FROM {{ranges}}{table} c ON {{on}} "  # noqa: S608
                  "WHERE c.last_seen_at >= %s")
        rows = _in_ranges(select, "c", "last_cell", zone.ranges(), [cutoff_db])
    else:
        rows = _fetch(f"SELECT id, last_lat, last_lon FROM {table} WHERE last_seen_at >= %s "  # noqa: S608
                      "AND last_lat IS NOT NULL", [cutoff_db])
    return _inside(zone, rows, 1)


def _route(lat: float, lon: float) -> int:
    return get_router().route(lat, lon).mission_id


def find_affected(crisis: Crisis, *, coarse: bool = True, citizen_id: int | None = None,
                  now: dt.datetime | None = None) -> dict[int, Candidate]:
    """{citizen_id: Candidate} for everyone inside the crisis's zone now. coarse=False scans every active
    stay and every known position (the brute-force baseline); citizen_id limits the search to one person."""
    found: dict[int, Candidate] = {}
    zone = zone_of(crisis)
    cutoff = last_seen_cutoff(now)
    one = f" AND s.citizen_id = {int(citizen_id)}" if citizen_id is not None else ""

    def add_stays(rows: list[tuple[Any, ...]], via: str) -> None:
        for sid, cid, mid, lat, lon, deps in rows:  # newest stay first: it wins
            if cid not in found:
                found[cid] = Candidate(cid, sid, mid, via, lat, lon, int(deps))

    if zone is not None:
        if citizen_id is not None:
            rows = _inside(zone, _fetch(_stay_sql("s.lat IS NOT NULL" + one), [Stay.Status.ACTIVE]), 3)
        else:
            rows = _stays_in_zone(zone, coarse)
        add_stays(rows, Affected.Via.STAY)
    codes = [c for c in (crisis.countries or []) if c]
    if codes:
        marks = ", ".join(["%s"] * len(codes))
        add_stays(_fetch(_stay_sql(f"s.country_id IN ({marks})" + one), [Stay.Status.ACTIVE, *codes]),
                  Affected.Via.COUNTRY)
    # Last known positions (the citizen's own app), for those not found through a stay.
    positions: list[tuple[Any, ...]] = []
    if citizen_id is not None:
        c = Citizen.objects.filter(pk=citizen_id, last_seen_at__gte=cutoff).values_list(
            "id", "last_lat", "last_lon", "last_country").first()
        if c is not None and c[1] is not None:
            point = [(c[0], c[1], c[2])]
            positions = point if c[3] in codes or (zone is not None and _inside(zone, point, 1)) else []
    else:
        if zone is not None:
            positions = _positions_in_zone(zone, coarse, cutoff)
        if codes:
            positions += list(Citizen.objects.filter(last_seen_at__gte=cutoff, last_country__in=codes,
                                                     last_lat__isnull=False)
                              .values_list("id", "last_lat", "last_lon"))
    for cid, lat, lon in positions:
        if cid not in found:
            found[cid] = Candidate(cid, None, _route(lat, lon), Affected.Via.LOCATION, lat, lon, 0)
    return found


# --- Storing ----------------------------------------------------------------------------------------------------
_INSERT_COLUMNS = ("citizen_id", "stay_id", "mission_id", "via", "lat", "lon", "dependants")
_UPDATE_COLUMNS = ("stay_id", "mission_id", "via", "lat", "lon", "dependants", "inside", "left_at")


def _insert(crisis_id: int, rows: list[Candidate], now: dt.datetime) -> int:
    # One statement per chunk instead of a statement per row: a JSON array on SQLite (json_each, in C), about a
    # fifth faster for 100,000 rows; an array per column on PostgreSQL (unnest): storing 1,000,000 new rows
    # took 34 s instead of 66 s (2 cores; most of the rest is the foreign keys' checks at commit).
    return insert_many(Affected, _INSERT_COLUMNS,
                       [(c.citizen_id, c.stay_id, c.mission_id, c.via, c.lat, c.lon, c.dependants) for c in rows],
                       constants={"crisis_id": crisis_id, "inside": True, "added_at": now, "channel": "",
                                  "reminders": 0, "answer": "", "answered_via": ""},
                       ignore_conflicts=True, set_based=("sqlite", "postgresql"))


def _store(crisis: Crisis, found: dict[int, Candidate], existing: dict[int, tuple[Any, ...]],
           now: dt.datetime) -> tuple[int, int, int]:
    """Write the difference between `found` and `existing` ({citizen_id: (id, inside, stay, mission, via, lat,
    lon, deps)}): new rows, rows that left, rows that changed. Returns (added, left, changed); `added` counts
    the rows the database inserted (a row another process added meanwhile is not counted twice)."""
    new = sorted(c for cid, c in found.items() if cid not in existing)  # by citizen: index appends in order
    at = connection.ops.adapt_datetimefield_value(now)
    changes: list[tuple[Any, ...]] = []
    left = added = 0
    for cid, (pk, inside, stay_id, mission_id, via, lat, lon, deps) in existing.items():
        c = found.get(cid)
        if c is None:
            if inside:
                changes.append((stay_id, mission_id, via, lat, lon, deps, False, at, pk))
                left += 1
        elif not inside or (c.stay_id, c.mission_id, c.via, c.lat, c.lon, c.dependants) != (
                stay_id, mission_id, via, lat, lon, deps):
            changes.append((c.stay_id, c.mission_id, c.via, c.lat, c.lon, c.dependants, True, None, pk))
    for i in range(0, max(len(new), 1), WRITE_CHUNK):  # short transactions: urgent writes interleave
        with transaction.atomic():
            added += _insert(crisis.pk, new[i:i + WRITE_CHUNK], now)
            if i == 0 and changes:
                update_rows(Affected, _UPDATE_COLUMNS, changes, set_based=("postgresql",))  # (stay, mission, via, lat, lon, deps, inside, left_at, id)
    return added, left, len(changes) - left


def _existing(crisis: Crisis, citizen_id: int | None = None) -> dict[int, tuple[Any, ...]]:
    qs = Affected.objects.filter(crisis=crisis).values_list("citizen_id", "id", "inside", "stay_id", "mission_id",
                                                            "via", "lat", "lon", "dependants")
    if citizen_id is not None:  # one row at most: a plain query (a server-side cursor costs three round trips)
        return {r[0]: r[1:] for r in qs.filter(citizen_id=citizen_id).order_by()}
    return {r[0]: r[1:] for r in qs.iterator(chunk_size=10_000)}


def _summarise(crisis: Crisis, now: dt.datetime) -> tuple[int, int]:
    agg = Affected.objects.filter(crisis=crisis, inside=True).aggregate(n=Count("id"), d=Sum("dependants"))
    inside, deps = agg["n"] or 0, agg["d"] or 0
    missions = set(Affected.objects.filter(crisis=crisis, inside=True).values_list("mission_id", flat=True)
                   .distinct())
    Crisis.objects.filter(pk=crisis.pk).update(registered_inside=inside, affected_at=now)
    crisis.registered_inside, crisis.affected_at = inside, now
    if missions:
        crisis.missions.add(*missions)
    return inside, inside + deps


def _count_change(crisis: Crisis, now: dt.datetime, delta: int, missions: set[int]) -> None:
    """After a few citizens were checked again (an SOS position, a stay changed): the count moves by what they
    changed, without counting every row of the set again (a million rows in a countrywide crisis, and SOS
    alerts from inside the zone come by the dozen a second). A full refresh counts afresh."""
    Crisis.objects.filter(pk=crisis.pk).update(registered_inside=F("registered_inside") + delta, affected_at=now)
    if missions:
        crisis.missions.add(*missions)


def affected_refresh(crisis: Crisis, found: dict[int, Candidate] | None = None) -> RefreshResult:
    """Compute the crisis's affected set (or take `found`, just computed) and store what changed. Returns the
    counts and the time taken."""
    start = time.perf_counter()
    now = timezone.now()
    if found is None:
        found = find_affected(crisis, now=now)
    added, left, changed = _store(crisis, found, _existing(crisis), now)
    inside, people = _summarise(crisis, now)
    seconds = time.perf_counter() - start
    log.info("crisis %s: affected set %s (+%s, -%s, ~%s) in %.2f s", crisis.pk, inside, added, left, changed, seconds)
    if crisis.rollcall_started_at is not None and added:
        transaction.on_commit(functools.partial(newcomers_kick, crisis.pk))
    return RefreshResult(added, left, changed, inside, people, seconds)


def affected_citizens_changed(citizen_ids: list[int]) -> int:
    """Re-check these citizens against every open crisis (after a stay changed or new positions came in).
    Returns how many (crisis, citizen) pairs are now inside."""
    crises = list(Crisis.objects.filter(status__in=OPEN, affected_at__isnull=False))  # usually none
    now = timezone.now()
    count = 0
    for crisis in crises:
        added_any = changed_any = False
        delta, missions = 0, set()
        for citizen_id in citizen_ids:
            found = find_affected(crisis, citizen_id=citizen_id, now=now)
            existing = _existing(crisis, citizen_id)
            added, left, changed = _store(crisis, found, existing, now)
            added_any, changed_any = added_any or bool(added), changed_any or bool(added or left or changed)
            was_inside = any(row[1] for row in existing.values())
            delta += added if not existing else int(citizen_id in found) - int(was_inside)
            missions |= {c.mission_id for c in found.values()}
            count += citizen_id in found
        if changed_any:
            _count_change(crisis, now, delta, missions)
        if added_any and crisis.rollcall_started_at is not None:
            transaction.on_commit(functools.partial(newcomers_kick, crisis.pk))
    return count
