from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from embassy.citizens.models import Citizen, Dependant, Stay
from embassy.citizens.occupations import occupation_choices
from embassy.citizens.validation import DEFAULT_PURGE_DAYS, DETAIL_FIELDS

# <input type="date"> takes ISO dates whatever the page's language.
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
PURGE_CHOICES = [("7", _("7 days after my return")), ("30", _("30 days after my return")),
                 ("90", _("90 days after my return")), ("never", _("Keep it (do not delete)"))]


class StayForm(forms.Form):
    """Lapor diri. The details of each purpose are grouped in the template (PURPOSE_GROUPS); the service keeps
    only those of the chosen purpose, so the form works the same with or without JavaScript."""

    country = forms.CharField(label=_("Country"), max_length=3, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    lat = forms.FloatField(label=_("Latitude"), required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(label=_("Longitude"), required=False, widget=forms.HiddenInput)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Stay.Purpose.choices)
    # work
    occupation = forms.ChoiceField(label=_("Kind of work"), required=False)
    employer = forms.CharField(label=_("Employer"), max_length=200, required=False)
    employer_address = forms.CharField(label=_("Employer's address"), max_length=300, required=False)
    employer_phone = forms.CharField(label=_("Employer's phone"), max_length=30, required=False,
                                     widget=forms.TextInput(attrs={"type": "tel", "placeholder": "+60 12 345 6789"}))
    # study
    institution = forms.CharField(label=_("School or university"), max_length=200, required=False)
    # pilgrimage
    pilgrimage_kind = forms.ChoiceField(label=_("Hajj or umrah"), required=False,
                                        choices=[("", "—"), *Stay.PilgrimageKind.choices])
    organiser = forms.CharField(label=_("Travel organiser or group (optional)"), max_length=200, required=False)
    # ship crew
    vessel_name = forms.CharField(label=_("Vessel name"), max_length=200, required=False)
    vessel_imo = forms.CharField(label=_("IMO number (optional)"), max_length=12, required=False,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "9074729"}))
    vessel_flag = forms.CharField(label=_("Flag of the vessel (optional)"), max_length=3, required=False)
    # other / family
    purpose_detail = forms.CharField(label=_("Tell us more (optional)"), max_length=300, required=False)
    start_date = forms.DateField(label=_("From"), widget=DATE)
    end_date = forms.DateField(label=_("Until (optional)"), required=False, widget=DATE)
    dependants = forms.MultipleChoiceField(label=_("Family members travelling with me"), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    location_purge_days = forms.ChoiceField(label=_("Delete this trip's location data"), choices=PURGE_CHOICES,
                                            initial=str(DEFAULT_PURGE_DAYS), required=False)
    passport_number = forms.CharField(label=_("Passport number"), max_length=30, required=False)
    passport_expiry = forms.DateField(label=_("Passport expiry"), required=False,
                                      widget=DATE)

    PURPOSE_GROUPS: dict[str, tuple[str, ...]] = {
        "work": ("occupation", "employer", "employer_address", "employer_phone"),
        "study": ("institution",),
        "pilgrimage": ("pilgrimage_kind", "organiser"),
        "crew": ("vessel_name", "vessel_imo", "vessel_flag"),
        "other": ("purpose_detail",),
    }

    def __init__(self, *args: Any, citizen: Citizen, stay: Stay | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = stay.occupation if stay is not None and stay.purpose == Stay.Purpose.WORK else ""
        occupation = self.fields["occupation"]
        assert isinstance(occupation, forms.ChoiceField)
        occupation.choices = [("", "—"), *occupation_choices("work", current)]
        travelling = self.fields["dependants"]
        assert isinstance(travelling, forms.MultipleChoiceField)
        travelling.choices = [(str(d.pk), f"{d.full_name} ({d.get_relationship_display()})")
                              for d in citizen.dependants.all()]
        if not travelling.choices:
            del self.fields["dependants"]
        if stay is not None or citizen.passport_number:
            del self.fields["passport_number"], self.fields["passport_expiry"]

    @classmethod
    def initial_for(cls, stay: Stay) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(stay, name) for name in (
            "city", "address", "lat", "lon", "purpose", "start_date", "end_date", *DETAIL_FIELDS)}
        initial["country"] = stay.country_id
        initial["dependants"] = [str(d.pk) for d in stay.dependants.all()]
        days = stay.location_purge_days
        initial["location_purge_days"] = str(days) if days else "never"
        return initial

    def service_data(self) -> dict[str, Any]:
        """The cleaned data as the stay services take it."""
        data = dict(self.cleaned_data)
        days = data.get("location_purge_days")
        data["location_purge_days"] = None if days == "never" else int(days) if days else DEFAULT_PURGE_DAYS
        if "dependants" in self.fields:
            data["dependants"] = [int(pk) for pk in data.get("dependants") or []]
        else:
            data.pop("dependants", None)
        if not data.get("country"):
            data["country"] = None
        return data


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    gender = forms.ChoiceField(label=_("Gender"), choices=Citizen.Gender.choices, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    nik = forms.CharField(label=_("National ID number (NIK)"), max_length=30, required=False)
    passport_number = forms.CharField(label=_("Passport number"), max_length=30, required=False)
    passport_expiry = forms.DateField(label=_("Passport expiry"), required=False, widget=DATE)
    home_address = forms.CharField(label=_("Address in Indonesia"), max_length=300, required=False)
    share_location = forms.BooleanField(
        label=_("Share my position with the mission during emergencies"), required=False,
        help_text=_("Your app then sends where your phone is when you open it, and only the latest position is "
                    "kept. In a disaster the mission can find and ask you even where you have not reported a "
                    "stay. Turn it off to delete the position at once."))


class ContactVerifyForm(forms.Form):
    """The code sent to a new email or phone of the profile."""

    field = forms.ChoiceField(choices=[("email", _("Email")), ("phone", _("Phone"))], widget=forms.HiddenInput)
    code = forms.CharField(label=_("Code"), max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    relationship = forms.CharField(label=_("Relationship"), max_length=60, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)


class DependantForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    relationship = forms.ChoiceField(label=_("Relationship"), choices=Dependant.Relationship.choices)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    nationality = forms.CharField(label=_("Nationality"), max_length=3, required=False)
    passport_number = forms.CharField(label=_("Passport number (optional)"), max_length=30, required=False)


class QuickStayForm(forms.Form):
    """The one-tap report from the home page: the phone's position."""

    lat = forms.FloatField(min_value=-90, max_value=90)
    lon = forms.FloatField(min_value=-180, max_value=180)
