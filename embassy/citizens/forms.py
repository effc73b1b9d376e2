from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from embassy.citizens.models import Citizen, Stay


class StayForm(forms.Form):
    country = forms.CharField(label=_("Country"), max_length=3, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    lat = forms.FloatField(label=_("Latitude"), required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(label=_("Longitude"), required=False, widget=forms.HiddenInput)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Stay.Purpose.choices)
    occupation = forms.CharField(label=_("Occupation"), max_length=40, required=False)
    employer = forms.CharField(label=_("Employer"), max_length=200, required=False)
    start_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("Until (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    gender = forms.ChoiceField(label=_("Gender"), choices=Citizen.Gender.choices, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    nik = forms.CharField(label=_("National ID number (NIK)"), max_length=30, required=False)
    passport_number = forms.CharField(label=_("Passport number"), max_length=30, required=False)
    passport_expiry = forms.DateField(label=_("Passport expiry"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    home_address = forms.CharField(label=_("Address in Indonesia"), max_length=300, required=False)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    relationship = forms.CharField(label=_("Relationship"), max_length=60, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
