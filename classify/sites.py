"""The learning-site directory (sites.toml, validated) and the ranking of sites for a request."""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from classify.errors import SiteDirectoryError
from classify.geo import Gazetteer, Place, default_gazetteer, distance_miles
from classify.types import AGENCY_TYPES, SPECIALIZATIONS, TA_TYPES, TOPICS, Analysis, Suggestion

SETTINGS = ("urban", "suburban", "rural", "campus")
MAX_FILE_BYTES = 2 * 1024 * 1024
SITE_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")  # store keeps site ids in String(40)

# What staff call each need in a one-line reason.
NEED_NAMES = {
    "cit": "CIT",
    "co_responder": "co-response",
    "follow_up": "follow-up teams",
    "mobile_crisis": "mobile crisis",
    "dispatch": "911 call triage",
    "embedded_clinician": "embedded clinicians",
    "mh_liaison": "liaison officers",
    "data": "data collection",
    "homelessness": "homeless outreach",
    "info_sharing": "information sharing",
    "campus": "campus policing",
    "rural": "rural and small agencies",
    "jail_diversion": "jail diversion",
    "substance_use": "substance use",
    "funding": "funding",
}
SIZE_WORDS = {"small": "a small department", "mid": "a mid-size city", "large": "a large city"}


def size_class(population: int) -> str:
    """small / mid / large by population served; '' when unknown."""
    if population <= 0:
        return ""
    if population < 100_000:
        return "small"
    return "mid" if population < 1_000_000 else "large"


@dataclass(frozen=True)
class Site:
    """One learning site as the directory describes it."""

    id: str
    name: str
    specializations: Mapping[str, float] = field(default_factory=dict)  # label -> strength 0..1
    active: bool = True
    aliases: tuple[str, ...] = ()
    topics: Mapping[str, float] = field(default_factory=dict)
    reasons: Mapping[str, str] = field(default_factory=dict)  # label -> what the site does
    agency_type: str = "police"
    setting: str = "urban"
    city: str = ""
    state: str = ""
    lat: float | None = None
    lon: float | None = None
    sworn_officers: int = 0
    population_served: int = 0
    summary: str = ""
    programs: tuple[str, ...] = ()
    ta_offered: tuple[str, ...] = TA_TYPES
    capacity: str = ""
    short_names: tuple[str, ...] = ()  # ambiguous alone ("Portland"); aliases are not
    line: int = 0  # where the entry starts in the file, for messages

    @property
    def size(self) -> str:
        return size_class(self.population_served)

    def strength(self, label: str) -> float:
        """How well the site teaches a specialization or topic (0 when it does not)."""
        return self.specializations.get(label, self.topics.get(label, 0.0))

    def reason_for(self, label: str) -> str:
        return self.reasons.get(label) or f"teaches {NEED_NAMES.get(label, label)}"


@dataclass(frozen=True)
class SiteDirectory:
    """All learning sites, in file order, plus any problems found while loading."""

    sites: tuple[Site, ...]
    problems: tuple[str, ...] = ()
    path: str = ""
    version: str = ""  # hash of the file, to tell which directory ranked a request

    def get(self, site_id: str) -> Site | None:
        return next((site for site in self.sites if site.id == site_id), None)

    @property
    def active(self) -> tuple[Site, ...]:
        return tuple(site for site in self.sites if site.active)


# -- loading and validation ----------------------------------------------------------------


class _Lines:
    """Finds the line of a site entry or of one of its keys, for problem messages."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.starts = [
            n
            for n, line in enumerate(self.lines, start=1)
            if re.match(r"\s*\[\[\s*site\s*\]\]", line)
        ]

    def entry(self, index: int) -> tuple[int, int]:
        if index >= len(self.starts):
            return (1, len(self.lines) + 1)
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.lines) + 1
        return self.starts[index], end

    def of(self, index: int, key: str = "", table: str = "") -> int:
        start, end = self.entry(index)
        if not key and not table:
            return start
        first = start
        if table:
            header = re.compile(rf"\s*\[\s*site\.{re.escape(table)}\s*\]|\s*{re.escape(table)}\s*=")
            first = next((n for n in range(start, end) if header.match(self.lines[n - 1])), start)
            if not key:
                return first
        pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
        return next((n for n in range(first, end) if pattern.match(self.lines[n - 1])), first)


class _EntryReader:
    """Reads one [[site]] table, noting each problem with its line and ignoring the bad value."""

    KNOWN = {
        "id",
        "name",
        "agency_type",
        "setting",
        "city",
        "state",
        "lat",
        "lon",
        "sworn_officers",
        "population_served",
        "summary",
        "programs",
        "ta_offered",
        "active",
        "capacity",
        "aliases",
        "short_names",
        "specializations",
        "topics",
    }

    def __init__(self, file: str, lines: _Lines, index: int, data: dict[str, Any]) -> None:
        self.file, self.lines, self.index, self.data = file, lines, index, data
        raw_id = data.get("id")
        self.label = (
            f"site '{raw_id}'" if isinstance(raw_id, str) and raw_id else f"site #{index + 1}"
        )
        self.problems: list[str] = []

    def problem(self, what: str, key: str = "", table: str = "") -> None:
        line = self.lines.of(self.index, key, table)
        self.problems.append(f"{self.file}:{line}: {self.label}: {what}")

    def text(self, key: str, default: str = "", *, limit: int = 2000) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            self.problem(f"{key} must be text, not {type(value).__name__}", key)
            return default
        if len(value) > limit:
            self.problem(f"{key} is longer than {limit} characters; cut short", key)
        return value.strip()[:limit]

    def choice(self, key: str, choices: Sequence[str], default: str) -> str:
        value = self.text(key, default)
        if value not in choices:
            self.problem(f"{key} must be one of {', '.join(choices)}, not {value!r}", key)
            return default
        return value

    def number(self, key: str, low: float, high: float) -> float | None:
        if key not in self.data:
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(f"{key} must be a number, not {type(value).__name__}", key)
            return None
        if not low <= value <= high:
            self.problem(f"{key} must be between {low:g} and {high:g}, not {value}", key)
            return None
        return float(value)

    def count(self, key: str) -> int:
        value = self.data.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.problem(f"{key} must be a whole number of 0 or more, not {value!r}", key)
            return 0
        return value

    def texts(self, key: str, *, limit: int = 300) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.problem(f"{key} must be a list of text", key)
            return ()
        out = []
        for item in value:
            if not isinstance(item, str) or not item.strip():
                self.problem(f"{key}: {item!r} is not text; ignored", key)
            elif len(item) > limit:
                self.problem(f"{key}: an entry is longer than {limit} characters; ignored", key)
            else:
                out.append(item.strip())
        return tuple(dict.fromkeys(out))

    def strengths(
        self, table: str, known: Sequence[str], other: Sequence[str], other_table: str
    ) -> tuple[dict[str, float], dict[str, str]]:
        value = self.data.get(table, {})
        if not isinstance(value, dict):
            self.problem(f"[site.{table}] must be a table of label = strength", table=table)
            return {}, {}
        strengths: dict[str, float] = {}
        reasons: dict[str, str] = {}
        for label, entry in value.items():
            where = {"key": label, "table": table}
            if label not in known:
                if label in other:
                    self.problem(
                        f"'{label}' is a {other_table[:-1]}: put it under [site.{other_table}]",
                        **where,
                    )
                else:
                    self.problem(
                        f"unknown {table[:-1]} '{label}' (known: {', '.join(known)})", **where
                    )
                continue
            reason = ""
            if isinstance(entry, dict):
                extra = sorted(set(entry) - {"strength", "reason"})
                if extra:
                    self.problem(
                        f"{label}: unknown key '{extra[0]}' (use strength and reason)", **where
                    )
                reason_value = entry.get("reason", "")
                if not isinstance(reason_value, str) or len(reason_value) > 200:
                    self.problem(f"{label}: reason must be text of at most 200 characters", **where)
                else:
                    reason = reason_value.strip()
                entry = entry.get("strength")
            if isinstance(entry, bool) or not isinstance(entry, int | float) or not 0 <= entry <= 1:
                self.problem(
                    f"{label}: strength must be a number from 0 to 1, not {entry!r}", **where
                )
                continue
            if entry > 0:
                strengths[label] = float(entry)
                if reason:
                    reasons[label] = reason
        return strengths, reasons

    def read(self) -> Site | None:
        site_id = self.data.get("id")
        if not isinstance(site_id, str) or not SITE_ID.match(site_id):
            self.problem(
                f"id must be lower-case letters, digits and _ (2-40 characters), not {site_id!r}; "
                "site skipped",
                "id",
            )
            return None
        name = self.text("name", limit=200)
        if not name:
            self.problem("no name; site skipped", "name")
            return None
        for key in sorted(set(self.data) - self.KNOWN):
            self.problem(f"unknown key '{key}' (misspelt?)", key)
        specializations, spec_reasons = self.strengths(
            "specializations", SPECIALIZATIONS, TOPICS, "topics"
        )
        topics, topic_reasons = self.strengths("topics", TOPICS, SPECIALIZATIONS, "specializations")
        if not specializations:
            self.problem(
                "teaches no specialization, so it can never be suggested", table="specializations"
            )
        lat, lon = self.number("lat", -90, 90), self.number("lon", -180, 180)
        if lat is None or lon is None:
            self.problem("lat and lon are needed to weigh distance for visits", "lat")
            lat = lon = None
        ta = self.texts("ta_offered") if "ta_offered" in self.data else TA_TYPES
        for bad in [t for t in ta if t not in TA_TYPES]:
            self.problem(
                f"ta_offered: unknown kind '{bad}' (known: {', '.join(TA_TYPES)})", "ta_offered"
            )
        active = self.data.get("active", True)
        if not isinstance(active, bool):
            self.problem(f"active must be true or false, not {active!r}; taken as false", "active")
            active = False
        aliases = self.texts("aliases", limit=80)
        for alias in aliases:
            if len(alias) < 3:
                self.problem(f"alias '{alias}' is too short to be unambiguous; ignored", "aliases")
        return Site(
            id=site_id,
            name=name,
            specializations=specializations,
            topics=topics,
            reasons={**topic_reasons, **spec_reasons},
            active=active,
            aliases=tuple(a for a in aliases if len(a) >= 3),
            short_names=self.texts("short_names", limit=80),
            agency_type=self.choice("agency_type", AGENCY_TYPES, "police"),
            setting=self.choice("setting", SETTINGS, "urban"),
            city=self.text("city", limit=120),
            state=self.text("state", limit=40),
            lat=lat,
            lon=lon,
            sworn_officers=self.count("sworn_officers"),
            population_served=self.count("population_served"),
            summary=self.text("summary"),
            programs=self.texts("programs"),
            ta_offered=tuple(t for t in TA_TYPES if t in ta),
            capacity=self.text("capacity", limit=300),
            line=self.lines.of(self.index),
        )


def parse_sites(text: str, file: str = "sites.toml") -> SiteDirectory:
    """Validate a site directory's text; a bad entry or field is a problem line, not an error."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SiteDirectoryError(f"{file}: not valid TOML: {exc}") from exc
    lines = _Lines(text)
    problems: list[str] = []
    for key in doc:
        if key != "site":
            problems.append(f"{file}:1: unknown top-level key '{key}' (sites are [[site]] tables)")
    entries = doc.get("site", [])
    if not isinstance(entries, list):
        raise SiteDirectoryError(f"{file}: 'site' must be [[site]] tables")
    sites: list[Site] = []
    alias_owner: dict[str, tuple[str, str]] = {}  # folded alias -> (alias, site id)
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f"{file}:{lines.of(index)}: site #{index + 1}: not a table; skipped")
            continue
        reader = _EntryReader(file, lines, index, entry)
        if any(s.id == entry.get("id") for s in sites):
            reader.problem(f"id '{entry['id']}' is used twice; this entry is skipped", "id")
            problems.extend(reader.problems)
            continue
        site = reader.read()
        if site is not None:
            kept = []
            for alias in site.aliases:
                folded = alias.casefold()
                owner = alias_owner.get(folded, (alias, site.id))[1]
                # An alias inside another site's alias would claim mail about that site too.
                overlap = next(
                    (
                        (other, other_site)
                        for key, (other, other_site) in alias_owner.items()
                        if other_site != site.id and (folded in key or key in folded)
                    ),
                    None,
                )
                if owner != site.id:
                    reader.problem(
                        f"alias '{alias}' already names site '{owner}'; ignored", "aliases"
                    )
                elif overlap is not None:
                    reader.problem(
                        f"alias '{alias}' overlaps alias '{overlap[0]}' of site '{overlap[1]}'; "
                        "ignored",
                        "aliases",
                    )
                else:
                    alias_owner[folded] = (alias, site.id)
                    kept.append(alias)
            site = _replace_aliases(site, tuple(kept))
            sites.append(site)
        problems.extend(reader.problems)
    if not sites:
        raise SiteDirectoryError(
            f"{file}: no usable [[site]] entries" + (f" ({problems[0]})" if problems else "")
        )
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return SiteDirectory(sites=tuple(sites), problems=tuple(problems), path=file, version=version)


def sites_changed(directory: SiteDirectory) -> bool:
    """True when the file behind `directory` now holds different text than was loaded."""
    if not directory.path:
        return False
    try:
        text = Path(directory.path).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return True
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] != directory.version


def _replace_aliases(site: Site, aliases: tuple[str, ...]) -> Site:
    return site if aliases == site.aliases else replace(site, aliases=aliases)


def load_sites(path: Path) -> SiteDirectory:
    """Load and validate the site directory file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SiteDirectoryError(
            f"{path}: cannot read site directory: {exc.strerror or exc}"
        ) from exc
    if len(data) > MAX_FILE_BYTES:
        raise SiteDirectoryError(
            f"{path}: larger than {MAX_FILE_BYTES} bytes; not a site directory"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SiteDirectoryError(f"{path}: not UTF-8 text: {exc}") from exc
    directory = parse_sites(text, path.name)
    return SiteDirectory(
        sites=directory.sites,
        problems=directory.problems,
        path=str(path),
        version=directory.version,
    )


# -- ranking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingWeights:
    """How much each consideration counts when ranking sites (from config.toml [ranking]).

    A site's score is the sum of the weighted parts below, each part between 0 and 1
    before weighting, minus the load penalty.
    """

    primary: float = 3.0  # the site's strength in the request's primary specialization
    secondary: float = 1.0  # its mean strength over the request's other specializations
    topic: float = 0.6  # its mean strength over the request's topics (rural, campus, data, ...)
    similarity: float = 1.0  # how alike the agencies are (campus, sheriff/rural, size)
    distance: float = 1.0  # nearness to the requester, only when a site visit is wanted
    distance_scale_miles: float = 300.0  # at this distance nearness counts half
    load_penalty: float = 0.15  # times log2(1 + suggestions of the site in the last 30 days)
    max_suggestions: int = 3  # how many sites to suggest


@dataclass(frozen=True)
class _Requester:
    """What ranking knows about who is asking: the signals of likeness and their place."""

    campus: bool
    sheriff: bool
    rural: bool
    size: str
    place: Place | None
    wants_visit: bool


def _requester_profile(analysis: Analysis, places: Gazetteer | None) -> _Requester:
    who = analysis.requester
    place = None
    if who.city or who.state:
        place = (places or default_gazetteer()).locate(who.city, who.state)
    city_size = size_class(place.population) if place and place.precision == "city" else ""
    return _Requester(
        campus=who.agency_type == "campus" or "campus" in analysis.topics,
        sheriff=who.agency_type == "sheriff",
        rural="rural" in analysis.topics,
        # A college town's size says nothing about its campus police; a rural agency is small.
        size="small" if "rural" in analysis.topics else city_size,
        place=place,
        wants_visit="site_visit" in analysis.ta_types,
    )


def _similarity(requester: _Requester, site: Site) -> tuple[float, str]:
    """How alike the requesting agency and the site are (0..1), and the one phrase that says so."""
    if requester.campus:
        return (1.0, "also a campus agency") if site.setting == "campus" else (0.0, "")
    if site.setting == "campus":
        return 0.0, ""
    value = 0.0
    words: list[str] = []
    if requester.sheriff and site.agency_type == "sheriff":
        value += 0.7
        words.append("also a sheriff's office")
    if (requester.rural or requester.sheriff) and site.setting == "rural":
        value += 0.5
        words.append("in a largely rural county" if words else "serves a largely rural county")
    elif requester.rural and site.topics.get("rural", 0) > 0:
        value += 0.5 * site.topics["rural"]
    if requester.size and requester.size == site.size:
        value += 0.4
        if not words:
            words.append(f"also {SIZE_WORDS[requester.size]}")
    return min(value, 1.0), " ".join(words)


def _distance_words(miles: float, place: Place) -> str:
    if place.precision == "state":
        return f"about {round(miles, -1):.0f} miles from the middle of {place.label}"
    if miles < 10:
        return "in the requester's area"
    rounded = round(miles / 5) * 5 if miles < 100 else round(miles, -1)
    return f"about {rounded:.0f} miles away"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def rank_sites(
    analysis: Analysis,
    directory: SiteDirectory,
    weights: RankingWeights,
    recent_load: Mapping[str, int],
    *,
    places: Gazetteer | None = None,
) -> tuple[Suggestion, ...]:
    """Rank the active sites for a request, best first, each with short reasons.

    A site must teach at least one requested specialization (when any is known) and give
    at least one requested kind of TA (when any is stated). `places` resolves the
    requester's city; by default the bundled gazetteer, loaded on first use.
    """
    needs = [s for s in dict.fromkeys(analysis.specializations) if s in SPECIALIZATIONS]
    primary, secondary = (needs[0], needs[1:]) if needs else ("", [])
    topics = [t for t in dict.fromkeys(analysis.topics) if t in TOPICS]
    requester = _requester_profile(analysis, places)
    contacted = set(analysis.contacted_sites)
    scored: list[tuple[float, Site, tuple[str, ...], dict[str, float]]] = []
    for site in directory.sites:
        if not site.active:
            continue
        if needs and not any(site.specializations.get(n, 0) > 0 for n in needs):
            continue
        if analysis.ta_types and not set(analysis.ta_types) & set(site.ta_offered):
            continue
        parts: dict[str, float] = {}
        reasons: list[str] = []
        if primary:
            strength = site.specializations.get(primary, 0.0)
            parts["primary"] = weights.primary * strength
            if strength > 0:
                reasons.append(site.reason_for(primary))
            else:
                reasons.append(f"no {NEED_NAMES[primary]} program, but teaches other needs")
        if secondary:
            taught = [n for n in secondary if site.specializations.get(n, 0) > 0]
            parts["secondary"] = (
                weights.secondary
                * sum(site.specializations.get(n, 0.0) for n in secondary)
                / len(secondary)
            )
            if taught and site.specializations.get(primary, 0.0) > 0:
                reasons.append("also teaches " + _join(NEED_NAMES[n] for n in taught))
            elif taught:
                reasons.append(site.reason_for(taught[0]))
        if topics:
            parts["topic"] = (
                weights.topic * sum(site.topics.get(t, 0.0) for t in topics) / len(topics)
            )
            best = max(topics, key=lambda t: site.topics.get(t, 0.0))
            if site.topics.get(best, 0.0) >= 0.5:
                reasons.append(site.reason_for(best))
        likeness, like_reason = _similarity(requester, site)
        parts["similarity"] = weights.similarity * likeness
        visit = requester.wants_visit and "site_visit" in site.ta_offered
        place = requester.place if visit else None
        if place and site.lat is not None and site.lon is not None:
            miles = distance_miles(place.lat, place.lon, site.lat, site.lon)
            scale = weights.distance_scale_miles
            nearness = 1.0 / (1.0 + miles / scale) if scale > 0 else 0.0
            parts["distance"] = weights.distance * nearness
            reasons.append(_distance_words(miles, place))
        if like_reason:
            reasons.append(like_reason)
        if site.id in contacted:
            reasons.append("the sender mentions this site already")
        load = max(0, int(recent_load.get(site.id, 0)))
        if load:
            parts["load"] = -weights.load_penalty * math.log2(1 + load)
            reasons.append(f"suggested {_plural(load, 'time')} in the last 30 days")
        evidence = sum(v for k, v in parts.items() if k != "load")
        if evidence <= 0:
            continue
        scored.append((sum(parts.values()), site, tuple(reasons), parts))
    # The primary need decides the tier: a site that runs it always comes before one that
    # does not, however near or alike the other is; the weights order sites within a tier.
    scored.sort(key=lambda item: (-(item[3].get("primary", 0.0) > 0), -item[0], item[1].id))
    return tuple(
        Suggestion(
            site_id=site.id,
            rank=rank,
            score=round(score, 3),
            reasons=reasons,
            components={k: round(v, 3) for k, v in parts.items()},
        )
        for rank, (score, site, reasons, parts) in enumerate(
            scored[: max(0, weights.max_suggestions)], start=1
        )
    )


def _join(words: Iterable[str]) -> str:
    items = list(words)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
