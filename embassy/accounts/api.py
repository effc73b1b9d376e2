from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.contrib.auth.signals import user_login_failed
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from embassy.accounts import services
from embassy.accounts.audit import audit_export_response, audit_search_for
from embassy.accounts.auth import AUTH
from embassy.accounts.http import AuthedRequest
from embassy.accounts.models import ApiToken, AuditEvent
from embassy.accounts.schemas import (
    AuditOut,
    CodeRequestIn,
    CodeRequestOut,
    CodeVerifyIn,
    LanguageIn,
    MeOut,
    NewTokenOut,
    StaffTokenIn,
    TokenOut,
)
from embassy.common.api import error_body
from embassy.common.errors import BadInput

router = Router()


def _token_out(t: ApiToken) -> TokenOut:
    return TokenOut(id=t.pk, name=t.name, prefix=t.prefix, created_at=t.created_at, last_used_at=t.last_used_at,
                    expires_at=t.expires_at, revoked=t.revoked_at is not None)


@router.post("/code", response={200: CodeRequestOut}, summary="Send a one-time sign-in code (citizens)")
def code_request(request: HttpRequest, payload: CodeRequestIn) -> CodeRequestOut:
    addr, _code = services.signin_code_request(address=payload.address)
    return CodeRequestOut(channel=addr.channel, address=addr.value, expires_in=settings.SIGNIN_CODE_TTL_SECONDS)


@router.post("/code/verify", response={200: dict}, summary="Sign in with the code: session, or a bearer token")
def code_verify(request: HttpRequest, payload: CodeVerifyIn) -> dict:
    user = services.signin_code_verify(address=payload.address, code=payload.code)
    if payload.token_name:
        token, key = services.token_create(user=user, name=payload.token_name)
        return {"token": key, "info": _token_out(token).dict()}
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return {"session": True}


@router.post("/staff/token", response={200: NewTokenOut, 401: dict}, summary="Staff: password + TOTP → bearer token",
             description="One answer (401) for a wrong username, password or code alike, so that it never tells "
                         "which part was right; each counts towards the account's lockout. The issuance is "
                         "audited.")
def staff_token(request: HttpRequest, payload: StaffTokenIn) -> Status | NewTokenOut:
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is not None and getattr(user, "kind", "") == "staff" and services.totp_check(user=user, code=payload.otp):
        token, key = services.staff_token_issue(user=user, name=payload.token_name)
        return NewTokenOut(token=key, info=_token_out(token))
    if user is not None:  # the password was right, the second factor not: a failed sign-in all the same
        user_login_failed.send(sender=__name__, credentials={"username": payload.username}, request=request)
    return Status(401, error_body(_("Wrong username, password or code, or the account is locked."), "password",
                                  "unauthenticated"))


@router.get("/tokens", response=list[TokenOut], auth=AUTH, summary="My API tokens")
def token_list(request: AuthedRequest) -> list[TokenOut]:
    return [_token_out(t) for t in ApiToken.objects.filter(user=request.user)]


@router.delete("/tokens/{token_id}", response=TokenOut, auth=AUTH, summary="Revoke one of my tokens")
def token_revoke(request: AuthedRequest, token_id: int) -> TokenOut:
    return _token_out(services.token_revoke(user=request.user, token_id=token_id))


@router.get("/me", response=MeOut, auth=AUTH, summary="Who am I")
def me(request: AuthedRequest) -> MeOut:
    user = request.user
    roles = [{"mission": m.mission.code, "role": m.role} for m in user.memberships.select_related("mission")]
    return MeOut(id=user.pk, kind=user.kind, username=user.username, email=user.email, phone=user.phone,
                 language=user.language, roles=roles)


@router.put("/me/language", response=MeOut, auth=AUTH, summary="Remember my language (id or en)")
def set_language(request: AuthedRequest, payload: LanguageIn) -> MeOut:
    if payload.language not in dict(settings.LANGUAGES):
        raise BadInput("Language must be one of: " + ", ".join(dict(settings.LANGUAGES)), field="language")
    user = request.user
    user.language = payload.language
    user.save(update_fields=["language"])
    return me(request)


@router.get("/audit", response=list[AuditOut], auth=AUTH, summary="Headquarters: search the audit log")
@paginate(LimitOffsetPagination)
def audit_search(request: AuthedRequest, *, actor: str = "", action: str = "", citizen_id: int | None = None,
                 mission: str = "", since: datetime | None = None, until: datetime | None = None) -> QuerySet[AuditEvent]:
    return audit_search_for(user=request.user, actor=actor, action=action, citizen_id=citizen_id,
                            mission_code=mission, since=since, until=until)


@router.get("/audit/export.csv", auth=AUTH, summary="Headquarters: export the audit log as CSV")
def audit_export(request: AuthedRequest, *, actor: str = "", action: str = "", citizen_id: int | None = None,
                 mission: str = "", since: datetime | None = None, until: datetime | None = None) -> StreamingHttpResponse:
    return audit_export_response(user=request.user, actor=actor, action=action, citizen_id=citizen_id,
                                 mission_code=mission, since=since, until=until)

