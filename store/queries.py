"""Store operations the pipeline needs; every function takes the session explicitly."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import (
    InboundMessage,
    MailboxState,
    MessageStatus,
    OutboxEmail,
    Request,
    SiteSuggestion,
    utcnow,
)

_SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|antw)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def dedupe_key(source: str, message_id: str, sha256: str) -> str:
    """Source + Message-ID, or source + content hash when the message has no Message-ID."""
    return f"{source}|mid|{message_id}" if message_id else f"{source}|sha256|{sha256}"


def save_raw(session: Session, message: InboundMessage) -> tuple[InboundMessage, bool]:
    """Insert a raw message unless its dedupe key exists; returns (row, created)."""
    existing = session.scalars(
        select(InboundMessage).where(InboundMessage.dedupe_key == message.dedupe_key)
    ).first()
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():  # a racing instance may insert the same key first
            session.add(message)
    except IntegrityError:
        existing = session.scalars(
            select(InboundMessage).where(InboundMessage.dedupe_key == message.dedupe_key)
        ).one()
        return existing, False
    return message, True


def mailbox_state(session: Session, source: str, folder: str) -> MailboxState:
    """The cursor and health row for a source folder, created on first use."""
    state = session.scalars(
        select(MailboxState).where(MailboxState.source == source, MailboxState.folder == folder)
    ).first()
    if state is None:
        state = MailboxState(
            source=source, folder=folder, last_uid=0, consecutive_errors=0, last_error=""
        )
        session.add(state)
        session.flush()
    return state


def states_for(session: Session, source: str) -> Sequence[MailboxState]:
    """Every folder state recorded for a source."""
    return session.scalars(select(MailboxState).where(MailboxState.source == source)).all()


def pending_message_ids(
    session: Session, statuses: Iterable[str] = (MessageStatus.RECEIVED,)
) -> list[int]:
    """Ids of messages waiting to be processed, oldest first."""
    return list(
        session.scalars(
            select(InboundMessage.id)
            .where(InboundMessage.status.in_(list(statuses)))
            .order_by(InboundMessage.id)
        )
    )


def normalized_subject(subject: str) -> str:
    """A subject without Re:/Fwd: prefixes or case, for threading by subject."""
    return " ".join(_SUBJECT_PREFIX.sub("", subject or "").lower().split())


def find_thread(
    session: Session,
    *,
    message_ids: Sequence[str],
    subject: str,
    participants: Sequence[str],
    exclude_message: int | None = None,
) -> Request | None:
    """The request a message continues: by In-Reply-To/References (newest first), else subject.

    IDs are matched against stored inbound mail and the notifications we sent. The subject
    fallback only joins when one of the participants already wrote on that request, because a
    wrong merge is worse than a missed one.
    """
    for mid in reversed(list(message_ids)):
        inbound = session.scalars(
            select(InboundMessage).where(
                InboundMessage.message_id == mid, InboundMessage.request_id.is_not(None)
            )
        ).first()
        if inbound is not None and inbound.id != exclude_message:
            return inbound.request
        sent = session.scalars(
            select(OutboxEmail).where(
                OutboxEmail.message_id == mid, OutboxEmail.request_id.is_not(None)
            )
        ).first()
        if sent is not None:
            return session.get(Request, sent.request_id)
    topic = normalized_subject(subject)
    if (
        not topic
        or topic == normalized_subject("")
        or not re.match(r"^\s*(re|fw|fwd)\s*:", subject or "", re.I)
    ):
        return None
    addresses = [p.lower() for p in participants if p]
    if not addresses:
        return None
    candidates = (
        session.scalars(
            select(Request)
            .join(InboundMessage, InboundMessage.request_id == Request.id)
            .where(InboundMessage.from_addr.in_(addresses))
            .order_by(Request.id.desc())
        )
        .unique()
        .all()
    )
    for request in candidates:
        if normalized_subject(request.subject) == topic:
            return request
    return None


def next_request_ref(request: Request, year: int) -> str:
    """A staff-friendly reference like LS-2026-0042, from the row's unique id."""
    return f"LS-{year}-{request.id:04d}"


def recent_suggestion_load(
    session: Session, *, days: int = 30, now: dt.datetime | None = None
) -> dict[str, int]:
    """How many times each site was suggested (ranked first) in the last `days` days."""
    since = (now or utcnow()) - dt.timedelta(days=days)
    rows = session.execute(
        select(SiteSuggestion.site_id, func.count())
        .where(SiteSuggestion.created_at >= since, SiteSuggestion.rank == 1)
        .group_by(SiteSuggestion.site_id)
    ).all()
    return {site_id: count for site_id, count in rows}


def find_outbox_by_message_ids(session: Session, message_ids: Sequence[str]) -> OutboxEmail | None:
    """The sent email a bounce talks about, by the Message-IDs quoted in the bounce."""
    if not message_ids:
        return None
    return session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.message_id.in_(list(message_ids)))
        .order_by(OutboxEmail.id)
    ).first()
