"""Shared set-up: a migrant worker in Kuala Lumpur with a citizen account, the mission's consular officer, and a
card issued to the worker through the service, as the console issues it."""

from __future__ import annotations

import base64
import datetime as dt
import re
import zlib
from dataclasses import dataclass

from django.test import Client

from embassy.accounts.models import User
from embassy.citizens.models import Citizen
from embassy.citizens.services import citizen_update
from embassy.citizens.tests.factories import StayFactory
from embassy.common.tests.factories import make_citizen_user, make_staff, verified
from embassy.credentials.models import Credential
from embassy.credentials.services import worker_card_issue
from embassy.missions.models import Mission, Role

KL = "KBRI-KUALA-LUMPUR"
NIK, PASSPORT = "3171014101900001", "X7654321"


@dataclass
class World:
    holder: User
    citizen: Citizen
    officer: User
    mission: Mission


def world() -> World:
    holder = make_citizen_user()
    citizen = holder.citizen
    citizen_update(
        citizen=citizen,
        actor=None,
        data={"full_name": "Siti Aminah", "nik": NIK, "passport_number": PASSPORT},
    )
    citizen.refresh_from_db()
    StayFactory.create(
        citizen=citizen,
        purpose="work",
        occupation="domestic_worker",
        employer="Keluarga Tan",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2027, 12, 31),
    )
    officer = verified(make_staff(KL, Role.CONSULAR_OFFICER))
    return World(holder, citizen, officer, Mission.objects.get(code=KL))


def issue(w: World, *, consented: list[str] | None = None, expires_on: dt.date | None = None) -> Credential:
    return worker_card_issue(
        actor=w.officer,
        mission=w.mission,
        citizen=w.citizen,
        employer="Keluarga Tan",
        job="Pekerja rumah tangga",
        contract_start=dt.date(2026, 1, 1),
        contract_end=dt.date(2027, 12, 31),
        expires_on=expires_on or dt.date.today() + dt.timedelta(days=365),
        consented=consented or [],
    )


def citizen_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_RECT = re.compile(rb"([\d.]+) ([\d.]+) ([\d.]+) ([\d.-]+) re f")


def pdf_rects(pdf: bytes, page: int = 0) -> list[tuple[float, float, float, float]]:
    """The filled rectangles (x, y, w, h in points, PDF's y axis) of one page's content stream."""
    # The compressed bytes are taken as they are: a stream may end in a byte that is a CR or LF, so the end of
    # line before "endstream" is left for the decompressor, which stops at the stream's own end.
    streams = [
        zlib.decompressobj().decompress(m.group(1))
        for m in re.finditer(rb"/FlateDecode[^>]*>>\s*stream\r?\n(.*?)endstream", pdf, re.S)
    ]
    contents = [s for s in streams if b" re f" in s]
    return [tuple(float(v) for v in m.groups()) for m in _RECT.finditer(contents[page])]  # type: ignore[misc]


def qr_matrix_in(rects: list[tuple[float, float, float, float]], size: int) -> list[list[bool]]:
    """Rebuild a QR matrix from the PDF's dark-module runs: the runs are the rectangles whose height is the
    smallest one drawn (one module); each covers whole modules of its row."""
    module = min(abs(h) for _x, _y, _w, h in rects)
    runs = [r for r in rects if abs(abs(r[3]) - module) < 1e-3]
    x0 = min(x for x, _y, _w, _h in runs)
    y0 = max(y for _x, y, _w, _h in runs)
    grid = [[False] * size for _ in range(size)]
    for x, y, w, _h in runs:
        row = round((y0 - y) / module)
        start = round((x - x0) / module)
        for c in range(start, start + round(w / module)):
            grid[row][c] = True
    return grid
