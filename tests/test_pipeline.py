"""The whole path from a Maildir to recorded requests and staff emails, on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

import classify
from ingest import MaildirSource
from intake.config import Settings
from intake.pipeline import Pipeline, load_classifiers
from store.db import Store, session_scope
from store.models import (
    Classification,
    InboundMessage,
    MessageStatus,
    OutboxEmail,
    OutboxStatus,
    Request,
    SiteSuggestion,
)
from tests.mail import CIT_REQUEST, CO_RESPONDER_REQUEST, make_email


def make_pipeline(settings: Settings, store: Store) -> Pipeline:
    return Pipeline(settings, store, load_classifiers(settings))


def source_for(settings: Settings, *, mark_seen: bool = True) -> MaildirSource:
    return MaildirSource(settings.source.maildir_path, name="tracking", mark_seen=mark_seen)


def count(store: Store, model: type) -> int:
    with session_scope(store) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_end_to_end_request_is_recorded_classified_and_notified(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    deliver(make_email(CO_RESPONDER_REQUEST, subject="Co-responder program questions"))
    pipeline = make_pipeline(settings, store)

    report = pipeline.poll(source_for(settings))
    assert (report.stored, report.processed, report.failed) == (1, 1, 0)

    with session_scope(store) as session:
        message = session.scalars(select(InboundMessage)).one()
        assert message.status == MessageStatus.PROCESSED
        assert message.kind == "request"
        assert message.raw is not None and b"Riverton" in message.raw
        request = session.scalars(select(Request)).one()
        assert request.ref.startswith("LS-") and request.kind == "request"
        assert request.requester_email == "jellis@rivertonpd.example.gov"
        assert "co_responder" in request.specializations
        classification = session.scalars(select(Classification)).one()
        assert classification.rules_version and classification.request_id == request.id
        primary = [label for label in classification.labels if "primary" in label]
        assert [label["label"] for label in primary] == [request.specializations[0]]
        assert primary[0]["primary"]  # why it leads, in words
        assert session.scalars(select(SiteSuggestion)).all(), (
            "a co-responder request gets suggestions"
        )
        queued = session.scalars(select(OutboxEmail)).one()
        assert queued.purpose == "notification" and queued.request_id == request.id
        assert request.notification_message_id == queued.message_id

    sent = pipeline.send_outbox()
    assert sent.sent == 1
    files = sorted(settings.notify.outbox_dir.glob("*.eml"))
    assert len(files) == 1
    staff_email = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert staff_email["To"] == "staff@program.example.org"
    assert staff_email["Subject"].startswith(f"[{request.ref}]")
    assert staff_email["Auto-Submitted"] == "auto-generated"
    parts = {part.get_content_type() for part in staff_email.walk()}
    assert {"text/plain", "text/html"} <= parts


def test_poll_acknowledges_so_the_next_poll_fetches_nothing(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    deliver(make_email(CIT_REQUEST))
    pipeline = make_pipeline(settings, store)
    assert pipeline.poll(source_for(settings)).stored == 1
    again = pipeline.poll(source_for(settings))
    assert (again.fetched, again.stored) == (0, 0)


def test_the_same_message_twice_is_stored_once(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    raw = make_email(CIT_REQUEST, message_id="<same-one@tests.example.org>")
    deliver(raw)
    deliver(raw.replace(b"Good afternoon", b"Good evening"))  # same Message-ID, other bytes
    pipeline = make_pipeline(settings, store)
    report = pipeline.poll(source_for(settings, mark_seen=False))
    assert (report.stored, report.duplicates) == (1, 1)
    assert pipeline.poll(source_for(settings, mark_seen=False)).duplicates == 2
    assert count(store, InboundMessage) == 1
    assert count(store, Request) == 1
    assert count(store, OutboxEmail) == 1


def test_messages_without_message_id_dedupe_by_content(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    raw = make_email(CIT_REQUEST, message_id=None)
    deliver(raw)
    deliver(raw)
    deliver(make_email(CO_RESPONDER_REQUEST, message_id=None))
    report = make_pipeline(settings, store).poll(source_for(settings))
    assert (report.stored, report.duplicates) == (2, 1)
    with session_scope(store) as session:
        keys = session.scalars(select(InboundMessage.dedupe_key)).all()
    assert all("|sha256|" in key for key in keys)


def test_a_failing_message_is_kept_and_later_reprocessed(
    settings: Settings,
    store: Store,
    deliver: Callable[[bytes], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deliver(make_email(CIT_REQUEST, subject="first"))
    deliver(make_email(CO_RESPONDER_REQUEST, subject="boom"))
    deliver(make_email(CIT_REQUEST, subject="third"))
    real_analyze = classify.analyze

    def flaky(email_: object, *args: object, **kwargs: object) -> classify.Analysis:
        # A programming error inside classification: no real mail server can produce this fault.
        if getattr(email_, "subject", "") == "boom":
            raise RuntimeError("classifier exploded")
        return real_analyze(email_, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(classify, "analyze", flaky)
    pipeline = make_pipeline(settings, store)
    report = pipeline.poll(source_for(settings))
    assert (report.stored, report.processed, report.failed) == (3, 2, 1)
    with session_scope(store) as session:
        failed = session.scalars(
            select(InboundMessage).where(InboundMessage.status == MessageStatus.FAILED)
        ).one()
        assert "classifier exploded" in failed.error
        assert failed.request_id is None
        assert session.scalar(select(func.count()).select_from(Request)) == 2

    monkeypatch.setattr(classify, "analyze", real_analyze)
    retry = pipeline.process_pending(statuses=(MessageStatus.FAILED,))
    assert (retry.processed, retry.failed) == (1, 0)
    with session_scope(store) as session:
        statuses = session.scalars(select(InboundMessage.status)).all()
        assert set(statuses) == {MessageStatus.PROCESSED}
        assert session.scalar(select(func.count()).select_from(Request)) == 3
        assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 3


def test_work_left_by_a_crash_after_storing_is_finished_exactly_once(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    deliver(make_email(CO_RESPONDER_REQUEST))
    first = make_pipeline(settings, store)
    first.ingest(source_for(settings))  # stored and acknowledged, then the process "dies"
    assert count(store, Request) == 0

    second = make_pipeline(settings, store)
    report = second.poll(source_for(settings))
    assert (report.fetched, report.processed) == (0, 1)
    second.poll(source_for(settings))
    assert count(store, Request) == 1
    assert count(store, OutboxEmail) == 1


def test_a_crash_before_acknowledging_is_absorbed_by_the_dedupe_key(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    deliver(make_email(CIT_REQUEST))

    class CrashingAck(MaildirSource):
        def acknowledge(self, messages: object) -> None:
            raise KeyboardInterrupt  # the process dies between commit and acknowledgement

    pipeline = make_pipeline(settings, store)
    with pytest.raises(KeyboardInterrupt):
        pipeline.poll(CrashingAck(settings.source.maildir_path, name="tracking"))
    report = pipeline.poll(source_for(settings))
    assert (report.fetched, report.stored, report.duplicates) == (1, 0, 1)
    assert report.processed == 1
    assert count(store, InboundMessage) == 1
    assert count(store, OutboxEmail) == 1


def test_a_reply_joins_its_request_and_sends_a_threaded_update(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    original = make_email(
        CO_RESPONDER_REQUEST,
        subject="Co-responder help",
        message_id="<orig-1@rivertonpd.example.gov>",
    )
    deliver(original)
    pipeline = make_pipeline(settings, store)
    pipeline.poll(source_for(settings))
    deliver(
        make_email(
            "Thanks, Tuesday works for the call.\n\nJordan",
            subject="Re: Co-responder help",
            headers={
                "In-Reply-To": "<orig-1@rivertonpd.example.gov>",
                "References": "<orig-1@rivertonpd.example.gov>",
            },
        )
    )
    pipeline.poll(source_for(settings))
    with session_scope(store) as session:
        request = session.scalars(select(Request)).one()
        assert [m.kind for m in request.messages] == ["request", "reply"]
        # The reply's short sign-off names nobody's agency: it is filled from the request.
        reply = session.scalars(select(Classification).where(Classification.kind == "reply")).one()
        assert reply.requester["agency"] == request.requester_agency != ""
        assert reply.requester["city"] == request.requester_city != ""
        update = session.scalars(select(OutboxEmail).where(OutboxEmail.purpose == "update")).one()
        parsed = email.message_from_bytes(update.raw, policy=email.policy.default)
        assert parsed["In-Reply-To"] == request.notification_message_id
        assert request.notification_message_id in parsed["References"]


def test_automatic_mail_opens_no_request_and_notifies_nobody(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    deliver(
        make_email(
            "I am out of the office until Monday.",
            subject="Out of Office",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    deliver(
        make_email(
            "This month's webinar on crisis response...",
            subject="Newsletter",
            headers={
                "List-Unsubscribe": "<mailto:unsubscribe@news.example.com>",
                "Precedence": "bulk",
            },
        )
    )
    make_pipeline(settings, store).poll(source_for(settings))
    with session_scope(store) as session:
        kinds = sorted(session.scalars(select(InboundMessage.kind)).all())
    assert kinds == ["auto_reply", "other"]
    assert count(store, Request) == 0
    assert count(store, OutboxEmail) == 0


def test_oversize_mail_is_quarantined_with_its_headers(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    deliver(make_email("x" * 5000, subject="Huge attachment"))
    deliver(make_email(CIT_REQUEST))
    small_cap = replace(settings, source=replace(settings.source, max_message_bytes=3000))
    source = MaildirSource(small_cap.source.maildir_path, name="tracking", max_bytes=3000)

    report = make_pipeline(small_cap, store).poll(source)

    assert (report.stored, report.quarantined, report.processed) == (2, 1, 1)
    with session_scope(store) as session:
        held = session.scalars(
            select(InboundMessage).where(InboundMessage.status == MessageStatus.QUARANTINED)
        ).one()
        assert held.raw is None
        assert "over the 3000-byte limit" in held.error
        assert "Subject: Huge attachment" in held.header_summary


def test_digest_is_made_once_per_day(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    import datetime as dt

    deliver(make_email(CO_RESPONDER_REQUEST))
    pipeline = make_pipeline(settings, store)
    pipeline.poll(source_for(settings))
    day = dt.date(2026, 11, 28)
    assert pipeline.run_digest(day) is not None
    assert pipeline.run_digest(day) is None
    with session_scope(store) as session:
        digests = session.scalars(select(OutboxEmail).where(OutboxEmail.purpose == "digest")).all()
        assert len(digests) == 1
        text = email.message_from_bytes(digests[0].raw, policy=email.policy.default)
        body = text.get_body(("plain",))
        request_ref = session.scalars(select(Request.ref)).one()
        assert body is not None and request_ref in body.get_content()
    pipeline.send_outbox()
    with session_scope(store) as session:
        assert set(session.scalars(select(OutboxEmail.status)).all()) == {OutboxStatus.SENT}


def test_reclassify_applies_new_rules_and_reports_changes(
    settings: Settings, store: Store, deliver: Callable[[bytes], str], tmp_path: Path
) -> None:
    deliver(make_email(CO_RESPONDER_REQUEST, subject="Help with our program"))
    pipeline = make_pipeline(settings, store)
    pipeline.poll(source_for(settings))
    assert pipeline.reclassify() == [], "same rules, same result"

    # An admin's new rules file that knows nothing: every need disappears.
    empty_rules = tmp_path / "empty-rules.toml"
    empty_rules.write_text("# no rules\n")
    pipeline.classifiers = load_classifiers(replace(settings, rules_path=empty_rules))
    changes = pipeline.reclassify()
    assert len(changes) == 1
    assert "specializations" in changes[0].fields
    before, after = changes[0].fields["specializations"]
    assert "co_responder" in before and after == []
    with session_scope(store) as session:
        request = session.scalars(select(Request)).one()
        assert request.specializations == []
        assert len(request.classifications) == 3  # the original and two re-runs, kept as history


def test_two_workers_never_process_one_message_twice(
    settings: Settings, store: Store, deliver: Callable[[bytes], str]
) -> None:
    import threading

    from store.db import connect

    deliver(make_email(CO_RESPONDER_REQUEST))
    make_pipeline(settings, store).ingest(source_for(settings))
    with session_scope(store) as session:
        message_id = session.scalars(select(InboundMessage.id)).one()

    stores = [connect(settings.database_url) for _ in range(2)]  # two processes, in effect
    workers = [make_pipeline(settings, s) for s in stores]
    start = threading.Barrier(2)
    results: list[bool] = []

    def work(pipeline: Pipeline) -> None:
        start.wait()
        results.append(pipeline.process_one(message_id))

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for s in stores:
        s.dispose()

    assert results == [True, True]
    assert count(store, Request) == 1
    assert count(store, OutboxEmail) == 1
    with session_scope(store) as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None
        assert (message.status, message.attempts) == (MessageStatus.PROCESSED, 1)
