"""The pipeline: fetch, store raw, parse, kind, thread, classify, rank, record, queue."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import classify
import notify
from ingest import FetchedMessage, IngestError, ParsedEmail, ParseError, Source, parse_email
from ingest.sources import Cursor, header_block
from intake.config import Settings
from store import queries
from store.db import Store, session_scope
from store.models import (
    Classification,
    InboundMessage,
    MessageStatus,
    Request,
    SiteContact,
    SiteSuggestion,
    utcnow,
)

log = logging.getLogger(__name__)

# Raw bytes held in one ingest transaction before it is committed and acknowledged.
BATCH_BYTES = 64 * 1024 * 1024
# Statuses a message can be (re)processed from.
WAITING = (MessageStatus.RECEIVED, MessageStatus.FAILED)
_EMBEDDED_MSGID = re.compile(rb"^Message-ID:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)


@dataclass
class PollReport:
    """What one poll did, for the CLI and the logs."""

    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    processed: int = 0
    failed: int = 0
    message_ids: list[int] = field(default_factory=list)  # rows this poll stored or processed


@dataclass
class Classifiers:
    """The rules and site directory in force, reloaded when their files change."""

    rules: classify.RuleSet
    sites: classify.SiteDirectory

    @property
    def site_names(self) -> dict[str, str]:
        return {site.id: site.name for site in self.sites.sites}

    def changed(self) -> bool:
        """True when rules.toml or sites.toml no longer holds what was loaded."""
        return classify.rules_changed(self.rules) or classify.sites_changed(self.sites)


def load_classifiers(settings: Settings) -> Classifiers:
    """Load rules and sites; problems in single entries are logged, never fatal."""
    rules = classify.load_rules(settings.rules_path)
    sites = classify.load_sites(settings.sites_path)
    for problem in (*rules.problems, *sites.problems):
        log.warning("%s", problem)
    return Classifiers(rules=rules, sites=sites)


class Pipeline:
    """Runs messages from a source through every stage, one transaction per message."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        classifiers: Classifiers,
        *,
        renderer: notify.Renderer | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.classifiers = classifiers
        self.renderer = renderer or notify.Renderer(
            settings.notify.templates_dir, settings.notify.templates_override_dir
        )

    # -- stage 1: store raw, commit, then acknowledge -------------------------------------

    def ingest(
        self, source: Source, *, notify_staff: bool = True, report: PollReport | None = None
    ) -> PollReport:
        """Fetch from the source and durably store every message before acknowledging it.

        Messages are committed in batches (bounded by count and bytes) and each batch is
        acknowledged only after its commit. If fetching fails midway, what was already
        fetched is committed first, so it is never fetched and processed twice.
        """
        report = report or PollReport()
        with session_scope(self.store) as session:
            cursors = {
                state.folder: Cursor(state.uidvalidity, state.last_uid)
                for state in queries.states_for(session, source.name)
            }
        batch: list[FetchedMessage] = []
        batch_bytes = 0
        session = self.store.session()
        try:
            for fetched in source.fetch(cursors):
                report.fetched += 1
                row, created = self._store_raw(session, fetched, notify_staff=notify_staff)
                if fetched.uid is not None:
                    state = queries.mailbox_state(session, fetched.source, fetched.folder)
                    if state.uidvalidity != fetched.uidvalidity:
                        state.uidvalidity, state.last_uid = fetched.uidvalidity, 0
                    state.last_uid = max(state.last_uid, fetched.uid)
                if created:
                    report.stored += 1
                    report.message_ids.append(row.id)
                    if row.status == MessageStatus.QUARANTINED:
                        report.quarantined += 1
                else:
                    report.duplicates += 1
                batch.append(fetched)
                batch_bytes += fetched.size
                if len(batch) >= self.settings.source.batch_size or batch_bytes >= BATCH_BYTES:
                    session.commit()
                    source.acknowledge(batch)
                    batch, batch_bytes = [], 0
            session.commit()
        except BaseException:
            session.commit()  # keep what was fetched; it is simply not acknowledged yet
            raise
        finally:
            session.close()
        if batch:
            source.acknowledge(batch)
        return report

    def _store_raw(
        self, session: Session, fetched: FetchedMessage, *, notify_staff: bool
    ) -> tuple[InboundMessage, bool]:
        raw = fetched.raw
        sha = hashlib.sha256(
            raw if raw is not None else fetched.header_summary.encode()
        ).hexdigest()
        message_id = _header_message_id(raw if raw is not None else fetched.header_summary.encode())
        row = InboundMessage(
            dedupe_key=queries.dedupe_key(fetched.source, message_id, sha),
            source=fetched.source,
            folder=fetched.folder,
            source_key=fetched.source_key,
            uidvalidity=fetched.uidvalidity,
            uid=fetched.uid,
            message_id=message_id,
            sha256=sha,
            size=fetched.size,
            raw=raw,
            header_summary=fetched.header_summary[:20000],
            notify=notify_staff,
        )
        if fetched.refused:
            row.status = MessageStatus.QUARANTINED
            row.error = fetched.refused
        elif raw is not None and len(raw) > self.settings.source.max_message_bytes:
            # A source without its own cap still never hands an oversize body to the parser.
            row.status = MessageStatus.QUARANTINED
            row.error = f"message is over the {self.settings.source.max_message_bytes}-byte limit"
            row.raw = None
            row.header_summary = header_block(raw)
        return queries.save_raw(session, row)

    # -- stages 2-8: process each stored message in its own transaction -------------------

    def process_pending(
        self,
        *,
        statuses: Sequence[str] = (MessageStatus.RECEIVED,),
        report: PollReport | None = None,
    ) -> PollReport:
        """Process every waiting message; one failure is recorded and the run goes on."""
        report = report or PollReport()
        with session_scope(self.store) as session:
            ids = queries.pending_message_ids(session, statuses)
        for message_id in ids:
            if self.process_one(message_id):
                report.processed += 1
            else:
                report.failed += 1
            if message_id not in report.message_ids:
                report.message_ids.append(message_id)
        return report

    def process_one(self, message_id: int) -> bool:
        """Process one stored message; on any error keep it as failed with the reason."""
        try:
            with session_scope(self.store) as session:
                # Claim the message with the transaction's first statement: a second poller
                # (another instance, or `intake reprocess`) waits on the row and then finds
                # it no longer waiting, so no message is ever processed twice.
                claimed = session.execute(
                    update(InboundMessage)
                    .where(
                        InboundMessage.id == message_id,
                        InboundMessage.status.in_(WAITING),
                    )
                    .values(attempts=InboundMessage.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
                if claimed.rowcount != 1:  # type: ignore[attr-defined]
                    return True
                message = session.get(InboundMessage, message_id, populate_existing=True)
                assert message is not None
                self._process(session, message)
                message.status = MessageStatus.PROCESSED
                message.error = ""
                message.processed_at = utcnow()
            return True
        except ParseError as exc:
            self._mark(message_id, MessageStatus.QUARANTINED, f"unreadable email: {exc}")
            return False
        except Exception as exc:  # one bad message must never stop the poller
            log.exception("message %s failed", message_id)
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            self._mark(message_id, MessageStatus.FAILED, detail[:2000])
            return False

    def _mark(self, message_id: int, status: str, error: str) -> None:
        with session_scope(self.store) as session:
            message = session.get(InboundMessage, message_id)
            if message is not None:
                message.status = status
                message.error = error
                message.attempts = max(message.attempts, 1)

    def _process(self, session: Session, message: InboundMessage) -> None:
        if message.raw is None:
            raise ParseError("no raw bytes stored")
        parsed = parse_email(message.raw)  # stage 2
        message.subject = parsed.subject[:500]
        message.from_addr = parsed.from_addr[:320]

        thread = queries.find_thread(  # stage 4 needs the thread before the kind is final
            session,
            message_ids=[*parsed.references, *parsed.in_reply_to],
            subject=parsed.subject,
            participants=[parsed.from_addr, parsed.reply_to_addr],
            exclude_message=message.id,
        )
        analysis = classify.analyze(  # stages 3 and 5
            parsed, self.classifiers.rules, self.classifiers.sites, known_thread=thread is not None
        )
        if thread is not None:
            analysis = replace(
                analysis, requester=analysis.requester.completed_from(known_requester(thread))
            )
        message.kind = analysis.kind.kind
        message.kind_reason = analysis.kind.reason[:2000]
        classification = record_classification(session, message, analysis)

        if message.kind == "bounce":
            bounced = queries.find_outbox_by_message_ids(
                session, [m.decode() for m in _EMBEDDED_MSGID.findall(message.raw)]
            )
            message.bounced_outbox_id = bounced.id if bounced else None
            if bounced is not None and bounced.request_id is not None:
                message.request_id = bounced.request_id
                classification.request_id = bounced.request_id
            return
        if message.kind in ("auto_reply", "other"):
            if thread is not None and message.kind == "auto_reply":
                message.request_id = thread.id  # kept with the request, but nobody is notified
                classification.request_id = thread.id
            return

        if thread is not None:
            request = thread
            message.request_id = request.id
            request.updated_at = utcnow()
            self._record_contacts(session, request, analysis, message)
            if analysis.contacted_sites:
                request.contacted_sites = sorted(
                    {*request.contacted_sites, *analysis.contacted_sites}
                )
        else:
            # A request or notice opens a record; so does a reply to something we never
            # stored, because it is still somebody asking.
            request = self._open_request(session, message, parsed, analysis)

        classification.request_id = request.id
        if message.notify:  # stage 8; backfilled history never notifies staff
            notify.queue_request_email(
                session,
                request,
                message,
                settings=self.settings.notify,
                renderer=self.renderer,
                site_names=self.classifiers.site_names,
                evidence={k: list(v) for k, v in analysis.evidence.items()},
            )

    def _open_request(
        self,
        session: Session,
        message: InboundMessage,
        parsed: ParsedEmail,
        analysis: classify.Analysis,
    ) -> Request:
        request = Request(ref="pending", subject=parsed.subject[:500], first_message_id=message.id)
        apply_analysis(request, analysis, fallback_email=parsed.from_addr)
        session.add(request)
        session.flush()
        request.ref = queries.next_request_ref(request, (request.created_at or utcnow()).year)
        message.request_id = request.id
        self._suggest(session, request, analysis)  # stage 6
        self._record_contacts(session, request, analysis, message)
        session.flush()
        session.refresh(request)
        return request

    def _suggest(self, session: Session, request: Request, analysis: classify.Analysis) -> None:
        """Replace the request's site suggestions with a fresh ranking."""
        for old in list(request.suggestions):
            session.delete(old)
        session.flush()
        load = queries.recent_suggestion_load(session)
        ranking = classify.rank_sites(analysis, self.classifiers.sites, self.settings.ranking, load)
        for suggestion in ranking:
            session.add(
                SiteSuggestion(
                    request_id=request.id,
                    rank=suggestion.rank,
                    site_id=suggestion.site_id,
                    score=suggestion.score,
                    reasons=list(suggestion.reasons),
                )
            )

    def reclassify(
        self, *, since: dt.datetime | None = None, progress: Callable[[int], None] | None = None
    ) -> list[Change]:
        """Re-run classification and ranking over stored requests with the rules now in force.

        Each request is re-read from its first message and updated in its own transaction;
        the old classification rows stay, so the history of decisions is kept.
        """
        with session_scope(self.store) as session:
            query = select(Request.id).order_by(Request.id)
            if since is not None:
                query = query.where(Request.created_at >= since)
            ids = list(session.scalars(query))
        changes: list[Change] = []
        for request_id in ids:
            with session_scope(self.store) as session:
                request = session.get(Request, request_id)
                first = session.get(InboundMessage, request.first_message_id) if request else None
                if request is None or first is None or first.raw is None:
                    continue
                parsed = parse_email(first.raw)
                analysis = classify.analyze(
                    parsed, self.classifiers.rules, self.classifiers.sites, known_thread=False
                )
                before = request_snapshot(request)
                top_before = request.suggestions[0].site_id if request.suggestions else ""
                apply_analysis(request, analysis, fallback_email=parsed.from_addr)
                row = record_classification(session, first, analysis)
                row.request_id = request.id
                self._suggest(session, request, analysis)
                session.flush()
                session.refresh(request)
                after = request_snapshot(request)
                top_after = request.suggestions[0].site_id if request.suggestions else ""
                if top_before != top_after:
                    before["top_site"], after["top_site"] = top_before, top_after
                diff = {k: (before[k], after[k]) for k in after if before.get(k) != after[k]}
                if diff:
                    changes.append(Change(ref=request.ref, fields=diff))
            if progress is not None:
                progress(1)
        return changes

    def _record_contacts(
        self,
        session: Session,
        request: Request,
        analysis: classify.Analysis,
        message: InboundMessage,
    ) -> None:
        """A notice says the agency contacted a site directly; the program tracks that TA."""
        if analysis.kind.kind != "notice":
            return
        known = {contact.site_id for contact in request.contacts}
        for site_id in analysis.contacted_sites:
            if site_id not in known:
                session.add(
                    SiteContact(request_id=request.id, site_id=site_id, message_id=message.id)
                )

    # -- the whole poll ---------------------------------------------------------------------

    def poll(self, source: Source, *, notify_staff: bool = True) -> PollReport:
        """Ingest new mail, then process everything waiting (including work a crash left).

        The mailbox's health is recorded either way; a failing mailbox raises after that,
        so the caller (CLI or scheduler) decides whether to stop or try again later.
        """
        try:
            report = self.ingest(source, notify_staff=notify_staff)
        except IngestError as exc:
            self._record_health(source.name, error=str(exc))
            raise
        self._record_health(source.name, error="")
        return self.process_pending(report=report)

    def _record_health(self, source_name: str, *, error: str) -> None:
        """Heartbeat and error counter per mailbox; one alert after N failures, one on recovery.

        A mailbox that silently stops working is the worst failure an intake system has,
        so the admin hears about it by email, once, and again when it is back.
        """
        limit = self.settings.source.alert_after_failures
        with session_scope(self.store) as session:
            state = queries.mailbox_state(session, source_name, "")

            def alert(*, recovered: bool) -> None:
                notify.queue_admin_alert(
                    session,
                    settings=self.settings.notify,
                    renderer=self.renderer,
                    mailbox=source_name,
                    failures=state.consecutive_errors,
                    error=state.last_error,
                    recovered=recovered,
                )

            if error:
                state.consecutive_errors += 1
                state.last_error = error[:2000]
                if state.consecutive_errors >= limit and not state.alerted:
                    state.alerted = True
                    alert(recovered=False)
                return
            if state.alerted:
                alert(recovered=True)
            state.last_success_at = utcnow()
            state.consecutive_errors = 0
            state.alerted = False

    def send_outbox(self, transport: notify.Transport | None = None) -> notify.SendReport:
        """Deliver due outbox rows."""
        transport = transport or notify.connect(self.settings.notify)
        with session_scope(self.store) as session:
            return notify.send_pending(
                session,
                transport,
                sender=self.settings.notify.from_addr,
                max_attempts=self.settings.notify.max_attempts,
                retry_base_seconds=self.settings.notify.retry_base_seconds,
            )

    def run_digest(self, digest_date: dt.date, *, now: dt.datetime | None = None) -> object:
        """Queue the digest for a day (once)."""
        with session_scope(self.store) as session:
            return notify.run_digest(
                session,
                digest_date=digest_date,
                settings=self.settings.notify,
                renderer=self.renderer,
                site_names=self.classifiers.site_names,
                now=now,
            )


@dataclass
class Change:
    """What reclassification changed on one request: field -> (before, after)."""

    ref: str
    fields: dict[str, tuple[object, object]]


def apply_analysis(request: Request, analysis: classify.Analysis, *, fallback_email: str) -> None:
    """Copy what classification concluded onto the request, within the columns' sizes."""
    who = analysis.requester
    request.kind = "notice" if analysis.kind.kind == "notice" else "request"
    request.summary = analysis.summary
    request.requester_name = who.name[:200]
    request.requester_title = who.title[:200]
    request.requester_agency = who.agency[:300]
    request.requester_agency_type = who.agency_type[:40]
    request.requester_city = who.city[:120]
    request.requester_state = who.state[:4]
    request.requester_email = (who.email or fallback_email)[:320]
    request.requester_phone = who.phone[:40]
    request.primary_specialization = analysis.primary
    request.specializations = list(analysis.specializations)
    request.topics = list(analysis.topics)
    request.ta_types = list(analysis.ta_types)
    request.contacted_sites = sorted({*(request.contacted_sites or []), *analysis.contacted_sites})


def known_requester(request: Request) -> classify.Requester:
    """The requester a stored request already names."""
    return classify.Requester(
        name=request.requester_name or "",
        title=request.requester_title or "",
        agency=request.requester_agency or "",
        agency_type=request.requester_agency_type or "",
        city=request.requester_city or "",
        state=request.requester_state or "",
        email=request.requester_email or "",
        phone=request.requester_phone or "",
    )


def request_snapshot(request: Request) -> dict[str, object]:
    """The classified fields of a request, for comparing before and after."""
    return {
        "kind": request.kind,
        "specializations": list(request.specializations),
        "topics": list(request.topics),
        "ta_types": list(request.ta_types),
        "contacted_sites": list(request.contacted_sites),
        "requester_name": request.requester_name,
        "requester_agency": request.requester_agency,
        "requester_state": request.requester_state,
    }


def record_classification(
    session: Session, message: InboundMessage, analysis: classify.Analysis
) -> Classification:
    """Keep what classification concluded about one message, with every rule's verdict."""
    row = Classification(
        message_id=message.id,
        rules_version=analysis.rules_version,
        kind=analysis.kind.kind,
        specializations=list(analysis.specializations),
        topics=list(analysis.topics),
        ta_types=list(analysis.ta_types),
        contacted_sites=list(analysis.contacted_sites),
        requester=analysis.requester.as_dict(),
        labels=[
            {"label": s.label, "group": s.group, "score": s.score, "threshold": s.threshold}
            | ({"primary": analysis.primary_reason} if s.label == analysis.primary else {})
            | ({"set_aside": s.set_aside} if s.set_aside else {})
            for s in analysis.labels
        ],
        rule_results=[r.as_dict() for r in analysis.rule_results],
    )
    session.add(row)
    session.flush()
    return row


def _header_message_id(raw: bytes) -> str:
    """The Message-ID from the header block only, without a full parse (for the dedupe key)."""
    head = re.sub(r"\r?\n[ \t]+", " ", header_block(raw))  # unfold
    match = _EMBEDDED_MSGID.search(head.encode("utf-8", "replace"))
    return match.group(1).decode("ascii", "replace")[:500] if match else ""
