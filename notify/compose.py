"""Build the MIME message for an email the service sends."""

from __future__ import annotations

import email.policy
import email.utils
from collections.abc import Sequence
from email.message import EmailMessage

from notify.render import RenderedEmail, one_line


def new_message_id(domain: str) -> str:
    """A fresh, globally unique Message-ID; stored with the outbox row so retries reuse it."""
    return email.utils.make_msgid(domain=domain)


def build_message(
    rendered: RenderedEmail,
    *,
    from_addr: str,
    to: Sequence[str],
    message_id: str,
    auto_submitted: str = "auto-generated",
    in_reply_to: str = "",
    references: Sequence[str] = (),
    original: bytes | None = None,
    original_name: str = "original.eml",
) -> bytes:
    """Compose text + HTML (and the original email attached) into RFC 5322 bytes."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = one_line(from_addr)
    message["To"] = ", ".join(one_line(address) for address in to)
    message["Subject"] = rendered.subject
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = message_id
    # RFC 3834: mark our mail automatic so vacation responders and we ourselves never answer it.
    message["Auto-Submitted"] = auto_submitted
    message["X-Auto-Response-Suppress"] = "All"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = " ".join([*references, in_reply_to] if in_reply_to not in references else references)
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if original is not None:
        # Attached as opaque bytes: staff open it deliberately, nothing renders it inline.
        message.add_attachment(
            original, maintype="application", subtype="octet-stream", filename=original_name
        )
    return message.as_bytes()
