"""The learning-site directory and the ranking of sites for a request (placeholder; issue 5)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from classify.errors import SiteDirectoryError
from classify.types import Analysis, Suggestion


@dataclass(frozen=True)
class Site:
    """One learning site as the directory describes it."""

    id: str
    name: str
    specializations: Mapping[str, float] = field(default_factory=dict)
    active: bool = True
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteDirectory:
    """All learning sites, in file order, plus any problems found while loading."""

    sites: tuple[Site, ...]
    problems: tuple[str, ...] = ()

    def get(self, site_id: str) -> Site | None:
        return next((site for site in self.sites if site.id == site_id), None)


@dataclass(frozen=True)
class RankingWeights:
    """How much each consideration counts when ranking sites (from config.toml [ranking])."""

    specialization: float = 1.0
    primary_bonus: float = 1.0
    topic: float = 0.3
    similarity: float = 0.5
    distance: float = 0.5
    load_penalty: float = 0.1
    max_suggestions: int = 3


def load_sites(path: Path) -> SiteDirectory:
    """Load and validate the site directory."""
    try:
        doc = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SiteDirectoryError(f"{path}: cannot load site directory: {exc}") from exc
    sites = tuple(
        Site(
            id=str(entry["id"]),
            name=str(entry.get("name", entry["id"])),
            specializations={str(k): float(v) for k, v in entry.get("teaches", {}).items()},
            active=bool(entry.get("active", True)),
            aliases=tuple(str(a) for a in entry.get("aliases", [])),
        )
        for entry in doc.get("site", [])
    )
    if not sites:
        raise SiteDirectoryError(f"{path}: no [[site]] entries")
    return SiteDirectory(sites=sites)


def rank_sites(
    analysis: Analysis,
    directory: SiteDirectory,
    weights: RankingWeights,
    recent_load: Mapping[str, int],
) -> tuple[Suggestion, ...]:
    """Rank active sites by how well they teach what the request needs."""
    scored: list[tuple[float, Site, list[str]]] = []
    for site in directory.sites:
        if not site.active:
            continue
        score = 0.0
        reasons: list[str] = []
        for position, need in enumerate(analysis.specializations):
            strength = site.specializations.get(need, 0.0)
            if strength:
                score += strength * weights.specialization
                if position == 0:
                    score += strength * weights.primary_bonus
                reasons.append(f"teaches {need.replace('_', ' ')}")
        score -= weights.load_penalty * recent_load.get(site.id, 0)
        if score > 0:
            scored.append((score, site, reasons))
    scored.sort(key=lambda item: (-item[0], item[1].id))
    return tuple(
        Suggestion(site_id=site.id, rank=rank, score=round(score, 3), reasons=tuple(reasons))
        for rank, (score, site, reasons) in enumerate(scored[: weights.max_suggestions], start=1)
    )
