"""Loading rules: bad rules reported with file:line and skipped, thresholds, versions, reloads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import classify
from classify.rules import rules_changed
from ingest import parse_email
from tests.mail import make_email

REPO = Path(__file__).resolve().parent.parent

GOOD_AND_BAD = """
[thresholds]
default = 1.0
cit = 2.0

[concepts]
clinician = ["clinician", "counselor"]

[[rule]]
name = "cit-words"
label = "cit"
phrases = ["CIT"]

[[rule]]
name = "wrong-label"
label = "cti"
phrases = ["CIT"]

[[rule]]
name = "no-patterns"
label = "cit"

[[rule]]
name = "bad-pattern"
label = "dispatch"
patterns = [[{NOT_AN_ATTRIBUTE = "x"}]]

[[rule]]
name = "unknown-concept"
label = "co_responder"
phrases = ["@clinicans"]

[[rule]]
name = "cit-words"
label = "cit"
phrases = ["duplicate"]

[[rule]]
name = "weight-text"
label = "cit"
weight = "high"
phrases = ["x"]

[[rule]]
name = "typo-key"
label = "cit"
phrase = ["x"]

[[rule]]
name = "near-clinician"
label = "co_responder"
near = { a = ["@clinician"], b = ["ride", "car"], within = 5 }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), start=1) if needle in line)


def test_bad_rules_are_reported_with_line_and_skipped(tmp_path):
    rules = classify.load_rules(write(tmp_path, GOOD_AND_BAD))
    names = [rule.name for rule in rules.rules]
    assert names == ["cit-words", "near-clinician"]
    problems = "\n".join(rules.problems)
    for name, what in [
        ("wrong-label", "unknown label 'cti'"),
        ("no-patterns", "no phrases, patterns or near: it can never match"),
        ("bad-pattern", "bad token pattern"),
        ("unknown-concept", "unknown concept @clinicans"),
        ("weight-text", "weight must be a number"),
        ("typo-key", "unknown key(s) phrase"),
    ]:
        line = line_of(GOOD_AND_BAD, f'name = "{name}"')
        assert f"rules.toml:{line}: rule '{name}': {what}" in problems
    duplicate_line = [
        i for i, x in enumerate(GOOD_AND_BAD.split("\n"), 1) if x == 'name = "cit-words"'
    ][1]
    assert f"rules.toml:{duplicate_line}: rule 'cit-words': duplicate name" in problems


def test_unreadable_or_not_toml_raises(tmp_path):
    with pytest.raises(classify.RuleError):
        classify.load_rules(tmp_path / "missing.toml")
    with pytest.raises(classify.RuleError):
        classify.load_rules(write(tmp_path, "[[rule]\nname = "))


def test_threshold_per_label(tmp_path):
    rules = classify.load_rules(write(tmp_path, GOOD_AND_BAD))
    sites = classify.load_sites(REPO / "sites.toml")
    parsed = parse_email(make_email("We want CIT.\n"))
    analysis = classify.analyze(parsed, rules, sites)
    cit = next(score for score in analysis.labels if score.label == "cit")
    assert cit.score == 1.0 and cit.threshold == 2.0 and not cit.accepted
    assert "cit" not in analysis.specializations
    lowered = write(tmp_path, GOOD_AND_BAD.replace("cit = 2.0", "cit = 1.0"))
    analysis = classify.analyze(parsed, classify.load_rules(lowered), sites)
    assert analysis.specializations == ("cit",)


def test_near_rule_matches_within_distance_only(tmp_path):
    rules = classify.load_rules(write(tmp_path, GOOD_AND_BAD))
    sites = classify.load_sites(REPO / "sites.toml")
    close = parse_email(make_email("A counselor would ride with officers.\n"))
    far = parse_email(
        make_email("A counselor works days. Much later, and unrelated to that, we ride bikes.\n")
    )
    assert classify.analyze(close, rules, sites).specializations == ("co_responder",)
    assert classify.analyze(far, rules, sites).specializations == ()


def test_version_changes_with_content_and_reload_is_detected(tmp_path):
    path = write(tmp_path, GOOD_AND_BAD)
    first = classify.load_rules(path)
    assert not rules_changed(first)
    os.utime(path, ns=(1, 1))  # touched but same bytes: not a change
    assert not rules_changed(first)
    path.write_text(GOOD_AND_BAD.replace("cit = 2.0", "cit = 3.0"))
    assert rules_changed(first)
    second = classify.load_rules(path)
    assert second.version != first.version and len(second.version) == 16


def test_shipped_rules_load_cleanly():
    rules = classify.load_rules(REPO / "rules.toml")
    assert rules.problems == ()
    assert len(rules.rules) > 30
    labels = {rule.label for rule in rules.rules}
    assert set(classify.types.SPECIALIZATIONS) <= labels
    assert set(classify.types.TOPICS) <= labels
    assert set(classify.types.TA_TYPES) <= labels


ENGINE_RULES = b"""
[negation]
cues = ["no need for"]

[[rule]]
name = "bad-pattern"
label = "cit"
patterns = [[{NOT_AN_ATTRIBUTE = "x"}]]

[[rule]]
name = "train-deputies"
label = "cit"
patterns = [[{LEMMA = "train"}, {LOWER = {IN = ["our", "the"]}}, {LEMMA = "deputy"}]]

[[rule]]
name = "subject-only"
label = "dispatch"
scope = "subject"
phrases = ["dispatch"]

[[rule]]
name = "data-not-sharing"
label = "data"
phrases = ["data"]
exceptions = ["data sharing"]

[[rule]]
name = "call-own-cues"
label = "call"
phrases = ["phone call"]
negations = ["rather than a"]
"""


def _hits(rules: classify.RuleSet, subject: str, body: str) -> set[str]:
    assert rules.engine is not None
    scored = rules.engine.score(subject, body)
    return {name for name, match in scored.matches.items() if match.hit}


def test_engine_patterns_scope_exceptions_and_own_negations():
    rules = classify.parse_rules(ENGINE_RULES)
    assert len(rules.problems) == 1 and "rule 'bad-pattern'" in rules.problems[0]
    assert [r.name for r in rules.rules] == [
        "train-deputies",
        "subject-only",
        "data-not-sharing",
        "call-own-cues",
    ]
    # A pattern after a refused one still matches, inflected ("training" ~ "train").
    assert "train-deputies" in _hits(rules, "Help", "We are training our deputies.")
    assert "train-deputies" not in _hits(rules, "Help", "We train horses.")
    # Scope: the subject only.
    assert "subject-only" in _hits(rules, "Dispatch question", "Hello")
    assert "subject-only" not in _hits(rules, "Question", "Our dispatch center")
    # An exception overlapping the hit cancels it; elsewhere the word still counts.
    assert "data-not-sharing" not in _hits(rules, "Q", "A data sharing agreement.")
    assert "data-not-sharing" in _hits(rules, "Q", "A data sharing agreement. Outcome data too.")
    # The rule's own cues replace the file's.
    assert "call-own-cues" not in _hits(rules, "Q", "Email rather than a phone call.")
    assert "call-own-cues" in _hits(rules, "Q", "There is no need for a phone call.")


def test_engine_renews_its_vocabulary_and_keeps_matching(monkeypatch):
    import classify.engine

    rules = classify.load_rules(REPO / "rules.toml")
    sites = classify.load_sites(REPO / "sites.toml")
    assert rules.engine is not None
    monkeypatch.setattr(classify.engine, "MAX_VOCAB", len(rules.engine.nlp.vocab) + 500)
    for n in range(20):
        noise = " ".join(f"zq{n}x{k}" for k in range(100))  # 100 words never seen before
        rules.engine.score("Noise", noise)
    assert rules.engine.renewals >= 2
    assert len(rules.engine.nlp.vocab) <= classify.engine.MAX_VOCAB + 200
    body = (
        "For your records: we spoke with their sergeant at the Tucson Police Department last "
        "week about their co-responder team.\n\nAda Venn\n"
    )
    analysis = classify.analyze(parse_email(make_email(body)), rules, sites)
    assert analysis.kind.kind == "notice"
    assert analysis.contacted_sites == ("tucson",)
    assert "co_responder" in analysis.specializations


EXACT_WORD_RULES = b"""
[[rule]]
name = "we-met-with"
label = "kind:notice"
patterns = [[{LOWER = {IN = ["we", "i"]}}, {LOWER = "have", OP = "?"}, {LOWER = "met"},
  {LOWER = "with"}]]

[[rule]]
name = "any-number-of-adverbs"
label = "kind:notice"
patterns = [[{LOWER = "we"}, {LOWER = {IN = ["already", "just"]}, OP = "*"}, {LOWER = "called"}]]
"""


def test_spell_out_lists_the_phrases_an_exact_word_pattern_matches():
    from classify.engine import spell_out

    pattern = [{"LOWER": {"IN": ["we", "i"]}}, {"LOWER": "have", "OP": "?"}, {"LOWER": "met"}]
    assert spell_out(pattern) == ["i have met", "i met", "we have met", "we met"]
    # Anything else is left to spaCy's Matcher: stems, repeats, upper case, too many phrases.
    assert spell_out([{"LEMMA": "meet"}]) is None
    assert spell_out([{"LOWER": "we"}, {"LOWER": "met", "OP": "*"}]) is None
    assert spell_out([{"LOWER": "We"}]) is None
    assert spell_out([{"LOWER": {"IN": [f"w{k}" for k in range(50)]}}] * 2) is None


def test_spelled_out_and_matcher_patterns_match_the_same_words():
    rules = classify.parse_rules(EXACT_WORD_RULES)
    assert not rules.problems
    assert rules.engine is not None and len(rules.engine.exact) == 1
    assert len(rules.engine.matcher) == 1
    assert "we-met-with" in _hits(rules, "Q", "Last week I have met with their captain.")
    assert "we-met-with" in _hits(rules, "Q", "We met with Tucson.")
    # Exact words, not stems: the present tense does not match.
    assert "we-met-with" not in _hits(rules, "Q", "We meet with Tucson next week.")
    assert "any-number-of-adverbs" in _hits(rules, "Q", "We already just called them.")
    assert "any-number-of-adverbs" not in _hits(rules, "Q", "We will call them.")


BACKGROUND_RULES = b"""
[negation]
cues = []
background = ["already", "been through", "CIT officer"]
background_labels = ["cit", "co_responder", "not_a_label"]

[[rule]]
name = "cit"
label = "cit"
phrases = ["CIT"]

[[rule]]
name = "co-responder"
label = "co_responder"
phrases = ["co-responder"]

[[rule]]
name = "cit-no-cues"
label = "cit"
phrases = ["crisis course"]
negations = []

[[rule]]
name = "data"
label = "data"
phrases = ["data"]

[[rule]]
name = "same-people"
label = "follow_up"
near = { a = ["same"], b = ["people"], within = 3 }

[[rule]]
name = "counselor-rides"
label = "co_responder"
near = { a = ["counselor"], b = ["ride with"], within = 8, across_sentences = true }
"""


def test_background_cues_set_aside_what_the_agency_already_has():
    rules = classify.parse_rules(BACKGROUND_RULES)
    assert len(rules.problems) == 1 and "'not_a_label'" in rules.problems[0]
    # The cue before or after the hit, anywhere in the clause.
    assert "cit" not in _hits(rules, "Q", "Every officer has been through the 40-hour CIT class.")
    assert "cit" not in _hits(rules, "Q", "Our deputies are CIT trained already.")
    # Another clause, or a need word between, and the hit counts again.
    assert "co-responder" in _hits(rules, "Q", "We already have CIT. We want a co-responder team.")
    assert "co-responder" in _hits(rules, "Q", "We already run CIT and want co-responder help.")
    # A cue inside the hit: background unless the clause asked for it first.
    assert "cit" not in _hits(rules, "Q", "A CIT officer went to the call.")
    assert "cit" in _hits(rules, "Q", "We want a CIT officer on every shift.")
    # Labels not listed, and rules with negations = [], are left alone.
    assert "data" in _hits(rules, "Q", "We already collect data.")
    assert "cit-no-cues" in _hits(rules, "Q", "We already teach a crisis course.")


SETTLED_RULES = BACKGROUND_RULES.replace(
    b'background_labels = ["cit", "co_responder", "not_a_label"]',
    b'background_labels = ["cit", "co_responder"]\n'
    b'settled = ["already", "CIT officer", "not a cue"]',
)


def test_a_settled_need_stays_background_for_the_rest_of_the_email():
    rules = classify.parse_rules(SETTLED_RULES)
    assert len(rules.problems) == 1
    assert "settled: not among the background cues: 'not a cue'" in rules.problems[0]
    settled = "We already have CIT. Our gap is dispatch. Whoever is closest goes, CIT or not."
    assert "cit" not in _hits(rules, "Q", settled)
    # A need word before the later mention asks for it again.
    assert "cit" in _hits(rules, "Q", "We already have CIT. Now we want CIT for jail staff.")
    # The subject states the topic; background in the body does not reach back to it.
    assert "cit" in _hits(rules, "CIT refresher", "We already have CIT.")
    # A cue far from the need does not settle it for the rest of the email.
    distant = "We already sent two sergeants to a class about CIT. Whoever goes, CIT or not."
    assert "cit" in _hits(rules, "Q", distant)
    # Cues that are not `settled` set aside their own clause only.
    assert "cit" in _hits(rules, "Q", "Every one has been through CIT. CIT or not, they go.")


def test_a_near_stays_within_one_sentence_unless_told_otherwise():
    rules = classify.parse_rules(BACKGROUND_RULES)
    assert "same-people" in _hits(rules, "Q", "We see the same people every week.")
    assert "same-people" not in _hits(rules, "Q", "It is always the same: people call 911.")
    assert "counselor-rides" in _hits(
        rules, "Q", "We have one counselor. Could she ride with an officer?"
    )


def test_a_hit_after_negated_ones_keeps_its_matched_text():
    rules = classify.parse_rules(ENGINE_RULES)
    assert rules.engine is not None
    body = (
        "Email rather than a phone call. Email rather than a phone call. "
        "Email rather than a phone call. But a phone call later would help."
    )
    match = rules.engine.score("Q", body).matches["call-own-cues"]
    assert len(match.negated) == 3
    assert [hit.text for hit in match.hits] == ["phone call"]


def test_shipped_token_patterns_all_run_as_phrases():
    # A pattern spaCy's Matcher must run costs several times a phrase on every message, and
    # one hyphenated word ("follow-up" is three tokens) is enough to send a rule there.
    from classify.engine import spell_out

    rules = classify.load_rules(REPO / "rules.toml")
    slow = [rule.name for rule in rules.rules for p in rule.patterns if spell_out(p) is None]
    assert slow == []


def test_priority_cues_are_checked_and_a_bad_entry_reported_with_its_line():
    text = b"""
[priority]
main = ["top priority"]
later = 3
soon = ["now"]
ask = ["could you"]

[[rule]]
name = "cit-words"
label = "cit"
phrases = ["CIT"]
"""
    rules = classify.parse_rules(text)
    assert rules.priority.main == ("top priority",)
    assert rules.priority.later == ()
    assert rules.priority.ask == ("could you",)
    assert "rules.toml:4: priority later must be a list of strings" in rules.problems
    assert "rules.toml:5: priority: unknown key 'soon' (main, later, ask)" in rules.problems
    assert [r.name for r in rules.rules] == ["cit-words"]


def test_part_of_names_specializations_and_bad_entries_are_reported_by_line():
    text = b"""\
[part_of]
follow_up = ["embedded_clinician"]
cit = ["cit"]
rural = ["co_responder"]
dispatch = "mobile_crisis"
mobile_crisis = [3]
"""
    rules = classify.parse_rules(text)
    assert rules.part_of == {"follow_up": ("embedded_clinician",), "dispatch": ("mobile_crisis",)}
    assert "rules.toml:3: part_of cit: not another specialization: 'cit'" in rules.problems
    assert "rules.toml:4: part_of: 'rural' is not a specialization" in rules.problems
    assert "rules.toml:6: part_of mobile_crisis must be a list of strings" in rules.problems


def test_spares_names_labels_and_background_cues():
    text = b"""[negation]
background = ["CIT officer", "already"]
spares = { dispatch = ["CIT officer", "CIT wizard"], nonsense = ["already"] }
"""
    rules = classify.parse_rules(text)
    assert rules.background.spares == {"dispatch": frozenset({"cit officer", "cit wizard"})}
    assert "rules.toml:3: spares dispatch: not among the background cues: 'CIT wizard'" in (
        rules.problems
    )
    assert "rules.toml:3: spares: 'nonsense' must be a label = [cues]" in rules.problems


def test_in_notices_cues_must_be_background_cues():
    text = b"""[negation]
background = ["we heard", "already"]
in_notices = ["we heard", "rumour has it"]
"""
    rules = classify.parse_rules(text)
    assert rules.background.in_notices == frozenset({"we heard", "rumour has it"})
    assert "rules.toml:3: in_notices: not among the background cues: 'rumour has it'" in (
        rules.problems
    )


def test_scope_program_words_are_checked_and_reported_by_line():
    rules = classify.parse_rules(b'[scope]\nprogram_words = ["police", "crisis"]\nwords = 3\n')
    assert rules.program_words == ("police", "crisis")
    assert "rules.toml:3: scope: unknown key 'words' (program_words)" in rules.problems
    rules = classify.parse_rules(b'[scope]\nprogram_words = "police"\n')
    assert rules.program_words == ("police",)
    rules = classify.parse_rules(b"[scope]\nprogram_words = [1]\n")
    assert rules.program_words == ()
    assert "rules.toml:2: program_words must be a list of strings" in rules.problems


LOOK_BACK_RULES = b"""
[negation]
cues = []
background = ["in good shape", "not asking about"]
back_references = ["both of those", "either of them"]
background_labels = ["cit", "co_responder", "follow_up"]

[[rule]]
name = "cit"
label = "cit"
phrases = ["CIT"]

[[rule]]
name = "co-responder"
label = "co_responder"
phrases = ["co-responder"]

[[rule]]
name = "follow-up"
label = "follow_up"
phrases = ["follow-up team"]
"""


def test_a_sentence_pointing_back_sets_aside_the_needs_told_before_it():
    rules = classify.parse_rules(LOOK_BACK_RULES)
    text = (
        "We trained everyone in CIT in 2018 and added a co-responder in 2020. Both of those "
        "are in good shape, so I am not asking about either of them.\n\n"
        "We want a follow-up team."
    )
    assert _hits(rules, "Help", text) == {"follow-up"}
    # Without the back reference, the cue reaches only its own clause.
    plain = text.replace("Both of those are", "They are").replace(" either of them", " it")
    assert _hits(rules, "Help", plain) == {"cit", "co-responder", "follow-up"}
    # A need asked for in its own clause stays a need.
    asked = text.replace("We trained everyone in CIT in 2018 and", "We want more CIT. We")
    assert _hits(rules, "Help", asked) == {"cit", "follow-up"}


def test_back_references_must_be_a_list():
    rules = classify.parse_rules(
        LOOK_BACK_RULES.replace(
            b'back_references = ["both of those", "either of them"]', b"back_references = 3"
        )
    )
    assert any("back_references must be a list of strings" in p for p in rules.problems)


def test_a_claim_takes_back_a_need_set_aside_as_heard_of():
    rules = classify.parse_rules(
        LOOK_BACK_RULES.replace(
            b'background = ["in good shape", "not asking about"]',
            b'background = ["in good shape", "not asking about", "I heard"]\n'
            b'claims = ["that is what we want"]',
        )
    )
    heard = "I heard Tucson has a co-responder. We need a follow-up team."
    assert _hits(rules, "Q", heard) == {"follow-up"}
    claimed = "I heard Tucson has a co-responder. That is what we want."
    assert _hits(rules, "Q", claimed) == {"co-responder"}
    # A claim reaches back one sentence only.
    far = "I heard Tucson has a co-responder. It is busy. That is what we want."
    assert _hits(rules, "Q", far) == set()
