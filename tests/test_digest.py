"""The daily digest: what it says, once per day across instances, quiet days, bounces, preview."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
import re
import threading
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

import notify.digest
from intake.cli import cli
from intake.config import Settings, load_config
from intake.scheduler import Jobs
from intake.wiring import App, open_app
from notify.render import Renderer
from store.db import Store, session_scope
from store.models import (
    DigestRun,
    InboundMessage,
    MessageStatus,
    OutboxEmail,
    OutboxStatus,
    Request,
    SiteContact,
    utcnow,
)
from tests.conftest import write_config

DAY = dt.date(2026, 11, 28)
SITES = {
    "salt_lake_city": "Salt Lake City Police Department",
    "madison": "Madison Police Department",
}


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(raw: bytes) -> tuple[str, str]:
    message = parse(raw)
    text, markup = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and markup is not None
    return text.get_content(), markup.get_content()


def html_as_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(head|style)\b.*?</\1>", " ", markup)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def digest_rows(store: Store) -> list[OutboxEmail]:
    with session_scope(store) as session:
        return list(session.scalars(select(OutboxEmail).where(OutboxEmail.purpose == "digest")))


def run(settings: Settings, store: Store, day: dt.date = DAY, **kwargs: Any) -> DigestRun | None:
    with session_scope(store) as session:
        return notify.digest.run_digest(
            session,
            digest_date=day,
            settings=settings.notify,
            renderer=Renderer(settings.notify.templates_dir),
            site_names=SITES,
            **kwargs,
        )


def _message(session: Any, n: int, **values: Any) -> InboundMessage:
    row = InboundMessage(
        dedupe_key=f"t|{n}", source="t", sha256=f"{n:064d}", **{"status": "processed", **values}
    )
    session.add(row)
    session.flush()
    return row


def fill(store: Store) -> dict[str, str]:
    """A day with every kind of news; returns the refs by role."""
    old = utcnow() - dt.timedelta(days=9)
    with session_scope(store) as session:

        def request(ref: str, **values: Any) -> Request:
            row = Request(ref=ref, subject=f"About {ref}", **values)
            session.add(row)
            session.flush()
            return row

        request(
            "LS-2026-0001",
            kind="request",
            requester_agency="Springfield Police Department",
            requester_state="IL",
            primary_specialization="co_responder",
        )
        request(
            "LS-2026-0002",
            kind="request",
            requester_agency="Dunmore County Sheriff",
            requester_state="PA",
            primary_specialization="cit",
        )
        request("LS-2026-0003", kind="request", requester_email="someone@unknown.example.org")
        notice = request(
            "LS-2026-0004",
            kind="notice",
            requester_agency="Ogden Police Department",
            requester_state="UT",
        )
        session.add(SiteContact(request_id=notice.id, site_id="salt_lake_city"))
        request(
            "LS-2026-0005",
            kind="request",
            requester_agency="Stale Town PD",
            created_at=old,
            updated_at=old,
        )
        _message(
            session,
            1,
            kind="reply",
            from_addr="jellis@rivertonpd.example.gov",
            subject="Re: our visit dates",
            request_id=notice.id,
        )
        _message(
            session,
            2,
            kind="",
            status=MessageStatus.QUARANTINED,
            from_addr="big@example.org",
            subject="Huge attachment",
            error="message is over the 10485760-byte limit",
        )
        failed = OutboxEmail(
            purpose="notification",
            message_id="<failed@intake.test>",
            recipients=["staff@program.example.org"],
            subject="[LS-2026-0009] lost",
            raw=b"x",
            status=OutboxStatus.FAILED,
            last_error="SMTP 550: no such user",
        )
        session.add(failed)
    return {}


def test_the_digest_groups_the_day_and_both_parts_say_the_same(
    settings: Settings, store: Store
) -> None:
    fill(store)
    assert run(settings, store) is not None
    (row,) = digest_rows(store)
    message = parse(row.raw)
    text, markup = parts(row.raw)
    seen_in_html = html_as_text(markup)
    flat_text = " ".join(text.split())

    facts = [
        "New requests, by primary need (3)",
        "Co-responder",
        "CIT",
        "Not yet classified",
        "LS-2026-0001",
        "Springfield Police Department (IL)",
        "LS-2026-0002",
        "Dunmore County Sheriff (PA)",
        "LS-2026-0003",
        "someone@unknown.example.org",
        "Direct contact reported, by site (1)",
        "Salt Lake City Police Department",
        "LS-2026-0004",
        "Ogden Police Department (UT)",
        "Replies received (1)",
        "jellis@rivertonpd.example.gov",
        "Re: our visit dates",
        "No staff action after 5 days (1)",
        "LS-2026-0005",
        "Stale Town PD",
        "Needs a person (2)",
        "Huge attachment",
        "over the 10485760-byte limit",
        "Outbox",
        "[LS-2026-0009] lost",
        "SMTP 550: no such user",
        "This week",
        "3 request(s), 1 notice(s), 1 reply, 2 message(s) received",
        "intake requests show LS-YYYY-NNNN",
    ]
    assert [f for f in facts if f not in flat_text] == []
    assert [f for f in facts if f not in seen_in_html] == []
    # Groups: named needs in order, the unclassified last.
    assert (
        flat_text.index("CIT")
        < flat_text.index("Co-responder")
        < flat_text.index("Not yet classified")
    )
    assert message["Subject"] == (
        "Learning Sites digest for 2026-11-28: 3 new requests, 1 notice, 1 reply, 2 need a person"
    )
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"


def test_the_period_is_shown_in_the_configured_time_zone(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    settings = load_config(
        write_config(tmp_path, database_url, '[schedule]\ntimezone = "America/Chicago"')
    )
    now = dt.datetime(2026, 11, 28, 13, 30, tzinfo=dt.UTC)
    run(settings, store, now=now)
    text, markup = parts(digest_rows(store)[0].raw)
    assert "2026-11-27 07:30 to 2026-11-28 07:30 (America/Chicago)" in text
    assert "2026-11-27 07:30 to 2026-11-28 07:30 (America/Chicago)" in html_as_text(markup)


def test_the_next_digest_starts_where_the_last_one_ended(settings: Settings, store: Store) -> None:
    first = run(settings, store, now=dt.datetime(2026, 11, 28, 12, 30, tzinfo=dt.UTC))
    second = run(
        settings,
        store,
        DAY + dt.timedelta(days=1),
        now=dt.datetime(2026, 11, 29, 12, 30, tzinfo=dt.UTC),
    )
    assert first is not None and second is not None
    assert second.period_start.replace(tzinfo=dt.UTC) == first.period_end.replace(tzinfo=dt.UTC)


@pytest.mark.parametrize("quiet_day", ["send", "skip"])
def test_a_quiet_day_sends_a_short_note_or_nothing(
    quiet_day: str, tmp_path: Path, database_url: str, store: Store
) -> None:
    settings = load_config(
        write_config(tmp_path, database_url, f'digest_quiet_day = "{quiet_day}"')
    )
    made = run(settings, store)
    assert made is not None and made.summary["quiet"] is True
    rows = digest_rows(store)
    if quiet_day == "skip":
        assert rows == [] and made.outbox_id is None
        assert run(settings, store) is None  # still counted as done for the day
        return
    (row,) = rows
    assert parse(row.raw)["Subject"] == "Learning Sites digest for 2026-11-28: nothing new"
    text, markup = parts(row.raw)
    assert "Nothing new since the last digest." in text
    assert "Nothing new since the last digest." in html_as_text(markup)
    assert "Needs a person" not in text


@pytest.fixture
def two_instances(settings: Settings) -> Iterator[tuple[App, App]]:
    """Two running services (say, two hosts) on one database."""
    first, second = open_app(settings), open_app(settings)
    yield first, second
    first.close()
    second.close()


def test_one_digest_per_day_across_two_scheduler_instances(
    two_instances: tuple[App, App], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both instances' digest jobs fire at the same minute and both see no digest yet."""
    both_checked = threading.Barrier(2, timeout=30)
    real_period = notify.digest._period

    def period_then_wait(session: Any, now: dt.datetime) -> Any:
        found = real_period(session, now)
        both_checked.wait()  # neither has inserted yet: the database must pick one
        return found

    monkeypatch.setattr(notify.digest, "_period", period_then_wait)
    jobs = [Jobs(app) for app in two_instances]
    threads = [threading.Thread(target=job.digest) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    store = two_instances[0].store
    with session_scope(store) as session:
        assert session.scalar(select(func.count()).select_from(DigestRun)) == 1
    (row,) = digest_rows(store)
    assert row.status == OutboxStatus.SENT
    assert len(list(settings.notify.outbox_dir.glob("*digest*.eml"))) == 1

    # A restart (a third instance) later the same day sends nothing more.
    monkeypatch.setattr(notify.digest, "_period", real_period)
    restarted = open_app(settings)
    try:
        Jobs(restarted).digest()
    finally:
        restarted.close()
    assert len(digest_rows(store)) == 1
    assert len(list(settings.notify.outbox_dir.glob("*digest*.eml"))) == 1


def test_digest_preview_writes_html_and_records_nothing(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    config = write_config(tmp_path, database_url)
    fill(store)
    target = tmp_path / "preview" / "digest.html"
    result = CliRunner().invoke(cli, ["--config", str(config), "digest", "--preview", str(target)])
    assert result.exit_code == 0, result.output
    markup = target.read_text("utf-8")
    assert markup.lstrip().startswith("<!DOCTYPE html>") and "LS-2026-0001" in markup
    assert (
        (tmp_path / "preview" / "digest.txt")
        .read_text("utf-8")
        .startswith("Learning Sites intake digest")
    )
    with session_scope(store) as session:
        assert session.scalar(select(func.count()).select_from(DigestRun)) == 0
    assert digest_rows(store) == []


def bounce_for(message_id: str, recipient: str) -> bytes:
    """A real-shaped DSN (RFC 3464): multipart/report with the returned headers."""
    return (
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.program.example.org>\r\n"
        "To: intake@program.example.org\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Sat, 28 Nov 2026 09:00:00 +0000\r\n"
        "Message-ID: <dsn-1@mx.program.example.org>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"\r\n'
        "\r\n"
        "--DSN\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        f"This is the mail system. Your message could not be delivered to {recipient}.\r\n"
        "\r\n"
        "--DSN\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; mx.program.example.org\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        "\r\n"
        "--DSN\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        "From: Learning Sites Intake <intake@program.example.org>\r\n"
        f"To: {recipient}\r\n"
        "Subject: [LS-2026-0001] Co-responder request\r\n"
        f"Message-ID: {message_id}\r\n"
        "\r\n"
        "--DSN--\r\n"
    ).encode()


def test_a_bounce_is_linked_to_the_outbox_row_and_shown_in_the_digest(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    from ingest import MaildirSource
    from intake.pipeline import Pipeline, load_classifiers
    from tests.mail import CO_RESPONDER_REQUEST, make_email

    pipeline = Pipeline(settings, store, load_classifiers(settings))
    deliver(make_email(CO_RESPONDER_REQUEST))
    pipeline.poll(MaildirSource(settings.source.maildir_path, name="tracking"))
    pipeline.send_outbox()
    with session_scope(store) as session:
        sent = session.scalars(select(OutboxEmail)).one()
        sent_id, sent_mid, ref = (
            sent.id,
            sent.message_id,
            session.scalars(select(Request.ref)).one(),
        )

    deliver(bounce_for(sent_mid, "staff@program.example.org"))
    pipeline.poll(MaildirSource(settings.source.maildir_path, name="tracking"))
    with session_scope(store) as session:
        bounce = session.scalars(
            select(InboundMessage).where(InboundMessage.kind == "bounce")
        ).one()
        assert bounce.bounced_outbox_id == sent_id
        assert bounce.request is not None and bounce.request.ref == ref
        assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 1  # no notification

    assert pipeline.run_digest(dt.datetime.now(dt.UTC).date()) is not None
    (row,) = digest_rows(store)
    text, markup = parts(row.raw)
    line = f"outbox {sent_id}, the notification for {ref} to staff@program.example.org"
    assert line in " ".join(text.split())
    assert line in html_as_text(markup)
