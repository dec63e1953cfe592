"""Build the MIME message for an email the service sends."""

from __future__ import annotations

import email.policy
import email.utils
import re
from collections.abc import Sequence
from email.message import EmailMessage

from notify.errors import NotifyError
from notify.render import RenderedEmail, one_line

# A bare addr-spec as the service is willing to put in a header: no spaces, CR/LF or brackets.
_BARE_ADDRESS = re.compile(r"^[^\s<>()\[\],;:\"@]+@[A-Za-z0-9.-]+\.?$")
_BARE_FOLD = re.compile(rb"(?m)^([A-Za-z][A-Za-z0-9-]*):\r\n[ \t]+")
_MESSAGE_ID = re.compile(r"^<[^<>\s\"]+@[^<>\s\"]+>$")
# The only header fields build_message writes; anything else in the output is an injection.
_OWN_HEADERS = {
    "from",
    "to",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "auto-submitted",
    "x-auto-response-suppress",
    "in-reply-to",
    "references",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
}


def header_text(value: object, limit: int = 250) -> str:
    """Text that is safe as a header value: one line, and no RFC 2047 encoded-words.

    Python's email package decodes "=?utf-8?q?...=0D=0A...?=" inside a value it is given,
    and before 3.12.5 writes the decoded CR/LF out raw: a header injection. Breaking the
    "=?" opener keeps such text literal.
    """
    return one_line(value, limit).replace("=?", "=\u2060?")


def new_message_id(domain: str) -> str:
    """A fresh, globally unique Message-ID; stored with the outbox row so retries reuse it."""
    return email.utils.make_msgid(domain=domain)


def bare_address(value: str) -> str:
    """The addr-spec of an address from mail, or NotifyError when it is not one.

    A requester's display name is never copied into a header: it is hostile input, and a
    CR/LF in it is the classic header injection.
    """
    address = email.utils.parseaddr(one_line(value, 400))[1].strip()
    if not _BARE_ADDRESS.match(address) or "=?" in address or len(address) > 254:
        raise NotifyError(f"not a usable email address: {value!r}")
    return address


def _message_ids(values: Sequence[str]) -> list[str]:
    # Message-IDs come from received mail: keep only well-formed ones.
    return [v for v in values if len(v) <= 250 and _MESSAGE_ID.match(v) and "=?" not in v]


def _check_headers(raw: bytes) -> None:
    head = raw.split(b"\r\n\r\n", 1)[0]
    names = {
        line.split(b":", 1)[0].decode("ascii", "replace").strip().lower()
        for line in head.split(b"\r\n")
        if line and line[:1] not in (b" ", b"\t")
    }
    if names - _OWN_HEADERS:
        raise NotifyError(f"refusing to send: unexpected header(s) {sorted(names - _OWN_HEADERS)}")


def build_message(
    rendered: RenderedEmail,
    *,
    from_addr: str,
    to: Sequence[str],
    message_id: str,
    auto_submitted: str = "auto-generated",
    in_reply_to: str = "",
    references: Sequence[str] = (),
    reply_to: str = "",
    original: bytes | None = None,
    original_name: str = "original.eml",
) -> bytes:
    """Compose text + HTML (and the original email attached) into RFC 5322 bytes."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = header_text(from_addr)
    message["To"] = ", ".join(header_text(address) for address in to)
    if reply_to:
        message["Reply-To"] = header_text(reply_to)
    message["Subject"] = header_text(rendered.subject, 250)
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = message_id
    # RFC 3834: mark our mail automatic so vacation responders and we ourselves never answer it.
    message["Auto-Submitted"] = auto_submitted
    message["X-Auto-Response-Suppress"] = "All"
    parent = _message_ids([in_reply_to])
    if parent:
        chain = [ref for ref in _message_ids(references) if ref != parent[0]]
        message["In-Reply-To"] = parent[0]
        message["References"] = " ".join([*chain[-10:], parent[0]])
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if original is not None:
        # Attached as opaque bytes: staff open it deliberately, nothing renders it inline.
        message.add_attachment(
            original, maintype="application", subtype="octet-stream", filename=original_name
        )
    head, body = message.as_bytes().split(b"\r\n\r\n", 1)
    # Python folds a value that fits one continuation line as "Subject:\r\n value"; some
    # readers then show a leading space. Joined, the line stays far below the 998 limit.
    head = _BARE_FOLD.sub(rb"\1: ", head)
    raw = head + b"\r\n\r\n" + body
    _check_headers(raw)
    return raw
