"""Signed documents: public keys, the revocation list and verification for anyone; the holder's own documents;
a mission's worker cards for its consular staff."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.utils import check_csrf

from embassy.accounts.auth import AUTH, TokenAuth
from embassy.accounts.http import AuthedRequest
from embassy.accounts.models import User
from embassy.credentials import selectors, services
from embassy.credentials.pdf import credential_pdf
from embassy.credentials.qr import qr_content
from embassy.credentials.schemas import (
    ConsentIn,
    CredentialOut,
    KeysOut,
    RevocationListOut,
    RevokeIn,
    VerifyIn,
    VerifyOut,
    WorkerCardIn,
    credential_out,
)
from embassy.credentials.verify import credential_verify

router = Router()


def _out(credential: Any) -> dict[str, Any]:
    return credential_out(
        credential, status=selectors.credential_status(credential), qr=qr_content(credential)
    )


def verifier(request: HttpRequest) -> User | None:
    """Who is verifying, if anyone: a bearer token's user, or the session's (only with a valid CSRF token, so that
    another site cannot make a staff member's browser verify in their name). Anonymous is fine."""
    user = TokenAuth()(request)
    if isinstance(user, User):
        return user
    if request.user.is_authenticated and isinstance(request.user, User) and check_csrf(request) is None:
        return request.user
    return None


@router.get(
    "/keys", response=KeysOut, auth=None, summary="Public keys that sign documents (current and retired)"
)
def keys(request: HttpRequest) -> dict[str, Any]:
    return {"format": "SE1", "keys": selectors.published_keys()}


@router.get(
    "/revoked", response=RevocationListOut, auth=None, summary="Revocation list, signed by headquarters"
)
def revoked(request: HttpRequest) -> dict[str, object]:
    return services.revocation_list_publish()


@router.post(
    "/verify",
    response=VerifyOut,
    auth=None,
    summary="Verify a scanned QR code",
    description="Anyone may verify. Each outcome (valid, revoked, expired, forged, malformed, unknown_key, "
    "unregistered) comes with a title and message in Indonesian and English. A staff member "
    "(bearer token, or session with CSRF) is audited; one whose scope covers the mission also "
    "gets full_fields.",
)
def verify(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    return credential_verify(text=payload.qr, user=verifier(request)).as_json()


@router.get("/mine", response=list[CredentialOut], auth=AUTH, summary="My signed documents")
def mine(request: AuthedRequest) -> list[dict[str, Any]]:
    return [_out(c) for c in selectors.own_credentials(user=request.user)]


@router.get("/mine/{serial}", response=CredentialOut, auth=AUTH, summary="One of my signed documents")
def mine_one(request: AuthedRequest, serial: str) -> dict[str, Any]:
    return _out(selectors.own_credential_get(user=request.user, serial=serial))


@router.put(
    "/mine/{serial}/consent",
    response=CredentialOut,
    auth=AUTH,
    summary="Choose what a verifier of my document sees (the QR is signed again)",
)
def mine_consent(request: AuthedRequest, serial: str, payload: ConsentIn) -> dict[str, Any]:
    credential = selectors.own_credential_get(user=request.user, serial=serial)
    return _out(
        services.credential_consent_set(
            credential=credential, actor=request.user, consented=payload.consented
        )
    )


@router.get("/mine/{serial}/pdf", auth=AUTH, summary="My document as a printable card (PDF)")
def mine_pdf(request: AuthedRequest, serial: str) -> HttpResponse:
    credential = selectors.own_credential_get(user=request.user, serial=serial)
    return HttpResponse(credential_pdf(credential), content_type="application/pdf")


@router.get(
    "/missions/{code}", response=list[CredentialOut], auth=AUTH, summary="A mission's documents (staff)"
)
def mission_list(request: AuthedRequest, code: str, q: str = "") -> list[dict[str, Any]]:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    return [_out(c) for c in selectors.mission_credentials(user=request.user, mission=mission, q=q)[:200]]


@router.post(
    "/missions/{code}/worker-cards",
    response={201: CredentialOut},
    auth=AUTH,
    summary="Issue a migrant worker card (consular officer or head of mission)",
)
def worker_card_create(request: AuthedRequest, code: str, payload: WorkerCardIn) -> Status:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    citizen = selectors.issuable_citizen_get(
        user=request.user, mission=mission, citizen_id=payload.citizen_id
    )
    credential = services.worker_card_issue(
        actor=request.user, mission=mission, citizen=citizen, **payload.dict(exclude={"citizen_id"})
    )
    return Status(201, _out(credential))


@router.post(
    "/missions/{code}/{serial}/revoke", response=CredentialOut, auth=AUTH, summary="Revoke a document"
)
def revoke(request: AuthedRequest, code: str, serial: str, payload: RevokeIn) -> dict[str, Any]:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    credential = selectors.staff_credential_get(user=request.user, mission=mission, serial=serial)
    return _out(services.credential_revoke(credential=credential, actor=request.user, reason=payload.reason))
