"""Atom 1.0 (RFC 4287) feeds: every published version (all countries, or one), and the index of CAP alerts.

Entry ids are tag: URIs (RFC 4151) built from the site's host, the country and the version number, so an
entry keeps its id for ever. Text is in the active language."""

from __future__ import annotations

from typing import Any

from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from embassy.advisories.cap import TAG_DATE, cap_url, sender_name, site_host
from embassy.advisories.models import AdvisoryVersion
from embassy.common.links import absolute, absolute_url
from embassy.geo.models import Country

CAP_MIME = "application/cap+xml"


class AdvisoryFeed(Atom1Feed):
    """Atom1Feed that can give an entry extra typed links (rel, type, href) — used for the CAP document."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        for rel, mime, href in item.get("extra_links") or ():
            handler.addQuickElement("link", "", {"rel": rel, "type": mime, "href": href})


def _tag(path: str) -> str:
    return f"tag:{site_host()},{TAG_DATE}:{path}"


def _title(v: AdvisoryVersion) -> str:
    return _("%(country)s: level %(level)d — %(label)s") % {
        "country": v.country.name(), "level": v.level, "label": v.level_label}


def _summary(v: AdvisoryVersion) -> str:
    parts = [v.reason]
    parts += [f"{r['name']}: {r['level']} — {r['level_label']}" for r in v.region_list()]
    if v.is_demo:
        parts.append(_("Demo content, not an assessment by the ministry."))
    return "<br>".join(escape(p) for p in parts if p)  # the summary is type="html": escape the plain text


def _feed(title: str, path: str, feed_id: str) -> AdvisoryFeed:
    return AdvisoryFeed(
        title=title, link=absolute_url("advisories:index"), description="", feed_url=absolute(path),
        feed_guid=feed_id, author_name=sender_name(), language=None,
    )


def advisory_feed(versions: list[AdvisoryVersion], *, country: Country | None, path: str) -> bytes:
    if country is None:
        feed = _feed(_("Travel advisories"), path, _tag("advisories"))
    else:
        feed = _feed(_("Travel advisories: %(country)s") % {"country": country.name()}, path,
                     _tag(f"advisories/{country.code}"))
    for v in versions:
        assert v.published_at is not None
        extra = [("related", CAP_MIME, cap_url(v))] if v.level_rose else []
        feed.add_item(
            title=_title(v), link=absolute_url("advisories:country", v.country_id),
            description=_summary(v), unique_id=_tag(f"advisory/{v.country_id}/{v.number}"),
            unique_id_is_permalink=False, pubdate=v.published_at, updateddate=v.published_at,
            categories=[v.country_id, f"level-{v.level}"], extra_links=extra,
        )
    return feed.writeString("utf-8").encode()


def cap_index_feed(versions: list[AdvisoryVersion], *, path: str) -> bytes:
    """The CAP alerts as an Atom index, as alert hubs read them: each entry links to its CAP document."""
    feed = _feed(_("Travel advisory alerts (CAP)"), path, _tag("cap"))
    for v in versions:
        assert v.published_at is not None
        feed.add_item(
            title=_title(v), link=absolute_url("advisories:country", v.country_id),
            description=_summary(v), unique_id=_tag(f"cap/{v.country_id}/{v.number}"),
            unique_id_is_permalink=False, pubdate=v.published_at, updateddate=v.published_at,
            categories=[v.country_id], extra_links=[("alternate", CAP_MIME, cap_url(v))],
        )
    return feed.writeString("utf-8").encode()
