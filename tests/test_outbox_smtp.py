"""The outbox and the SMTP sender against a real aiosmtpd server on loopback."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Callable, Sequence

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from intake.cli import cli
from intake.config import Settings, load_config
from notify.compose import build_message, new_message_id
from notify.errors import TransportError
from notify.outbox import enqueue, retry_delay, retry_failed, send_pending
from notify.render import RenderedEmail
from notify.transports import SmtpTransport
from store.db import Store, connect, session_scope
from store.models import OutboxEmail, OutboxStatus, utcnow
from tests.conftest import write_config
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.smtp
SENDER = "Learning Sites Intake <intake@program.example.org>"
STAFF = ["staff@program.example.org", "lead@program.example.org"]


def queue(store: Store, subject: str = "Test notification", purpose: str = "notification") -> str:
    """Queue one email; returns its Message-ID."""
    message_id = new_message_id("intake.test")
    rendered = RenderedEmail(subject=subject, text="plain body\n", html="<p>html body</p>")
    with session_scope(store) as session:
        enqueue(
            session,
            purpose=purpose,
            message_id=message_id,
            recipients=STAFF,
            subject=subject,
            raw=build_message(rendered, from_addr=SENDER, to=STAFF, message_id=message_id),
        )
    return message_id


def send(store: Store, server: SmtpServer, *, now: dt.datetime | None = None, **smtp: object):
    with session_scope(store) as session:
        return send_pending(
            session,
            SmtpTransport(server.settings(**smtp)),
            sender=SENDER,
            max_attempts=5,
            retry_base_seconds=60,
            now=now,
        )


def rows(store: Store) -> Sequence[OutboxEmail]:
    with session_scope(store) as session:
        return session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()


@pytest.mark.parametrize("mode", ["plain", "starttls", "tls", "auth"])
def test_each_server_mode_receives_the_email_once(
    mode: str, smtp_server: Callable[[str], SmtpServer], store: Store
) -> None:
    server = smtp_server(mode)
    message_id = queue(store)

    report = send(store, server)
    again = send(store, server)

    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    assert again.sent == 0
    assert len(server.received) == 1
    got = server.received[0]
    assert got.mail_from == "intake@program.example.org"
    assert sorted(got.rcpt_tos) == sorted(STAFF)
    parsed = email.message_from_bytes(got.data, policy=email.policy.default)
    assert parsed["Message-ID"] == message_id
    (row,) = rows(store)
    assert row.status == OutboxStatus.SENT and row.sent_at is not None and row.attempts == 1


def test_a_temporary_refusal_is_retried_with_backoff_then_sent(
    smtp_server: Callable[[str], SmtpServer], store: Store
) -> None:
    server = smtp_server("starttls")
    server.handler.replies = ["451 4.3.0 Mailbox busy, try later", "452 4.3.1 Still busy"]
    message_id = queue(store)
    start = utcnow()

    first = send(store, server, now=start)
    assert (first.sent, first.retried) == (0, 1)
    (row,) = rows(store)
    assert row.status == OutboxStatus.PENDING and "451" in row.last_error
    assert row.next_attempt_at.replace(tzinfo=dt.UTC) == start + dt.timedelta(seconds=60)

    assert send(store, server, now=start + dt.timedelta(seconds=30)).retried == 0  # not due yet
    second = send(store, server, now=start + dt.timedelta(seconds=61))
    assert second.retried == 1
    (row,) = rows(store)
    # The second failure waits twice as long as the first.
    assert row.next_attempt_at.replace(tzinfo=dt.UTC) == start + dt.timedelta(seconds=61 + 120)

    third = send(store, server, now=start + dt.timedelta(seconds=200))
    assert third.sent == 1
    (row,) = rows(store)
    assert row.status == OutboxStatus.SENT and row.attempts == 3 and row.last_error == ""
    assert server.handler.attempts == 3
    assert len(server.received) == 1
    received = email.message_from_bytes(server.received[0].data, policy=email.policy.default)
    assert received["Message-ID"] == message_id  # the same message, not a new one per attempt


def test_backoff_doubles_and_is_capped() -> None:
    assert [retry_delay(n, 60) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(30, 60) == 6 * 3600


def test_a_permanent_refusal_is_recorded_and_not_retried(
    smtp_server: Callable[[str], SmtpServer], store: Store
) -> None:
    server = smtp_server("plain")
    server.handler.replies = ["554 5.7.1 Message rejected as spam"]
    queue(store)

    report = send(store, server)
    later = send(store, server, now=utcnow() + dt.timedelta(days=1))

    assert (report.sent, report.failed) == (0, 1)
    assert later.sent == 0 and server.handler.attempts == 1
    (row,) = rows(store)
    assert row.status == OutboxStatus.FAILED
    assert "554" in row.last_error and "rejected as spam" in row.last_error


def test_a_refused_login_is_permanent(
    smtp_server: Callable[[str], SmtpServer], store: Store
) -> None:
    server = smtp_server("auth")
    queue(store)
    report = send(store, server, password="wrong")
    assert report.failed == 1
    (row,) = rows(store)
    assert row.status == OutboxStatus.FAILED and "535" in row.last_error
    assert server.received == []


def test_the_password_never_travels_unencrypted(
    smtp_server: Callable[[str], SmtpServer], store: Store
) -> None:
    server = smtp_server("plain")
    transport = SmtpTransport(server.settings(username="intake", password="secret"))
    with pytest.raises(TransportError) as caught:
        transport.send(sender=SENDER, recipients=STAFF, raw=b"Subject: x\r\n\r\nx\r\n", name="x")
    assert caught.value.permanent and "unencrypted" in str(caught.value)
    assert server.handler.attempts == 0


def test_an_unreachable_server_is_a_temporary_failure(
    smtp_server: Callable[[str], SmtpServer], store: Store
) -> None:
    server = smtp_server("plain")
    queue(store)
    report = send(store, server, port=1)  # nothing listens on port 1
    assert report.retried == 1
    assert rows(store)[0].status == OutboxStatus.PENDING


def test_a_row_claimed_by_another_sender_is_not_sent_twice(
    smtp_server: Callable[[str], SmtpServer], settings: Settings, store: Store
) -> None:
    """While sender A is handing row 1 to the server, sender B runs: B must skip row 1."""
    server = smtp_server("plain")
    queue(store, subject="first")
    queue(store, subject="second")
    other_store = connect(settings.database_url)  # a second process on the same database
    inner_reports = []

    class SlowTransport(SmtpTransport):
        def send(self, *, sender: str, recipients: Sequence[str], raw: bytes, name: str) -> str:
            if not inner_reports:
                with session_scope(other_store) as other:
                    inner_reports.append(
                        send_pending(
                            other,
                            SmtpTransport(server.settings()),
                            sender=SENDER,
                            max_attempts=5,
                            retry_base_seconds=60,
                        )
                    )
            return super().send(sender=sender, recipients=recipients, raw=raw, name=name)

    try:
        with session_scope(store) as session:
            outer = send_pending(
                session,
                SlowTransport(server.settings()),
                sender=SENDER,
                max_attempts=5,
                retry_base_seconds=60,
            )
    finally:
        other_store.dispose()

    assert inner_reports[0].sent == 1  # B took the row A had not claimed yet
    assert outer.sent == 1
    subjects = sorted(
        email.message_from_bytes(r.data, policy=email.policy.default)["Subject"]
        for r in server.received
    )
    assert subjects == ["first", "second"]
    assert {r.status for r in rows(store)} == {OutboxStatus.SENT}


def test_retry_failed_requeues_with_fresh_attempts(
    smtp_server: Callable[[str], SmtpServer], store: Store
) -> None:
    server = smtp_server("plain")
    server.handler.replies = ["550 5.1.1 No such user"]
    queue(store)
    send(store, server)
    with session_scope(store) as session:
        assert retry_failed(session) == 1
    report = send(store, server)
    assert report.sent == 1
    (row,) = rows(store)
    assert row.status == OutboxStatus.SENT and row.attempts == 1


def test_cli_outbox_list_and_retry(
    smtp_server: Callable[[str], SmtpServer], tmp_path, database_url: str
) -> None:
    server = smtp_server("starttls")
    extra = (
        f'[notify.smtp]\nhost = "{server.host}"\nport = {server.port}\n'
        f'security = "starttls"\nca_file = "{server.ca_file}"\n'
    )
    config = write_config(tmp_path, database_url, extra)
    config.write_text(config.read_text().replace('transport = "file"', 'transport = "smtp"'))
    store = connect(load_config(config).database_url)
    try:
        server.handler.replies = ["550 5.1.1 No such user"]
        queue(store, subject="Needs retry")
        send(store, server)
        runner = CliRunner()

        listed = runner.invoke(
            cli, ["--config", str(config), "outbox", "list", "--status", "failed"]
        )
        assert listed.exit_code == 0, listed.output
        assert "Needs retry" in listed.output and "550" in listed.output

        retried = runner.invoke(cli, ["--config", str(config), "outbox", "retry"])
        assert retried.exit_code == 0, retried.output
        assert "requeued 1; sent 1" in retried.output
        assert len(server.received) == 1
        assert rows(store)[0].status == OutboxStatus.SENT
    finally:
        store.dispose()
