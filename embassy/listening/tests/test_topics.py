"""Topics (embassy.listening.topics): posts about one thing, however worded and in Indonesian or English, land in
one topic; clearly different subjects in different ones; a topic is named by its telling words, never by
stopwords; the clustering goes on across ingest calls."""

from __future__ import annotations

import datetime as dt

import pytest

from embassy.listening.models import Topic
from embassy.listening.topics import STOPWORDS, TopicModel, cluster_texts, significant_words

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)

EARTHQUAKE = [
    "Gempa di Turki, KBRI Ankara pastikan semua WNI aman",
    "WNI di Turki selamat dari gempa, kata KBRI Ankara",
    "Gempa besar guncang Turki, bagaimana kabar WNI? KBRI Ankara buka hotline",
    "gempa turki: kbri ankara data wni yang terdampak",
]
PASSPORT_QUEUE = [
    "Antrian paspor di KBRI Kuala Lumpur panjang sekali, sudah 5 jam menunggu",
    "Antri paspor di KBRI Kuala Lumpur dari pagi belum dipanggil juga",
    "KBRI Kuala Lumpur, antrian paspor lama banget, tolong tambah loket",
]
FESTIVAL = [
    "The Indonesian food festival in London this weekend was amazing, the rendang sold out",
    "Loved the rendang at the Indonesian food festival in London!",
    "Indonesian food festival London: great rendang, long queues, worth it",
]


def test_paraphrases_of_one_subject_share_a_topic_and_subjects_do_not_mix() -> None:
    topics = cluster_texts(EARTHQUAKE + PASSPORT_QUEUE + FESTIVAL, NOW)
    groups = [topics[:4], topics[4:7], topics[7:]]
    ids = [{t.pk for t in group if t is not None} for group in groups]
    assert all(len(g) == 1 for g in ids), ids
    assert len(set.union(*ids)) == 3
    labels = {t.pk: t.label for t in Topic.objects.all()}
    assert "gempa" in labels[next(iter(ids[0]))] and "turki" in labels[next(iter(ids[0]))]
    assert "paspor" in labels[next(iter(ids[1]))] or "antrian" in labels[next(iter(ids[1]))]
    assert "rendang" in labels[next(iter(ids[2]))] or "festival" in labels[next(iter(ids[2]))]


def test_labels_and_words_leave_stopwords_out() -> None:
    assert significant_words("Yang di KBRI itu dan the embassy is in the city https://t.co/x @someone") == [
        "kbri", "embassy", "city"]
    assert significant_words("tlg sy mantappp 🙏") == ["tolong", "mantappp"]  # informal spelling mapped
    cluster_texts(EARTHQUAKE, NOW)
    topic = Topic.objects.get()
    assert topic.posts == 4 and not set(topic.label.split(" · ")) & STOPWORDS
    assert topic.terms[:2] and not set(topic.terms) & STOPWORDS


def test_posts_with_too_few_words_get_no_topic() -> None:
    assert cluster_texts(["", "🙏🙏", "mantap!", "https://x.com/a"], NOW) == [None, None, None, None]
    assert not Topic.objects.exists()


def test_the_clustering_goes_on_in_the_next_call_and_forgets_old_topics() -> None:
    first = cluster_texts(EARTHQUAKE[:2], NOW)[0]
    later = cluster_texts(EARTHQUAKE[2:], NOW + dt.timedelta(hours=3))
    assert first is not None and {t.pk for t in later if t} == {first.pk}
    topic = Topic.objects.get()
    assert topic.posts == 4 and topic.last_seen == NOW + dt.timedelta(hours=3) and topic.first_seen == NOW
    much_later = cluster_texts(EARTHQUAKE[:1], NOW + dt.timedelta(days=30))[0]  # an old topic is not reopened
    assert much_later is not None and much_later.pk != first.pk


def test_a_big_topic_keeps_its_centroid_bounded() -> None:
    model = TopicModel()
    for i in range(300):  # each post with two words of its own, among posts on another subject
        model.assign(["gempa", "turki", "wni", f"kata{i}", f"lain{i}"], NOW)
        model.assign(["antrian", "paspor", "kbri", f"jam{i}"], NOW)
    cluster = model.clusters[0]
    assert len(model.clusters) == 2 and cluster.posts == 300 and len(cluster.centroid) <= 128
    assert {"gempa", "turki", "wni"} <= set(cluster.centroid)
