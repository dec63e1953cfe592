"""The kind of an email (request, notice, reply, auto_reply, bounce, other): headers, then text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from classify.text import CleanText
from classify.types import SPECIALIZATIONS, EmailLike, KindVerdict

_AUTO_PRECEDENCE = {"auto_reply", "auto-reply"}
_BULK_PRECEDENCE = {"bulk", "junk", "list"}
_DAEMON = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|returned mail|delivery failure|failure notice|"
    r"mail delivery failed|could not be delivered|undelivered",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?(?:reply|response)|"
    r"autoreply|away from (?:the )?office|on vacation|vacation reply|ooo\b)",
    re.IGNORECASE,
)
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|sv|antw|r)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)
_MARKETING_HEADERS = (
    "x-campaign",
    "x-campaign-id",
    "x-mailchimp-campaign",
    "x-mc-user",
    "x-sfmc-stack",
)


def _header(headers: Mapping[str, str], name: str) -> str:
    return str(headers.get(name, "")).strip().lower()


def header_kind(email: EmailLike) -> KindVerdict | None:
    """A verdict from headers alone (RFC 3834 and common practice), or None."""
    headers = email.headers
    return_path = _header(headers, "return-path")
    if email.content_type == "multipart/report" or _DAEMON.match(email.from_addr):
        return KindVerdict("bounce", "delivery status report (multipart/report or mailer-daemon)")
    if (
        return_path in ("<>", "")
        and "return-path" in headers
        and _BOUNCE_SUBJECT.search(email.subject)
    ):
        return KindVerdict("bounce", "null Return-Path and a delivery-failure subject")
    auto = _header(headers, "auto-submitted")
    if auto and auto != "no":
        return KindVerdict("auto_reply", f"Auto-Submitted: {auto}")
    for name in ("x-autoreply", "x-autorespond", "x-ms-exchange-organization-autoreply"):
        if _header(headers, name):
            return KindVerdict("auto_reply", f"{name} header")
    precedence = _header(headers, "precedence")
    if precedence in _AUTO_PRECEDENCE:
        return KindVerdict("auto_reply", f"Precedence: {precedence}")
    if return_path == "<>":
        return KindVerdict("auto_reply", "null Return-Path (automatic mail)")
    if _header(headers, "list-id") or _header(headers, "list-unsubscribe"):
        return KindVerdict("other", "mailing-list mail (List-Id/List-Unsubscribe)")
    if precedence in _BULK_PRECEDENCE:
        return KindVerdict("other", f"bulk mail (Precedence: {precedence})")
    for name in _MARKETING_HEADERS:
        if _header(headers, name):
            return KindVerdict("other", f"marketing mail ({name} header)")
    return None


# What naming a learning site adds to a notice cue already in the text.
SITE_NAMED_NOTICE = 0.5


def decide_kind(
    email: EmailLike,
    *,
    known_thread: bool,
    cue_scores: Mapping[str, float] | None = None,
    thresholds: Mapping[str, float] | None = None,
    clean: CleanText | None = None,
    site_named: bool = False,
    on_topic: bool = True,
) -> KindVerdict:
    """The kind of an email: headers first, then text cues scored by the kind:* rules."""
    verdict = header_kind(email)
    if verdict is not None:
        return verdict
    scores = dict(cue_scores or {})
    limits = dict(thresholds or {})

    def over(kind: str) -> bool:
        return scores.get(f"kind:{kind}", 0.0) >= limits.get(f"kind:{kind}", 1.0)

    if _AUTO_SUBJECT.search(email.subject):
        return KindVerdict("auto_reply", f"automatic-reply subject {email.subject[:60]!r}")
    # A message about police-mental health work is not junk because it says "unsubscribe".
    need = max(
        (scores.get(label, 0.0) / max(limits.get(label, 1.0), 0.01) for label in SPECIALIZATIONS),
        default=0.0,
    )
    automatic = [k for k in ("bounce", "auto_reply") if over(k)]
    if over("other") and (need < 1.0 or scores["kind:other"] >= 2 * limits.get("kind:other", 1.0)):
        automatic.append("other")
    if automatic:
        best = max(automatic, key=lambda k: scores[f"kind:{k}"])
        return KindVerdict(
            best, f"text reads like {best.replace('_', ' ')} ({scores[f'kind:{best}']:.1f})"
        )
    if known_thread:
        return KindVerdict("reply", "replies to a known request")
    if not on_topic:
        # "Are there spots left at the outdoor learning site for our 4th grade?"
        return KindVerdict("other", "names nothing of police or mental health work ([scope])")
    if site_named and scores.get("kind:notice", 0.0) > 0:
        # "For your records: we met with Tucson" - a notice cue and the site it is about.
        scores["kind:notice"] += SITE_NAMED_NOTICE
    if over("notice") and scores.get("kind:notice", 0.0) >= scores.get("kind:reply", 0.0):
        named = " and names a learning site" if site_named else ""
        return KindVerdict(
            "notice",
            f"tells the program about direct contact{named} ({scores['kind:notice']:.1f})",
        )
    # A forward carries someone's request, not the program's earlier answer.
    quoted_program = (
        clean is not None
        and not clean.forwarded
        and any(
            "learning site" in (q.from_name + " " + q.text[:2000]).lower() for q in clean.quoted
        )
    )
    if _REPLY_SUBJECT.match(email.subject) and (over("reply") or quoted_program):
        return KindVerdict("reply", "answers an earlier exchange (Re: subject and reply wording)")
    if over("reply") and quoted_program:
        return KindVerdict("reply", "quotes the program's earlier message")
    return KindVerdict("request", "a person writing to the program")


def program_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    """One pattern for the [scope] program words (whole words, any case, plural too)."""
    if not words:
        return None
    # "law enforcement" also across a line break
    alternatives = "|".join(r"\s+".join(map(re.escape, word.split())) for word in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?:s|es)?(?![\w-])", re.IGNORECASE)


def mentions_program(texts: Sequence[str], pattern: re.Pattern[str] | None) -> bool:
    """Whether any of the texts (subject, new and quoted text, signature) uses a program word."""
    return pattern is None or any(pattern.search(text) for text in texts)
