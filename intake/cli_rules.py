"""The `intake rules` commands: check the rules file, explain one email, evaluate on a corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table

import classify
from classify.evaluate import EvalReport, compare, evaluate, explain, parse_labels
from intake.cli import (
    Context,
    _fail,
    cli,
    console,
    email_input_options,
    pass_ctx,
    read_one_email,
    translated_errors,
)

MAX_LABELS_BYTES = 5_000_000


def _rules(state: Context, path: Path | None) -> classify.RuleSet:
    return classify.load_rules(path or state.settings.rules_path)


@cli.group()
def rules() -> None:
    """The classification rules (rules.toml): check them, explain an email, measure them.

    \b
    Example:
      intake rules check
    """


@rules.command("check")
@click.option(
    "--file", "path", type=click.Path(path_type=Path, dir_okay=False), help="Another rules.toml."
)
@pass_ctx
def rules_check(state: Context, path: Path | None) -> None:
    """Validate the rules file: every problem as FILE:LINE: rule 'name': what is wrong.

    Exits 1 when any rule has a problem (bad rules are skipped by the service).

    \b
    Example:
      intake rules check --file rules.toml
    """
    with translated_errors():
        loaded = _rules(state, path)
        for problem in loaded.problems:
            console.print(problem, markup=False, highlight=False)
        labels = sorted({rule.label for rule in loaded.rules})
        console.print(
            f"{len(loaded.rules)} rule(s) for {len(labels)} label(s), version {loaded.version}; "
            f"{len(loaded.problems)} problem(s)",
            markup=False,
        )
        if loaded.problems:
            raise SystemExit(1)


@rules.command("explain")
@email_input_options
@click.option(
    "--file", "path", type=click.Path(path_type=Path, dir_okay=False), help="Another rules.toml."
)
@click.option("--thread", is_flag=True, help="Treat the email as a reply to a known request.")
@click.option("--misses", is_flag=True, help="Also list the rules that did not match.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_ctx
def rules_explain(
    state: Context,
    eml: Path | None,
    text: str | None,
    subject: str,
    sender: str,
    path: Path | None,
    thread: bool,
    misses: bool,
    as_json: bool,
) -> None:
    """Classify one email and show why: labels, scores, rules fired with text, requester.

    \b
    Example:
      intake rules explain message.eml --misses
      intake rules explain --text "Our call-takers need training on crisis calls."
    """
    with translated_errors():
        loaded = _rules(state, path)
        directory = classify.load_sites(state.settings.sites_path)
        analysis = classify.analyze(
            read_one_email(state.settings, eml, text, subject, sender),
            loaded,
            directory,
            known_thread=thread,
        )
        result = explain(analysis, show_misses=misses)
        if as_json:
            click.echo(json.dumps(result, indent=2, ensure_ascii=False))
            return
        _print_explanation(result)


def _print_explanation(result: dict[str, Any]) -> None:
    console.print(f"kind: {result['kind']} ({result['kind_reason']})", markup=False)
    console.print(f"rules version: {result['rules_version']}", markup=False)
    who = {k: v for k, v in result["requester"].items() if v}
    console.print("requester: " + "; ".join(f"{k}={v}" for k, v in who.items()), markup=False)
    for key in ("specializations", "topics", "ta_types", "contacted_sites"):
        console.print(f"{key}: {', '.join(result[key]) or '-'}", markup=False)
    if result["primary"]:
        console.print(f"primary: {result['primary']} ({result['primary_reason']})", markup=False)
    table = Table(title="Label scores")
    for column in ("Label", "Group", "Score", "Threshold", "Accepted"):
        table.add_column(column)
    for label in result["labels"]:
        table.add_row(
            label["label"],
            label["group"],
            f"{label['score']:.2f}",
            f"{label['threshold']:.2f}",
            "yes" if label["accepted"] else f"no: {label['set_aside']}".rstrip(": "),
        )
    console.print(table)
    table = Table(title="Rules")
    for column in ("Rule", "Label", "Hit", "Weight", "Why"):
        table.add_column(column)
    for rule in result["rules"]:
        table.add_row(
            rule["rule"],
            rule["label"],
            "yes" if rule["hit"] else "no",
            f"{rule['weight']:.2f}",
            rule["reason"],
        )
    console.print(table)
    if result["summary"]:
        console.print(f"summary: {result['summary']}", markup=False)


def _evaluate(state: Context, corpus: Path, labels: Path, rules_path: Path | None) -> EvalReport:
    if labels.stat().st_size > MAX_LABELS_BYTES:
        _fail(f"{labels}: larger than {MAX_LABELS_BYTES} bytes", 1)
    gold = parse_labels(labels.read_text("utf-8"))
    directory = classify.load_sites(state.settings.sites_path)
    emails = [
        (path.name, read_one_email(state.settings, path, None, "", ""))
        for path in sorted(corpus.glob("*.eml"))
    ]
    return evaluate(emails, gold, _rules(state, rules_path), directory)


def _report_json(report: EvalReport) -> dict[str, Any]:
    return {
        "rules_version": report.rules_version,
        "emails": report.emails,
        "summary": report.summary(),
        "per_label": {
            label: {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
            }
            for label, s in sorted(report.labels.items())
        },
        "mistakes": [m.__dict__ for m in report.mistakes],
    }


@rules.command("eval")
@click.argument("corpus", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--labels",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The labels file (default: CORPUS/labels.toml).",
)
@click.option(
    "--file", "path", type=click.Path(path_type=Path, dir_okay=False), help="Another rules.toml."
)
@click.option(
    "--compare",
    "other",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A candidate rules file to compare with the current one.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_ctx
def rules_eval(
    state: Context,
    corpus: Path,
    labels: Path | None,
    path: Path | None,
    other: Path | None,
    as_json: bool,
) -> None:
    """Score the rules on a labelled corpus: precision/recall/F1 per label and requester field.

    With --compare, also run the candidate rules and show what would change.

    \b
    Example:
      intake rules eval ../shared/corpus/dev --compare rules-new.toml
    """
    with translated_errors():
        labels = labels or corpus / "labels.toml"
        if not labels.exists():
            _fail(f"{labels}: no labels file", 1)
        current = _evaluate(state, corpus, labels, path)
        candidate = _evaluate(state, corpus, labels, other) if other else None
        if as_json:
            out: dict[str, Any] = {"current": _report_json(current)}
            if candidate is not None:
                result = compare(current, candidate)
                out["candidate"] = _report_json(candidate)
                out["changed"] = result.changed
                out["fixed"] = [m.__dict__ for m in result.fixed]
                out["broken"] = [m.__dict__ for m in result.broken]
            click.echo(json.dumps(out, indent=2, ensure_ascii=False))
            return
        if candidate is None:
            _print_report(current)
        else:
            _print_comparison(current, candidate)


def _print_report(report: EvalReport) -> None:
    table = Table(title=f"{report.emails} email(s), rules {report.rules_version}")
    for column in ("Label", "Precision", "Recall", "F1"):
        table.add_column(column)
    for label, stats in sorted(report.labels.items()):
        table.add_row(label, f"{stats.precision:.2f}", f"{stats.recall:.2f}", f"{stats.f1:.2f}")
    console.print(table)
    for key, value in report.summary().items():
        console.print(f"{key}: {value:.4f}", markup=False)
    if report.mistakes:
        console.print(f"{len(report.mistakes)} wrong answer(s):", markup=False)
        for m in report.mistakes:
            console.print(
                f"  {m.file} {m.field}: expected {m.expected!r}, got {m.got!r}", markup=False
            )


def _print_comparison(current: EvalReport, candidate: EvalReport) -> None:
    result = compare(current, candidate)
    table = Table(title=f"rules {current.rules_version} vs {candidate.rules_version}")
    for column in ("Metric", "Current", "Candidate", "Change"):
        table.add_column(column)
    for key, (a, b) in result.metrics.items():
        if key.startswith("f1:") and a == b:
            continue
        table.add_row(key, f"{a:.4f}", f"{b:.4f}", f"{b - a:+.4f}" if a != b else "")
    console.print(table)
    for title, items in (("fixed", result.fixed), ("broken", result.broken)):
        console.print(f"{len(items)} {title}:", markup=False)
        for m in items:
            console.print(f"  {m.file} {m.field}: expected {m.expected!r}", markup=False)
    console.print(f"{len(result.changed)} changed answer(s):", markup=False)
    for file_name, name, before, after in result.changed:
        console.print(f"  {file_name} {name}: {before!r} -> {after!r}", markup=False)
