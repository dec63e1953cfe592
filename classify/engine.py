"""The rule engine: compile rules into spaCy matchers once, then score each text against them."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

if TYPE_CHECKING:
    from classify.rules import Rule

MAX_DOC_CHARS = 30_000  # classification reads the new text only; this caps hostile input
MAX_MATCHED_CHARS = 160
_BOUNDARY_WORDS = {"but", "however", "although", "though", "while"}
_BOUNDARY_PUNCT = {".", "!", "?", ";", ":"}
_UNDOUBLE = ("bb", "dd", "gg", "mm", "nn", "pp", "rr", "tt")
_WORD = re.compile(r"^[a-z]+$")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A crude, consistent stem ('riding', 'rides', 'ride' -> 'rid'): inflections match each other."""
    w = word.lower()
    if w.endswith(("'s", "s'")):
        w = w[:-2] if w.endswith("'s") else w[:-1]
    if len(w) <= 3 or not _WORD.match(w):
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ing") and len(w) > 5:
        w = w[:-3]
        if w.endswith(_UNDOUBLE):
            w = w[:-1]
    elif w.endswith("ed") and len(w) > 4 and not w.endswith("eed"):
        w = w[:-2]
        if w.endswith(_UNDOUBLE):
            w = w[:-1]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


def _lemmatize(doc: Doc) -> Doc:
    for token in doc:
        token.lemma_ = stem(token.lower_)
    return doc


class EngineProblem(ValueError):
    """A rule's spaCy pattern was refused by the matcher."""


@dataclass(frozen=True)
class Hit:
    """One place a rule matched: token span and text."""

    start: int
    end: int
    text: str
    negated_by: str = ""


@dataclass
class RuleMatch:
    """What one rule found in one text."""

    hits: list[Hit] = field(default_factory=list)
    negated: list[Hit] = field(default_factory=list)

    @property
    def hit(self) -> bool:
        return bool(self.hits)


@dataclass(frozen=True)
class Scored:
    """The engine's findings for one text: per-rule matches and where the subject ends."""

    matches: Mapping[str, RuleMatch]
    subject_end: int  # tokens before this index belong to the subject
    length: int


def _tokens_of(doc: Doc, start: int, end: int) -> str:
    return doc[start:end].text[:MAX_MATCHED_CHARS]


def _prepare_pattern(pattern: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Admins write LEMMA values as plain words; the engine compares stems."""
    prepared: list[dict[str, Any]] = []
    for token in pattern:
        spec = dict(token)
        value = spec.get("LEMMA")
        if isinstance(value, str):
            spec["LEMMA"] = stem(value)
        elif isinstance(value, dict):
            spec["LEMMA"] = {
                op: [stem(v) for v in vals] if isinstance(vals, list) else vals
                for op, vals in value.items()
            }
        prepared.append(spec)
    return prepared


class Engine:
    """Matchers for a rule set. Built once per RuleSet; matching is thread-safe behind a lock."""

    def __init__(self, nlp: Language, rules: Sequence[Rule], window: int) -> None:
        self.nlp = nlp
        self.rules = list(rules)
        self.window = window
        self.phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.matcher = Matcher(nlp.vocab)
        self.negations = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._lock = threading.Lock()
        self._key_names: dict[int, str] = {}
        self._index: dict[str, int] = {}

    def _key(self, name: str) -> str:
        self._key_names[self.nlp.vocab.strings.add(name)] = name
        return name

    def _phrase_docs(self, phrases: Iterable[str]) -> list[Doc]:
        return [_lemmatize(self.nlp.make_doc(p)) for p in phrases if p.strip()]

    @classmethod
    def build(
        cls, rules: Sequence[Rule], default_cues: Sequence[str], window: int
    ) -> tuple[Engine, list[tuple[Rule, str]]]:
        """An engine for the rules it can compile, and the rules it refused with the reason."""
        engine = cls(spacy.blank("en"), rules, window)
        rejected: list[tuple[Rule, str]] = []
        engine.negations.add(engine._key("neg:default"), engine._phrase_docs(default_cues))
        accepted = []
        for index, rule in enumerate(rules):
            try:
                engine._add_rule(index, rule)
            except (ValueError, KeyError, TypeError) as exc:
                first = str(exc).strip().splitlines()
                reason = first[-1] if first else type(exc).__name__
                rejected.append((rule, f"bad token pattern: {reason[:200]}"))
                engine._remove_rule(index)
                continue
            accepted.append(rule)
        engine.rules = accepted
        engine._index = {rule.name: i for i, rule in enumerate(rules)}
        return engine, rejected

    def _add_rule(self, index: int, rule: Rule) -> None:
        if rule.phrases:
            self.phrases.add(self._key(f"{index}|p"), self._phrase_docs(rule.phrases))
        if rule.patterns:
            self.matcher.add(
                self._key(f"{index}|t"), [_prepare_pattern(p) for p in rule.patterns]
            )
        for k, near in enumerate(rule.near):
            self.phrases.add(self._key(f"{index}|a{k}"), self._phrase_docs(near.a))
            self.phrases.add(self._key(f"{index}|b{k}"), self._phrase_docs(near.b))
        if rule.negations:
            self.negations.add(self._key(f"neg:{index}"), self._phrase_docs(rule.negations))

    def _remove_rule(self, index: int) -> None:
        for matcher in (self.phrases, self.matcher):
            for key in list(self._key_names.values()):
                if key.startswith(f"{index}|") and key in matcher:
                    matcher.remove(key)

    def doc(self, subject: str, body: str) -> tuple[Doc, int]:
        subject_doc = self.nlp.make_doc(subject[:500])
        text = f"{subject[:500]}\n\n{body[:MAX_DOC_CHARS]}"
        doc = _lemmatize(self.nlp.make_doc(text))
        return doc, len(subject_doc)

    def score(self, subject: str, body: str) -> Scored:
        """Every rule's hits in the subject and body, negated hits set aside."""
        doc, subject_end = self.doc(subject, body)
        with self._lock:  # spaCy matchers are not documented as thread-safe
            phrase_hits = self.phrases(doc)
            token_hits = self.matcher(doc)
            negation_hits = self.negations(doc)
        found: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in (*phrase_hits, *token_hits):
            found.setdefault(self._key_names[match_id], []).append((start, end))
        cue_ends: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in negation_hits:
            cue_ends.setdefault(self._key_names[match_id], []).append((start, end))
        boundaries = [
            i
            for i, token in enumerate(doc)
            if token.text in _BOUNDARY_PUNCT
            or token.lower_ in _BOUNDARY_WORDS
            or (token.is_space and token.text.count("\n") >= 2)
        ]
        matches: dict[str, RuleMatch] = {}
        for rule in self.rules:
            key_index = self._index[rule.name]
            spans = list(found.get(f"{key_index}|p", ())) + list(found.get(f"{key_index}|t", ()))
            for k, near in enumerate(rule.near):
                spans.extend(
                    _near(found.get(f"{key_index}|a{k}", []), found.get(f"{key_index}|b{k}", []), near.within)
                )
            spans = _in_scope(spans, rule.scope, subject_end)
            result = RuleMatch()
            if rule.negations is None:
                cues = cue_ends.get("neg:default", [])
            else:
                cues = cue_ends.get(f"neg:{key_index}", [])
            for start, end in sorted(set(spans)):
                cue = _negated_by(doc, start, cues, boundaries, self.window)
                hit = Hit(start, end, _tokens_of(doc, start, end), cue)
                (result.negated if cue else result.hits).append(hit)
            matches[rule.name] = result
        return Scored(matches=matches, subject_end=subject_end, length=len(doc))


def _in_scope(spans: list[tuple[int, int]], scope: str, subject_end: int) -> list[tuple[int, int]]:
    if scope == "subject":
        return [s for s in spans if s[1] <= subject_end]
    if scope == "body":
        return [s for s in spans if s[0] >= subject_end]
    return spans


def _near(
    a: list[tuple[int, int]], b: list[tuple[int, int]], within: int
) -> list[tuple[int, int]]:
    """Spans covering an `a` and a `b` match at most `within` tokens apart, in either order."""
    out = []
    for a_start, a_end in a:
        for b_start, b_end in b:
            if a_end <= b_start:
                gap = b_start - a_end
            elif b_end <= a_start:
                gap = a_start - b_end
            else:
                continue  # overlapping spans are one phrase, not two concepts
            if gap <= within:
                out.append((min(a_start, b_start), max(a_end, b_end)))
    return out


def _negated_by(
    doc: Doc, start: int, cues: list[tuple[int, int]], boundaries: list[int], window: int
) -> str:
    """The negation cue ending just before `start` in the same clause, or ''."""
    for cue_start, cue_end in cues:
        if cue_end <= start and start - cue_end <= window:
            if not any(cue_end <= b < start for b in boundaries):
                return doc[cue_start:cue_end].text
    return ""
