"""Understanding an email: its kind, the requester, the needs, and the sites to suggest.

Pure functions over parsed email: nothing here reads mail, the database or the network.
"""

from classify.analyze import analyze, decide_kind
from classify.errors import ClassifyError, RuleError, SiteDirectoryError
from classify.rules import RuleSet, load_rules, parse_rules, rules_changed
from classify.sites import (
    RankingWeights,
    Site,
    SiteDirectory,
    load_sites,
    rank_sites,
    sites_changed,
)
from classify.types import (
    Analysis,
    EmailLike,
    KindVerdict,
    LabelScore,
    Requester,
    RuleResult,
    Suggestion,
)

__all__ = [
    "RankingWeights",
    "RuleSet",
    "Site",
    "SiteDirectory",
    "analyze",
    "decide_kind",
    "load_rules",
    "parse_rules",
    "rules_changed",
    "sites_changed",
    "load_sites",
    "rank_sites",
    "Analysis",
    "ClassifyError",
    "EmailLike",
    "KindVerdict",
    "LabelScore",
    "Requester",
    "RuleError",
    "RuleResult",
    "SiteDirectoryError",
    "Suggestion",
]
