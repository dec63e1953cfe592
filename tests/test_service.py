"""The service around the pipeline: scheduler jobs, migrations, unreachable databases."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner
from sqlalchemy import inspect, select

from intake.cli import cli
from intake.config import Settings
from intake.scheduler import build_scheduler
from intake.wiring import open_app
from store import StoreError, connect, session_scope
from store.models import InboundMessage, Request
from tests.conftest import write_config
from tests.mail import CO_RESPONDER_REQUEST, make_email


def test_scheduler_jobs_follow_the_schedule_settings(settings: Settings) -> None:
    app = open_app(settings)
    try:
        scheduler = build_scheduler(app, BackgroundScheduler(timezone="America/New_York"))
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"poll", "outbox", "digest"}
        assert jobs["poll"].trigger.interval == dt.timedelta(seconds=300)
        digest_fields = {f.name: str(f) for f in jobs["digest"].trigger.fields}
        assert (digest_fields["hour"], digest_fields["minute"]) == ("7", "30")
        assert str(jobs["digest"].trigger.timezone) == "America/New_York"
    finally:
        app.close()


def test_running_scheduler_polls_and_records_new_mail(
    settings: Settings, deliver: Callable[[bytes], str]
) -> None:
    deliver(make_email(CO_RESPONDER_REQUEST))
    app = open_app(settings)
    scheduler = build_scheduler(app, BackgroundScheduler(timezone="UTC"))
    scheduler.start()  # the poll job's first run is immediate
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with session_scope(app.store) as session:
                if session.scalars(select(Request)).first() is not None:
                    break
            time.sleep(0.1)
        with session_scope(app.store) as session:
            assert session.scalars(select(InboundMessage.status)).all() == ["processed"]
    finally:
        scheduler.shutdown(wait=True)
        app.close()


def test_migrations_create_every_table(database_url: str) -> None:
    store = connect(database_url)
    try:
        tables = set(inspect(store.engine).get_table_names())
        assert {
            "inbound_message",
            "request",
            "classification",
            "site_suggestion",
            "site_contact",
            "outbox_email",
            "digest_run",
            "mailbox_state",
            "alembic_version",
        } <= tables
    finally:
        store.dispose()


def test_db_upgrade_command_is_idempotent(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path, database_url)
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(cli, ["--config", str(config), "db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "up to date" in result.output


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://nobody@127.0.0.1:1/none", "sqlite:////proc/no-such-dir/intake.db"],
)
def test_an_unreachable_database_is_a_clear_error(url: str) -> None:
    with pytest.raises(StoreError, match="cannot"):
        connect(url)


def test_an_unreachable_database_exits_with_code_4(tmp_path: Path) -> None:
    config = write_config(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(cli, ["--config", str(config), "requests", "list"])
    assert result.exit_code == 4
    assert "database:" in result.output


def test_a_failing_mailbox_alerts_the_admin_once_and_again_on_recovery(
    settings: Settings, tmp_path: Path
) -> None:
    from ingest import MaildirSource, SourceError
    from intake.pipeline import Pipeline, load_classifiers
    from store.models import MailboxState, OutboxEmail

    store = connect(settings.database_url)
    pipeline = Pipeline(settings, store, load_classifiers(settings))
    missing = tmp_path / "not-a-maildir"  # a real fault: the mailbox is gone
    try:
        for _ in range(settings.source.alert_after_failures + 2):
            with pytest.raises(SourceError):
                pipeline.poll(MaildirSource(missing, name="tracking"))
        with session_scope(store) as session:
            state = session.scalars(select(MailboxState)).one()
            assert state.consecutive_errors == settings.source.alert_after_failures + 2
            assert "not a Maildir" in state.last_error and state.last_success_at is None
            alerts = session.scalars(select(OutboxEmail)).all()
            assert [a.purpose for a in alerts] == ["alert"]
            assert alerts[0].recipients == [settings.notify.admin]
            assert "failed 3 polls in a row" in alerts[0].subject

        missing.mkdir()
        for sub in ("cur", "new", "tmp"):
            (missing / sub).mkdir()
        pipeline.poll(MaildirSource(missing, name="tracking"))
        pipeline.poll(MaildirSource(missing, name="tracking"))
        with session_scope(store) as session:
            state = session.scalars(select(MailboxState)).one()
            assert state.consecutive_errors == 0 and state.last_success_at is not None
            subjects = session.scalars(select(OutboxEmail.subject).order_by(OutboxEmail.id)).all()
            assert len(subjects) == 2 and "working again" in subjects[1]
    finally:
        store.dispose()


def test_status_shows_mailbox_health(settings: Settings, deliver: Callable[[bytes], str]) -> None:
    deliver(make_email(CO_RESPONDER_REQUEST))
    config = settings.path
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(config), "poll", "--once"]).exit_code == 0
    result = runner.invoke(cli, ["--config", str(config), "status"])
    assert result.exit_code == 0, result.output
    mailbox_row = next(line for line in result.output.splitlines() if "tracking" in line)
    assert "never" not in mailbox_row and "2" in mailbox_row  # a timestamp from this century
    assert "processed 1" in result.output


def test_models_and_migrations_agree(database_url: str) -> None:
    from alembic import command

    from store.db import alembic_config

    store = connect(database_url)
    try:
        command.check(alembic_config(store))  # raises when a model change lacks a migration
    finally:
        store.dispose()


def test_database_passwords_never_reach_the_output(tmp_path: Path) -> None:
    config = write_config(tmp_path, "postgresql+psycopg://intake:Sup3rSecret@127.0.0.1:1/none")
    result = CliRunner().invoke(cli, ["--config", str(config), "requests", "list"])
    assert result.exit_code == 4
    assert "Sup3rSecret" not in result.output
    bad = write_config(tmp_path, "postgresql+psycopg://intake:Sup3rSecret@127.0.0.1:notaport/x")
    result = CliRunner().invoke(cli, ["--config", str(bad), "requests", "list"])
    assert result.exit_code == 4
    assert "Sup3rSecret" not in result.output


def test_poll_job_reloads_rules_and_sites_when_their_files_change(
    settings: Settings, tmp_path: Path
) -> None:
    import shutil
    from dataclasses import replace

    from intake.scheduler import Jobs

    rules_copy, sites_copy = tmp_path / "rules.toml", tmp_path / "sites.toml"
    shutil.copy(settings.rules_path, rules_copy)
    shutil.copy(settings.sites_path, sites_copy)
    app = open_app(replace(settings, rules_path=rules_copy, sites_path=sites_copy))
    try:
        jobs = Jobs(app)
        first = app.pipeline.classifiers
        jobs.poll()
        assert app.pipeline.classifiers is first, "nothing changed, nothing reloaded"

        rules_copy.write_text(rules_copy.read_text() + "\n# an admin's edit\n")
        jobs.poll()
        second = app.pipeline.classifiers
        assert second is not first and second.rules.version != first.rules.version

        sites_copy.write_text(sites_copy.read_text() + "\n# another edit\n")
        jobs.poll()
        assert app.pipeline.classifiers is not second
        assert app.pipeline.classifiers.sites.version != second.sites.version
    finally:
        app.close()
