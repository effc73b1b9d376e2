from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from embassy.common.errors import NotFound
from embassy.geo import gazetteer
from embassy.geo.boundaries import country_at, validate_point
from embassy.geo.models import Country
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
    def resolve_name(obj: Country) -> str:
        return obj.name()


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
def resolve(request: HttpRequest, point: Query[PointIn]) -> dict[str, object]:
    lat, lon = validate_point(point.lat, point.lon)
    code = country_at(lat, lon)
    return {"lat": lat, "lon": lon, "country": country_get(code) if code else None}


class PlaceOut(Schema):
    name: str
    country: str
    country_name: str
    label: str  # "Kuala Lumpur, Malaysia", the country in the request's language
    lat: float
    lon: float
    timezone: str


class PlacesOut(Schema):
    items: list[PlaceOut]


class PlaceQuery(Schema):
    q: str = Field(..., min_length=1, max_length=100)
    country: str | None = Field(None, min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")
    limit: int = Field(8, ge=1, le=20)


def _place(place: gazetteer.Place) -> dict[str, object]:
    language = get_language()
    return {"name": place.name, "country": place.country, "country_name": place.country_name(language),
            "label": place.label(language), "lat": place.lat, "lon": place.lon, "timezone": place.timezone}


@router.get("/places", response=PlacesOut, summary="Places by name (offline gazetteer, Indonesian and English names)")
def places(request: HttpRequest, query: Query[PlaceQuery]) -> dict[str, object]:
    """Cities of 15,000+ people (GeoNames) whose name, or a word of it, starts with `q` — ignoring case and
    accents, and knowing the Indonesian names ("Mekah", "Jenewa") — biggest first."""
    return {"items": [_place(p) for p in gazetteer.search(query.q, country=query.country, limit=query.limit)]}


@router.get("/places/nearest", response=PlaceOut, summary="The named place nearest to a point (within 150 km)")
def place_nearest(request: HttpRequest, point: Query[PointIn]) -> dict[str, object]:
    lat, lon = validate_point(point.lat, point.lon)
    found = gazetteer.nearest(lat, lon)
    if found is None:
        raise NotFound(_("No named place within 150 km."))
    return _place(found)
