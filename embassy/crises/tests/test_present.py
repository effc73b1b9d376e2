"""The crisis in words (crises.present): one wording for the room, the report and the CAP alert."""

from __future__ import annotations

from django.utils import translation

from embassy.crises.models import Crisis, CrisisEvent
from embassy.crises.present import event_detail, event_label, zone_parts, zone_text


def test_a_circle_and_a_drawn_area_in_words() -> None:
    with translation.override("en"):
        circle = Crisis(title="Flood", lat=3.14, lon=101.69, radius_km=20.0)
        assert zone_parts(circle) == ["Within 20 km of 3.1400, 101.6900"] and zone_text(circle) == zone_parts(circle)[0]
        square = Crisis(title="Fire", polygon={"type": "Polygon", "coordinates": [
            [[101.0, 3.0], [102.0, 3.0], [102.0, 4.0], [101.0, 4.0], [101.0, 3.0]]]})
        assert zone_text(square) == "Area drawn on the map (4 points)"
        assert zone_text(Crisis(title="Nowhere")) == "No zone"


def test_event_labels_and_details() -> None:
    with translation.override("en"):
        zone = CrisisEvent(kind=CrisisEvent.Kind.ZONE_CHANGED, data={"added": 3, "left": 1, "inside": 9})
        assert event_label(zone) == "Zone changed"
        assert event_detail(zone) == "3 came into the zone, 1 left it; 9 inside."
        declared = CrisisEvent(kind=CrisisEvent.Kind.DECLARED, data={"registered_inside": 2, "people": 5})
        assert event_detail(declared) == "2 registered citizens inside, 5 people counting dependants"
        cap = CrisisEvent(kind=CrisisEvent.Kind.CAP, data={"msg_type": "Update", "identifier": "h.crisis.1.2"})
        assert event_detail(cap) == "Update · h.crisis.1.2"
        assert event_detail(CrisisEvent(kind=CrisisEvent.Kind.FEED_EVENT, data={})) == ""
        old = CrisisEvent(kind="something_old", data={})
        assert (event_label(old), event_detail(old)) == ("something_old", "")
