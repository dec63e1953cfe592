"""One entry point: read a parsed email; conclude kind, requester, needs, sites and evidence."""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, replace

from classify.contacts import own_sites, site_names
from classify.engine import Engine, Scored
from classify.extract import empty_requester, extract_requester, forwarded_original
from classify.kind import decide_kind as _decide_kind
from classify.kind import mentions_program
from classify.priority import NO_MARKS, Marks, asked_regions, marks_of
from classify.rules import KIND_CUES, Rule, RuleSet
from classify.sites import SiteDirectory
from classify.text import CleanText, clean
from classify.types import (
    SPECIALIZATIONS,
    TA_TYPES,
    TOPICS,
    Analysis,
    EmailLike,
    KindVerdict,
    LabelScore,
    RuleResult,
    cue_key,
)

NO_NEEDS_KINDS = ("auto_reply", "bounce", "other")
NO_REQUESTER_KINDS = ("auto_reply", "bounce")
SUBJECT_BONUS = 1.0  # a need named in the subject is usually the main one
FIRST_BONUS = 1.0  # ... and so is the one the sender raises first, unless they say which
# is their top priority or which one is for later ([priority] cues in the rules file)
STRENGTH_CAP = 2.0
ASIDE_UNASKED = "mentioned only as context: no sentence that asks names it"
ASIDE_PART_OF = "on this evidence alone, part of the {whole} work ([part_of])"
SUMMARY_CHARS = 420
_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings|to whom it may concern)"
    r"\b[^\n]{0,60}$",
    re.IGNORECASE,
)
_FORWARD_SUBJECT = re.compile(r"^\s*(?:re:\s*)?(?:fw|fwd)\s*:", re.IGNORECASE)
_GROUPS = (("specialization", SPECIALIZATIONS), ("topic", TOPICS), ("ta_type", TA_TYPES))


def classification_text(cleaned: CleanText) -> str:
    """The new text, plus a forwarded message (its content is what the sender asks about).

    When the forwarder only hands the original sender over to the program, the original's
    own words are the request: the forwarder's ("I teach the CIT classes here") are not.
    """
    if forwarded_original(cleaned) is not None:
        return cleaned.quoted[0].text
    parts = [cleaned.body]
    if cleaned.forwarded and cleaned.quoted:
        parts.append(cleaned.quoted[0].text)
    return "\n\n".join(p for p in parts if p.strip())


def _all_text(email: EmailLike, cleaned: CleanText) -> tuple[str, ...]:
    """Every part of an email a reader sees: subject, new text, quotes and signature."""
    return (
        email.subject,
        cleaned.body,
        "\n".join(cleaned.signature),
        *(quoted.text for quoted in cleaned.quoted),
    )


def read_body(email: EmailLike) -> CleanText:
    """The cleaned body; an Outlook "FW:" quotes its original like a reply, but forwards it."""
    cleaned = clean(email.body_text)
    if not cleaned.forwarded and cleaned.quoted and _FORWARD_SUBJECT.match(email.subject):
        cleaned = replace(cleaned, forwarded=True)
    return cleaned


@dataclass(frozen=True)
class _Prepared:
    """What depends only on the RuleSet, worked out once per rule set rather than per email."""

    rules: tuple[Rule, ...]
    by_name: Mapping[str, Rule]
    position: Mapping[str, int]  # rule name -> its place in the file
    by_label: Mapping[str, tuple[Rule, ...]]
    misses: tuple[RuleResult, ...]  # each rule's "no match" result, in file order
    kind_thresholds: Mapping[str, float]
    needs: tuple[tuple[str, str, float], ...]  # (group, label, threshold) of every need label
    unscored: Mapping[str, LabelScore]  # label -> its LabelScore when nothing matched


_prepared: weakref.WeakKeyDictionary[Engine, _Prepared] = weakref.WeakKeyDictionary()


def _prepare(rules: RuleSet, engine: Engine) -> _Prepared:
    found = _prepared.get(engine)
    if found is not None and found.rules == rules.rules:
        return found
    by_label: dict[str, list[Rule]] = {}
    for rule in rules.rules:
        by_label.setdefault(rule.label, []).append(rule)
    labels = {rule.label for rule in rules.rules}
    needs = tuple(
        (group, label, rules.threshold(label))
        for group, group_labels in _GROUPS
        for label in group_labels
    )
    prepared = _Prepared(
        rules=rules.rules,
        by_name={rule.name: rule for rule in rules.rules},
        position={rule.name: i for i, rule in enumerate(rules.rules)},
        by_label={label: tuple(found) for label, found in by_label.items()},
        misses=tuple(
            RuleResult(rule.name, rule.label, False, rule.weight, "", "no match")
            for rule in rules.rules
        ),
        kind_thresholds={k: rules.threshold(k) for k in (*labels, *KIND_CUES)},
        needs=needs,
        unscored={label: LabelScore(label, group, 0.0, limit) for group, label, limit in needs},
    )
    _prepared[engine] = prepared
    return prepared


def _label_scores(prepared: _Prepared, scored: Scored) -> dict[str, float]:
    totals: dict[str, float] = {}
    for name, match in scored.matches.items():
        rule = prepared.by_name.get(name)
        if rule is not None and match.hit:
            totals[rule.label] = totals.get(rule.label, 0.0) + rule.weight
    return totals


def _first_position(prepared: _Prepared, scored: Scored, label: str) -> tuple[bool, int]:
    """(named in the subject, first token where the label's rules hit)."""
    in_subject = False
    first = first_hint = scored.length
    for rule in prepared.by_label.get(label, ()):
        match = scored.matches.get(rule.name)
        if match is None:
            continue
        # a weak hint ("988") neither names a need in the subject nor raises it first
        strong = rule.weight >= 1.0
        for hit in match.hits:
            if hit.start < scored.subject_end:
                in_subject = in_subject or strong
            elif strong:
                first = min(first, hit.start)
            else:
                first_hint = min(first_hint, hit.start)
    return in_subject, first if first < scored.length else first_hint


def _body_hits(prepared: _Prepared, scored: Scored, label: str) -> list[int]:
    return [
        hit.start
        for rule in prepared.by_label.get(label, ())
        if (match := scored.matches.get(rule.name)) is not None
        for hit in match.hits
        if hit.start >= scored.subject_end
    ]


def _asked_for(
    prepared: _Prepared, scored: Scored, label: str, regions: tuple[tuple[int, int], ...]
) -> bool:
    """Whether a label's rules hit the subject or a sentence that asks for something."""
    for rule in prepared.by_label.get(label, ()):
        match = scored.matches.get(rule.name)
        for hit in match.hits if match is not None else ():
            if hit.start < scored.subject_end:
                return True
            if any(start < hit.end and hit.start < end for start, end in regions):
                return True
    return False


def _told_in_a_notice(
    rules: RuleSet, prepared: _Prepared, scored: Scored, totals: Mapping[str, float]
) -> dict[str, float]:
    """A notice's specializations, counting what background cues set aside.

    A notice tells what was discussed with a site: "their CIT coordinator invited two of our
    deputies to their 40-hour CIT class", "they already sent over their call-taker scripts".
    What reads as what an agency has is the subject of the contact here. Hits an explicit
    negation cancelled ("we don't need CIT") or an [negation] in_notices cue set aside ("we
    heard ...", "our CIT team ...") stay so.
    """
    # "we heard Tucson has CIT" is no topic of the call
    background = rules.background.cue_keys - rules.background.in_notices
    restored = dict(totals)
    for name, match in scored.matches.items():
        rule = prepared.by_name.get(name)
        if rule is None or rule.group != "specialization" or match.hit or not match.negated:
            continue
        cues = {cue_key(hit.negated_by) for hit in match.negated}
        if cues <= background and not cues & rules.negation_keys:
            restored[rule.label] = restored.get(rule.label, 0.0) + rule.weight
    return restored


def _set_aside_unasked(
    prepared: _Prepared, scored: Scored, scores: list[LabelScore]
) -> list[LabelScore]:
    """Of the specializations a request names, keep those it asks for.

    "Our Mobile Crisis team has run since 2019 ... we would like help evaluating our
    co-response teams": the mobile crisis team is context, not a need. A need set aside this
    way is one that only ever appears outside the subject and the sentences that ask, while
    another need is asked for; when nothing is asked for in so many words, all are kept.
    """
    found = [s.label for s in scores if s.group == "specialization" and s.accepted]
    if len(found) < 2:
        return scores
    regions = asked_regions(scored)
    asked = {label for label in found if _asked_for(prepared, scored, label, regions)}
    if not asked:
        return scores
    return [
        replace(s, set_aside=ASIDE_UNASKED) if s.label in found and s.label not in asked else s
        for s in scores
    ]


def _set_aside_parts(
    rules: RuleSet, prepared: _Prepared, scored: Scored, scores: list[LabelScore]
) -> list[LabelScore]:
    """Set aside a need that, on thin evidence, is one duty of another need that is given.

    "The clinician would be based at our station, go to calls and follow up with people
    afterwards" asks for an embedded clinician, whose work includes following up; it does not
    ask for a follow-up program too. A part is kept when its evidence passes its threshold
    or the subject names it.
    """
    given = {s.label for s in scores if s.group == "specialization" and s.accepted}
    out = []
    for s in scores:
        wholes = [w for w in rules.part_of.get(s.label, ()) if w in given]
        if (
            wholes
            and s.accepted
            and s.score <= s.threshold
            and not _first_position(prepared, scored, s.label)[0]
        ):
            s = replace(s, set_aside=ASIDE_PART_OF.format(whole=wholes[0]))
        out.append(s)
    return out


def _order_needs(
    rules: RuleSet,
    prepared: _Prepared,
    scored: Scored,
    totals: Mapping[str, float],
    labels: list[str],
    marks: Marks = NO_MARKS,
) -> tuple[list[str], str]:
    """Primary first, and why: how strongly, whether in the subject, whether mentioned first,
    and whether the sender calls it their main ask or one for later ([priority] cues).

    Scores are capped (relative to the threshold) so a label with many rules does not drown
    the one the sender leads with.
    """
    if len(labels) < 2:
        return labels, "the only need found" if labels else ""
    positions = {label: _first_position(prepared, scored, label) for label in labels}
    earliest = min((first for _, first in positions.values()), default=0)
    keys: dict[str, tuple[int, float, int]] = {}

    def key(label: str) -> tuple[int, float, int]:
        in_subject, first = positions[label]
        strength = min(totals[label] / max(rules.threshold(label), 0.01), STRENGTH_CAP)
        bonus = (SUBJECT_BONUS if in_subject else 0.0) + (FIRST_BONUS if first == earliest else 0.0)
        # The sender's own word on what matters most outranks every inference from wording;
        # of two needs in the main ask, the one they name first leads.
        tier = 1
        if marks.main or marks.later:
            hits = _body_hits(prepared, scored, label)
            in_main = [position for position in hits if marks.is_main(position)]
            if in_main:
                keys[label] = (0, float(min(in_main)), first)
                return keys[label]
            if hits and not in_subject and all(marks.is_later(p) for p in hits):
                tier = 2
        keys[label] = (tier, -(strength + bonus), first)
        return keys[label]

    ordered = sorted(labels, key=key)
    primary = ordered[0]
    in_subject, first = positions[primary]
    if keys[primary][0] == 0:
        reason = "the sender calls it the main ask"
    elif any(tier == 2 for tier, _, _ in keys.values()):
        reason = "the sender leaves the others for later"
    elif in_subject:
        reason = "named in the subject"
    elif first == earliest:
        reason = "raised first"
    else:
        reason = "the strongest evidence"
    return ordered, reason


def _rule_results(prepared: _Prepared, scored: Scored) -> tuple[RuleResult, ...]:
    results = list(prepared.misses)
    for name, match in scored.matches.items():
        position = prepared.position.get(name)
        if position is None:
            continue
        rule = prepared.rules[position]
        if match.hit:
            texts = list(dict.fromkeys(h.text for h in match.hits if h.text))
            reason = f"matched {', '.join(repr(t) for t in texts[:3])}"
            results[position] = RuleResult(
                rule.name, rule.label, True, rule.weight, texts[0], reason
            )
        elif match.negated:
            hit = match.negated[0]
            reason = f"{hit.text!r} negated by {hit.negated_by!r}"
            results[position] = RuleResult(rule.name, rule.label, False, rule.weight, "", reason)
    return tuple(results)


def summarize(body: str) -> str:
    """One paragraph: the opening sentences of the new text, greeting left out."""
    lines = [line.strip() for line in body.split("\n")]
    while lines and (not lines[0] or _GREETING.match(lines[0])):
        lines.pop(0)
    text = " ".join(" ".join(lines).split())
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[: SUMMARY_CHARS + 1]  # one more, so a sentence ending right at the limit counts
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if end > SUMMARY_CHARS // 2:
        return cut[: end + 1]
    return cut[:SUMMARY_CHARS].rstrip() + "…"


def decide_kind(
    email: EmailLike, *, known_thread: bool, rules: RuleSet | None = None
) -> KindVerdict:
    """The kind of an email from its headers, and from its text when rules are given."""
    if rules is None or rules.engine is None:
        return _decide_kind(email, known_thread=known_thread)
    cleaned = read_body(email)
    scored = rules.engine.score(email.subject, classification_text(cleaned))
    prepared = _prepare(rules, rules.engine)
    return _decide_kind(
        email,
        known_thread=known_thread,
        cue_scores=_label_scores(prepared, scored),
        thresholds={k: rules.threshold(k) for k in (*rules.thresholds, *KIND_CUES)},
        clean=cleaned,
        on_topic=mentions_program(_all_text(email, cleaned), rules.program),
    )


def analyze(
    email: EmailLike, rules: RuleSet, sites: SiteDirectory, *, known_thread: bool = False
) -> Analysis:
    """Kind, requester, needs, contacted sites and evidence for one email."""
    cleaned = read_body(email)
    text = classification_text(cleaned)
    if rules.engine is None:
        raise ValueError("RuleSet has no compiled engine: load it with classify.load_rules")
    prepared = _prepare(rules, rules.engine)
    scored = rules.engine.score(email.subject, text)
    totals = _label_scores(prepared, scored)
    names = site_names(sites, rules.engine.nlp)
    named_sites = names.find(scored.doc) if scored.doc is not None else ()
    kind = _decide_kind(
        email,
        known_thread=known_thread,
        cue_scores=totals,
        thresholds=prepared.kind_thresholds,
        clean=cleaned,
        site_named=bool(named_sites),
        on_topic=mentions_program(_all_text(email, cleaned), rules.program),
    )
    if kind.kind in NO_REQUESTER_KINDS:
        requester = empty_requester(email)
    else:
        requester = extract_requester(email, cleaned)

    if kind.kind == "notice":
        totals = _told_in_a_notice(rules, prepared, scored, totals)

    label_scores: list[LabelScore] = []
    accepted: dict[str, list[str]] = {group: [] for group, _ in _GROUPS}
    wants_needs = kind.kind not in NO_NEEDS_KINDS
    for group, label, limit in prepared.needs:
        total = totals.get(label)
        if total is None:
            score = prepared.unscored[label]
        else:
            score = LabelScore(label, group, round(total, 3), limit)
        label_scores.append(score)
    if kind.kind == "request":
        # a notice or a reply tells what was discussed: there is no ask to measure against
        label_scores = _set_aside_unasked(prepared, scored, label_scores)
    if wants_needs and rules.part_of:
        label_scores = _set_aside_parts(rules, prepared, scored, label_scores)
    for score in label_scores:
        if wants_needs and score.accepted:
            accepted[score.group].append(score.label)
    marks = marks_of(scored) if len(accepted["specialization"]) > 1 else NO_MARKS
    specializations, primary_reason = _order_needs(
        rules, prepared, scored, totals, accepted["specialization"], marks
    )

    contacted: tuple[str, ...] = ()
    if kind.kind not in NO_NEEDS_KINDS:
        own = own_sites(names, requester.agency)
        contacted = tuple(site for site in named_sites if site not in own)

    evidence: dict[str, tuple[str, ...]] = {}
    matched = sorted(
        (prepared.position[name], match)
        for name, match in scored.matches.items()
        if match.hit and name in prepared.position
    )
    for position, match in matched:
        rule = prepared.rules[position]
        if rule.label in totals:
            found = evidence.get(rule.label, ())
            evidence[rule.label] = tuple(dict.fromkeys((*found, *(h.text for h in match.hits))))
    return Analysis(
        kind=kind,
        requester=requester,
        specializations=tuple(specializations),
        topics=tuple(accepted["topic"]),
        ta_types=tuple(accepted["ta_type"]),
        contacted_sites=contacted,
        summary=summarize(text) if kind.kind not in ("bounce",) else "",
        labels=tuple(label_scores),
        rule_results=_rule_results(prepared, scored),
        rules_version=rules.version,
        evidence=evidence,
        primary_reason=primary_reason,
    )
