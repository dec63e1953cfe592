"""The real pipeline polling a real Dovecot into SQLite: cursors, dedupe, crash, backfill."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ingest.imap import ImapSource
from ingest.sources import Cursor, FetchedMessage
from intake.config import Settings, load_config
from intake.pipeline import Pipeline, load_classifiers
from store.db import Store, connect, session_scope
from store.models import InboundMessage, MailboxState, MessageStatus, OutboxEmail
from tests.conftest import write_config
from tests.dovecot import Account, Dovecot
from tests.mail import CIT_REQUEST, CO_RESPONDER_REQUEST, make_email

pytestmark = pytest.mark.dovecot


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return load_config(write_config(tmp_path, f"sqlite:///{tmp_path / 'intake.db'}"))


@pytest.fixture
def sqlite_store(sqlite_settings: Settings) -> Iterator[Store]:
    store = connect(sqlite_settings.database_url)
    yield store
    store.dispose()


def pipeline_for(settings: Settings, store: Store) -> Pipeline:
    return Pipeline(settings, store, load_classifiers(settings))


def imap_source(dovecot: Dovecot, account: Account, **overrides: object) -> ImapSource:
    return ImapSource(
        dovecot.settings(account, **overrides), name="tracking", password=account.password
    )


class CrashBeforeAcknowledging:
    """The source as seen by a process that dies right after committing each batch."""

    def __init__(self, source: ImapSource) -> None:
        self.source = source
        self.name = source.name

    def fetch(self, cursors: Mapping[str, Cursor]) -> Iterator[FetchedMessage]:
        return self.source.fetch(cursors)

    def acknowledge(self, messages: Sequence[FetchedMessage]) -> None:
        return None

    def close(self) -> None:
        self.source.close()


def rows(store: Store) -> list[InboundMessage]:
    with session_scope(store) as session:
        found = list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
        session.expunge_all()
        return found


def cursor_of(store: Store, folder: str = "INBOX") -> tuple[int | None, int]:
    with session_scope(store) as session:
        state = session.scalars(
            select(MailboxState).where(
                MailboxState.source == "tracking", MailboxState.folder == folder
            )
        ).one()
        return state.uidvalidity, state.last_uid


def keyword_uids(dovecot: Dovecot, account: Account, keyword: bytes = b"$Intake") -> list[int]:
    with dovecot.client(account) as client:
        client.select_folder("INBOX", readonly=True)
        return sorted(client.search(["KEYWORD", keyword.decode()]))


def test_poll_stores_processes_moves_the_cursor_and_flags(
    dovecot: Dovecot, imap_account: Account, sqlite_settings: Settings, sqlite_store: Store
) -> None:
    huge = make_email("y" * 5000, subject="Scanned forms", message_id="<huge-p@t.org>")
    dovecot.append(
        imap_account,
        [
            make_email(CO_RESPONDER_REQUEST, subject="Co-responder questions"),
            make_email(CIT_REQUEST, subject="CIT training"),
            huge,
        ],
    )
    pipeline = pipeline_for(sqlite_settings, sqlite_store)
    source = imap_source(dovecot, imap_account, after="flag", max_bytes=4000)
    try:
        report = pipeline.poll(source)
        assert (report.fetched, report.stored, report.quarantined) == (3, 3, 1)
        assert report.processed == 2 and report.failed == 0
        assert keyword_uids(dovecot, imap_account) == [1, 2, 3]  # acknowledged after commit

        stored = rows(sqlite_store)
        assert [r.uid for r in stored] == [1, 2, 3]
        assert [r.status for r in stored] == [
            MessageStatus.PROCESSED,
            MessageStatus.PROCESSED,
            MessageStatus.QUARANTINED,
        ]
        assert stored[2].raw is None and "Scanned forms" in stored[2].header_summary
        assert stored[0].source_key == f"{stored[0].uidvalidity}:1"
        assert cursor_of(sqlite_store) == (stored[0].uidvalidity, 3)

        again = pipeline.poll(source)
        assert (again.fetched, again.stored) == (0, 0)
    finally:
        source.close()


def test_a_crash_after_commit_is_absorbed_and_acknowledged_next_time(
    dovecot: Dovecot, imap_account: Account, sqlite_settings: Settings, sqlite_store: Store
) -> None:
    dovecot.append(imap_account, [make_email(CO_RESPONDER_REQUEST, subject="Before the crash")])
    pipeline = pipeline_for(sqlite_settings, sqlite_store)
    source = imap_source(dovecot, imap_account, after="flag")
    try:
        crashed = pipeline.poll(CrashBeforeAcknowledging(source))
        assert crashed.stored == 1
        assert keyword_uids(dovecot, imap_account) == []  # stored, never acknowledged
        assert cursor_of(sqlite_store)[1] == 1

        recovered = pipeline.poll(source)
        assert (recovered.fetched, recovered.stored, recovered.duplicates) == (1, 0, 1)
        assert keyword_uids(dovecot, imap_account) == [1]
        assert len(rows(sqlite_store)) == 1
    finally:
        source.close()


def test_a_new_uidvalidity_rereads_the_folder_without_storing_twice(
    dovecot: Dovecot, imap_account: Account, sqlite_settings: Settings, sqlite_store: Store
) -> None:
    first = [make_email(CIT_REQUEST, subject=f"CIT {n}") for n in range(2)]
    dovecot.append(imap_account, first, folder="Intake")
    pipeline = pipeline_for(sqlite_settings, sqlite_store)
    source = imap_source(dovecot, imap_account, folders=("Intake",), after="leave")
    try:
        assert pipeline.poll(source).stored == 2
        old_validity, _ = cursor_of(sqlite_store, "Intake")
        with dovecot.client(imap_account) as client:
            client.delete_folder("Intake")
        dovecot.append(
            imap_account,
            [*first, make_email(CO_RESPONDER_REQUEST, subject="After rebuild")],
            folder="Intake",
        )
        report = pipeline.poll(source)
        assert (report.fetched, report.stored, report.duplicates) == (3, 1, 2)
        new_validity, last_uid = cursor_of(sqlite_store, "Intake")
        assert new_validity != old_validity and last_uid == 3
    finally:
        source.close()


def test_backfill_records_history_without_notifying_staff(
    dovecot: Dovecot, imap_account: Account, sqlite_settings: Settings, sqlite_store: Store
) -> None:
    with dovecot.client(imap_account) as client:
        for year in (2018, 2024):
            client.append(
                "INBOX",
                make_email(CO_RESPONDER_REQUEST, subject=f"History {year}"),
                msg_time=dt.datetime(year, 6, 1, tzinfo=dt.UTC),
            )
    pipeline = pipeline_for(sqlite_settings, sqlite_store)
    backfill = ImapSource(
        dovecot.settings(imap_account, after="leave"),
        name="tracking",
        password=imap_account.password,
        since=dt.date(2020, 1, 1),
    )
    try:
        report = pipeline.ingest(backfill, notify_staff=False)
        pipeline.process_pending(report=report)
    finally:
        backfill.close()
    stored = rows(sqlite_store)
    assert [(r.uid, r.notify) for r in stored] == [(2, False)]
    with session_scope(sqlite_store) as session:
        assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
