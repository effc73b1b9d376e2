from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from embassy.enquiries.models import SharingPreference
from embassy.enquiries.services import EnquiryIn

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class EnquiryForm(forms.Form):
    enquirer_name = forms.CharField(label=_("Your name"), max_length=200)
    relation = forms.CharField(label=_("Your relation to the person (e.g. mother, brother)"), max_length=60,
                               required=False)
    enquirer_phone = forms.CharField(label=_("Your phone number, with country code"), max_length=30,
                                     required=False, widget=forms.TextInput(attrs={"type": "tel",
                                                                                   "autocomplete": "tel"}))
    enquirer_email = forms.EmailField(label=_("Your email (if you have no phone)"), required=False)
    sought_name = forms.CharField(label=_("Full name of the person you are looking for"), max_length=200)
    sought_birth_date = forms.DateField(label=_("Their date of birth"), required=False, widget=DATE)
    passport = forms.CharField(label=_("Their passport number (optional)"), max_length=30, required=False)
    nik = forms.CharField(label=_("Their NIK (optional)"), max_length=30, required=False)
    sought_phone = forms.CharField(label=_("Their phone number (optional)"), max_length=30, required=False,
                                   widget=forms.TextInput(attrs={"type": "tel"}))
    last_city = forms.CharField(label=_("City where they were last"), max_length=100, required=False)
    note = forms.CharField(label=_("Anything else we should know (optional)"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def to_input(self) -> EnquiryIn:
        d = self.cleaned_data
        return EnquiryIn(enquirer_name=d["enquirer_name"], relation=d["relation"],
                         enquirer_phone=d["enquirer_phone"], enquirer_email=d["enquirer_email"],
                         sought_name=d["sought_name"], sought_birth_date=d["sought_birth_date"], nik=d["nik"],
                         passport=d["passport"], sought_phone=d["sought_phone"], last_city=d["last_city"],
                         note=d["note"])


class SharingForm(forms.Form):
    level = forms.ChoiceField(label=_("During an emergency, when a relative asks the mission about me"),
                              choices=SharingPreference.Level.choices, widget=forms.RadioSelect)
