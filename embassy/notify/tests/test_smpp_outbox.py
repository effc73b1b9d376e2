"""SMPP end to end through the outbox: a message queued for an SMPP account goes to the local SMSC from the
dispatcher, the SMSC's delivery receipt comes back over the listener's bind (smpp_listen's taker) and marks
the message delivered; an inbound text over the same bind lands in the inbox once."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from embassy.notify import routing
from embassy.notify.dispatch import dispatch_due
from embassy.notify.management.commands.smpp_listen import _taker
from embassy.notify.models import Inbound, Message, ProviderAccount
from embassy.notify.providers import get_vendor
from embassy.notify.providers.smpp_listener import listen
from embassy.notify.services import notify_address
from embassy.notify.tests.smsc import PASSWORD, SYSTEM_ID, Smsc

pytestmark = pytest.mark.django_db(transaction=True)  # the listener writes from its own thread


def test_an_sms_over_smpp_is_delivered_and_its_receipt_and_a_reply_come_back_over_the_bind() -> None:
    with Smsc() as smsc:
        ProviderAccount.objects.create(
            key="op-smpp", name="Operator", vendor="smpp", channel="sms", sender="KBRIKL",
            options={"host": smsc.host, "port": smsc.port, "timeout": 2, "reconnect_s": 0.05},
            credentials=routing.seal_credentials({"system_id": SYSTEM_ID, "password": PASSWORD}))
        account = routing.account("op-smpp")
        assert account is not None
        stop = threading.Event()
        took: list[Any] = []
        taken = threading.Condition()
        ingest = _taker(account)

        def take(parsed: Any) -> None:  # the command's taker; the test waits on it instead of polling the
            ingest(parsed)  # database from this thread (SQLite's shared in-memory test database locks tables)
            with taken:
                took.append(parsed)
                taken.notify_all()

        def wait_for(n: int) -> bool:
            with taken:
                return taken.wait_for(lambda: len(took) >= n, timeout=10)

        listener = threading.Thread(target=listen, args=(account, take, stop), daemon=True)
        listener.start()
        try:
            message = notify_address(channel="sms", address="+60123456789", subject="", body="Apakah Anda aman?",
                                     kind="test")
            assert message is not None
            dispatch_due()
            message.refresh_from_db()
            assert (message.status, message.provider) == ("sent", "op-smpp") and message.provider_id

            assert wait_for(1)
            assert Message.objects.get(pk=message.pk).receipt == "delivered"
            smsc.mo("60123456789", "KBRIKL", "AMAN")
            assert wait_for(2)
            row: Any = Inbound.objects.get()
            assert (row.sender, row.text) == ("+60123456789", "AMAN")
        finally:
            stop.set()
            listener.join(timeout=10)
            close = getattr(get_vendor("smpp"), "close", None)
            if close:
                close()
