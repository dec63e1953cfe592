"""Shared pieces of the classification tests: the shipped rules and sites, and a runner."""

from __future__ import annotations

from pathlib import Path

import pytest

import classify
from ingest import parse_email
from tests.mail import make_email

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rules() -> classify.RuleSet:
    loaded = classify.load_rules(REPO / "rules.toml")
    assert loaded.problems == ()
    return loaded


@pytest.fixture(scope="module")
def sites() -> classify.SiteDirectory:
    return classify.load_sites(REPO / "sites.toml")


def run(
    rules: classify.RuleSet,
    sites: classify.SiteDirectory,
    body: str,
    *,
    known_thread: bool = False,
    **kwargs: object,
) -> classify.Analysis:
    """Classify a test email built from `body` (and make_email's keyword arguments)."""
    parsed = parse_email(make_email(body, **kwargs))  # type: ignore[arg-type]
    return classify.analyze(parsed, rules, sites, known_thread=known_thread)
