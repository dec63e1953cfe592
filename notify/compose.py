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


def new_message_id(domain: str) -> str:
    """A fresh, globally unique Message-ID; stored with the outbox row so retries reuse it."""
    return email.utils.make_msgid(domain=domain)


def bare_address(value: str) -> str:
    """The addr-spec of an address from mail, or NotifyError when it is not one.

    A requester's display name is never copied into a header: it is hostile input, and a
    CR/LF in it is the classic header injection.
    """
    address = email.utils.parseaddr(one_line(value, 400))[1].strip()
    if not _BARE_ADDRESS.match(address) or len(address) > 254:
        raise NotifyError(f"not a usable email address: {value!r}")
    return address


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
    message["From"] = one_line(from_addr)
    message["To"] = ", ".join(one_line(address) for address in to)
    if reply_to:
        message["Reply-To"] = one_line(reply_to)
    message["Subject"] = one_line(rendered.subject, 250)
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = message_id
    # RFC 3834: mark our mail automatic so vacation responders and we ourselves never answer it.
    message["Auto-Submitted"] = auto_submitted
    message["X-Auto-Response-Suppress"] = "All"
    if in_reply_to:
        chain = [ref for ref in references if ref != in_reply_to]
        message["In-Reply-To"] = in_reply_to
        message["References"] = " ".join([*chain, in_reply_to])
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if original is not None:
        # Attached as opaque bytes: staff open it deliberately, nothing renders it inline.
        message.add_attachment(
            original, maintype="application", subtype="octet-stream", filename=original_name
        )
    return message.as_bytes()
