"""Queue the staff notification for a new request, or an update threaded under it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from notify.ack import queue_acknowledgement
from notify.compose import build_message, new_message_id
from notify.original import excerpt
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
    "info_sharing": "Information sharing",
    "jail_diversion": "Jail diversion",
    "substance_use": "Substance use",
    "site_visit": "Site visit",
    "call": "Call",
    "email": "Email guidance",
}


def label_name(label: str) -> str:
    """Staff-facing name of a label id."""
    return LABEL_NAMES.get(label, label.replace("_", " ").capitalize())


def requester_line(request: Request) -> str:
    """Who asked, in a few words: agency (or name, or address) and state."""
    who = (
        request.requester_agency or request.requester_name or request.requester_email or "(unknown)"
    )
    return f"{who} ({request.requester_state})" if request.requester_state else who


def _with_evidence(
    labels: Sequence[str], evidence: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    return [
        {"name": label_name(label), "evidence": list(evidence.get(label, ()))} for label in labels
    ]


def request_context(
    request: Request,
    message: InboundMessage,
    *,
    settings: NotifySettings,
    site_names: Mapping[str, str],
    evidence: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """Everything the request templates show, as plain values."""
    latest = request.classifications[-1] if request.classifications else None
    evidence = evidence or {}
    return {
        "request": request,
        "message": message,
        "is_update": message.id != request.first_message_id,
        "needs": _with_evidence(request.specializations, evidence),
        "primary": label_name(request.primary_specialization)
        if request.primary_specialization
        else "",
        "topics": _with_evidence(request.topics, evidence),
        "ta_types": _with_evidence(request.ta_types, evidence),
        "contacted": [site_names.get(s, s) for s in request.contacted_sites],
        "suggestions": [
            {
                "rank": s.rank,
                "name": site_names.get(s.site_id, s.site_id),
                "score": s.score,
                "reasons": s.reasons,
            }
            for s in request.suggestions
        ],
        "who": requester_line(request),
        "place": ", ".join(x for x in (request.requester_city, request.requester_state) if x),
        "quoted": excerpt(message.raw, settings.quote_original_chars),
        "attached": settings.attach_original and message.raw is not None,
        "attachment_name": f"{request.ref}-original.eml",
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
    evidence: Mapping[str, Sequence[str]] | None = None,
) -> OutboxEmail:
    """Queue the staff notification (first message) or a threaded update (later messages).

    A new request from a person also gets the requester's acknowledgement when
    [notify] acknowledge is on; see notify.ack for who never gets one.
    """
    context = request_context(
        request, message, settings=settings, site_names=site_names, evidence=evidence
    )
    is_update = context["is_update"]
    rendered = renderer.render("update" if is_update else "notification", context)
    message_id = new_message_id(settings.message_id_domain)
    thread_root = request.notification_message_id if is_update else ""
    raw = build_message(
        rendered,
        from_addr=settings.from_addr,
        to=settings.staff,
        message_id=message_id,
        in_reply_to=thread_root,
        references=[thread_root] if thread_root else [],
        original=message.raw if context["attached"] else None,
        original_name=context["attachment_name"],
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
        queue_acknowledgement(session, request, message, settings=settings, renderer=renderer)
    return row
