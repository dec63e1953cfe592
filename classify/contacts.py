"""Which learning sites an email names as contacted or wanted, from the directory's aliases."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

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
    pattern: re.Pattern[str]
    strong: bool  # an alias; a short name is ambiguous on its own
    state: str
    text: str


class SiteNames:
    """Compiled alias patterns for one directory (built once, reused for every email)."""

    def __init__(self, directory: SiteDirectory) -> None:
        names: list[_Name] = []
        for site in directory.sites:
            state = str(getattr(site, "state", "") or "")
            for alias in getattr(site, "aliases", ()):
                if alias.strip():
                    names.append(_Name(site.id, _compile(alias, ignore_case=True), True, state, alias))
            for short in getattr(site, "short_names", ()):
                if short.strip():
                    # Short names are matched as written: "UF" must not match "uf" inside words.
                    names.append(_Name(site.id, _compile(short, ignore_case=False), False, state, short))
        self.names = names

    def find(self, text: str, exclude: Sequence[str] = ()) -> tuple[str, ...]:
        """Site ids named in the text, in order of first mention."""
        found: list[tuple[int, int, _Name]] = []
        for name in self.names:
            for match in name.pattern.finditer(text):
                found.append((match.start(), match.end(), name))
        found.sort(key=lambda item: (-(item[1] - item[0]), item[0]))
        taken: list[tuple[int, int]] = []
        kept: list[tuple[int, str]] = []
        for start, end, name in found:
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue  # "Madison" inside "Madison County Sheriff" belongs to the longer name
            after = text[end : end + 40]
            if not name.strong and _COUNTY_AFTER.match(after) and "county" not in name.text.lower():
                continue
            if _other_state(after, name.state):
                continue  # "Portland, Oregon" is not Portland (ME)
            taken.append((start, end))
            kept.append((start, name.site_id))
        excluded = set(exclude)
        ordered = [site for _, site in sorted(kept) if site not in excluded]
        return tuple(dict.fromkeys(ordered))


def _compile(phrase: str, *, ignore_case: bool) -> re.Pattern[str]:
    words = [re.escape(w) for w in phrase.split()]
    body = r"\s+".join(words)
    prefix = r"(?<![\w])" if phrase[:1].isalnum() else ""
    suffix = r"(?![\w])" if phrase[-1:].isalnum() else ""
    return re.compile(prefix + body + suffix, re.IGNORECASE if ignore_case else 0)


def _other_state(after: str, site_state: str) -> bool:
    if not site_state:
        return False
    match = _STATE_AFTER.match(after)
    if not match:
        return False
    raw = match.group("paren") or match.group("comma") or match.group("inside") or ""
    state = normalize_state(raw)
    return bool(state) and state != site_state.upper()


_cache: dict[int, tuple[SiteDirectory, SiteNames]] = {}
_lock = threading.Lock()


def site_names(directory: SiteDirectory) -> SiteNames:
    """The compiled names of a directory, cached per directory object."""
    key = id(directory)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] is directory:
            return cached[1]
        names = SiteNames(directory)
        if len(_cache) > 16:
            _cache.clear()
        _cache[key] = (directory, names)
        return names


def own_sites(directory: SiteDirectory, agency: str) -> tuple[str, ...]:
    """Sites that are the requester's own agency (a site writing about itself contacted nobody)."""
    if not agency:
        return ()
    folded = fold(agency)
    return tuple(
        site.id
        for site in directory.sites
        if fold(site.name) == folded
        or any(fold(a) in folded for a in getattr(site, "aliases", ()) if len(a) > 4)
    )
