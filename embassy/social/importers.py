"""The platforms' own data exports, so that a mission can start with no API keys at all:

- X: the account archive (Settings → "Download an archive of your data"): the .zip, or its data/tweets.js
  (data/tweet.js in older archives; large archives split into tweets-part1.js …) with `window.YTD.tweets.part0
  = [{"tweet": {...}}]`, the counts as strings; data/account.js names the account, data/following.js whom it
  follows.
- Instagram and Facebook: "Download your information", JSON format: the .zip or the posts file
  (Instagram content/posts_1.json and reels.json; Facebook posts/…_1.json). These exports carry no likes or
  views, so they add posts without numbers (no snapshot). Facebook writes non-ASCII text as UTF-8 bytes
  escaped one by one (a known quirk of its exports); it is repaired.
- YouTube Studio: Analytics → Advanced mode → Export → CSV ("Table data.csv"), English or Indonesian headers,
  with at least the video (Content), its publish time and views; the "Total" row is skipped.

A malformed file is refused with the file, the line or the key, and nothing is stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from embassy.social.collectors import Followed, PostItem

MAX_BYTES = 200 * 1024 * 1024  # an archive of a busy account with no media; media files are never read


class ImportFileError(Exception):
    def __init__(self, file: str, where: str, message: str) -> None:
        super().__init__(f"{file}, {where}: {message}")
        self.file, self.where, self.message = file, where, message


@dataclass
class Export:
    kind: str  # "x-archive", "instagram-dyi", "facebook-dyi", "youtube-studio"
    platform: str
    posts: list[PostItem] = field(default_factory=list)
    follows: list[Followed] | None = None
    handle: str = ""  # whose export it is, where the export says
    has_numbers: bool = True


# --- X archive -----------------------------------------------------------------------------------------------

YTD = re.compile(r"^\s*window\.YTD\.[A-Za-z_]+\.part\d+\s*=\s*", re.S)


def _ytd(name: str, text: str) -> list[Any]:
    match = YTD.match(text)
    if not match:
        raise ImportFileError(name, "line 1", "not an X archive file (it should start with window.YTD.…)")
    try:
        data = json.loads(text[match.end():])
    except json.JSONDecodeError as exc:
        raise ImportFileError(name, f"line {exc.lineno + text[:match.end()].count(chr(10))}", exc.msg) from exc
    if not isinstance(data, list):
        raise ImportFileError(name, "top level", "expected a list")
    return data


def _tweet(name: str, index: int, item: Any, handle: str) -> PostItem:
    tweet = item.get("tweet", item) if isinstance(item, dict) else None
    if not isinstance(tweet, dict):
        raise ImportFileError(name, f"item {index}", "not a tweet object")
    try:
        tid = str(tweet["id_str"])
        created = dt.datetime.strptime(tweet["created_at"], "%a %b %d %H:%M:%S %z %Y").astimezone(dt.UTC)
        text = str(tweet.get("full_text") or tweet.get("text") or "")
        media = [m.get("type") for m in (tweet.get("extended_entities") or tweet.get("entities") or {}).get("media", [])]
        kind = ("video" if {"video", "animated_gif"} & set(media) else "image" if media
                else "link" if (tweet.get("entities") or {}).get("urls") else "text")
        return PostItem(post_id=tid, published_at=created, kind=kind,
                        is_reply=bool(tweet.get("in_reply_to_status_id_str")), is_repost=text.startswith("RT @"),
                        text=text, url=f"https://x.com/{handle or 'i/web'}/status/{tid}",
                        likes=int(tweet.get("favorite_count", 0)), shares=int(tweet.get("retweet_count", 0)))
    except KeyError as exc:
        raise ImportFileError(name, f"item {index}", f"missing key {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise ImportFileError(name, f"item {index}", f"unreadable value ({exc})") from exc


def parse_x_archive(files: dict[str, str]) -> Export:
    """`files`: the archive's data/*.js files by name (only the ones it needs)."""
    export = Export(kind="x-archive", platform="x")
    for name in sorted(files):
        if re.search(r"(^|/)account\.js$", name):
            for item in _ytd(name, files[name]):
                export.handle = str((item.get("account") or {}).get("username") or export.handle)
    tweet_files = [n for n in sorted(files) if re.search(r"(^|/)tweets?(-part\d+)?\.js$", n)]
    if not tweet_files:
        raise ImportFileError("archive", "data/", "no tweets.js (or tweet.js) in it")
    for name in tweet_files:
        export.posts += [_tweet(name, i, item, export.handle) for i, item in enumerate(_ytd(name, files[name]), 1)]
    for name in sorted(files):
        if re.search(r"(^|/)following\.js$", name):
            export.follows = [Followed(target_id=str(i["following"]["accountId"]))
                              for i in _ytd(name, files[name]) if isinstance(i, dict) and "following" in i]
    return export


# --- Instagram and Facebook "Download your information" --------------------------------------------------------


def _fix_meta_text(value: str) -> str:
    """Meta's exports write UTF-8 bytes as \\u00XX escapes; undo it where that is what happened."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _dyi_id(timestamp: int, key: str) -> str:
    return "dyi:" + hashlib.sha1(f"{timestamp}|{key}".encode(), usedforsecurity=False).hexdigest()[:20]


def _media_kind(uris: list[str]) -> str:
    if any(u.lower().endswith((".mp4", ".mov", ".webm")) for u in uris):
        return "video"
    return "image" if uris else "text"


def _instagram_post(name: str, index: int, item: Any) -> PostItem:
    if not isinstance(item, dict) or not isinstance(item.get("media"), list) or not item["media"]:
        raise ImportFileError(name, f"item {index}", "expected an object with a non-empty 'media' list")
    first = item["media"][0]
    stamp = item.get("creation_timestamp", first.get("creation_timestamp"))
    if not isinstance(stamp, int):
        raise ImportFileError(name, f"item {index}", "missing key 'creation_timestamp'")
    uris = [str(m.get("uri") or "") for m in item["media"] if isinstance(m, dict)]
    caption = _fix_meta_text(str(item.get("title") or first.get("title") or ""))
    return PostItem(post_id=_dyi_id(stamp, uris[0]), published_at=dt.datetime.fromtimestamp(stamp, tz=dt.UTC),
                    kind=_media_kind(uris), text=caption)


def _facebook_post(name: str, index: int, item: Any) -> PostItem:
    if not isinstance(item, dict) or not isinstance(item.get("timestamp"), int):
        raise ImportFileError(name, f"item {index}", "missing key 'timestamp'")
    texts = [d["post"] for d in item.get("data") or [] if isinstance(d, dict) and "post" in d]
    uris, links = [], []
    for attachment in item.get("attachments") or []:
        for data in (attachment or {}).get("data") or []:
            if "media" in data:
                uris.append(str(data["media"].get("uri") or ""))
            if "external_context" in data:
                links.append(str(data["external_context"].get("url") or ""))
    text = _fix_meta_text(str(texts[0] if texts else item.get("title") or ""))
    kind = _media_kind(uris) if uris else "link" if links else "text"
    return PostItem(post_id=_dyi_id(item["timestamp"], (uris or links or [text])[0]),
                    published_at=dt.datetime.fromtimestamp(item["timestamp"], tz=dt.UTC), kind=kind, text=text)


def _json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(name, f"line {exc.lineno}", exc.msg) from exc


def parse_meta_dyi(platform: str, files: dict[str, str]) -> Export:
    export = Export(kind=f"{platform}-dyi", platform=platform, has_numbers=False)
    for name in sorted(files):
        data = _json(name, files[name])
        if platform == "instagram":
            items = data.get("ig_reels_media", []) if isinstance(data, dict) else data
            export.posts += [_instagram_post(name, i, item) for i, item in enumerate(items, 1)]
        else:
            if not isinstance(data, list):
                raise ImportFileError(name, "top level", "expected a list of posts")
            export.posts += [_facebook_post(name, i, item) for i, item in enumerate(data, 1)]
    if not files:
        raise ImportFileError("export", "posts", "no posts file in it")
    return export


# --- YouTube Studio CSV ------------------------------------------------------------------------------------------

STUDIO_COLUMNS = {  # our name: the headers Studio writes (English, Indonesian)
    "id": ("Content", "Konten"),
    "title": ("Video title", "Judul video"),
    "published": ("Video publish time", "Waktu publikasi video"),
    "views": ("Views", "Penayangan", "Tayangan"),
    "likes": ("Likes", "Suka"),
    "comments": ("Comments added", "Komentar yang ditambahkan"),
    "shares": ("Shares", "Dibagikan"),
}
STUDIO_DATES = ("%b %d, %Y", "%d %b %Y", "%Y-%m-%d", "%d/%m/%Y")


def _studio_date(value: str) -> dt.datetime | None:
    for fmt in STUDIO_DATES:
        try:
            return dt.datetime.strptime(value.strip(), fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


def _int(value: str) -> int | None:
    value = value.strip().replace(",", "")
    return int(float(value)) if value else None


def parse_youtube_studio(name: str, text: str) -> Export:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header:
        raise ImportFileError(name, "line 1", "empty file")
    where = {ours: next((header.index(h) for h in names if h in header), None) for ours, names in STUDIO_COLUMNS.items()}
    missing = [STUDIO_COLUMNS[k][0] for k in ("id", "published", "views") if where[k] is None]
    if missing:
        raise ImportFileError(name, "line 1", f"missing column(s) {', '.join(missing)} (export the table with them)")
    export = Export(kind="youtube-studio", platform="youtube")

    def cell(row: list[str], key: str) -> str:
        index = where[key]
        return row[index] if index is not None and index < len(row) else ""

    for line, row in enumerate(reader, 2):
        if not row or cell(row, "id").strip().lower() in {"total", "jumlah", "total keseluruhan"}:
            continue
        published = _studio_date(cell(row, "published"))
        if published is None:
            raise ImportFileError(name, f"line {line}", f"unreadable publish time {cell(row, 'published')!r}")
        try:
            numbers = {k: _int(cell(row, k)) for k in ("views", "likes", "comments", "shares")}
        except ValueError as exc:
            raise ImportFileError(name, f"line {line}", f"not a number ({exc})") from exc
        vid = cell(row, "id").strip()
        export.posts.append(PostItem(post_id=vid, published_at=published, kind="video", text=cell(row, "title"),
                                     url=f"https://www.youtube.com/watch?v={vid}", views=numbers["views"],
                                     likes=numbers["likes"], comments=numbers["comments"], shares=numbers["shares"]))
    return export


# --- Which export is it -------------------------------------------------------------------------------------------


def _texts_from_zip(name: str, data: bytes, wanted: re.Pattern[str]) -> dict[str, str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ImportFileError(name, "file", "not a readable .zip") from exc
    out: dict[str, str] = {}
    total = 0
    for info in archive.infolist():
        if wanted.search(info.filename):
            total += info.file_size
            if total > MAX_BYTES:
                raise ImportFileError(name, info.filename, "too large to import here")
            out[info.filename] = archive.read(info).decode("utf-8", errors="strict")
    return out


X_FILES = re.compile(r"(^|/)data/(tweets?(-part\d+)?|account|following)\.js$")
IG_FILES = re.compile(r"(^|/)content/(posts_\d+|reels)\.json$")
FB_FILES = re.compile(r"(^|/)posts/[^/]*posts[^/]*_\d+\.json$")


def parse_export(platform: str, name: str, data: bytes) -> Export:
    """Read one uploaded export for an account on `platform` (the file as uploaded: .zip, .js, .json or .csv)."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(name, "file", "too large to import here")
    lower = name.lower()
    try:
        if platform == "x":
            if lower.endswith(".zip"):
                return parse_x_archive(_texts_from_zip(name, data, X_FILES))
            return parse_x_archive({name: data.decode("utf-8")})
        if platform in {"instagram", "facebook"}:
            pattern = IG_FILES if platform == "instagram" else FB_FILES
            files = _texts_from_zip(name, data, pattern) if lower.endswith(".zip") else {name: data.decode("utf-8")}
            return parse_meta_dyi(platform, files)
        if platform == "youtube":
            return parse_youtube_studio(name, data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ImportFileError(name, f"byte {exc.start}", "not UTF-8 text") from exc
    raise ImportFileError(name, "file", f"no importer for {platform} exports")
