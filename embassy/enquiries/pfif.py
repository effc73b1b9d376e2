"""PFIF 1.4 (People Finder Interchange Format, http://zesty.ca/pfif/1.4/) export of a crisis's enquiries, for
person-finder services.

One <pfif:person> per enquiry (the person sought, as the family described them: name and date of birth), with
<pfif:note>s in the 1.4 element order: an "information_sought" note (someone is looking; the last known city the
family gave), and, only when the person's consent lets this enquirer hear it, a "believed_alive" note (answered
safe or asked for help; the city only under "my answer and my city"). Nothing from the registry beyond that: no
contact details, no identity numbers, no position. Record ids are "<domain>/<kind>.<id>" in the deployment's
domain (the setting ENQUIRIES_PFIF_DOMAIN)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from django.conf import settings
from django.utils import timezone, translation

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.crises.models import Crisis
from embassy.enquiries.consent import LOOKING, News, news_for
from embassy.enquiries.models import Enquiry
from embassy.enquiries.notices import mission_label, news_text
from embassy.enquiries.selectors import require_enquiry_access

NS = "http://zesty.ca/pfif/1.4"
ET.register_namespace("pfif", NS)


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent: ET.Element, tag: str, text: str) -> None:
    if text:
        ET.SubElement(parent, f"{{{NS}}}{tag}").text = text


def _note(person: ET.Element, *, record: str, person_id: str, entry: str, author: str, source: str, status: str,
          where: str, text: str) -> None:
    note = ET.SubElement(person, f"{{{NS}}}note")
    for tag, value in (("note_record_id", record), ("person_record_id", person_id), ("entry_date", entry),
                       ("author_name", author), ("source_date", source), ("status", status),
                       ("last_known_location", where), ("text", text)):
        _add(note, tag, value)


def _person(root: ET.Element, enquiry: Enquiry, news: News, *, domain: str, entry: str, author: str) -> None:
    person_id = f"{domain}/person.{enquiry.pk}"
    person = ET.SubElement(root, f"{{{NS}}}person")
    for tag, value in (("person_record_id", person_id), ("entry_date", entry), ("author_name", author),
                       ("source_name", domain), ("source_date", _stamp(enquiry.created_at)),
                       ("full_name", enquiry.sought_name),
                       ("date_of_birth", enquiry.sought_birth_date.isoformat() if enquiry.sought_birth_date else "")):
        _add(person, tag, value)
    _note(person, record=f"{domain}/note.{enquiry.pk}.sought", person_id=person_id, entry=entry, author=author,
          source=_stamp(enquiry.created_at), status="information_sought", where=enquiry.last_city,
          text="A relative asked the mission about this person.")
    if news.state != LOOKING:
        _note(person, record=f"{domain}/note.{enquiry.pk}.{news.state}", person_id=person_id, entry=entry,
              author=author, source=_stamp(enquiry.told_at or enquiry.updated_at), status="believed_alive",
              where=news.city, text=news_text(news, enquiry.sought_name))


def pfif_export(*, user: User, crisis: Crisis, domain: str | None = None) -> bytes:
    """The crisis's enquiries as a PFIF 1.4 document (UTF-8). For officers who read the enquiries; audited."""
    require_enquiry_access(user, crisis)
    domain = domain or settings.ENQUIRIES_PFIF_DOMAIN
    root = ET.Element(f"{{{NS}}}pfif")
    entry = _stamp(timezone.now())
    enquiries = list(Enquiry.objects.filter(crisis=crisis).select_related("crisis").order_by("id"))
    with translation.override("en"):
        for enquiry in enquiries:
            author, _mission_id = mission_label(enquiry)
            _person(root, enquiry, news_for(enquiry), domain=domain, entry=entry, author=author)
    audit_record(actor=user, action="enquiry.pfif", object_type="crisis", object_id=crisis.pk,
                 detail={"people": len(enquiries)})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
