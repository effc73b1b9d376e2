from django.http import HttpRequest
from ninja import Query, Router, Schema

from embassy.missions.routing import route_point
from embassy.missions.schemas import MissionOut, RouteOut
from embassy.missions.selectors import mission_get, mission_list

router = Router()


class PointIn(Schema):
    lat: float
    lon: float


@router.get("/missions", response=list[MissionOut], summary="All missions and headquarters, with jurisdictions")
def missions(request: HttpRequest, country: str = "", kind: str = "") -> list:
    qs = mission_list()
    if country:
        qs = qs.filter(country_id=country.strip().upper())
    if kind:
        qs = qs.filter(kind=kind.strip().upper())
    return list(qs)


@router.get("/missions/route", response=RouteOut, summary="Which mission is responsible for a point, and by which rule")
def route(request: HttpRequest, point: Query[PointIn]) -> dict:
    answer = route_point(point.lat, point.lon)
    return {"lat": point.lat, "lon": point.lon, "country": answer.country, "rule": answer.rule, "place": answer.place,
            "distance_km": answer.distance_km, "mission": mission_list().get(pk=answer.mission_id)}


@router.get("/missions/{code}", response=MissionOut, summary="One mission")
def mission(request: HttpRequest, code: str) -> object:
    return mission_get(code=code)
