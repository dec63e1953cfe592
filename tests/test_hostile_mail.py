"""Hostile and broken mail: every message is kept, none stops the poller, none crashes parsing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from ingest import ParseError, parse_email
from intake.config import Settings
from intake.pipeline import Pipeline, load_classifiers
from store.db import Store, session_scope
from store.models import InboundMessage, MessageStatus
from tests.mail import CIT_REQUEST, make_email

BAD_CHARSET = (
    b"From: =?x-no-such-charset?q?Bad=20Name?= <bad@charset.example.org>\r\n"
    b"To: learningsites@justice-center.example.org\r\n"
    b"Subject: =?utf-8?b?////?=\r\n"
    b"Message-ID: <bad-charset@charset.example.org>\r\n"
    b"Content-Type: text/plain; charset=x-no-such-charset\r\n"
    b"\r\n"
    b"We need CIT training \xff\xfe\x00 for our deputies.\r\n"
)
LATIN1_BODY = (
    b"From: Ren\xe9e <renee@latin1.example.org>\r\n"
    b"To: learningsites@justice-center.example.org\r\n"
    b"Subject: Caf\xe9 meeting\r\n"
    b"Message-ID: <latin1@latin1.example.org>\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"\r\n"
    b"Nous avons besoin d'aide: \xe9quipe de crise.\r\n"
)
NESTED = (
    b"From: a@nested.example.org\r\nTo: b@example.org\r\nSubject: nested\r\n"
    b"Message-ID: <nested@nested.example.org>\r\nMIME-Version: 1.0\r\n"
    + b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
        for i in range(60)
    )
    + b"Content-Type: text/plain\r\n\r\nhello\r\n"
)


@pytest.mark.parametrize("raw", [b"", b"   \r\n  "])
def test_empty_input_is_a_parse_error(raw: bytes) -> None:
    with pytest.raises(ParseError):
        parse_email(raw)


@pytest.mark.parametrize(
    "raw", [BAD_CHARSET, LATIN1_BODY, NESTED, b"\x00\x01\x02 not an email at all"]
)
def test_odd_bytes_parse_without_raising(raw: bytes) -> None:
    parsed = parse_email(raw)
    assert isinstance(parsed.body_text, str)
    assert "\n" not in parsed.subject and "\r" not in parsed.subject


def test_latin1_is_decoded_not_mangled() -> None:
    parsed = parse_email(LATIN1_BODY)
    assert "équipe" in parsed.body_text


def test_broken_mail_never_stops_the_poll(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    for raw in (
        BAD_CHARSET,
        LATIN1_BODY,
        NESTED,
        b"\x00\x01 garbage",
        b"\r\n",
        make_email(CIT_REQUEST),
    ):
        deliver(raw)
    report = Pipeline(settings, store, load_classifiers(settings)).poll(
        __import__("ingest").MaildirSource(settings.source.maildir_path, name="tracking")
    )
    assert report.stored == 6
    with session_scope(store) as session:
        rows = session.scalars(select(InboundMessage)).all()
        assert all(
            row.status in (MessageStatus.PROCESSED, MessageStatus.QUARANTINED) for row in rows
        )
        held = [row for row in rows if row.status == MessageStatus.QUARANTINED]
        assert held and all(row.error.startswith("unreadable email") for row in held)
        assert any(row.kind == "request" and b"Dunmore" in (row.raw or b"") for row in rows)
