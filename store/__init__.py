"""Durable records of everything the service sees and does (SQLAlchemy 2)."""

from store.db import StoreError, connect, session_scope, upgrade
from store.models import (
    Base,
    Classification,
    DigestRun,
    InboundMessage,
    MailboxState,
    OutboxEmail,
    Request,
    SiteContact,
    SiteSuggestion,
)

__all__ = [
    "Base",
    "Classification",
    "DigestRun",
    "InboundMessage",
    "MailboxState",
    "OutboxEmail",
    "Request",
    "SiteContact",
    "SiteSuggestion",
    "StoreError",
    "connect",
    "session_scope",
    "upgrade",
]
