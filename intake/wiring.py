"""Build the running parts from settings: the one place that knows every package."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ingest import MaildirSource, Source
from ingest.imap import ImapConfigError, ProgressCallback, source_from_config
from intake.config import Settings
from intake.errors import ConfigError
from intake.pipeline import Pipeline, load_classifiers
from store.db import Store, connect


def build_source(
    settings: Settings,
    *,
    since: dt.date | None = None,
    progress: ProgressCallback | None = None,
) -> Source:
    """The mailbox named in [source]; `since` reads IMAP history from a date (backfill)."""
    src = settings.source
    if src.type == "maildir":
        return MaildirSource(
            src.maildir_path,
            name=src.name,
            mark_seen=src.maildir_mark_seen,
            max_bytes=src.max_message_bytes,
        )
    try:
        return source_from_config(
            src.imap,
            name=src.name,
            max_bytes=src.max_message_bytes,
            base_dir=settings.path.parent,
            since=since,
            progress=progress,
        )
    except ImapConfigError as exc:
        raise ConfigError(f"{settings.path.name}: {exc}") from exc


@dataclass
class App:
    """Settings, store and pipeline, opened once per command."""

    settings: Settings
    store: Store
    pipeline: Pipeline

    def close(self) -> None:
        self.store.dispose()


def open_app(settings: Settings, *, database_url: str | None = None) -> App:
    """Connect the store (migrating it) and load rules and sites."""
    store = connect(database_url or settings.database_url)
    pipeline = Pipeline(settings, store, load_classifiers(settings))
    return App(settings=settings, store=store, pipeline=pipeline)
