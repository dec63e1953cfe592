"""A bounded, plain-text excerpt of a received email, for quoting it safely in staff mail."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage, MIMEPart

from inscriptis import get_text
from inscriptis.model.config import ParserConfig

_HTML_CONFIG = ParserConfig(display_links=False, display_images=False)
# Never read more than this much of a body, however large the message is.
_MAX_SCAN = 200_000


def _part_text(part: MIMEPart) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def excerpt(raw: bytes | None, limit: int) -> str:
    """The message's text (plain part, else its HTML as text), cut at `limit` characters.

    The result is only ever shown as data: escaped in HTML, quoted in text, never rendered.
    """
    if not raw or limit <= 0:
        return ""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(preferencelist=("plain", "html"))
    except Exception:  # the parser is stdlib but the bytes are hostile; quoting is optional
        return ""
    if body is None:
        return ""
    text = _part_text(body)[:_MAX_SCAN]
    if body.get_content_subtype() == "html":
        try:
            text = get_text(text, _HTML_CONFIG)
        except Exception:
            return ""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    # Collapse runs of blank lines so a padded message cannot push the facts out of view.
    compact: list[str] = []
    for line in lines:
        if line or (compact and compact[-1]):
            compact.append(line)
    result = "\n".join(compact).strip()
    if len(result) > limit:
        result = result[:limit].rstrip() + "\n[… shortened]"
    return result
