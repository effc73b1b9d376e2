"""What each platform accepts, checked before a draft can be submitted, and how each counts text.

X counts with its weighted rules (twitter-text v3 configuration, github.com/twitter/twitter-text config/v3.json):
text is NFC-normalised; a code point in the ranges U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and U+2032–U+2037
weighs 1, every other (CJK, Hangul, Thai, …) weighs 2; an emoji (with its modifiers, joiners and variation
selectors) weighs 2 whatever its length; every URL weighs 23 (t.co). The limit is 280.
Mastodon counts characters, a URL as 23 and a mention @user@domain as @user (its default for a 500 limit).
Bluesky counts graphemes (user-perceived characters), 300 at most.
Graphemes here are approximated without a Unicode segmentation library: a base character with its combining
marks, variation selectors, emoji modifiers and zero-width-joined sequences, and flag pairs, are one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", re.IGNORECASE)
MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w")
X_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
URL_WEIGHT = 23


@dataclass(frozen=True)
class Rules:
    platform: str
    limit: int  # characters as the platform counts them
    counting: str  # how: "x-weighted", "mastodon", "graphemes", "characters"
    max_images: int
    max_image_bytes: int
    image_types: tuple[str, ...]
    needs_image: bool = False
    max_alt: int = 1000
    can_reply: bool = True


RULES: dict[str, Rules] = {
    # X: 4 images, 5 MB each (docs.x.com, media upload); alt text up to 1,000 characters.
    "x": Rules("x", 280, "x-weighted", 4, 5 * 1024 * 1024, ("image/jpeg", "image/png", "image/gif", "image/webp")),
    # Mastodon 4.x defaults: 4 attachments, images up to 16 MB, description up to 1,500 characters.
    "mastodon": Rules("mastodon", 500, "mastodon", 4, 16 * 1024 * 1024,
                      ("image/jpeg", "image/png", "image/gif", "image/webp"), max_alt=1500),
    # Bluesky: 4 images of at most 1,000,000 bytes (app.bsky.embed.images blob maxSize).
    "bluesky": Rules("bluesky", 300, "graphemes", 4, 1_000_000, ("image/jpeg", "image/png", "image/webp"),
                     max_alt=2000),
    # Instagram content publishing: JPEG only, 8 MB, 1 image or a carousel of up to 10; caption 2,200.
    "instagram": Rules("instagram", 2200, "characters", 10, 8 * 1024 * 1024, ("image/jpeg",), needs_image=True,
                       can_reply=False),
    # Facebook Page posts: 63,206 characters; photos up to 10 MB.
    "facebook": Rules("facebook", 63206, "characters", 10, 10 * 1024 * 1024,
                      ("image/jpeg", "image/png", "image/gif", "image/webp")),
}


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF
            or 0x2300 <= cp <= 0x23FF or 0x1F1E6 <= cp <= 0x1F1FF)


def _extends(ch: str) -> bool:
    """Whether `ch` belongs to the grapheme before it."""
    cp = ord(ch)
    return (unicodedata.category(ch) in ("Mn", "Me", "Mc") or 0xFE00 <= cp <= 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF
            or 0xE0020 <= cp <= 0xE007F or cp == 0x200D)


def graphemes(text: str) -> list[str]:
    """`text` cut into user-perceived characters (see the module's note)."""
    out: list[str] = []
    for ch in text:
        cp = ord(ch)
        if out and (_extends(ch) or out[-1].endswith("\u200d")):
            out[-1] += ch
        elif out and 0x1F1E6 <= cp <= 0x1F1FF and len(out[-1]) == 1 and 0x1F1E6 <= ord(out[-1]) <= 0x1F1FF:
            out[-1] += ch  # a flag: two regional indicators
        else:
            out.append(ch)
    return out


def _weight(piece: str) -> int:
    if any(_is_emoji(c) for c in piece):
        return 2
    return sum(1 if any(lo <= ord(c) <= hi for lo, hi in X_LIGHT) else 2 for c in piece if not _extends(c))


def x_length(text: str) -> int:
    """The length X gives `text` (its weighted count)."""
    text = unicodedata.normalize("NFC", text)
    total, last = 0, 0
    for match in URL.finditer(text):
        total += sum(_weight(g) for g in graphemes(text[last:match.start()])) + URL_WEIGHT
        last = match.end()
    return total + sum(_weight(g) for g in graphemes(text[last:]))


def mastodon_length(text: str) -> int:
    text = URL.sub("x" * URL_WEIGHT, text)
    return len(MENTION.sub(lambda m: "@" + m.group(1), text))


def length(platform: str, text: str) -> int:
    counting = RULES[platform].counting if platform in RULES else "characters"
    if counting == "x-weighted":
        return x_length(text)
    if counting == "mastodon":
        return mastodon_length(text)
    if counting == "graphemes":
        return len(graphemes(text))
    return len(text)


@dataclass(frozen=True)
class MediaInfo:
    name: str
    content_type: str
    size: int
    alt_text: str


@dataclass
class Check:
    """A draft as one platform would take it: its length against the limit and every problem, in words."""

    platform: str
    length: int
    limit: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(platform: str, text: str, media: list[MediaInfo], *, reply: bool = False) -> Check:
    rules = RULES.get(platform)
    if rules is None:
        return Check(platform, len(text), 0, [_("Publishing to %(platform)s is not supported.") % {"platform": platform}])
    found = Check(platform, length(platform, text), rules.limit)
    if found.length > rules.limit:
        found.problems.append(_("Too long: %(length)s of %(limit)s characters.") % {"length": found.length,
                                                                                     "limit": rules.limit})
    if not text.strip() and not media:
        found.problems.append(_("Write something or add an image."))
    if rules.needs_image and not media:
        found.problems.append(_("Instagram needs at least one image."))
    if len(media) > rules.max_images:
        found.problems.append(_("At most %(count)s images.") % {"count": rules.max_images})
    if reply and not rules.can_reply:
        found.problems.append(_("Replies cannot be posted on this platform from here."))
    for item in media:
        if item.content_type not in rules.image_types:
            found.problems.append(_("%(name)s: this platform takes %(types)s.") % {
                "name": item.name, "types": ", ".join(t.removeprefix("image/").upper() for t in rules.image_types)})
        if item.size > rules.max_image_bytes:
            found.problems.append(_("%(name)s is larger than %(size)s MB.") % {
                "name": item.name, "size": f"{rules.max_image_bytes / 1_000_000:g}"})
        if not item.alt_text.strip():
            found.problems.append(_("%(name)s has no alt text: describe the image for people who cannot see it.")
                                  % {"name": item.name})
        elif len(item.alt_text) > rules.max_alt:
            found.problems.append(_("%(name)s: the alt text is longer than %(count)s characters.") % {
                "name": item.name, "count": rules.max_alt})
    return found
