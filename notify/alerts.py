"""Alerts to the admin about the service itself (a mailbox that keeps failing, and its recovery)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from notify.compose import build_message, new_message_id
from notify.outbox import enqueue
from notify.render import Renderer
from notify.settings import NotifySettings
from store.models import OutboxEmail


def queue_admin_alert(
    session: Session,
    *,
    settings: NotifySettings,
    renderer: Renderer,
    mailbox: str,
    failures: int,
    error: str,
    recovered: bool,
) -> OutboxEmail:
    """Queue one alert (or recovery notice) to the admin address."""
    context = {"mailbox": mailbox, "failures": failures, "error": error, "recovered": recovered}
    rendered = renderer.render("alert", context)
    message_id = new_message_id(settings.message_id_domain)
    return enqueue(
        session,
        purpose="alert",
        message_id=message_id,
        recipients=[settings.admin],
        subject=rendered.subject,
        raw=build_message(
            rendered, from_addr=settings.from_addr, to=[settings.admin], message_id=message_id
        ),
    )
