"""Parsing raw mail: the address headers classification and threading read."""

from __future__ import annotations

from ingest import parse_email
from tests.mail import forwarded_as_attachment

RAW = (
    b"From: Ann Roe <ann@avon.example.gov>\r\n"
    b'Reply-To: "Roe, Ann" <ann.roe@avon.example.gov>\r\n'
    b"Sender: Desk <desk@avon.example.gov>\r\n"
    b'Cc: "Doe, Jo" <jo@avon.example.gov>, Kim Lee <kim@avon.example.gov>\r\n'
    b"To: learningsites@justice-center.example.org\r\n"
    b"Subject: CIT\r\nMessage-ID: <p1@avon.example.gov>\r\n\r\nHello\r\n"
)


def test_reply_to_and_sender_addresses_are_read():
    parsed = parse_email(RAW)
    assert parsed.from_addr == "ann@avon.example.gov"
    assert parsed.reply_to_addr == "ann.roe@avon.example.gov"
    assert parsed.sender_addr == "desk@avon.example.gov"


def test_address_headers_keep_every_address_as_written():
    headers = parse_email(RAW).headers
    assert headers["cc"] == '"Doe, Jo" <jo@avon.example.gov>, Kim Lee <kim@avon.example.gov>'
    assert headers["from"] == "Ann Roe <ann@avon.example.gov>"
    assert headers["subject"] == "CIT"


def test_a_message_forwarded_as_an_attachment_reads_like_an_inline_forward():
    body = parse_email(forwarded_as_attachment()).body_text
    forwarded = body.index("---------- Forwarded message ---------")
    assert body.index("Please see the attached") < forwarded < body.index("We would like to start")
    assert "From: Sgt. Lena Ortiz <lortiz@cedarvillepd.example.gov>" in body
    assert "Subject: co-responder idée" in body


def test_the_returned_message_in_a_bounce_is_not_a_forward():
    raw = (
        b"From: MAILER-DAEMON@mx.example.org\r\nTo: learningsites@justice-center.example.org\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: learningsites@justice-center.example.org\r\nSubject: Re: CIT\r\n\r\n"
        b"Thank you for your request.\r\n--b--\r\n"
    )
    assert "Forwarded message" not in parse_email(raw).body_text
