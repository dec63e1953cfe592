"""Pure helpers for admin commands: explain an analysis, score rules on a labelled corpus."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from classify.analyze import analyze
from classify.errors import ClassifyError
from classify.rules import RuleSet
from classify.sites import SiteDirectory
from classify.types import SPECIALIZATIONS, TA_TYPES, TOPICS, Analysis, EmailLike

REQUESTER_FIELDS = ("name", "title", "agency", "agency_type", "city", "state", "email", "phone")
NEEDS_KINDS = ("request", "notice")
REQUESTER_KINDS = ("request", "notice", "reply")
SET_FIELDS = ("specializations", "topics", "ta_types", "contacted_sites")
_ABBREVIATIONS = {
    "dept": "department",
    "pd": "police department",
    "so": "sheriffs office",
    "univ": "university",
    "st": "saint",
    "sgt": "sergeant",
    "lt": "lieutenant",
    "capt": "captain",
}


class LabelsError(ClassifyError):
    """A labels file cannot be used (not TOML, or no [[email]] entries)."""


def explain(analysis: Analysis, *, show_misses: bool = False) -> dict[str, Any]:
    """Everything an admin needs to see why an email was classified as it was."""
    return {
        "kind": analysis.kind.kind,
        "kind_reason": analysis.kind.reason,
        "rules_version": analysis.rules_version,
        "requester": analysis.requester.as_dict(),
        "specializations": list(analysis.specializations),
        "primary": analysis.primary,
        "primary_reason": analysis.primary_reason,
        "topics": list(analysis.topics),
        "ta_types": list(analysis.ta_types),
        "contacted_sites": list(analysis.contacted_sites),
        "labels": [
            {
                "label": s.label,
                "group": s.group,
                "score": s.score,
                "threshold": s.threshold,
                "accepted": s.accepted,
                "set_aside": s.set_aside,
            }
            for s in analysis.labels
            if s.score > 0 or s.accepted
        ],
        "rules": [
            r.as_dict()
            for r in analysis.rule_results
            if r.hit or (show_misses or "negated" in r.reason)
        ],
        "summary": analysis.summary,
    }


def parse_labels(text: str) -> dict[str, dict[str, Any]]:
    """The labels.toml format: [[email]] tables keyed by file name."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LabelsError(f"labels: not valid TOML: {exc}") from exc
    entries = doc.get("email")
    if not isinstance(entries, list) or not entries:
        raise LabelsError("labels: no [[email]] entries")
    gold: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("file"), str):
            gold[entry["file"]] = entry
    return gold


def _norm_text(value: object) -> str:
    text = str(value or "").lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    words = re.findall(r"[a-z0-9]+", text)
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words if w not in {"the", "of"})


def field_matches(field_name: str, want: object, got: object) -> bool:
    """Field equality as the corpus scorer sees it (normalised text, last ten phone digits)."""
    if field_name == "phone":
        return re.sub(r"\D", "", str(want or ""))[-10:] == re.sub(r"\D", "", str(got or ""))[-10:]
    if field_name in ("email", "state", "agency_type"):
        return str(want or "").strip().lower() == str(got or "").strip().lower()
    a, b = _norm_text(want), _norm_text(got)
    if field_name == "title" and a and b:
        return set(a.split()) <= set(b.split()) or set(b.split()) <= set(a.split())
    return a == b


@dataclass
class LabelStats:
    """Counts for one label: true positives, false positives, false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        if not self.tp:
            return 1.0 if not (self.fp or self.fn) else 0.0
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)


@dataclass(frozen=True)
class Mistake:
    """One wrong answer on one email."""

    file: str
    field: str
    expected: str
    got: str


@dataclass
class EvalReport:
    """Scores of a rule set on a labelled corpus, and every email it got wrong."""

    rules_version: str
    emails: int = 0
    kind_correct: int = 0
    primary_correct: int = 0
    primary_total: int = 0
    labels: dict[str, LabelStats] = field(default_factory=dict)
    requester_correct: dict[str, int] = field(default_factory=dict)
    requester_total: int = 0
    mistakes: list[Mistake] = field(default_factory=list)
    predictions: dict[str, Analysis] = field(default_factory=dict)

    @property
    def kind_accuracy(self) -> float:
        return self.kind_correct / self.emails if self.emails else 1.0

    @property
    def primary_accuracy(self) -> float:
        return self.primary_correct / self.primary_total if self.primary_total else 1.0

    def requester_accuracy(self, field_name: str) -> float:
        if not self.requester_total:
            return 1.0
        return self.requester_correct.get(field_name, 0) / self.requester_total

    def macro_f1(self, labels: Sequence[str]) -> float:
        return sum(self.labels.get(lab, LabelStats()).f1 for lab in labels) / len(labels)

    def micro_f1(self, labels: Sequence[str]) -> float:
        total = LabelStats()
        for lab in labels:
            stats = self.labels.get(lab, LabelStats())
            total.tp += stats.tp
            total.fp += stats.fp
            total.fn += stats.fn
        return total.f1

    def summary(self) -> dict[str, float]:
        """The headline numbers, as the corpus scorer names them."""
        out = {
            "kind_accuracy": self.kind_accuracy,
            "specialization_macro_f1": self.macro_f1(SPECIALIZATIONS),
            "primary_accuracy": self.primary_accuracy,
            "topics_micro_f1": self.micro_f1(TOPICS),
            "ta_types_micro_f1": self.micro_f1(TA_TYPES),
        }
        for name in REQUESTER_FIELDS:
            out[f"requester_{name}"] = self.requester_accuracy(name)
        return {key: round(value, 4) for key, value in out.items()}


def _thread_ids(email: EmailLike) -> tuple[str, tuple[str, ...]]:
    own = str(getattr(email, "message_id", "") or "")
    parents = (*getattr(email, "in_reply_to", ()), *getattr(email, "references", ()))
    return own, tuple(str(p) for p in parents)


def evaluate(
    emails: Iterable[tuple[str, EmailLike]],
    gold: Mapping[str, Mapping[str, Any]],
    rules: RuleSet,
    sites: SiteDirectory,
) -> EvalReport:
    """Run the rules over (file name, parsed email) pairs in order and score them against gold.

    An email counts as part of a known thread when it replies to an earlier email in the run,
    as the pipeline would see it.
    """
    report = EvalReport(rules_version=rules.version)
    seen_ids: set[str] = set()
    for file_name, email in emails:
        own, parents = _thread_ids(email)
        analysis = analyze(email, rules, sites, known_thread=any(p in seen_ids for p in parents))
        if own:
            seen_ids.add(own)
        expected = gold.get(file_name)
        report.predictions[file_name] = analysis
        if expected is None:
            continue
        _score_one(report, file_name, expected, analysis)
    return report


def _score_one(
    report: EvalReport, file_name: str, expected: Mapping[str, Any], analysis: Analysis
) -> None:
    report.emails += 1
    kind = str(expected.get("kind", ""))
    if analysis.kind.kind == kind:
        report.kind_correct += 1
    else:
        report.mistakes.append(Mistake(file_name, "kind", kind, analysis.kind.kind))
    got_sets = {
        "specializations": set(analysis.specializations),
        "topics": set(analysis.topics),
        "ta_types": set(analysis.ta_types),
        "contacted_sites": set(analysis.contacted_sites),
    }
    for set_field in SET_FIELDS:
        if set_field == "contacted_sites" and kind not in REQUESTER_KINDS:
            continue
        if set_field != "contacted_sites" and kind not in NEEDS_KINDS:
            continue
        want = {str(v) for v in expected.get(set_field, [])}
        got = got_sets[set_field]
        for label in want | got:
            stats = report.labels.setdefault(label, LabelStats())
            if label in want and label in got:
                stats.tp += 1
            elif label in got:
                stats.fp += 1
            else:
                stats.fn += 1
        if want != got:
            report.mistakes.append(
                Mistake(file_name, set_field, ", ".join(sorted(want)), ", ".join(sorted(got)))
            )
    wanted_needs = list(expected.get("specializations", []))
    if kind in NEEDS_KINDS and wanted_needs:
        report.primary_total += 1
        if analysis.primary == wanted_needs[0]:
            report.primary_correct += 1
        else:
            report.mistakes.append(Mistake(file_name, "primary", wanted_needs[0], analysis.primary))
    if kind in REQUESTER_KINDS:
        report.requester_total += 1
        want_requester = expected.get("requester", {}) or {}
        got_requester = analysis.requester.as_dict()
        for name in REQUESTER_FIELDS:
            want_value = str(want_requester.get(name, "") or "")
            if field_matches(name, want_value, got_requester[name]):
                report.requester_correct[name] = report.requester_correct.get(name, 0) + 1
            else:
                report.mistakes.append(
                    Mistake(file_name, f"requester.{name}", want_value, got_requester[name])
                )


@dataclass(frozen=True)
class Comparison:
    """How a candidate rule set differs from the current one on the same corpus."""

    metrics: dict[str, tuple[float, float]]  # name -> (current, candidate)
    fixed: list[Mistake]  # wrong before, right now
    broken: list[Mistake]  # right before, wrong now
    changed: list[tuple[str, str, str, str]]  # (file, field, current answer, candidate answer)


def compare(current: EvalReport, candidate: EvalReport) -> Comparison:
    """Headline metrics side by side, and the emails whose answers changed."""
    before, after = current.summary(), candidate.summary()
    metrics = {key: (before[key], after.get(key, 0.0)) for key in before}
    for label in (*SPECIALIZATIONS, *TOPICS, *TA_TYPES):
        metrics[f"f1:{label}"] = (
            round(current.labels.get(label, LabelStats()).f1, 4),
            round(candidate.labels.get(label, LabelStats()).f1, 4),
        )
    old = {(m.file, m.field) for m in current.mistakes}
    new = {(m.file, m.field) for m in candidate.mistakes}
    fixed = [m for m in current.mistakes if (m.file, m.field) not in new]
    broken = [m for m in candidate.mistakes if (m.file, m.field) not in old]
    changed: list[tuple[str, str, str, str]] = []
    for file_name, a in current.predictions.items():
        b = candidate.predictions.get(file_name)
        if b is None:
            continue
        for name, x, y in (
            ("kind", a.kind.kind, b.kind.kind),
            ("specializations", ", ".join(a.specializations), ", ".join(b.specializations)),
            ("topics", ", ".join(a.topics), ", ".join(b.topics)),
            ("ta_types", ", ".join(a.ta_types), ", ".join(b.ta_types)),
            ("contacted_sites", ", ".join(a.contacted_sites), ", ".join(b.contacted_sites)),
        ):
            if x != y:
                changed.append((file_name, name, x, y))
    return Comparison(metrics=metrics, fixed=fixed, broken=broken, changed=changed)
