"""The IMAP source against a real Dovecot over TLS: polling, acknowledging, failures, IDLE."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import pytest

from ingest.imap import (
    ImapAuthError,
    ImapConnectError,
    ImapFolderError,
    ImapSettings,
    ImapSource,
    ImapTlsError,
    check,
)
from ingest.sources import Cursor, FetchedMessage
from store.queries import dedupe_key
from tests.dovecot import RESTRICTED_HOST, Account, Dovecot
from tests.mail import make_email

pytestmark = pytest.mark.dovecot


def emails(count: int, tag: str = "note") -> list[bytes]:
    return [
        make_email(f"Message {n} body text.", subject=f"{tag} {n}", message_id=f"<{tag}-{n}@t.org>")
        for n in range(count)
    ]


def source_for(dovecot: Dovecot, account: Account, **overrides: object) -> ImapSource:
    return ImapSource(
        dovecot.settings(account, **overrides), name="tracking", password=account.password
    )


def cursors_after(messages: list[FetchedMessage]) -> dict[str, Cursor]:
    """What the pipeline's cursor would be after committing these messages."""
    cursors: dict[str, Cursor] = {}
    for message in messages:
        assert message.uid is not None
        old = cursors.get(message.folder, Cursor())
        cursors[message.folder] = Cursor(message.uidvalidity, max(old.last_uid, message.uid))
    return cursors


def flags_of(dovecot: Dovecot, account: Account, folder: str = "INBOX") -> dict[int, set[bytes]]:
    with dovecot.client(account) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        if not uids:
            return {}
        return {uid: set(data[b"FLAGS"]) for uid, data in client.fetch(uids, ["FLAGS"]).items()}


def subjects(messages: list[FetchedMessage]) -> list[str]:
    out = []
    for message in messages:
        assert message.raw is not None
        line = next(ln for ln in message.raw.split(b"\r\n") if ln.startswith(b"Subject:"))
        out.append(line.split(b": ", 1)[1].decode())
    return out


# -- incremental polling ------------------------------------------------------------------


def test_polls_return_only_mail_past_the_cursor(dovecot: Dovecot, imap_account: Account) -> None:
    seeded = emails(3, "first")
    dovecot.append(imap_account, seeded)
    source = source_for(dovecot, imap_account, after="leave")
    try:
        first = list(source.fetch({}))
        assert [m.raw for m in first] == seeded  # byte for byte, as delivered
        assert [m.uid for m in first] == [1, 2, 3]
        message = first[0]
        assert message.source == "tracking" and message.folder == "INBOX"
        assert message.source_key == f"{message.uidvalidity}:1"
        assert message.size == len(seeded[0]) and message.refused == ""

        # Nothing new: "UID 4:*" still matches UID 3 on the server, and must not come back.
        assert list(source.fetch(cursors_after(first))) == []

        dovecot.append(imap_account, emails(2, "second"))
        second = list(source.fetch(cursors_after(first)))
        assert subjects(second) == ["second 0", "second 1"]
        assert [m.uid for m in second] == [4, 5]
    finally:
        source.close()
    # BODY.PEEK[] leaves flags alone: a person reading the mailbox still sees it unread.
    assert all(b"\\Seen" not in flags for flags in flags_of(dovecot, imap_account).values())


def test_several_folders_each_with_their_own_cursor(
    dovecot: Dovecot, imap_account: Account
) -> None:
    dovecot.append(imap_account, emails(1, "inbox"))
    dovecot.append(imap_account, emails(2, "requests"), folder="Requests")
    source = source_for(dovecot, imap_account, folders=("INBOX", "Requests"), after="leave")
    try:
        first = list(source.fetch({}))
        assert [(m.folder, m.uid) for m in first] == [
            ("INBOX", 1),
            ("Requests", 1),
            ("Requests", 2),
        ]
        cursors = cursors_after(first)
        dovecot.append(imap_account, emails(1, "later"), folder="Requests")
        assert [(m.folder, m.uid) for m in source.fetch(cursors)] == [("Requests", 3)]
    finally:
        source.close()


def test_batches_are_bounded_and_progress_is_reported(
    dovecot: Dovecot, imap_account: Account
) -> None:
    dovecot.append(imap_account, emails(7, "batch"))
    seen: list[tuple[str, int, int]] = []
    source = ImapSource(
        dovecot.settings(imap_account, after="leave", fetch_batch=3, fetch_batch_bytes=700),
        name="tracking",
        password=imap_account.password,
        progress=lambda folder, done, total: seen.append((folder, done, total)),
    )
    try:
        assert source.count_pending({}) == {"INBOX": 7}
        fetched = list(source.fetch({}))
    finally:
        source.close()
    assert subjects(fetched) == [f"batch {n}" for n in range(7)]
    assert seen[0] == ("INBOX", 0, 7) and seen[-1] == ("INBOX", 7, 7)


# -- acknowledging ------------------------------------------------------------------------


def test_seen_mode_marks_messages_read_only_when_acknowledged(
    dovecot: Dovecot, imap_account: Account
) -> None:
    dovecot.append(imap_account, emails(2))
    source = source_for(dovecot, imap_account, after="seen")
    try:
        fetched = list(source.fetch({}))
        assert all(b"\\Seen" not in f for f in flags_of(dovecot, imap_account).values())
        source.acknowledge(fetched[:1])
    finally:
        source.close()
    flags = flags_of(dovecot, imap_account)
    assert b"\\Seen" in flags[1] and b"\\Seen" not in flags[2]


def test_flag_mode_sets_the_configured_keyword(dovecot: Dovecot, imap_account: Account) -> None:
    dovecot.append(imap_account, emails(2))
    source = source_for(dovecot, imap_account, after="flag", flag_keyword="$Stored")
    try:
        source.acknowledge(list(source.fetch({})))
    finally:
        source.close()
    for flags in flags_of(dovecot, imap_account).values():
        assert b"$Stored" in flags and b"\\Seen" not in flags


def test_move_mode_moves_into_a_created_processed_folder(
    dovecot: Dovecot, imap_account: Account
) -> None:
    dovecot.append(imap_account, emails(3, "mv"))
    source = source_for(dovecot, imap_account, after="move", move_to="Processed")
    try:
        fetched = list(source.fetch({}))
        source.acknowledge(fetched)
        assert list(source.fetch(cursors_after(fetched))) == []
    finally:
        source.close()
    assert flags_of(dovecot, imap_account) == {}
    assert len(flags_of(dovecot, imap_account, "Processed")) == 3


def test_move_without_move_capability_copies_and_expunges_over_starttls(
    dovecot: Dovecot, imap_account: Account
) -> None:
    dovecot.append(imap_account, emails(2, "old-server"))
    source = source_for(
        dovecot,
        imap_account,
        host=RESTRICTED_HOST,
        port=dovecot.imap_port,
        security="starttls",
        after="move",
        move_to="Done",
    )
    try:
        fetched = list(source.fetch({}))
        client = source._connection()
        assert not client.has_capability("MOVE") and not client.has_capability("UIDPLUS")
        source.acknowledge(fetched)
    finally:
        source.close()
    assert flags_of(dovecot, imap_account) == {}
    assert len(flags_of(dovecot, imap_account, "Done")) == 2


def test_a_crash_between_commit_and_acknowledge_offers_the_mail_again(
    dovecot: Dovecot, imap_account: Account
) -> None:
    dovecot.append(imap_account, emails(3, "crash"))
    settings = dovecot.settings(imap_account, after="flag")
    first_run = ImapSource(settings, name="tracking", password=imap_account.password)
    fetched = list(first_run.fetch({}))
    committed = cursors_after(fetched)  # the pipeline stored them and moved the cursor...
    first_run.close()  # ...and the process died before acknowledging

    second_run = ImapSource(settings, name="tracking", password=imap_account.password)
    try:
        # With the cursor as it was before the crash: plainly the same messages.
        assert [m.raw for m in second_run.fetch({})] == [m.raw for m in fetched]
        # With the committed cursor: found again because they still lack the keyword.
        again = list(second_run.fetch(committed))
        assert [(m.uid, m.raw) for m in again] == [(m.uid, m.raw) for m in fetched]
        # The store's dedupe key (source + Message-ID) is identical, so nothing is stored twice.
        assert {key_of(m) for m in again} == {key_of(m) for m in fetched}
        second_run.acknowledge(again)
        assert list(second_run.fetch(committed)) == []
    finally:
        second_run.close()


def key_of(message: FetchedMessage) -> str:
    assert message.raw is not None
    line = next(ln for ln in message.raw.split(b"\r\n") if ln.startswith(b"Message-ID:"))
    return dedupe_key(message.source, line.split(b": ", 1)[1].decode(), "unused")


def test_uidvalidity_change_rereads_the_folder_from_uid_one(
    dovecot: Dovecot, imap_account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    seeded = emails(2, "before")
    dovecot.append(imap_account, seeded, folder="Intake")
    source = source_for(dovecot, imap_account, folders=("Intake",), after="leave")
    try:
        first = list(source.fetch({}))
        cursor = cursors_after(first)
        source.close()
        with dovecot.client(imap_account) as client:  # the folder is rebuilt by an admin
            client.delete_folder("Intake")
        dovecot.append(imap_account, [*seeded, *emails(1, "after")], folder="Intake")
        with caplog.at_level(logging.WARNING, logger="ingest.imap"):
            again = list(source.fetch(cursor))
    finally:
        source.close()
    assert again[0].uidvalidity != first[0].uidvalidity
    assert [m.uid for m in again] == [1, 2, 3]
    assert {key_of(m) for m in again[:2]} == {key_of(m) for m in first}
    assert "UIDVALIDITY changed" in caplog.text


def test_oversize_mail_is_refused_with_its_headers_and_no_body(
    dovecot: Dovecot, imap_account: Account
) -> None:
    big = make_email("x" * 6000 + "\n", subject="Huge scan attached", message_id="<huge@t.org>")
    small = make_email("short", subject="Small one", message_id="<small@t.org>")
    dovecot.append(imap_account, [small, big])
    source = source_for(dovecot, imap_account, max_bytes=3000, header_bytes=4000)
    try:
        fetched = list(source.fetch({}))
    finally:
        source.close()
    assert fetched[0].raw == small and fetched[0].refused == ""
    refused = fetched[1]
    assert refused.raw is None and refused.size == len(big)
    assert "over the 3000-byte limit" in refused.refused
    assert "Subject: Huge scan attached" in refused.header_summary
    assert "Message-ID: <huge@t.org>" in refused.header_summary
    assert "xxxx" not in refused.header_summary


# -- backfill -----------------------------------------------------------------------------


def test_backfill_reads_everything_since_a_date_ignoring_the_cursor(
    dovecot: Dovecot, imap_account: Account
) -> None:
    with dovecot.client(imap_account) as client:
        for n, year in enumerate((2019, 2020, 2024, 2025)):
            arrived = dt.datetime(year, 3, 1, 12, 0, tzinfo=dt.UTC)
            client.append("INBOX", emails(1, f"y{year}-{n}")[0], msg_time=arrived)
    seen: list[tuple[str, int, int]] = []
    source = ImapSource(
        dovecot.settings(imap_account, after="leave"),
        name="tracking",
        password=imap_account.password,
        since=dt.date(2023, 1, 1),
        progress=lambda *args: seen.append(args),
    )
    late_cursor = {"INBOX": Cursor(None, 4)}
    try:
        assert source.count_pending(late_cursor) == {"INBOX": 2}
        fetched = list(source.fetch(late_cursor))
    finally:
        source.close()
    assert subjects(fetched) == ["y2024-2 0", "y2025-3 0"]
    assert seen[-1] == ("INBOX", 2, 2)


# -- IDLE ---------------------------------------------------------------------------------


def test_idle_returns_when_the_server_announces_new_mail(
    dovecot: Dovecot, imap_account: Account
) -> None:
    source = source_for(dovecot, imap_account)
    try:
        assert list(source.fetch({})) == []
        assert source.wait_for_mail(0.3) is False  # nothing arrives: times out

        delivered = threading.Event()

        def deliver_soon() -> None:
            delivered.wait(5)
            dovecot.append(imap_account, emails(1, "idle"))

        sender = threading.Thread(target=deliver_soon)
        sender.start()
        threading.Timer(0.2, delivered.set).start()
        try:
            assert source.wait_for_mail(60) is True
        finally:
            sender.join()
        assert subjects(list(source.fetch({}))) == ["idle 0"]
    finally:
        source.close()


def test_idle_notices_mail_that_arrived_between_fetch_and_wait(
    dovecot: Dovecot, imap_account: Account
) -> None:
    source = source_for(dovecot, imap_account)
    try:
        list(source.fetch({}))
        dovecot.append(imap_account, emails(1, "between"))
        assert source.wait_for_mail(60) is True
    finally:
        source.close()


def test_without_idle_the_wait_is_plain_interval_polling(
    dovecot: Dovecot, imap_account: Account
) -> None:
    slept: list[float] = []
    source = ImapSource(
        dovecot.settings(
            imap_account, host=RESTRICTED_HOST, port=dovecot.imap_port, security="starttls"
        ),
        name="tracking",
        password=imap_account.password,
        sleeper=slept.append,
    )
    try:
        assert source.wait_for_mail(42.0) is False
    finally:
        source.close()
    assert slept == [42.0]


# -- failures -----------------------------------------------------------------------------


def test_a_server_restart_mid_fetch_is_survived_by_reconnecting(
    dovecot: Dovecot, imap_account: Account
) -> None:
    dovecot.append(imap_account, emails(4, "restart"))
    source = source_for(dovecot, imap_account, fetch_batch=1, after="seen")
    try:
        stream = source.fetch({})
        got = [next(stream), next(stream)]
        dovecot.restart()
        got.extend(stream)
        assert subjects(got) == [f"restart {n}" for n in range(4)]
        assert source.reconnects >= 1
        source.acknowledge(got)  # on the new connection
    finally:
        source.close()
    assert all(b"\\Seen" in f for f in flags_of(dovecot, imap_account).values())


def test_idle_reconnects_after_the_server_restarts(dovecot: Dovecot, imap_account: Account) -> None:
    stopped = threading.Event()

    def stop() -> None:
        dovecot.stop()
        stopped.set()

    def start_then_sleep(delay: float) -> None:
        # Started from this (main) thread: Dovecot's PR_SET_PDEATHSIG follows the thread
        # that spawned it, so a timer thread starting it would take it down on exit.
        if stopped.wait(10) and dovecot.process is None:
            dovecot.start()
        time.sleep(delay)

    source = ImapSource(
        dovecot.settings(imap_account, reconnect_attempts=20),
        name="tracking",
        password=imap_account.password,
        sleeper=start_then_sleep,
    )
    try:
        list(source.fetch({}))
        stopper = threading.Timer(0.3, stop)
        stopper.start()
        try:
            # The wait ends early: after a reconnect, mail may have come while away.
            assert source.wait_for_mail(60) is True
        finally:
            stopper.join()
            if dovecot.process is None:
                dovecot.start()
        assert source.reconnects >= 1
        dovecot.append(imap_account, emails(1, "after-restart"))
        assert subjects(list(source.fetch({}))) == ["after-restart 0"]
    finally:
        source.close()


def test_a_server_that_stays_down_gives_a_clear_error(
    dovecot: Dovecot, imap_account: Account
) -> None:
    slept: list[float] = []
    settings = dovecot.settings(imap_account, reconnect_attempts=3)
    source = ImapSource(settings, name="t", password=imap_account.password, sleeper=slept.append)
    dovecot.stop()
    try:
        with pytest.raises(ImapConnectError, match=f"{settings.address}.*3 reconnect attempts"):
            list(source.fetch({}))
    finally:
        dovecot.start()
        source.close()
    assert len(slept) == 3 and slept[0] < slept[-1]  # backoff grew between attempts


def test_a_wrong_password_is_a_clear_error_without_the_password(
    dovecot: Dovecot, imap_account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "not-the-password-9f3a"
    source = ImapSource(dovecot.settings(imap_account), name="t", password=wrong)
    with caplog.at_level(logging.DEBUG), pytest.raises(ImapAuthError) as failure:
        list(source.fetch({}))
    assert imap_account.user in str(failure.value)
    assert "refused" in str(failure.value)
    assert wrong not in str(failure.value) and wrong not in caplog.text
    assert source.reconnects == 0  # a refused login is not retried


def test_an_untrusted_certificate_is_a_tls_error(dovecot: Dovecot, imap_account: Account) -> None:
    settings = dovecot.settings(imap_account, ca_file="")
    with pytest.raises(ImapTlsError, match="not trusted.*ca_file"):
        check(settings, imap_account.password)


def test_tls_spoken_to_a_plain_port_is_a_tls_error(dovecot: Dovecot, imap_account: Account) -> None:
    settings = dovecot.settings(imap_account, port=dovecot.imap_port, timeout_seconds=5.0)
    with pytest.raises(ImapTlsError, match="TLS handshake"):
        check(settings, imap_account.password)


def test_nothing_listening_is_a_connect_error(imap_account: Account, dovecot: Dovecot) -> None:
    from tests.dovecot import free_port

    settings = dovecot.settings(imap_account, port=free_port())
    with pytest.raises(ImapConnectError, match="cannot connect"):
        check(settings, imap_account.password)


def test_plain_imap_only_when_asked_for(dovecot: Dovecot, imap_account: Account) -> None:
    dovecot.append(imap_account, emails(1, "plain"))
    source = source_for(dovecot, imap_account, port=dovecot.imap_port, security="plain")
    try:
        assert subjects(list(source.fetch({}))) == ["plain 0"]
        assert not source._connection().ssl
    finally:
        source.close()


def test_an_unknown_folder_is_a_clear_error(dovecot: Dovecot, imap_account: Account) -> None:
    source = source_for(dovecot, imap_account, folders=("Nowhere",))
    with pytest.raises(ImapFolderError, match="Nowhere"):
        list(source.fetch({}))
    source.close()
    with pytest.raises(ImapFolderError, match="'Nowhere' does not exist.*INBOX"):
        check(dovecot.settings(imap_account, folders=("Nowhere",)), imap_account.password)


def test_check_reports_capabilities_folders_and_counts(
    dovecot: Dovecot, imap_account: Account
) -> None:
    dovecot.append(imap_account, emails(2, "count"))
    dovecot.append(imap_account, emails(1, "other"), folder="Requests")
    settings = dovecot.settings(imap_account, folders=("INBOX", "Requests"), after="move")
    report = check(settings, imap_account.password)
    assert "IMAP4REV1" in report.capabilities and "IDLE" in report.capabilities
    assert {"INBOX", "Requests"} <= set(report.folders)
    counts = {f.name: (f.messages, f.unseen) for f in report.watched}
    assert counts == {"INBOX": (2, 2), "Requests": (1, 1)}
    assert report.move_to_exists is False
    assert any("Processed" in note for note in report.notes)


def test_check_notes_what_an_old_server_lacks(dovecot: Dovecot, imap_account: Account) -> None:
    settings = dovecot.settings(
        imap_account,
        host=RESTRICTED_HOST,
        port=dovecot.imap_port,
        security="starttls",
        after="move",
    )
    notes = " ".join(check(settings, imap_account.password).notes)
    assert "IDLE" in notes and "MOVE" in notes


def test_settings_reject_unsafe_or_contradictory_choices(
    dovecot: Dovecot, imap_account: Account
) -> None:
    base: Callable[..., ImapSettings] = lambda **kw: dovecot.settings(imap_account, **kw)  # noqa: E731
    settings = base()
    with pytest.raises(Exception, match="move_to"):
        replace(settings, after="move", move_to="INBOX")
    with pytest.raises(Exception, match="flag_keyword"):
        replace(settings, after="flag", flag_keyword="has space")
    with pytest.raises(Exception, match="security"):
        replace(settings, security="ssl")
