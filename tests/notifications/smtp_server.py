"""A real SMTP server (aiosmtpd) in this process, on a free loopback port, that can refuse a
recipient for good (550) or a message for now (451) like real mail servers do."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from django.test import override_settings


@dataclass
class Handler:
    refuse: set[str] = field(default_factory=set)  # addresses answered 550 at RCPT
    busy: int = 0  # how many DATA commands to answer 451 first
    received: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    rcpt_attempts: int = 0
    data_attempts: int = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        self.rcpt_attempts += 1
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.data_attempts += 1
        if self.busy > 0:
            self.busy -= 1
            return "451 4.3.0 Mail server busy, try again later"
        self.received.append(message_from_bytes(envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(handler: Handler) -> Iterator[Handler]:
    """Run the server and point Django's SMTP backend at it for the duration."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                               EMAIL_PORT=port, EMAIL_USE_TLS=False, EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="",
                               EMAIL_TIMEOUT=5):
            yield handler
    finally:
        controller.stop()


@contextmanager
def no_smtp_server() -> Iterator[int]:
    """A loopback port where nothing listens: connections are refused."""
    port = free_port()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                           EMAIL_PORT=port, EMAIL_USE_TLS=False, EMAIL_TIMEOUT=2):
        yield port
