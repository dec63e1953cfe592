"""Deliver the built-in example emails into a Maildir so `intake demo` has mail to process."""

from __future__ import annotations

import mailbox
from email.parser import BytesHeaderParser
from pathlib import Path

from ingest.parse import message_ids

EXAMPLES_DIR = Path(__file__).with_name("demo_mail")

# Only the headers are needed to find a Message-ID; reading a bounded prefix keeps a
# Maildir full of large messages (or one hostile one) from being loaded whole.
_HEADER_READ_LIMIT = 64 * 1024


def example_paths() -> list[Path]:
    """The example .eml files, in delivery order (their names start with a sequence number)."""
    return sorted(EXAMPLES_DIR.glob("*.eml"))


def _message_id(raw_headers: bytes) -> str:
    headers = BytesHeaderParser().parsebytes(raw_headers)
    found = message_ids(str(headers.get("Message-ID", "")))
    return found[0] if found else ""


def _delivered_message_ids(maildir: mailbox.Maildir) -> set[str]:
    delivered: set[str] = set()
    for key in maildir.iterkeys():
        with maildir.get_file(key) as message_file:
            message_id = _message_id(message_file.read(_HEADER_READ_LIMIT))
        if message_id:
            delivered.add(message_id)
    return delivered


def deliver_examples(maildir: Path) -> int:
    """Add each example not already in `maildir` (by Message-ID); return how many were added.

    The Maildir (cur/new/tmp) is created when missing. Messages are stored byte for byte,
    so running the demo twice delivers nothing the second time.
    """
    maildir.parent.mkdir(parents=True, exist_ok=True)  # Maildir only creates the last level
    box = mailbox.Maildir(maildir, factory=None, create=True)
    delivered = _delivered_message_ids(box)
    added = 0
    for path in example_paths():
        raw = path.read_bytes()
        message_id = _message_id(raw)
        if message_id and message_id in delivered:
            continue
        box.add(mailbox.MaildirMessage(raw))
        if message_id:
            delivered.add(message_id)
        added += 1
    return added
