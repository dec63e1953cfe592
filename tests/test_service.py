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
