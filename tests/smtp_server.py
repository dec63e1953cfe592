"""A real aiosmtpd server on loopback, in the modes the sender must handle (pytest plugin)."""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from notify.settings import SmtpSettings

USERNAME = "intake"
PASSWORD = "correct horse battery staple"


@dataclass
class Received:
    """One message as the server accepted it."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class RecordingHandler:
    """Accepts mail and keeps it; `replies` scripts DATA answers (e.g. a 451, then a 250)."""

    received: list[Received] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    attempts: int = 0

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.attempts += 1
        if self.replies:
            reply = self.replies.pop(0)
            if not reply.startswith("250"):
                return reply
        content = envelope.content
        data = content if isinstance(content, bytes) else str(content).encode()
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), data))
        return "250 2.0.0 OK queued"


def _authenticator(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USERNAME.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    """A running test server and the client settings that reach it."""

    mode: str
    host: str
    port: int
    handler: RecordingHandler
    ca_file: Path

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def settings(self, **overrides: Any) -> SmtpSettings:
        security = {"plain": "plain", "starttls": "starttls", "tls": "tls", "auth": "starttls"}[
            self.mode
        ]
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": security,
            "timeout": 10.0,
            "ca_file": str(self.ca_file),
        }
        if self.mode == "auth":
            values.update(username=USERNAME, password=PASSWORD)
        values.update(overrides)
        return SmtpSettings(**values)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for localhost, made by the openssl command."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(tls_files: tuple[Path, Path]) -> Iterator[Callable[[str], SmtpServer]]:
    """Start servers on demand: smtp_server("plain" | "starttls" | "tls" | "auth")."""
    cert, key = tls_files
    started: list[Controller] = []

    def start(mode: str) -> SmtpServer:
        handler = RecordingHandler()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        kwargs: dict[str, Any] = {}
        if mode in ("starttls", "auth"):
            kwargs.update(tls_context=context, require_starttls=True)
        if mode == "tls":
            kwargs.update(ssl_context=context)
        if mode == "auth":
            kwargs.update(authenticator=_authenticator, auth_required=True, auth_require_tls=True)
        port = _free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        started.append(controller)
        return SmtpServer(mode=mode, host="127.0.0.1", port=port, handler=handler, ca_file=cert)

    yield start
    for controller in started:
        controller.stop()
