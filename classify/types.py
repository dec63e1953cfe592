"""The values classification reads and returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

KINDS = ("request", "notice", "reply", "auto_reply", "bounce", "other")
SPECIALIZATIONS = (
    "cit",
    "co_responder",
    "follow_up",
    "mobile_crisis",
    "dispatch",
    "embedded_clinician",
    "mh_liaison",
)
TOPICS = (
    "data",
    "homelessness",
    "info_sharing",
    "campus",
    "rural",
    "jail_diversion",
    "substance_use",
    "funding",
)
TA_TYPES = ("email", "call", "site_visit")
AGENCY_TYPES = ("police", "sheriff", "campus", "behavioral_health", "government", "other")


class EmailLike(Protocol):
    """What classification needs from a parsed email (ingest.ParsedEmail has it)."""

    @property
    def subject(self) -> str: ...
    @property
    def from_name(self) -> str: ...
    @property
    def from_addr(self) -> str: ...
    @property
    def reply_to_addr(self) -> str: ...
    @property
    def sender_addr(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def content_type(self) -> str: ...
    @property
    def body_text(self) -> str: ...


@dataclass(frozen=True)
class KindVerdict:
    """The kind of an email and the reason for it."""

    kind: str
    reason: str


@dataclass(frozen=True)
class Requester:
    """Who is asking. Empty strings where the email does not say."""

    name: str = ""
    title: str = ""
    agency: str = ""
    agency_type: str = ""
    city: str = ""
    state: str = ""
    email: str = ""
    phone: str = ""  # E.164, e.g. "+12175550143"

    def completed_from(self, known: Requester) -> Requester:
        """This requester with blanks filled from what an earlier email of theirs said.

        Only for the same address: a reply ("Still want that call. -RD") rarely repeats the
        signature, but it is the same person at the same agency.
        """
        if not self.email or self.email.lower() != known.email.lower():
            return self
        filled = {key: value or getattr(known, key) for key, value in self.as_dict().items()}
        if _initials_of(self.agency, known.agency):
            # "CVU Police" in a short reply is the "Cumberland Valley University Police
            # Department" the request named in full.
            filled["agency"], filled["agency_type"] = known.agency, known.agency_type
        if not self.city and self.state and known.state != self.state:
            filled["city"] = ""  # a city of another state would contradict what this email says
        return Requester(**filled)

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "title": self.title,
            "agency": self.agency,
            "agency_type": self.agency_type,
            "city": self.city,
            "state": self.state,
            "email": self.email,
            "phone": self.phone,
        }


def _initials_of(short: str, full: str) -> bool:
    """'CVU Police Department' abbreviates 'Cumberland Valley University Police Department'."""
    words = short.split()
    if not words or not full or len(words[0]) < 2 or not words[0].isupper():
        return False
    initials = "".join(w[0] for w in full.split() if w[:1].isupper())
    return initials.startswith(words[0]) and short != full


@dataclass(frozen=True)
class RuleResult:
    """One rule's verdict on one email: a hit or a miss, and why."""

    rule: str
    label: str
    hit: bool
    weight: float
    matched: str  # the text that matched, "" on a miss
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "label": self.label,
            "hit": self.hit,
            "weight": self.weight,
            "matched": self.matched,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class LabelScore:
    """A label's total score and whether it cleared its threshold."""

    label: str
    group: str  # specialization | topic | ta_type
    score: float
    threshold: float
    set_aside: str = ""  # why a label that cleared its threshold is not given, if it is not

    @property
    def accepted(self) -> bool:
        return self.score >= self.threshold and not self.set_aside


@dataclass(frozen=True)
class Analysis:
    """Everything classification concluded about one email."""

    kind: KindVerdict
    requester: Requester
    specializations: tuple[str, ...] = ()  # primary first
    topics: tuple[str, ...] = ()
    ta_types: tuple[str, ...] = ()
    contacted_sites: tuple[str, ...] = ()
    summary: str = ""  # one paragraph of what they asked for
    labels: tuple[LabelScore, ...] = ()
    rule_results: tuple[RuleResult, ...] = ()
    rules_version: str = ""
    evidence: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # label -> phrases
    primary_reason: str = ""  # why the first specialization leads ("named in the subject")

    @property
    def primary(self) -> str:
        return self.specializations[0] if self.specializations else ""


@dataclass(frozen=True)
class Suggestion:
    """One learning site suggested for a request, its rank, score and human reasons."""

    site_id: str
    rank: int
    score: float
    reasons: tuple[str, ...]
    # The weighted parts of the score (primary, secondary, topic, similarity, distance, load).
    components: Mapping[str, float] = field(default_factory=dict)


def cue_key(text: str) -> str:
    """A cue as cues are compared: lower case, single spaces ("Already  Have" -> "already have")."""
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class Background:
    """Cues that mark a clause as what the agency already has, and the labels they silence."""

    cues: tuple[str, ...] = ()
    labels: frozenset[str] = frozenset()
    # Cues that settle it for the whole email ("we've had CIT since 2015"), lower case.
    settled: frozenset[str] = frozenset()
    # Words pointing back at what the paragraph just described ("both of those", "either of
    # them"): with a background cue in one sentence, the needs before it are background.
    back_references: tuple[str, ...] = ()
    # Words that claim what was just told as heard-of for the sender's own need ("That's what
    # I'm interested in"): the previous sentence's background becomes a need again.
    claims: tuple[str, ...] = ()
    # Of the cues, those that still set a need aside in a notice (what the sender heard of,
    # their own teams), lower case; the others there describe the contact it reports.
    in_notices: frozenset[str] = frozenset()
    # label -> cues (lower case) that never set that label aside ("routed to CIT officers"
    # tells what the agency has for CIT, not for its call-takers)
    spares: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @cached_property
    def cue_keys(self) -> frozenset[str]:
        """The cues, as compared (see cue_key)."""
        return frozenset(cue_key(cue) for cue in self.cues)


@dataclass(frozen=True)
class Priority:
    """Cues that mark the main ask ("our top priority is"), a later one ("down the road"), and
    the sentences that ask for something at all ("we would like", "could you")."""

    main: tuple[str, ...] = ()
    later: tuple[str, ...] = ()
    ask: tuple[str, ...] = ()
