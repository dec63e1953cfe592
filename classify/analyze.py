"""One entry point: read a parsed email and conclude everything about it (placeholder; issue 4)."""

from __future__ import annotations

import re

from classify.rules import RuleSet
from classify.sites import SiteDirectory
from classify.types import SPECIALIZATIONS, TA_TYPES, TOPICS, Analysis, EmailLike, KindVerdict, Requester


def decide_kind(email: EmailLike, *, known_thread: bool) -> KindVerdict:
    """The kind of an email, from its headers first and its text second."""
    headers = email.headers
    auto = headers.get("auto-submitted", "").lower()
    if email.content_type == "multipart/report" or email.from_addr.startswith("mailer-daemon@"):
        return KindVerdict("bounce", "delivery status report")
    if auto and auto != "no":
        return KindVerdict("auto_reply", f"Auto-Submitted: {auto}")
    if headers.get("precedence", "").lower() in ("bulk", "list", "junk"):
        return KindVerdict("other", "bulk mail (Precedence header)")
    if headers.get("list-id") or headers.get("list-unsubscribe"):
        return KindVerdict("other", "mailing-list mail (List-Id/List-Unsubscribe)")
    if known_thread:
        return KindVerdict("reply", "replies to a known request")
    return KindVerdict("request", "a person writing to the program")


def analyze(
    email: EmailLike, rules: RuleSet, sites: SiteDirectory, *, known_thread: bool = False
) -> Analysis:
    """Kind, requester, needs and evidence for one email."""
    kind = decide_kind(email, known_thread=known_thread)
    text = f"{email.subject}\n{email.body_text}".lower()
    found: dict[str, list[str]] = {}
    for label, phrases in rules.keywords.items():
        for phrase in phrases:
            if re.search(r"\b" + re.escape(phrase.lower()) + r"\b", text):
                found.setdefault(label, []).append(phrase)
    contacted = tuple(
        site.id
        for site in sites.sites
        if any(alias.lower() in text for alias in site.aliases)
    )
    return Analysis(
        kind=kind,
        requester=Requester(name=email.from_name, email=email.from_addr),
        specializations=tuple(label for label in SPECIALIZATIONS if label in found),
        topics=tuple(label for label in TOPICS if label in found),
        ta_types=tuple(label for label in TA_TYPES if label in found),
        contacted_sites=contacted,
        summary=" ".join(email.body_text.split())[:400],
        rules_version=rules.version,
        evidence={label: tuple(phrases) for label, phrases in found.items()},
    )
