"""Where an email marks its main ask ("our top priority is") or one for later ("down the road")."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from classify.engine import PARAGRAPH
from classify.types import Priority

# A main cue speaks for the words around it, before or after, in its paragraph:
# "1. Expand the officer/clinician teams. Our top priority is ...".
MAIN_REACH = 25
_SENTENCE_END = {".", "!", "?", ";", PARAGRAPH}
_MAIN, _LATER = "priority:main", "priority:later"


@dataclass(frozen=True)
class Marks:
    """Token ranges [start, end) the sender marks as the main ask, or as one for later."""

    main: tuple[tuple[int, int], ...] = ()
    later: tuple[tuple[int, int], ...] = ()

    def is_main(self, position: int) -> bool:
        return any(start <= position < end for start, end in self.main)

    def is_later(self, position: int) -> bool:
        return any(start <= position < end for start, end in self.later)


NO_MARKS = Marks()


class PriorityCues:
    """The [priority] cues of a rule set as one phrase matcher over the engine's vocabulary."""

    def __init__(self, priority: Priority, nlp: Language) -> None:
        self.matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        for key, cues in ((_MAIN, priority.main), (_LATER, priority.later)):
            docs = [nlp.make_doc(cue) for cue in cues if cue.strip()]
            if docs:
                self.matcher.add(key, docs)
        self.main_id = nlp.vocab.strings.add(_MAIN)

    def marks(self, doc: Doc, subject_end: int) -> Marks:
        """Main regions: a cue's paragraph, MAIN_REACH tokens either way. Later regions: from
        the start of a cue's sentence to the end of its paragraph ("Secondarily, we ... Down
        the road we would like ...")."""
        if not len(self.matcher):
            return NO_MARKS
        found = self.matcher(doc)
        if not found:
            return NO_MARKS
        words = [token.text for token in doc]
        main: list[tuple[int, int]] = []
        later: list[tuple[int, int]] = []
        for match_id, start, end in found:
            if start < subject_end:
                continue  # the subject marks nothing in the body
            paragraph_start = _back_to(words, start, {PARAGRAPH}, subject_end)
            paragraph_end = _forward_to(words, end, {PARAGRAPH})
            if match_id == self.main_id:
                main.append(
                    (max(paragraph_start, start - MAIN_REACH), min(paragraph_end, end + MAIN_REACH))
                )
            else:
                later.append((_back_to(words, start, _SENTENCE_END, subject_end), paragraph_end))
        return Marks(tuple(main), tuple(later))


def _back_to(words: list[str], position: int, stops: set[str], floor: int) -> int:
    while position > floor and words[position - 1] not in stops:
        position -= 1
    return position


def _forward_to(words: list[str], position: int, stops: set[str]) -> int:
    while position < len(words) and words[position] not in stops:
        position += 1
    return position


_cache: dict[tuple[int, int], tuple[Priority, Language, PriorityCues]] = {}
_lock = threading.Lock()


def priority_cues(priority: Priority, nlp: Language) -> PriorityCues:
    """The compiled cues of a rule set for one engine's vocabulary, cached."""
    key = (id(priority), id(nlp))
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] is priority and cached[1] is nlp:
            return cached[2]
        cues = PriorityCues(priority, nlp)
        if len(_cache) > 16:
            _cache.clear()
        _cache[key] = (priority, nlp, cues)
        return cues
