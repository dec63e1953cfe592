"""The rule engine: compile rules into spaCy matchers once, then score each text against them."""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import spacy
from spacy.attrs import NORM
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Token
from spacy.vocab import Vocab

from classify.types import Background, Priority, cue_key

if TYPE_CHECKING:
    from classify.rules import Rule

# Classification reads the new text only; a request runs to 2,000 characters or so, and
# spaCy's cost grows with length, so a hostile or pasted-in body is cut well before that.
MAX_DOC_CHARS = 12_000
# spaCy keeps every word it has seen in its vocabulary for good; mail brings an endless supply
# of new ones (names, codes, garbage), about 600 bytes each, so the engine starts a fresh
# vocabulary after this many.
MAX_VOCAB = 100_000
MAX_MATCHED_CHARS = 160
MAX_HITS_PER_RULE = 8
SHOWN_HITS = 3  # hits per rule whose text is kept for explanations
_BOUNDARY_WORDS = {"but", "however", "although", "though", "while"}
_BOUNDARY_PUNCT = {".", "!", "?", ";", ":"}
_SENTENCE_END = {".", "!", "?", ";", ":", "\n\n"}
_UNDOUBLE = ("bb", "dd", "gg", "mm", "nn", "pp", "rr", "tt")
_WORD = re.compile(r"^[a-z]+$")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A crude, consistent stem ('riding', 'rides', 'ride' -> 'rid') so inflections match."""
    w = word.lower().replace("\u2019", "'")
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


# A possessive "'s" is a token of its own, so "LAPD's unit" names LAPD; other contractions
# ("don't", "we've") stay whole.
_PIECES = re.compile(r"[^\W_]+(?:'(?![sS]\b)[^\W_]+)*|'[sS]\b|\S")
_PARAGRAPHS = re.compile(r"\n[ \t]*\n\s*")
PARAGRAPH = "\n\n"


def split_words(text: str) -> tuple[list[str], list[bool]]:
    """Words and punctuation, with a paragraph token between paragraphs (phrases never span one)."""
    words: list[str] = []
    spaces: list[bool] = []
    for paragraph in _PARAGRAPHS.split(text):
        if words:
            words.append(PARAGRAPH)
            spaces.append(False)
        for chunk in paragraph.split():
            if chunk.isalnum():
                words.append(chunk)
                spaces.append(True)
            else:
                parts = _PIECES.findall(chunk)
                words.extend(parts)
                spaces.extend([False] * (len(parts) - 1) + [True])
    return words, spaces


class FastTokenizer:
    """Whitespace, then punctuation: several times faster than spaCy's rule tokenizer.

    Classification needs words, not linguistic tokens, and must keep up with the mail
    flow (about 0.2 ms per email here against 1 ms); phrases go through the same splitter,
    so what matches is consistent.
    """

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words, spaces = split_words(text)
        return Doc(self.vocab, words=words, spaces=spaces)


def _stemming_nlp() -> Language:
    """A blank English pipeline whose lexemes carry their stem as NORM.

    Setting the stem once per vocabulary entry (not once per token) keeps matching free of
    per-token Python work; tokens inherit their lexeme's NORM.
    """
    nlp = spacy.blank("en")
    nlp.tokenizer = FastTokenizer(nlp.vocab)
    nlp.vocab.lex_attr_getters[NORM] = stem  # type: ignore[attr-defined]
    for lexeme in nlp.vocab:
        lexeme.norm_ = stem(lexeme.orth_)
    return nlp


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
    doc: Doc | None = None
    # Where the [priority] cues matched: the sender's main ask, and needs left for later.
    main_cues: tuple[tuple[int, int], ...] = ()
    later_cues: tuple[tuple[int, int], ...] = ()
    ask_cues: tuple[tuple[int, int], ...] = ()  # where the [priority] ask cues matched


def _tokens_of(words: list[str], spaces: list[bool], start: int, end: int) -> str:
    """What Doc[start:end].text gives, from the token lists (a Span costs several times more)."""
    last = end - 1
    text = "".join(
        w + " " if spaces[i] and i < last else w for i, w in enumerate(words[start:end], start)
    )
    return text[:MAX_MATCHED_CHARS]


def _prepare_pattern(pattern: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Admins write LEMMA values as plain words; the engine compares stems (kept as NORM)."""
    prepared: list[dict[str, Any]] = []
    for token in pattern:
        spec = dict(token)
        value = spec.pop("LEMMA", None)
        if isinstance(value, str):
            spec["NORM"] = stem(value)
        elif isinstance(value, dict):
            spec["NORM"] = {
                op: [stem(v) for v in vals] if isinstance(vals, list) else vals
                for op, vals in value.items()
            }
        prepared.append(spec)
    return prepared


# A token pattern made only of exact words ({LOWER = "x"} or {LOWER = {IN = [...]}}, each
# perhaps OP = "?") runs as the phrases it can spell when there are at most this many:
# spaCy's Matcher costs about a third of the whole analysis, its PhraseMatcher almost nothing.
MAX_SPELLED_PHRASES = 2_000


def spell_out(pattern: Sequence[Mapping[str, Any]]) -> list[str] | None:
    """Every phrase an exact-word token pattern matches, or None if it is not one or too many."""
    choices: list[list[str]] = []
    for token in pattern:
        if set(token) - {"LOWER", "OP"} or token.get("OP", "?") != "?":
            return None
        value = token.get("LOWER")
        if isinstance(value, str):
            words = [value]
        elif isinstance(value, Mapping) and set(value) == {"IN"} and isinstance(value["IN"], list):
            words = value["IN"]
        else:
            return None
        if not all(isinstance(w, str) and split_words(w)[0] == [w.lower()] for w in words):
            return None  # upper case or several tokens: LOWER would never match it
        choices.append(words + [""] if "OP" in token else words)
    count = 1
    for words in choices:
        count *= len(words)
    if count > MAX_SPELLED_PHRASES:
        return None
    spelled = (" ".join(w for w in combo if w) for combo in itertools.product(*choices))
    return sorted({phrase for phrase in spelled if phrase})


# What a matcher key stands for: a rule's phrases, its token patterns, or one side of a near.
_PHRASES, _PATTERNS = -1, -2
_DEFAULT_CUES, _BACKGROUND_CUES, _BACK_REFERENCES, _CLAIMS = -1, -2, -3, -4
_MAIN_CUES, _LATER_CUES, _ASK_CUES = -5, -6, -7
# Background cues reach this many tokens either way within a clause: a run-on sentence
# without punctuation is still several clauses.
BACKGROUND_REACH = 20
NO_BACKGROUND = Background()
NO_PRIORITY = Priority()
# A `settled` cue this close to a need in the body ("we've had CIT since 2015") says the
# agency has it: later bare mentions of that need in the email are background too.
SETTLED_GAP = 3
# Words after "our <need>" that make it a plan rather than something the agency has.
_PLANNED = {"planning", "proposal", "proposals", "workgroup", "feasibility", "exploratory"}
# Words that start a request again after background ("we have CIT and now we want ...").
_NEED_WORDS = {
    "want", "wants", "need", "needs", "looking", "like", "hoping", "interested", "help",
    "expand", "expanding", "extend", "extending", "picturing", "envision", "envisioning",
}  # fmt: skip


class Engine:
    """Matchers for a rule set. Built once per RuleSet; matching is thread-safe behind a lock.

    Every matcher key maps to (rule position, part) once at build time, so scoring a text
    touches only the rules something matched, never the whole rule list.
    """

    def __init__(self, nlp: Language, rules: Sequence[Rule], window: int) -> None:
        self.nlp = nlp
        self.rules = list(rules)
        self.window = window
        self.phrases = PhraseMatcher(nlp.vocab, attr="NORM")
        self.exact = PhraseMatcher(nlp.vocab, attr="LOWER")  # token patterns, spelled out
        self.matcher = Matcher(nlp.vocab)
        self.negations = PhraseMatcher(nlp.vocab, attr="NORM")
        self._lock = threading.Lock()
        # match id -> (rule index, part): part is _PHRASES, _PATTERNS, 2k (near a) or 2k+1 (b)
        self._parts: dict[int, tuple[int, int]] = {}
        # negation match id -> (rule index or _DEFAULT_CUES, is an exception)
        self._cue_parts: dict[int, tuple[int, bool]] = {}
        self._by_index: dict[int, Rule] = {}
        self.has_negations = False
        self.background = NO_BACKGROUND
        self._source: tuple[list[Rule], tuple[str, ...], int, Background, Priority] = (
            [],
            (),
            window,
            NO_BACKGROUND,
            NO_PRIORITY,
        )
        self.renewals = 0

    def _part(self, name: str, index: int, part: int) -> str:
        self._parts[int(self.nlp.vocab.strings.add(name))] = (index, part)
        return name

    def _cue(self, name: str, owner: int, is_exception: bool) -> str:
        self._cue_parts[int(self.nlp.vocab.strings.add(name))] = (owner, is_exception)
        return name

    def _phrase_docs(self, phrases: Iterable[str]) -> list[Doc]:
        return [self.nlp.make_doc(p) for p in phrases if p.strip()]

    @classmethod
    def build(
        cls,
        rules: Sequence[Rule],
        default_cues: Sequence[str],
        window: int,
        background: Background = NO_BACKGROUND,
        priority: Priority = NO_PRIORITY,
    ) -> tuple[Engine, list[tuple[Rule, str]]]:
        """An engine for the rules it can compile, and the rules it refused with the reason."""
        engine = cls(_stemming_nlp(), rules, window)
        rejected: list[tuple[Rule, str]] = []
        if default_cues:
            key = engine._cue("neg:default", _DEFAULT_CUES, False)
            engine.negations.add(key, engine._phrase_docs(default_cues))
        if background.cues and background.labels:
            key = engine._cue("neg:background", _BACKGROUND_CUES, False)
            engine.negations.add(key, engine._phrase_docs(background.cues))
            if background.back_references:
                key = engine._cue("neg:back-references", _BACK_REFERENCES, False)
                engine.negations.add(key, engine._phrase_docs(background.back_references))
            if background.claims:
                key = engine._cue("neg:claims", _CLAIMS, False)
                engine.negations.add(key, engine._phrase_docs(background.claims))
            engine.background = background
        for owner, name, phrases in (
            (_MAIN_CUES, "priority:main", priority.main),
            (_LATER_CUES, "priority:later", priority.later),
            (_ASK_CUES, "priority:ask", priority.ask),
        ):
            if phrases:
                engine.negations.add(engine._cue(name, owner, False), engine._phrase_docs(phrases))
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
            engine._by_index[index] = rule
        engine.rules = accepted
        engine.has_negations = len(engine.negations) > 0
        engine._source = (list(rules), tuple(default_cues), window, background, priority)
        return engine, rejected

    def _renew_if_large(self) -> None:
        """Rebuild vocabulary and matchers once the vocabulary has grown past MAX_VOCAB."""
        if len(self.nlp.vocab) <= MAX_VOCAB:
            return
        rules, cues, window, background, priority = self._source
        fresh, _ = Engine.build(rules, cues, window, background, priority)
        for name in (
            "nlp",
            "phrases",
            "exact",
            "matcher",
            "negations",
            "_parts",
            "_cue_parts",
            "_by_index",
            "rules",
            "has_negations",
        ):
            setattr(self, name, getattr(fresh, name))
        self.renewals += 1

    def _add_rule(self, index: int, rule: Rule) -> None:
        if rule.phrases:
            key = self._part(f"{index}|p", index, _PHRASES)
            self.phrases.add(key, self._phrase_docs(rule.phrases))
        if rule.patterns:
            key = self._part(f"{index}|t", index, _PATTERNS)
            spelled = [spell_out(p) for p in rule.patterns]
            if all(phrases is not None for phrases in spelled):
                self.exact.add(key, self._phrase_docs(p for ps in spelled for p in ps or ()))
            else:
                self.matcher.add(key, [_prepare_pattern(p) for p in rule.patterns])
        for k, near in enumerate(rule.near):
            for side, phrases in ((0, near.a), (1, near.b)):
                key = self._part(f"{index}|{'ab'[side]}{k}", index, 2 * k + side)
                self.phrases.add(key, self._phrase_docs(phrases))
        if rule.negations:
            key = self._cue(f"neg:{index}", index, False)
            self.negations.add(key, self._phrase_docs(rule.negations))
        if rule.exceptions:
            key = self._cue(f"exc:{index}", index, True)
            self.negations.add(key, self._phrase_docs(rule.exceptions))

    def _remove_rule(self, index: int) -> None:
        strings = self.nlp.vocab.strings
        for key_hash, (owner, _) in list(self._parts.items()):
            if owner == index:
                key = strings[key_hash]
                for matcher in (self.phrases, self.exact, self.matcher):
                    if key in matcher:
                        matcher.remove(key)
                del self._parts[key_hash]

    def doc(self, subject: str, body: str) -> tuple[Doc, int]:
        """One Doc for subject and body, and the index of the first body token."""
        doc, subject_end, _, _ = self._doc(subject, body)
        return doc, subject_end

    def _doc(self, subject: str, body: str) -> tuple[Doc, int, list[str], list[bool]]:
        subject = " ".join(subject[:500].split())
        words, spaces = split_words(f"{subject}{PARAGRAPH}{body[:MAX_DOC_CHARS]}")
        doc = Doc(self.nlp.vocab, words=words, spaces=spaces)
        subject_end = len(split_words(subject)[0]) if subject else 0
        return doc, subject_end, words, spaces

    def score(self, subject: str, body: str) -> Scored:
        """Every rule's hits in the subject and body, negated hits set aside.

        Only rules that matched something get an entry in `matches`.
        """
        with self._lock:  # spaCy's vocabulary and matchers are not documented as thread-safe
            self._renew_if_large()
            doc, subject_end, words, spaces = self._doc(subject, body)
            phrase_hits = self.phrases(doc)
            token_hits = self.matcher(doc) if len(self.matcher) else []
            if len(self.exact):
                token_hits += self.exact(doc)
            negation_hits = self.negations(doc) if self.has_negations else []
        found: dict[int, dict[int, list[tuple[int, int]]]] = {}
        parts = self._parts
        for match_id, start, end in (*phrase_hits, *token_hits):
            index, part = parts[match_id]
            found.setdefault(index, {}).setdefault(part, []).append((start, end))
        cues: dict[int, list[tuple[int, int]]] = {}
        excepted: dict[int, list[tuple[int, int]]] = {}
        for match_id, start, end in negation_hits:
            owner, is_exception = self._cue_parts[match_id]
            (excepted if is_exception else cues).setdefault(owner, []).append((start, end))
        matches: dict[str, RuleMatch] = {}
        labels_of: dict[str, str] = {}
        background_at: dict[str, tuple[int, str]] = {}  # label -> first background hit, its cue
        # Each background cue's key, read once, when some label spares some cues.
        cue_keys = (
            {(s, e): cue_key(doc[s:e].text) for s, e in cues.get(_BACKGROUND_CUES, [])}
            if self.background.spares
            else {}
        )
        # Two concepts in different sentences are not one idea: a near never spans these.
        sentence_ends = [i for i, w in enumerate(words) if w in _SENTENCE_END] if found else []
        for index in sorted(found):
            rule = self._by_index[index]
            rule_parts = found[index]
            spans = rule_parts.get(_PHRASES, []) + rule_parts.get(_PATTERNS, [])
            for k, near in enumerate(rule.near):
                a, b = rule_parts.get(2 * k), rule_parts.get(2 * k + 1)
                if a and b:
                    ends = () if near.across_sentences else sentence_ends
                    spans.extend(_near(a, b, near.within, ends))
            spans = _in_scope(spans, rule.scope, subject_end)
            if not spans:
                continue
            rule_cues = cues.get(_DEFAULT_CUES if rule.negations is None else index, [])
            # A rule with `negations = []` opts out of background cues too.
            background = (
                cues.get(_BACKGROUND_CUES, [])
                if rule.label in self.background.labels and rule.negations != ()
                else []
            )
            spared = self.background.spares.get(rule.label)
            if spared and background:
                background = [span for span in background if cue_keys[span] not in spared]
            overlaps = excepted.get(index)
            if overlaps:
                spans = [
                    (start, end)
                    for start, end in spans
                    if not any(o_start < end and start < o_end for o_start, o_end in overlaps)
                ]
            result = RuleMatch()
            for start, end in sorted(set(spans))[:MAX_HITS_PER_RULE]:
                cue = _negated_by(doc, start, rule_cues, self.window) if rule_cues else ""
                if background and not cue:
                    cue, gap = _background_of(doc, start, end, background)
                    settled = (
                        0 <= gap <= SETTLED_GAP
                        and start >= subject_end
                        and cue_key(cue) in self.background.settled
                    )
                    if settled and start < background_at.get(rule.label, (len(doc), ""))[0]:
                        background_at[rule.label] = (start, cue)
                # Only the first few hits (and negated hits) are ever shown; the rest keep
                # their position only.
                kept = result.negated if cue else result.hits
                text = _tokens_of(words, spaces, start, end) if len(kept) < SHOWN_HITS else ""
                kept.append(Hit(start, end, text, cue))
            if result.hits or result.negated:
                matches[rule.name] = result
                labels_of[rule.name] = rule.label
        if background_at:
            _keep_in_background(doc, matches, labels_of, background_at, subject_end)
        if cues.get(_BACK_REFERENCES) and cues.get(_BACKGROUND_CUES):
            _look_back(doc, words, matches, labels_of, self.background, cues, max(subject_end, 0))
        if cues.get(_CLAIMS):
            _claim_back(words, matches, self.background, cues[_CLAIMS], max(subject_end, 0))
        return Scored(
            matches=matches,
            subject_end=subject_end,
            length=len(doc),
            doc=doc,
            main_cues=tuple(cues.get(_MAIN_CUES, ())),
            later_cues=tuple(cues.get(_LATER_CUES, ())),
            ask_cues=tuple(cues.get(_ASK_CUES, ())),
        )


def _in_scope(spans: list[tuple[int, int]], scope: str, subject_end: int) -> list[tuple[int, int]]:
    if scope == "subject":
        return [s for s in spans if s[1] <= subject_end]
    if scope == "body":
        return [s for s in spans if s[0] >= subject_end]
    return spans


def _near(
    a: list[tuple[int, int]],
    b: list[tuple[int, int]],
    within: int,
    sentence_ends: Sequence[int] = (),
) -> list[tuple[int, int]]:
    """Spans covering an `a` and a `b` match at most `within` tokens apart, in either order,
    in one sentence (`sentence_ends`: sorted positions of sentence-ending tokens)."""
    out = []
    for a_start, a_end in a:
        for b_start, b_end in b:
            if a_end <= b_start:
                gap = b_start - a_end
            elif b_end <= a_start:
                gap = a_start - b_end
            else:
                continue  # overlapping spans are one phrase, not two concepts
            start, end = min(a_start, b_start), max(a_end, b_end)
            if gap <= within and not _crosses(sentence_ends, start, end):
                out.append((start, end))
    return out


def _crosses(sentence_ends: Sequence[int], start: int, end: int) -> bool:
    """True when a sentence ends inside the span [start, end)."""
    i = bisect.bisect_left(sentence_ends, start)
    return i < len(sentence_ends) and sentence_ends[i] < end


def _is_boundary(token: Token) -> bool:
    return (
        token.text in _BOUNDARY_PUNCT
        or token.lower_ in _BOUNDARY_WORDS
        or (token.is_space and token.text.count("\n") >= 2)
    )


def _background_of(doc: Doc, start: int, end: int, cues: list[tuple[int, int]]) -> tuple[str, int]:
    """A background cue in the same clause as the hit, before or after it, and the tokens
    between them (-1 when the cue is part of the hit), or ('', -1)."""
    for cue_start, cue_end in cues:
        if cue_end <= start:
            between = range(cue_end, start)
        elif cue_start >= end:
            if _asked_before(doc, start):
                continue  # "we want CIT, and we read about LAPD's unit": asked for first
            between = range(end, cue_start)
        else:
            # The cue is part of the hit ("our CIT officers"): background unless the clause
            # asks for it before ("we want more CIT-trained officers") or the hit names a plan
            # ("our co-responder planning group").
            planned = end < len(doc) and doc[end].lower_ in _PLANNED
            if not planned and not _asked_before(doc, min(cue_start, start)):
                return doc[cue_start:cue_end].text, -1
            continue
        if len(between) > BACKGROUND_REACH:
            continue
        if not any(_is_boundary(doc[i]) or doc[i].lower_ in _NEED_WORDS for i in between):
            return doc[cue_start:cue_end].text, len(between)
    return "", -1


def _keep_in_background(
    doc: Doc,
    matches: dict[str, RuleMatch],
    labels_of: dict[str, str],
    background_at: dict[str, tuple[int, str]],
    subject_end: int,
) -> None:
    """Once a need is told as what the agency has, later bare mentions are background too.

    "We've had CIT since 2015 ... whoever is closest gets sent, CIT or not": the second CIT
    asks for nothing. A mention with a need word before it in its clause is a need again.
    """
    for name, match in matches.items():
        first = background_at.get(labels_of[name])
        if first is None:
            continue
        start_at, cue = first
        _set_aside(match, cue, doc, max(start_at + 1, subject_end), len(doc))


def _look_back(
    doc: Doc,
    words: list[str],
    matches: dict[str, RuleMatch],
    labels_of: dict[str, str],
    background: Background,
    cues: Mapping[int, list[tuple[int, int]]],
    subject_end: int,
) -> None:
    """ "Both of those programs are in decent shape, so I am not asking about either of them":
    a sentence with a background cue and a back reference sets aside the needs its paragraph
    described before it, unless their own clause asked for them."""
    for ref_start, _ in cues[_BACK_REFERENCES]:
        sentence_start = back_to(words, ref_start, _SENTENCE_END, subject_end)
        sentence_end = forward_to(words, ref_start, _SENTENCE_END)
        cue = next(
            (
                doc[start:end].text
                for start, end in cues[_BACKGROUND_CUES]
                if sentence_start <= start < sentence_end
            ),
            "",
        )
        if not cue:
            continue
        paragraph_start = back_to(words, sentence_start, {PARAGRAPH}, subject_end)
        for name, match in matches.items():
            if labels_of[name] in background.labels:
                _set_aside(match, cue, doc, paragraph_start, sentence_start)


def _claim_back(
    words: list[str],
    matches: dict[str, RuleMatch],
    background: Background,
    claims: list[tuple[int, int]],
    subject_end: int,
) -> None:
    """ "I heard some places give deputies a tablet so a counselor can video in. That's what
    I'm interested in": a claim takes back what the sentence before it set aside as heard-of."""
    for claim_start, _ in claims:
        sentence_start = back_to(words, claim_start, _SENTENCE_END, subject_end)
        previous_start = back_to(
            words, max(sentence_start - 1, subject_end), _SENTENCE_END, subject_end
        )
        for match in matches.values():
            restored = [
                hit
                for hit in match.negated
                if previous_start <= hit.start < claim_start
                and cue_key(hit.negated_by) in background.cue_keys
            ]
            if restored:
                match.negated = [hit for hit in match.negated if hit not in restored]
                match.hits = sorted(
                    [*match.hits, *(replace(hit, negated_by="") for hit in restored)],
                    key=lambda hit: hit.start,
                )


def back_to(words: Sequence[str], position: int, stops: Collection[str], floor: int) -> int:
    """The start of the stretch holding `position`: just after the nearest stop word before
    it (a sentence end, a paragraph), or `floor`."""
    while position > floor and words[position - 1] not in stops:
        position -= 1
    return position


def forward_to(words: Sequence[str], position: int, stops: Collection[str]) -> int:
    """The end of the stretch holding `position`: the next stop word, or the end."""
    while position < len(words) and words[position] not in stops:
        position += 1
    return position


def _set_aside(match: RuleMatch, cue: str, doc: Doc, start: int, end: int) -> None:
    """Move the hits in [start, end) that their own clause did not ask for to the negated ones,
    marked with the cue that set them aside."""
    kept = []
    for hit in match.hits:
        if start <= hit.start < end and not _asked_before(doc, hit.start):
            match.negated.append(replace(hit, negated_by=cue))
        else:
            kept.append(hit)
    match.hits = kept


def _asked_before(doc: Doc, position: int) -> bool:
    """A need word earlier in the same clause, at most BACKGROUND_REACH tokens back."""
    for i in range(position - 1, max(position - BACKGROUND_REACH, 0) - 1, -1):
        if _is_boundary(doc[i]):
            return False
        if doc[i].lower_ in _NEED_WORDS:
            return True
    return False


def _negated_by(doc: Doc, start: int, cues: list[tuple[int, int]], window: int) -> str:
    """The negation cue ending just before `start` in the same clause, or ''."""
    for cue_start, cue_end in cues:
        close = cue_end <= start and start - cue_end <= window
        if close and not any(_is_boundary(doc[i]) for i in range(cue_end, start)):
            return doc[cue_start:cue_end].text
    return ""
