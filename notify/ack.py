"""The optional acknowledgement to a requester: only to a person, rarely, and marked automatic."""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import email.utils
import re
from collections.abc import Iterable
from email.message import Message

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.compose import bare_address, build_message, new_message_id
from notify.errors import NotifyError
from notify.outbox import enqueue
from notify.render import Renderer
from notify.settings import NotifySettings
from store.models import InboundMessage, OutboxEmail, Request, utcnow

# Local parts that never belong to a person who reads replies.
_MACHINE_LOCAL_PART = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|noreply|mailer[-_.]?daemon|postmaster|bounces?"
    r"|auto[-_.]?(reply|responder)|listserv|majordomo|.*[-_.](request|owner|bounces?))$"
    r"|^(owner|bounces?)[-_.+]",
    re.IGNORECASE,
)
_AUTOMATIC_PRECEDENCE = ("bulk", "junk", "list", "auto_reply")
# Headers whose mere presence marks mail sent by a program or a list (RFC 3834 section 2).
_AUTOMATIC_HEADERS = (
    "X-Autoreply",
    "X-Autorespond",
    "X-Auto-Response-Suppress",
    "X-Loop",
    "List-Id",
    "List-Unsubscribe",
    "List-Post",
    "Feedback-ID",
)


def _headers(raw: bytes) -> Message:
    # compat32 never raises on odd headers; only the header block is parsed.
    return email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)


def automatic_reason(raw: bytes, address: str) -> str:
    """Why this email must not be answered automatically, or "" when a person wrote it."""
    headers = _headers(raw)
    auto = str(headers.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(headers.get("Precedence", "")).strip().lower()
    if precedence in _AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in _AUTOMATIC_HEADERS:
        if headers.get(name) is not None:
            return f"has {name}"
    if headers.get_content_type() == "multipart/report":
        return "a delivery or disposition report"
    return_path = headers.get("Return-Path")
    if return_path is not None and str(return_path).strip() in ("<>", ""):
        return "null Return-Path"
    local = address.rsplit("@", 1)[0]
    if _MACHINE_LOCAL_PART.match(local):
        return f"{address} is not a person's address"
    return ""


def _own_addresses(settings: NotifySettings) -> set[str]:
    own = [settings.from_addr, settings.admin, settings.ack_reply_to, *settings.staff]
    return {email.utils.parseaddr(a)[1].lower() for a in own if a}


def recent_acks(session: Session, address: str, *, since: dt.datetime) -> int:
    """How many acknowledgements went to `address` since `since`."""
    rows: Iterable[list[str]] = session.scalars(
        select(OutboxEmail.recipients).where(
            OutboxEmail.purpose == "ack", OutboxEmail.created_at >= since
        )
    )
    return sum(1 for recipients in rows if address in (r.lower() for r in recipients))


def ack_refusal(
    session: Session,
    request: Request,
    message: InboundMessage,
    *,
    settings: NotifySettings,
    now: dt.datetime | None = None,
) -> str:
    """Why no acknowledgement goes out for this message, or "" when one should."""
    if not settings.acknowledge:
        return "acknowledgements are off"
    if request.kind != "request" or message.kind != "request":
        return f"only new requests are acknowledged, not {message.kind or request.kind}"
    if message.id != request.first_message_id:
        return "the request was already acknowledged"
    if message.raw is None:
        return "no raw message"
    try:
        address = bare_address(message.from_addr).lower()
    except NotifyError:
        return f"no usable sender address in {message.from_addr!r}"
    if address in _own_addresses(settings):
        return "the sender is this service"
    reason = automatic_reason(message.raw, address)
    if reason:
        return reason
    now = now or utcnow()
    window = now - dt.timedelta(hours=settings.ack_window_hours)
    if recent_acks(session, address, since=window) >= settings.ack_max_per_sender:
        return (
            f"{address} already got {settings.ack_max_per_sender} in {settings.ack_window_hours}h"
        )
    return ""


def queue_acknowledgement(
    session: Session,
    request: Request,
    message: InboundMessage,
    *,
    settings: NotifySettings,
    renderer: Renderer,
) -> OutboxEmail | None:
    """Queue the requester's acknowledgement when every check passes; None otherwise."""
    if ack_refusal(session, request, message, settings=settings):
        return None
    address = bare_address(message.from_addr).lower()
    rendered = renderer.render(
        "ack", {"request": request, "reply_address": settings.ack_reply_to or settings.from_addr}
    )
    message_id = new_message_id(settings.message_id_domain)
    incoming = message.message_id
    raw = build_message(
        rendered,
        from_addr=settings.from_addr,
        to=[address],
        message_id=message_id,
        auto_submitted="auto-replied",
        in_reply_to=incoming,
        references=[incoming] if incoming else [],
        reply_to=settings.ack_reply_to,
    )
    return enqueue(
        session,
        purpose="ack",
        message_id=message_id,
        recipients=[address],
        subject=rendered.subject,
        raw=raw,
        request_id=request.id,
    )
