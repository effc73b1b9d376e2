"""Writing what a collector or an importer read: posts (new ones created, known ones given their latest
numbers), one metrics snapshot per post and reading, the day's account statistics, and the follows. The
caller holds the transaction: a pull or an import is stored whole or not at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from embassy.social.aggregates import refresh_days
from embassy.social.collectors import Followed, PostItem, Profile
from embassy.social.models import Account, AccountDay, Follow, Post, PostSnapshot

METRICS = ("likes", "comments", "shares", "views", "reach", "saves")
CHUNK = 500  # ids per IN (...) query, well under SQLite's bound-parameter limit


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _ids(account: Account, post_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(post_ids):
        found.update(Post.objects.filter(account=account, post_id__in=chunk).values_list("post_id", "id"))
    return found


def store_posts(account: Account, posts: Iterable[PostItem], *, now: dt.datetime, taken_at: dt.datetime | None = None,
                snapshot: bool = True) -> int:
    """Store posts and, unless `snapshot` is False (an export without numbers), a snapshot of their numbers
    as of `taken_at` (default `now`). Returns how many distinct posts were stored."""
    when = taken_at or now
    by_id = {p.post_id: p for p in posts}  # a post seen twice in one reading is stored once
    have = _ids(account, list(by_id))
    Post.objects.bulk_create(
        [Post(account=account, post_id=p.post_id, published_at=p.published_at, kind=p.kind, is_reply=p.is_reply,
              is_repost=p.is_repost, text=p.text, url=p.url, metrics_at=when if snapshot else None,
              **{m: getattr(p, m) for m in METRICS}) for p in by_id.values() if p.post_id not in have],
        batch_size=CHUNK)
    if snapshot:
        Post.objects.bulk_update(
            [Post(id=have[p.post_id], text=p.text, metrics_at=when, **{m: getattr(p, m) for m in METRICS})
             for p in by_id.values() if p.post_id in have],
            ["text", "metrics_at", *METRICS], batch_size=CHUNK)
        ids = _ids(account, list(by_id))
        PostSnapshot.objects.bulk_create(
            [PostSnapshot(post_id=ids[p.post_id], taken_at=when, **{m: getattr(p, m) for m in METRICS})
             for p in by_id.values()], batch_size=CHUNK, ignore_conflicts=True)
    refresh_days([account.pk], {p.published_at.astimezone(dt.UTC).date() for p in by_id.values()})
    return len(by_id)


def store_day(account: Account, profile: Profile, *, now: dt.datetime) -> None:
    AccountDay.objects.update_or_create(account=account, day=now.date(), defaults={
        "followers": profile.followers, "following": profile.following, "posts": profile.posts})


def store_follows(account: Account, follows: Iterable[Followed], *, now: dt.datetime) -> None:
    """The account follows exactly these now: the ones no longer followed are removed."""
    targets = {f.target_id: f for f in follows}
    Follow.objects.filter(account=account).exclude(target_id__in=list(targets)).delete()
    Follow.objects.bulk_create([Follow(account=account, target_id=f.target_id, target_handle=f.target_handle,
                                       seen_at=now) for f in targets.values()], ignore_conflicts=True)
