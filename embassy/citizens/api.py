"""Citizen's own record (/me) and staff reads (/staff), both through services and scoped selectors."""


from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from embassy.citizens import selectors, services
from embassy.citizens.schemas import (
    CitizenDetailOut,
    CitizenSummaryOut,
    ContactIn,
    ContactOut,
    ProfileIn,
    ProfileOut,
    StayIn,
    StayOut,
)
from embassy.common.api import AUTH

router = Router(auth=AUTH)
staff_router = Router(auth=AUTH)


@router.get("/profile", response=ProfileOut, summary="My profile")
def profile(request: HttpRequest) -> object:
    return selectors.own_citizen(user=request.user)


@router.patch("/profile", response=ProfileOut, summary="Change my profile")
def profile_update(request: HttpRequest, payload: ProfileIn) -> object:
    citizen = selectors.own_citizen(user=request.user)
    return services.citizen_update(citizen=citizen, actor=request.user, data=payload.dict(exclude_unset=True))


@router.get("/stays", response=list[StayOut], summary="My stays (lapor diri)")
def stays(request: HttpRequest) -> list:
    return list(selectors.stays_of(selectors.own_citizen(user=request.user)))


@router.post("/stays", response={201: StayOut}, summary="Register a stay (lapor diri)")
def stay_create(request: HttpRequest, payload: StayIn) -> Status:
    citizen = selectors.own_citizen(user=request.user)
    stay = services.stay_register(citizen=citizen, actor=request.user, **payload.dict())
    return Status(201, stay)


@router.get("/stays/{stay_id}", response=StayOut, summary="One of my stays")
def stay_detail(request: HttpRequest, stay_id: int) -> object:
    return selectors.own_stay(user=request.user, stay_id=stay_id)


@router.post("/stays/{stay_id}/end", response=StayOut, summary="End a stay (I have left)")
def stay_finish(request: HttpRequest, stay_id: int) -> object:
    return services.stay_end(stay=selectors.own_stay(user=request.user, stay_id=stay_id), actor=request.user)


@router.get("/contacts", response=list[ContactOut], summary="My emergency contacts")
def contacts(request: HttpRequest) -> list:
    return list(selectors.own_citizen(user=request.user).emergency_contacts.all())


@router.post("/contacts", response={201: ContactOut}, summary="Add an emergency contact")
def contact_create(request: HttpRequest, payload: ContactIn) -> Status:
    citizen = selectors.own_citizen(user=request.user)
    return Status(201, services.contact_add(citizen=citizen, actor=request.user, **payload.dict()))


@router.delete("/contacts/{contact_id}", response={204: None}, summary="Remove an emergency contact")
def contact_delete(request: HttpRequest, contact_id: int) -> Status:
    services.contact_remove(citizen=selectors.own_citizen(user=request.user), actor=request.user, contact_id=contact_id)
    return Status(204, None)


@staff_router.get("/citizens", response=list[CitizenSummaryOut], summary="Staff: citizens of my missions (audited)")
@paginate(LimitOffsetPagination)
def staff_citizens(request: HttpRequest, mission: str = "", q: str = "") -> object:
    mission_id = None
    if mission:
        from embassy.missions.selectors import mission_get

        mission_id = mission_get(code=mission).pk
    return selectors.citizen_list_for(user=request.user, mission_id=mission_id, q=q)


@staff_router.get("/citizens/{citizen_id}", response=CitizenDetailOut, summary="Staff: one citizen's record (audited)")
def staff_citizen(request: HttpRequest, citizen_id: int) -> object:
    return selectors.citizen_get_for(user=request.user, citizen_id=citizen_id)
