"""Where an email asks for something, and where it marks its main ask or one for later."""

from __future__ import annotations

import bisect
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


_BULLETS = {"-", "*", "\u2022"}
# An item of a list that runs on over several paragraphs starts like this.
_LIST_ITEM_STARTS = _BULLETS | {"first", "second", "third", "also", "finally", "and", "or"}


def _sentences(words: list[str], start: int) -> list[tuple[int, int]]:
    sentences = []
    for end, word in enumerate(words[start:], start):
        if word in _SENTENCE_END or word == ":":
            sentences.append((start, end + 1))
            start = end + 1
    if start < len(words):
        sentences.append((start, len(words)))
    return sentences


def _is_item(words: list[str], start: int) -> bool:
    while start < len(words) and words[start] == PARAGRAPH:
        start += 1
    first = words[start] if start < len(words) else ""
    following = words[start + 1] if start + 1 < len(words) else ""
    return first in _BULLETS or (first.isdigit() and following in (")", "."))


def asked_regions(scored: Scored) -> tuple[tuple[int, int], ...]:
    """Token ranges [start, end) of the body's sentences that ask for something.

    A sentence asks when it holds an [priority] ask cue ("we would like", "could you", "how")
    or ends in a question mark. A list that an asking sentence introduces with a colon asks
    too, item by item, also when its items are paragraphs of their own ("Specifically we hope
    to: / * ride along ... / * learn how ..."). Everything else is context: what the agency
    has, what happened, who they are.
    """
    if scored.doc is None:
        return ()
    words = [token.text for token in scored.doc]
    cues = sorted(start for start, _ in scored.ask_cues if start >= scored.subject_end)
    regions: list[tuple[int, int]] = []
    in_list = asked_before = False
    for start, end in _sentences(words, scored.subject_end):
        first_cue = bisect.bisect_left(cues, start)
        asks = words[end - 1] == "?" or (first_cue < len(cues) and cues[first_cue] < end)
        # "There are two things we need help with. ... 1) Setting up the position": a numbered
        # or bulleted item after the email has asked for something is one of the asks
        item = _is_item(words, start)
        asked_before = asked_before or asks
        if asks or in_list or (item and asked_before):
            regions.append((start, end))
        if asks and words[end - 1] == ":":
            in_list = True
        elif words[end - 1] == PARAGRAPH and end - start > 1:
            following = words[end].lower() if end < len(words) else ""
            in_list = in_list and (following in _LIST_ITEM_STARTS or following.isdigit())
    return tuple(regions)
