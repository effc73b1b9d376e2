"""Citizen's own record (/me) and staff reads (/staff), both through services and scoped selectors."""


from django.http import HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from ninja import Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from embassy.accounts.auth import AUTH
from embassy.accounts.http import AuthedRequest
from embassy.citizens import selectors, services
from embassy.citizens.schemas import (
    CitizenDetailOut,
    CitizenSummaryOut,
    ContactIn,
    ContactOut,
    ContactVerifyIn,
    DependantIn,
    DependantOut,
    PositionIn,
    ProfileIn,
    ProfileOut,
    StayIn,
    StayOut,
    StayPatch,
    WhereCitizenOut,
    WhereFilterIn,
    WhereOut,
)
from embassy.citizens.where.export import where_export_response
from embassy.citizens.where.selectors import (
    WhereFilters,
    parse_bbox,
    stay_counts_for,
    stay_density_for,
    where_list_for,
)
from embassy.missions.selectors import mission_get

router = Router(auth=AUTH)
staff_router = Router(auth=AUTH)


@router.get("/profile", response=ProfileOut, summary="My profile")
def profile(request: AuthedRequest) -> object:
    return selectors.own_citizen(user=request.user)


@router.patch("/profile", response=ProfileOut, summary="Change my profile",
              description="A new email or phone is not used until confirmed: it shows as pending_email / "
                          "pending_phone, a code goes to it, and POST /me/profile/verify confirms it. Until then "
                          "every message still goes to the former one.")
def profile_update(request: AuthedRequest, payload: ProfileIn) -> object:
    citizen = selectors.own_citizen(user=request.user)
    return services.citizen_update(citizen=citizen, actor=request.user, data=payload.dict(exclude_unset=True))


@router.post("/profile/verify", response=ProfileOut, summary="Confirm my new email or phone with its code")
def profile_verify(request: AuthedRequest, payload: ContactVerifyIn) -> object:
    citizen = selectors.own_citizen(user=request.user)
    return services.citizen_contact_verify(citizen=citizen, actor=request.user, field=payload.field,
                                           code=payload.code)


@router.get("/stays", response=list[StayOut], summary="My stays (lapor diri)")
def stays(request: AuthedRequest) -> list:
    return list(selectors.stays_of(selectors.own_citizen(user=request.user)))


@router.post("/stays", response={201: StayOut}, summary="Register a stay (lapor diri)")
def stay_create(request: AuthedRequest, payload: StayIn) -> Status:
    citizen = selectors.own_citizen(user=request.user)
    stay = services.stay_register(citizen=citizen, actor=request.user, **payload.dict())
    return Status(201, stay)


@router.get("/stays/{stay_id}", response=StayOut, summary="One of my stays")
def stay_detail(request: AuthedRequest, stay_id: int) -> object:
    return selectors.own_stay(user=request.user, stay_id=stay_id)


@router.patch("/stays/{stay_id}", response=StayOut, summary="Change one of my stays",
              description="Only the fields sent change. A new location or country re-assigns the responsible "
                          "mission (and a verification by the former mission lapses).")
def stay_change(request: AuthedRequest, stay_id: int, payload: StayPatch) -> object:
    stay = selectors.own_stay(user=request.user, stay_id=stay_id)
    return services.stay_update(stay=stay, actor=request.user, data=payload.dict(exclude_unset=True))


@router.post("/stays/{stay_id}/end", response=StayOut, summary="End a stay (I have left)")
def stay_finish(request: AuthedRequest, stay_id: int) -> object:
    return services.stay_end(stay=selectors.own_stay(user=request.user, stay_id=stay_id), actor=request.user)


@router.post("/stays/{stay_id}/confirm", response=StayOut, summary="Confirm that I am still there",
             description="Resets the six-monthly confirmation; 409 for an ended stay.")
def stay_confirm(request: AuthedRequest, stay_id: int) -> object:
    return services.stay_confirm(stay=selectors.own_stay(user=request.user, stay_id=stay_id), actor=request.user)


@router.post("/stays/{stay_id}/purge-location", response=StayOut, summary="Delete a stay's location now",
             description="Deletes the point, map cell and address; the country, city and mission are kept.")
def stay_purge_location(request: AuthedRequest, stay_id: int) -> object:
    stay = selectors.own_stay(user=request.user, stay_id=stay_id)
    return services.stay_location_purge(stay=stay, actor=request.user)


@router.get("/where", response=WhereOut, summary="Which country my phone is in, and do I have a stay there",
            description="Nothing is stored. Used by the app to offer a one-tap report in a new country.")
def where(request: AuthedRequest, lat: float, lon: float) -> object:
    return selectors.where_am_i(user=request.user, lat=lat, lon=lon)


@router.post("/position", response={204: None}, summary="My phone's position, as the last known one",
             description="Stored only if the citizen turned on share_location (profile); only the latest position "
                         "is kept. Used to find people in a crisis zone who have not reported a stay there.")
def position(request: AuthedRequest, payload: PositionIn) -> Status:
    services.citizen_position_report(citizen=selectors.own_citizen(user=request.user), lat=payload.lat,
                                     lon=payload.lon)
    return Status(204, None)


@router.get("/dependants", response=list[DependantOut], summary="My family members")
def dependants(request: AuthedRequest) -> list:
    return list(selectors.dependants_of(selectors.own_citizen(user=request.user)))


@router.post("/dependants", response={201: DependantOut}, summary="Add a family member")
def dependant_create(request: AuthedRequest, payload: DependantIn) -> Status:
    citizen = selectors.own_citizen(user=request.user)
    return Status(201, services.dependant_add(citizen=citizen, actor=request.user, **payload.dict()))


@router.delete("/dependants/{dependant_id}", response={204: None}, summary="Remove a family member")
def dependant_delete(request: AuthedRequest, dependant_id: int) -> Status:
    services.dependant_remove(citizen=selectors.own_citizen(user=request.user), actor=request.user,
                              dependant_id=dependant_id)
    return Status(204, None)


@router.get("/contacts", response=list[ContactOut], summary="My emergency contacts")
def contacts(request: AuthedRequest) -> list:
    return list(selectors.own_citizen(user=request.user).emergency_contacts.all())


@router.post("/contacts", response={201: ContactOut}, summary="Add an emergency contact")
def contact_create(request: AuthedRequest, payload: ContactIn) -> Status:
    citizen = selectors.own_citizen(user=request.user)
    return Status(201, services.contact_add(citizen=citizen, actor=request.user, **payload.dict()))


@router.delete("/contacts/{contact_id}", response={204: None}, summary="Remove an emergency contact")
def contact_delete(request: AuthedRequest, contact_id: int) -> Status:
    services.contact_remove(citizen=selectors.own_citizen(user=request.user), actor=request.user, contact_id=contact_id)
    return Status(204, None)


@staff_router.get("/citizens", response=list[CitizenSummaryOut], summary="Staff: citizens of my missions (audited)")
@paginate(LimitOffsetPagination)
def staff_citizens(request: AuthedRequest, mission: str = "", q: str = "") -> object:
    mission_id = None
    if mission:
        mission_id = mission_get(code=mission).pk
    return selectors.citizen_list_for(user=request.user, mission_id=mission_id, q=q)


@staff_router.get("/citizens/{citizen_id}", response=CitizenDetailOut, summary="Staff: one citizen's record (audited)")
def staff_citizen(request: AuthedRequest, citizen_id: int) -> object:
    return selectors.citizen_get_for(user=request.user, citizen_id=citizen_id)


@staff_router.post("/stays/{stay_id}/verify", response=StayOut,
                   summary="Staff: verify a stay for the responsible mission (audited)",
                   description="Only staff who may read the personal data of the stay's mission; a refusal (403) "
                               "is audited.")
def staff_stay_verify(request: AuthedRequest, stay_id: int) -> object:
    return services.stay_verify(actor=request.user, stay_id=stay_id)


@staff_router.get("/where", summary="Staff: where citizens are — counts of active stays (no names)",
                  description="Grouped by country, city, purpose, occupation, mission or dependants (how many "
                              "family members travel along); every row also counts the stays with family members "
                              "and those family members. For every staff role, scoped to their missions.")
def where_counts(request: AuthedRequest, filters: Query[WhereFilterIn], by: str = "country", limit: int = 100) -> dict:
    return stay_counts_for(user=request.user, by=by, filters=WhereFilters.parse(**filters.dict()), limit=limit)


@staff_router.get("/where/density", summary="Staff: where citizens are — density map (GeoJSON, no names)",
                  url_name="staff-where-density",
                  description="Active stays per H3 hexagon (RFC 7946 FeatureCollection; properties: cell, stays). "
                              "The hexagons' resolution follows the web-map `zoom` (2 → res 2 … 12 → res 7); "
                              "`bbox` = west,south,east,north limits the answer to the hexagons in and around it.")
def where_density(request: AuthedRequest, filters: Query[WhereFilterIn], zoom: int = 2, bbox: str = "") -> HttpResponse:
    body = stay_density_for(user=request.user, filters=WhereFilters.parse(**filters.dict()), zoom=zoom,
                            bbox=parse_bbox(bbox))
    return JsonResponse(body, content_type="application/geo+json")


@staff_router.get("/where/citizens", response=list[WhereCitizenOut],
                  summary="Staff: where citizens are — names and contacts (authorised staff, audited)",
                  description="Active stays with the citizen's name, phone, email, employer and number of family "
                              "members travelling along, ordered by name. 403 (audited) for staff who may not read "
                              "the personal data of the missions concerned, such as social-media officers.")
@paginate(LimitOffsetPagination)
def where_citizens(request: AuthedRequest, filters: Query[WhereFilterIn]) -> object:
    return where_list_for(user=request.user, filters=WhereFilters.parse(**filters.dict()))


@staff_router.get("/where/export.csv", summary="Staff: where citizens are — CSV download (authorised staff, audited)",
                  description="The filtered list, streamed (no size limit). Texts that a spreadsheet would read as a "
                              "formula start with an apostrophe.")
def where_export_csv(request: AuthedRequest, filters: Query[WhereFilterIn]) -> HttpResponseBase:
    return where_export_response(user=request.user, filters=WhereFilters.parse(**filters.dict()), fmt="csv")


@staff_router.get("/where/export.xlsx", summary="Staff: where citizens are — XLSX download (authorised staff, audited)",
                  description="The filtered list as a spreadsheet, up to 50,000 rows (422 beyond: narrow the filters "
                              "or download CSV). Texts that would be read as a formula start with an apostrophe.")
def where_export_xlsx(request: AuthedRequest, filters: Query[WhereFilterIn]) -> HttpResponseBase:
    return where_export_response(user=request.user, filters=WhereFilters.parse(**filters.dict()), fmt="xlsx")
