"""Public figures for apps and open-data users (/performance/…): a mission's last 12 months as the public page
shows them, with the same small-count rule (a suppressed figure is null). No authentication: nothing personal."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from embassy.consular.selectors import public_mission_get
from embassy.performance.present import SMALL, Figures
from embassy.performance.present import mission_performance as _performance

router = Router()


class MissionFiguresOut(Schema):
    mission: str
    months: int
    bookings: int | None
    no_show_rate: float | None
    wait_min_p50: float | None
    apps_done: int | None
    on_time_rate: float | None
    complaints_filed: int | None
    resolve_h_p50: float | None
    sos_ack_min_p50: float | None
    ikm: float | None
    ikm_letter: str | None
    digital_take_up: float | None
    completion_rate: float | None
    min_count: int


def _count(f: Figures, key: str) -> int | None:
    n = f.n(key)
    return None if 0 < n < SMALL else n


@router.get("/missions/{code}", response=MissionFiguresOut, auth=None)
def mission_figures(request: HttpRequest, code: str) -> MissionFiguresOut:
    page = _performance(mission=public_mission_get(code=code))
    f = page.year
    ikm = f.ikm
    return MissionFiguresOut(
        mission=page.mission.code, months=len(page.months), bookings=_count(f, "bookings"),
        no_show_rate=f.no_show_rate, wait_min_p50=f.p("wait_min"), apps_done=_count(f, "apps_done"),
        on_time_rate=f.on_time_rate, complaints_filed=_count(f, "complaints_filed"), resolve_h_p50=f.p("resolve_h"),
        sos_ack_min_p50=f.p("ack_min"), ikm=float(ikm.score) if ikm else None, ikm_letter=ikm.letter if ikm else None,
        digital_take_up=f.digital_take_up, completion_rate=f.completion_rate, min_count=SMALL)
