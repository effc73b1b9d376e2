from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from embassy.timeline.models import TEXT_MAX, Note


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Note.Kind.choices, initial=Note.Kind.CALL,
                             widget=forms.RadioSelect)
    text = forms.CharField(label=_("What was said or done"), max_length=TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}))
