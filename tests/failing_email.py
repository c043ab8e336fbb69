"""An email backend whose server always refuses: for testing what happens when sending fails."""

from __future__ import annotations

from smtplib import SMTPServerDisconnected
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise SMTPServerDisconnected("test: the mail server went away")
