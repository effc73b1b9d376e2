"""The citizen's pages (home, lapor diri, profile) and the console's citizen pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from embassy.citizens import selectors, services
from embassy.citizens.forms import ContactForm, ProfileForm, StayForm
from embassy.common.decorators import citizen_required, staff_required
from embassy.common.errors import DomainError
from embassy.geo.selectors import country_list
from embassy.missions.views import current_mission


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    user = request.user
    if user.is_authenticated and getattr(user, "kind", "") == "citizen":
        citizen = selectors.own_citizen(user=user)
        context.update(citizen=citizen, stays=list(selectors.stays_of(citizen)),
                       contacts=list(citizen.emergency_contacts.all()))
    elif user.is_authenticated and getattr(user, "kind", "") == "staff":
        return redirect("console:home")
    return render(request, "citizens/home.html", context)


def _form_page(request: HttpRequest, form: Any, save: Callable[[dict[str, Any]], object], template: str,
               context: dict[str, Any] | None = None) -> HttpResponse:
    """GET shows the form; a valid POST calls `save` (a service) and returns home; a DomainError from the
    service is shown on the field it names (or the form), with status 422, nothing lost from the form."""
    if request.method == "POST":
        if form.is_valid():
            try:
                save(form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("citizens:home")
        return render(request, template, {"form": form, **(context or {})}, status=422)
    return render(request, template, {"form": form, **(context or {})})


@citizen_required
@require_http_methods(["GET", "POST"])
def stay_new(request: HttpRequest) -> HttpResponse:
    citizen = selectors.own_citizen(user=request.user)
    return _form_page(
        request, StayForm(request.POST or None),
        lambda data: services.stay_register(citizen=citizen, actor=request.user, **data),
        "citizens/stay_form.html", {"countries": country_list()},
    )


@citizen_required
@require_POST
def stay_finish(request: HttpRequest, stay_id: int) -> HttpResponse:
    services.stay_end(stay=selectors.own_stay(user=request.user, stay_id=stay_id), actor=request.user)
    return redirect("citizens:home")


@citizen_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    citizen = selectors.own_citizen(user=request.user)
    initial = {name: getattr(citizen, name) for name in ProfileForm.base_fields}
    return _form_page(
        request, ProfileForm(request.POST or None, initial=initial),
        lambda data: services.citizen_update(citizen=citizen, actor=request.user, data=data),
        "citizens/profile_form.html",
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def contact_new(request: HttpRequest) -> HttpResponse:
    citizen = selectors.own_citizen(user=request.user)
    return _form_page(
        request, ContactForm(request.POST or None),
        lambda data: services.contact_add(citizen=citizen, actor=request.user, **data),
        "citizens/contact_form.html",
    )


@citizen_required
@require_POST
def contact_delete(request: HttpRequest, contact_id: int) -> HttpResponse:
    services.contact_remove(citizen=selectors.own_citizen(user=request.user), actor=request.user, contact_id=contact_id)
    return redirect("citizens:home")


# --- Console ----------------------------------------------------------------------------------------------------
@staff_required
def console_citizens(request: HttpRequest) -> HttpResponse:
    mission = current_mission(request)
    mission_id = None if mission is None or mission.is_hq else mission.pk
    q = request.GET.get("q", "")
    qs = selectors.citizen_list_for(user=request.user, mission_id=mission_id, q=q)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    template = "citizens/console_list.html#results" if request.headers.get("HX-Request") else "citizens/console_list.html"
    return render(request, template, {"page": page, "q": q, "mission": mission})


@staff_required
def console_citizen(request: HttpRequest, citizen_id: int) -> HttpResponse:
    citizen = selectors.citizen_get_for(user=request.user, citizen_id=citizen_id)
    return render(request, "citizens/console_detail.html", {
        "citizen": citizen, "stays": list(selectors.stays_of(citizen)),
        "contacts": list(citizen.emergency_contacts.all()),
    })
