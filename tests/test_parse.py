"""Parsing raw mail: the address headers classification and threading read."""

from __future__ import annotations

from ingest import parse_email

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
