"""The distress detector (embassy.social.distress) on posts written the way workers and families write them,
in Indonesian (informal spelling included), Malay-flavoured Indonesian, English and a mix, on posts that use
the same words without anyone in trouble, and on news about distress; its measured precision and recall on the
labelled set kept in the repo (embassy/social/data/distress/), and the `distress_score` command."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from embassy.social.distress import assess
from embassy.social.management.commands.distress_score import Tally, parse

DATA = Path(__file__).resolve().parents[1] / "data" / "distress"

DISTRESS = [
    ("Tolong sy min, paspor saya ditahan majikan udah 2 tahun", "documents"),
    ("gaji 5 bulan belum dibayar sama majikan, mau pulang gk boleh", "abuse"),
    ("gaji sy gk dibayar2 udah 7 bln @KBRI_KualaLumpur", "unpaid_salary"),
    ("Sy TKW di Penang, tidak digaji dan tidak boleh keluar rumah. Tolongggg", "abuse"),
    ("adik saya disekap agen di Riyadh, hp nya diambil", "abuse"),
    ("Kakak saya dipukuli majikan tiap hari, tolong bantu KJRI Jeddah", "abuse"),
    ("Saya kabur dari majikan, sekarang di jalan tidak punya apa2", "abuse"),
    ("teman saya dijual agen ke majikan lain, ini perdagangan orang", "trafficking"),
    ("sudah 3 bulan hilang kontak dengan ibu saya yang kerja di Taiwan", "whereabouts"),
    ("SOS tolong saya takut sekali sama majikan", "other"),
    ("Please help, my employer took my passport and I have not been paid for months", "documents"),
    ("My sister is locked in the house by her employer in Dubai", "abuse"),
    ("URGENT: Indonesian maid trapped in apartment, no food for 2 days", "abuse"),
    # hurried typing: split prefixes, dropped vowels, "don't"
    ("tlong sya di kurung majikn gk blh kluar", "abuse"),
    ("they don't let us go out, the agency keeps us here", "abuse"),
    ("majikan gw ga ngasih gaji dari awal kerja, 10 bulan", "unpaid_salary"),
    # trouble with the writer or family: detention, death, stranded
    ("mohon bantuan, suami saya ditangkap polisi di Johor Bahru", "detention"),
    ("sy terdampar di bandara Doha, uang habis, tolong", "stranded"),
]

CALM = [
    "Terima kasih KBRI Kuala Lumpur atas bantuannya, paspor baru sudah jadi",
    "Alhamdulillah majikan saya baik, gaji selalu dibayar tepat waktu",
    "Kapan KBRI buka layanan paspor hari Sabtu?",
    "tolong info lowongan kerja di Taiwan dong",
    "Selamat Hari Pahlawan dari KJRI Hong Kong!",
    "The embassy's cultural night was lovely, thank you",
    "Paspor saya tidak ditahan, aman kok",
    "saya gak pernah dipukul majikan, beliau orang baik",
    "dikunci di luar kamar kos, kunci ketinggalan wkwk",
    "website KBRI error terus, tolong diperbaiki",
    "bantu dong vote video aku di lomba PMI Berprestasi",
    "",
    "🙏🙏🙏",
]

NEWS = [
    "KBRI Kuala Lumpur evakuasi 20 WNI korban TPPO dari sebuah apartemen di Cheras",
    "Kasus PMI disekap di Penang: majikan divonis 10 tahun penjara",
    "BREAKING: Police raid Dubai villa, rescue three Indonesian domestic workers held for months",
]


@pytest.mark.parametrize(("text", "category"), DISTRESS)
def test_distress_posts_are_flagged_with_their_category(text: str, category: str) -> None:
    result = assess(text)
    assert result.flagged, text
    assert result.category == category, (text, result)
    assert result.cues


@pytest.mark.parametrize("text", CALM)
def test_posts_without_anyone_in_trouble_are_not_flagged(text: str) -> None:
    assert not assess(text).flagged, (text, assess(text))


@pytest.mark.parametrize("text", NEWS)
def test_news_about_distress_is_not_a_cry_for_help(text: str) -> None:
    result = assess(text)
    assert not result.flagged and result.news, (text, result)


def test_a_victim_writing_in_the_first_person_is_not_news() -> None:
    result = assess("sy korban TPPO, skrg di rumah teman di Riyadh, tolong jemput")
    assert result.flagged and not result.news


def test_cues_name_what_was_found_harm_first() -> None:
    result = assess("tolong, paspor saya ditahan majikan")
    assert result.cues == ("paspor saya ditahan", "tolong")
    assert assess("gaji 5 bln blm dibayar").cues == ("gaji 5 bulan belum dibayar",)


def test_a_negated_harm_word_is_not_harm() -> None:
    assert not assess("alhamdulillah saya tidak dipukul, majikan baik").flagged
    assert assess("saya dipukul majikan").flagged


def test_trouble_counts_only_for_the_writer_or_with_a_call_for_help() -> None:
    assert not assess("Negara tetangga deportasi WNI lewat Nunukan").flagged
    assert assess("anak saya ditahan imigrasi Malaysia").flagged


def test_enormous_and_odd_texts_do_not_crash() -> None:
    assert not assess("tolong " * 50_000).flagged  # read up to sentiment.text.MAX_CHARS; a call alone is no flag
    assert assess("tolong sy disekap majikan " + "x" * 100_000).flagged
    assert not assess("\ud800\x00").flagged


def _labelled(name: str) -> Tally:
    tally = Tally()
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        text, gold = parse(line)
        assert gold is not None, line
        tally.add(gold, assess(text).flagged)
    return tally


@pytest.mark.parametrize("name", ["dev.tsv", "heldout.tsv"])
def test_the_goal_holds_on_the_labelled_set(name: str) -> None:
    """Issue 15: recall ≥ 0.9 at precision ≥ 0.7. The held-out third was not looked at while the cues were tuned
    (docs/distress.md gives both numbers)."""
    tally = _labelled(name)
    precision, recall = tally.tp / (tally.tp + tally.fp), tally.tp / (tally.tp + tally.fn)
    assert recall >= 0.9 and precision >= 0.7, (name, precision, recall)


def test_the_labelled_set_has_300_posts_of_three_kinds() -> None:
    labels = [parse(line)[1] for name in ("dev.tsv", "heldout.tsv")
              for line in (DATA / name).read_text(encoding="utf-8").splitlines()]
    assert len(labels) >= 300
    assert {label: labels.count(label) for label in set(labels)}.keys() == {"distress", "not", "news"}


def test_the_command_prints_one_label_per_line_in_order(tmp_path: Path) -> None:
    source = tmp_path / "posts.txt"
    source.write_text("tolong sy disekap majikan\nSelamat pagi\n\ngaji blm dibayar 3 bln\tdistress\n", "utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("distress_score", str(source), stdout=out, stderr=err)
    assert out.getvalue().split("\n")[:4] == ["distress", "not", "not", "distress"]


def test_the_report_counts_news_as_not(tmp_path: Path) -> None:
    source = tmp_path / "posts.tsv"
    source.write_text("tolong sy disekap majikan\tdistress\nKasus PMI disekap di Penang: majikan divonis\tnews\n"
                      "Selamat pagi\tnot\n", "utf-8")
    err = io.StringIO()
    call_command("distress_score", str(source), "--report", stdout=io.StringIO(), stderr=err)
    assert "precision=1.0000 recall=1.0000" in err.getvalue() and "news=1" in err.getvalue()


def test_the_command_reads_stdin_and_refuses_a_report_without_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"tolong sy disekap majikan\n")))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("distress_score", "-", "--report", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "distress"
    with pytest.raises(CommandError):
        call_command("distress_score", "/nonexistent/posts.txt", stdout=io.StringIO())
