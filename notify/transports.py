"""Transports that hand a finished email over: a folder of .eml files, or SMTP."""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from collections.abc import Sequence
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

from notify.errors import TransportError
from notify.settings import NotifySettings, SmtpSettings


class Transport(Protocol):
    """Delivers one message; raises TransportError (permanent or not) when it cannot."""

    def send(self, *, sender: str, recipients: Sequence[str], raw: bytes, name: str) -> str:
        """Deliver and return where it went (a path or the server's reply)."""
        ...


class FileTransport:
    """Writes each email as an .eml file: the embedded default, and a preview for admins."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def send(self, *, sender: str, recipients: Sequence[str], raw: bytes, name: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{name}.eml"
        # Write then rename, so a reader never sees half a message.
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(raw)
            os.replace(temporary, target)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise TransportError(f"cannot write {target}: {exc}") from exc
        return str(target)


class SmtpTransport:
    """Sends through an SMTP relay with STARTTLS, implicit TLS or (explicitly) plain."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.settings.ca_file:
            context.load_verify_locations(self.settings.ca_file)
        return context

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "tls":
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context())
        client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.security == "starttls":
            try:
                client.starttls(context=self._context())
            except BaseException:
                client.close()
                raise
        return client

    def send(self, *, sender: str, recipients: Sequence[str], raw: bytes, name: str) -> str:
        s = self.settings
        if s.username and s.security == "plain":
            raise TransportError(
                "refusing to send the SMTP password over an unencrypted connection "
                "(set [notify.smtp] security to starttls or tls)",
                permanent=True,
            )
        envelope_from = parseaddr(sender)[1]
        envelope_to = [parseaddr(r)[1] for r in recipients]
        try:
            with self._connect() as client:
                if s.username:
                    client.login(s.username, s.password)
                refused = client.sendmail(envelope_from, envelope_to, raw)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {code for code, _ in exc.recipients.values()}
            permanent = all(500 <= code < 600 for code in codes)
            raise TransportError(
                f"all recipients refused: {exc.recipients}", permanent=permanent
            ) from exc
        except smtplib.SMTPResponseException as exc:  # includes a refused login (535, or 454)
            raise TransportError(
                f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
                permanent=500 <= exc.smtp_code < 600,
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            # The relay lacks STARTTLS or AUTH: a configuration problem, retrying cannot help.
            raise TransportError(f"SMTP server does not support it: {exc}", permanent=True) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"SMTP connection failed: {exc}") from exc
        if refused:
            return f"accepted by {s.host}:{s.port}; refused: {_refusals(refused)}"
        return f"accepted by {s.host}:{s.port}"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address} ({code} {_text(reply)})" for address, (code, reply) in sorted(refused.items())
    )


def connect(settings: NotifySettings) -> Transport:
    """The transport named in config."""
    if settings.transport == "smtp":
        return SmtpTransport(settings.smtp)
    return FileTransport(settings.outbox_dir)
