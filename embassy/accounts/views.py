"""Sign-in for citizens (one-time code) and staff (password + TOTP), language choice, audit log pages."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from embassy.accounts import services
from embassy.accounts.audit import audit_export_response, audit_record, audit_search_for
from embassy.accounts.http import AuthedRequest
from embassy.accounts.limits import CodeLimited
from embassy.accounts.reach import hotline_for_person
from embassy.accounts.zones import console_zone
from embassy.common.api import error_body
from embassy.common.decorators import staff_required
from embassy.common.errors import DomainError
from embassy.common.inputs import INT64_MAX


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def lockout_response(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' answer while an account is locked: the page, or the API's JSON error body."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    if request.path_info.startswith("/api/"):
        message = _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {"minutes": minutes}
        return JsonResponse(error_body(message, "password", "locked"), status=429)
    _mission, hotline = hotline_for_person()  # nothing tells where the request comes from: headquarters
    return render(request, "accounts/locked.html", {"minutes": minutes, "hotline": hotline.number}, status=429)


# --- Citizens -------------------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"next": _next(request, "")}
    if request.method == "POST":
        try:
            addr, code = services.signin_code_request(address=request.POST.get("address", ""))
        except CodeLimited as exc:  # refused by a limit: say so, with the hotline to call instead
            context.update(error=exc.refusal, hotline=exc.hotline, hotline_owner=exc.hotline_owner,
                           address=request.POST.get("address", ""))
            return render(request, "accounts/signin.html", context, status=exc.status)
        except DomainError as exc:
            context.update(error=exc.message, address=request.POST.get("address", ""))
            return render(request, "accounts/signin.html", context, status=exc.status)
        context.update(address=addr.value, channel=addr.channel)
        if settings.DEMO_SHOW_CODES:
            context["demo_code"] = code
        return render(request, "accounts/signin_code.html", context)
    return render(request, "accounts/signin.html", context)


@require_POST
def signin_verify(request: HttpRequest) -> HttpResponse:
    address, code = request.POST.get("address", ""), request.POST.get("code", "")
    try:
        user = services.signin_code_verify(address=address, code=code)
    except DomainError as exc:
        return render(request, "accounts/signin_code.html",
                      {"address": address, "error": exc.message, "next": _next(request, "")}, status=exc.status)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(_next(request, reverse("citizens:home")))


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("citizens:home")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    lang = request.POST.get("language", "")
    response = HttpResponseRedirect(_next(request, reverse("citizens:home")))
    if lang in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang, max_age=settings.LANGUAGE_COOKIE_AGE,
                            samesite="Lax", secure=request.is_secure())
        if request.user.is_authenticated:
            request.user.language = lang
            request.user.save(update_fields=["language"])
    return response


# --- Staff ----------------------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def staff_login(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"next": _next(request, "")}
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        user = authenticate(request, username=username, password=request.POST.get("password", ""))
        if user is None or getattr(user, "kind", "") != "staff":
            context.update(error=_("Wrong username or password."), username=username)
            return render(request, "accounts/staff_login.html", context, status=401)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(f"{reverse('accounts:staff-otp')}?next={context['next']}")
    return render(request, "accounts/staff_login.html", context)


@require_http_methods(["GET", "POST"])
def staff_otp(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated or getattr(user, "kind", "") != "staff":
        return redirect("accounts:staff-login")
    confirmed = services.totp_device_for(user=user, confirmed=True)
    context: dict[str, Any] = {"next": _next(request, ""), "enrol": confirmed is None}
    if request.method == "POST":
        try:
            device = services.totp_verify(user=user, code=request.POST.get("otp", ""), confirm=confirmed is None)
        except DomainError as exc:
            context["error"] = exc.message
        else:
            request.session.cycle_key()  # a new session id once the second factor is given, as at the password
            otp_login(request, device)
            audit_record(actor=user, action="staff.signin", object_type="user", object_id=user.pk)
            return HttpResponseRedirect(_next(request, reverse("console:home")))
    if confirmed is None:
        device = services.totp_device_for(user=user, confirmed=False) or services.totp_enroll(user=user)
        uri = device.config_url
        context.update(qr_svg=segno.make(uri, error="m").svg_inline(scale=4), secret=_b32(device.bin_key))
    return render(request, "accounts/staff_otp.html", context, status=422 if "error" in context else 200)


def _b32(key: bytes) -> str:
    return base64.b32encode(key).decode().rstrip("=")


# --- Audit log (headquarters) --------------------------------------------------------------------------------
def _audit_filters(request: HttpRequest) -> dict[str, Any]:
    def date(name: str) -> dt.datetime | None:
        raw = request.GET.get(name, "")
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            return None
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)

    citizen = request.GET.get("citizen_id", "")
    return {
        "actor": request.GET.get("actor", ""), "action": request.GET.get("action", ""),
        "citizen_id": int(citizen) if citizen.isdigit() and int(citizen) <= INT64_MAX else None,
        "mission_code": request.GET.get("mission", ""), "since": date("since"),
        "until": (d + dt.timedelta(days=1)) if (d := date("until")) else None,
    }


@staff_required
def audit_log(request: AuthedRequest) -> HttpResponse:
    qs = audit_search_for(user=request.user, **_audit_filters(request))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"page": page, "filters": request.GET,
                                                       "tz": console_zone(request)})


@staff_required
def audit_export(request: AuthedRequest) -> StreamingHttpResponse:
    return audit_export_response(user=request.user, **_audit_filters(request))
