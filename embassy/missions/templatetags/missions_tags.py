from django import template

from embassy.missions.contact import Hotline, hotline_for
from embassy.missions.models import Mission

register = template.Library()


@register.filter(name="hotline_for")
def hotline_for_filter(mission: Mission | None) -> Hotline | None:
    """`{% with call=mission|hotline_for %}`: the mission's hotline, or headquarters' with call.fallback."""
    return hotline_for(mission) if mission is not None else None
