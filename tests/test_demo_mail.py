"""The built-in demo emails parse cleanly and are delivered to a Maildir exactly once."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from ingest.parse import ParsedEmail, parse_email
from intake.demo import EXAMPLES_DIR, deliver_examples, example_paths

PROGRAM_ADDRESS = "learningsites@justice-center.example.org"


@pytest.fixture(scope="module")
def examples() -> dict[str, ParsedEmail]:
    return {path.name: parse_email(path.read_bytes()) for path in example_paths()}


def test_there_are_ten_numbered_examples() -> None:
    names = [path.name for path in example_paths()]
    assert len(names) == 10
    assert [name[:3] for name in names] == [f"{n:02d}-" for n in range(1, 11)]


def test_every_example_parses_with_headers_and_a_body(examples: dict[str, ParsedEmail]) -> None:
    for name, parsed in examples.items():
        assert parsed.message_id.startswith("<"), name
        assert parsed.subject, name
        assert ".example." in parsed.from_addr.rpartition("@")[2], name
        assert parsed.to_addrs == (PROGRAM_ADDRESS,), name
        assert parsed.date.startswith("2026-"), name
        assert parsed.headers.get("mime-version") == "1.0", name
        assert len(parsed.body_text) > 200, name
        assert not parsed.defects, (name, parsed.defects)


def test_examples_are_small_and_use_one_line_ending() -> None:
    for path in example_paths():
        raw = path.read_bytes()
        assert len(raw) < 3 * 1024, path.name
        assert b"\r" not in raw, path.name


def test_message_ids_are_unique(examples: dict[str, ParsedEmail]) -> None:
    ids = [parsed.message_id for parsed in examples.values()]
    assert len(set(ids)) == len(ids)


def test_the_reply_threads_onto_another_example(examples: dict[str, ParsedEmail]) -> None:
    replies = [p for p in examples.values() if p.in_reply_to]
    assert len(replies) == 1
    reply = replies[0]
    by_id = {p.message_id: p for p in examples.values()}
    original = by_id[reply.in_reply_to[0]]
    assert original is not reply
    assert reply.references[-1] == original.message_id
    assert reply.subject == f"Re: {original.subject}"
    assert "\n> " in reply.body_text


def test_the_auto_reply_is_marked_and_the_newsletter_is_bulk(
    examples: dict[str, ParsedEmail],
) -> None:
    auto = [p for p in examples.values() if p.headers.get("auto-submitted") == "auto-replied"]
    assert len(auto) == 1
    assert "Out of Office" in auto[0].subject
    bulk = [p for p in examples.values() if p.headers.get("precedence") == "bulk"]
    assert len(bulk) == 1
    assert bulk[0].headers.get("list-unsubscribe")


def test_formats_vary(examples: dict[str, ParsedEmail]) -> None:
    types = [p.content_type for p in examples.values()]
    assert "text/html" in types
    assert "multipart/alternative" in types
    html_only = next(p for p in examples.values() if p.content_type == "text/html")
    assert "<" not in html_only.body_text  # the HTML was converted to readable text


def test_deliver_examples_adds_each_once(tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    assert deliver_examples(maildir) == 10
    assert all((maildir / sub).is_dir() for sub in ("cur", "new", "tmp"))
    assert deliver_examples(maildir) == 0

    box = mailbox.Maildir(maildir, factory=None, create=False)
    delivered = sorted(box.get_bytes(key) for key in box.iterkeys())
    originals = sorted(path.read_bytes() for path in EXAMPLES_DIR.glob("*.eml"))
    assert delivered == originals  # stored byte for byte, nothing re-encoded


def test_deliver_examples_adds_only_what_is_missing(tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    box = mailbox.Maildir(maildir, factory=None, create=True)
    first = example_paths()[0].read_bytes()
    box.add(mailbox.MaildirMessage(first))
    box.add(mailbox.MaildirMessage(b"From: someone@example.org\nSubject: no id\n\nhello\n"))
    assert deliver_examples(maildir) == 9
    assert len(box) == 11
