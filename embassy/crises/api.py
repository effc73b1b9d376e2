"""Crises for staff (list, declare, confirm, dismiss, the zone, the roll-call and the crisis room's data),
the signed-link answer for citizens without signing in, and the citizen's own roll-calls."""

from django.http import HttpRequest
from ninja import Router, Status

from embassy.accounts.auth import AUTH
from embassy.accounts.http import AuthedRequest
from embassy.common.errors import BadInput, PermissionDenied
from embassy.crises import answers, links, rollcall, selectors, services
from embassy.crises.models import Crisis
from embassy.crises.schemas import (
    AnswerOut,
    ChannelCountsOut,
    CountsOut,
    CrisisOut,
    DeclareIn,
    DismissIn,
    FeedPollOut,
    LinkAnswerIn,
    NoteIn,
    OwnAnswerIn,
    OwnRollcallOut,
    SilentPageOut,
    StaffAnswerIn,
    ZoneIn,
)
from embassy.crises.sms_preview import preview_dict, rollcall_sms_preview

router = Router(auth=AUTH)
public_router = Router()  # the signed link is the credential
me_router = Router(auth=AUTH)


@router.get("", response=list[CrisisOut], summary="Staff: crises concerning my missions (headquarters: all)")
def crises(request: AuthedRequest, status: str = "") -> list:
    if status and status not in Crisis.Status.values:
        raise BadInput("status: " + ", ".join(Crisis.Status.values), field="status")
    return list(selectors.crisis_list_for(user=request.user, status=status)
                .prefetch_related("missions", "feed_items")[:200])


@router.post("", response={201: CrisisOut}, summary="Declare a crisis over a circle, a polygon or whole countries")
def crisis_declare(request: AuthedRequest, payload: DeclareIn) -> Status:
    return Status(201, services.crisis_declare(actor=request.user, **payload.dict()))


@router.get("/feed-polls", response=list[FeedPollOut], summary="Headquarters: the latest polls of the feeds")
def feed_polls(request: AuthedRequest) -> list:
    return selectors.feed_polls_for(user=request.user)


def _crisis(request: AuthedRequest, crisis_id: int) -> Crisis:
    return selectors.crisis_get_for(user=request.user, crisis_id=crisis_id)


@router.get("/{crisis_id}", response=CrisisOut, summary="One crisis")
def crisis(request: AuthedRequest, crisis_id: int) -> object:
    return _crisis(request, crisis_id)


@router.post("/{crisis_id}/confirm", response=CrisisOut, summary="Confirm a proposed crisis")
def crisis_confirm(request: AuthedRequest, crisis_id: int) -> object:
    return services.crisis_confirm(actor=request.user, crisis=_crisis(request, crisis_id))


@router.post("/{crisis_id}/dismiss", response=CrisisOut, summary="Dismiss a proposed crisis or close an active one")
def crisis_dismiss(request: AuthedRequest, crisis_id: int, payload: DismissIn) -> object:
    return services.crisis_dismiss(actor=request.user, reason=payload.reason, crisis=_crisis(request, crisis_id))


@router.put("/{crisis_id}/zone", response=CrisisOut, summary="Change the zone; the affected set follows")
def crisis_zone(request: AuthedRequest, crisis_id: int, payload: ZoneIn) -> object:
    return services.crisis_zone_update(actor=request.user, crisis=_crisis(request, crisis_id), **payload.dict())


@router.post("/{crisis_id}/notes", response={201: dict}, summary="Add a note to the crisis log")
def crisis_note(request: AuthedRequest, crisis_id: int, payload: NoteIn) -> Status:
    event = services.crisis_note_add(actor=request.user, crisis=_crisis(request, crisis_id), text=payload.text)
    return Status(201, {"id": event.pk, "at": event.at.isoformat()})


@router.post("/{crisis_id}/rollcall", response=CrisisOut, summary='Ask everyone affected "are you safe?"')
def rollcall_start(request: AuthedRequest, crisis_id: int) -> object:
    return rollcall.rollcall_start(actor=request.user, crisis=_crisis(request, crisis_id))


@router.get("/{crisis_id}/rollcall/preview", response=dict,
            summary="Before starting: people reached by SMS, segments per SMS, estimated cost")
def rollcall_preview(request: AuthedRequest, crisis_id: int) -> dict:
    return preview_dict(rollcall_sms_preview(crisis=_crisis(request, crisis_id)))


@router.get("/{crisis_id}/counts", response=CountsOut,
            summary="Live counts: affected, reached (question delivered), safe, help, silent")
def rollcall_counts(request: AuthedRequest, crisis_id: int) -> dict:
    return selectors.rollcall_counts(crisis=_crisis(request, crisis_id))


@router.get("/{crisis_id}/channels", response=list[ChannelCountsOut],
            summary="The roll-call's messages per channel: waiting, handed over, delivered (receipts), failed")
def rollcall_channels(request: AuthedRequest, crisis_id: int) -> list:
    return selectors.rollcall_channels(crisis=_crisis(request, crisis_id))


@router.get("/{crisis_id}/by-mission", response=list[dict], summary="Counts per responsible mission")
def rollcall_by_mission(request: AuthedRequest, crisis_id: int) -> list:
    return selectors.rollcall_by_mission(crisis=_crisis(request, crisis_id))


@router.get("/{crisis_id}/map", response=dict, summary="GeoJSON hexagons of the people inside, by answer")
def rollcall_map(request: AuthedRequest, crisis_id: int, res: int = 6) -> dict:
    return selectors.rollcall_map(crisis=_crisis(request, crisis_id), res=res)


@router.get("/{crisis_id}/silent", response=SilentPageOut,
            summary="Who has not answered (names and phones: personal-data roles only; audited)")
def rollcall_silent(request: AuthedRequest, crisis_id: int, limit: int = 100, offset: int = 0) -> dict:
    return selectors.silent_list_for(user=request.user, crisis=_crisis(request, crisis_id), limit=limit,
                                     offset=max(0, offset))


@router.post("/{crisis_id}/affected/{affected_id}/answer", response=AnswerOut,
             summary="Record an answer heard by phone")
def rollcall_staff_answer(request: AuthedRequest, crisis_id: int, affected_id: int, payload: StaffAnswerIn) -> object:
    crisis = _crisis(request, crisis_id)
    row = selectors.affected_get_for(user=request.user, crisis=crisis, affected_id=affected_id)
    return answers.rollcall_answer_staff(actor=request.user, affected=row, answer=payload.answer, note=payload.note)


@public_router.post("/answer", response=AnswerOut, summary="Answer the roll-call through the signed link")
def rollcall_link_answer(request: HttpRequest, payload: LinkAnswerIn) -> object:
    try:
        return answers.rollcall_answer_link(crisis_id=payload.crisis, token=payload.token, answer=payload.answer,
                                             text=payload.text)
    except links.LinkRefused as refused:
        raise PermissionDenied(refused.message, field="token") from None


@me_router.get("/rollcalls", response=list[OwnRollcallOut], summary='My open "are you safe?" questions')
def own_rollcalls(request: AuthedRequest) -> list:
    return selectors.own_rollcalls(user=request.user)


@me_router.post("/rollcalls/{crisis_id}/answer", response=AnswerOut, summary="Answer in the app")
def own_answer(request: AuthedRequest, crisis_id: int, payload: OwnAnswerIn) -> object:
    return answers.rollcall_answer_own(user=request.user, crisis_id=crisis_id, answer=payload.answer,
                                        text=payload.text)
