"""Where an email marks its main ask ("our top priority is") or one for later ("down the road")."""

from __future__ import annotations

from dataclasses import dataclass

from classify.engine import PARAGRAPH, Scored, back_to, forward_to

# A main cue speaks for the words around it, before or after, in its paragraph:
# "1. Expand the officer/clinician teams. Our top priority is ...".
MAIN_REACH = 25
_SENTENCE_END = {".", "!", "?", ";", PARAGRAPH}


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


def marks_of(scored: Scored) -> Marks:
    """Main regions: a main cue's paragraph, MAIN_REACH tokens either way. Later regions: from
    the start of a later cue's sentence to the end of its paragraph ("Secondarily, we ... Down
    the road we would like ..."). The subject marks nothing in the body."""
    main_cues = [(s, e) for s, e in scored.main_cues if s >= scored.subject_end]
    later_cues = [(s, e) for s, e in scored.later_cues if s >= scored.subject_end]
    if scored.doc is None or not (main_cues or later_cues):
        return NO_MARKS
    words = [token.text for token in scored.doc]
    floor = scored.subject_end
    main = []
    for start, end in main_cues:
        paragraph = (back_to(words, start, {PARAGRAPH}, floor), forward_to(words, end, {PARAGRAPH}))
        main.append((max(paragraph[0], start - MAIN_REACH), min(paragraph[1], end + MAIN_REACH)))
    later = [
        (back_to(words, start, _SENTENCE_END, floor), forward_to(words, end, {PARAGRAPH}))
        for start, end in later_cues
    ]
    return Marks(tuple(main), tuple(later))
