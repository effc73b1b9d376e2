"""CAP 1.2 (OASIS Common Alerting Protocol) alerts for published versions that raised a level, or lowered it
after such an alert.

One alert per such version; the identifier is derived from the country and the version number, so it is
stable. The first alert of a country is msgType Alert, later ones are Update and reference the previous
alert of that country. A lowered level is an Update too; back at level 1 its responseType is AllClear.
Each alert expires ADVISORIES_CAP_EXPIRES_DAYS (default 30) after publication. Times are UTC written
"-00:00" (CAP 1.2 §3.3.2). Demo content goes out with status Exercise. Two <info> blocks (id-ID, en-US).
Validity against the bundled schema (schema/CAP-v1.2.xsd) is checked by the tests (xmlschema, dev only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from embassy.advisories.levels import CAP_CERTAINTY, CAP_RESPONSE, CAP_SEVERITY, CAP_URGENCY, Level
from embassy.advisories.models import AdvisoryVersion
from embassy.common.links import absolute_url
from embassy.missions.models import Mission

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_LANGUAGES = (("id", "id-ID"), ("en", "en-US"))
# The year the ministry's Safe Travel programme began: the date part of tag: URIs (RFC 4151) must never change.
TAG_DATE = "2018"


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def cap_sender() -> str:
    return settings.ADVISORIES_CAP_SENDER or f"advisories@{site_host()}"


def cap_identifier(version: AdvisoryVersion) -> str:
    prefix = settings.ADVISORIES_CAP_ID_PREFIX or f"{site_host()}.advisory"
    return f"{prefix}.{version.country_id}.{version.number}"


def cap_time(moment: dt.datetime) -> str:
    """CAP date-time in UTC, no fractional seconds: "2026-01-02T03:04:05-00:00" (CAP 1.2 §3.3.2: UTC is
    written -00:00; neither Z nor +00:00)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S-00:00")


def advisory_expires(published_at: dt.datetime) -> dt.datetime:
    """When an advisory alert's information expires (the advisory itself stays until it changes)."""
    return published_at + dt.timedelta(days=float(settings.ADVISORIES_CAP_EXPIRES_DAYS))


def cap_reference(version: AdvisoryVersion) -> str:
    assert version.published_at is not None
    return f"{cap_sender()},{cap_identifier(version)},{cap_time(version.published_at)}"


def cap_url(version: AdvisoryVersion) -> str:
    return absolute_url("advisories:cap", version.country_id, version.pk)


def sender_name() -> str:
    """Headquarters' name in the active language (the ministry), from the missions data."""
    hq = Mission.objects.filter(kind=Mission.Kind.HQ).first()
    return hq.name() if hq is not None else "Smart Embassy"


def _instruction(level: int) -> str:
    return {
        1: _("Exercise normal precautions and register your stay with the mission."),
        2: _("Stay alert, follow local news and the authorities' instructions, and register your stay with the mission."),
        3: _("Reconsider travel. If you are there, register your stay, keep in touch with the mission and review your plans."),
        4: _("Do not travel. If you are there, leave if it is safe to do so, register your stay and contact the mission."),
    }[level]


def cap_sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    """A CAP element under `parent`, with its text."""
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def cap_pair(parent: ET.Element, tag: str, name: str, value: str) -> None:
    """A CAP valueName/value pair (parameter, geocode, eventCode)."""
    element = cap_sub(parent, tag)
    cap_sub(element, "valueName", name)
    cap_sub(element, "value", value)


def cap_document(*, identifier: str, sent: dt.datetime, exercise: bool, update: bool, references: list[str],
                 info: Callable[[ET.Element, str], None], note: str = "", incidents: str = "") -> bytes:
    """A CAP 1.2 alert: the header, then one <info> per language of CAP_LANGUAGES written by
    info(alert, language tag) with that language active. `references`: "sender,identifier,sent" of the
    alerts this one updates."""
    ET.register_namespace("", CAP_NS)
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    cap_sub(alert, "identifier", identifier)
    cap_sub(alert, "sender", cap_sender())
    cap_sub(alert, "sent", cap_time(sent))
    cap_sub(alert, "status", "Exercise" if exercise else "Actual")
    cap_sub(alert, "msgType", "Update" if update else "Alert")
    cap_sub(alert, "source", "Smart Embassy")
    cap_sub(alert, "scope", "Public")
    if note:
        cap_sub(alert, "note", note)
    if references:
        cap_sub(alert, "references", " ".join(references))
    if incidents:
        cap_sub(alert, "incidents", incidents)
    for lang, tag in CAP_LANGUAGES:
        with translation.override(lang):
            info(alert, tag)
    ET.indent(alert)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True)


def _info(alert: ET.Element, version: AdvisoryVersion, language: str, contact: str) -> None:
    top = version.max_level
    country = version.country.name()
    info = cap_sub(alert, "info")
    cap_sub(info, "language", language)
    cap_sub(info, "category", "Safety")
    cap_sub(info, "category", "Security")
    cap_sub(info, "event", _("Travel advisory"))
    all_clear = not version.level_rose and top == Level.NORMAL  # lowered back to normal
    cap_sub(info, "responseType", "AllClear" if all_clear else CAP_RESPONSE[top])
    cap_sub(info, "urgency", CAP_URGENCY[top])
    cap_sub(info, "severity", CAP_SEVERITY[top])
    cap_sub(info, "certainty", CAP_CERTAINTY[top])
    assert version.published_at is not None
    cap_sub(info, "expires", cap_time(advisory_expires(version.published_at)))
    cap_sub(info, "senderName", sender_name())
    cap_sub(info, "headline", _("%(country)s: travel advisory level %(level)d — %(label)s") % {
        "country": country, "level": version.level, "label": Level(version.level).label})
    lines = [version.reason]
    for r in version.region_list():
        lines.append(_("%(region)s: level %(level)d — %(label)s. %(reason)s") % {
            "region": r["name"], "level": r["level"], "label": r["level_label"], "reason": r["reason"]})
    cap_sub(info, "description", "\n".join(line.strip() for line in lines if line.strip()))
    cap_sub(info, "instruction", _instruction(top))
    cap_sub(info, "web", absolute_url("advisories:country", version.country_id))
    if contact:
        cap_sub(info, "contact", contact)
    cap_pair(info, "parameter", "advisoryLevel", str(version.level))
    area = cap_sub(info, "area")
    cap_sub(area, "areaDesc", country)
    cap_pair(area, "geocode", "ISO3166-1", version.country_id)
    for r in version.region_list():
        area = cap_sub(info, "area")
        cap_sub(area, "areaDesc", _("%(region)s, %(country)s (level %(level)d)") % {
            "region": r["name"], "country": country, "level": r["level"]})
        if r["code"]:
            cap_pair(area, "geocode", "ISO3166-2", r["code"])


def cap_alert_xml(version: AdvisoryVersion, *, previous: AdvisoryVersion | None, contact: str = "") -> bytes:
    """The CAP 1.2 document of a published version that raised a level, or lowered it after an alert
    (`previous`: the country's earlier alert, if any — then this one is an Update that references it)."""
    assert version.published_at is not None and (version.level_rose or previous is not None)
    return cap_document(
        identifier=cap_identifier(version), sent=version.published_at, exercise=version.is_demo,
        update=previous is not None, references=[cap_reference(previous)] if previous is not None else [],
        note="DEMO CONTENT - not an assessment by the ministry" if version.is_demo else "",
        info=lambda alert, tag: _info(alert, version, tag, contact))
