"""Telling staff: rendering, the outbox and its transports, and the daily digest."""

from notify.alerts import queue_admin_alert
from notify.digest import preview_digest, run_digest
from notify.errors import NotifyError, TemplateError, TransportError
from notify.notifications import queue_request_email
from notify.outbox import SendReport, retry_failed, send_pending
from notify.render import RenderedEmail, Renderer
from notify.settings import NotifySettings, SmtpSettings
from notify.transports import FileTransport, SmtpTransport, Transport, connect

__all__ = [
    "FileTransport",
    "NotifyError",
    "NotifySettings",
    "RenderedEmail",
    "Renderer",
    "SendReport",
    "SmtpSettings",
    "SmtpTransport",
    "TemplateError",
    "Transport",
    "TransportError",
    "connect",
    "preview_digest",
    "queue_admin_alert",
    "queue_request_email",
    "retry_failed",
    "run_digest",
    "send_pending",
]
