"""Which learning sites an email names as contacted or wanted, from the directory's aliases."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from classify.extract import fold, normalize_state
from classify.sites import SiteDirectory

_STATE_AFTER = re.compile(
    r"^\s*(?:\(\s*(?P<paren>[A-Za-z .]{2,20})\s*\)|,\s*(?P<comma>[A-Z][A-Za-z]+(?: [A-Z][a-z]+)?)"
    r"|\s+in\s+(?P<inside>[A-Z][a-z]+(?: [A-Z][a-z]+)?))"
)
_COUNTY_AFTER = re.compile(r"^\s+(?:county|parish|borough)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Name:
    site_id: str
    strong: bool  # an alias; a short name is ambiguous on its own
    state: str
    text: str


class SiteNames:
    """Site names as spaCy phrase matchers over the rule engine's vocabulary (built once)."""

    def __init__(self, directory: SiteDirectory, nlp: Language) -> None:
        self.nlp = nlp
        # Aliases match in any case; short names as written ("UF" is not "uf").
        self.aliases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.short = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.names: dict[str, _Name] = {}
        self.own: dict[str, tuple[str, ...]] = {}
        self.folded = {
            site.id: (
                fold(site.name),
                tuple(fold(a) for a in getattr(site, "aliases", ()) if len(a) > 4),
            )
            for site in directory.sites
        }
        for site in directory.sites:
            state = str(getattr(site, "state", "") or "")
            for i, alias in enumerate(getattr(site, "aliases", ())):
                if alias.strip():
                    self._add(self.aliases, f"{site.id}|a{i}", _Name(site.id, True, state, alias))
            for i, short in enumerate(getattr(site, "short_names", ())):
                if short.strip():
                    self._add(self.short, f"{site.id}|s{i}", _Name(site.id, False, state, short))

    def _add(self, matcher: PhraseMatcher, key: str, name: _Name) -> None:
        self.nlp.vocab.strings.add(key)
        self.names[key] = name
        matcher.add(key, [self.nlp.make_doc(name.text)])

    def find(self, doc: Doc, exclude: Sequence[str] = ()) -> tuple[str, ...]:
        """Site ids named in the document, in order of first mention."""
        strings = self.nlp.vocab.strings
        found = [
            (start, end, self.names[strings[match_id]])
            for matcher in (self.aliases, self.short)
            for match_id, start, end in matcher(doc)
        ]
        found.sort(key=lambda item: (-(item[1] - item[0]), item[0]))
        taken: list[tuple[int, int]] = []
        kept: list[tuple[int, str]] = []
        for start, end, name in found:
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue  # "Madison" inside "Madison County Sheriff" belongs to the longer name
            after = doc[end : end + 8].text if end < len(doc) else ""
            after = (" " if end < len(doc) and doc[end - 1].whitespace_ else "") + after
            if not name.strong and _COUNTY_AFTER.match(after) and "county" not in name.text.lower():
                continue
            if _other_state(after, name.state):
                continue  # "Portland, Oregon" is not Portland (ME)
            taken.append((start, end))
            kept.append((start, name.site_id))
        excluded = set(exclude)
        ordered = [site for _, site in sorted(kept) if site not in excluded]
        return tuple(dict.fromkeys(ordered))


def _other_state(after: str, site_state: str) -> bool:
    if not site_state:
        return False
    match = _STATE_AFTER.match(after)
    if not match:
        return False
    raw = match.group("paren") or match.group("comma") or match.group("inside") or ""
    state = normalize_state(raw)
    return bool(state) and state != site_state.upper()


_cache: dict[tuple[int, int], tuple[SiteDirectory, Language, SiteNames]] = {}
_lock = threading.Lock()


def site_names(directory: SiteDirectory, nlp: Language) -> SiteNames:
    """The compiled names of a directory for one engine's vocabulary, cached."""
    key = (id(directory), id(nlp))
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] is directory and cached[1] is nlp:
            return cached[2]
        names = SiteNames(directory, nlp)
        # An engine that renewed its vocabulary leaves the old one here: let it go.
        for stale in [k for k in _cache if k[0] == key[0]]:
            del _cache[stale]
        if len(_cache) > 16:
            _cache.clear()
        _cache[key] = (directory, nlp, names)
        return names


def own_sites(names: SiteNames, agency: str) -> tuple[str, ...]:
    """Sites that are the requester's own agency (a site writing about itself contacted nobody)."""
    if not agency:
        return ()
    folded = fold(agency)
    cached = names.own.get(folded)
    if cached is None:
        cached = tuple(
            site_id
            for site_id, (name, aliases) in names.folded.items()
            if name == folded or any(alias in folded for alias in aliases)
        )
        if len(names.own) < 10_000:
            names.own[folded] = cached
    return cached
