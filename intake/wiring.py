"""Build the running parts from settings: the one place that knows every package."""

from __future__ import annotations

from dataclasses import dataclass

from ingest import MaildirSource, Source
from intake.config import Settings
from intake.errors import ConfigError
from intake.pipeline import Pipeline, load_classifiers
from store.db import Store, connect


def build_source(settings: Settings) -> Source:
    """The mailbox named in [source]."""
    src = settings.source
    if src.type == "maildir":
        return MaildirSource(
            src.maildir_path,
            name=src.name,
            mark_seen=src.maildir_mark_seen,
            max_bytes=src.max_message_bytes,
        )
    raise ConfigError(f"{settings.path.name}: [source] type: the imap source is not wired yet")


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
