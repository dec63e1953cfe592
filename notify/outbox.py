"""The outbox: every email is a row first, then a sender job delivers it exactly once."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.errors import TransportError
from notify.transports import Transport
from store.models import OutboxEmail, OutboxStatus, utcnow

log = logging.getLogger(__name__)


def enqueue(
    session: Session,
    *,
    purpose: str,
    message_id: str,
    recipients: Sequence[str],
    subject: str,
    raw: bytes,
    request_id: int | None = None,
) -> OutboxEmail:
    """Add an email to the outbox in the caller's transaction."""
    row = OutboxEmail(
        purpose=purpose,
        message_id=message_id,
        recipients=list(recipients),
        subject=subject,
        raw=raw,
        request_id=request_id,
    )
    session.add(row)
    session.flush()
    return row


@dataclass
class SendReport:
    """What one pass of the sender did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def _name(row: OutboxEmail) -> str:
    return f"{row.id:06d}-{row.purpose}"


def send_pending(
    session: Session,
    transport: Transport,
    *,
    sender: str,
    max_attempts: int,
    retry_base_seconds: float,
    now: dt.datetime | None = None,
) -> SendReport:
    """Send every due row. Each row is marked in the same step that records its delivery."""
    now = now or utcnow()
    report = SendReport()
    due = session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.status == OutboxStatus.PENDING, OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.id)
        .with_for_update(skip_locked=True)
    ).all()
    for row in due:
        row.attempts += 1
        try:
            where = transport.send(sender=sender, recipients=row.recipients, raw=row.raw, name=_name(row))
        except TransportError as exc:
            row.last_error = str(exc)
            if exc.permanent or row.attempts >= max_attempts:
                row.status = OutboxStatus.FAILED
                report.failed += 1
                log.warning("outbox %s failed for good: %s", row.id, exc)
            else:
                # Exponential backoff: 1, 2, 4 ... times the base delay.
                delay = retry_base_seconds * 2 ** (row.attempts - 1)
                row.next_attempt_at = now + dt.timedelta(seconds=delay)
                report.retried += 1
                log.info("outbox %s will retry in %.0fs: %s", row.id, delay, exc)
        else:
            row.status = OutboxStatus.SENT
            row.sent_at = utcnow()
            row.last_error = ""
            report.sent += 1
            log.info("outbox %s sent: %s", row.id, where)
        session.commit()
    return report


def retry_failed(session: Session, ids: Sequence[int] = ()) -> int:
    """Put failed rows (all, or the given ids) back in the queue."""
    query = select(OutboxEmail).where(OutboxEmail.status == OutboxStatus.FAILED)
    if ids:
        query = query.where(OutboxEmail.id.in_(ids))
    rows = session.scalars(query).all()
    for row in rows:
        row.status = OutboxStatus.PENDING
        row.next_attempt_at = utcnow()
    return len(rows)
