"""Pages: the public enquiry form and the family's status page (no sign-in), the citizen's sharing setting, and
the officers' list, phone intake, confirmation and PFIF export. Thin: rules live in services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.accounts.zones import console_zone
from embassy.citizens.selectors import own_citizen
from embassy.common.decorators import citizen_required, staff_required
from embassy.common.errors import DomainError, NotFound
from embassy.common.middleware import client_ip
from embassy.crises.models import Crisis
from embassy.crises.selectors import crisis_get_for
from embassy.enquiries import consent, selectors, services
from embassy.enquiries.forms import EnquiryForm, SharingForm
from embassy.enquiries.links import status_check, status_token
from embassy.enquiries.models import Enquiry
from embassy.enquiries.notices import news_text
from embassy.enquiries.pfif import pfif_export

FIELD_OF = {"enquirer_name": "enquirer_name", "relation": "relation", "enquirer_phone": "enquirer_phone",
            "enquirer_email": "enquirer_email", "sought_name": "sought_name",
            "sought_birth_date": "sought_birth_date", "sought_phone": "sought_phone", "last_city": "last_city"}


def _form_error(form: EnquiryForm, exc: DomainError) -> None:
    form.add_error(FIELD_OF.get(exc.field or ""), exc.message)


# --- Public -----------------------------------------------------------------------------------------------------
@require_GET
def crises_public(request: HttpRequest) -> HttpResponse:
    return render(request, "enquiries/public_index.html", {"crises": list(selectors.active_crises()[:20])})


@require_http_methods(["GET", "POST"])
def enquiry_new(request: HttpRequest, crisis_id: int) -> HttpResponse:
    crisis = selectors.active_crises().filter(pk=crisis_id).first()
    if crisis is None:
        raise NotFound(_("There is no active emergency with this number."))
    form = EnquiryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                enquiry = services.enquiry_submit(crisis_id=crisis.pk, data=form.to_input(),
                                                  client_ip=client_ip(request))
            except DomainError as exc:
                _form_error(form, exc)
                status = exc.status
            else:
                return redirect("enquiries:status", status_token(enquiry))
        else:
            status = 422
    return render(request, "enquiries/form.html", {"form": form, "crisis": crisis}, status=status)


@require_GET
def enquiry_status(request: HttpRequest, token: str) -> HttpResponse:
    enquiry = status_check(token)
    news = consent.news_for(enquiry)
    return render(request, "enquiries/status.html", {
        "enquiry": enquiry, "news": news, "text": news_text(news, enquiry.sought_name),
    })


@citizen_required
@require_http_methods(["GET", "POST"])
def sharing(request: AuthedRequest) -> HttpResponse:
    citizen = own_citizen(user=request.user)
    form = SharingForm(request.POST or None, initial={"level": consent.level_of(citizen.pk)})
    if request.method == "POST" and form.is_valid():
        services.sharing_set(user=request.user, level=form.cleaned_data["level"])
        messages.success(request, _("Saved."))
        return redirect("enquiries:sharing")
    return render(request, "enquiries/sharing.html", {"form": form},
                  status=422 if request.method == "POST" else 200)


# --- Console ----------------------------------------------------------------------------------------------------
def _crisis(request: AuthedRequest, crisis_id: int) -> Crisis:
    return selectors.crisis_for_enquiries(user=request.user, crisis_id=crisis_id)


@staff_required
@require_GET
def console_list(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    crisis = _crisis(request, crisis_id)
    status = request.GET.get("status", "")
    page = Paginator(selectors.enquiry_list_for(user=request.user, crisis=crisis, status=status), 50) \
        .get_page(request.GET.get("page"))
    return render(request, "enquiries/console_list.html", {
        "crisis": crisis, "page": page, "status": status, "statuses": Enquiry.Status.choices,
        "counts": selectors.enquiry_counts(crisis_id=crisis.pk), "tz": console_zone(request),
    })


@staff_required
@require_GET
def console_panel(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    """The crisis room's card (loaded by htmx): the counts, no personal data; links for those who read them."""
    crisis = crisis_get_for(user=request.user, crisis_id=crisis_id)
    return render(request, "enquiries/_room_panel.html", {
        "crisis": crisis, "counts": selectors.enquiry_counts(crisis_id=crisis.pk),
        "may_read": selectors.may_read_enquiries(request.user, crisis),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def console_phone(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    crisis = _crisis(request, crisis_id)
    form = EnquiryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                enquiry = services.enquiry_submit(crisis_id=crisis.pk, data=form.to_input(), actor=request.user)
            except DomainError as exc:
                _form_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Enquiry recorded: %(status)s") % {
                    "status": enquiry.get_status_display()})
                return redirect("console:enquiry", crisis_id=crisis.pk, enquiry_id=enquiry.pk)
        else:
            status = 422
    return render(request, "enquiries/console_phone.html", {"form": form, "crisis": crisis}, status=status)


@staff_required
@require_GET
def console_detail(request: AuthedRequest, crisis_id: int, enquiry_id: int) -> HttpResponse:
    crisis = _crisis(request, crisis_id)
    enquiry = selectors.enquiry_get_for(user=request.user, crisis=crisis, enquiry_id=enquiry_id)
    news = consent.news_for(enquiry)
    return render(request, "enquiries/console_detail.html", {
        "crisis": crisis, "enquiry": enquiry, "rows": selectors.candidate_rows(enquiry), "news": news,
        "news_text": news_text(news, enquiry.sought_name), "tz": console_zone(request),
        "open": enquiry.status in services.OPEN,
    })


@staff_required
@require_POST
def console_confirm(request: AuthedRequest, crisis_id: int, enquiry_id: int) -> HttpResponse:
    crisis = _crisis(request, crisis_id)
    enquiry = selectors.enquiry_get_for(user=request.user, crisis=crisis, enquiry_id=enquiry_id)
    raw = request.POST.get("citizen_id", "")
    try:
        if request.POST.get("action") == "close":
            services.enquiry_close(actor=request.user, enquiry=enquiry, note=request.POST.get("note", ""))
        else:
            services.enquiry_confirm(actor=request.user, enquiry=enquiry,
                                     citizen_id=int(raw) if raw.isdigit() else 0)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("console:enquiry", crisis_id=crisis.pk, enquiry_id=enquiry.pk)


@staff_required
@require_GET
def console_pfif(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    crisis = _crisis(request, crisis_id)
    response = HttpResponse(pfif_export(user=request.user, crisis=crisis), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="pfif-crisis-{crisis.pk}.xml"'
    return response
