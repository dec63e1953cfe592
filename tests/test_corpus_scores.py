"""The shipped rules on the project's own labelled corpora: quality targets, and no regressions.

Every corpus in `tests/corpus` was written by someone who had not seen the rules. `tuning` and
the `unseen-*` sets were then used to improve them (each scored once, untouched, first: the
README records those first scores), except `unseen-m`, which was only measured; `heldout` only to
look at which kinds of answer failed.
`tuning` must meet the issue's targets; the others must not fall below the figures recorded in
the README, so a rule change that makes mail worse fails here even when the development corpus
still looks perfect.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import classify
from classify.evaluate import EvalReport, evaluate, parse_labels
from ingest import parse_email

CORPORA = Path(__file__).resolve().parent / "corpus"

TARGETS = {
    "kind_accuracy": 0.97,
    "specialization_macro_f1": 0.90,
    "primary_accuracy": 0.90,
    "topics_micro_f1": 0.85,
    "ta_types_micro_f1": 0.90,
    "requester_email": 1.00,
    "requester_name": 0.95,
    "requester_agency": 0.95,
    "requester_state": 0.95,
    "requester_phone": 0.95,
    "requester_title": 0.90,
    "requester_city": 0.90,
    "requester_agency_type": 0.90,
}
# Recorded floors: a little under the README's figures (one email is 0.03-0.05 of a set).
FLOORS = {
    "heldout": {
        "kind_accuracy": 0.96,
        "specialization_macro_f1": 0.95,
        "primary_accuracy": 0.85,
        "topics_micro_f1": 0.95,
        "ta_types_micro_f1": 0.95,
        "requester_email": 1.00,
        "requester_name": 1.00,
        "requester_agency": 0.95,
        "requester_state": 1.00,
        "requester_phone": 1.00,
        "requester_title": 0.95,
        "requester_city": 0.95,
        "requester_agency_type": 0.95,
    },
    "unseen-c": {
        "kind_accuracy": 0.96,
        "specialization_macro_f1": 0.90,
        "primary_accuracy": 0.90,
        "topics_micro_f1": 0.85,
        "ta_types_micro_f1": 0.95,
        "requester_email": 1.00,
        "requester_name": 1.00,
        "requester_agency": 0.91,
        "requester_state": 0.95,
        "requester_phone": 0.95,
        "requester_title": 0.95,
        "requester_city": 0.91,
        "requester_agency_type": 0.91,
    },
    "unseen-d": {
        "kind_accuracy": 0.96,
        "specialization_macro_f1": 0.93,
        "primary_accuracy": 0.95,
        "topics_micro_f1": 0.90,
        "ta_types_micro_f1": 0.95,
        "requester_email": 1.00,
        "requester_name": 1.00,
        "requester_agency": 0.91,
        "requester_state": 1.00,
        "requester_phone": 0.95,
        "requester_title": 0.95,
        "requester_city": 0.83,
        "requester_agency_type": 0.91,
    },
    "unseen-e": {
        "kind_accuracy": 1.00,
        "specialization_macro_f1": 0.97,
        "primary_accuracy": 0.95,
        "topics_micro_f1": 0.90,
        "ta_types_micro_f1": 0.93,
        "requester_email": 1.00,
        "requester_name": 1.00,
        "requester_agency": 0.95,
        "requester_state": 1.00,
        "requester_phone": 1.00,
        "requester_title": 1.00,
        "requester_city": 0.95,
        "requester_agency_type": 0.95,
    },
    "unseen-g": {
        "kind_accuracy": 0.96,
        "specialization_macro_f1": 0.92,
        "primary_accuracy": 0.95,
        "topics_micro_f1": 0.95,
        "ta_types_micro_f1": 0.95,
        "requester_email": 1.00,
        "requester_name": 1.00,
        "requester_agency": 1.00,
        "requester_state": 1.00,
        "requester_phone": 1.00,
        "requester_title": 1.00,
        "requester_city": 1.00,
        "requester_agency_type": 1.00,
    },
    "unseen-h": {
        "kind_accuracy": 0.96,
        "specialization_macro_f1": 0.93,
        "primary_accuracy": 0.85,
        "topics_micro_f1": 0.91,
        "ta_types_micro_f1": 0.96,
        "requester_email": 1.00,
        "requester_name": 1.00,
        "requester_agency": 0.95,
        "requester_state": 1.00,
        "requester_phone": 0.95,
        "requester_title": 1.00,
        "requester_city": 1.00,
        "requester_agency_type": 1.00,
    },
    "unseen-j": {
        "kind_accuracy": 0.96,
        "specialization_macro_f1": 0.94,
        "primary_accuracy": 0.90,
        "topics_micro_f1": 0.92,
        "ta_types_micro_f1": 0.92,
        "requester_email": 1.00,
        "requester_name": 1.00,
        "requester_agency": 0.95,
        "requester_state": 1.00,
        "requester_phone": 1.00,
        "requester_title": 1.00,
        "requester_city": 1.00,
        "requester_agency_type": 0.95,
    },
    "unseen-k": {
        "kind_accuracy": 0.96,
        "specialization_macro_f1": 0.93,
        "primary_accuracy": 0.90,
        "topics_micro_f1": 0.93,
        "ta_types_micro_f1": 0.93,
        "requester_email": 1.00,
        "requester_name": 1.00,
        "requester_agency": 0.95,
        "requester_state": 1.00,
        "requester_phone": 1.00,
        "requester_title": 1.00,
        "requester_city": 0.95,
        "requester_agency_type": 1.00,
    },
    "unseen-l": {
        "kind_accuracy": 0.96,
        "specialization_macro_f1": 0.89,
        "primary_accuracy": 0.88,
        "topics_micro_f1": 0.93,
        "ta_types_micro_f1": 0.96,
        "requester_email": 1.00,
        "requester_name": 1.00,
        "requester_agency": 0.95,
        "requester_state": 1.00,
        "requester_phone": 1.00,
        "requester_title": 0.95,
        "requester_city": 0.91,
        "requester_agency_type": 0.95,
    },
    # Measured only: written last and never tuned on, so it guards mail no rule was fitted to.
    "unseen-m": {
        "kind_accuracy": 0.96,
        "specialization_macro_f1": 0.82,
        "primary_accuracy": 0.85,
        "topics_micro_f1": 0.90,
        "ta_types_micro_f1": 0.85,
        "requester_email": 0.90,
        "requester_name": 0.90,
        "requester_agency": 0.85,
        "requester_state": 1.00,
        "requester_phone": 0.95,
        "requester_title": 0.95,
        "requester_city": 0.90,
        "requester_agency_type": 0.90,
    },
    "unseen-i": {
        "kind_accuracy": 0.96,
        "specialization_macro_f1": 0.93,
        "primary_accuracy": 0.93,
        "topics_micro_f1": 0.88,
        "ta_types_micro_f1": 0.92,
        "requester_email": 1.00,
        "requester_name": 1.00,
        "requester_agency": 0.95,
        "requester_state": 1.00,
        "requester_phone": 1.00,
        "requester_title": 1.00,
        "requester_city": 0.95,
        "requester_agency_type": 1.00,
    },
    "unseen-n": {
        "kind_accuracy": 0.94,
        "specialization_macro_f1": 0.89,
        "primary_accuracy": 0.88,
        "topics_micro_f1": 0.91,
        "ta_types_micro_f1": 0.88,
        "requester_email": 1.00,
        "requester_name": 1.00,
        "requester_agency": 0.94,
        "requester_state": 1.00,
        "requester_phone": 1.00,
        "requester_title": 1.00,
        "requester_city": 0.94,
        "requester_agency_type": 1.00,
    },
    "unseen-o": {
        "kind_accuracy": 1.00,
        "specialization_macro_f1": 0.88,
        "primary_accuracy": 0.93,
        "topics_micro_f1": 0.94,
        "ta_types_micro_f1": 0.95,
        "requester_email": 1.00,
        "requester_name": 0.94,
        "requester_agency": 1.00,
        "requester_state": 0.94,
        "requester_phone": 1.00,
        "requester_title": 1.00,
        "requester_city": 1.00,
        "requester_agency_type": 0.94,
    },
    "unseen-p": {
        "kind_accuracy": 1.00,
        "specialization_macro_f1": 0.88,
        "primary_accuracy": 0.88,
        "topics_micro_f1": 0.85,
        "ta_types_micro_f1": 0.96,
        "requester_email": 1.00,
        "requester_name": 1.00,
        "requester_agency": 0.94,
        "requester_state": 1.00,
        "requester_phone": 1.00,
        "requester_title": 1.00,
        "requester_city": 1.00,
        "requester_agency_type": 0.82,
    },
    "unseen-q": {
        "kind_accuracy": 1.00,
        "specialization_macro_f1": 0.90,
        "primary_accuracy": 0.80,
        "topics_micro_f1": 1.00,
        "ta_types_micro_f1": 0.95,
        "requester_email": 1.00,
        "requester_name": 1.00,
        "requester_agency": 1.00,
        "requester_state": 1.00,
        "requester_phone": 1.00,
        "requester_title": 1.00,
        "requester_city": 1.00,
        "requester_agency_type": 1.00,
    },
}


def score(name: str, rules: classify.RuleSet, sites: classify.SiteDirectory) -> EvalReport:
    folder = CORPORA / name
    gold = parse_labels((folder / "labels.toml").read_text(encoding="utf-8"))
    emails = [(p.name, parse_email(p.read_bytes())) for p in sorted(folder.glob("*.eml"))]
    assert len(emails) == len(gold) == 30
    return evaluate(emails, gold, rules, sites)  # type: ignore[arg-type]


@pytest.mark.parametrize(("corpus", "floors"), [("tuning", TARGETS), *FLOORS.items()])
def test_shipped_rules_meet_their_floors(corpus, floors, rules, sites):
    summary = score(corpus, rules, sites).summary()
    below = {key: (summary[key], floor) for key, floor in floors.items() if summary[key] < floor}
    assert not below, f"{corpus}: (score, floor) {below}"
