"""A deterministic simulated year of posts, clearly labelled demo: for `make run`'s dashboard and for the
benchmark. Nothing here is a real account or a real number.

Accounts: the ministry (five platforms), the minister (three), missions (three platforms each) and peer
ministries (two each), all `demo=True`, with handles that say "demo" and addresses under example.org.
Posts: by platform, a posting rate, a share of video and replies and a typical size; more posts in office hours
and the evening of the audience's zone, more interactions in the evening and for video. Each post's numbers
grow over its first days; the simulation pulls every 3 days and reads the posts of the last 30 days, as the
collectors do, so every post gets ten snapshots.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from embassy.missions.models import Mission
from embassy.social.aggregates import refresh_stale
from embassy.social.collectors import Followed, MentionItem, PostItem, Profile
from embassy.social.models import Account
from embassy.social.services import TOKEN_KINDS, account_connect
from embassy.social.store import store_day, store_follows, store_mentions, store_posts

PULL_EVERY = dt.timedelta(days=3)
WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class Profile_:
    posts_per_day: float
    video: float  # share of video posts
    replies: float  # share of replies
    interactions: float  # median interactions of a post
    followers: int  # followers of a mission's account; the ministry's has 40×, a peer's 20×
    views: bool  # the platform counts views per post


PLATFORMS = {
    "x": Profile_(2.0, 0.10, 0.20, 25, 12_000, True),
    "instagram": Profile_(1.0, 0.35, 0.0, 180, 25_000, False),
    "facebook": Profile_(1.2, 0.20, 0.05, 90, 30_000, False),
    "youtube": Profile_(0.15, 1.0, 0.0, 60, 3_000, True),
    "tiktok": Profile_(0.4, 1.0, 0.0, 400, 8_000, True),
    "mastodon": Profile_(0.5, 0.05, 0.25, 6, 800, False),
    "bluesky": Profile_(0.7, 0.05, 0.25, 10, 1_500, False),
}
# Local hours people post at (weights), and how interactions vary with the hour the post goes out.
HOUR_WEIGHTS = [0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 4.0, 3.5, 3.0, 2.5, 2.5, 2.5, 2.0, 2.0, 1.5, 1.5, 2.0,
                2.0, 1.5, 0.8, 0.4]
HOUR_BOOST = [0.6] * 6 + [0.8, 0.9, 1.0, 1.0, 1.0, 1.0, 1.1, 1.0, 0.9, 0.9, 1.0, 1.2, 1.5, 1.9, 2.0, 1.6, 1.1, 0.8]
TOPICS = ("Layanan paspor akhir pekan", "Imbauan keselamatan bagi WNI", "Lapor diri lewat Safe Travel",
          "Pameran produk Indonesia", "Pentas budaya dan kuliner", "Beasiswa dan pendidikan", "Hotline perlindungan WNI",
          "Kunjungan kerja Duta Besar", "Promosi pariwisata", "Sosialisasi pekerja migran aman")
MISSIONS = ("KBRI-KUALA-LUMPUR", "KJRI-JOHOR-BAHRU", "KJRI-PENANG", "KJRI-KOTA-KINABALU", "KBRI-SINGAPORE",
            "KJRI-HONG-KONG", "KDEI-TAIPEI", "KBRI-RIYADH", "KJRI-JEDDAH", "KBRI-ABU-DHABI", "KJRI-DUBAI",
            "KBRI-DOHA", "KBRI-KUWAIT-CITY", "KBRI-TOKYO", "KJRI-OSAKA", "KBRI-SEOUL", "KBRI-BANGKOK", "KBRI-MANILA",
            "KBRI-CANBERRA", "KBRI-LONDON")
PEERS = (("MY", "Ministry of Foreign Affairs, Malaysia (demo)"), ("SG", "Ministry of Foreign Affairs, Singapore (demo)"),
         ("PH", "Department of Foreign Affairs, Philippines (demo)"), ("TH", "Ministry of Foreign Affairs, Thailand (demo)"),
         ("VN", "Ministry of Foreign Affairs, Viet Nam (demo)"), ("AU", "Department of Foreign Affairs and Trade (demo)"),
         ("JP", "Ministry of Foreign Affairs of Japan (demo)"), ("KR", "Ministry of Foreign Affairs, Korea (demo)"),
         ("IN", "Ministry of External Affairs, India (demo)"), ("TR", "Ministry of Foreign Affairs, Türkiye (demo)"))


def demo_accounts(*, missions: int = 20, peers: int = 10) -> list[Account]:
    """Create (or find) the demo accounts."""
    wanted: list[dict[str, object]] = []
    for platform in ("x", "instagram", "facebook", "youtube", "tiktok"):
        wanted.append({"platform": platform, "handle": "demo.kemlu", "owner": "ministry",
                       "owner_name": "Kementerian Luar Negeri (demo)"})
    for platform in ("x", "instagram", "facebook"):
        wanted.append({"platform": platform, "handle": "demo.menlu", "owner": "minister", "owner_name": "Menlu (demo)"})
    units = {m.code: m for m in Mission.objects.filter(code__in=MISSIONS[:missions])}
    for code in MISSIONS[:missions]:
        if code in units:
            for platform in ("instagram", "facebook", "x"):
                wanted.append({"platform": platform, "handle": f"demo.{code.lower()}", "owner": "mission",
                               "unit": units[code]})
    for country, name in PEERS[:peers]:
        for platform in ("x", "instagram"):
            wanted.append({"platform": platform, "handle": f"demo.mfa.{country.lower()}", "owner": "peer",
                           "owner_name": name, "owner_country": country})
    accounts = []
    for values in wanted:
        platform, handle = str(values.pop("platform")), str(values.pop("handle"))
        account, _ = Account.objects.get_or_create(
            platform=platform, handle=handle,
            defaults={**values, "demo": True, "url": f"https://example.org/demo/{platform}/{handle}",
                      "platform_id": f"demo-{platform}-{handle}"})
        accounts.append(account)
    return accounts


TOKEN_PREFIX = "demo-"  # noqa: S105  (not a secret) the replay server (embassy.social.replay) takes only tokens that say demo


def demo_credentials(account: Account) -> dict[str, str]:
    """What a demo account is connected with (CONNECT_FIELDS' names), for "pull now" against the replay server."""
    token = f"{TOKEN_PREFIX}{account.platform}-{account.pk}"
    return {"x": {"bearer_token": token}, "youtube": {"api_key": token},
            "tiktok": {"access_token": token, "refresh_token": f"{token}-refresh", "client_key": "demo-client",
                       "client_secret": "demo-secret"}}.get(account.platform, {"access_token": token})


def demo_connect(accounts: list[Account]) -> None:
    """Connect the demo accounts that are not (TikTok's access token lasts 24 hours, renewed by the pull)."""
    now = timezone.now()
    for account in accounts:
        if not account.credentials:
            account_connect(account=account, credentials=demo_credentials(account),
                            token_kind=TOKEN_KINDS[account.platform],
                            expires_at=now + dt.timedelta(hours=24) if account.platform == "tiktok" else None,
                            refresh_expires_at=now + dt.timedelta(days=365) if account.platform == "tiktok" else None)


@dataclass(frozen=True)
class SimPost:
    post_id: str
    published_at: dt.datetime
    kind: str
    is_reply: bool
    text: str
    likes: int
    comments: int
    shares: int
    views: int | None
    in_reply_to: str = ""


def _scale(account: Account) -> float:
    """The ministry's accounts are the biggest; missions differ from 0.3× to 3× (fixed by their handle)."""
    if account.owner == "mission":
        return 0.3 + (zlib.crc32(account.handle.encode()) % 271) / 100
    return {"ministry": 40.0, "minister": 25.0, "peer": 20.0}.get(account.owner, 1.0)


def _sim_post(account: Account, local: dt.datetime, rng: random.Random, post_id: str, topic: int) -> SimPost:
    """One post going out at `local` time, with its final numbers (they grow towards them: `readings`)."""
    profile = PLATFORMS[account.platform]
    video = rng.random() < profile.video
    reply = not video and rng.random() < profile.replies
    size = profile.interactions * math.sqrt(_scale(account)) * HOUR_BOOST[local.hour]
    size *= (1.8 if video and profile.video < 1 else 1.0) * (0.15 if reply else 1.0)
    total = max(0, int(rng.lognormvariate(math.log(size + 1), 0.8)))
    likes = int(total * 0.8)
    comments = int(total * 0.08)
    kind = "video" if video else rng.choice(("image", "text", "link"))
    return SimPost(post_id=post_id, published_at=local.astimezone(dt.UTC), kind=kind, is_reply=reply,
                   text=f"[DEMO] {TOPICS[topic % len(TOPICS)]} ({topic + 1})", likes=likes, comments=comments,
                   shares=total - likes - comments,
                   views=total * rng.randint(15, 40) if profile.views else None)


def simulate_posts(account: Account, *, start: dt.date, days: int, rng: random.Random, count: int,
                   zone: str = "Asia/Jakarta") -> list[SimPost]:
    """`count` posts spread over `days` days from `start` (the benchmark's fixed volume)."""
    tz = ZoneInfo(zone)
    posts = []
    for i in range(count):
        day = start + dt.timedelta(days=rng.randrange(days))
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        local = dt.datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=tz)
        posts.append(_sim_post(account, local, rng, f"demo-{account.pk}-{i}", i))
    return sorted(posts, key=lambda p: p.published_at)


def _day_rng(seed: int, account: Account, day: dt.date, what: str = "posts") -> random.Random:
    """The same numbers for an account's day in every process (the demo seed and the replay server alike)."""
    return random.Random(f"{seed}:{what}:{account.platform}:{account.handle}:{day.isoformat()}")  # noqa: S311


def _poisson(rate: float, rng: random.Random) -> int:
    limit, n, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        n += 1
        product *= rng.random()
    return n


def _local_time(day: dt.date, rng: random.Random, tz: ZoneInfo) -> dt.datetime:
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    return dt.datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=tz)


def day_posts(account: Account, day: dt.date, *, seed: int = 1) -> list[SimPost]:
    """The posts an account puts out on one day of its own zone (the mission's; Jakarta's otherwise), and its
    replies to that day's mentions (some hours later, sometimes the next day)."""
    profile = PLATFORMS[account.platform]
    rng = _day_rng(seed, account, day)
    tz = ZoneInfo(zone_of(account))
    posts = [_sim_post(account, _local_time(day, rng, tz), rng, f"demo-{day:%Y%m%d}-{j}", day.toordinal() + j)
             for j in range(_poisson(profile.posts_per_day * (1.5 if account.owner != "mission" else 1), rng))]
    return posts + [reply for _mention, reply in day_mentions(account, day, seed=seed) if reply is not None]


MENTION_TEXTS = ("Mohon info jam buka layanan paspor?", "Bagaimana cara lapor diri lewat Safe Travel?",
                 "Terima kasih atas bantuannya!", "Paspor saya hilang, harus ke mana?",
                 "Apakah ada antrean daring untuk legalisasi?", "Nomor hotline perlindungan WNI berapa?")
MENTIONED_ON = ("x",)  # the demo platforms whose collector reads mentions (X; Mastodon has no demo accounts)


def day_mentions(account: Account, day: dt.date, *, seed: int = 1) -> list[tuple[MentionItem, SimPost | None]]:
    """Who mentions the account on a day, and the account's reply to each one it answers. Each account answers
    its own share (30–80%, fixed by its handle) after a delay of a median three hours."""
    if account.platform not in MENTIONED_ON:
        return []
    rng = _day_rng(seed, account, day, "mentions")
    tz = ZoneInfo(zone_of(account))
    answers = 0.3 + (zlib.crc32(account.handle.encode()) % 51) / 100
    out: list[tuple[MentionItem, SimPost | None]] = []
    for j in range(_poisson(0.5 * math.sqrt(_scale(account)), rng)):
        when = _local_time(day, rng, tz).astimezone(dt.UTC)
        author = f"demo_warga{rng.randrange(1, 500)}"
        mention = MentionItem(post_id=f"demo-m-{day:%Y%m%d}-{j}", published_at=when, author_id=author,
                              author_handle=author, text=f"[DEMO] @{account.handle} {rng.choice(MENTION_TEXTS)}",
                              url=f"https://example.org/demo/{account.platform}/{author}/{j}")
        reply = None
        if rng.random() < answers:
            delay = dt.timedelta(minutes=min(rng.lognormvariate(math.log(180), 1.0), 7 * 24 * 60))
            likes = int(rng.lognormvariate(math.log(3), 0.8))
            reply = SimPost(post_id=f"demo-{day:%Y%m%d}-r{j}", published_at=when + delay, kind="text", is_reply=True,
                            text=f"[DEMO] @{author} Terima kasih, silakan hubungi kami / thank you, please contact us.",
                            likes=likes, comments=0, shares=0, views=likes * 30, in_reply_to=mention.post_id)
        out.append((mention, reply))
    return out


def mention_plan(account: Account, *, start: dt.date, end: dt.date, seed: int = 1) -> list[MentionItem]:
    """The mentions of the days from `start` up to (not including) `end`, oldest first."""
    found = [m for n in range((end - start).days)
             for m, _reply in day_mentions(account, start + dt.timedelta(days=n), seed=seed)]
    return sorted(found, key=lambda m: m.published_at)


def plan(account: Account, *, start: dt.date, end: dt.date, seed: int = 1) -> list[SimPost]:
    """The account's posts on the days from `start` up to (not including) `end`, oldest first."""
    posts = [p for n in range((end - start).days) for p in day_posts(account, start + dt.timedelta(days=n), seed=seed)]
    return sorted(posts, key=lambda p: p.published_at)


def zone_of(account: Account) -> str:
    return account.unit.timezone if account.unit and account.unit.timezone else "Asia/Jakarta"


EPOCH = dt.date(2025, 1, 1)  # followers grow from this day on, so a day's number is the same whoever asks


def followers_on(account: Account, day: dt.date, *, seed: int = 1) -> int:
    base = PLATFORMS[account.platform].followers * _scale(account)
    jitter = _day_rng(seed, account, day, "followers").uniform(-0.002, 0.002)
    return int(base * (1 + 0.0006 * (day - EPOCH).days) * (1 + jitter))


def following_of(account: Account, others: list[Account]) -> list[Account]:
    """Whom a demo account follows among the demo accounts of its platform: the ministry's and the minister's
    follow everyone and everyone follows them; of the rest, three in ten (fixed by the pair of handles)."""
    return [a for a in others if a.platform == account.platform and a.pk != account.pk and (
        account.owner in ("ministry", "minister") or a.owner in ("ministry", "minister")
        or zlib.crc32(f"{account.handle}>{a.handle}".encode()) % 10 < 3)]


def _grown(value: int | None, age_days: float) -> int | None:
    return None if value is None else int(value * (1 - math.exp(-(age_days + 0.5) / 2.5)))


def reading(p: SimPost, at: dt.datetime) -> PostItem:
    """The post's numbers as they are at `at` (they grow towards the final ones over its first days)."""
    age = (at - p.published_at).total_seconds() / 86400
    return PostItem(post_id=p.post_id, published_at=p.published_at, kind=p.kind, is_reply=p.is_reply, text=p.text,
                    in_reply_to=p.in_reply_to,
                    likes=_grown(p.likes, age), comments=_grown(p.comments, age), shares=_grown(p.shares, age),
                    views=_grown(p.views, age))


def readings(posts: list[SimPost], at: dt.datetime) -> list[PostItem]:
    """What a pull at `at` reads: the posts of the last 30 days, their numbers as they were then."""
    return [reading(p, at) for p in posts if at - WINDOW < p.published_at <= at]


def pull_times(start: dt.date, days: int) -> Iterator[dt.datetime]:
    """Every 3 days from the start to 30 days past the end, so that every post is read ten times."""
    at = dt.datetime.combine(start, dt.time(23, 0), tzinfo=dt.UTC)
    end = at + dt.timedelta(days=days) + WINDOW
    while at < end:
        yield at
        at += PULL_EVERY


def demo_seed(*, today: dt.date, days: int = 365, seed: int = 1, missions: int = 20, peers: int = 10) -> dict[str, int]:
    """Fill the demo accounts with a simulated year ending yesterday (idempotent: a second run rewrites the
    same posts and snapshots). The replay server (embassy.social.replay) answers with the same posts."""
    accounts = demo_accounts(missions=missions, peers=peers)
    start = today - dt.timedelta(days=days)  # posts up to yesterday; the youngest have fewer readings yet
    plans = {a.pk: plan(a, start=start, end=today, seed=seed) for a in accounts}
    mentions = {a.pk: mention_plan(a, start=start, end=today, seed=seed) for a in accounts}
    posts = 0
    for at in pull_times(start, days):
        if at.date() >= today:
            break
        with transaction.atomic():
            for account in accounts:
                store_day(account, Profile(platform_id=account.platform_id, followers=followers_on(account, at.date(), seed=seed),
                                           following=120 + account.pk % 50, posts=None), now=at)
                posts += store_posts(account, readings(plans[account.pk], at), now=at)
                store_mentions(account, [m for m in mentions[account.pk] if at - WINDOW < m.published_at <= at],
                               now=at)
    when = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    for account in accounts:
        store_follows(account, [Followed(target_id=a.platform_id, target_handle=a.handle)
                                for a in following_of(account, accounts)], now=when)
    refresh_stale()  # the dashboards are filled when the command ends, worker or not
    demo_connect(accounts)
    Account.objects.filter(pk__in=[a.pk for a in accounts]).update(last_success_at=when - dt.timedelta(hours=1),
                                                                    last_pull_at=None)
    return {"accounts": len(accounts), "posts": sum(len(p) for p in plans.values()), "readings": posts}
