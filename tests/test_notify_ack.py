"""The optional acknowledgement: to a person's new request only, rarely, marked auto-replied."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from ingest import MaildirSource
from intake.config import Settings, load_config
from intake.pipeline import Pipeline, load_classifiers
from notify.ack import automatic_reason
from notify.transports import SmtpTransport
from store.db import Store, session_scope
from store.models import OutboxEmail, Request
from tests.conftest import write_config
from tests.mail import CO_RESPONDER_REQUEST, make_email
from tests.smtp_server import SmtpServer

PERSON = "Jordan Ellis <jellis@rivertonpd.example.gov>"


def ack_settings(tmp_path: Path, database_url: str, extra: str = "") -> Settings:
    return load_config(write_config(tmp_path, database_url, f"acknowledge = true\n{extra}"))


def poll(settings: Settings, store: Store) -> Pipeline:
    pipeline = Pipeline(settings, store, load_classifiers(settings))
    pipeline.poll(MaildirSource(settings.source.maildir_path, name="tracking"))
    return pipeline


def outbox(store: Store, purpose: str) -> list[OutboxEmail]:
    with session_scope(store) as session:
        return list(
            session.scalars(
                select(OutboxEmail).where(OutboxEmail.purpose == purpose).order_by(OutboxEmail.id)
            )
        )


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_acknowledgements_are_off_by_default(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    assert settings.notify.acknowledge is False
    deliver(make_email(CO_RESPONDER_REQUEST, from_addr=PERSON))
    poll(settings, store)
    assert outbox(store, "ack") == []
    assert len(outbox(store, "notification")) == 1


@pytest.mark.smtp
def test_a_person_gets_their_number_marked_as_an_auto_reply(
    tmp_path: Path,
    database_url: str,
    store: Store,
    deliver: Callable[[bytes], str],
    smtp_server: Callable[[str], SmtpServer],
) -> None:
    settings = ack_settings(tmp_path, database_url, 'ack_reply_to = "program@program.example.org"')
    deliver(
        make_email(
            CO_RESPONDER_REQUEST, from_addr=PERSON, message_id="<ask-1@rivertonpd.example.gov>"
        )
    )
    server = smtp_server("starttls")
    pipeline = poll(settings, store)
    assert pipeline.send_outbox(SmtpTransport(server.settings())).sent == 2

    with session_scope(store) as session:
        ref = session.scalars(select(Request.ref)).one()
    (ack,) = [r for r in server.received if r.rcpt_tos == ["jellis@rivertonpd.example.gov"]]
    message = parse(ack.data)
    assert message["To"] == "jellis@rivertonpd.example.gov"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["In-Reply-To"] == "<ask-1@rivertonpd.example.gov>"
    assert message["Reply-To"] == "program@program.example.org"
    assert ref in message["Subject"]
    text, markup = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and markup is not None
    for part in (text.get_content(), markup.get_content()):
        assert ref in part and "What happens next" in part
    # What the requester wrote is not echoed back to whoever the From header names.
    assert "clinician" not in text.get_content()


AUTOMATIC = {
    "auto-reply": {"Auto-Submitted": "auto-replied", "Subject": "Out of office"},
    "X-Autoreply": {"X-Autoreply": "yes"},
    "bulk": {"Precedence": "bulk"},
    "list": {"List-Id": "<crisis.lists.example.org>"},
    "null return path": {"Return-Path": "<>"},
}


@pytest.mark.parametrize("case", sorted(AUTOMATIC))
def test_no_acknowledgement_to_automatic_mail(
    case: str, tmp_path: Path, database_url: str, store: Store, deliver: Callable[[bytes], str]
) -> None:
    headers = dict(AUTOMATIC[case])
    subject = headers.pop("Subject", "Co-responder program questions")
    deliver(make_email(CO_RESPONDER_REQUEST, from_addr=PERSON, subject=subject, headers=headers))
    poll(ack_settings(tmp_path, database_url), store)
    assert outbox(store, "ack") == []


@pytest.mark.parametrize(
    "sender",
    [
        "noreply@vendor.example.com",
        "No Reply <no-reply@county.example.gov>",
        "do-not-reply@city.example.gov",
        "MAILER-DAEMON@mx.example.org",
        "postmaster@example.org",
        "crisis-list-owner@lists.example.org",
        "Learning Sites Intake <intake@localhost>",  # the service itself
        "staff@program.example.org",  # staff forwarding a request in
    ],
)
def test_no_acknowledgement_to_machine_or_own_addresses(
    sender: str, tmp_path: Path, database_url: str, store: Store, deliver: Callable[[bytes], str]
) -> None:
    deliver(make_email(CO_RESPONDER_REQUEST, from_addr=sender))
    poll(ack_settings(tmp_path, database_url), store)
    assert outbox(store, "ack") == []


def test_acknowledgements_are_rate_limited_per_sender(
    tmp_path: Path, database_url: str, store: Store, deliver: Callable[[bytes], str]
) -> None:
    for n in range(4):
        deliver(make_email(CO_RESPONDER_REQUEST, from_addr=PERSON, subject=f"Question {n}"))
    deliver(make_email(CO_RESPONDER_REQUEST, from_addr="Pat <pat@dunmore.example.gov>"))
    poll(ack_settings(tmp_path, database_url, "ack_max_per_sender = 2"), store)
    recipients = [row.recipients for row in outbox(store, "ack")]
    assert recipients.count(["jellis@rivertonpd.example.gov"]) == 2
    assert recipients.count(["pat@dunmore.example.gov"]) == 1
    assert len(outbox(store, "notification")) == 5  # staff still hear about every one


def test_a_reply_on_a_request_is_not_acknowledged_again(
    tmp_path: Path, database_url: str, store: Store, deliver: Callable[[bytes], str]
) -> None:
    settings = ack_settings(tmp_path, database_url)
    deliver(
        make_email(CO_RESPONDER_REQUEST, from_addr=PERSON, message_id="<q@rivertonpd.example.gov>")
    )
    poll(settings, store)
    deliver(
        make_email(
            "Tuesday works.",
            from_addr=PERSON,
            subject="Re: Request for technical assistance",
            headers={"In-Reply-To": "<q@rivertonpd.example.gov>"},
        )
    )
    poll(settings, store)
    assert len(outbox(store, "update")) == 1
    assert len(outbox(store, "ack")) == 1


@pytest.mark.parametrize(
    ("headers", "address", "automatic"),
    [
        ({}, "jellis@rivertonpd.example.gov", False),
        ({"Auto-Submitted": "no"}, "jellis@rivertonpd.example.gov", False),
        ({"Auto-Submitted": "auto-generated"}, "jellis@rivertonpd.example.gov", True),
        ({"Precedence": "junk"}, "jellis@rivertonpd.example.gov", True),
        ({"X-Loop": "crisis"}, "jellis@rivertonpd.example.gov", True),
        ({"List-Unsubscribe": "<mailto:u@example.org>"}, "jellis@rivertonpd.example.gov", True),
        ({}, "bounces+123@mail.example.org", True),
        ({}, "donotreply@example.org", True),
    ],
)
def test_automatic_reason(headers: dict[str, str], address: str, automatic: bool) -> None:
    raw = make_email("hello", from_addr=address, headers=headers)
    assert bool(automatic_reason(raw, address)) is automatic
