"""The Maildir source: what it fetches, and how it flags stored mail as seen."""

from __future__ import annotations

import mailbox
from pathlib import Path

from ingest import MaildirSource


def make_box(tmp_path: Path) -> mailbox.Maildir:
    return mailbox.Maildir(tmp_path / "Maildir", create=True)


def test_acknowledge_moves_new_mail_to_cur_flagged_seen_with_bytes_unchanged(
    tmp_path: Path,
) -> None:
    box = make_box(tmp_path)
    raw = b"From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n"
    key = box.add(mailbox.MaildirMessage(raw))
    source = MaildirSource(tmp_path / "Maildir")

    fetched = list(source.fetch({}))
    before = (tmp_path / "Maildir" / "new" / key).read_bytes()
    source.acknowledge(fetched)

    assert fetched[0].raw == before and b"Subject: hi" in before
    assert not list((tmp_path / "Maildir" / "new").iterdir())
    [flagged] = list((tmp_path / "Maildir" / "cur").iterdir())
    assert flagged.name == f"{key}:2,S"
    assert flagged.read_bytes() == before
    assert list(source.fetch({})) == []


def test_acknowledge_keeps_flags_already_set_by_a_mail_client(tmp_path: Path) -> None:
    box = make_box(tmp_path)
    message = mailbox.MaildirMessage(b"Subject: flagged\r\n\r\nx\r\n")
    message.set_subdir("cur")
    message.set_flags("FR")
    key = box.add(message)
    source = MaildirSource(tmp_path / "Maildir")

    source.acknowledge(list(source.fetch({})))

    [flagged] = list((tmp_path / "Maildir" / "cur").iterdir())
    assert flagged.name == f"{key}:2,FRS"


def test_mail_removed_between_fetch_and_acknowledge_is_skipped(tmp_path: Path) -> None:
    box = make_box(tmp_path)
    first = box.add(mailbox.MaildirMessage(b"Subject: one\r\n\r\n1\r\n"))
    box.add(mailbox.MaildirMessage(b"Subject: two\r\n\r\n2\r\n"))
    source = MaildirSource(tmp_path / "Maildir")
    fetched = list(source.fetch({}))
    box.remove(first)

    source.acknowledge(fetched)

    names = [p.name for p in (tmp_path / "Maildir" / "cur").iterdir()]
    assert len(names) == 1 and names[0].endswith(":2,S") and not names[0].startswith(first)


def test_without_mark_seen_mail_stays_in_new(tmp_path: Path) -> None:
    box = make_box(tmp_path)
    box.add(mailbox.MaildirMessage(b"Subject: keep\r\n\r\nx\r\n"))
    source = MaildirSource(tmp_path / "Maildir", mark_seen=False)

    source.acknowledge(list(source.fetch({})))

    assert len(list((tmp_path / "Maildir" / "new").iterdir())) == 1
    assert len(list(source.fetch({}))) == 1
