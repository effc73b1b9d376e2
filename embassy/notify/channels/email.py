"""E-mail through Django's e-mail backend (SMTP in production; settings EMAIL_*). One connection serves a
whole batch; SMTP 4xx answers and connection problems are retried, 5xx answers fail. Text attachments (an
appointment's iCalendar file) travel in the message's data: {"attachments": [{"filename", "content",
"content_type"}]}."""

from __future__ import annotations

import contextlib
import smtplib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from embassy.notify.channels import BaseChannel, Result

if TYPE_CHECKING:
    from embassy.notify.models import Message


def email_text(message: Message) -> str:
    parts = [message.body.strip()]
    if message.url:
        parts.append(message.url)
    return "\n\n".join(p for p in parts if p) + "\n"


class EmailChannel(BaseChannel):
    name = "email"
    concurrency = 1  # one SMTP connection, used in order

    def __init__(self) -> None:
        self._connection: Any = None
        self._open_error = ""

    def open(self) -> None:
        self._connection = get_connection(fail_silently=False)
        try:
            self._connection.open()
        except (OSError, smtplib.SMTPException) as exc:
            self._open_error = f"cannot connect to the mail server: {exc!r}"

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._connection.close()
        self._connection = None

    def send(self, message: Message) -> Result:
        if self._open_error:
            return Result.retry(self._open_error)
        mail = EmailMessage(
            subject=message.subject.replace("\n", " ").replace("\r", " "),
            body=email_text(message),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            connection=self._connection,
            headers={"Auto-Submitted": "auto-generated", "X-Embassy-Message": str(message.pk)},
        )
        for item in (message.data or {}).get("attachments", []):
            mail.attach(item["filename"], item["content"], item.get("content_type", "application/octet-stream"))
        try:
            mail.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _msg in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                return Result.failed(f"recipient refused: {exc.recipients!r}", status_code=codes[0])
            return Result.retry(f"recipient deferred: {exc.recipients!r}", status_code=codes[0] if codes else None)
        except smtplib.SMTPResponseException as exc:
            text = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            if exc.smtp_code >= 500:
                return Result.failed(text, status_code=exc.smtp_code)
            return Result.retry(text, status_code=exc.smtp_code)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()  # the next message reconnects
            self._connection = get_connection(fail_silently=False)
            return Result.retry(f"mail server error: {exc!r}")
        return Result.sent(status_code=250)
