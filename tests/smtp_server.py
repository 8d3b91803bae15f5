"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepts and can misbehave."""

from __future__ import annotations

import os
import signal
import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """The aiosmtpd handler: accepted messages, refusals to make, a process to kill."""

    def __init__(self):
        self.accepted = []  # parsed EmailMessage objects
        self.refuse = 0  # answer this many DATA commands with 451
        self.kill_pid: int | None = None  # SIGKILL this process after taking a message

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.accepted.append(message_from_bytes(envelope.original_content, policy=policy.default))
        if self.kill_pid:
            os.kill(self.kill_pid, signal.SIGKILL)  # dies before it can read our answer
            self.kill_pid = None
        return "250 2.0.0 Message accepted"


class SmtpServer:
    def __init__(self, user: str | None = None, password: str | None = None, *,
                 starttls=None, implicit_tls=None):
        """starttls / implicit_tls: an ssl.SSLContext for STARTTLS, or for TLS from the start."""
        self.mailbox = Mailbox()
        self.port = free_port()
        options = {}
        if starttls is not None:
            options.update(tls_context=starttls, require_starttls=True)
        if implicit_tls is not None:
            options.update(ssl_context=implicit_tls)
        if user:
            def check(server, session, envelope, mechanism, auth_data):
                ok = isinstance(auth_data, LoginPassword) and (
                    auth_data.login.decode() == user and auth_data.password.decode() == password)
                return AuthResult(success=ok, handled=False)

            options.update(authenticator=check, auth_require_tls=starttls is not None)
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port,
                                     **options)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.controller.stop()

    @property
    def accepted(self):
        return self.mailbox.accepted
