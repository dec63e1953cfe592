"""The daily digest: what came in since the last one, sent exactly once per day."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notify.compose import build_message, new_message_id
from notify.notifications import label_name, requester_line
from notify.outbox import enqueue
from notify.render import RenderedEmail, Renderer
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

UNCLASSIFIED = "Not yet classified"


def _request_item(request: Request) -> dict[str, Any]:
    return {
        "ref": request.ref,
        "who": requester_line(request),
        "subject": request.subject,
        "kind": request.kind,
    }


def _count(session: Session, model: type, *conditions: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def digest_context(
    session: Session,
    *,
    start: dt.datetime,
    end: dt.datetime,
    digest_date: dt.date,
    settings: NotifySettings,
    site_names: Mapping[str, str],
) -> dict[str, Any]:
    """Collect the digest's facts for the period [start, end), as plain values for templates."""
    zone = zoneinfo.ZoneInfo(settings.timezone)

    def local(moment: dt.datetime) -> str:
        if moment.tzinfo is None:  # SQLite hands back naive UTC
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    new_requests = session.scalars(
        select(Request)
        .where(Request.created_at >= start, Request.created_at < end, Request.kind == "request")
        .order_by(Request.id)
    ).all()
    by_need: dict[str, list[dict[str, Any]]] = {}
    for request in new_requests:
        need = (
            label_name(request.primary_specialization)
            if request.primary_specialization
            else UNCLASSIFIED
        )
        by_need.setdefault(need, []).append(_request_item(request))
    # Named needs first, alphabetically; the unclassified ones last, where triage starts.
    by_need = dict(sorted(by_need.items(), key=lambda item: (item[0] == UNCLASSIFIED, item[0])))

    contacts = session.execute(
        select(SiteContact, Request)
        .join(Request, SiteContact.request_id == Request.id)
        .where(SiteContact.noted_at >= start, SiteContact.noted_at < end)
        .order_by(SiteContact.site_id, SiteContact.id)
    ).all()
    by_site: dict[str, list[dict[str, Any]]] = {}
    for contact, request in contacts:
        by_site.setdefault(site_names.get(contact.site_id, contact.site_id), []).append(
            _request_item(request)
        )

    replies = [
        {
            "ref": m.request.ref if m.request else "-",
            "from_addr": m.from_addr,
            "subject": m.subject,
            "received": local(m.received_at),
        }
        for m in session.scalars(
            select(InboundMessage)
            .where(
                InboundMessage.kind == "reply",
                InboundMessage.received_at >= start,
                InboundMessage.received_at < end,
            )
            .order_by(InboundMessage.id)
        )
    ]
    stale_before = end - dt.timedelta(days=settings.stale_after_days)
    stale = [
        {**_request_item(r), "since": local(r.created_at)[:10]}
        for r in session.scalars(
            select(Request)
            .where(
                Request.status == "new",
                Request.kind == "request",
                Request.created_at < stale_before,
                Request.last_staff_action_at.is_(None),
            )
            .order_by(Request.created_at)
        )
    ]

    bounces: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for m in session.scalars(
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
    ):
        if m.kind == "bounce" and m.status == MessageStatus.PROCESSED:
            bounced = session.get(OutboxEmail, m.bounced_outbox_id) if m.bounced_outbox_id else None
            bounces.append(
                {
                    "message_id": m.id,
                    "from_addr": m.from_addr,
                    "outbox_id": bounced.id if bounced else None,
                    "purpose": bounced.purpose if bounced else "",
                    "subject": bounced.subject if bounced else m.subject,
                    "recipients": ", ".join(bounced.recipients) if bounced else "",
                    "ref": m.request.ref if m.request else "",
                }
            )
        else:
            problems.append(
                {
                    "message_id": m.id,
                    "status": m.status,
                    "from_addr": m.from_addr,
                    "subject": m.subject,
                    "error": m.error,
                }
            )
    undelivered = [
        {
            "outbox_id": o.id,
            "purpose": o.purpose,
            "subject": o.subject,
            "error": o.last_error,
            "status": o.status,
        }
        for o in session.scalars(
            select(OutboxEmail)
            .where(
                or_(
                    OutboxEmail.status == OutboxStatus.FAILED,
                    # accepted for some recipients only: sent, but a person should look
                    (OutboxEmail.status == OutboxStatus.SENT)
                    & (OutboxEmail.last_error != "")
                    & (OutboxEmail.sent_at >= start),
                )
            )
            .order_by(OutboxEmail.id)
        )
    ]
    week_start = end - dt.timedelta(days=7)
    week = {
        "requests": _count(
            session, Request, Request.kind == "request", Request.created_at >= week_start
        ),
        "notices": _count(
            session, Request, Request.kind == "notice", Request.created_at >= week_start
        ),
        "replies": _count(
            session,
            InboundMessage,
            InboundMessage.kind == "reply",
            InboundMessage.received_at >= week_start,
        ),
        "messages": _count(session, InboundMessage, InboundMessage.received_at >= week_start),
    }
    needs_person = bool(bounces or problems or undelivered)
    counts = {
        "new_requests": len(new_requests),
        "notices": len(contacts),
        "replies": len(replies),
        "stale": len(stale),
        "needs_person": len(bounces) + len(problems) + len(undelivered),
    }
    return {
        "digest_date": digest_date.isoformat(),
        "period_start": local(start),
        "period_end": local(end),
        "timezone": settings.timezone,
        "by_need": by_need,
        "by_site": by_site,
        "replies": replies,
        "stale": stale,
        "stale_days": settings.stale_after_days,
        "bounces": bounces,
        "problems": problems,
        "undelivered": undelivered,
        "needs_person": needs_person,
        "counts": counts,
        "week": week,
        "quiet": not any(counts.values()),
        "show_command": settings.request_command.format(ref="LS-YYYY-NNNN"),
    }


def _period(session: Session, now: dt.datetime) -> tuple[DigestRun | None, dt.datetime]:
    previous = session.scalars(
        select(DigestRun).order_by(DigestRun.period_end.desc()).limit(1)
    ).first()
    start = previous.period_end if previous else now - dt.timedelta(days=1)
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    return previous, start


def preview_digest(
    session: Session,
    *,
    digest_date: dt.date,
    settings: NotifySettings,
    renderer: Renderer,
    site_names: Mapping[str, str],
    now: dt.datetime | None = None,
) -> RenderedEmail:
    """Render what the next digest would say, without recording or queueing anything."""
    now = now or utcnow()
    _, start = _period(session, now)
    context = digest_context(
        session,
        start=start,
        end=now,
        digest_date=digest_date,
        settings=settings,
        site_names=site_names,
    )
    return renderer.render("digest", context)


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
    produce one digest: the loser's insert fails and it stops. The run row and the outbox
    row commit together, so a crash leaves either both or neither.
    """
    now = now or utcnow()
    previous, start = _period(session, now)
    if previous and previous.digest_date >= digest_date:
        session.rollback()
        return None
    run = DigestRun(digest_date=digest_date, period_start=start, period_end=now, summary={})
    session.add(run)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return None
    context = digest_context(
        session,
        start=start,
        end=now,
        digest_date=digest_date,
        settings=settings,
        site_names=site_names,
    )
    run.summary = {**context["counts"], "quiet": context["quiet"]}
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
        raw=build_message(
            rendered, from_addr=settings.from_addr, to=settings.staff, message_id=message_id
        ),
    )
    run.outbox_id = row.id
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return run
