"""Rule evaluation helpers and the `intake rules` commands, on a small hand-written corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import classify
from classify.evaluate import compare, evaluate, explain, field_matches, parse_labels
from ingest import parse_email
from intake.cli import cli
from tests.conftest import write_config
from tests.mail import make_email

REPO = Path(__file__).resolve().parent.parent

CIT_BODY = """Hello,

We want to start a CIT program for our deputies. A phone call would be great.

Thanks,

Sgt. Lee Harmon
Ashby County Sheriff's Office
Ashby, NE 69333
308-555-0101
"""
LIAISON_BODY = """Hello,

We plan to name a mental health liaison officer in each district. Email is fine.

Lt. Ana Ruiz
Mesa Verde Police Department
Cortez, CO 81321
970-555-0102
"""
LABELS = """
[[email]]
file = "a.eml"
kind = "request"
specializations = ["cit"]
topics = []
ta_types = ["call"]
contacted_sites = []
[email.requester]
name = "Lee Harmon"
title = "Sergeant"
agency = "Ashby County Sheriff's Office"
agency_type = "sheriff"
city = "Ashby"
state = "NE"
email = "lharmon@ashby.example.gov"
phone = "+1 308 555 0101"

[[email]]
file = "b.eml"
kind = "request"
specializations = ["mh_liaison"]
topics = ["data"]
ta_types = ["email"]
contacted_sites = []
[email.requester]
name = "Ana Ruiz"
title = "Lieutenant"
agency = "Mesa Verde Police Department"
agency_type = "police"
city = "Cortez"
state = "CO"
email = "aruiz@mvpd.example.gov"
phone = "970-555-0102"
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.eml").write_bytes(
        make_email(CIT_BODY, subject="CIT", from_addr="Lee Harmon <lharmon@ashby.example.gov>")
    )
    (folder / "b.eml").write_bytes(
        make_email(LIAISON_BODY, subject="Liaison", from_addr="Ana Ruiz <aruiz@mvpd.example.gov>")
    )
    (folder / "labels.toml").write_text(LABELS)
    return folder


def _emails(corpus: Path) -> list[tuple[str, object]]:
    return [(p.name, parse_email(p.read_bytes())) for p in sorted(corpus.glob("*.eml"))]


def test_evaluate_scores_labels_fields_and_lists_mistakes(corpus):
    rules = classify.load_rules(REPO / "rules.toml")
    sites = classify.load_sites(REPO / "sites.toml")
    report = evaluate(_emails(corpus), parse_labels(LABELS), rules, sites)  # type: ignore[arg-type]
    assert report.emails == 2 and report.kind_accuracy == 1.0
    assert report.labels["cit"].f1 == 1.0
    assert report.labels["data"].fn == 1  # b.eml's gold asks for data; the email never says it
    assert report.requester_accuracy("phone") == 1.0
    assert report.requester_accuracy("state") == 1.0
    wrong = [(m.file, m.field) for m in report.mistakes]
    assert wrong == [("b.eml", "topics")]
    assert report.summary()["specialization_macro_f1"] == 1.0


def test_compare_shows_what_a_rule_change_breaks(corpus, tmp_path):
    sites = classify.load_sites(REPO / "sites.toml")
    current = classify.load_rules(REPO / "rules.toml")
    text = (
        (REPO / "rules.toml").read_text().replace("\ndispatch = 1.5", "\ndispatch = 1.5\ncit = 5.0")
    )
    candidate_path = tmp_path / "candidate.toml"
    candidate_path.write_text(text)
    candidate = classify.load_rules(candidate_path)
    emails = _emails(corpus)
    gold = parse_labels(LABELS)
    result = compare(
        evaluate(emails, gold, current, sites),  # type: ignore[arg-type]
        evaluate(emails, gold, candidate, sites),  # type: ignore[arg-type]
    )
    assert ("a.eml", "specializations", "cit", "") in result.changed
    assert any(m.file == "a.eml" and m.field == "specializations" for m in result.broken)
    assert result.metrics["f1:cit"] == (1.0, 0.0)


def test_explain_lists_labels_and_fired_rules():
    rules = classify.load_rules(REPO / "rules.toml")
    sites = classify.load_sites(REPO / "sites.toml")
    analysis = classify.analyze(parse_email(make_email(CIT_BODY)), rules, sites)
    result = explain(analysis)
    assert result["primary"] == "cit"
    assert result["primary_reason"] == "the only need found"
    assert any(r["rule"] == "cit-named" and r["matched"] == "CIT" for r in result["rules"])
    assert all(r["hit"] or "negated" in r["reason"] for r in result["rules"])
    assert len(explain(analysis, show_misses=True)["rules"]) == len(rules.rules)


def test_field_matching_is_lenient_like_the_scorer():
    assert field_matches("phone", "+1 308 555 0101", "+13085550101")
    assert field_matches("agency", "Ashby PD", "Ashby Police Department")
    assert field_matches("title", "Chief", "Chief of Police")
    assert not field_matches("state", "NE", "NV")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "service"
    folder.mkdir()
    return write_config(folder, f"sqlite:///{folder}/x.db")


def test_cli_rules_check_reports_problems_and_exit_code(config, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(
        cli, ["--config", str(config), "rules", "check", "--file", str(REPO / "rules.toml")]
    )
    assert ok.exit_code == 0, ok.output
    assert "0 problem(s)" in ok.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nname = "x"\nlabel = "nope"\nphrases = ["a"]\n')
    result = runner.invoke(cli, ["--config", str(config), "rules", "check", "--file", str(bad)])
    assert result.exit_code == 1
    assert "bad.toml:2: rule 'x': unknown label 'nope'" in result.output
    broken = tmp_path / "broken.toml"
    broken.write_text("[[rule]\n")
    result = runner.invoke(cli, ["--config", str(config), "rules", "check", "--file", str(broken)])
    assert result.exit_code == 3 and "valid TOML" in " ".join(result.output.split())


def test_cli_rules_explain_and_eval(config, corpus):
    runner = CliRunner()
    base = ["--config", str(config), "rules"]
    rules_file = ["--file", str(REPO / "rules.toml")]
    result = runner.invoke(cli, [*base, "explain", str(corpus / "a.eml"), *rules_file, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["specializations"] == ["cit"] and data["requester"]["name"] == "Lee Harmon"
    result = runner.invoke(cli, [*base, "eval", str(corpus), *rules_file, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["current"]["emails"] == 2
    assert data["current"]["mistakes"] == [
        {"file": "b.eml", "field": "topics", "expected": "data", "got": ""}
    ]
    result = runner.invoke(
        cli, [*base, "eval", str(corpus), *rules_file, "--compare", str(REPO / "rules.toml")]
    )
    assert result.exit_code == 0, result.output
    assert "0 changed answer(s)" in result.output
