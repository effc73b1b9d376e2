"""Storing heard posts: the one path by which the listening streams (embassy.listening.collect) store what the
platforms' searches returned (issue 15 points 1, 3 and 4).

`ingest(items)` takes HeardItems in batches of BATCH and, per batch, in one transaction:

1. cleans each item (lone surrogates and NULs replaced or dropped, texts cut at MAX_TEXT characters on a word
   boundary, bad coordinates dropped, fields cut to their columns); an item without platform or post id is
   rejected and counted;
2. drops what is already stored: the same (platform, post_id) is never stored twice, in the database or in the
   batch (a re-ingest changes nothing and is counted as `known`);
3. hashes the normalised text (lower case, links, mentions, a leading "RT" and spacing out; 64 bits, signed to
   fit a BigIntegerField): a text of at least MIN_COPY_CHARS already stored, or earlier in the batch, makes the
   post a copy (`duplicate_of` → the first post) that takes the first post's language, sentiment, topic,
   distress and mission instead of being read again, and never goes to triage a second time;
4. reads the new texts, a batch at a time: the stream terms they contain, the language (offline,
   `detect_languages`), the sentiment (`score`, per language), distress (`distress.assess`, after the word test
   of embassy.listening.prefilter, which lets through every post the detector could flag) and the topic
   (embassy.listening.topics);
5. finds the mission (`whereabouts`) of each distress post and of each post with a position (cached per
   batch); a distress post with a mission gets a Triage row (status new, queued_at = now) in the same
   transaction, so it is in the duty officer's queue as soon as the batch commits;
6. writes the posts (plain INSERTs through embassy.common.bulk), then adds the batch's counts to HourCount for
   "term:<term>", "topic:<id>" and "mission:<code>" per hour of publication (posts, positive, negative), which
   is all the spike detector reads.

Concurrency: two streams storing the same post at once make the second batch's INSERT fail on the unique
constraint; that batch is run again once, and then finds the post stored. HourCount counters are added in the
database (ON CONFLICT … DO UPDATE SET posts = posts + …), so simultaneous batches both count.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from embassy.common import bulk
from embassy.listening.cleaning import aware, clean_text, coordinate, normalise, text_hash
from embassy.listening.items import HeardItem
from embassy.listening.models import Heard, HourCount, Stream, Triage
from embassy.listening.prefilter import may_be_distress
from embassy.listening.terms import TermMatcher
from embassy.listening.topics import TopicModel, significant_words
from embassy.missions.models import Mission
from embassy.social import distress
from embassy.social.sentiment import detect_languages, score
from embassy.social.whereabouts import MissionNames, Whereabouts, mission_names, whereabouts

BATCH = 2000  # posts per transaction: a collector's page is one batch; a distress post waits at most one batch
MIN_COPY_CHARS = 12  # normalised texts shorter than this ("mantap", "🙏🙏") are said by many, not copied
CHUNK = 500  # values in one IN (...) lookup


HEARD_COLUMNS = (
    "platform", "post_id", "published_at", "heard_at", "text", "url", "author_id", "author_handle", "author_name",
    "author_location", "lat", "lon", "in_reply_to", "shares", "text_hash", "duplicate_of_id", "lang", "sentiment",
    "topic_id", "streams", "terms", "mission_id", "mission_source", "distress", "distress_category",
    "distress_cues",
)


@dataclass
class IngestResult:
    """What one ingest call did; `seconds` is the time spent per phase (the benchmark reports posts/s each)."""

    received: int = 0
    stored: int = 0
    known: int = 0  # already stored, or repeated in the input: nothing written
    copies: int = 0  # stored, pointing at an earlier post with the same words (duplicate_of)
    rejected: int = 0  # no platform or post id
    distress: int = 0  # new distress posts (copies not counted)
    triaged: int = 0  # Triage rows made
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, other: IngestResult) -> None:
        for name in ("received", "stored", "known", "copies", "rejected", "distress", "triaged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for phase, seconds in other.seconds.items():
            self.seconds[phase] += seconds


# --- the batch ---------------------------------------------------------------------------------------------------

class _Post:
    """One item being stored (plain attributes: a batch holds thousands)."""

    __slots__ = ("author_handle", "author_id", "author_location", "author_name", "category", "copy_of", "cues",
                 "distress", "hash", "id", "in_reply_to", "lang", "lat", "lon", "mission_id", "mission_source",
                 "platform", "post_id", "published_at", "sentiment", "shares", "streams", "terms", "text",
                 "topic_id", "url")

    def __init__(self, item: HeardItem, now: dt.datetime) -> None:
        self.platform = str(item.platform or "").strip().lower()[:12]
        self.post_id = str(item.post_id or "").strip()[:200]
        self.published_at = min(aware(item.published_at, now), now)  # a clock ahead of ours is not the future
        self.text = clean_text(item.text)
        self.url = clean_text(item.url)[:400]
        self.author_id = clean_text(item.author_id)[:80]
        self.author_handle = clean_text(item.author_handle)[:120]
        self.author_name = clean_text(item.author_name)[:200]
        self.author_location = clean_text(item.author_location)[:200]
        self.in_reply_to = clean_text(item.in_reply_to)[:200]
        lat, lon = coordinate(item.lat, 90.0), coordinate(item.lon, 180.0)
        both = lat is not None and lon is not None
        self.lat: float | None = lat if both else None
        self.lon: float | None = lon if both else None
        shares = item.shares if isinstance(item.shares, int) and not isinstance(item.shares, bool) else None
        self.shares = max(0, min(shares, 2**31 - 1)) if shares is not None else None
        self.hash = 0
        # an earlier post of the batch, or the text hash of a stored post (then, when written, the id copied)
        self.copy_of: _Post | int | None = None
        self.id: int | None = None
        self.lang, self.sentiment = "other", "neutral"
        self.topic_id: int | None = None
        self.streams: list[int] = []
        self.terms: list[str] = []
        self.mission_id: int | None = None
        self.mission_source = ""
        self.distress, self.category = False, ""
        self.cues: list[str] = []

    def take(self, source: _Post | tuple[Any, ...]) -> None:
        """The analysis of the post this one copies (a post of the batch, or a stored post's values)."""
        if isinstance(source, _Post):
            values = (source.lang, source.sentiment, source.topic_id, source.distress, source.category,
                      source.cues, source.mission_id, source.mission_source)
        else:
            values = source
        (self.lang, self.sentiment, self.topic_id, self.distress, self.category, self.cues,
         self.mission_id, self.mission_source) = values
        self.cues = list(self.cues or [])


class _Context:
    """What one ingest call reads once: the streams' terms, missions by code, the topic model."""

    def __init__(self, streams: Sequence[Stream] | None, now: dt.datetime) -> None:
        self.now = now
        chosen = list(streams) if streams is not None else list(Stream.objects.filter(active=True))
        self.matcher = TermMatcher(chosen)
        self.missions = dict(Mission.objects.values_list("code", "pk"))
        self.codes = {pk: code for code, pk in self.missions.items()}
        self.topics = TopicModel.load(now)
        self._names: MissionNames | None = None

    @property
    def names(self) -> MissionNames:
        """The missions' names and handles for `whereabouts`, read once per ingest call when first needed."""
        if self._names is None:
            self._names = mission_names()
        return self._names


def _batches(items: Iterable[HeardItem], size: int) -> Iterator[list[HeardItem]]:
    batch: list[HeardItem] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _stored_keys(posts: Sequence[_Post]) -> set[tuple[str, str]]:
    """(platform, post_id) of these posts that are already stored."""
    by_platform: dict[str, list[str]] = defaultdict(list)
    for post in posts:
        by_platform[post.platform].append(post.post_id)
    found: set[tuple[str, str]] = set()
    for platform, ids in by_platform.items():
        for chunk in bulk.batched(ids, CHUNK):
            found.update((platform, pid) for pid in Heard.objects.filter(platform=platform, post_id__in=chunk)
                         .values_list("post_id", flat=True))
    return found


def _stored_firsts(hashes: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """hash → (id, lang, sentiment, topic, distress, category, cues, mission, mission source) of the first stored
    post with that text."""
    firsts: dict[int, tuple[Any, ...]] = {}
    for chunk in bulk.batched(hashes, CHUNK):
        rows = (Heard.objects.filter(text_hash__in=chunk, duplicate_of__isnull=True).order_by("-id")
                .values_list("text_hash", "id", "lang", "sentiment", "topic_id", "distress", "distress_category",
                             "distress_cues", "mission_id", "mission_source"))
        for row in rows:  # newest first, so the oldest is written last and kept
            firsts[row[0]] = row[1:]
    return firsts


def _ids(posts: Sequence[_Post]) -> None:
    """Read back the ids of posts just inserted (plain INSERTs return none)."""
    by_key = {(p.platform, p.post_id): p for p in posts}
    by_platform: dict[str, list[str]] = defaultdict(list)
    for post in posts:
        by_platform[post.platform].append(post.post_id)
    for platform, ids in by_platform.items():
        for chunk in bulk.batched(ids, CHUNK):
            for pk, pid in Heard.objects.filter(platform=platform, post_id__in=chunk).values_list("id", "post_id"):
                by_key[(platform, pid)].id = pk


class _Batch:
    def __init__(self, context: _Context, result: IngestResult) -> None:
        self.context = context
        self.result = result
        self.places: dict[tuple[Any, ...], Whereabouts | None] = {}
        self._stored: dict[int, tuple[Any, ...]] = {}
        self._stored_ids: dict[int, int] = {}

    def _time(self, phase: str, started: float) -> float:
        now = time.perf_counter()
        self.result.seconds[phase] += now - started
        return now

    def run(self, items: Sequence[HeardItem]) -> None:
        t = time.perf_counter()
        now = self.context.now
        posts: list[_Post] = []
        seen: set[tuple[str, str]] = set()
        for item in items:
            post = _Post(item, now)
            if not post.platform or not post.post_id:
                self.result.rejected += 1
                continue
            key = (post.platform, post.post_id)
            if key in seen:
                self.result.known += 1
                continue
            seen.add(key)
            posts.append(post)
        t = self._time("clean", t)
        stored = _stored_keys(posts)
        if stored:
            self.result.known += sum((p.platform, p.post_id) in stored for p in posts)
            posts = [p for p in posts if (p.platform, p.post_id) not in stored]
        originals = self._copies(posts)
        t = self._time("dedup", t)
        match = self.context.matcher.match
        for post in posts:  # copies too: a repost adds to its terms' counts
            post.streams, post.terms = match(post.text)
        self._time("terms", t)
        self._read(originals)
        for post in posts:
            if post.copy_of is not None:
                post.take(post.copy_of if isinstance(post.copy_of, _Post) else self._stored[post.copy_of])
        self._write(posts, originals)

    def _copies(self, posts: list[_Post]) -> list[_Post]:
        """Mark copies (a text already stored or earlier in the batch); returns the posts to read."""
        first: dict[int, _Post] = {}
        candidates: list[_Post] = []
        for post in posts:
            normal = normalise(post.text)
            post.hash = text_hash(normal)
            if len(normal) < MIN_COPY_CHARS:
                continue
            if post.hash in first:
                post.copy_of = first[post.hash]
            else:
                first[post.hash] = post
                candidates.append(post)
        firsts = _stored_firsts([p.hash for p in candidates])
        self._stored = {h: row[1:] for h, row in firsts.items()}
        self._stored_ids = {h: row[0] for h, row in firsts.items()}
        for post in candidates:
            if post.hash in firsts:
                post.copy_of = post.hash  # a stored post, by its text's hash (resolved by take() and _write)
        for post in posts:  # a copy of a batch post that itself copies a stored one points at the stored one
            if isinstance(post.copy_of, _Post) and post.copy_of.copy_of is not None:
                post.copy_of = post.copy_of.copy_of
        return [p for p in posts if p.copy_of is None]

    def _read(self, posts: list[_Post]) -> None:
        """Language, sentiment, distress, mission and topic of the new texts."""
        t = time.perf_counter()
        texts = [p.text for p in posts]
        langs = detect_languages(texts)
        t = self._time("language", t)
        for post, lang, label in zip(posts, langs, score(texts, langs), strict=True):
            post.lang, post.sentiment = lang, label
        t = self._time("sentiment", t)
        for post in posts:
            if may_be_distress(post.text):
                found = distress.assess(post.text)
                if found.flagged:
                    post.distress, post.category, post.cues = True, found.category, list(found.cues)
                    self.result.distress += 1
            if post.distress or post.lat is not None:
                self._place(post)
        t = self._time("distress", t)
        model, now = self.context.topics, self.context.now
        assigned = [(post, model.assign(significant_words(post.text), post.published_at or now)) for post in posts]
        model.save()
        for post, topic in assigned:
            post.topic_id = topic.pk if topic is not None else None
        self._time("topics", t)

    def _place(self, post: _Post) -> None:
        """The post's mission: for a distress post from everything whereabouts reads, for another post from its
        position alone (cached per batch: many posts come from one place, or repeat one profile)."""
        if post.distress:
            key: tuple[Any, ...] = (post.lat, post.lon, post.author_location, post.text)
            if key not in self.places:
                self.places[key] = whereabouts(lat=post.lat, lon=post.lon, profile_location=post.author_location,
                                               text=post.text, known=self.context.names)
        else:
            key = (post.lat, post.lon)
            if key not in self.places:
                self.places[key] = whereabouts(lat=post.lat, lon=post.lon)
        found = self.places[key]
        if found is not None and found.mission in self.context.missions:
            post.mission_id = self.context.missions[found.mission]
            post.mission_source = {"post": "position"}.get(found.source, found.source)

    def _write(self, posts: list[_Post], originals: list[_Post]) -> None:
        t = time.perf_counter()
        now = self.context.now
        copies = [p for p in posts if p.copy_of is not None]
        in_batch = {id(p.copy_of) for p in copies if isinstance(p.copy_of, _Post)}
        bulk.insert_many(Heard, HEARD_COLUMNS, self._rows(originals, now), set_based=("sqlite",))
        _ids([p for p in originals if p.distress or id(p) in in_batch])
        for post in copies:
            source = post.copy_of
            post.copy_of = source.id if isinstance(source, _Post) else self._stored_ids[int(source or 0)]
        bulk.insert_many(Heard, HEARD_COLUMNS, self._rows(copies, now), set_based=("sqlite",))
        triage = [Triage(heard_id=p.id, mission_id=p.mission_id, category=p.category, status=Triage.Status.NEW,
                         queued_at=now) for p in originals if p.distress and p.mission_id is not None and p.id]
        if triage:
            Triage.objects.bulk_create(triage)
        t = self._time("write", t)
        self._count(posts)
        self._time("counts", t)
        self.result.stored += len(posts)
        self.result.copies += len(copies)
        self.result.triaged += len(triage)

    def _rows(self, posts: Sequence[_Post], now: dt.datetime) -> list[tuple[Any, ...]]:
        moment, as_json = bulk.preparer(Heard, "published_at"), bulk.preparer(Heard, "streams")
        heard_at, empty = moment(now), as_json([])
        return [(p.platform, p.post_id, moment(p.published_at), heard_at, p.text, p.url, p.author_id, p.author_handle,
                 p.author_name, p.author_location, p.lat, p.lon, p.in_reply_to, p.shares, p.hash,
                 p.copy_of, p.lang, p.sentiment, p.topic_id, as_json(p.streams) if p.streams else empty,
                 as_json(p.terms) if p.terms else empty, p.mission_id, p.mission_source, p.distress, p.category,
                 as_json(p.cues) if p.cues else empty) for p in posts]

    def _count(self, posts: Sequence[_Post]) -> None:
        """Add the batch to the hourly counts of its terms, topics and missions."""
        counts: dict[tuple[str, dt.datetime], list[int]] = defaultdict(lambda: [0, 0, 0])
        codes = self.context.codes
        for post in posts:
            hour = post.published_at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
            keys = [f"term:{t}" for t in post.terms]
            if post.topic_id is not None:
                keys.append(f"topic:{post.topic_id}")
            if post.mission_id is not None:
                keys.append(f"mission:{codes[post.mission_id]}")
            positive, negative = post.sentiment == "positive", post.sentiment == "negative"
            for key in keys:
                row = counts[(key[:140], hour)]
                row[0] += 1
                row[1] += positive
                row[2] += negative
        moment = bulk.preparer(HourCount, "hour")
        rows = [(key, moment(hour), *values) for (key, hour), values in sorted(counts.items())]
        bulk.add_many(HourCount, ("key", "hour", "posts", "positive", "negative"), rows, unique=("key", "hour"),
                      add=("posts", "positive", "negative"))


def ingest(items: Iterable[HeardItem], *, streams: Sequence[Stream] | None = None,
           now: dt.datetime | None = None) -> IngestResult:
    """Store heard posts (see the module docstring): BATCH at a time, one transaction each. `streams`: the
    streams whose terms are matched (default: every active stream). Never raises on a post's content; a database
    error other than a concurrent insert of the same post propagates (the batch is then not stored)."""
    now = now or timezone.now()
    context = _Context(streams, now)
    result = IngestResult()
    for items_batch in _batches(items, BATCH):
        result.received += len(items_batch)
        for attempt in (1, 2):
            partial = IngestResult()
            try:
                with transaction.atomic():
                    _Batch(context, partial).run(items_batch)
            except IntegrityError:
                if attempt == 2:
                    raise
                context.topics = TopicModel.load(now)  # the rolled-back topics are not in the database
                continue
            partial.received = 0
            result.add(partial)
            break
    return result
