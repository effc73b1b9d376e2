"""Headquarters' admin for the social-media registry. Credentials are write-only: shown masked, changed only
through the connect form (services.account_connect), sealed before they are stored."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from embassy.common.formfields import CredentialsField
from embassy.social.models import Account, ReadBudget
from embassy.social.services import account_connect, masked


class AccountForm(forms.ModelForm):
    new_credentials = CredentialsField(
        rows=3, help_text=_('JSON object, e.g. {"access_token": "…"}. Only the names typed here change; an empty value '
                            'removes one. Stored encrypted, shown masked.'))

    class Meta:
        model = Account
        fields = ("platform", "handle", "url", "platform_id", "owner", "unit", "owner_name", "owner_country",
                  "officers", "verified", "active", "token_kind", "token_expires_at", "refresh_expires_at")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    form = AccountForm
    list_display = ("handle", "platform", "owner", "unit", "verified", "active", "demo", "last_success_at")
    list_filter = ("platform", "owner", "active", "demo")
    search_fields = ("handle", "owner_name", "unit__code")
    readonly_fields = ("credentials_masked", "sources", "source_date", "last_success_at", "last_error",
                       "last_error_at", "quota")
    filter_horizontal = ("officers",)

    @admin.display(description=_("Credentials (masked)"))
    def credentials_masked(self, obj: Account) -> str:
        return ", ".join(f"{k}: {v}" for k, v in masked(obj).items()) or "—"

    def save_model(self, request: HttpRequest, obj: Account, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        new = form.cleaned_data.get("new_credentials")
        if new is not None:
            account_connect(account=obj, credentials=new, token_kind=obj.token_kind,
                            expires_at=obj.token_expires_at, refresh_expires_at=obj.refresh_expires_at)


@admin.register(ReadBudget)
class ReadBudgetAdmin(admin.ModelAdmin):
    list_display = ("unit", "monthly_usd")
    search_fields = ("unit__code",)
