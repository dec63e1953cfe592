"""Typed SQLAlchemy models: the project's whole data model in one place."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    """Timezone-aware now; every timestamp in the database is UTC."""
    return dt.datetime.now(dt.UTC)


class SafeString(TypeDecorator[str]):
    """Text that drops NUL characters and fits its column: mail is hostile, PostgreSQL strict."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        value = value.replace("\x00", "")
        # PostgreSQL refuses an over-long VARCHAR where SQLite would keep it; cut, never fail.
        length = getattr(self.impl_instance, "length", None)
        return value[:length] if length else value


class SafeText(SafeString):
    """Unbounded text, NUL-free."""

    impl = Text
    cache_ok = True


class Base(DeclarativeBase):
    """Declarative base shared by every table."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class MessageStatus:
    """Processing states of an inbound message."""

    RECEIVED = "received"  # raw bytes committed, not yet processed
    PROCESSED = "processed"
    FAILED = "failed"  # kept with its error; `intake reprocess` retries it
    QUARANTINED = "quarantined"  # refused on purpose (too large, unparseable); kept for a person


class InboundMessage(Base):
    """One raw email exactly as it arrived, and what became of it."""

    __tablename__ = "inbound_message"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_inbound_dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # source name + Message-ID, or source name + sha256 when the message has none
    dedupe_key: Mapped[str] = mapped_column(SafeString(600))
    source: Mapped[str] = mapped_column(SafeString(100))
    folder: Mapped[str] = mapped_column(SafeString(200), default="")
    source_key: Mapped[str] = mapped_column(SafeString(300), default="")  # file name, maildir key
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    uid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    message_id: Mapped[str] = mapped_column(SafeString(500), default="", index=True)
    sha256: Mapped[str] = mapped_column(SafeString(64), index=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    raw: Mapped[bytes | None] = mapped_column(
        LargeBinary, nullable=True
    )  # None when quarantined unread
    header_summary: Mapped[str] = mapped_column(SafeText, default="")
    subject: Mapped[str] = mapped_column(SafeString(500), default="")
    from_addr: Mapped[str] = mapped_column(SafeString(320), default="")
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(SafeString(20), default=MessageStatus.RECEIVED, index=True)
    error: Mapped[str] = mapped_column(SafeText, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    kind: Mapped[str] = mapped_column(SafeString(20), default="")
    kind_reason: Mapped[str] = mapped_column(SafeText, default="")
    notify: Mapped[bool] = mapped_column(default=True)  # False for backfilled history
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("request.id", ondelete="SET NULL"), nullable=True, index=True
    )
    bounced_outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_email.id", ondelete="SET NULL"), nullable=True
    )

    request: Mapped[Request | None] = relationship(
        back_populates="messages", foreign_keys=[request_id]
    )


class Request(Base):
    """A tracked request for technical assistance (or a notice of direct contact)."""

    __tablename__ = "request"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(SafeString(20), unique=True)  # LS-2026-0042
    kind: Mapped[str] = mapped_column(SafeString(20))  # request | notice
    status: Mapped[str] = mapped_column(SafeString(20), default="new")  # new | in_progress | closed
    subject: Mapped[str] = mapped_column(SafeString(500), default="")
    summary: Mapped[str] = mapped_column(SafeText, default="")
    requester_name: Mapped[str] = mapped_column(SafeString(200), default="")
    requester_title: Mapped[str] = mapped_column(SafeString(200), default="")
    requester_agency: Mapped[str] = mapped_column(SafeString(300), default="")
    requester_agency_type: Mapped[str] = mapped_column(SafeString(40), default="")
    requester_city: Mapped[str] = mapped_column(SafeString(120), default="")
    requester_state: Mapped[str] = mapped_column(SafeString(4), default="")
    requester_email: Mapped[str] = mapped_column(SafeString(320), default="")
    requester_phone: Mapped[str] = mapped_column(SafeString(40), default="")
    primary_specialization: Mapped[str] = mapped_column(SafeString(40), default="")
    specializations: Mapped[list[Any]] = mapped_column(default=list)
    topics: Mapped[list[Any]] = mapped_column(default=list)
    ta_types: Mapped[list[Any]] = mapped_column(default=list)
    contacted_sites: Mapped[list[Any]] = mapped_column(default=list)
    first_message_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notification_message_id: Mapped[str] = mapped_column(SafeString(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_staff_action_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )

    messages: Mapped[list[InboundMessage]] = relationship(
        back_populates="request",
        foreign_keys=[InboundMessage.request_id],
        order_by=InboundMessage.id,
    )
    classifications: Mapped[list[Classification]] = relationship(
        back_populates="request", order_by="Classification.id"
    )
    suggestions: Mapped[list[SiteSuggestion]] = relationship(
        back_populates="request", order_by="SiteSuggestion.rank"
    )
    contacts: Mapped[list[SiteContact]] = relationship(
        back_populates="request", order_by="SiteContact.id"
    )


class Classification(Base):
    """The labels given to one message, with scores, the rules that fired and their version."""

    __tablename__ = "classification"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("request.id", ondelete="CASCADE"), nullable=True, index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_message.id", ondelete="SET NULL"), nullable=True, index=True
    )
    rules_version: Mapped[str] = mapped_column(SafeString(64))
    kind: Mapped[str] = mapped_column(SafeString(20), default="")
    # What this one message says (a reply may add needs or contacted sites to its request).
    specializations: Mapped[list[Any]] = mapped_column(default=list)
    topics: Mapped[list[Any]] = mapped_column(default=list)
    ta_types: Mapped[list[Any]] = mapped_column(default=list)
    contacted_sites: Mapped[list[Any]] = mapped_column(default=list)
    requester: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # [{"label": "co_responder", "group": "specialization", "score": 2.5, "threshold": 1.0,
    #   "primary": "named in the subject"}, ...]: "primary" only on the primary need
    labels: Mapped[list[Any]] = mapped_column(default=list)
    # [{"rule": "...", "label": "...", "hit": true, "matched": "...", "reason": "..."}, ...]
    rule_results: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    request: Mapped[Request | None] = relationship(back_populates="classifications")


class SiteSuggestion(Base):
    """One ranked learning site suggested for a request, with its reasons."""

    __tablename__ = "site_suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("request.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[str] = mapped_column(SafeString(40), index=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )

    request: Mapped[Request] = relationship(back_populates="suggestions")


class SiteContact(Base):
    """A learning site the requester says they contacted directly (tracked TA)."""

    __tablename__ = "site_contact"
    __table_args__ = (UniqueConstraint("request_id", "site_id", name="uq_site_contact"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id", ondelete="CASCADE"))
    site_id: Mapped[str] = mapped_column(SafeString(40), index=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_message.id", ondelete="SET NULL"), nullable=True
    )
    noted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    request: Mapped[Request] = relationship(back_populates="contacts")


class OutboxStatus:
    """Delivery states of an outbox email."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # permanent failure; `intake outbox retry` requeues it


class OutboxEmail(Base):
    """An email the service will send (or sent): a row first, delivered by the sender job."""

    __tablename__ = "outbox_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(SafeString(300), unique=True)  # stable across retries
    purpose: Mapped[str] = mapped_column(
        SafeString(30)
    )  # notification | update | digest | ack | alert
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("request.id", ondelete="SET NULL"), nullable=True, index=True
    )
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(SafeString(500))
    raw: Mapped[bytes] = mapped_column(LargeBinary)  # the complete rendered MIME message
    status: Mapped[str] = mapped_column(SafeString(20), default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(SafeText, default="")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DigestRun(Base):
    """One daily digest; the unique date makes it exactly once across restarts and instances."""

    __tablename__ = "digest_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest_date: Mapped[dt.date] = mapped_column(unique=True)
    period_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_email.id", ondelete="SET NULL"), nullable=True
    )
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MailboxState(Base):
    """Per source folder: the IMAP cursor and the health of the last polls."""

    __tablename__ = "mailbox_state"
    __table_args__ = (UniqueConstraint("source", "folder", name="uq_mailbox_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(SafeString(100))
    folder: Mapped[str] = mapped_column(SafeString(200), default="")
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(SafeText, default="")
    alerted: Mapped[bool] = mapped_column(default=False)
