"""Admin-tunable classification rules loaded from TOML (placeholder; see issue 4)."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from classify.errors import RuleError


@dataclass(frozen=True)
class RuleSet:
    """The rules in force: their version hash and any problems found while loading."""

    version: str
    path: str = ""
    problems: tuple[str, ...] = ()
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)


def load_rules(path: Path) -> RuleSet:
    """Load the rules file; a bad rule becomes a problem line, never an exception."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RuleError(f"{path}: cannot read rules: {exc.strerror}") from exc
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path}: not valid TOML: {exc}") from exc
    keywords: dict[str, tuple[str, ...]] = {}
    for rule in doc.get("rule", []):
        label = str(rule.get("label", ""))
        keywords[label] = keywords.get(label, ()) + tuple(str(p) for p in rule.get("phrases", []))
    return RuleSet(
        version=hashlib.sha256(data).hexdigest()[:16], path=str(path), keywords=keywords
    )
