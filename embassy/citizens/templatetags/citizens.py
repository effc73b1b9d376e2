from django import template

from embassy.citizens.models import Stay
from embassy.citizens.occupations import occupation_label as _label
from embassy.citizens.places import stay_place_label

register = template.Library()


@register.filter
def occupation_label(key: str) -> str:
    return _label(key or "")


@register.filter
def place_label(stay: Stay) -> str:
    """ "Kuala Lumpur, Malaysia" for a stay ("Hong Kong", not "Hong Kong Hong Kong")."""
    return stay_place_label(stay)
