"""Officer console: the advisories list, a country's version history, the draft editor, review actions and
the diff view. Every staff member may read; headquarters analysts and administrators edit and publish."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.accounts.zones import hq_zone
from embassy.advisories import selectors, services
from embassy.advisories.diff import version_diff
from embassy.advisories.forms import AdvisoryForm
from embassy.advisories.models import AdvisoryVersion
from embassy.common.console import Action, console_action
from embassy.common.decorators import staff_required
from embassy.common.errors import DomainError
from embassy.geo.selectors import country_get

STATUS_FILTERS = [("", _("All")), ("open", _("Being edited")), ("in_review", _("In review")),
                  ("4", "4"), ("3", "3"), ("2", "2"), ("1", "1")]


@staff_required
def advisory_list(request: AuthedRequest) -> HttpResponse:
    q, status = request.GET.get("q", "")[:100], request.GET.get("status", "")
    rows = selectors.advisory_console_index(user=request.user, q=q, status=status)
    template = "advisories/console_list.html#results" if request.headers.get("HX-Request") else "advisories/console_list.html"
    return render(request, template, {
        "rows": rows, "q": q, "status": status, "filters": STATUS_FILTERS,
        "queue": selectors.review_queue_for(user=request.user), "can_edit": services.is_editor(request.user),
        "status_labels": dict(AdvisoryVersion.Status.choices), "tz": hq_zone(),
    })


@staff_required
def advisory_history(request: AuthedRequest, code: str) -> HttpResponse:
    versions = list(selectors.advisory_versions_for(user=request.user, country=code))
    country = versions[0].country if versions else country_get(code)
    return render(request, "advisories/console_history.html", {
        "country": country, "versions": versions, "can_edit": services.is_editor(request.user),
        "open": next((v for v in versions if v.status in AdvisoryVersion.OPEN), None), "tz": hq_zone(),
    })


@staff_required
@require_POST
def draft_create(request: AuthedRequest, code: str) -> HttpResponse:
    base = request.POST.get("base", "")
    try:
        version = services.advisory_draft_create(actor=request.user, country=code,
                                                 base_version_id=int(base) if base.isdigit() else None)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("console:advisory-history", code=code.upper())
    return redirect("console:advisory-version", version_id=version.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def version_page(request: AuthedRequest, version_id: int) -> HttpResponse:
    """A version: the editor while it is a draft (for editors), otherwise read-only with the review actions."""
    version = selectors.advisory_version_for(user=request.user, version_id=version_id)
    can_edit = services.is_editor(request.user)
    editable = can_edit and version.status == AdvisoryVersion.Status.DRAFT
    form = AdvisoryForm(request.POST if request.method == "POST" else None,
                        initial=AdvisoryForm.initial_for(version))
    status = 200
    if request.method == "POST":
        if not editable:
            messages.error(request, _("Only a draft can be edited."))
            return redirect("console:advisory-version", version_id=version.pk)
        if form.is_valid():
            try:
                services.advisory_draft_update(actor=request.user, version_id=version.pk, data=form.to_data())
            except DomainError as exc:
                message = exc.message
                if exc.field and exc.field.startswith("regions.") and exc.field.split(".")[1].isdigit():
                    message = _("Region %(n)d: %(message)s") % {"n": int(exc.field.split(".")[1]) + 1,
                                                                 "message": exc.message}
                form.add_error(form.field_for(exc.field), message)
            else:
                messages.success(request, _("Draft saved."))
                if request.POST.get("then") == "submit":
                    return _act(request, version.pk, "submit")
                return redirect("console:advisory-version", version_id=version.pk)
        status = 422
    return render(request, "advisories/console_version.html", {
        "version": version, "form": form, "editable": editable, "can_edit": can_edit, "tz": hq_zone(),
    }, status=status)


ACTIONS: dict[str, Action[int]] = {
    "submit": Action(lambda version_id, user, post: services.advisory_submit(actor=user, version_id=version_id),
                     gettext_lazy("Sent for review.")),
    "publish": Action(lambda version_id, user, post: services.advisory_publish(actor=user, version_id=version_id),
                      gettext_lazy("Published.")),
    "reject": Action(lambda version_id, user, post: services.advisory_reject(actor=user, version_id=version_id,
                                                                             note=post.get("note", "")),
                     gettext_lazy("Rejected.")),
}


def _act(request: AuthedRequest, version_id: int, action: str) -> HttpResponse:
    """A review button: the outcome is a message on the version's page."""
    return console_action(request, ACTIONS, action, target=lambda: version_id,
                          respond=lambda name, error: redirect("console:advisory-version", version_id=version_id))


@staff_required
@require_POST
def version_submit(request: AuthedRequest, version_id: int) -> HttpResponse:
    return _act(request, version_id, "submit")


@staff_required
@require_POST
def version_publish(request: AuthedRequest, version_id: int) -> HttpResponse:
    return _act(request, version_id, "publish")


@staff_required
@require_POST
def version_reject(request: AuthedRequest, version_id: int) -> HttpResponse:
    return _act(request, version_id, "reject")


@staff_required
def version_compare(request: AuthedRequest, version_id: int) -> HttpResponse:
    against = request.GET.get("against", "")
    old, new = selectors.version_pair_for(user=request.user, version_id=version_id,
                                          against=int(against) if against.isdigit() else None)
    fields = version_diff(old, new)
    others = selectors.advisory_versions_for(user=request.user, country=new.country_id)
    return render(request, "advisories/console_diff.html", {
        "old": old, "new": new, "changed": [f for f in fields if f.changed],
        "unchanged": [f for f in fields if not f.changed], "versions": others, "version_id": version_id,
    })
