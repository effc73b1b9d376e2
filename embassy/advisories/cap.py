"""CAP 1.2 (OASIS Common Alerting Protocol) alerts for published versions that raised a level.

One alert per such version; the identifier is derived from the country and the version number, so it is
stable. The first alert of a country is msgType Alert, later ones are Update and reference the previous
alert of that country. Demo content goes out with status Exercise. Two <info> blocks (id-ID, en-US).
Validity against the bundled schema (schema/CAP-v1.2.xsd) is checked by the tests (xmlschema, dev only).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from embassy.advisories.levels import CAP_CERTAINTY, CAP_RESPONSE, CAP_SEVERITY, CAP_URGENCY, Level
from embassy.advisories.models import AdvisoryVersion
from embassy.missions.models import Mission

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_LANGUAGES = (("id", "id-ID"), ("en", "en-US"))
# The year the ministry's Safe Travel programme began: the date part of tag: URIs (RFC 4151) must never change.
TAG_DATE = "2018"


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def cap_sender() -> str:
    return getattr(settings, "ADVISORIES_CAP_SENDER", "") or f"advisories@{site_host()}"


def cap_identifier(version: AdvisoryVersion) -> str:
    prefix = getattr(settings, "ADVISORIES_CAP_ID_PREFIX", "") or f"{site_host()}.advisory"
    return f"{prefix}.{version.country_id}.{version.number}"


def cap_time(moment: dt.datetime) -> str:
    """CAP date-time: explicit offset, no fractional seconds ("2026-01-02T03:04:05+00:00")."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def cap_reference(version: AdvisoryVersion) -> str:
    assert version.published_at is not None
    return f"{cap_sender()},{cap_identifier(version)},{cap_time(version.published_at)}"


def cap_url(version: AdvisoryVersion) -> str:
    return absolute(reverse("advisories:cap", args=[version.country_id, version.pk]))


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


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _pair(parent: ET.Element, tag: str, name: str, value: str) -> None:
    element = _sub(parent, tag)
    _sub(element, "valueName", name)
    _sub(element, "value", value)


def _info(alert: ET.Element, version: AdvisoryVersion, language: str, contact: str) -> None:
    top = version.max_level
    country = version.country.name()
    info = _sub(alert, "info")
    _sub(info, "language", language)
    _sub(info, "category", "Safety")
    _sub(info, "category", "Security")
    _sub(info, "event", _("Travel advisory"))
    _sub(info, "responseType", CAP_RESPONSE[top])
    _sub(info, "urgency", CAP_URGENCY[top])
    _sub(info, "severity", CAP_SEVERITY[top])
    _sub(info, "certainty", CAP_CERTAINTY[top])
    _sub(info, "senderName", sender_name())
    _sub(info, "headline", _("%(country)s: travel advisory level %(level)d — %(label)s") % {
        "country": country, "level": version.level, "label": Level(version.level).label})
    lines = [version.reason]
    for r in version.region_list():
        lines.append(_("%(region)s: level %(level)d — %(label)s. %(reason)s") % {
            "region": r["name"], "level": r["level"], "label": r["level_label"], "reason": r["reason"]})
    _sub(info, "description", "\n".join(line.strip() for line in lines if line.strip()))
    _sub(info, "instruction", _instruction(top))
    _sub(info, "web", absolute(reverse("advisories:country", args=[version.country_id])))
    if contact:
        _sub(info, "contact", contact)
    _pair(info, "parameter", "advisoryLevel", str(version.level))
    area = _sub(info, "area")
    _sub(area, "areaDesc", country)
    _pair(area, "geocode", "ISO3166-1", version.country_id)
    for r in version.region_list():
        area = _sub(info, "area")
        _sub(area, "areaDesc", _("%(region)s, %(country)s (level %(level)d)") % {
            "region": r["name"], "country": country, "level": r["level"]})
        if r["code"]:
            _pair(area, "geocode", "ISO3166-2", r["code"])


def cap_alert_xml(version: AdvisoryVersion, *, previous: AdvisoryVersion | None, contact: str = "") -> bytes:
    """The CAP 1.2 document of a published version that raised a level (`previous`: the country's earlier
    alert, if any — then this one is an Update that references it)."""
    assert version.published_at is not None and version.level_rose
    ET.register_namespace("", CAP_NS)
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", cap_identifier(version))
    _sub(alert, "sender", cap_sender())
    _sub(alert, "sent", cap_time(version.published_at))
    _sub(alert, "status", "Exercise" if version.is_demo else "Actual")
    _sub(alert, "msgType", "Update" if previous is not None else "Alert")
    _sub(alert, "source", "Smart Embassy")
    _sub(alert, "scope", "Public")
    if version.is_demo:
        _sub(alert, "note", "DEMO CONTENT - not an assessment by the ministry")
    if previous is not None:
        _sub(alert, "references", cap_reference(previous))
    for lang, tag in CAP_LANGUAGES:
        with translation.override(lang):
            _info(alert, version, tag, contact)
    ET.indent(alert)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True)
