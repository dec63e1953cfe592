"""The daily digest: what came in since the last one, sent exactly once per day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notify.compose import build_message, new_message_id
from notify.notifications import label_name
from notify.outbox import enqueue
from notify.render import Renderer
from notify.settings import NotifySettings
from store.models import (
    DigestRun,
    InboundMessage,
    MessageStatus,
    OutboxEmail,
    OutboxStatus,
    Request,
    SiteContact,
    utcnow,
)


def digest_context(
    session: Session,
    *,
    start: dt.datetime,
    end: dt.datetime,
    digest_date: dt.date,
    settings: NotifySettings,
    site_names: Mapping[str, str],
) -> dict[str, Any]:
    """Collect the digest's facts for the period [start, end)."""
    new_requests = session.scalars(
        select(Request)
        .where(Request.created_at >= start, Request.created_at < end, Request.kind == "request")
        .order_by(Request.id)
    ).all()
    by_need: dict[str, list[Request]] = {}
    for request in new_requests:
        by_need.setdefault(label_name(request.primary_specialization) if request.primary_specialization else "Not yet classified", []).append(request)

    contacts = session.execute(
        select(SiteContact, Request)
        .join(Request, SiteContact.request_id == Request.id)
        .where(SiteContact.noted_at >= start, SiteContact.noted_at < end)
        .order_by(SiteContact.site_id, SiteContact.id)
    ).all()
    by_site: dict[str, list[Request]] = {}
    for contact, request in contacts:
        by_site.setdefault(site_names.get(contact.site_id, contact.site_id), []).append(request)

    replies = session.scalars(
        select(InboundMessage)
        .where(
            InboundMessage.kind == "reply",
            InboundMessage.received_at >= start,
            InboundMessage.received_at < end,
        )
        .order_by(InboundMessage.id)
    ).all()
    stale_before = end - dt.timedelta(days=settings.stale_after_days)
    stale = session.scalars(
        select(Request)
        .where(
            Request.status == "new",
            Request.kind == "request",
            Request.created_at < stale_before,
            Request.last_staff_action_at.is_(None),
        )
        .order_by(Request.created_at)
    ).all()
    needs_person = session.scalars(
        select(InboundMessage)
        .where(
            or_(
                InboundMessage.status.in_([MessageStatus.FAILED, MessageStatus.QUARANTINED]),
                InboundMessage.kind == "bounce",
            ),
            InboundMessage.received_at >= start,
            InboundMessage.received_at < end,
        )
        .order_by(InboundMessage.id)
    ).all()
    failed_outbox = session.scalars(
        select(OutboxEmail).where(OutboxEmail.status == OutboxStatus.FAILED).order_by(OutboxEmail.id)
    ).all()
    week_start = end - dt.timedelta(days=7)
    week = {
        "requests": session.scalar(
            select(func.count()).select_from(Request).where(Request.kind == "request", Request.created_at >= week_start)
        ) or 0,
        "notices": session.scalar(
            select(func.count()).select_from(Request).where(Request.kind == "notice", Request.created_at >= week_start)
        ) or 0,
        "messages": session.scalar(
            select(func.count()).select_from(InboundMessage).where(InboundMessage.received_at >= week_start)
        ) or 0,
    }
    quiet = not (new_requests or contacts or replies or needs_person or stale or failed_outbox)
    return {
        "digest_date": digest_date,
        "start": start,
        "end": end,
        "by_need": by_need,
        "by_site": by_site,
        "replies": replies,
        "stale": stale,
        "stale_days": settings.stale_after_days,
        "needs_person": needs_person,
        "failed_outbox": failed_outbox,
        "week": week,
        "quiet": quiet,
        "command": settings.request_command,
    }


def run_digest(
    session: Session,
    *,
    digest_date: dt.date,
    settings: NotifySettings,
    renderer: Renderer,
    site_names: Mapping[str, str],
    now: dt.datetime | None = None,
) -> DigestRun | None:
    """Queue the digest for `digest_date` unless one exists; commits. None when already done.

    The unique digest_date row is claimed first, so two instances racing at the same minute
    produce one digest: the loser's insert fails and it stops.
    """
    now = now or utcnow()
    previous = session.scalars(select(DigestRun).order_by(DigestRun.period_end.desc()).limit(1)).first()
    start = previous.period_end if previous else now - dt.timedelta(days=1)
    if previous and previous.digest_date >= digest_date:
        return None
    run = DigestRun(digest_date=digest_date, period_start=start, period_end=now)
    session.add(run)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return None
    context = digest_context(
        session, start=start, end=now, digest_date=digest_date, settings=settings, site_names=site_names
    )
    run.summary = {
        "new_requests": sum(len(v) for v in context["by_need"].values()),
        "notices": sum(len(v) for v in context["by_site"].values()),
        "replies": len(context["replies"]),
        "stale": len(context["stale"]),
        "needs_person": len(context["needs_person"]),
    }
    if context["quiet"] and settings.digest_quiet_day == "skip":
        session.commit()
        return run
    rendered = renderer.render("digest", context)
    message_id = new_message_id(settings.message_id_domain)
    row = enqueue(
        session,
        purpose="digest",
        message_id=message_id,
        recipients=settings.staff,
        subject=rendered.subject,
        raw=build_message(rendered, from_addr=settings.from_addr, to=settings.staff, message_id=message_id),
    )
    run.outbox_id = row.id
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return run
