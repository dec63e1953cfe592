"""The outbox: every email is a row first, then a sender job delivers it exactly once."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from notify.errors import TransportError
from notify.transports import Transport
from store.models import OutboxEmail, OutboxStatus, utcnow

log = logging.getLogger(__name__)

# While one sender holds a row, others leave it alone. Longer than any SMTP timeout, so a
# live sender never loses its row; a sender that died mid-send frees it after this long.
CLAIM_SECONDS = 15 * 60
# However many attempts, a temporary failure is retried at least this often.
MAX_RETRY_DELAY_SECONDS = 6 * 3600
BATCH = 200


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
        subject=subject[:500],
        raw=raw,
        request_id=request_id,
        status=OutboxStatus.PENDING,
        attempts=0,
        last_error="",
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


def retry_delay(attempts: int, base_seconds: float) -> float:
    """Exponential backoff after the n-th failed attempt: base, 2x base, 4x base ..., capped."""
    return float(min(base_seconds * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY_SECONDS))


def _claim(session: Session, row_id: int, now: dt.datetime) -> bool:
    """Take a due row for this sender, atomically, and commit the claim.

    A conditional UPDATE is the lock: of two senders (two processes, or two hosts on one
    PostgreSQL) only one sees its WHERE still true, on SQLite and PostgreSQL alike.
    """
    result = session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.id == row_id,
            OutboxEmail.status == OutboxStatus.PENDING,
            OutboxEmail.next_attempt_at <= now,
        )
        .values(
            attempts=OutboxEmail.attempts + 1,
            next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS),
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return isinstance(result, CursorResult) and result.rowcount == 1


def send_pending(
    session: Session,
    transport: Transport,
    *,
    sender: str,
    max_attempts: int,
    retry_base_seconds: float,
    now: dt.datetime | None = None,
) -> SendReport:
    """Send every due row, each claimed first and marked sent as soon as it is accepted.

    A row is committed as sent right after the server accepts it, before the next row is
    touched; a crash in between can at worst resend that one row, with the same Message-ID
    so that mail clients show it once.
    """
    now = now or utcnow()
    report = SendReport()
    due_ids = session.scalars(
        select(OutboxEmail.id)
        .where(OutboxEmail.status == OutboxStatus.PENDING, OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.id)
        .limit(BATCH)
    ).all()
    session.commit()
    for row_id in due_ids:
        if not _claim(session, row_id, now):
            continue  # another sender has it
        row = session.get(OutboxEmail, row_id, populate_existing=True)
        if row is None:  # pragma: no cover - deleted between claim and read
            continue
        try:
            where = transport.send(
                sender=sender, recipients=row.recipients, raw=row.raw, name=_name(row)
            )
        except TransportError as exc:
            row.last_error = str(exc)[:2000]
            if exc.permanent or row.attempts >= max_attempts:
                row.status = OutboxStatus.FAILED
                report.failed += 1
                log.warning(
                    "outbox %s failed for good after %d attempt(s): %s", row.id, row.attempts, exc
                )
            else:
                delay = retry_delay(row.attempts, retry_base_seconds)
                row.next_attempt_at = now + dt.timedelta(seconds=delay)
                report.retried += 1
                log.info("outbox %s will retry in %.0fs: %s", row.id, delay, exc)
        else:
            row.status = OutboxStatus.SENT
            row.sent_at = utcnow()
            # Kept when the server accepted only some recipients, so the digest shows it.
            row.last_error = where[:2000] if "refused" in where else ""
            report.sent += 1
            log.info("outbox %s sent: %s", row.id, where)
        session.commit()
    return report


def retry_failed(session: Session, ids: Sequence[int] = ()) -> int:
    """Put failed rows (all, or the given ids) back in the queue with fresh attempts."""
    query = select(OutboxEmail).where(OutboxEmail.status == OutboxStatus.FAILED)
    if ids:
        query = query.where(OutboxEmail.id.in_(ids))
    rows = session.scalars(query).all()
    for row in rows:
        row.status = OutboxStatus.PENDING
        row.attempts = 0
        row.next_attempt_at = utcnow()
    return len(rows)
