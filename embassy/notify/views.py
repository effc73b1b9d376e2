"""The console's notification log (headquarters)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from embassy.accounts.http import AuthedRequest
from embassy.accounts.zones import hq_zone
from embassy.common.decorators import staff_required
from embassy.common.errors import BadInput
from embassy.notify import selectors, services
from embassy.notify.models import CHANNELS


@staff_required
def notify_log(request: AuthedRequest) -> HttpResponse:
    status, channel = request.GET.get("status", ""), request.GET.get("channel", "")
    try:
        rows = selectors.message_log_for(user=request.user, status=status, channel=channel, limit=100)
    except BadInput as exc:
        flash.error(request, exc.message)
        return redirect("console:notify-log")
    context = {
        "counts": selectors.outbox_counts_for(user=request.user), "rows": rows,
        "status": status, "channel": channel, "channels": CHANNELS, "tz": hq_zone(),  # a headquarters page
    }
    return render(request, "notify/log.html", context)


@staff_required
@require_POST
def notify_retry(request: AuthedRequest, message_id: int) -> HttpResponse:
    message = services.message_retry(user=request.user, message_id=message_id)
    if request.headers.get("HX-Request"):
        message.masked_address = selectors.mask_address(message.channel, message.address)  # type: ignore[attr-defined]  # set for the template; not a field
        return render(request, "notify/log.html#row", {"m": message, "tz": hq_zone()})
    flash.success(request, _("The message is queued again."))
    return redirect("console:notify-log")
