"""A slot release raced by many clients, shared by the concurrency test (test_booking_race) and the benchmark
(benchmarks/bench_consular): the data set-up on a live server's database and the racing clients.

Each client is a citizen with its own bearer token who, at the release instant, double-submits a booking (two
POSTs at once, as a double click does) for one of the released slots, then, when that slot is full, tries the
next free one as a person would. Statuses are collected: a fair system answers 201 or 409 (or 429) only."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import random
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

from embassy.accounts.models import ApiToken, User
from embassy.accounts.services import TOKEN_PREFIX
from embassy.citizens.models import NIK_CONTEXT, Citizen
from embassy.common.crypto import blind_index
from embassy.consular.models import Booking, Service, Slot
from embassy.missions.models import Mission

MISSION = "KBRI-SINGAPORE"
SERVICE = "passport-renewal"


def setup(*, people: int, slots: int, places: int, release_in: float = 0.0) -> dict[str, Any]:
    """`people` citizens with tokens and `slots` slots of `places` places each, released `release_in` seconds from
    now (0: already released), for passport renewal at KBRI Singapura next week."""
    mission = Mission.objects.get(code=MISSION)
    service = Service.objects.get(code=SERVICE, mission__isnull=True)
    now = timezone.now()
    first = (now + dt.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    made = Slot.objects.bulk_create([
        Slot(mission=mission, service=service, starts_at=first + dt.timedelta(minutes=15 * n),
             ends_at=first + dt.timedelta(minutes=15 * (n + 1)), capacity=places,
             released_at=now + dt.timedelta(seconds=release_in))
        for n in range(slots)])
    users = User.objects.bulk_create([
        User(username=f"race-{n}", email=f"race{n}@example.org", kind=User.Kind.CITIZEN, password="!")
        for n in range(people)])
    users = list(User.objects.filter(username__startswith="race-").order_by("id"))
    Citizen.objects.bulk_create([
        Citizen(user=u, full_name=f"Warga {n}", email=u.email or "",
                nik_index=blind_index(f"317101{n:010d}", context=NIK_CONTEXT)) for n, u in enumerate(users)])
    keys = [TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in users]
    expires = now + dt.timedelta(days=1)
    ApiToken.objects.bulk_create([
        ApiToken(user=u, name="race", prefix=k[:12], key_hash=hashlib.sha256(k.encode()).hexdigest(),
                 expires_at=expires) for u, k in zip(users, keys, strict=True)])
    tokens = keys
    return {"tokens": tokens, "slots": [s.pk for s in made], "mission": MISSION, "service": SERVICE,
            "released_at": (now + dt.timedelta(seconds=release_in)).timestamp()}


@dataclass
class Outcome:
    statuses: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds, of every request
    booked: dict[str, str] = field(default_factory=dict)  # reference → token index
    lock: threading.Lock = field(default_factory=threading.Lock)


def _post(base: str, path: str, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=120)
    started = time.perf_counter()
    try:
        conn.request("POST", path, body=json.dumps(body), headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json", "X-Device-Id": token[-16:]})
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        try:
            parsed = json.loads(data) if data else {}
        except ValueError:
            parsed = {"raw": data[:200].decode(errors="replace")}
        return response.status, parsed, elapsed
    finally:
        conn.close()


def race(base: str, data: dict[str, Any], *, clients: int, concurrency: int, seed: int = 1) -> Outcome:
    """Every client double-submits at once for a random slot; on 409 "full" it tries other slots (up to 3)."""
    outcome = Outcome()
    rng = random.Random(seed)
    plans = [(i, rng.sample(data["slots"], k=min(3, len(data["slots"])))) for i in range(clients)]
    start = threading.Event()

    def one(index: int, slot: int) -> int:
        status, body, elapsed = _post(base, "/api/v1/consular/bookings", data["tokens"][index],
                                      {"mission": data["mission"], "service": data["service"], "slot": slot})
        with outcome.lock:
            outcome.statuses.append(status)
            outcome.latencies.append(elapsed)
            if status == 201:
                outcome.booked[body["reference"]] = str(index)
        return status

    def client(plan: tuple[int, list[int]]) -> None:
        index, choices = plan
        start.wait()
        for slot in choices:
            with ThreadPoolExecutor(2) as pair:  # the double click
                results = list(pair.map(lambda s: one(index, s), [slot, slot]))
            if 201 in results or any(r != 409 for r in results):
                return  # booked, or refused for another reason than a full slot (limits, errors: counted)

    with ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(client, plan) for plan in plans]
        wait = data.get("released_at", 0) - time.time()
        if wait > 0:
            time.sleep(wait)
        start.set()
        for f in futures:
            f.result()
    return outcome


def bookings() -> dict[str, int]:
    """What the database holds after a race: active bookings, distinct people, distinct (slot, place)."""
    live = Booking.objects.filter(status="active")
    return {"active": live.count(), "people": live.values("identity").distinct().count(),
            "places": live.values("slot_id", "place").distinct().count()}
