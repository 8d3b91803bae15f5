"""Sending one message over SMTP: plain, STARTTLS or SSL, with login when a user is set."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from tracker.config import Settings
from tracker.digest.render import clean
from tracker.errors import MailError


class SmtpSender:
    """One connection per message: a digest run sends few, and a failure stays with its message."""

    def __init__(self, settings: Settings, *, tls_context: ssl.SSLContext | None = None):
        self.settings = settings
        self.tls_context = tls_context or ssl.create_default_context()

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        try:
            if s.smtp_ssl:
                connection = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.timeout,
                                              context=self.tls_context)
            else:
                connection = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout)
            with connection:
                connection.ehlo()
                if s.smtp_starttls:
                    connection.starttls(context=self.tls_context)
                    connection.ehlo()
                if s.smtp_user:
                    connection.login(s.smtp_user, s.smtp_password or "")
                refused = connection.send_message(message)
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
                exc.smtp_error, bytes) else str(exc.smtp_error)
            raise MailError(self.scrub(f"SMTP server answered {exc.smtp_code} {text}")) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = "; ".join(f"{code}" for code, _ in exc.recipients.values())
            raise MailError(f"SMTP server refused the recipient ({codes})") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(self.scrub(
                f"cannot send through {s.smtp_host}:{s.smtp_port}: "
                f"{exc.__class__.__name__}: {exc}")) from None
        if refused:
            raise MailError(f"SMTP server refused {', '.join(sorted(refused))}")

    def scrub(self, text: str) -> str:
        """An error to show or store: one line, and never the password."""
        text = " ".join(clean(text).split())
        password = self.settings.smtp_password
        return text.replace(password, "********") if password else text
