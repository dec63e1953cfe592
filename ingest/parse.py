"""Parse raw email bytes with mail-parser into a plain, typed ParsedEmail."""

from __future__ import annotations

import email.header
import email.message
import email.utils
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import mailparser
from inscriptis import get_text
from inscriptis.model.config import ParserConfig

from ingest.errors import ParseError

_MSGID_RE = re.compile(r"<[^<>\s]+>")
_HTML_CONFIG = ParserConfig(display_links=False, display_images=False)
_ATTACHED_MESSAGE = re.compile(rb"message/rfc822", re.IGNORECASE)


@dataclass(frozen=True)
class Attachment:
    """An attachment's name, type and size (the bytes stay in the raw message)."""

    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ParsedEmail:
    """What the rest of the service needs to know about one email."""

    sha256: str
    message_id: str  # with angle brackets, "" when missing
    subject: str
    from_name: str
    from_addr: str
    to_addrs: tuple[str, ...]
    reply_to_addr: str
    sender_addr: str  # the Sender header: mail sent on someone's behalf
    date: str  # ISO 8601, "" when missing or unreadable
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]  # oldest first, as in the header
    headers: Mapping[str, str]  # lower-cased names, first occurrence, folded to one line
    content_type: str  # top-level type, e.g. "multipart/report"
    body_text: str  # text/plain, or the HTML converted to text
    body_html: str  # "" when none
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    defects: tuple[str, ...] = field(default_factory=tuple)


def message_ids(value: str) -> tuple[str, ...]:
    """The <msg-id> tokens of a Message-ID, In-Reply-To or References header, in order."""
    return tuple(_MSGID_RE.findall(value or ""))


def html_to_text(html: str) -> str:
    """Readable text from an HTML body, keeping paragraph and line breaks."""
    return get_text(html, _HTML_CONFIG).strip("\n")


def _decoded(value: object) -> str:
    try:
        decoded = email.header.make_header(email.header.decode_header(str(value)))
        return " ".join(str(decoded).split())
    except (ValueError, LookupError, UnicodeError):
        return " ".join(str(value).split())


def _first_text(message: email.message.Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                charset = part.get_content_charset() or "utf-8"
                try:
                    return payload.decode(charset, errors="replace")
                except LookupError:
                    return payload.decode("utf-8", errors="replace")
    return ""


def _with_attached_headers(message: email.message.Message, body_text: str) -> str:
    """An email forwarded as an attachment reads like one forwarded inline: its From, Date,
    Subject and To go above its text, so the forward is unwrapped and its sender found.
    A bounce's copy of the returned message (multipart/report) is left as it is."""
    if message.get_content_type() == "multipart/report":
        return body_text
    for part in message.walk():
        if part.get_content_type() != "message/rfc822":
            continue
        inner = part.get_payload(0) if part.is_multipart() else None
        if not isinstance(inner, email.message.Message):
            continue
        text = _first_text(inner).strip()
        anchor = text[:60]
        at = body_text.find(anchor) if anchor else -1
        if at < 0:
            continue
        block = "---------- Forwarded message ---------\n" + "".join(
            f"{name}: {_decoded(inner[name])}\n"
            for name in ("From", "Date", "Subject", "To")
            if inner[name] is not None
        )
        body_text = f"{body_text[:at]}\n{block}\n{body_text[at:]}"
    return body_text


def _first_address(pairs: object) -> tuple[str, str]:
    if isinstance(pairs, list) and pairs:
        name, addr = pairs[0]
        return str(name or "").strip(), str(addr or "").strip().lower()
    return "", ""


def _header(headers: Mapping[str, object], name: str) -> str:
    value = headers.get(name, "")
    if isinstance(value, list) and value and all(isinstance(v, tuple) for v in value):
        # mail-parser gives address headers (From, To, Cc, Reply-To) as (name, address) pairs.
        value = ", ".join(email.utils.formataddr((str(n), str(a))) for n, a in value if a)
    elif isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value).split())


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one message. Never trusts the input: bad charsets degrade, they do not raise."""
    if not raw or not raw.strip():
        raise ParseError("empty message")
    try:
        parsed = mailparser.parse_from_bytes(raw)
    except Exception as exc:  # mail-parser raises many types on hostile input
        raise ParseError(f"mail-parser could not read the message: {exc}") from exc

    message = parsed.message
    raw_headers = parsed.headers  # a property that decodes every header on each access
    headers = {name.lower(): _header(raw_headers, name) for name in raw_headers}
    from_name, from_addr = _first_address(parsed.from_)
    to_addrs = tuple(addr.lower() for _, addr in (parsed.to or []) if addr)
    _, reply_to_addr = email.utils.parseaddr(headers.get("reply-to", ""))
    _, sender_addr = email.utils.parseaddr(headers.get("sender", ""))

    text_plain = "\n\n".join(part for part in parsed.text_plain if part.strip())
    text_html = "\n".join(parsed.text_html)
    body_text = text_plain if text_plain.strip() else html_to_text(text_html) if text_html else ""
    if _ATTACHED_MESSAGE.search(raw):
        body_text = _with_attached_headers(message, body_text)

    attachments = tuple(
        Attachment(
            filename=str(item.get("filename") or ""),
            content_type=str(item.get("mail_content_type") or ""),
            size=len(item.get("payload") or ""),
        )
        for item in parsed.attachments
    )
    date = parsed.date.isoformat() if parsed.date else ""
    return ParsedEmail(
        sha256=hashlib.sha256(raw).hexdigest(),
        message_id=(message_ids(headers.get("message-id", "")) or ("",))[0],
        subject=" ".join((parsed.subject or "").split()),
        from_name=from_name,
        from_addr=from_addr,
        to_addrs=to_addrs,
        reply_to_addr=reply_to_addr.lower(),
        sender_addr=sender_addr.lower(),
        date=date,
        in_reply_to=message_ids(headers.get("in-reply-to", "")),
        references=message_ids(headers.get("references", "")),
        headers=headers,
        content_type=message.get_content_type(),
        body_text=body_text,
        body_html=text_html,
        attachments=attachments,
        defects=tuple(str(d) for d in parsed.defects_categories),
    )
