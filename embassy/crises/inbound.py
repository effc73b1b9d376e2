"""Roll-call answers by reply: "1", "AMAN" or "SAFE" for safe; "2", "TOLONG" or "HELP" for help (first word;
case, accents and punctuation do not matter), sent back by SMS or WhatsApp to the question the person got.
Registered in CrisesConfig.ready with notify.inbox, order 10: before the SOS and message handlers (sos.inbound).

A reply counts only for the question sent TO THE SENDER'S NUMBER ON THAT CHANNEL: the latest roll-call message
(crisis.rollcall, or crisis.contact for an emergency contact) of a crisis whose roll-call is still open. That
message names the person's row (its data: affected, crisis) — nothing in the text does, so no reply can answer
for someone else. A reply to a contact's question answers as the contact ("contact"); a person's own reply
answers as "sms" or "whatsapp". "Help" opens or joins an SOS exactly as through the link (crises.help), with
what follows the first word as the details. The Answer history keeps the whole text.

A number that got no question, or a text that is no answer, is not taken (None): the SOS and message handlers
see it next — so "TOLONG" from someone never asked is an SOS.
"""

from __future__ import annotations

from typing import Any

from embassy.crises.answers import rollcall_answer_reply
from embassy.crises.asking import KIND_CONTACT, ROLLCALL_KINDS
from embassy.crises.links import LinkRefused
from embassy.crises.models import Affected, Crisis
from embassy.notify.inbox import InboundText, Outcome, on_inbound
from embassy.notify.models import Message
from embassy.sos.smstext import after_first_word, first_word

SAFE_WORDS = frozenset({"1", "AMAN", "SAFE"})
HELP_WORDS = frozenset({"2", "TOLONG", "HELP"})
LOOK_BACK = 20  # the sender's latest roll-call messages looked at (a crisis closed since is skipped)


def register() -> None:
    on_inbound("crises.rollcall", rollcall_reply, order=10)


def answer_of(text: str) -> str:
    """"safe", "help" or "" for the text's first word."""
    word = first_word(text)
    return "safe" if word in SAFE_WORDS else "help" if word in HELP_WORDS else ""


def question_to(channel: str, address: str) -> tuple[int, int, str] | None:
    """(affected id, crisis id, kind) of the latest roll-call question sent to `address` on `channel` for a
    crisis whose roll-call is open; None when there is none. The roll-call's messages all carry a
    de-duplication key, so the outbox's (channel, address, key) index finds them."""
    rows: list[tuple[str, Any]] = list(
        Message.objects.filter(channel=channel, address=address, kind__in=ROLLCALL_KINDS)
        .exclude(dedupe_key="").exclude(status__in=[Message.Status.FAILED, Message.Status.DEAD])
        .order_by("-id").values_list("kind", "data")[:LOOK_BACK])
    asked = [(kind, data) for kind, data in rows
             if isinstance(data, dict) and isinstance(data.get("affected"), int) and isinstance(data.get("crisis"), int)]
    if not asked:
        return None
    open_ids = set(Crisis.objects.filter(id__in={d["crisis"] for _k, d in asked}, status=Crisis.Status.ACTIVE,
                                         rollcall_started_at__isnull=False).values_list("id", flat=True))
    for kind, data in asked:
        if data["crisis"] in open_ids:
            return data["affected"], data["crisis"], kind
    return None


def rollcall_reply(msg: InboundText) -> Outcome | None:
    """An answer to the roll-call question this number got (see the module's docstring), else None."""
    answer = answer_of(msg.text)
    if not answer:
        return None
    asked = question_to(msg.channel, msg.sender)
    if asked is None:
        return None
    affected_id, crisis_id, kind = asked
    via = "contact" if kind == KIND_CONTACT else msg.channel
    try:
        result = rollcall_answer_reply(affected_id=affected_id, crisis_id=crisis_id, answer=answer, via=via,
                                       key=f"{msg.channel}:{msg.id}", text=after_first_word(msg.text)[:500],
                                       heard=msg.text, origin={"channel": msg.channel, "from": msg.sender,
                                                               "inbound": msg.id, "account": msg.account})
    except LinkRefused:  # closed in the meantime, or the row is gone: not an answer any more
        return None
    user_id = None
    if via != "contact":
        user_id = Affected.objects.filter(pk=affected_id).values_list("citizen__user_id", flat=True).first()
    return Outcome("rollcall", ref=f"crises.affected:{result.affected_id}", user_id=user_id)
