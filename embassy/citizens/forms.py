from __future__ import annotations

import contextlib
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from embassy.citizens.models import Citizen, Dependant, Stay
from embassy.citizens.occupations import occupation_choices
from embassy.citizens.places import stay_place_label
from embassy.citizens.validation import DEFAULT_PURGE_DAYS, DETAIL_FIELDS
from embassy.geo import gazetteer
from embassy.geo.gazetteer import Place

# <input type="date"> takes ISO dates whatever the page's language.
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
# Days after the person says they have left (the stay's end): a work contract without an end date keeps the
# location until then, never "after the end date" the person could not give.
PURGE_CHOICES = [("7", _("7 days after I tell you I have left")), ("30", _("30 days after I tell you I have left")),
                 ("90", _("90 days after I tell you I have left")), ("never", _("Keep it (do not delete)"))]


class StayForm(forms.Form):
    """Lapor diri. The place is a named place: typed and chosen from the offline gazetteer (`place`; with
    JavaScript the suggestions set `lat`/`lon`/`city`/`country`; without it the server looks the text up, see
    `gazetteer.resolve`), the phone's position or a point on the optional map. The details of each purpose
    are grouped in the template (PURPOSE_GROUPS); the service keeps only those of the chosen purpose, so the form
    works the same with or without JavaScript. New family members come in a formset beside it (FamilyFormSet)."""

    place = forms.CharField(label=_("City or town where you stay"), max_length=160, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words",
                                                          "spellcheck": "false"}))
    place_pick = forms.IntegerField(required=False, min_value=0, max_value=20, widget=forms.RadioSelect)
    country = forms.CharField(label=_("Country"), max_length=3, required=False)
    city = forms.CharField(max_length=100, required=False, widget=forms.HiddenInput)
    address = forms.CharField(label=_("Address there (optional)"), max_length=300, required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    purpose = forms.ChoiceField(label=_("What you are doing there"), choices=Stay.Purpose.choices,
                                widget=forms.RadioSelect,
                                error_messages={"required": _("Choose what you are doing there."),
                                                "invalid_choice": _("Choose what you are doing there.")})
    # work
    occupation = forms.ChoiceField(label=_("Kind of work"), required=False)
    employer = forms.CharField(label=_("Employer (optional)"), max_length=200, required=False)
    employer_address = forms.CharField(label=_("Employer's address (optional)"), max_length=300, required=False)
    employer_phone = forms.CharField(label=_("Employer's phone (optional)"), max_length=30, required=False,
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
    start_date = forms.DateField(label=_("Arrived there (date)"), widget=DATE,
                                 error_messages={"required": _("Enter the date you arrived there."),
                                                 "invalid": _("Enter the date you arrived there.")})
    end_date = forms.DateField(label=_("Until when (leave empty if you do not know yet)"), required=False,
                               widget=DATE, error_messages={"invalid": _("Enter a date for “until when”, or leave "
                                                                         "it empty.")})
    dependants = forms.MultipleChoiceField(label=_("Family members with me there"), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    location_purge_days = forms.ChoiceField(label=_("When should we delete where you stayed?"),
                                            choices=PURGE_CHOICES, initial=str(DEFAULT_PURGE_DAYS), required=False,
                                            help_text=_("A work contract without an end date? Leave “Until when” "
                                                        "empty: we keep your place until you press “I have left”."))
    passport_number = forms.CharField(label=_("Passport number (optional)"), max_length=30, required=False)
    passport_expiry = forms.DateField(label=_("Passport expiry (optional)"), required=False, widget=DATE)
    # Set by the "send anyway" button when the form warned about a possible duplicate.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    PURPOSE_GROUPS: dict[str, tuple[str, ...]] = {
        "work": ("occupation", "employer", "employer_address", "employer_phone"),
        "study": ("institution",),
        "pilgrimage": ("pilgrimage_kind", "organiser"),
        "crew": ("vessel_name", "vessel_imo", "vessel_flag"),
        "other": ("purpose_detail",),
    }

    def __init__(self, *args: Any, citizen: Citizen, stay: Stay | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stay = stay
        self.candidates: list[Place] = []  # places to choose from when a typed name matched several
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
        initial["place"] = stay_place_label(stay)
        initial["dependants"] = [str(d.pk) for d in stay.dependants.all()]
        days = stay.location_purge_days
        initial["location_purge_days"] = str(days) if days else "never"
        return initial

    def clean(self) -> dict[str, Any]:
        """Turn a typed place into a point (when the page's script did not): one clear match is taken, several
        are offered to choose from (`candidates`), none is an error on `place`. The country follows the place."""
        data = super().clean() or {}
        text = (data.get("place") or "").strip()
        if data.get("lat") is not None and data.get("lon") is not None:
            return data
        data["lat"] = data["lon"] = None
        unchanged = self.stay is not None and text == stay_place_label(self.stay)
        if not text or unchanged:
            if not text and not data.get("country"):
                self.add_error("place", _("Type the city or town where you stay, or use your location."))
            return data
        found, candidates = gazetteer.resolve(text, pick=data.get("place_pick"))
        if found is None:
            self.candidates = candidates
            self.add_error("place", _("Choose your place from the list below.") if candidates else
                           _("We do not know this place. Type the nearest city, or choose the country below."))
            return data
        data.update(lat=found.lat, lon=found.lon, city=found.name, country=found.country,
                    place=found.label(get_language()))
        return data

    def service_data(self) -> dict[str, Any]:
        """The cleaned data as the stay services take it."""
        data = dict(self.cleaned_data)
        for name in ("place", "place_pick", "confirm"):
            data.pop(name, None)
        days = data.get("location_purge_days")
        data["location_purge_days"] = None if days == "never" else int(days) if days else DEFAULT_PURGE_DAYS
        if "dependants" in self.fields:
            data["dependants"] = [int(pk) for pk in data.get("dependants") or []]
        else:
            data.pop("dependants", None)
        if data.get("lat") is None and data.get("lon") is None:
            data.pop("lat", None), data.pop("lon", None)
            if self.stay is not None and not self.has_changed_place():
                data.pop("city", None)
        if not data.get("country"):
            data["country"] = None
        return data

    def has_changed_place(self) -> bool:
        return "place" in self.changed_data or "country" in self.changed_data


class FamilyForm(forms.Form):
    """A family member added from the lapor diri form (saved on the profile and travelling along)."""

    full_name = forms.CharField(label=_("Name"), max_length=200,
                                error_messages={"required": _("Enter the family member's name.")})
    relationship = forms.ChoiceField(label=_("Who is this?"), choices=[("", "—"), *Dependant.Relationship.choices],
                                     error_messages={"required": _("Choose who this family member is.")})
    birth_date = forms.DateField(label=_("Date of birth (optional)"), required=False, widget=DATE)


FamilyFormSet = forms.formset_factory(FamilyForm, extra=0, max_num=10, validate_max=True, absolute_max=10)


FAMILY_PREFIX = "family"
_TOTAL = f"{FAMILY_PREFIX}-TOTAL_FORMS"


def family_formset(data: Any = None, *, add_row: bool = False) -> Any:
    """The new family members of a stay form. A POST without the formset's management fields (an older page, a
    script) has none rather than an error. `add_row`: one more blank row (the "add a family member" button
    without JavaScript; with it, the page adds the row itself)."""
    if data is None or _TOTAL not in data:
        return FamilyFormSet(prefix=FAMILY_PREFIX)
    if add_row:
        data = data.copy()
        with contextlib.suppress(ValueError):  # a broken count: the formset reports it
            data[_TOTAL] = str(min(int(data[_TOTAL]) + 1, FamilyFormSet.max_num))
    return FamilyFormSet(data, prefix=FAMILY_PREFIX)


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
