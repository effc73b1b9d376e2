"""Crises for staff: list and read (scoped), declare, confirm, dismiss; feed polls for headquarters."""

from django.http import HttpRequest
from ninja import Router, Status

from embassy.common.api import AUTH
from embassy.common.errors import BadInput
from embassy.crises import selectors, services
from embassy.crises.models import Crisis
from embassy.crises.schemas import CrisisOut, DeclareIn, DismissIn, FeedPollOut

router = Router(auth=AUTH)


@router.get("", response=list[CrisisOut], summary="Staff: crises concerning my missions (headquarters: all)")
def crises(request: HttpRequest, status: str = "") -> list:
    if status and status not in Crisis.Status.values:
        raise BadInput("status: " + ", ".join(Crisis.Status.values), field="status")
    return list(selectors.crisis_list_for(user=request.user, status=status).prefetch_related("missions")[:200])


@router.post("", response={201: CrisisOut}, summary="Declare a crisis over a circle or whole countries")
def crisis_declare(request: HttpRequest, payload: DeclareIn) -> Status:
    return Status(201, services.crisis_declare(actor=request.user, **payload.dict()))


@router.get("/feed-polls", response=list[FeedPollOut], summary="Headquarters: the latest polls of the feeds")
def feed_polls(request: HttpRequest) -> list:
    return selectors.feed_polls_for(user=request.user)


@router.get("/{crisis_id}", response=CrisisOut, summary="One crisis")
def crisis(request: HttpRequest, crisis_id: int) -> object:
    return selectors.crisis_get_for(user=request.user, crisis_id=crisis_id)


@router.post("/{crisis_id}/confirm", response=CrisisOut, summary="Confirm a proposed crisis")
def crisis_confirm(request: HttpRequest, crisis_id: int) -> object:
    return services.crisis_confirm(actor=request.user,
                                   crisis=selectors.crisis_get_for(user=request.user, crisis_id=crisis_id))


@router.post("/{crisis_id}/dismiss", response=CrisisOut, summary="Dismiss a proposed crisis or close an active one")
def crisis_dismiss(request: HttpRequest, crisis_id: int, payload: DismissIn) -> object:
    return services.crisis_dismiss(actor=request.user, reason=payload.reason,
                                   crisis=selectors.crisis_get_for(user=request.user, crisis_id=crisis_id))
