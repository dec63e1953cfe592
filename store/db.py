"""The database seam: `connect(url)` gives a ready Store; Alembic owns the schema."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class StoreError(Exception):
    """The database could not be reached, created or migrated."""


@dataclass(frozen=True)
class Store:
    """An engine and its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    def session(self) -> Session:
        return self.sessions()

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the poller and a CLI reader work at once; foreign keys are off by default.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL, not NORMAL: the mailbox is acknowledged after commit; commits must survive power loss.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def connect(url: str, *, migrate: bool = True) -> Store:
    """Open the database at `url` (any SQLAlchemy URL) and bring its schema up to date."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        # The message would quote the URL, password included: say less.
        raise StoreError("not a valid SQLAlchemy database URL") from exc
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            # One shared connection, or every session would see its own empty database.
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the folder for {database}: {exc.strerror}"
                ) from exc
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (SQLAlchemyError, ImportError) as exc:
        raise StoreError(f"cannot open database: {_scrub(str(exc), str(parsed))}") from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
    if migrate:
        upgrade(store)
    return store


def alembic_config(store: Store) -> AlembicConfig:
    """An Alembic config bound to this store's engine (no alembic.ini needed)."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = store.engine
    return cfg


def _scrub(text: str, url: str) -> str:
    """Error text without the database password, which drivers sometimes repeat."""
    password = make_url(url).password if url else None
    text = text.replace(str(password), "***") if password else text
    return text.split("\n(Background on this error")[0].strip()


def upgrade(store: Store, revision: str = "head") -> None:
    """Apply every pending migration."""
    url = store.engine.url.render_as_string(hide_password=False)
    try:
        command.upgrade(alembic_config(store), revision)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate database: {_scrub(str(exc), url)}") from exc


@contextlib.contextmanager
def session_scope(store: Store) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any exception."""
    session = store.session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
