"""Agencies named in running text, found by a spaCy EntityRuler (ORG) over the fast tokenizer."""

from __future__ import annotations

import threading
from functools import lru_cache

import spacy
from spacy.language import Language

from classify.engine import FastTokenizer

MAX_TEXT_CHARS = 1_500  # the writer introduces their agency in the opening lines

_NAME = {"IS_TITLE": True, "OP": "+"}  # "Brazos County", "Eau Claire"
_PATTERNS = [
    [_NAME, {"LOWER": "police"}, {"LOWER": {"IN": ["department", "service", "bureau"]}}],
    [_NAME, {"LOWER": "division"}, {"LOWER": "of"}, {"LOWER": "police"}],
    [_NAME, {"LOWER": "sheriff"}, {"LOWER": "'s"}, {"LOWER": {"IN": ["office", "department"]}}],
    [_NAME, {"LOWER": {"IN": ["pd", "so"]}, "IS_UPPER": True}],
    # "Osage Falls KS PD": a state code between the town and the unit
    [_NAME, {"IS_UPPER": True, "LENGTH": 2}, {"LOWER": {"IN": ["pd", "so"]}, "IS_UPPER": True}],
    [_NAME, {"LOWER": "department"}, {"LOWER": "of"}, {"LOWER": "public"}, {"LOWER": "safety"}],
    [_NAME, {"LOWER": "public"}, {"LOWER": "safety"}, {"LOWER": "department"}],
    [
        _NAME,
        {"LOWER": {"IN": ["mental", "behavioral"]}},
        {"LOWER": "health"},
        {"LOWER": {"IN": ["center", "centre", "services", "network", "authority", "department"]}},
    ],
    [_NAME, {"LOWER": {"IN": ["mental", "behavioral"]}}, {"LOWER": "health"}],
    [_NAME, {"LOWER": "police"}],
    [_NAME, {"LOWER": "emergency"}, {"LOWER": "communications"}],
    [_NAME, {"LOWER": "crisis"}, {"LOWER": {"IN": ["center", "centre", "services"]}}],
    [_NAME, {"LOWER": "health"}, {"LOWER": "department"}],
    [_NAME, {"LOWER": {"IN": ["communications", "dispatch"]}}, {"LOWER": {"IN": ["center"]}}],
]
_FIRST_PERSON = {"i", "i'm", "my", "we", "we're", "our", "us"}
# "we spoke with their sergeant at the Tucson Police Department" names someone else's agency.
_ABOUT_OTHERS = {
    "spoke",
    "met",
    "talked",
    "visited",
    "contacted",
    "called",
    "emailed",
    "heard",
    "reached",
    "toured",
    "shadowed",
    "their",
    "they",
    "hosted",
    "unlike",
    "like",
    # "we would welcome an introduction to the Tucson Police Department's team", "Silver Bay PD
    # would probably go in on it with us"
    "introduction",
    "introduce",
    "connect",
    "probably",
    "partner",
    "partners",
    "neighboring",
}
_LEADING = {"the", "i", "we", "our", "my", "at", "here"}
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.tokenizer = FastTokenizer(nlp.vocab)
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": "ORG", "pattern": p} for p in _PATTERNS])  # type: ignore[attr-defined]
    return nlp


def own_agency(text: str) -> str:
    """The first agency named in a sentence written in the first person ('I work for ...')."""
    with _lock:  # spaCy pipelines are not documented as thread-safe
        doc = _pipeline()(text[:MAX_TEXT_CHARS])
    for entity in doc.ents:
        sentence_start = entity.start
        while sentence_start > 0 and doc[sentence_start - 1].text not in {".", "!", "?", "\n\n"}:
            sentence_start -= 1
        sentence_end = entity.end
        while sentence_end < len(doc) and doc[sentence_end].text not in {".", "!", "?", "\n\n"}:
            sentence_end += 1
        words_of_sentence = {token.lower_ for token in doc[sentence_start:sentence_end]}
        if words_of_sentence & _FIRST_PERSON and not words_of_sentence & _ABOUT_OTHERS:
            words = [token.text_with_ws for token in entity]
            while words and words[0].strip().lower() in _LEADING:
                words.pop(0)  # "The Brazos County ...", a capitalised "We" or "At"
            return "".join(words).strip()
    return ""
