"""The command line: help for every command, the analyze contract, errors, and the demo."""

from __future__ import annotations

import json
import mailbox
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from intake.cli import cli
from tests.conftest import write_config
from tests.mail import CO_RESPONDER_REQUEST, make_email

REPO = Path(__file__).resolve().parent.parent
CONTRACT_KEYS = {
    "file",
    "kind",
    "specializations",
    "topics",
    "ta_types",
    "contacted_sites",
    "suggested_sites",
    "thread_of",
    "requester",
}
REQUESTER_KEYS = {"name", "title", "agency", "agency_type", "city", "state", "email", "phone"}


def all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, f"{prefix}{name} "))
    return found


@pytest.mark.parametrize(
    ("name", "command"), all_commands(cli), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_command_has_help_and_an_example(name: str, command: click.Command) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert (command.help or "").strip(), f"`intake {name}` has no help text"
    assert "Example:" in result.output and "intake " in result.output.split("Example:", 1)[1]


def test_analyze_prints_one_contract_line_per_file_in_name_order(tmp_path: Path) -> None:
    corpus = tmp_path / "mail"
    corpus.mkdir()
    (corpus / "b.eml").write_bytes(
        make_email(
            "Thanks, Thursday is fine for the call.",
            subject="Re: Co-responder program",
            headers={
                "In-Reply-To": "<first@rivertonpd.example.gov>",
                "References": "<first@rivertonpd.example.gov>",
            },
        )
    )
    (corpus / "a.eml").write_bytes(
        make_email(
            CO_RESPONDER_REQUEST,
            subject="Co-responder program",
            message_id="<first@rivertonpd.example.gov>",
        )
    )
    (corpus / "notes.txt").write_text("not an email")
    config = write_config(tmp_path, "sqlite:///unused.db")

    result = CliRunner().invoke(
        cli, ["--config", str(config), "analyze", str(corpus), "--format", "jsonl"]
    )

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["file"] for line in lines] == ["a.eml", "b.eml"]
    for line in lines:
        assert set(line) == CONTRACT_KEYS
        assert set(line["requester"]) == REQUESTER_KEYS
    assert lines[0]["kind"] == "request" and lines[0]["thread_of"] is None
    assert lines[0]["requester"]["email"] == "jellis@rivertonpd.example.gov"
    assert lines[1]["kind"] == "reply" and lines[1]["thread_of"] == "a.eml"
    assert not (tmp_path / "unused.db").exists(), "analyze must not touch the configured database"


def test_analyze_output_runs_through_the_shared_scorer(tmp_path: Path) -> None:
    corpus = REPO.parent / "shared" / "corpus" / "dev"
    if not corpus.is_dir():
        pytest.fail("../shared/corpus/dev is missing beside the repository")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "intake.cli",
            "--config",
            str(REPO / "config.toml"),
            "analyze",
            str(corpus),
            "--format",
            "jsonl",
        ],
        capture_output=True,
        check=True,
        cwd=REPO,
    )
    out = tmp_path / "out.jsonl"
    out.write_bytes(result.stdout)
    assert len(result.stdout.splitlines()) == len(list(corpus.glob("*.eml")))
    scored = subprocess.run(
        [
            sys.executable,
            str(REPO.parent / "shared" / "tools" / "score_corpus.py"),
            str(corpus),
            str(out),
            "--sites",
            str(REPO.parent / "shared" / "domain" / "learning_sites.toml"),
            "--json",
        ],
        capture_output=True,
        check=True,
    )
    scores = json.loads(scored.stdout)
    assert scores["missing_predictions"] == []


def test_a_config_error_is_one_line_and_exit_code_3(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[schedule]\ndigest_time = "noon"\n')
    result = subprocess.run(
        [sys.executable, "-m", "intake.cli", "--config", str(config), "requests", "list"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 3
    assert "config.toml: [schedule] digest_time: must be HH:MM" in result.stderr
    assert "Traceback" not in result.stderr


def test_poll_then_requests_list_and_show(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'intake.db'}")
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(mailbox.MaildirMessage(make_email(CO_RESPONDER_REQUEST, subject="Co-responder team")))
    runner = CliRunner()

    polled = runner.invoke(cli, ["--config", str(config), "poll", "--once"])
    assert polled.exit_code == 0, polled.output
    assert "stored 1" in polled.output and "sent 1" in polled.output

    listed = runner.invoke(cli, ["--config", str(config), "requests", "list"])
    assert listed.exit_code == 0 and "LS-" in listed.output
    ref = next(word for word in listed.output.split() if word.startswith("LS-"))
    shown = runner.invoke(cli, ["--config", str(config), "requests", "show", ref])
    assert shown.exit_code == 0, shown.output
    assert "jellis@rivertonpd.example.gov" in shown.output
    assert "Suggested sites:" in shown.output
    missing = runner.invoke(cli, ["--config", str(config), "requests", "show", "LS-1999-9999"])
    assert missing.exit_code == 1


def test_demo_twice_records_nothing_twice(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'intake.db'}")
    runner = CliRunner()
    first = runner.invoke(cli, ["--config", str(config), "demo"])
    assert first.exit_code == 0, first.output
    outbox = sorted((tmp_path / "outbox").glob("*.eml"))
    assert any("notification" in p.name for p in outbox)
    assert any("digest" in p.name for p in outbox)

    second = runner.invoke(cli, ["--config", str(config), "demo"])
    assert second.exit_code == 0, second.output
    assert "stored 0," in " ".join(second.output.split())
    assert sorted((tmp_path / "outbox").glob("*.eml")) == outbox
    import sqlite3

    with sqlite3.connect(tmp_path / "intake.db") as db:
        ids = [row[0] for row in db.execute("select message_id from inbound_message")]
        refs = [row[0] for row in db.execute("select ref from request")]
    assert len(ids) == len(set(ids)) >= 10
    assert len(refs) == len(set(refs)) >= 6


@pytest.mark.parametrize(
    "name", [name for name, command in all_commands(cli) if not isinstance(command, click.Group)]
)
def test_every_command_is_documented_in_the_readme(name: str) -> None:
    readme = (REPO / "README.md").read_text()
    first, *rest = name.split()
    if rest:  # a subcommand is documented as `intake group sub` or listed after `intake group`
        listed = f"intake {first}" in readme and rest[0] in readme
        assert f"intake {name}" in readme or listed
    else:
        assert f"intake {name}" in readme, f"README does not mention `intake {name}`"


def test_rules_explain_takes_text_and_shows_negation(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'intake.db'}")
    text = "We already have CIT. Our call-takers need training on how to triage crisis calls."
    result = CliRunner().invoke(
        cli, ["--config", str(config), "rules", "explain", "--text", text, "--json"]
    )
    assert result.exit_code == 0, result.output
    explained = json.loads(result.output)
    assert "dispatch" in json.dumps(explained)
    both = CliRunner().invoke(cli, ["--config", str(config), "rules", "explain"])
    assert both.exit_code == 2 and "give an .eml file or --text" in both.output


def test_staff_action_takes_a_request_off_the_stale_list(tmp_path: Path) -> None:
    import datetime as dt

    from sqlalchemy import update

    from store import connect, session_scope
    from store.models import Request

    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'intake.db'}")
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(mailbox.MaildirMessage(make_email(CO_RESPONDER_REQUEST, subject="Co-responder team")))
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(config), "poll", "--once"]).exit_code == 0
    store = connect(f"sqlite:///{tmp_path / 'intake.db'}")
    with session_scope(store) as session:  # the request arrived three weeks ago
        session.execute(update(Request).values(created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
        ref = session.scalars(select(Request.ref)).one()

    def digest_text(day: str) -> str:
        preview = tmp_path / f"digest-{day}.html"
        result = runner.invoke(
            cli, ["--config", str(config), "digest", "--date", day, "--preview", str(preview)]
        )
        assert result.exit_code == 0, result.output
        return preview.with_suffix(".txt").read_text()

    assert ref in digest_text("2026-01-25")
    marked = runner.invoke(cli, ["--config", str(config), "requests", "status", ref, "in_progress"])
    assert marked.exit_code == 0 and "new -> in_progress" in marked.output
    assert ref not in digest_text("2026-01-26")
    with session_scope(store) as session:
        request = session.scalars(select(Request)).one()
        assert request.status == "in_progress" and request.last_staff_action_at is not None
    store.dispose()
    missing = runner.invoke(cli, ["--config", str(config), "requests", "status", "LS-0", "closed"])
    assert missing.exit_code == 1
