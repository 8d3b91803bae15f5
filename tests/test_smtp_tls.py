"""SmtpSender over TLS against a real aiosmtpd server: STARTTLS and implicit TLS, with login,
and a certificate the client does not trust refused in one line."""

from __future__ import annotations

import ssl
import subprocess
from email.message import EmailMessage

import pytest

from tracker.config import load_settings
from tracker.digest import SmtpSender
from tracker.errors import MailError

from smtp_server import SmtpServer


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def server_context(certificate):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def client_context(certificate):
    return ssl.create_default_context(cafile=str(certificate[0]))


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "d@example.org", "ana@example.org", "digest"
    mail.set_content("hello")
    return mail


def settings(port: int, **tls):
    return load_settings(environ={}, smtp_host="127.0.0.1", smtp_port=port, smtp_user="digest",
                         smtp_password="s3cret-horse", **tls)


def test_starttls_with_login(certificate):
    with SmtpServer("digest", "s3cret-horse", starttls=server_context(certificate)) as server:
        sender = SmtpSender(settings(server.port, smtp_starttls=True),
                            tls_context=client_context(certificate))
        sender.send(message())
        assert len(server.accepted) == 1


def test_implicit_tls_with_login(certificate):
    with SmtpServer("digest", "s3cret-horse", implicit_tls=server_context(certificate)) as server:
        sender = SmtpSender(settings(server.port, smtp_ssl=True),
                            tls_context=client_context(certificate))
        sender.send(message())
        assert len(server.accepted) == 1


def test_untrusted_certificate_is_one_line_without_the_password(certificate):
    with SmtpServer("digest", "s3cret-horse", starttls=server_context(certificate)) as server:
        sender = SmtpSender(settings(server.port, smtp_starttls=True))  # system CAs only
        with pytest.raises(MailError) as caught:
            sender.send(message())
        text = str(caught.value)
        assert "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower()
        assert "\n" not in text and "s3cret-horse" not in text
        assert server.accepted == []
