from django import template

from embassy.citizens.occupations import occupation_label as _label

register = template.Library()


@register.filter
def occupation_label(key: str) -> str:
    return _label(key or "")
