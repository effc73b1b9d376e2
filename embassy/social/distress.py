"""Is this post someone abroad asking for help? (issue 15 point 4: citizens' distress posts go to the duty officer).

Workers in trouble post before they call ("tolong, paspor saya ditahan majikan, gaji 5 bulan belum dibayar").
The detector reads a post's words (`sentiment.text.words`: lower case, informal spelling mapped, elongation
undone) and looks for three kinds of cue, in Indonesian and English:

- harm: something done to a person that the mission acts on at once — confinement ("disekap", "dikurung",
  "tidak boleh keluar"), violence ("dipukul", "disiksa"), sexual abuse, a passport held by someone else, wages
  not paid, trafficking, running away from an employer. One harm cue is enough.
- a call for help ("tolong", "bantu", "help", "SOS", "darurat");
- context that makes a call for help a worker's ("majikan", "agen", "TKI", "PMI", "KBRI", "employer").

A post is flagged when it has a harm cue, or a call for help together with context. A negator just before a
harm verb ("tidak dipukul") cancels it; thanks without any harm ("terima kasih KBRI atas bantuannya") is not a
call for help. Each flag names its cues (what the officer reads first) and a category from the complaint
categories the ministry uses (unpaid salary, abuse, documents, trafficking, whereabouts, other), so that one click
can open a case of the right kind. It over-flags rather than misses: the triage queue is read by a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from embassy.social.sentiment.text import words

NEGATORS = frozenset({"tidak", "bukan", "belum", "tak", "jangan", "not", "never", "no"})

# category → single words that are harm on their own (unless negated just before)
HARM_WORDS: dict[str, frozenset[str]] = {
    "abuse": frozenset({
        "disekap", "dikurung", "dikunci", "disandera", "dipukul", "dipukuli", "ditampar", "ditendang", "disiksa",
        "dianiaya", "diperkosa", "dilecehkan", "dicabuli", "diancam", "disetrika", "disiram", "kekerasan",
        "penganiayaan", "beaten", "abused", "raped", "tortured", "locked", "trapped", "confined",
    }),
    "trafficking": frozenset({"dijual", "trafficking", "trafficked", "tppo"}),
}
# category → word sequences that are harm together (each inner tuple: words that must follow one another)
HARM_PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "unpaid_salary": (("tidak", "digaji"), ("belum", "digaji"), ("tidak", "gajian"), ("belum", "gajian"),
                      ("unpaid", "salary"), ("unpaid", "wages"), ("not", "been", "paid"), ("never", "paid")),
    "abuse": (("tidak", "boleh", "keluar"), ("tidak", "diizinkan", "keluar"), ("tidak", "dikasih", "makan"),
              ("tidak", "diberi", "makan"), ("tidak", "boleh", "pulang"), ("tidak", "diizinkan", "pulang"),
              ("tidak", "boleh", "pegang", "hp"), ("pulang", "tidak", "boleh"), ("keluar", "tidak", "boleh"),
              ("not", "allowed", "to", "leave"), ("no", "food")),
    "trafficking": (("perdagangan", "orang"), ("human", "trafficking")),
}
# category → (a word, one of these within WINDOW words after it): "paspor saya ditahan majikan", "gaji 5 bulan
# belum dibayar"
NEAR: dict[str, tuple[tuple[frozenset[str], frozenset[str]], ...]] = {
    "documents": ((frozenset({"paspor", "passport", "dokumen"}),
                   frozenset({"ditahan", "disita", "diambil", "dipegang", "disimpan", "taken", "held", "kept",
                              "confiscated"})),
                  (frozenset({"took", "takes", "keeps", "kept", "holds", "confiscated"}), frozenset({"passport"}))),
    "unpaid_salary": ((frozenset({"gaji", "gajiku", "gajinya", "upah", "salary", "wages"}),
                       frozenset({"dibayar", "dibayarkan", "dikasih", "diberi", "diberikan", "cair", "paid"})),),
    "whereabouts": ((frozenset({"hilang", "missing"}), frozenset({"kontak", "kabar", "contact"})),),
    "abuse": ((frozenset({"kabur", "melarikan", "ran", "escaped"}),
               frozenset({"majikan", "rumah", "employer", "agency", "agen"})),),
}
# the second word of a NEAR pair must not be negated for documents, but must be for salary ("belum dibayar")
NEEDS_NEGATION = frozenset({"unpaid_salary"})
WINDOW = 5
HELP = frozenset({"tolong", "bantu", "bantulah", "bantuan", "selamatkan", "help", "sos", "darurat", "emergency",
                  "rescue"})
# Not "kerja", "visa" or "pulang": "tolong info lowongan kerja" is a question, not distress.
CONTEXT = frozenset({"majikan", "agen", "agensi", "sponsor", "tki", "tkw", "pmi", "bmi", "kbri", "kjri", "kdei",
                     "paspor", "employer", "agent", "maid", "takut", "lapar", "sakit", "scared", "afraid", "hungry",
                     "embassy"})
THANKS = (("terima", "kasih"), ("thank", "you"), ("thanks",))


@dataclass(frozen=True)
class Distress:
    flagged: bool
    category: str  # unpaid_salary, abuse, documents, trafficking, whereabouts, other ("" when not flagged)
    cues: tuple[str, ...]  # the words found, as written in the cue lists, harm first


def _has(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i:i + n]) == phrase for i in range(len(tokens) - n + 1))


def _near(tokens: list[str], first: frozenset[str], second: frozenset[str], negated: bool) -> str:
    for i, token in enumerate(tokens):
        if token not in first:
            continue
        for j in range(i + 1, min(len(tokens), i + 1 + WINDOW)):
            if tokens[j] in second:
                neg = any(t in NEGATORS for t in tokens[max(i + 1, j - 2):j])
                if neg == negated:
                    return " ".join(tokens[i:j + 1])
    return ""


def assess(text: str) -> Distress:
    """The cues of distress in one post, and whether it goes to the duty officer's triage queue."""
    tokens = words(text)
    harm: list[tuple[str, str]] = []  # (category, cue)
    for category, vocabulary in HARM_WORDS.items():
        for i, token in enumerate(tokens):
            if token in vocabulary and not (i and tokens[i - 1] in NEGATORS):
                harm.append((category, token))
    for category, phrases in HARM_PHRASES.items():
        harm += [(category, " ".join(p)) for p in phrases if _has(tokens, p)]
    for category, pairs in NEAR.items():
        for first, second in pairs:
            cue = _near(tokens, first, second, negated=category in NEEDS_NEGATION)
            if cue:
                harm.append((category, cue))
    asks = sorted(HELP.intersection(tokens))
    context = sorted(CONTEXT.intersection(tokens))
    if harm:
        category = _category(harm)
        cues = tuple(dict.fromkeys([c for _k, c in harm] + asks))
        return Distress(True, category, cues)
    thanked = any(_has(tokens, t) for t in THANKS)
    if asks and context and not (thanked and asks == ["bantuan"]):
        return Distress(True, "other", tuple(asks + context))
    return Distress(False, "", ())


PRIORITY = ("trafficking", "abuse", "documents", "unpaid_salary", "whereabouts")


def _category(harm: list[tuple[str, str]]) -> str:
    """The gravest category found (trafficking before abuse before documents …)."""
    found = {k for k, _c in harm}
    return next(k for k in PRIORITY if k in found)
