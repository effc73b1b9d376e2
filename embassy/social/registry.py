"""The registry data file (data/social_accounts.csv): the real public accounts of the ministry, its minister,
its missions and peer foreign ministries, each with the public sources that name it. Read all or nothing:
every problem is reported with the file, the line and the field. Format: the comment lines at the top of the
file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from embassy.geo.countries import is_country_code
from embassy.missions.loader import DataFileError, csv_records

COLUMNS = ["owner", "unit", "owner_name", "owner_country", "platform", "handle", "url", "platform_id",
           "verified", "sources", "source_date"]
OWNERS = {"ministry", "minister", "mission", "peer"}

# What a handle looks like on each platform (the platforms' own rules), and where its profile lives.
HANDLES = {
    "x": re.compile(r"[A-Za-z0-9_]{1,15}"),
    "instagram": re.compile(r"[A-Za-z0-9._]{1,30}"),
    "facebook": re.compile(r"[A-Za-z0-9.\-]{1,80}"),
    "youtube": re.compile(r"[A-Za-z0-9._\-]{3,30}|UC[A-Za-z0-9_\-]{22}"),
    "tiktok": re.compile(r"[A-Za-z0-9._]{2,24}"),
    "mastodon": re.compile(r"[A-Za-z0-9_]{1,30}@[a-z0-9.\-]+\.[a-z]{2,}"),
    "bluesky": re.compile(r"([a-z0-9\-]+\.)+[a-z]{2,}"),
}
HOSTS = {
    "x": {"x.com", "twitter.com"},
    "instagram": {"instagram.com"},
    "facebook": {"facebook.com"},
    "youtube": {"youtube.com"},
    "tiktok": {"tiktok.com"},
    "bluesky": {"bsky.app"},
}
DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


@dataclass(frozen=True)
class AccountRow:
    line: int
    owner: str
    unit: str
    owner_name: str
    owner_country: str
    platform: str
    handle: str
    url: str
    platform_id: str
    verified: bool
    sources: tuple[str, ...]
    source_date: str


def profile_host_ok(platform: str, handle: str, url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.").removeprefix("m.")
    if platform == "mastodon":
        return host == handle.split("@", 1)[1].lower()
    return host in HOSTS[platform]


def read_accounts(path: Path, *, units: set[str]) -> list[AccountRow]:
    """Parse and check the whole file. `units`: the codes of the ministry's units (missions.csv)."""
    name = str(path)
    _header, records = csv_records(path.read_text(encoding="utf-8"), name, COLUMNS)
    rows: list[AccountRow] = []
    seen: dict[tuple[str, str], int] = {}
    for line, values in records:
        row = _row(name, line, values, units)
        key = (row.platform, row.handle.lower())
        if key in seen:
            raise DataFileError(name, line, "handle", f"{row.platform} {row.handle} is already on line {seen[key]}")
        seen[key] = line
        rows.append(row)
    return rows


def _row(name: str, line: int, values: dict[str, str], units: set[str]) -> AccountRow:
    def bad(column: str, message: str) -> DataFileError:
        return DataFileError(name, line, column, message)

    owner, platform, handle = values["owner"], values["platform"], values["handle"].lstrip("@")
    if owner not in OWNERS:
        raise bad("owner", f"one of {', '.join(sorted(OWNERS))}")
    if platform not in HANDLES:
        raise bad("platform", f"one of {', '.join(HANDLES)}")
    if not HANDLES[platform].fullmatch(handle):
        raise bad("handle", f"{handle!r} is not a {platform} handle")
    url = values["url"]
    if not url.startswith("https://") or not profile_host_ok(platform, handle, url):
        raise bad("url", f"{url!r} is not an https address on {platform}")
    unit = values["unit"]
    if owner == "mission" and not unit:
        raise bad("unit", "a mission's account names its unit (a code in missions.csv)")
    if unit and unit not in units:
        raise bad("unit", f"{unit!r} is not a unit in missions.csv")
    country = values["owner_country"]
    if owner == "peer" and not (values["owner_name"] and country):
        raise bad("owner_country", "a peer ministry's account names the ministry and its ISO country code")
    if country and not (len(country) == 2 and is_country_code(country)):
        raise bad("owner_country", f"{country!r} is not an ISO 3166-1 alpha-2 code")
    sources = tuple(values["sources"].split())
    if not sources or not all(s.startswith(("https://", "http://")) for s in sources):
        raise bad("sources", "every row names its public sources (URLs separated by spaces)")
    if not DATE.fullmatch(values["source_date"]):
        raise bad("source_date", "YYYY-MM-DD, YYYY-MM or YYYY")
    if values["verified"] not in {"", "yes", "no"}:
        raise bad("verified", "yes, no or empty")
    return AccountRow(line=line, owner=owner, unit=unit, owner_name=values["owner_name"], owner_country=country.upper(),
                      platform=platform, handle=handle, url=url, platform_id=values["platform_id"],
                      verified=values["verified"] == "yes", sources=sources, source_date=values["source_date"])
