"""Is this post someone abroad asking for help? (issue 15 point 4: citizens' distress posts go to the duty officer).

Workers in trouble post before they call ("tolong, paspor saya ditahan majikan, gaji 5 bulan belum dibayar").
The detector reads a post's words (`sentiment.text.words`: lower case, informal spelling mapped, elongation
undone; then a few repairs of its own for the way people in a hurry type: "di kurung", "gk blh kluar", "don't")
and looks for cues in Indonesian and English:

- harm: something done to a person that the mission acts on at once — confinement ("disekap", "tidak boleh
  keluar"), violence ("dipukul", "beat me"), sexual abuse, threats, forced work, no food, a passport held by
  someone else, wages not paid, trafficking and scam compounds. One harm cue is enough.
- trouble: what is grave when it happens to the writer or their family, but also appears in ordinary talk —
  arrest and prison, sickness and death, no contact for months, stranded without money. It counts only
  together with a person ("saya", "adik saya", "my sister") or a call for help.
- a call for help ("tolong", "bantu", "help", "SOS") together with a worker's context ("majikan", "agen",
  "TKI", "employer") or fear ("takut", "afraid").
- news: someone reporting on others' distress — a journalist, an NGO, an agency ("KBRI evakuasi 20 WNI korban
  TPPO", "majikan divonis 10 tahun"). Two or more reporting cues (agency names, reporting verbs, counts of
  victims, "kasus", "viral", "thread") and no writer in the first person (quotes aside) make a post news: it is
  not a cry for help and is not flagged (`Distress.news` says so, for measuring it separately).

A negator just before a harm word ("tidak dipukul", "gak pernah dipukul") cancels it; thanks without any harm,
requests for a vote or a share, hypothetical questions ("kalau paspor ditahan majikan, melanggar hukum gak?")
and stories of a trouble long past are not flagged. Each flag names its cues (what the officer reads first) and
a category (unpaid_salary, abuse, documents, trafficking, detention, health, whereabouts, stranded, other), so
that one click can open a case of the right kind. It over-flags rather than misses: a missed cry for help costs
more than a false alarm, and the triage queue is read by a person. Measured on a labelled set written for it
(embassy/social/data/distress/, docs/distress.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from embassy.social.sentiment.text import words

NEGATORS = frozenset({"tidak", "bukan", "belum", "tak", "jangan", "not", "never", "no", "tanpa"})
# Words that may stand between a negator and what it negates: "tidak pernah dipukul", "belum juga dibayar".
BETWEEN = frozenset({"pernah", "juga", "sampai", "lagi", "mau", "sekalipun", "been", "ever"})

# Typing in a hurry, beyond what sentiment.text maps (which stays tuned to its own corpus).
SPELLING = {
    "tlong": "tolong", "tolng": "tolong", "tulung": "tolong", "toling": "tolong", "blh": "boleh", "bleh": "boleh",
    "kluar": "keluar", "klwr": "keluar", "majikn": "majikan", "majkan": "majikan", "majika": "majikan",
    "mjikan": "majikan", "agensi": "agen", "agency": "agen", "agensinya": "agen", "pasport": "paspor",
    "pasppor": "paspor", "passport": "paspor", "passpor": "paspor", "disimpen": "disimpan", "ditahen": "ditahan",
    "dibyr": "dibayar", "dbayar": "dibayar", "dbyr": "dibayar", "byr": "bayar", "gj": "gaji", "gajih": "gaji",
    "ngasi": "ngasih", "kasi": "kasih", "dikasi": "dikasih", "dkasih": "dikasih", "nomer": "nomor",
    "temen": "teman", "adek": "adik", "kk": "kakak", "mkn": "makan", "uda": "sudah", "dah": "sudah",
    "dont": "not", "didnt": "not", "doesnt": "not", "wont": "not", "cant": "not", "cannot": "not", "isnt": "not",
    "havent": "not", "hasnt": "not",
}
_APOSTROPHE_NOT = frozenset({"don", "didn", "doesn", "won", "can", "isn", "haven", "hasn", "wasn", "aren"})
_SUFFIXES = ("nya", "ku", "mu")  # "gajinya", "paspornya", "majikanku": the stem carries the cue

# category → single words that are harm on their own (unless negated just before)
HARM_WORDS: dict[str, frozenset[str]] = {
    "abuse": frozenset({
        "disekap", "sekap", "dikurung", "dikunci", "disandera", "dipukul", "dipukuli", "dipukulin", "mukul",
        "memukul", "mukulin", "ditampar", "nampar", "dijambak", "ditendang", "disiksa", "menyiksa", "dianiaya",
        "diperkosa", "dilecehkan", "dicabuli", "diancam", "ngancam", "mengancam", "disetrika", "disiram",
        "disetrum", "dicubit", "dicakar", "didorong", "dimaki", "dipaksa", "kekerasan", "penganiayaan", "beaten",
        "abused", "raped", "tortured", "trapped", "confined", "threaten", "threatens", "threatened", "bruises",
        "forced", "slapped", "kicked",
    }),
    "trafficking": frozenset({"dijual", "trafficking", "trafficked", "tppo", "diculik", "kidnapped", "scammer",
                              "ditipu", "sold"}),
}
# Confinement words that are not confinement when followed by "out"/"di luar": "dikunci di luar kamar kos".
LOCKED = frozenset({"dikunci", "locked"})
# category → word sequences that are harm together (each inner tuple: words that must follow one another)
HARM_PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "unpaid_salary": (
        ("tidak", "digaji"), ("belum", "digaji"), ("tidak", "gajian"), ("belum", "gajian"), ("unpaid", "salary"),
        ("unpaid", "wages"), ("not", "been", "paid"), ("never", "paid"), ("no", "salary"), ("not", "pay"),
        ("not", "paid"), ("without", "pay"), ("tidak", "mau", "bayar"), ("tidak", "bayar"), ("memotong", "gaji"),
        ("dipotong", "gaji"), ("potong", "gaji"), ("gaji", "dipotong"), ("nahan", "gaji"), ("menahan", "gaji"),
        ("gaji", "hanya", "dikasih"), ("ditabung", "majikan"),
    ),
    "abuse": (
        ("tidak", "boleh", "keluar"), ("tidak", "diizinkan", "keluar"), ("tidak", "dikasih", "makan"),
        ("tidak", "diberi", "makan"), ("tidak", "boleh", "pulang"), ("tidak", "diizinkan", "pulang"),
        ("tidak", "boleh", "pegang", "hp"), ("pulang", "tidak", "boleh"), ("keluar", "tidak", "boleh"),
        ("not", "allowed", "to", "leave"), ("no", "food"), ("food", "only"), ("makan", "sisa"),
        ("makan", "sekali", "sehari"), ("tidak", "dikasih", "obat"), ("tidak", "dikasih", "libur"),
        ("tidak", "boleh", "libur"), ("kunci", "pintu"), ("not", "let"), ("tidak", "kasih", "izin"),
        ("tidak", "mau", "kasih", "paspor"), ("pesan", "terakhir"), ("tidak", "boleh", "sholat"),
        ("cannot", "leave"), ("not", "leave"), ("tidak", "mau", "bawa"), ("refuse", "to"),
    ),
    "trafficking": (("perdagangan", "orang"), ("human", "trafficking"), ("online", "scam"), ("scam", "company"),
                    ("disuruh", "nipu"), ("force", "us"), ("forced", "to")),
}
# category → (a word, one of these within WINDOW words after it): "paspor saya ditahan majikan", "gaji 5 bulan
# belum dibayar"
NEAR: dict[str, tuple[tuple[frozenset[str], frozenset[str]], ...]] = {
    "documents": ((frozenset({"paspor", "dokumen", "arc", "iqama"}),
                   frozenset({"ditahan", "disita", "diambil", "dipegang", "disimpan", "dibawa", "taken", "held",
                              "hold", "kept", "confiscated", "majikan", "agen", "employer", "bos", "boss",
                              "sponsor", "kapten", "perusahaan", "company"})),
                  (frozenset({"took", "takes", "take", "keeps", "keep", "kept", "holds", "hold", "confiscated",
                              "ambil", "nahan", "menahan", "tahan"}), frozenset({"paspor"}))),
    "abuse": ((frozenset({"kabur", "melarikan", "ran", "escaped"}),
               frozenset({"majikan", "rumah", "employer", "agen"})),
              (frozenset({"hp", "handphone", "phone", "ponsel"}), frozenset({"disita", "diambil", "dicek"})),
              (frozenset({"beat", "beats", "hit", "hits", "hitting", "burn", "burned", "slap", "kick", "locked",
                          "lock", "punch", "punched"}),
               frozenset({"me", "her", "him", "us", "them", "my", "hand"}))),
}
# the second word of a NEAR pair must be negated for wages ("belum dibayar"), and must not be for the others
NEGATED_NEAR: dict[str, tuple[tuple[frozenset[str], frozenset[str]], ...]] = {
    "unpaid_salary": ((frozenset({"gaji", "upah", "salary", "wages", "pesangon", "gajian"}),
                       frozenset({"dibayar", "dibayarkan", "dikasih", "diberi", "diberikan", "cair", "paid",
                                  "keluar", "masuk", "ditransfer", "dikirim"})),
                      # "ga ngasih gaji": the negated verb comes first
                      (frozenset({"ngasih", "kasih", "bayar", "membayar", "bayarin", "memberi", "kasi"}),
                       frozenset({"gaji", "upah", "salary", "wages", "pesangon"}))),
}
WINDOW = 5

# Trouble: grave when it concerns the writer or their family, or comes with a call for help.
TROUBLE_WORDS: dict[str, frozenset[str]] = {
    "detention": frozenset({"ditangkap", "penjara", "dipenjara", "detained", "arrested", "jail", "prison",
                            "razia", "dideportasi", "deportasi", "ditahan"}),
    "health": frozenset({"meninggal", "tewas", "jenazah", "kecelakaan", "luka", "berdarah", "hamil",
                         "bengkak", "died", "dead", "injured", "sick", "hospital", "kanker", "bunuh"}),
    "stranded": frozenset({"terdampar", "terlantar", "stuck", "stranded", "overstay", "diusir", "mengusir",
                           "ngusir", "ditinggal", "homeless", "dibuang"}),
}
TROUBLE_PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "whereabouts": (("hilang", "kontak"), ("tidak", "bisa", "dihubungi"), ("tidak", "bisa", "menghubungi"),
                    ("tidak", "ada", "kabar"), ("tidak", "kirim", "kabar"), ("tidak", "dengar", "kabar"),
                    ("tidak", "aktif"), ("tidak", "bisa", "di", "contact"), ("no", "news"), ("lost", "contact"),
                    ("can", "not", "reach"), ("missing",)),
    "health": (("sakit", "parah"), ("sakit", "keras"), ("rumah", "sakit"),),
    "stranded": (("tidak", "ada", "uang"), ("tidak", "punya", "uang"), ("uang", "habis"), ("no", "money"),
                 ("tidak", "ada", "tempat", "tinggal"), ("visa", "sudah", "mati"), ("visa", "mau", "habis"),
                 ("paspor", "hilang"), ("tidur", "di", "stasiun"), ("tidur", "di", "jalan"), ("di", "jalan")),
}

HELP = frozenset({"tolong", "bantu", "bantulah", "bantuan", "selamatkan", "help", "sos", "darurat", "emergency",
                  "rescue", "mohon", "urgent", "pls", "plss", "please", "tolongin"})
# A worker's situation or fear. Not "kerja", "visa", "KBRI" or "pulang": "tolong info lowongan kerja" and "KBRI
# tolong website-nya diperbaiki" are requests, not distress.
CONTEXT = frozenset({"majikan", "agen", "sponsor", "tki", "tkw", "pmi", "bmi", "abk", "art", "employer", "agent",
                     "maid", "madam", "mandor", "takut", "lapar", "scared", "afraid", "hungry", "nangis",
                     "menangis", "crying", "ketakutan"})
FEAR = frozenset({"takut", "afraid", "scared", "ketakutan"})
# The writer ("saya", "my") or their family ("adik saya", "my sister", "ibuku": KIN with "-ku").
PERSON = frozenset({"saya", "aku", "gue", "kami", "i", "me", "my", "we", "us", "our", "im"})
KIN = frozenset({"adik", "kakak", "ibu", "bapak", "ayah", "anak", "suami", "istri", "teman", "sepupu", "keponakan",
                 "mbak", "abang", "saudara", "tetangga", "sister", "brother", "mom", "mother", "father", "wife",
                 "husband", "friend", "cousin", "aunt", "daughter", "son", "mama"})
MINE = frozenset({"gaji", "paspor", "majikan", "hp", "badan", "kamar"})
# Requests that are not for help in trouble: "bantu dong vote", "tolong doain", "help me choose".
LIGHT = frozenset({"doa", "doain", "doakan", "doanya", "vote", "share", "giveaway", "follow", "followers",
                   "info", "infokan", "lowongan", "beli", "jual", "cari", "titip", "spoiler", "reset",
                   "password", "terjemahkan", "legalisir", "choose", "recommend", "restaurant", "homework",
                   "oleh", "jualan", "ingetin"})
THANKS = (("terima", "kasih"), ("thank", "you"), ("thanks",), ("thx",))
HYPOTHETICAL = frozenset({"kalau", "jika", "apakah", "if"})
RESOLVED = frozenset({"alhamdulillah", "aman", "bahagia"})

# News about distress: who reports, how, and how many.
AGENCIES = frozenset({
    "kemlu", "kemnaker", "bp2mi", "bnp2tki", "polda", "polres", "bareskrim", "satgas", "hrw", "ilo", "sbmi",
    "komnas", "ham", "pemkab", "pemda", "pemerintah", "dubes", "disnaker", "pengadilan", "mahkamah", "court",
    "ngo", "jurnalis", "journalist", "aktivis", "activist", "netizen", "kpk", "migrant", "care", "iom", "unhcr",
    "police", "polisi", "kemenlu", "mabes", "dpr", "menteri", "minister", "consulate",
})
REPORTING = frozenset({
    "dilaporkan", "ungkap", "mengungkap", "bongkar", "membongkar", "tangkap", "menangkap", "divonis", "dihukum",
    "didakwa", "tersangka", "evakuasi", "mengevakuasi", "pulangkan", "dipulangkan", "memulangkan", "selamatkan",
    "diselamatkan", "menyelamatkan", "fasilitasi", "memfasilitasi", "tampung", "menampung", "dampingi",
    "mendampingi", "pendampingan", "temui", "kunjungi", "mengunjungi", "imbau", "mengimbau", "catat", "mencatat",
    "mendesak", "desak", "aduan", "telusuri", "menelusuri", "digagalkan", "menangkan", "dibebaskan", "tetapkan",
    "menetapkan", "charged", "sentenced", "jails", "jailed", "rescued", "rescues", "repatriates", "repatriated",
    "raid", "guilty", "says", "said", "report", "reports", "handles", "handled", "layangkan", "protes", "jemput",
    "diteruskan", "geram", "bergerak", "tiba", "sambut", "berhasil", "dieksekusi", "turun",
    "kepulangan", "menuntut", "gugatan", "laporan", "penyelundupan", "capsized",
})
GENRE = frozenset({"kasus", "kisah", "breaking", "viral", "thread", "update", "video", "berita", "film", "nonton",
                   "movie", "news", "artikel", "seorang", "korban", "victims", "momen", "pilu", "jaringan",
                   "sindikat", "syndicate"})
VICTIMS = frozenset({"wni", "pmi", "tki", "tkw", "abk", "orang", "cpmi", "warganya", "indonesian", "indonesians",
                     "workers", "crew", "migrant", "korban", "victims", "pekerja", "warga"})
COUNTS = frozenset({"puluhan", "ratusan", "ribuan", "belasan", "dua", "tiga", "empat", "lima", "two", "three",
                    "four", "five", "dozens", "hundreds", "thousands"})
NEWS_SCORE = 2  # reporting cues needed for news (with no writer in the first person)

_QUOTED = re.compile(r"(?:^|(?<=[\s:(]))[\"“‘'][^\"“”‘’']{4,}[\"”’'](?=[\s.,!?;:)]|$)")


@dataclass(frozen=True)
class Distress:
    flagged: bool
    category: str  # see the module docstring ("" when not flagged)
    cues: tuple[str, ...]  # the words found, as written in the cue lists, harm first
    news: bool = False  # reporting on others' distress (never flagged)


def _tokens(text: str) -> list[str]:
    """`words`, with split prefixes joined ("di kurung" → "dikurung"), "don't" read as "not", hurried spellings
    mapped and the possessive suffixes taken off ("gajinya" → "gaji")."""
    raw = words(text)
    out: list[str] = []
    i = 0
    while i < len(raw):
        token = raw[i]
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if token in ("di", "d") and nxt and _known("di" + SPELLING.get(nxt, nxt)):
            token, i = "di" + SPELLING.get(nxt, nxt), i + 1
        elif token in _APOSTROPHE_NOT and nxt == "t":
            token, i = "not", i + 1
        token = SPELLING.get(token, token)
        out.append(_stem(token))
        i += 1
    return out


def _stem(token: str) -> str:
    for suffix in _SUFFIXES:
        base = token[: -len(suffix)]
        if token.endswith(suffix) and len(base) >= 3 and _known(SPELLING.get(base, base)):
            return SPELLING.get(base, base)
    return token


def _vocabulary() -> frozenset[str]:
    known: set[str] = set(CONTEXT) | set(KIN) | set(HELP)
    for table in (HARM_WORDS, TROUBLE_WORDS):
        for vocabulary in table.values():
            known |= vocabulary
    for phrases in (*HARM_PHRASES.values(), *TROUBLE_PHRASES.values()):
        for phrase in phrases:
            known.update(phrase)
    for pairs in (*NEAR.values(), *NEGATED_NEAR.values()):
        for first, second in pairs:
            known |= first | second
    return frozenset(known)


_KNOWN: frozenset[str] = frozenset()


def _known(token: str) -> bool:
    return token in _KNOWN


def _has(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i:i + n]) == phrase for i in range(len(tokens) - n + 1))


def _negated(tokens: list[str], i: int) -> bool:
    """Whether tokens[i] is negated: a negator just before it, or two before with "pernah"/"juga" between."""
    j = i - 1
    while j >= 0 and tokens[j] in BETWEEN and i - j <= 2:
        j -= 1
    return j >= 0 and i - j <= 2 and tokens[j] in NEGATORS


def _near(tokens: list[str], first: frozenset[str], second: frozenset[str], negated: bool) -> str:
    """The words from a `first` word to a `second` one within WINDOW words after it, or "". `negated`: the pair
    must be negated ("gaji belum dibayar": a negator just before the second word; "ga ngasih gaji": a negator
    just before the first); otherwise it must not be ("paspor tidak ditahan")."""
    for i, token in enumerate(tokens):
        if token not in first:
            continue
        first_negated = _negated(tokens, i)
        if not negated and first_negated:
            continue
        for j in range(i + 1, min(len(tokens), i + 1 + WINDOW)):
            if tokens[j] not in second:
                continue
            second_negated = any(t in NEGATORS for t in tokens[max(i + 1, j - 2):j])
            if negated and (first_negated or second_negated):
                start = i - 1 if first_negated and tokens[i - 1] in NEGATORS else i
                return " ".join(tokens[start:j + 1])
            if not negated and not second_negated:
                return " ".join(tokens[i:j + 1])
    return ""


def _words_found(tokens: list[str], table: dict[str, frozenset[str]]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for category, vocabulary in table.items():
        for i, word in enumerate(tokens):
            if word not in vocabulary or _negated(tokens, i):
                continue
            if word in LOCKED and ({"luar", "out"} & set(tokens[i + 1:i + 4])):
                continue  # locked out, not locked in
            if word == "dipukul" and tokens[i + 1:i + 2] == ["mundur"]:
                continue  # "dipukul mundur": driven back (an idiom)
            found.append((category, word))
    return found


def _phrases_found(tokens: list[str], table: dict[str, tuple[tuple[str, ...], ...]]) -> list[tuple[str, str]]:
    present = set(tokens)  # a phrase whose first word is missing is not there: most phrases, most posts
    return [(category, " ".join(p)) for category, phrases in table.items() for p in phrases
            if p[0] in present and _has(tokens, p)]


def _harm(tokens: list[str]) -> list[tuple[str, str]]:
    harm = _words_found(tokens, HARM_WORDS) + _phrases_found(tokens, HARM_PHRASES)
    for category, pairs in NEAR.items():
        harm += [(category, cue) for first, second in pairs if (cue := _near(tokens, first, second, False))]
    for category, pairs in NEGATED_NEAR.items():
        harm += [(category, cue) for first, second in pairs if (cue := _near(tokens, first, second, True))]
    return harm


def _trouble(tokens: list[str]) -> list[tuple[str, str]]:
    return _words_found(tokens, TROUBLE_WORDS) + _phrases_found(tokens, TROUBLE_PHRASES)


def _person(text: str) -> bool:
    """Whether the writer speaks of themself or their own people ("saya", "adik sy", "my sister", "ibuku"),
    outside quotes: a news item quoting a victim ("'paspor saya diambil'") does not count."""
    for token in words(_QUOTED.sub(" ", text)):
        token = SPELLING.get(token, token)
        if token in PERSON or (token.endswith("ku") and token[:-2] in KIN | MINE):
            return True
    return False


def news_score(tokens: list[str]) -> int:
    """How many reporting cues a post has: agencies, reporting verbs, genre words, counts of victims, "asal X"."""
    found = set(tokens)
    score = len(found & AGENCIES) + len(found & REPORTING) + len(found & GENRE)
    for i, word in enumerate(tokens[:-1]):
        if (word.replace(".", "").replace(",", "").isdigit() or word in COUNTS) and tokens[i + 1] in VICTIMS:
            score += 1
        if word == "asal" and tokens[i - 1:i] and tokens[i - 1] in VICTIMS | {"tkw", "wni", "pmi"}:
            score += 1
    return score


def assess(text: str) -> Distress:
    """The cues of distress in one post, and whether it goes to the duty officer's triage queue."""
    tokens = _tokens(text)
    if not tokens:
        return Distress(False, "", ())
    person = _person(text)
    if not person and news_score(tokens) >= NEWS_SCORE:
        return Distress(False, "", (), news=True)
    found = set(tokens)
    if found & RESOLVED and "dulu" in found:
        return Distress(False, "", ())  # a trouble long past ("dulu pernah ditipu agen, alhamdulillah sekarang…")
    if tokens[0] in HYPOTHETICAL and not person:
        return Distress(False, "", ())  # "kalau paspor ditahan majikan, itu melanggar hukum?"
    asks = [t for t in dict.fromkeys(tokens) if t in HELP]
    harm = _harm(tokens)
    # A trouble word already inside a harm cue ("paspor saya ditahan") is not a second cue.
    inside = {w for _k, c in harm for w in c.split()}
    trouble = [(k, c) for k, c in _trouble(tokens) if c not in inside] if (person or asks) else []
    if harm or trouble:
        category = _category(harm or trouble)
        cues = tuple(dict.fromkeys([c for _k, c in harm + trouble] + asks))
        return Distress(True, category, cues)
    thanked = any(_has(tokens, t) for t in THANKS)
    context = [t for t in dict.fromkeys(tokens) if t in CONTEXT]
    light = bool(found & LIGHT)
    fear = [t for t in context if t in FEAR]
    if context and (asks or (fear and person and len(context) > len(fear))) and not light and not thanked:
        return Distress(True, "other", tuple(asks + context))
    return Distress(False, "", ())


PRIORITY = ("trafficking", "abuse", "documents", "unpaid_salary", "detention", "health", "whereabouts", "stranded")


def _category(cues: list[tuple[str, str]]) -> str:
    """The gravest category found (trafficking before abuse before documents …)."""
    found = {k for k, _c in cues}
    return next((k for k in PRIORITY if k in found), "other")


_KNOWN = _vocabulary()
