"""The `intake` command line: a thin layer over the pipeline; errors become exit codes here."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

import classify
import ingest
import notify
from intake.config import Settings, load_config
from intake.errors import IntakeError
from intake.wiring import App, build_source, open_app
from store import StoreError, session_scope
from store.models import (
    Classification,
    DigestRun,
    InboundMessage,
    MailboxState,
    MessageStatus,
    OutboxEmail,
    Request,
    utcnow,
)

F = TypeVar("F", bound=Callable[..., Any])
console = Console(soft_wrap=True)  # long paths stay on one line, for people and for grep
err_console = Console(stderr=True)

# Exit codes: 0 ok, 1 a command's own failure, 2 usage, 3 configuration, 4 database, 5 mail.
EXIT_CONFIG, EXIT_STORE, EXIT_MAIL = 3, 4, 5


def _fail(message: str, code: int) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False)
    raise SystemExit(code)


@contextmanager
def translated_errors() -> Iterator[None]:
    """Every package's exceptions become one clear line and an exit code, never a traceback."""
    try:
        yield
    except IntakeError as exc:
        _fail(str(exc), EXIT_CONFIG)
    except StoreError as exc:
        _fail(f"database: {exc}", EXIT_STORE)
    except classify.ClassifyError as exc:
        _fail(str(exc), EXIT_CONFIG)
    except ingest.IngestError as exc:
        _fail(f"mailbox: {exc}", EXIT_MAIL)
    except notify.NotifyError as exc:
        _fail(f"notify: {exc}", EXIT_MAIL)
    except OSError as exc:
        _fail(f"{exc.filename or 'file system'}: {exc.strerror or exc}", 1)


class Context:
    """Lazily loaded settings and app, shared by every subcommand."""

    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path
        self._settings: Settings | None = None
        self._app: App | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_config(self.config_path)
            logging.basicConfig(
                level=self._settings.log_level,
                format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                stream=sys.stderr,
            )
            # Library chatter (migrations on every start, parser notes on odd MIME) is not news.
            logging.getLogger("alembic").setLevel(logging.WARNING)
            logging.getLogger("mailparser").setLevel(logging.ERROR)
        return self._settings

    @property
    def app(self) -> App:
        if self._app is None:
            self._app = open_app(self.settings)
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=lambda: os.environ.get("INTAKE_CONFIG", "config.toml"),
    show_default="config.toml, or $INTAKE_CONFIG",
    help="The configuration file.",
)
@click.pass_context
def cli(ctx: click.Context, config_path: Path) -> None:
    """Learning Sites Intake: turn the program's email into tracked, classified requests.

    \b
    Example:
      intake demo
    """
    state = Context(config_path)
    ctx.obj = state
    ctx.call_on_close(state.close)


MAX_TEXT_CHARS = 100_000


def email_input_options(command: F) -> F:
    """The `FILE.eml | --text "..."` input of commands that look at one email."""
    options = [
        click.argument(
            "eml", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
        ),
        click.option("--text", help="The email's text instead of an .eml file."),
        click.option(
            "--subject",
            default="Request for technical assistance",
            show_default=True,
            help="With --text.",
        ),
        click.option(
            "--from",
            "sender",
            default="requester@example.invalid",
            show_default=True,
            help="With --text.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def read_one_email(
    settings: Settings, eml: Path | None, text: str | None, subject: str, sender: str
) -> ingest.ParsedEmail:
    """Parse the .eml file, or wrap the typed text in a minimal email, within the size cap."""
    if (eml is None) == (text is None):
        raise click.UsageError("give an .eml file or --text, not both")
    if eml is not None:
        limit = settings.source.max_message_bytes
        if eml.stat().st_size > limit:
            _fail(f"{eml}: larger than max_message_bytes ({limit})", 1)
        return ingest.parse_email(eml.read_bytes())
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "learningsites@localhost"
    message["Subject"] = subject
    message.set_content((text or "")[:MAX_TEXT_CHARS])
    return ingest.parse_email(bytes(message))


def safe_url(url: str) -> str:
    """A database URL fit to print: the password replaced by ***."""
    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """Console-script entry point."""
    with translated_errors():
        cli.main(prog_name="intake", standalone_mode=True)


# -- polling --------------------------------------------------------------------------


def _print_sent(sent: notify.SendReport) -> None:
    console.print(f"outbox: sent {sent.sent}, retrying {sent.retried}, failed {sent.failed}")


def _print_poll(report: Any) -> None:
    console.print(
        f"fetched {report.fetched}, stored {report.stored}, duplicates {report.duplicates}, "
        f"quarantined {report.quarantined}, processed {report.processed}, failed {report.failed}"
    )


@cli.command()
@click.option(
    "--once",
    is_flag=True,
    required=True,
    help="Poll one time and exit (the scheduler is `intake run`).",
)
@click.option("--no-send", is_flag=True, help="Queue notifications but leave them in the outbox.")
@pass_ctx
def poll(state: Context, once: bool, no_send: bool) -> None:
    """Read the mailbox once, process new mail and send what is queued.

    \b
    Example:
      intake poll --once
    """
    with translated_errors():
        app = state.app
        source = build_source(app.settings)
        try:
            report = app.pipeline.poll(source)
        finally:
            source.close()
        _print_poll(report)
        if not no_send:
            sent = app.pipeline.send_outbox()
            _print_sent(sent)


@cli.command()
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    help="IMAP: import mail that arrived on or after this date (the cursors are ignored).",
)
@pass_ctx
def backfill(state: Context, since: dt.datetime | None) -> None:
    """Import a mailbox's history without notifying staff about it.

    Use it on the first connection to a mailbox that already holds old mail: every message
    is stored, classified and ranked, but no notification is queued. With IMAP, --since
    chooses how far back to go; a Maildir source imports everything not yet seen.

    \b
    Example:
      intake backfill --since 2025-01-01
    """
    from rich.progress import Progress

    with translated_errors():
        app = state.app
        with Progress(console=err_console) as progress:
            fetch_task = progress.add_task("fetching", total=None)

            def advance(folder: str, done: int, total: int) -> None:
                progress.update(
                    fetch_task, description=f"fetching {folder}", completed=done, total=total
                )

            source = build_source(
                app.settings, since=since.date() if since else None, progress=advance
            )
            try:
                report = app.pipeline.ingest(source, notify_staff=False)
            finally:
                source.close()
            progress.update(fetch_task, completed=report.fetched, total=report.fetched)
            process_task = progress.add_task("classifying", total=len(report.message_ids))
            for message_id in report.message_ids:
                if app.pipeline.process_one(message_id):
                    report.processed += 1
                else:
                    report.failed += 1
                progress.advance(process_task)
        _print_poll(report)
        console.print("no staff notifications were queued for this history")


@cli.command()
@pass_ctx
def run(state: Context) -> None:
    """Run the scheduler: poll every interval, send the outbox, and the daily digest.

    Interval, digest time and time zone come from [schedule] in config.toml.

    \b
    Example:
      intake run
    """
    from intake.scheduler import run_forever

    with translated_errors():
        run_forever(state.app)


@cli.command()
@click.option(
    "--send", is_flag=True, help="Also deliver it now (otherwise it waits in the outbox)."
)
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Digest date (default today)."
)
@click.option(
    "--preview",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Only write what the next digest would say to FILE.html (and FILE.txt); record nothing.",
)
@pass_ctx
def digest(state: Context, send: bool, day: dt.datetime | None, preview: Path | None) -> None:
    """Queue the daily digest (once per day) and optionally send it.

    \b
    Example:
      intake digest --send
      intake digest --preview /tmp/digest.html
    """
    with translated_errors():
        app = state.app
        tz = zoneinfo.ZoneInfo(app.settings.schedule.timezone)
        digest_date = day.date() if day else dt.datetime.now(tz).date()
        if preview is not None:
            with session_scope(app.store) as session:
                rendered = notify.preview_digest(
                    session,
                    digest_date=digest_date,
                    settings=app.settings.notify,
                    renderer=app.pipeline.renderer,
                    site_names=app.pipeline.classifiers.site_names,
                )
            preview.parent.mkdir(parents=True, exist_ok=True)
            preview.write_text(rendered.html, "utf-8")
            preview.with_suffix(".txt").write_text(rendered.text, "utf-8")
            console.print(f"{rendered.subject}\nwrote {preview} and {preview.with_suffix('.txt')}")
            return
        run_row = app.pipeline.run_digest(digest_date)
        if run_row is None:
            console.print(f"the digest for {digest_date} was already made")
        else:
            console.print(f"digest for {digest_date} queued")
        if send:
            sent = app.pipeline.send_outbox()
            _print_sent(sent)


@cli.command()
@click.option(
    "--all-failed/--id", "all_failed", default=True, help="Retry every failed message (default)."
)
@click.argument("ids", nargs=-1, type=int)
@pass_ctx
def reprocess(state: Context, all_failed: bool, ids: tuple[int, ...]) -> None:
    """Retry messages that failed (all of them, or the ids given).

    \b
    Example:
      intake reprocess
      intake reprocess 12 15
    """
    with translated_errors():
        app = state.app
        if ids:
            ok = sum(app.pipeline.process_one(i) for i in ids)
            console.print(f"reprocessed {len(ids)}: {ok} ok, {len(ids) - ok} failed")
            return
        report = app.pipeline.process_pending(statuses=(MessageStatus.FAILED,))
        console.print(f"reprocessed: {report.processed} ok, {report.failed} still failing")


@cli.command()
@pass_ctx
def status(state: Context) -> None:
    """Show the health of each mailbox, what is waiting, and the outbox.

    \b
    Example:
      intake status
    """
    with translated_errors(), session_scope(state.app.store) as session:
        health = Table(title="Mailboxes")
        for column in (
            "Source",
            "Folder",
            "Last good poll",
            "Errors in a row",
            "Last error",
            "Cursor",
        ):
            health.add_column(column)
        for row in session.scalars(
            select(MailboxState).order_by(MailboxState.source, MailboxState.folder)
        ):
            health.add_row(
                row.source,
                row.folder or "(mailbox)",
                f"{row.last_success_at:%Y-%m-%d %H:%M:%S}" if row.last_success_at else "never",
                str(row.consecutive_errors),
                row.last_error,
                f"{row.uidvalidity}:{row.last_uid}" if row.uidvalidity else "",
            )
        console.print(health)
        by_status = select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
        messages = {status: count for status, count in session.execute(by_status)}
        by_outbox = select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)
        queued = {status: count for status, count in session.execute(by_outbox)}
        last_digest = session.scalar(select(func.max(DigestRun.digest_date)))
        console.print(
            "messages: " + (", ".join(f"{k} {v}" for k, v in sorted(messages.items())) or "none")
        )
        console.print(
            "outbox: " + (", ".join(f"{k} {v}" for k, v in sorted(queued.items())) or "empty")
        )
        console.print(f"last digest: {last_digest or 'never'}")


@cli.command()
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Only requests received on or after this date.",
)
@pass_ctx
def reclassify(state: Context, since: dt.datetime | None) -> None:
    """Re-run classification and site ranking over stored requests with the current rules.

    Earlier classifications are kept as history; the request shows the new result.

    \b
    Example:
      intake reclassify --since 2026-01-01
    """
    from rich.progress import Progress

    with translated_errors():
        app = state.app
        with session_scope(app.store) as session:
            query = select(func.count()).select_from(Request)
            if since is not None:
                query = query.where(Request.created_at >= since.replace(tzinfo=dt.UTC))
            total = session.scalar(query) or 0
        with Progress(console=err_console, transient=True) as progress:
            task = progress.add_task("reclassifying", total=total)
            changes = app.pipeline.reclassify(
                since=since.replace(tzinfo=dt.UTC) if since else None,
                progress=lambda n: progress.advance(task, n),
            )
        console.print(f"{total} request(s) reclassified, {len(changes)} changed")
        if changes:
            table = Table(title="What changed")
            table.add_column("Ref", no_wrap=True, min_width=12)
            for column in ("Field", "Before", "After"):
                table.add_column(column)
            for change in changes:
                for name, (before, after) in change.fields.items():
                    table.add_row(change.ref, name, _show(before), _show(after))
            console.print(table)


def _show(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


@cli.group()
def db() -> None:
    """Database maintenance.

    \b
    Example:
      intake db upgrade
    """


@db.command("upgrade")
@pass_ctx
def db_upgrade(state: Context) -> None:
    """Apply pending schema migrations (Alembic).

    \b
    Example:
      intake db upgrade
    """
    from store.db import connect

    with translated_errors():
        store = connect(state.settings.database_url)
        store.dispose()
        console.print("database is up to date")


# -- requests -------------------------------------------------------------------------


@cli.group()
def requests() -> None:
    """Look at tracked requests.

    \b
    Example:
      intake requests list
    """


@requests.command("list")
@click.option("--limit", default=50, show_default=True, help="How many, newest first.")
@pass_ctx
def requests_list(state: Context, limit: int) -> None:
    """List requests, newest first.

    \b
    Example:
      intake requests list --limit 20
    """
    with translated_errors(), session_scope(state.app.store) as session:
        rows = session.scalars(select(Request).order_by(Request.id.desc()).limit(limit)).all()
        console.print(requests_table(rows))


def requests_table(rows: Any) -> Table:
    """A table of requests for the terminal."""
    table = Table(title="Requests")
    table.add_column("Ref", no_wrap=True, min_width=12)
    for column in ("Kind", "Agency", "State", "Needs", "Top site", "Messages"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.ref,
            r.kind,
            r.requester_agency or r.requester_email,
            r.requester_state,
            ", ".join(r.specializations),
            r.suggestions[0].site_id if r.suggestions else "",
            str(len(r.messages)),
        )
    return table


@requests.command("show")
@click.argument("ref")
@pass_ctx
def requests_show(state: Context, ref: str) -> None:
    """Show one request: requester, needs, suggestions with reasons, and its messages.

    REF is the reference (LS-2026-0042) or the numeric id.

    \b
    Example:
      intake requests show LS-2026-0001
    """
    with translated_errors(), session_scope(state.app.store) as session:
        query = select(Request).where(Request.ref == ref)
        if ref.isdigit():
            query = select(Request).where(Request.id == int(ref))
        request = session.scalars(query).first()
        if request is None:
            _fail(f"no request {ref}", 1)
            return
        r = request
        console.print(f"[bold]{r.ref}[/] {r.kind}, {r.status}: {r.subject}", highlight=False)
        for label, value in (
            ("Name", r.requester_name),
            ("Title", r.requester_title),
            ("Agency", r.requester_agency),
            ("Agency type", r.requester_agency_type),
            ("City", r.requester_city),
            ("State", r.requester_state),
            ("Email", r.requester_email),
            ("Phone", r.requester_phone),
            ("Needs", ", ".join(r.specializations)),
            ("Topics", ", ".join(r.topics)),
            ("TA", ", ".join(r.ta_types)),
            ("Contacted", ", ".join(r.contacted_sites)),
        ):
            console.print(f"  {label + ':':13} {value}", highlight=False, markup=False)
        console.print("Suggested sites:")
        for s in r.suggestions:
            console.print(
                f"  {s.rank}. {s.site_id} ({s.score:.2f}): {'; '.join(s.reasons)}", markup=False
            )
        if r.contacts:
            console.print(
                "Direct contact reported with: " + ", ".join(c.site_id for c in r.contacts)
            )
        console.print("Messages:")
        for m in r.messages:
            console.print(
                f"  #{m.id} {m.received_at:%Y-%m-%d %H:%M} {m.kind:10} {m.from_addr}: {m.subject}",
                markup=False,
            )
        latest = session.scalars(
            select(Classification)
            .where(Classification.request_id == r.id)
            .order_by(Classification.id.desc())
        ).first()
        if latest is not None:
            fired = [x for x in latest.rule_results if x.get("hit")]
            console.print(f"Rules version {latest.rules_version}; {len(fired)} rule(s) fired:")
            for hit in fired:
                console.print(
                    f'  {hit["rule"]} -> {hit["label"]}: "{hit.get("matched", "")}"', markup=False
                )


REQUEST_STATUSES = ("new", "in_progress", "closed")


@requests.command("status")
@click.argument("ref")
@click.argument("status", type=click.Choice(REQUEST_STATUSES))
@pass_ctx
def requests_status(state: Context, ref: str, status: str) -> None:
    """Record what staff did: mark a request in_progress or closed (or new again).

    Any change counts as staff action, so the request leaves the digest's list of requests
    with no staff action.

    \b
    Example:
      intake requests status LS-2026-0042 in_progress
    """
    with translated_errors(), session_scope(state.app.store) as session:
        request = session.scalars(select(Request).where(Request.ref == ref)).first()
        if request is None:
            _fail(f"no request {ref}", 1)
            return
        before = request.status
        request.status = status
        request.last_staff_action_at = utcnow()
        request.updated_at = utcnow()
        console.print(f"{request.ref}: {before} -> {status}")


# -- outbox ----------------------------------------------------------------------------


@cli.group()
def outbox() -> None:
    """Inspect and retry outgoing email.

    \b
    Example:
      intake outbox list
    """


@outbox.command("list")
@click.option(
    "--status", type=click.Choice(["pending", "sent", "failed"]), help="Only this status."
)
@pass_ctx
def outbox_list(state: Context, status: str | None) -> None:
    """List outbox emails.

    \b
    Example:
      intake outbox list --status failed
    """
    with translated_errors(), session_scope(state.app.store) as session:
        query = select(OutboxEmail).order_by(OutboxEmail.id)
        if status:
            query = query.where(OutboxEmail.status == status)
        table = Table(title="Outbox")
        for column in ("Id", "Purpose", "Status", "Attempts", "Subject", "Last error"):
            table.add_column(column)
        for row in session.scalars(query):
            table.add_row(
                str(row.id), row.purpose, row.status, str(row.attempts), row.subject, row.last_error
            )
        console.print(table)


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=int)
@pass_ctx
def outbox_retry(state: Context, ids: tuple[int, ...]) -> None:
    """Requeue failed emails (all, or the ids given) and send what is due.

    \b
    Example:
      intake outbox retry
    """
    with translated_errors():
        with session_scope(state.app.store) as session:
            count = notify.retry_failed(session, ids)
        sent = state.app.pipeline.send_outbox()
        console.print(
            f"requeued {count}; sent {sent.sent}, retrying {sent.retried}, failed {sent.failed}"
        )


# -- analyze -----------------------------------------------------------------------------


def analysis_record(session: Any, message: InboundMessage) -> dict[str, Any]:
    """The `intake analyze` contract for one message (see README)."""
    classification = session.scalars(
        select(Classification)
        .where(Classification.message_id == message.id)
        .order_by(Classification.id.desc())
    ).first()
    request = message.request
    thread_of = None
    if request is not None and request.first_message_id not in (None, message.id):
        first = session.get(InboundMessage, request.first_message_id)
        thread_of = first.source_key if first is not None else None
    empty = classify.Requester().as_dict()
    return {
        "file": message.source_key,
        "kind": message.kind or message.status,
        "specializations": list(classification.specializations) if classification else [],
        "topics": list(classification.topics) if classification else [],
        "ta_types": list(classification.ta_types) if classification else [],
        "contacted_sites": list(classification.contacted_sites) if classification else [],
        "suggested_sites": [s.site_id for s in request.suggestions]
        if request is not None and request.first_message_id == message.id
        else [],
        "thread_of": thread_of,
        "requester": {**empty, **(classification.requester if classification else {})},
    }


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True
)
@pass_ctx
def analyze(state: Context, paths: tuple[Path, ...], fmt: str) -> None:
    """Run the pipeline over .eml files or folders against a throwaway in-memory database.

    Files are read in file-name order, so replies thread onto earlier files. Nothing is
    sent and nothing is written outside memory. The jsonl form is a contract other tools read.

    \b
    Example:
      intake analyze ../shared/corpus/dev --format jsonl > out.jsonl
    """
    with translated_errors():
        settings = state.settings
        files = ingest.FileSource.expand(paths)
        app = open_app(settings, database_url="sqlite:///:memory:")
        try:
            records = []
            for path in files:
                source = ingest.FileSource(
                    [path], name=f"analyze:{path.name}", max_bytes=settings.source.max_message_bytes
                )
                report = app.pipeline.poll(source)
                with session_scope(app.store) as session:
                    for message_id in report.message_ids:
                        message = session.get(InboundMessage, message_id)
                        if message is not None:
                            records.append(analysis_record(session, message))
        finally:
            app.close()
        if fmt == "jsonl":
            for record in records:
                click.echo(json.dumps(record, ensure_ascii=False))
            return
        table = Table(title=f"{len(records)} email(s)")
        for column in ("File", "Kind", "Needs", "Topics", "TA", "Sites", "Thread of", "Requester"):
            table.add_column(column)
        for r in records:
            who = r["requester"]
            table.add_row(
                r["file"],
                r["kind"],
                ", ".join(r["specializations"]),
                ", ".join(r["topics"]),
                ", ".join(r["ta_types"]),
                ", ".join(r["suggested_sites"]),
                r["thread_of"] or "",
                " / ".join(x for x in (who["name"], who["agency"], who["state"]) if x),
            )
        console.print(table)


# -- demo ----------------------------------------------------------------------------------


@cli.command()
@pass_ctx
def demo(state: Context) -> None:
    """Deliver the built-in example emails to the Maildir, poll once, and write the outbox.

    Uses config.toml as it is (Maildir, SQLite and the file outbox under var/ by default).
    Running it again records nothing twice.

    \b
    Example:
      intake demo
    """
    from intake.demo import deliver_examples

    with translated_errors():
        settings = state.settings
        if settings.source.type != "maildir":
            _fail('the demo needs [source] type = "maildir"', EXIT_CONFIG)
        delivered = deliver_examples(settings.source.maildir_path)
        app = state.app
        source = build_source(settings)
        try:
            report = app.pipeline.poll(source)
        finally:
            source.close()
        tz = zoneinfo.ZoneInfo(settings.schedule.timezone)
        app.pipeline.run_digest(dt.datetime.now(tz).date())
        sent = app.pipeline.send_outbox()
        with session_scope(app.store) as session:
            console.print(
                requests_table(session.scalars(select(Request).order_by(Request.id)).all())
            )
            others = session.scalars(
                select(InboundMessage)
                .where(InboundMessage.request_id.is_(None))
                .order_by(InboundMessage.id)
            ).all()
            if others:
                table = Table(title="Mail that opened no request")
                for column in ("Id", "Kind", "From", "Subject", "Why"):
                    table.add_column(column)
                for m in others:
                    table.add_row(
                        str(m.id),
                        m.kind or m.status,
                        m.from_addr,
                        m.subject,
                        m.kind_reason or m.error,
                    )
                console.print(table)
        console.print(
            f"delivered {delivered} new example email(s) to {settings.source.maildir_path}; "
            f"stored {report.stored}, duplicates {report.duplicates}, "
            f"processed {report.processed}, failed {report.failed}; sent {sent.sent} email(s)"
        )
        console.print(f"database: {safe_url(settings.database_url)}")
        if settings.notify.transport == "file":
            console.print(f"staff emails (.eml): {settings.notify.outbox_dir}")


# Command groups that live in their own modules attach themselves here, one line each.
import intake.cli_mailbox  # noqa: E402, F401  (intake mailbox check)
import intake.cli_rules  # noqa: E402, F401  (intake rules check|explain|eval)
from intake import cli_sites  # noqa: E402, F401  (intake sites ..., intake suggest)

if __name__ == "__main__":  # pragma: no cover
    main()
