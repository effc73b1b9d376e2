"""Storing heard posts (embassy.listening.ingest): each post once, copies pointing at the first, language,
sentiment, stream terms, distress to the duty officer's triage queue, the hourly counts the spike detector reads,
and bad input that never crashes a batch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from embassy.listening.cleaning import MAX_TEXT, clean_text, normalise, text_hash
from embassy.listening.ingest import ingest
from embassy.listening.items import HeardItem
from embassy.listening.models import Heard, HourCount, Stream, Triage
from embassy.listening.prefilter import may_be_distress
from embassy.social import distress
from embassy.social.distress import assess

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 5, 10, 30, tzinfo=dt.UTC)


def item(post_id: str, text: str, **kw: object) -> HeardItem:
    return HeardItem(platform=str(kw.pop("platform", "x")), post_id=post_id,
                     published_at=kw.pop("published_at", NOW - dt.timedelta(minutes=5)),  # type: ignore[arg-type]
                     text=text, **kw)  # type: ignore[arg-type]


@pytest.fixture
def streams() -> list[Stream]:
    return [Stream.objects.create(name="WNI", terms=["WNI", "TKI"]),
            Stream.objects.create(name="KBRI KL", terms=['"KBRI Kuala Lumpur"', "@KBRI_KualaLumpur"])]


def test_posts_are_stored_with_language_sentiment_and_the_streams_they_match(streams: list[Stream]) -> None:
    result = ingest([
        item("1", "Pelayanan KBRI Kuala Lumpur sangat cepat dan ramah, terima kasih! #WNI"),
        item("2", "Worst experience ever, nobody at the embassy answers the phone. TKI deserve better"),
        item("3", "Ce matin la file d'attente était très longue devant le consulat"),
    ], streams=streams, now=NOW)
    assert (result.received, result.stored, result.known, result.copies) == (3, 3, 0, 0)
    one, two, three = Heard.objects.order_by("post_id")
    assert (one.lang, one.sentiment, one.terms) == ("id", "positive", ["kbri kuala lumpur", "wni"])
    assert one.streams == sorted(s.pk for s in streams)
    assert (two.lang, two.sentiment, two.terms, two.streams) == ("en", "negative", ["tki"], [streams[0].pk])
    assert (three.lang, three.terms, three.streams) == ("other", [], [])
    assert one.heard_at == NOW and one.duplicate_of_id is None and one.text_hash != 0


def test_a_term_matches_whole_words_only(streams: list[Stream]) -> None:
    ingest([item("1", "WNIX bukan WNI-nya"), item("2", "wnix saja")], streams=streams, now=NOW)
    assert [h.terms for h in Heard.objects.order_by("post_id")] == [["wni"], []]


def test_a_term_of_several_parts_needs_them_all_as_the_platforms_search_does() -> None:
    crisis = Stream.objects.create(name="Gempa Hualien", terms=["Hualien WNI", '"Hong Kong" TKI'])
    ingest([item("1", "Kabar WNI di Hualien setelah gempa"), item("2", "Hualien diguncang gempa"),
            item("3", "TKI di Hong Kong libur hari Minggu"), item("4", "Kong Hong TKI")], streams=[crisis], now=NOW)
    assert [h.terms for h in Heard.objects.order_by("post_id")] == [["hualien wni"], [], ["hong kong tki"], []]
    assert Heard.objects.get(post_id="1").streams == [crisis.pk]


def test_the_same_post_is_never_stored_twice(streams: list[Stream]) -> None:
    ingest([item("1", "WNI di Turki aman setelah gempa")], streams=streams, now=NOW)
    again = ingest([item("1", "edited text"), item("1", "again in the batch"), item("2", "WNI baru")],
                   streams=streams, now=NOW)
    assert (again.stored, again.known) == (1, 2)
    assert Heard.objects.get(post_id="1").text == "WNI di Turki aman setelah gempa"
    assert HourCount.objects.get(key="term:wni").posts == 2


def test_copies_and_reposts_point_at_the_first_post(streams: list[Stream]) -> None:
    first = "Gempa di Turki: semua WNI di Istanbul dalam keadaan aman https://kemlu.go.id/a"
    result = ingest([
        item("1", first),
        item("2", "RT @kemlu_ri: gempa di turki:  semua WNI di Istanbul dalam keadaan aman"),
        item("3", "Gempa di Turki: semua WNI di Istanbul dalam keadaan aman", platform="mastodon"),
    ], streams=streams, now=NOW)
    assert (result.stored, result.copies) == (3, 2)
    original = Heard.objects.get(post_id="1")
    copies = Heard.objects.exclude(pk=original.pk)
    assert {c.duplicate_of_id for c in copies} == {original.pk}
    assert {c.text_hash for c in copies} == {original.text_hash}
    assert {(c.lang, c.sentiment, c.topic_id) for c in copies} == {(original.lang, original.sentiment, original.topic_id)}
    assert {tuple(c.terms) for c in copies} == {("wni",)}
    assert HourCount.objects.get(key="term:wni").posts == 3  # a wave of reposts is counted
    later = ingest([item("9", "gempa di Turki: Semua WNI di Istanbul dalam keadaan aman!!")], streams=streams, now=NOW)
    assert later.copies == 0  # punctuation differs: a different text
    ingest([item("10", "GEMPA DI TURKI: SEMUA WNI DI ISTANBUL DALAM KEADAAN AMAN")], streams=streams, now=NOW)
    assert Heard.objects.get(post_id="10").duplicate_of_id == original.pk


def test_short_texts_and_media_only_posts_are_not_copies() -> None:
    ingest([item("1", "mantap"), item("2", "mantap"), item("3", ""), item("4", "", url="https://x.com/a/photo/1")],
           now=NOW)
    assert not Heard.objects.filter(duplicate_of__isnull=False).exists()
    assert Heard.objects.get(post_id="3").text_hash == 0


def test_a_distress_post_goes_to_the_missions_triage_queue_at_once() -> None:
    result = ingest([
        item("1", "Tolong KJRI Jeddah, paspor saya ditahan majikan dan gaji 5 bulan belum dibayar"),
        item("2", "tlg sy disekap agen, tidak boleh keluar rumah", author_location="Riyadh, Saudi Arabia"),
        item("3", "tolong, majikan saya jahat sekali"),  # distress, but no place: flagged, no queue
        item("4", "Terima kasih KBRI atas bantuannya"),
    ], now=NOW)
    assert (result.distress, result.triaged) == (3, 2)
    queue = {t.heard.post_id: t for t in Triage.objects.select_related("heard", "mission")}
    assert queue["1"].mission.code == "KJRI-JEDDAH" and queue["1"].status == Triage.Status.NEW
    assert queue["1"].queued_at == NOW and queue["1"].category == "documents"
    assert queue["2"].mission.code == "KBRI-RIYADH" and queue["2"].heard.mission_source == "profile"
    flagged = Heard.objects.get(post_id="3")
    assert flagged.distress and flagged.mission_id is None and "tolong" in flagged.distress_cues
    assert not Heard.objects.get(post_id="4").distress


def test_a_repost_of_a_distress_post_is_not_queued_twice() -> None:
    text = "Tolong KJRI Jeddah, paspor saya ditahan majikan sudah 3 bulan"
    ingest([item("1", text)], now=NOW)
    ingest([item("2", "RT @someone: " + text)], now=NOW)
    assert Triage.objects.count() == 1
    assert Heard.objects.get(post_id="2").distress


def test_a_posts_position_gives_its_mission_and_the_hourly_counts(streams: list[Stream]) -> None:
    ingest([item("1", "Antrian WNI di KBRI lama sekali, kecewa", lat=3.1390, lon=101.6869),
            item("2", "WNI senang, pelayanan bagus", lat=3.1390, lon=101.6869),
            item("3", "WNI", lat=float("nan"), lon=500.0)], streams=streams, now=NOW)
    heard = Heard.objects.get(post_id="1")
    assert heard.mission is not None and heard.mission.code == "KBRI-KUALA-LUMPUR"
    assert heard.mission_source == "position" and not heard.distress
    assert Heard.objects.get(post_id="3").lat is None
    hour = dt.datetime(2026, 12, 5, 10, tzinfo=dt.UTC)
    term = HourCount.objects.get(key="term:wni", hour=hour)
    assert (term.posts, term.positive, term.negative) == (3, 1, 1)
    assert HourCount.objects.get(key="mission:KBRI-KUALA-LUMPUR", hour=hour).posts == 2
    assert HourCount.objects.filter(key=f"topic:{heard.topic_id}", hour=hour, posts__gte=1).exists()


def test_bad_input_never_crashes_a_batch() -> None:
    enormous = ("tolong saya disekap majikan di Riyadh " * 20_000)
    result = ingest([
        item("1", "lone \ud800 surrogate and \udfff another, NUL \x00 too"),
        item("2", ""),
        item("3", "   ", url="https://x.com/i/status/3/photo/1"),
        item("4", enormous),
        item("", "no post id"),
        HeardItem(platform="", post_id="5", published_at=NOW, text="no platform"),
        item("6", "naive time", published_at=dt.datetime(2026, 12, 5, 9, 0)),  # noqa: DTZ001 - what a client may send
        item("7", "from the future", published_at=NOW + dt.timedelta(days=3)),
        item("8" * 500, "a very long id"),
        item("9", "🙏🙏🙏 😭"),
    ], now=NOW)
    assert (result.stored, result.rejected) == (8, 2)
    assert "\ufffd" in Heard.objects.get(post_id="1").text and "\x00" not in Heard.objects.get(post_id="1").text
    long = Heard.objects.get(post_id="4")
    assert len(long.text) <= MAX_TEXT and long.text.endswith("…") and long.distress
    assert Heard.objects.get(post_id="6").published_at == dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)
    assert Heard.objects.get(post_id="7").published_at == NOW
    assert Heard.objects.filter(post_id="8" * 200).exists()


def test_clean_text_and_normalise() -> None:
    assert clean_text(None) == "" and clean_text(" a ") == "a"
    assert normalise("RT @a: Hello   WORLD https://t.co/x ") == "hello world"
    assert text_hash("") == 0 and -(2**63) <= text_hash("hello world") < 2**63


@pytest.mark.parametrize("text", [
    "Tolong KJRI Jeddah, paspor saya ditahan majikan",
    "tolooong sy disekap",
    "bantu2 kami, majikan kejam",
    "tlg sy kabur dari majikan",
    "My employer took my passport and I have not been paid",
    "gaji 5 bulan belum dibayar",
    "tidak boleh keluar rumah, tidak dikasih makan",
    "HELP!!! my employer locked me in the house",
    "majikanku mukulin aku, takuuut",
    "paspornya d tahan agen, I don't get my salary",
    "sy dipukulii majikan",
])
def test_the_word_test_lets_every_distress_post_through(text: str) -> None:
    assert may_be_distress(text) or not assess(text).flagged


def test_the_word_test_lets_through_every_labelled_post_the_detector_flags() -> None:
    data = Path(distress.__file__).parent / "data" / "distress"
    texts = [line.partition("\t")[0] for path in sorted(data.glob("*.tsv"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    flagged = [t for t in texts if assess(t).flagged]
    assert len(flagged) > 100
    assert [t for t in flagged if not may_be_distress(t)] == []


def test_the_word_test_spares_ordinary_posts() -> None:
    calm = ["Pelayanan KBRI cepat sekali", "Selamat hari kemerdekaan!", "The embassy is closed on Monday",
            "Antrian visa hari ini lama sekali", "Great cultural night at the embassy"]
    assert not any(may_be_distress(t) for t in calm)


def test_the_number_of_queries_does_not_grow_with_the_batch(streams: list[Stream]) -> None:
    def queries(start: int, n: int) -> int:
        posts = [item(str(start + i), f"WNI nomor {start + i} antri paspor di KBRI Kuala Lumpur hari ke {i}")
                 for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            ingest(posts, streams=streams, now=NOW)
        return len(ctx.captured_queries)

    small, large = queries(0, 20), queries(1000, 400)
    assert large <= small + 2, (small, large)
