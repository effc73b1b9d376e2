"""Headquarters' admin for provider accounts. Credentials are write-only: the form shows them masked
(last four characters) and changes only the ones typed in; they are sealed before they are stored."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from embassy.notify import routing
from embassy.notify.models import ProviderAccount

# What each vendor needs (docs/messaging.md says where to find each value).
CREDENTIALS = {
    "twilio": ("account_sid", "auth_token", "api_key_sid", "api_key_secret"),
    "infobip": ("api_key", "webhook_username", "webhook_password"),
    "vonage": ("api_key", "api_secret", "signature_secret"),
    "smpp": ("system_id", "password"),
    "whatsapp": ("access_token", "app_secret", "verify_token"),
    "generic": ("token", "webhook_secret"),
}


class ProviderAccountForm(forms.ModelForm):
    new_credentials = forms.CharField(
        label=_("Credentials"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_('JSON object, e.g. {"account_sid": "AC…", "auth_token": "…"}. Only the names typed here '
                    'change; an empty value removes one. Stored encrypted, shown masked.'))

    class Meta:
        model = ProviderAccount
        fields = ("key", "name", "vendor", "channel", "enabled", "rank", "countries", "missions", "sender", "senders",
                  "inbound_number", "options")

    def clean_new_credentials(self) -> dict[str, str] | None:
        raw = (self.cleaned_data.get("new_credentials") or "").strip()
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise forms.ValidationError(_("Write the credentials as a JSON object.")) from exc
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise forms.ValidationError(_("Write the credentials as a JSON object of texts."))
        return {str(k): v for k, v in data.items()}

    def clean_sender(self) -> str:
        sender = (self.cleaned_data.get("sender") or "").strip()
        if self.cleaned_data.get("channel", "sms") == "sms" and (problem := routing.sender_problem(sender)):
            raise forms.ValidationError(problem)
        return sender

    def clean_senders(self) -> dict[str, str]:
        senders = self.cleaned_data.get("senders") or {}
        if not isinstance(senders, dict):
            raise forms.ValidationError(_('Write {"country code": "sender", …}.'))
        for country, sender in senders.items():
            if len(str(country)) != 2 or (problem := routing.sender_problem(str(sender))):
                raise forms.ValidationError(f"{country}: {problem or 'a country is its 2-letter ISO code'}")
        return {str(k).upper(): str(v) for k, v in senders.items()}


@admin.register(ProviderAccount)
class ProviderAccountAdmin(admin.ModelAdmin):
    form = ProviderAccountForm
    list_display = ("key", "name", "vendor", "channel", "rank", "countries", "sender", "enabled", "masked")
    list_filter = ("vendor", "channel", "enabled")
    search_fields = ("key", "name", "countries", "sender")
    filter_horizontal = ("missions",)
    readonly_fields = ("masked", "webhook")

    @admin.display(description=_("Credentials (masked)"))
    def masked(self, obj: ProviderAccount) -> str:
        try:
            values = routing.open_credentials(obj.credentials)
        except (ValueError, TypeError):
            return str(_("cannot be opened with the current keys"))
        return ", ".join(f"{k}: {routing.mask(v)}" for k, v in sorted(values.items())) or "—"

    @admin.display(description=_("Webhook address"))
    def webhook(self, obj: ProviderAccount) -> str:
        return routing.hook_url(obj.key) if obj.key else "—"

    def save_model(self, request: HttpRequest, obj: ProviderAccount, form: Any, change: bool) -> None:
        new = form.cleaned_data.get("new_credentials")
        if new is not None:
            current = routing.open_credentials(obj.credentials) if obj.credentials else {}
            current.update(new)
            obj.credentials = routing.seal_credentials({k: v for k, v in current.items() if v})
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
        routing.invalidate()
