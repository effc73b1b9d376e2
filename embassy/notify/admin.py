"""Headquarters' admin for provider accounts and missions' messaging budgets. Credentials are write-only: the
form shows them masked (last four characters) and changes only the ones typed in; they are sealed before they
are stored. Budgets are in the price table's currency (nothing is converted) and show this month's spend."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from embassy.common.formfields import CredentialsField
from embassy.notify import routing
from embassy.notify.budget import budgets_for, month_start
from embassy.notify.costs import prices
from embassy.notify.models import BudgetMonth, MissionBudget, ProviderAccount

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
    new_credentials = CredentialsField(
        rows=4, help_text=_('JSON object, e.g. {"account_sid": "AC…", "auth_token": "…"}. Only the names typed here '
                            'change; an empty value removes one. Stored encrypted, shown masked.'))

    class Meta:
        model = ProviderAccount
        fields = ("key", "name", "vendor", "channel", "enabled", "rank", "countries", "missions", "sender", "senders",
                  "inbound_number", "options")

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


class MissionBudgetForm(forms.ModelForm):
    class Meta:
        model = MissionBudget
        fields = ("mission", "month", "amount", "currency", "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["currency"].initial = prices().currency

    def clean_month(self) -> Any:
        month = self.cleaned_data.get("month")
        return month.replace(day=1) if month else None  # a budget is for a whole month

    def clean_currency(self) -> str:
        currency = (self.cleaned_data.get("currency") or "").strip().upper()
        expected = prices().currency
        if currency != expected:
            raise forms.ValidationError(
                _("Prices are in %(currency)s (NOTIFY_PRICES); write the budget in %(currency)s too: nothing is "
                  "converted.") % {"currency": expected})
        return currency


@admin.register(MissionBudget)
class MissionBudgetAdmin(admin.ModelAdmin):
    form = MissionBudgetForm
    list_display = ("mission", "month_label", "amount", "currency", "spent", "held", "note")
    list_select_related = ("mission",)
    search_fields = ("mission__code", "mission__name_id", "mission__name_en", "note")
    autocomplete_fields = ("mission",)

    @admin.display(description=_("month"), ordering="month")
    def month_label(self, obj: MissionBudget) -> str:
        return f"{obj.month:%Y-%m}" if obj.month else str(_("every month"))

    @admin.display(description=_("spent this month (estimate)"))
    def spent(self, obj: MissionBudget) -> str:
        budget = budgets_for([obj.mission_id]).get(obj.mission_id)
        if budget is None or (obj.month and obj.month != month_start().date()):
            return "—"
        share = f" ({budget.spent * 100 / budget.amount:.0f}%)" if budget.amount else ""
        return f"{budget.spent.quantize(Decimal('0.01'))} {budget.currency}{share}"

    @admin.display(description=_("held back this month"))
    def held(self, obj: MissionBudget) -> int:
        row = BudgetMonth.objects.filter(mission_id=obj.mission_id, month=month_start().date()).first()
        return row.held if row is not None else 0

    def save_model(self, request: HttpRequest, obj: MissionBudget, form: Any, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)  # notify.budget drops its cached budgets (signals)
