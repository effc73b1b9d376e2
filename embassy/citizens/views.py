"""The citizen's pages (home, lapor diri, profile) and the console's citizen pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.citizens import selectors, services
from embassy.citizens.duplicates import StayDuplicates
from embassy.citizens.forms import (
    FAMILY_PREFIX,
    ContactForm,
    ContactVerifyForm,
    DependantForm,
    FamilyForm,
    ProfileForm,
    QuickStayForm,
    StayForm,
    family_formset,
)
from embassy.citizens.models import Stay
from embassy.citizens.panels import home_panels_context
from embassy.citizens.places import stay_place_label
from embassy.citizens.validation import passport_warning
from embassy.common.decorators import citizen_required, staff_required
from embassy.common.errors import BadInput, DomainError
from embassy.geo.selectors import country_list
from embassy.missions.contact import hotline_for
from embassy.missions.selectors import home_country, scope_for
from embassy.missions.views import current_mission


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    user = request.user
    if user.is_authenticated and getattr(user, "kind", "") == "citizen":
        context.update(home_panels_context(user))  # the SOS button, an open roll-call (citizens.panels)
        citizen = selectors.own_citizen(user=user)
        stays = selectors.own_stays_annotated(citizen)
        context.update(citizen=citizen, stays=stays, contacts=list(citizen.emergency_contacts.all()),
                       due=[s for s in stays if s.confirmation_due])  # type: ignore[attr-defined]  # set by the selector for the template; not a field
    elif user.is_authenticated and getattr(user, "kind", "") == "staff":
        return redirect("console:home")
    return render(request, "citizens/home.html", context)


def _form_page(request: HttpRequest, form: Any, save: Callable[[dict[str, Any]], object], template: str,
               context: dict[str, Any] | None = None,
               done: Callable[[Any], HttpResponse] | None = None) -> HttpResponse:
    """GET shows the form; a valid POST calls `save` (a service) and returns home (or what `done` answers for
    the saved object); a DomainError from the service is shown on the field it names (or the form), with
    status 422, nothing lost from the form."""
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = save(form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return done(saved) if done is not None else redirect("citizens:home")
        return render(request, template, {"form": form, **(context or {})}, status=422)
    return render(request, template, {"form": form, **(context or {})})


def _stay_context(citizen: Any, stay: Any = None) -> dict[str, Any]:
    return {
        "countries": country_list(), "stay": stay, "citizen": citizen,
        "tz": selectors.stay_timezone(stay) if stay is not None else "",
        "passport_note": passport_warning(expiry=citizen.passport_expiry, stay_end=None,
                                          today=timezone.now().date()) if citizen.passport_number else "",
    }


def _stay_page(request: HttpRequest, *, citizen: Any, stay: Any, save: Callable[[StayForm, list[dict[str, Any]]], Any],
               done: Callable[[Any], HttpResponse]) -> HttpResponse:
    """The lapor diri form (new or edit) with its new family rows, in one submit. A failed send is shown again
    with every error (422); possible duplicates with the warnings and a "send anyway" button (409); "add a family
    member" without JavaScript shows the form again with one more row, nothing checked or saved."""
    initial = StayForm.initial_for(stay) if stay is not None else {"start_date": timezone.now().date()}
    context = _stay_context(citizen, stay)
    if request.method != "POST":
        form = StayForm(citizen=citizen, stay=stay, initial=initial)
        return render(request, "citizens/stay_form.html", {**context, "form": form, "family": family_formset()})
    if "add_family" in request.POST:
        posted = {key: request.POST.getlist(key) if key == "dependants" else request.POST.get(key)
                  for key in request.POST}
        form = StayForm(citizen=citizen, stay=stay, initial={**initial, **posted})
        return render(request, "citizens/stay_form.html", {
            **context, "form": form, "family": family_formset(request.POST, add_row=True), "adding": True})
    form = StayForm(request.POST, citizen=citizen, stay=stay, initial=initial)
    family = family_formset(request.POST)
    status, warnings = 422, []
    if form.is_valid() and (not family.is_bound or family.is_valid()):
        rows = [row for row in family.cleaned_data if row] if family.is_bound else []
        try:
            saved = save(form, rows)
        except StayDuplicates as exc:
            status, warnings = 409, exc.warnings
        except DomainError as exc:
            name = exc.field or ""
            if name.startswith(f"{FAMILY_PREFIX}-") and name.count("-") == 2:
                _prefix, index, field = name.split("-")
                family.forms[int(index)].add_error(field if field in FamilyForm.base_fields else None, exc.message)
            else:
                form.add_error(name if name in form.fields else None, exc.message)
        else:
            return done(saved)
    return render(request, "citizens/stay_form.html", {
        **context, "form": form, "family": family, "warnings": warnings,
        "errors": stay_form_errors(form, family)}, status=status)


def stay_form_errors(form: StayForm, family: Any) -> list[tuple[str, str]]:
    """(anchor, message) of every error of the form and its family rows, in the page's order, for the summary at
    the top: each links to its field (or to the form for an error of the whole form)."""
    errors = [("stay-form", str(message)) for message in form.non_field_errors()]
    for field in form:
        anchor = "id_place" if field.name == "place_pick" else field.id_for_label or f"id_{field.name}"
        if field.name in {"lat", "lon", "city"}:
            anchor = "id_place"
        errors += [(anchor, str(message)) for message in field.errors]
    errors += [("family", str(message)) for message in family.non_form_errors()]
    for row in family.forms:
        errors += [(f"family-{row.prefix}", str(message)) for message in row.non_field_errors()]
        for field in row:
            errors += [(field.id_for_label, str(message)) for message in field.errors]
    return errors


@citizen_required
@require_http_methods(["GET", "POST"])
def stay_new(request: AuthedRequest) -> HttpResponse:
    citizen = selectors.own_citizen(user=request.user)
    return _stay_page(
        request, citizen=citizen, stay=None,
        save=lambda form, rows: services.stay_register(
            citizen=citizen, actor=request.user, family=rows, confirmed=form.cleaned_data["confirm"],
            **form.service_data()),
        done=lambda stay: _reported(request, stay),
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def stay_edit(request: AuthedRequest, stay_id: int) -> HttpResponse:
    stay = selectors.own_stay(user=request.user, stay_id=stay_id)
    return _stay_page(
        request, citizen=stay.citizen, stay=stay,
        save=lambda form, rows: services.stay_update(
            stay=stay, actor=request.user, data=form.service_data(), family=rows,
            confirmed=form.cleaned_data["confirm"]),
        done=lambda saved: _reported(request, saved),
    )


def _reported(request: HttpRequest, stay: Any) -> HttpResponse:
    warning = selectors.stay_passport_warning(stay)
    if warning:
        messages.warning(request, warning)
    return redirect("citizens:stay-done", stay_id=stay.pk)


@citizen_required
def stay_done(request: AuthedRequest, stay_id: int) -> HttpResponse:
    """The confirmation after sending: which mission is responsible and the number to call."""
    stay = selectors.own_stay(user=request.user, stay_id=stay_id)
    return render(request, "citizens/stay_done.html", {
        "stay": stay, "hotline": hotline_for(stay.mission), "tz": selectors.stay_timezone(stay),
        "place": stay_place_label(stay), "family": list(stay.dependants.all())})


@citizen_required
@require_POST
def stay_quick(request: AuthedRequest) -> HttpResponse:
    """One tap from the home page when the phone is in a country without an active stay: the stay is
    registered at the phone's position, today, and the citizen completes the details on the stay page."""
    citizen = selectors.own_citizen(user=request.user)
    form = QuickStayForm(request.POST)
    if not form.is_valid():
        raise BadInput(_("Your position could not be read. Report your stay with the form."), field="lat")
    stay = services.stay_register(citizen=citizen, actor=request.user, lat=form.cleaned_data["lat"],
                                  lon=form.cleaned_data["lon"], purpose=Stay.Purpose.OTHER,
                                  start_date=timezone.now().date())
    messages.success(request, _("Your stay in %(country)s is reported to %(mission)s. Add the details below.")
                     % {"country": stay.country.name(), "mission": stay.mission.name()})
    return redirect("citizens:stay-edit", stay_id=stay.pk)


@citizen_required
@require_POST
def stay_finish(request: AuthedRequest, stay_id: int) -> HttpResponse:
    services.stay_end(stay=selectors.own_stay(user=request.user, stay_id=stay_id), actor=request.user)
    return redirect("citizens:home")


@citizen_required
@require_POST
def stay_confirm(request: AuthedRequest, stay_id: int) -> HttpResponse:
    services.stay_confirm(stay=selectors.own_stay(user=request.user, stay_id=stay_id), actor=request.user)
    messages.success(request, _("Thank you. Your stay is confirmed for the next six months."))
    return redirect("citizens:home")


@citizen_required
@require_POST
def stay_purge(request: AuthedRequest, stay_id: int) -> HttpResponse:
    stay = services.stay_location_purge(stay=selectors.own_stay(user=request.user, stay_id=stay_id),
                                        actor=request.user)
    messages.success(request, _("The location of this stay has been deleted."))
    return redirect("citizens:stay-edit", stay_id=stay.pk)


def _profile_saved(request: HttpRequest, citizen: Any) -> HttpResponse:
    """Home, or back to the profile when a new email or phone waits for its code."""
    sent = getattr(citizen, "codes_sent", {})
    for field in sent:
        messages.info(request, _("We sent a code to %(address)s. Enter it below: until then we keep using your "
                                 "former one.") % {"address": getattr(citizen, f"pending_{field}")})
    if settings.DEMO_SHOW_CODES:
        for code in sent.values():
            messages.info(request, _("Demo: the code is %(code)s.") % {"code": code})
    return redirect("citizens:profile") if citizen.pending_email or citizen.pending_phone else redirect("citizens:home")


@citizen_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthedRequest) -> HttpResponse:
    citizen = selectors.own_citizen(user=request.user)
    initial = {name: getattr(citizen, name) for name in ProfileForm.base_fields}
    return _form_page(
        request, ProfileForm(request.POST or None, initial=initial),
        lambda data: services.citizen_update(citizen=citizen, actor=request.user, data=data),
        "citizens/profile_form.html", {"dependants": list(selectors.dependants_of(citizen)), "citizen": citizen},
        done=lambda saved: _profile_saved(request, saved),
    )


@citizen_required
@require_POST
def profile_verify(request: AuthedRequest) -> HttpResponse:
    """The code sent to a new email or phone: confirms it (it replaces the former one)."""
    citizen = selectors.own_citizen(user=request.user)
    form = ContactVerifyForm(request.POST)
    try:
        if not form.is_valid():
            raise BadInput(_("Enter the six-digit code."), field="code")
        services.citizen_contact_verify(citizen=citizen, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you. Your new address is confirmed."))
    return redirect("citizens:profile")


@citizen_required
@require_http_methods(["GET", "POST"])
def dependant_new(request: AuthedRequest) -> HttpResponse:
    citizen = selectors.own_citizen(user=request.user)
    return _form_page(
        request, DependantForm(request.POST or None, initial={"nationality": home_country()}),
        lambda data: services.dependant_add(citizen=citizen, actor=request.user, **data),
        "citizens/dependant_form.html", {"countries": country_list()},
        done=lambda _saved: redirect("citizens:profile"),
    )


@citizen_required
@require_POST
def dependant_delete(request: AuthedRequest, dependant_id: int) -> HttpResponse:
    services.dependant_remove(citizen=selectors.own_citizen(user=request.user), actor=request.user,
                              dependant_id=dependant_id)
    return redirect("citizens:profile")


@citizen_required
@require_http_methods(["GET", "POST"])
def contact_new(request: AuthedRequest) -> HttpResponse:
    citizen = selectors.own_citizen(user=request.user)
    return _form_page(
        request, ContactForm(request.POST or None),
        lambda data: services.contact_add(citizen=citizen, actor=request.user, **data),
        "citizens/contact_form.html",
    )


@citizen_required
@require_POST
def contact_delete(request: AuthedRequest, contact_id: int) -> HttpResponse:
    services.contact_remove(citizen=selectors.own_citizen(user=request.user), actor=request.user, contact_id=contact_id)
    return redirect("citizens:home")


# --- Console ----------------------------------------------------------------------------------------------------
@staff_required
def console_citizens(request: AuthedRequest) -> HttpResponse:
    mission = current_mission(request)
    mission_id = None if mission is None or mission.is_hq else mission.pk
    q = request.GET.get("q", "")
    qs = selectors.citizen_list_for(user=request.user, mission_id=mission_id, q=q)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    template = "citizens/console_list.html#results" if request.headers.get("HX-Request") else "citizens/console_list.html"
    return render(request, template, {"page": page, "q": q, "mission": mission})


@staff_required
def console_citizen(request: AuthedRequest, citizen_id: int) -> HttpResponse:
    citizen = selectors.citizen_get_for(user=request.user, citizen_id=citizen_id)
    stays = list(selectors.stays_of(citizen))
    scope = scope_for(request.user)
    mission = current_mission(request)
    return render(request, "citizens/console_detail.html", {
        "tz": mission.timezone if mission is not None else (stays[0].mission.timezone if stays else "UTC"),
        "citizen": citizen, "stays": stays, "verifiable": {s.pk for s in stays if scope.covers_personal(s.mission_id)},
        "contacts": list(citizen.emergency_contacts.all()), "dependants": list(selectors.dependants_of(citizen)),
    })


@staff_required
@require_POST
def console_stay_verify(request: AuthedRequest, stay_id: int) -> HttpResponse:
    """Mark a stay verified by the responsible mission; htmx swaps the stay's row, a plain form returns to
    the record."""
    stay = services.stay_verify(actor=request.user, stay_id=stay_id)
    if request.headers.get("HX-Request"):
        return render(request, "citizens/console_detail.html#stay_row", {"s": stay})
    return redirect("console:citizen", citizen_id=stay.citizen_id)
