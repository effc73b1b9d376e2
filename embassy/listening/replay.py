"""The demo's searches: the replay server (embassy.social.replay) also answers X's recent search, Mastodon's
hashtag timeline and search, and Bluesky's searchPosts, with simulated public posts, so a demo stream's pull
goes through the real collectors and SDKs.

The posts are simulated and say so (authors "demo.warga…", names "(simulasi)", addresses under example.org):
Indonesian and English posts that mention missions, news about citizens abroad (WNI, TKI, PMI), and a few that
ask for help. Each hour of each platform is drawn from its own seed, so anyone gets the same posts again.
Registered in ListeningConfig.ready().
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from embassy.social.collectors import term_units
from embassy.social.demo import TOKEN_PREFIX
from embassy.social.replay import X_LIMIT, X_WINDOW, Answer, Replay

DAYS = 7  # X's recent search reaches back a week; the others are given the same week
# (mission as people write it, city, country, lat, lon)
PLACES = (
    ("KBRI Kuala Lumpur", "Kuala Lumpur", "Malaysia", 3.139, 101.687),
    ("KJRI Penang", "Penang", "Malaysia", 5.414, 100.329),
    ("KJRI Johor Bahru", "Johor Bahru", "Malaysia", 1.465, 103.758),
    ("KJRI Kota Kinabalu", "Kota Kinabalu", "Malaysia", 5.975, 116.072),
    ("KBRI Singapura", "Singapura", "Singapore", 1.290, 103.850),
    ("KJRI Hong Kong", "Hong Kong", "Hong Kong", 22.278, 114.175),
    ("KDEI Taipei", "Taipei", "Taiwan", 25.053, 121.526),
    ("KBRI Riyadh", "Riyadh", "Saudi Arabia", 24.688, 46.722),
    ("KJRI Jeddah", "Jeddah", "Saudi Arabia", 21.490, 39.186),
    ("KJRI Dubai", "Dubai", "UAE", 25.077, 55.309),
    ("KBRI Tokyo", "Tokyo", "Japan", 35.690, 139.692),
    ("KBRI Seoul", "Seoul", "Korea", 37.566, 126.978),
)
MENTIONS = (
    "Terima kasih {mission} atas pelayanan paspor yang cepat hari ini #WNI",
    "Antre lama sekali di {mission}, mohon loketnya ditambah",
    "Apakah {mission} buka hari Sabtu? Mau lapor diri",
    "Thanks {mission} for the quick help with my passport renewal",
    "Sosialisasi {mission} soal kontrak kerja PMI sangat bermanfaat",
    "Pelayanan {mission} ramah dan jelas, mantap",
    "Kenapa website {mission} susah dibuka ya dari tadi",
    "Kemlu dan {mission} gelar pameran produk Indonesia di {city}",
)
NEWS = (
    "{n} WNI dievakuasi dari {city} setelah banjir, KBRI memantau kondisi mereka",
    "Indonesian workers (TKI) in {city} get a new protection agreement",
    "PMI asal Jawa Timur di {city} ikut pelatihan keterampilan",
    "Festival budaya Indonesia di {city} ramai dikunjungi WNI",
    "Kemlu imbau WNI di {country} waspada cuaca ekstrem",
    "Indonesian migrant workers in {country} send record remittances home, says PMI agency",
    "Pemulangan {n} TKI bermasalah dari {city} difasilitasi KJRI",
    "Mahasiswa WNI di {city} gelar doa bersama",
)
DISTRESS = (
    "tolong sy di {city}, paspor ditahan majikan, gaji 4 bulan belum dibayar #TKI",
    "Please help, my sister is a TKI in {city}, locked in the house and not allowed out",
    "tlg bantu WNI di {city}, dipukul majikan, mau kabur tapi takut",
    "Saya PMI di {city}, tidak digaji sudah 5 bulan, agen tidak bisa dihubungi. Tolong KBRI",
)
NAMES = ("Siti", "Budi", "Ani", "Rina", "Agus", "Dewi", "Yanti", "Joko", "Maria", "Wati", "Eko", "Lina")


@dataclass(frozen=True)
class SimPost:
    number: int  # increasing with time: the X and Mastodon id, and the Bluesky record key
    published_at: dt.datetime
    text: str
    lang: str
    author: str
    name: str
    location: str
    lat: float | None
    lon: float | None


def _poisson(rate: float, rng: random.Random) -> int:
    limit, k, p = math.exp(-rate), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


@lru_cache(maxsize=4096)
def hour_posts(seed: int, platform: str, hour: dt.datetime) -> tuple[SimPost, ...]:
    """The simulated posts of one platform in one hour (UTC), in time order."""
    rng = random.Random(f"{seed}:listening:{platform}:{hour.isoformat()}")  # noqa: S311 (a simulation)
    rate = {"x": 4.0, "mastodon": 1.0, "bluesky": 1.5}.get(platform, 1.0) * (0.5 + (8 <= hour.hour <= 15))
    found = []
    for i in range(min(_poisson(rate, rng), 20)):
        mission, city, country, lat, lon = rng.choice(PLACES)
        roll = rng.random()
        template = rng.choice(DISTRESS if roll < 0.06 else MENTIONS if roll < 0.55 else NEWS)
        text = template.format(mission=mission, city=city, country=country, n=rng.randint(3, 120))
        person = rng.choice(NAMES)
        author = f"demo.warga{rng.randint(1, 400)}"
        located = rng.random() < 0.15
        found.append(SimPost(
            number=int(hour.timestamp()) * 1000 + i * 37 + rng.randint(0, 30),
            published_at=hour + dt.timedelta(seconds=rng.randint(0, 3599)), text=text,
            lang="en" if re.search(r"\b(the|my|for|in|with)\b", text) else "id", author=author,
            name=f"{person} (simulasi)", location=f"{city}, {country}" if rng.random() < 0.5 else "",
            lat=lat + rng.uniform(-0.05, 0.05) if located else None,
            lon=lon + rng.uniform(-0.05, 0.05) if located else None))
    return tuple(sorted(found, key=lambda p: p.number))


def posts_until(seed: int, platform: str, now: dt.datetime) -> list[SimPost]:
    """The week's posts up to `now`, newest first."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    found: list[SimPost] = []
    for back in range(DAYS * 24, -1, -1):
        found += [p for p in hour_posts(seed, platform, hour - dt.timedelta(hours=back)) if p.published_at <= now]
    found.sort(key=lambda p: p.number, reverse=True)
    return found


def _matches(text: str, term: str) -> bool:
    folded = " ".join(re.findall(r"[\w@.]+", text.lower()))
    units = [u.replace("mentions:", "@") for u in term_units(term)]
    return bool(units) and all(u in folded for u in units)


def _x_terms(query: str) -> list[str]:
    query = query.replace("-is:retweet", "").strip()
    if query.startswith("(") and query.endswith(")"):
        query = query[1:-1]
    return [t.strip().strip("()") for t in query.split(" OR ") if t.strip()]


def _uid(author: str) -> int:
    """A stable number for an author (Python's own hash changes from one process to the next)."""
    return zlib.crc32(author.encode()) + 10**9


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Searches:
    """The extension: answers the three searches, else None (the replay server's own routes)."""

    def __call__(self, replay: Replay, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer | None:
        parts = urlsplit(path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        route = parts.path
        if route == "/2/tweets/search/recent":
            return self._x(replay, query, headers)
        if route.startswith("/api/v1/timelines/tag/"):
            tag = unquote(route.rsplit("/", 1)[-1]).lower()
            return self._mastodon(replay, query, headers, route,
                                  lambda text: tag in re.sub(r"\W", "", text.lower()))
        if route == "/api/v2/search":
            return self._mastodon(replay, query, headers, route, lambda text: _matches(text, query.get("q", "")),
                                  search=True)
        if route == "/xrpc/app.bsky.feed.searchPosts":
            return self._bluesky(replay, query)
        return None

    # X API v2: GET /2/tweets/search/recent
    def _x(self, replay: Replay, query: dict[str, str], headers: dict[str, str]) -> Answer:
        if not headers.get("authorization", "").startswith(f"Bearer {TOKEN_PREFIX}"):
            return 401, {}, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
        left, reset = replay._count("x:search", X_WINDOW, X_LIMIT)
        rate = {"x-rate-limit-limit": str(X_LIMIT), "x-rate-limit-remaining": str(max(left, 0)),
                "x-rate-limit-reset": str(reset)}
        if left < 0:
            return 429, rate, {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429}
        terms = _x_terms(query.get("query", ""))
        since = int(query["since_id"]) if query.get("since_id", "").isdigit() else 0
        found = [p for p in posts_until(replay.seed, "x", replay.now())
                 if p.number > since and any(_matches(p.text, t) for t in terms)]
        page, token = replay._page(found, query.get("next_token"), max(10, min(int(query.get("max_results") or 10), 100)))
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=str(page[0].number), oldest_id=str(page[-1].number))
        if token:
            meta["next_token"] = token
        data = []
        for p in page:
            tweet: dict[str, Any] = {"id": str(p.number), "text": p.text, "created_at": _iso(p.published_at),
                                     "author_id": str(_uid(p.author)), "lang": p.lang,
                                     "edit_history_tweet_ids": [str(p.number)],
                                     "public_metrics": {"retweet_count": p.number % 7, "reply_count": p.number % 3,
                                                        "like_count": p.number % 40, "quote_count": 0}}
            if p.lat is not None and p.lon is not None:
                tweet["geo"] = {"coordinates": {"type": "Point", "coordinates": [round(p.lon, 5), round(p.lat, 5)]}}
            data.append(tweet)
        users = [{"id": str(_uid(p.author)), "username": p.author.replace(".", "_"), "name": p.name,
                  **({"location": p.location} if p.location else {})} for p in page]
        return 200, rate, {"data": data, "includes": {"users": users}, "meta": meta}

    # Mastodon: GET /api/v1/timelines/tag/:hashtag and GET /api/v2/search?type=statuses
    def _mastodon(self, replay: Replay, query: dict[str, str], headers: dict[str, str], route: str,
                  wanted: Any, search: bool = False) -> Answer:
        left, reset = replay._count("mastodon", 300, 300)
        rate = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": str(max(left, 0)),
                "X-RateLimit-Reset": dt.datetime.fromtimestamp(reset, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")}
        if left < 0:
            return 429, rate, {"error": "Too many requests"}
        low = int(query.get("since_id") or query.get("min_id") or 0)
        high = int(query["max_id"]) if query.get("max_id", "").isdigit() else None
        limit = max(1, min(int(query.get("limit") or 20), 40))
        found = [p for p in posts_until(replay.seed, "mastodon", replay.now())
                 if p.number > low and (high is None or p.number < high) and wanted(p.text)][:limit]
        statuses = [self._status(p) for p in found]
        if search:
            return 200, rate, {"accounts": [], "statuses": statuses, "hashtags": []}
        if len(found) == limit:
            host = headers.get("host", "127.0.0.1")
            rate["Link"] = f'<http://{host}{route}?max_id={found[-1].number}>; rel="next"'
        return 200, rate, statuses

    @staticmethod
    def _status(p: SimPost) -> dict[str, Any]:
        url = f"https://example.org/demo/mastodon/@{p.author}/{p.number}"
        fields = [{"name": "Lokasi", "value": p.location, "verified_at": None}] if p.location else []
        account = {"id": str(_uid(p.author)), "username": p.author, "acct": f"{p.author}@example.org",
                   "display_name": p.name, "locked": False, "bot": False, "created_at": "2024-01-01T00:00:00.000Z",
                   "note": "", "url": f"https://example.org/demo/mastodon/@{p.author}", "avatar": "", "header": "",
                   "followers_count": 10, "following_count": 10, "statuses_count": 10, "last_status_at": "2026-12-01",
                   "emojis": [], "fields": fields}
        return {"id": str(p.number), "created_at": _iso(p.published_at), "in_reply_to_id": None,
                "in_reply_to_account_id": None, "sensitive": False, "spoiler_text": "", "visibility": "public",
                "language": p.lang, "uri": url, "url": url, "replies_count": p.number % 3,
                "reblogs_count": p.number % 5, "favourites_count": p.number % 20, "content": f"<p>{p.text}</p>",
                "reblog": None, "account": account, "mentions": [], "tags": [], "emojis": [], "card": None,
                "poll": None, "media_attachments": []}

    # Bluesky: app.bsky.feed.searchPosts
    def _bluesky(self, replay: Replay, query: dict[str, str]) -> Answer:
        left, reset = replay._count("bluesky", 300, 3000)
        rate = {"ratelimit-limit": "3000", "ratelimit-remaining": str(max(left, 0)), "ratelimit-reset": str(reset),
                "ratelimit-policy": "3000;w=300"}
        if left < 0:
            return 429, rate, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
        since = query.get("since", "")
        term = query.get("q", "")
        found = [p for p in posts_until(replay.seed, "bluesky", replay.now())
                 if (not since or _iso(p.published_at) >= since[:19] + ".000Z") and _matches(p.text, term)]
        page, token = replay._page(found, query.get("cursor"), max(1, min(int(query.get("limit") or 25), 100)))
        posts = []
        for p in page:
            did = f"did:plc:demo{_uid(p.author):012d}"
            handle = f"{p.author}.example.org"
            posts.append({"uri": f"at://{did}/app.bsky.feed.post/{p.number}", "cid": f"bafyreidemo{p.number}",
                          "author": {"did": did, "handle": handle, "displayName": p.name},
                          "record": {"$type": "app.bsky.feed.post", "text": p.text, "createdAt": _iso(p.published_at),
                                     "langs": [p.lang]},
                          "replyCount": p.number % 3, "repostCount": p.number % 4, "likeCount": p.number % 25,
                          "quoteCount": 0, "indexedAt": _iso(p.published_at), "labels": []})
        return 200, rate, {"posts": posts, **({"cursor": token} if token else {})}


searches = Searches()
