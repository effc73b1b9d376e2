"""Feed parsers on recorded real documents (see data/README.md), and on broken variants of them."""

from __future__ import annotations

import copy
import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from embassy.crises.feeds import FeedError, FeedEvent, parse_gdacs, parse_usgs

DATA = Path(__file__).parent / "data"
USGS_2022 = DATA / "usgs-significant_month-2022-04-05.geojson"
USGS_2020 = DATA / "usgs-significant_month-2020-06-08.geojson"
GDACS = DATA / "gdacs-rss-archive-orange-2016-04-09-excerpt.xml"


def _assert_sane(event: FeedEvent) -> None:
    assert event.source_id
    assert -90 <= event.lat <= 90
    assert -180 <= event.lon <= 180
    for moment in (event.occurred_at, event.updated_at):
        offset = moment.utcoffset()
        assert offset is not None
        assert offset.total_seconds() == 0
    assert event.updated_at >= event.occurred_at


# --- USGS ---------------------------------------------------------------------------------------


def test_usgs_2022_all_twelve_events_with_fukushima_m73() -> None:
    result = parse_usgs(USGS_2022.read_bytes())

    assert result.errors == []
    assert len(result.events) == 12
    for event in result.events:
        _assert_sane(event)
        assert event.source == "usgs"
        assert event.kind == "earthquake"
    by_id = {e.source_id: e for e in result.events}
    fukushima = by_id["us6000h519"]
    assert fukushima.magnitude == 7.3
    assert fukushima.title == "M 7.3 - 57 km ENE of Namie, Japan"
    assert fukushima.severity_label == "orange"
    assert (fukushima.lat, fukushima.lon, fukushima.depth_km) == (37.7015, 141.587, 63.07)
    assert fukushima.occurred_at == datetime(2022, 3, 16, 14, 36, 33, 264000, tzinfo=UTC)
    assert fukushima.updated_at == datetime(2022, 4, 5, 4, 21, 56, 749000, tzinfo=UTC)
    assert fukushima.url == "https://earthquake.usgs.gov/earthquakes/eventpage/us6000h519"
    assert fukushima.raw["tsunami"] == 1
    # The PAGER alert is null for two small events: no label, not an error.
    assert by_id["hv72956917"].severity_label == ""
    assert by_id["us6000h48e"].title == "M 6.7 - 165 km W of Pariaman, Indonesia"


def test_usgs_2020_six_events_and_ids_unique_across_recordings() -> None:
    old = parse_usgs(USGS_2020.read_text(encoding="utf-8"))
    new = parse_usgs(USGS_2022.read_bytes())

    assert old.errors == []
    assert len(old.events) == 6
    for event in old.events:
        _assert_sane(event)
    # The two recordings are two years apart: no event appears in both.
    old_ids = {e.source_id for e in old.events}
    new_ids = {e.source_id for e in new.events}
    assert len(old_ids) == 6
    assert len(new_ids) == 12
    assert old_ids.isdisjoint(new_ids)
    tobelo = next(e for e in old.events if e.source_id == "us6000a5r3")
    assert tobelo.magnitude == 6.4
    assert tobelo.depth_km == 106.86


def test_usgs_update_of_an_event_keeps_its_id() -> None:
    document = json.loads(USGS_2022.read_text(encoding="utf-8"))
    updated = copy.deepcopy(document)
    props = updated["features"][8]["properties"]
    props["mag"] = 7.4
    props["updated"] += 3_600_000

    before = {e.source_id: e for e in parse_usgs(json.dumps(document)).events}["us6000h519"]
    after = {e.source_id: e for e in parse_usgs(json.dumps(updated)).events}["us6000h519"]

    assert after.magnitude == 7.4
    assert (after.updated_at - before.updated_at).total_seconds() == 3600
    assert after.occurred_at == before.occurred_at


@pytest.mark.parametrize(
    ("break_it", "reason"),
    [
        (lambda f: f.update(geometry=None), "geometry"),
        (lambda f: f["geometry"].update(coordinates=[]), "missing coordinates"),
        (lambda f: f["properties"].update(mag="strong"), "magnitude is not a number"),
        (lambda f: f.pop("id"), "missing id"),
        (lambda f: f["geometry"].update(coordinates=[141.5, 95.0, 10]), "latitude out of range"),
        (lambda f: f["properties"].pop("time"), "missing time"),
    ],
)
def test_usgs_bad_feature_is_skipped_and_the_others_kept(
    break_it: object, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    document = json.loads(USGS_2022.read_text(encoding="utf-8"))
    victim = document["features"][8]  # the Fukushima M7.3
    break_it(victim)  # type: ignore[operator]

    with caplog.at_level(logging.WARNING, logger="embassy.crises.feeds.usgs"):
        result = parse_usgs(json.dumps(document))

    assert len(result.events) == 11
    assert "us6000h519" not in {e.source_id for e in result.events}
    assert len(result.errors) == 1
    assert "#8" in result.errors[0]
    assert reason in result.errors[0]
    assert result.errors[0] in caplog.text


def test_usgs_null_magnitude_is_allowed() -> None:
    document = json.loads(USGS_2020.read_text(encoding="utf-8"))
    document["features"][0]["properties"]["mag"] = None

    result = parse_usgs(json.dumps(document))

    assert result.errors == []
    assert result.events[0].magnitude is None


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"<html>502 Bad Gateway</html>",
        "{not json",
        "[]",
        '{"type": "Feature"}',
        '{"type": "FeatureCollection"}',
    ],
)
def test_usgs_unreadable_document_raises_feed_error(text: str | bytes) -> None:
    with pytest.raises(FeedError):
        parse_usgs(text)


# --- GDACS --------------------------------------------------------------------------------------


def test_gdacs_all_thirty_items() -> None:
    result = parse_gdacs(GDACS.read_bytes())

    assert result.errors == []
    assert len(result.events) == 30
    for event in result.events:
        _assert_sane(event)
        assert event.source == "gdacs"
        assert event.severity_label in {"orange", "red"}  # an orange-or-worse archive query
        assert event.episode
    kinds = [e.kind for e in result.events]
    assert (kinds.count("earthquake"), kinds.count("flood"), kinds.count("cyclone")) == (13, 9, 8)
    assert sum(e.severity_label == "red" for e in result.events) == 8
    ids = [e.source_id for e in result.events]
    assert len(set(ids)) == 30

    by_id = {e.source_id: e for e in result.events}
    chile = by_id["EQ1065792"]
    assert (chile.kind, chile.magnitude, chile.depth_km, chile.severity_label) == (
        "earthquake",
        8.3,
        25.0,
        "red",
    )
    assert (chile.lat, chile.lon) == (-31.5695, -71.6543)
    assert chile.occurred_at == datetime(2015, 9, 16, 22, 54, 33, tzinfo=UTC)
    assert chile.episode == "1097344"
    patricia = by_id["TC1000231"]
    assert patricia.kind == "cyclone"
    assert patricia.magnitude is None  # GDACS "severity" of a cyclone is a wind speed, not a magnitude
    assert patricia.raw["severity_unit"] == "km/h"
    assert patricia.raw["eventname"] == "PATRICIA-15"
    assert patricia.occurred_at == datetime(2015, 10, 20, 15, 0, tzinfo=UTC)
    assert patricia.updated_at == datetime(2015, 10, 24, 21, 0, tzinfo=UTC)
    flood = by_id["FL4339"]
    assert (flood.kind, flood.magnitude, flood.episode) == ("flood", None, "1")
    assert flood.url == "http://www.gdacs.org/report.aspx?eventtype=FL&eventid=4339"
    # This archive leaves gdacs:iso3 empty everywhere: no country code is invented from the name.
    assert {e.country for e in result.events} == {""}


def test_gdacs_str_and_bytes_give_the_same_events() -> None:
    assert parse_gdacs(GDACS.read_text(encoding="utf-8-sig")).events == parse_gdacs(GDACS.read_bytes()).events
    # The recording starts with a UTF-8 byte-order mark; a str that kept it still parses.
    assert len(parse_gdacs(GDACS.read_text(encoding="utf-8")).events) == 30


def _first_item(xml: str, source_id: str) -> str:
    """The <item> whose guid is source_id, verbatim."""
    match = re.search(rf"<item>(?:(?!</item>).)*<guid[^>]*>{source_id}</guid>.*?</item>", xml, re.S)
    assert match is not None
    return match.group(0)


def test_gdacs_episodes_of_one_event_share_source_id() -> None:
    xml = GDACS.read_text(encoding="utf-8-sig")
    item = _first_item(xml, "TC1000231")
    later = (
        item.replace("<gdacs:episodeid>20</gdacs:episodeid>", "<gdacs:episodeid>21</gdacs:episodeid>")
        .replace(
            "<pubDate>Sat, 24 Oct 2015 21:00:00 GMT</pubDate>",
            "<pubDate>Sun, 25 Oct 2015 03:00:00 GMT</pubDate>",
        )
        .replace("<gdacs:iso3 />", "<gdacs:iso3>MEX</gdacs:iso3>")
    )
    assert later != item
    result = parse_gdacs(xml.replace(item, item + later))

    assert result.errors == []
    episodes = [e for e in result.events if e.source_id == "TC1000231"]
    assert [e.episode for e in episodes] == ["20", "21"]
    assert episodes[1].updated_at == datetime(2015, 10, 25, 3, 0, tzinfo=UTC)
    assert episodes[1].country == "MX"  # gdacs:iso3 → ISO alpha-2


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            "<georss:point>-31.5695 -71.6543</georss:point>",
            "<georss:point>-31.5695,-71.6543</georss:point>",
            "georss:point",
        ),
        (
            "<georss:point>-31.5695 -71.6543</georss:point>",
            "<georss:point>south west</georss:point>",
            "latitude",
        ),
        (
            "<georss:point>-31.5695 -71.6543</georss:point>",
            "<georss:point>-31.5695 -271.6543</georss:point>",
            "longitude out of range",
        ),
        ("<gdacs:eventid>1065792</gdacs:eventid>", "", "missing gdacs:eventtype or gdacs:eventid"),
        ('value="8.3"', 'value="eight"', "magnitude"),
        (
            "<gdacs:fromdate>Wed, 16 Sep 2015 22:54:33 GMT</gdacs:fromdate>",
            "<gdacs:fromdate>yesterday</gdacs:fromdate>",
            "date",
        ),
    ],
)
def test_gdacs_bad_item_is_skipped_and_the_others_kept(
    old: str, new: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    xml = GDACS.read_text(encoding="utf-8-sig")
    item = _first_item(xml, "EQ1065792")  # the M8.3 Chile earthquake, item #18
    assert old in item
    broken = xml.replace(item, item.replace(old, new))

    with caplog.at_level(logging.WARNING, logger="embassy.crises.feeds.gdacs"):
        result = parse_gdacs(broken)

    assert len(result.events) == 29
    assert "EQ1065792" not in {e.source_id for e in result.events}
    assert len(result.errors) == 1
    assert "#18" in result.errors[0]
    assert "EQ1065792" in result.errors[0]  # the guid names the item even when its id fields are broken
    assert reason in result.errors[0]
    assert result.errors[0] in caplog.text


def test_gdacs_falls_back_to_geo_point_without_georss() -> None:
    xml = GDACS.read_text(encoding="utf-8-sig")
    item = _first_item(xml, "EQ1065792")
    result = parse_gdacs(
        xml.replace(item, item.replace("<georss:point>-31.5695 -71.6543</georss:point>", ""))
    )

    chile = next(e for e in result.events if e.source_id == "EQ1065792")
    assert (chile.lat, chile.lon) == (-31.5695, -71.6543)


@pytest.mark.parametrize(
    "text",
    [
        b"",
        '{"type": "FeatureCollection", "features": []}',
        "<rss><channel><item></channel></rss>",
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>',
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel>&a;</channel></rss>',
    ],
)
def test_gdacs_unreadable_document_raises_feed_error(text: str | bytes) -> None:
    with pytest.raises(FeedError):
        parse_gdacs(text)


def test_gdacs_empty_channel_is_not_an_error() -> None:
    result = parse_gdacs("<rss version='2.0'><channel><title>GDACS</title></channel></rss>")
    assert (result.events, result.errors) == ([], [])
