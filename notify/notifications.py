"""Queue the staff notification for a new request, or an update threaded under it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from notify.compose import build_message, new_message_id
from notify.outbox import enqueue
from notify.render import Renderer
from notify.settings import NotifySettings
from store.models import InboundMessage, OutboxEmail, Request

LABEL_NAMES = {
    "cit": "CIT",
    "co_responder": "Co-responder",
    "follow_up": "Follow-up",
    "mobile_crisis": "Mobile crisis",
    "dispatch": "Dispatch / 911",
    "embedded_clinician": "Embedded clinician",
    "mh_liaison": "Mental health liaison",
    "site_visit": "site visit",
    "call": "call",
    "email": "email guidance",
}


def label_name(label: str) -> str:
    """Staff-facing name of a label id."""
    return LABEL_NAMES.get(label, label.replace("_", " "))


def request_context(
    request: Request,
    message: InboundMessage,
    *,
    settings: NotifySettings,
    site_names: Mapping[str, str],
    evidence: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Everything the request templates show, as plain values."""
    latest = request.classifications[-1] if request.classifications else None
    return {
        "request": request,
        "message": message,
        "is_update": message.id != request.first_message_id,
        "needs": [label_name(s) for s in request.specializations],
        "primary": label_name(request.primary_specialization) if request.primary_specialization else "",
        "topics": [label_name(t) for t in request.topics],
        "ta_types": [label_name(t) for t in request.ta_types],
        "contacted": [site_names.get(s, s) for s in request.contacted_sites],
        "suggestions": [
            {"rank": s.rank, "name": site_names.get(s.site_id, s.site_id), "score": s.score, "reasons": s.reasons}
            for s in request.suggestions
        ],
        "evidence": {label_name(k): v for k, v in (evidence or {}).items()},
        "rules_version": latest.rules_version if latest else "",
        "command": settings.request_command.format(ref=request.ref),
    }


def queue_request_email(
    session: Session,
    request: Request,
    message: InboundMessage,
    *,
    settings: NotifySettings,
    renderer: Renderer,
    site_names: Mapping[str, str],
    evidence: Mapping[str, list[str]] | None = None,
) -> OutboxEmail:
    """Queue the notification (first message) or a threaded update (later messages)."""
    context = request_context(
        request, message, settings=settings, site_names=site_names, evidence=evidence
    )
    is_update = context["is_update"]
    rendered = renderer.render("update" if is_update else "notification", context)
    message_id = new_message_id(settings.message_id_domain)
    raw = build_message(
        rendered,
        from_addr=settings.from_addr,
        to=settings.staff,
        message_id=message_id,
        in_reply_to=request.notification_message_id if is_update else "",
        references=[request.notification_message_id] if is_update and request.notification_message_id else [],
        original=message.raw if settings.attach_original else None,
        original_name=f"{request.ref}-original.eml",
    )
    row = enqueue(
        session,
        purpose="update" if is_update else "notification",
        message_id=message_id,
        recipients=settings.staff,
        subject=rendered.subject,
        raw=raw,
        request_id=request.id,
    )
    if not is_update:
        request.notification_message_id = message_id
    return row
