"""IMAP through the real commands: config.toml [source.imap], poll, backfill and IDLE in `run`."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner
from sqlalchemy import func, select

from intake.cli import cli
from intake.config import load_config
from intake.scheduler import IdleWatcher, build_scheduler
from intake.wiring import open_app
from store import connect, session_scope
from store.models import InboundMessage, OutboxEmail, Request
from tests.dovecot import Account, Dovecot, imap_config
from tests.mail import CIT_REQUEST, CO_RESPONDER_REQUEST, make_email

pytestmark = pytest.mark.dovecot


BACKOFF = "backoff_initial_seconds = 0.05\nbackoff_max_seconds = 0.5\ntimeout_seconds = 10.0"


@pytest.fixture
def imap_env(monkeypatch: pytest.MonkeyPatch, imap_account: Account) -> Account:
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    return imap_account


def count(tmp_path: Path, model: type) -> int:
    store = connect(f"sqlite:///{tmp_path / 'intake.db'}")
    try:
        with session_scope(store) as session:
            return session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        store.dispose()


def test_poll_once_reads_the_imap_mailbox_named_in_config(
    tmp_path: Path, dovecot: Dovecot, imap_env: Account
) -> None:
    dovecot.append(imap_env, [make_email(CO_RESPONDER_REQUEST), make_email(CIT_REQUEST)])
    config = imap_config(tmp_path, dovecot, imap_env, BACKOFF)
    runner = CliRunner()

    first = runner.invoke(cli, ["--config", str(config), "poll", "--once"])
    assert first.exit_code == 0, first.output
    assert "stored 2" in first.output
    second = runner.invoke(cli, ["--config", str(config), "poll", "--once"])
    assert "fetched 0" in second.output
    assert count(tmp_path, Request) == 2
    with dovecot.client(imap_env) as client:
        client.select_folder("INBOX", readonly=True)
        assert len(client.search(["SEEN"])) == 2  # acknowledged after the commit

    status = runner.invoke(cli, ["--config", str(config), "status"])
    assert "INBOX" in status.output  # the folder's cursor is shown


def test_a_wrong_password_is_one_line_and_exit_code_5(
    tmp_path: Path, dovecot: Dovecot, imap_account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "not-the-password")
    config = imap_config(tmp_path, dovecot, imap_account, BACKOFF)
    result = CliRunner().invoke(cli, ["--config", str(config), "poll", "--once"])
    assert result.exit_code == 5
    assert "not-the-password" not in result.output


def test_backfill_records_history_without_notifying_staff(
    tmp_path: Path, dovecot: Dovecot, imap_env: Account
) -> None:
    dovecot.append(imap_env, [make_email(CO_RESPONDER_REQUEST), make_email(CIT_REQUEST)])
    config = imap_config(tmp_path, dovecot, imap_env, BACKOFF)
    result = CliRunner().invoke(cli, ["--config", str(config), "backfill", "--since", "2000-01-01"])
    assert result.exit_code == 0, result.output
    assert "stored 2" in result.output
    assert count(tmp_path, Request) == 2
    assert count(tmp_path, OutboxEmail) == 0

    dovecot.append(imap_env, [make_email(CIT_REQUEST, subject="after the import")])
    polled = CliRunner().invoke(cli, ["--config", str(config), "poll", "--once"])
    assert "stored 1" in polled.output
    assert count(tmp_path, OutboxEmail) == 1  # new mail after the import does notify


def test_idle_wakes_the_poll_job_when_mail_arrives(
    tmp_path: Path, dovecot: Dovecot, imap_env: Account
) -> None:
    config = imap_config(tmp_path, dovecot, imap_env, BACKOFF)
    settings = load_config(config)
    app = open_app(settings)
    scheduler = build_scheduler(app, BackgroundScheduler(timezone="UTC"))
    scheduler.start()
    watcher = IdleWatcher(app, scheduler)
    watcher.start()
    try:
        time.sleep(1.0)  # the first poll (empty mailbox) has run and IDLE is waiting
        dovecot.append(imap_env, [make_email(CO_RESPONDER_REQUEST)])
        deadline = time.monotonic() + 20  # far less than the 300 s poll interval
        while time.monotonic() < deadline:
            with session_scope(app.store) as session:
                stored = session.scalar(select(func.count()).select_from(InboundMessage))
            if stored:
                break
            time.sleep(0.1)
        assert stored == 1
    finally:
        watcher.stop()
        scheduler.shutdown(wait=True)
        app.close()
