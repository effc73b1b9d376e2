"""Topics: an online, incremental clustering of heard posts, in Indonesian and English (issue 15 point 1).

Posts arrive as a stream, millions a year, and the ministry wants "what are people talking about" without a
model to train or a GPU. Each post is reduced to its *significant words*: lower case, links and mentions out,
informal spelling mapped as the sentiment model reads it ("tlg" → "tolong"), words of three letters or more,
Indonesian and English stopwords out. A topic keeps how many of its posts carry each word (its `centroid`);
the clustering is a leader algorithm over IDF-weighted binary vectors:

- a word's weight is its inverse document frequency, idf = min(ln((N + 1) / (max(df, 1) + 1)) + 1, IDF_CAP),
  with N and df counted by the topics themselves (the sum of their posts and of their centroids), so a word
  every post has ("wni", the stream's own term) weighs little and "gempa" or "disekap" weigh a lot — but a word
  no other post has weighs no more than any rare word (a post's own names and typos do not drown what it
  shares with a topic);
- a post joins the topic whose centroid is most similar (cosine in idf-weighted space) if that similarity is
  at least THRESHOLD, else it starts a topic of its own;
- candidates come from an inverted index of the post's CANDIDATE_WORDS rarest words that some topic has, so a post is compared
  with a handful of topics, not all of them (a word that thousands of topics have, MAX_POSTINGS, adds none once
  a rarer word found some: its weight is too small to carry a post into a topic alone).

A post with fewer than MIN_WORDS significant words (media only, "mantap!") gets no topic. Each centroid keeps
its KEEP most frequent words once it grows past twice that (bounded memory, and the rare words a topic lost
matter least to its similarity). The label is the three words that tell the topic apart best (share of its
posts × idf).

The model is loaded from the recently seen topics at each ingest call and written back after each batch; two
processes ingesting at once may each miss the other's increments to a centroid (statistics, not records: the
posts themselves are never lost).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from embassy.common import bulk
from embassy.listening.models import Topic
from embassy.social.sentiment.text import SLANG

THRESHOLD = 0.35  # cosine similarity a post needs to join a topic (tests: paraphrases ≥ 0.4, other subjects < 0.2)
MIN_WORDS = 2
IDF_CAP = 5.0  # the weight of a word in fewer than ~1 post in 55: all rarer words weigh the same
MAX_WORDS = 24  # significant words read from one post (an enormous text is one post, not a topic of its own)
CANDIDATE_WORDS = 4
MAX_POSTINGS = 256  # a word in more topics than this only finds candidates when the post's rarer words found none
MAX_CANDIDATES = 12  # topics compared with one post at most (those sharing most of its rarest words)
KEEP = 64
ACTIVE_DAYS = 7  # topics seen in this many days are loaded; older ones are left alone (a new topic starts)
MAX_ACTIVE = 20_000  # topics held in memory; the least recently seen are let go beyond this
LABEL_WORDS = 3

_LINK_OR_MENTION = re.compile(r"https?://\S+|www\.\S+|@\w+")
_WORD = re.compile(r"[^\W\d_]{3,}")

# Function words that say nothing about a subject (Indonesian, then English), and platform chatter.
STOPWORDS = frozenset("""
yang dan di ke dari ini itu untuk dengan pada dalam tidak ada akan juga saya kami kita kamu anda mereka dia
ia nya sudah belum bisa mau harus sangat lebih karena jadi tapi tetapi atau kalau jika agar supaya sebagai oleh
para saja masih lagi hanya pun sama seperti bagi tentang antara setelah sebelum sejak hingga sampai namun bahwa
adalah ialah yaitu yakni banyak semua setiap beberapa sedang telah pernah apa siapa mana kapan bagaimana kenapa
mengapa berapa sini sana situ begitu begini aja deh dong sih kok lah kah pak bu bapak ibu mas mbak kak bang
gue aku lho nih tuh yah ya iya oke hari ini kemarin besok sekarang nanti tahun bulan minggu jam orang hal
cara bikin buat dapat jangan bukan kalian beliau tersebut terhadap tanpa dulu baru pula masing
the and for are but not you your with this that from have has had was were will would can could should
they them their there here what when where which who whom why how all any some our out about into over
just also than then its it's been being did does doing done get got very more most much many such only own
same too off again further once each few other both him his her hers she he its we us my me mine i a an of
to in on at by as is be or if so no yes rt via amp http https www com
""".split())  # noqa: SIM905 - a block of words reads and edits better than a list of 300 strings


def significant_words(text: str) -> list[str]:
    """The words a topic is made of, in order of first appearance, at most MAX_WORDS."""
    text = text[:5000].lower()
    if "http" in text or "www." in text or "@" in text:
        text = _LINK_OR_MENTION.sub(" ", text)
    out: dict[str, None] = {}
    slang = SLANG.get
    for token in _WORD.findall(text):
        for word in slang(token, token).split():
            if len(word) >= 3 and word not in STOPWORDS:
                out[word] = None
        if len(out) >= MAX_WORDS:
            break
    return list(out)


@dataclass(eq=False)
class Cluster:
    """One topic in memory: the Topic row (unsaved for a new one) and its counts."""

    topic: Topic
    centroid: dict[str, int]
    posts: int
    position: int = -1  # in TopicModel.clusters
    norm_dirty: bool = True
    norm: float = 0.0
    norm_posts: int = 0  # posts when the norm was computed
    changed: bool = False


@dataclass
class TopicModel:
    """The clustering's state while an ingest call runs; `assign` one post at a time, `save` after a batch."""

    clusters: list[Cluster] = field(default_factory=list)
    index: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))  # word → cluster positions
    df: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: int = 0
    _idf: dict[str, float] = field(default_factory=dict)  # the words' idf, while `total` grows by less than a tenth
    _idf_total: int = 0

    @classmethod
    def load(cls, now: dt.datetime) -> TopicModel:
        """The topics seen in the last ACTIVE_DAYS (at most MAX_ACTIVE, the most recent)."""
        model = cls()
        recent = Topic.objects.filter(last_seen__gte=now - dt.timedelta(days=ACTIVE_DAYS)).order_by("-last_seen")
        for topic in recent[:MAX_ACTIVE]:
            centroid = {str(w): int(n) for w, n in (topic.centroid or {}).items()}
            model._add(Cluster(topic, centroid, max(topic.posts, 1)))
        return model

    def _add(self, cluster: Cluster) -> None:
        cluster.position = position = len(self.clusters)
        self.clusters.append(cluster)
        self.total += cluster.posts
        for word, n in cluster.centroid.items():
            self.index[word].add(position)
            self.df[word] += n

    def idf(self, word: str) -> float:
        """A word never seen weighs as one seen once, and no word more than IDF_CAP: else the words a post has of
        its own (names, numbers, typos: most short posts have several) would outweigh the words it shares with a
        topic, and a topic's new posts would stop joining it as it grows."""
        cached = self._idf.get(word)
        if cached is not None:
            return cached
        if self.total > self._idf_total * 1.1 + 10:  # the weights move slowly once there are many posts
            self._idf.clear()
            self._idf_total = self.total
        weight = self._idf[word] = self.idf_now(word)
        return weight

    def idf_now(self, word: str) -> float:
        """The idf from this moment's counts (`idf` keeps a word's weight until the posts grow by a tenth)."""
        return min(math.log((self.total + 1) / (max(self.df.get(word, 0), 1) + 1)) + 1.0, IDF_CAP)

    def _norm(self, cluster: Cluster) -> float:
        """The centroid's length, recomputed when the topic has grown by a tenth since (a big topic's length
        moves slowly; recomputing it for each post that joins was a third of the clustering's time)."""
        if cluster.norm_dirty and cluster.posts >= cluster.norm_posts * 1.1:
            cluster.norm_posts = cluster.posts
            idf = self.idf
            cluster.norm = math.sqrt(sum((n * idf(w)) ** 2 for w, n in cluster.centroid.items())) or 1.0
            cluster.norm_dirty = False
        return cluster.norm

    def assign(self, words: Sequence[str], now: dt.datetime) -> Topic | None:
        """The post's topic (a new, unsaved Topic when no existing one is close enough); None with too few
        significant words."""
        if len(words) < MIN_WORDS:
            return None
        known = sorted((w for w in words if self.index.get(w)), key=lambda w: self.df.get(w, 0))
        votes: dict[int, int] = defaultdict(int)
        for word in known[:CANDIDATE_WORDS]:
            positions = self.index[word]
            if len(positions) > MAX_POSTINGS and votes:
                continue  # a word of thousands of topics weighs little: the rarer words found the candidates
            for position in positions:
                votes[position] += 1
        if len(votes) > MAX_CANDIDATES:  # the topics that share most of the post's rarest words
            votes = dict(sorted(votes.items(), key=lambda item: -item[1])[:MAX_CANDIDATES])
        best, best_sim = None, 0.0
        if votes:  # cosine in idf-weighted space; the post's half is computed once for all its candidates
            squares = [self.idf(w) ** 2 for w in words]
            post_norm = math.sqrt(sum(squares)) or 1.0
            pairs = list(zip(words, squares, strict=True))
            for position in votes:
                cluster = self.clusters[position]
                get = cluster.centroid.get
                sim = sum([x2 * get(w, 0) for w, x2 in pairs]) / (post_norm * self._norm(cluster))
                if sim > best_sim:
                    best, best_sim = cluster, sim
        if best is None or best_sim < THRESHOLD:
            best = Cluster(Topic(label="", terms=[], posts=0, first_seen=now, last_seen=now), {}, 0)
            self._add(best)
        self._count(best, words, now)
        return best.topic

    def _count(self, cluster: Cluster, words: Sequence[str], now: dt.datetime) -> None:
        for word in words:
            if word not in cluster.centroid:
                self.index[word].add(cluster.position)
            cluster.centroid[word] = cluster.centroid.get(word, 0) + 1
            self.df[word] += 1
        cluster.posts += 1
        self.total += 1
        cluster.norm_dirty = True
        cluster.changed = True
        cluster.topic.last_seen = max(cluster.topic.last_seen, now)
        if len(cluster.centroid) > 2 * KEEP:
            self._prune(cluster)

    def _prune(self, cluster: Cluster) -> None:
        """Keep the topic's KEEP most frequent words (the rest leave its index and the df counts)."""
        ranked = sorted(cluster.centroid.items(), key=lambda item: -item[1])
        for word, n in ranked[KEEP:]:
            self.index[word].discard(cluster.position)
            self.df[word] -= n
        cluster.centroid = dict(ranked[:KEEP])
        cluster.norm_posts = 0  # recompute the length at the next comparison

    def label(self, cluster: Cluster) -> tuple[str, list[str]]:
        """(label, words most telling first): the share of the topic's posts with the word × its idf."""
        idf, posts = self.idf_now, max(cluster.posts, 1)
        ranked = sorted(cluster.centroid, key=lambda w: (-(cluster.centroid[w] / posts) * idf(w), w))
        return " · ".join(ranked[:LABEL_WORDS]), ranked[:12]

    def save(self) -> None:
        """Write the topics changed since the last save (new ones created, so they have ids)."""
        self._idf.clear()  # each batch starts from the counts as they are
        changed = [c for c in self.clusters if c.changed]
        for cluster in changed:
            topic = cluster.topic
            topic.label, topic.terms = self.label(cluster)
            topic.label = topic.label[:200]
            topic.posts = cluster.posts
            topic.centroid = cluster.centroid
            cluster.changed = False
        new = [c.topic for c in changed if c.topic.pk is None]
        old = [c.topic for c in changed if c.topic.pk is not None]
        if new:
            Topic.objects.bulk_create(new, batch_size=500)
        if old:  # one executemany (bulk_update's CASE expressions cost milliseconds a row)
            as_json, moment = bulk.preparer(Topic, "terms"), bulk.preparer(Topic, "last_seen")
            bulk.update_rows(Topic, ["label", "terms", "posts", "centroid", "last_seen"],
                             [(t.label, as_json(t.terms), t.posts, as_json(t.centroid), moment(t.last_seen), t.pk)
                              for t in old])


def cluster_texts(texts: Iterable[str], now: dt.datetime) -> list[Topic | None]:
    """Assign topics to texts and save them: the whole clustering for one batch (tests, small callers)."""
    model = TopicModel.load(now)
    topics = [model.assign(significant_words(t), now) for t in texts]
    model.save()
    return topics
