"""Advisories API: public reading (JSON, with ETag for the app's offline cache), citizens' follows, and the
headquarters workflow (draft, edit, submit, publish, reject, history, diff)."""


from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from ninja import Router, Status
from ninja.security import SessionAuth

from embassy.accounts.auth import AUTH, TokenAuth
from embassy.accounts.http import AuthedRequest
from embassy.advisories import selectors, services
from embassy.advisories.diff import version_diff
from embassy.advisories.schemas import (
    AdvisoryOut,
    DiffOut,
    DraftIn,
    FollowOut,
    IndexOut,
    RejectIn,
    VersionIn,
    VersionOut,
    VersionSummaryOut,
)


def _anonymous(request: HttpRequest) -> bool:
    return True


# Public reads that show more to staff: a bearer token or the session if given, otherwise anonymous.
OPTIONAL_AUTH = [TokenAuth(), SessionAuth(), _anonymous]

router = Router()


@router.get("/countries/{code}/advisory", response=AdvisoryOut, summary="A country's published advisory")
def country_advisory(request: HttpRequest, code: str) -> object:
    return selectors.advisory_current(country=code)


@router.get("/advisories", response={200: IndexOut, 304: None},
            summary="Every country's current level, compact (ETag / Last-Modified: answers 304 when unchanged)")
def advisory_index(request: HttpRequest, response: HttpResponse) -> Status:
    count, last = selectors.advisory_index_stamp()
    etag = quote_etag(f"adv-{count}-{int(last.timestamp() * 1_000_000) if last else 0}")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=60"
    if last is not None:
        response["Last-Modified"] = http_date(last.timestamp())
    match = request.headers.get("If-None-Match", "")
    if match:
        if etag in [m.strip().removeprefix("W/") for m in match.split(",")] or match.strip() == "*":
            return Status(304, None)
    else:
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        if since is not None and last is not None and int(last.timestamp()) <= since:
            return Status(304, None)
    rows = [r for r in selectors.advisory_index() if r.level is not None]
    return Status(200, {"updated": last, "count": len(rows), "countries": [
        {"code": r.code, "name_id": r.name_id, "name_en": r.name_en, "level": r.level, "colour": r.colour,
         "version": r.version, "is_demo": r.is_demo, "published_at": r.published_at} for r in rows]})


# --- follows (signed-in citizens) ---------------------------------------------------------------------------
@router.get("/me/follows", response=list[FollowOut], auth=AUTH, summary="Countries I follow")
def follows(request: AuthedRequest) -> list[Any]:
    return selectors.follows_of(user=request.user)


@router.post("/me/follows/{code}", response={201: FollowOut}, auth=AUTH,
             summary="Follow a country: be told when its advisory level changes")
def follow(request: AuthedRequest, code: str) -> Status:
    return Status(201, services.country_follow(user=request.user, country=code).country)


@router.delete("/me/follows/{code}", response={204: None}, auth=AUTH, summary="Stop following a country")
def unfollow(request: AuthedRequest, code: str) -> Status:
    services.country_unfollow(user=request.user, country=code)
    return Status(204, None)


# --- headquarters workflow ----------------------------------------------------------------------------------
@router.get("/advisories/{code}/versions", response=list[VersionSummaryOut], auth=AUTH,
            summary="Staff: every version of a country's advisory, newest first")
def versions(request: AuthedRequest, code: str) -> list[Any]:
    return list(selectors.advisory_versions_for(user=request.user, country=code))


@router.post("/advisories/{code}/drafts", response={201: VersionOut}, auth=AUTH,
             summary="HQ: start a draft (copied from the published version or from base_version_id)")
def draft_create(request: AuthedRequest, code: str, payload: DraftIn) -> Status:
    return Status(201, services.advisory_draft_create(actor=request.user, country=code,
                                                      base_version_id=payload.base_version_id))


@router.get("/advisory-versions/{version_id}", response=VersionOut, auth=OPTIONAL_AUTH,
            summary="One version (drafts and reviews for staff only)")
def version_detail(request: HttpRequest, version_id: int) -> object:
    return selectors.advisory_version_for(user=request.user, version_id=version_id)


@router.patch("/advisory-versions/{version_id}", response=VersionOut, auth=AUTH, summary="HQ: edit a draft")
def version_update(request: AuthedRequest, version_id: int, payload: VersionIn) -> object:
    return services.advisory_draft_update(actor=request.user, version_id=version_id,
                                          data=payload.dict(exclude_unset=True))


@router.post("/advisory-versions/{version_id}/submit", response=VersionOut, auth=AUTH,
             summary="HQ: send a draft for review")
def version_submit(request: AuthedRequest, version_id: int) -> object:
    return services.advisory_submit(actor=request.user, version_id=version_id)


@router.post("/advisory-versions/{version_id}/publish", response=VersionOut, auth=AUTH,
             summary="HQ: publish a version in review (a second person: four-eyes rule)")
def version_publish(request: AuthedRequest, version_id: int) -> object:
    return services.advisory_publish(actor=request.user, version_id=version_id)


@router.post("/advisory-versions/{version_id}/reject", response=VersionOut, auth=AUTH,
             summary="HQ: reject a version in review (or discard a draft), with a note")
def version_reject(request: AuthedRequest, version_id: int, payload: RejectIn) -> object:
    return services.advisory_reject(actor=request.user, version_id=version_id, note=payload.note)


@router.get("/advisory-versions/{version_id}/diff", response=DiffOut, auth=OPTIONAL_AUTH,
            summary="What changed between two versions (default: against the version before)")
def version_diff_view(request: HttpRequest, version_id: int, against: int | None = None) -> dict[str, Any]:
    old, new = selectors.version_pair_for(user=request.user, version_id=version_id, against=against)
    fields = [{"key": f.key, "label": f.label, "changed": f.changed, "old": f.old, "new": f.new,
               "unified": f.unified} for f in version_diff(old, new)]
    return {"old": old, "new": new, "fields": fields}
