"""The long-running service: APScheduler jobs for polling, the outbox and the daily digest."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import zoneinfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from ingest.backoff import Backoff
from ingest.imap import ImapSource
from intake.pipeline import load_classifiers
from intake.wiring import App, build_source

log = logging.getLogger(__name__)


class Jobs:
    """The scheduled jobs; each one logs and survives its own failures."""

    def __init__(self, app: App) -> None:
        self.app = app

    def poll(self) -> None:
        # Admins' edits apply without a restart; a broken edit is retried at every poll.
        if self.app.pipeline.classifiers.changed():
            try:
                self.app.pipeline.classifiers = load_classifiers(self.app.settings)
                log.info("rules or sites changed: reloaded")
            except Exception:  # a broken edit keeps the last good rules running
                log.exception("could not reload rules or sites; keeping the previous ones")
        source = build_source(self.app.settings)
        try:
            report = self.app.pipeline.poll(source)
            log.info(
                "poll: stored %d, duplicates %d, processed %d, failed %d",
                report.stored,
                report.duplicates,
                report.processed,
                report.failed,
            )
        except Exception:
            log.exception("poll failed; will try again at the next interval")
        finally:
            source.close()

    def send(self) -> None:
        try:
            self.app.pipeline.send_outbox()
        except Exception:
            log.exception("outbox pass failed")

    def digest(self) -> None:
        tz = zoneinfo.ZoneInfo(self.app.settings.schedule.timezone)
        try:
            if self.app.pipeline.run_digest(dt.datetime.now(tz).date()) is not None:
                self.app.pipeline.send_outbox()
        except Exception:
            log.exception("digest failed")


def build_scheduler(app: App, scheduler: BlockingScheduler | None = None) -> BlockingScheduler:
    """A scheduler with the poll, outbox and digest jobs from [schedule]."""
    schedule = app.settings.schedule
    tz = zoneinfo.ZoneInfo(schedule.timezone)
    scheduler = scheduler or BlockingScheduler(timezone=tz)
    jobs = Jobs(app)
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}
    scheduler.add_job(
        jobs.poll,
        IntervalTrigger(seconds=schedule.poll_interval_seconds, timezone=tz),
        id="poll",
        next_run_time=dt.datetime.now(tz),
        **common,
    )
    scheduler.add_job(
        jobs.send,
        IntervalTrigger(seconds=schedule.outbox_interval_seconds, timezone=tz),
        id="outbox",
        **common,
    )
    # Started after today's digest time (a restart, a crash at 07:29): run the digest job at
    # once as well; it is a no-op when today's digest exists, as run_digest is once a day.
    now = dt.datetime.now(tz)
    catch_up = {"next_run_time": now} if now.time() >= schedule.digest_time else {}
    scheduler.add_job(
        jobs.digest,
        CronTrigger(
            hour=schedule.digest_time.hour, minute=schedule.digest_time.minute, timezone=tz
        ),
        id="digest",
        **catch_up,
        **common,
    )
    return scheduler


class IdleWatcher(threading.Thread):
    """Holds one IMAP connection in IDLE and runs the poll job as soon as mail arrives.

    Interval polling stays in place as the fallback; this only makes new mail show up
    within a second instead of within the interval. The poll itself still runs as the
    scheduler's job, so it never overlaps another poll.
    """

    def __init__(self, app: App, scheduler: BaseScheduler) -> None:
        super().__init__(name="imap-idle", daemon=True)
        self.app = app
        self.scheduler = scheduler
        self.stopping = threading.Event()

    def run(self) -> None:
        interval = self.app.settings.schedule.poll_interval_seconds
        backoff = Backoff()
        while not self.stopping.is_set():
            try:
                source = build_source(self.app.settings)
                try:
                    if not isinstance(source, ImapSource):
                        return  # only IMAP has IDLE; the interval job does the rest
                    while not self.stopping.is_set():
                        if source.wait_for_mail(interval):
                            self.scheduler.modify_job("poll", next_run_time=dt.datetime.now(dt.UTC))
                        backoff.reset()
                finally:
                    source.close()
            except Exception:
                # The poll job records mailbox health; here we only wait and reconnect.
                log.exception("IDLE watcher lost the mailbox; reconnecting after a pause")
                self.stopping.wait(backoff.next_delay())

    def stop(self) -> None:
        self.stopping.set()


def wants_idle(app: App) -> bool:
    """IDLE applies to an IMAP source that has not turned it off."""
    source = app.settings.source
    return source.type == "imap" and bool(source.imap.get("idle", True))


def run_forever(app: App) -> None:
    """Block, running the jobs until interrupted."""
    scheduler = build_scheduler(app)
    if wants_idle(app):
        IdleWatcher(app, scheduler).start()
    log.info(
        "intake running: poll every %ss, digest at %s %s",
        app.settings.schedule.poll_interval_seconds,
        app.settings.schedule.digest_time,
        app.settings.schedule.timezone,
    )

    def stop(signum: int, _frame: object) -> None:
        # systemd and friends stop services with SIGTERM: finish the running job, then exit.
        log.info("signal %s: stopping after the running job", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("stopping")
