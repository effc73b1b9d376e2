from django.http import HttpRequest
from ninja import Query, Router, Schema

from embassy.geo.boundaries import country_at, validate_point
from embassy.geo.selectors import country_get, country_list

router = Router()


class CountryOut(Schema):
    code: str
    alpha3: str
    numeric: str
    name: str
    name_id: str
    name_en: str
    calling_code: str
    has_boundary: bool

    @staticmethod
    def resolve_name(obj: object) -> str:
        return obj.name()  # type: ignore[attr-defined]


class PointIn(Schema):
    lat: float
    lon: float


class ResolveOut(Schema):
    lat: float
    lon: float
    country: CountryOut | None


@router.get("/countries", response=list[CountryOut], summary="Every country and territory (ISO 3166-1)")
def countries(request: HttpRequest) -> list:
    return list(country_list())


@router.get("/countries/{code}", response=CountryOut, summary="One country by alpha-2, alpha-3 or numeric code")
def country(request: HttpRequest, code: str) -> object:
    return country_get(code)


@router.get("/geo/resolve", response=ResolveOut, summary="Which country a point lies in (null at sea)")
def resolve(request: HttpRequest, point: Query[PointIn]) -> ResolveOut:
    lat, lon = validate_point(point.lat, point.lon)
    code = country_at(lat, lon)
    return {"lat": lat, "lon": lon, "country": country_get(code) if code else None}  # type: ignore[return-value]
