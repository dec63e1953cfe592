"""Shared fixtures: settings built explicitly, and fresh databases on SQLite and PostgreSQL."""

from __future__ import annotations

import mailbox
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from intake.config import Settings, load_config
from store.db import Store, connect

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("INTAKE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

pytest_plugins: list[str] = ["tests.smtp_server", "tests.dovecot", "tests.classifying"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new empty database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'intake.db'}"
        return
    name = f"intake_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def write_config(folder: Path, database_url: str, extra: str = "") -> Path:
    """A config.toml for a test: its own Maildir, database and outbox under `folder`."""
    path = folder / "config.toml"
    path.write_text(
        f"""
[source]
type = "maildir"
[source.maildir]
path = "Maildir"
[database]
url = "{database_url}"
[classify]
rules = "{REPO / "rules.toml"}"
sites = "{REPO / "sites.toml"}"
[notify]
transport = "file"
outbox_dir = "outbox"
templates_dir = "{REPO / "templates"}"
staff = ["staff@program.example.org"]
{extra}
"""
    )
    return path


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings pointing at a fresh database and a private Maildir and outbox."""
    return load_config(write_config(tmp_path, database_url))


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """The migrated store for `settings`."""
    opened = connect(settings.database_url)
    yield opened
    opened.dispose()


@pytest.fixture
def maildir(settings: Settings) -> mailbox.Maildir:
    """The (empty) Maildir the settings read."""
    return mailbox.Maildir(settings.source.maildir_path, create=True)


@pytest.fixture
def deliver(maildir: mailbox.Maildir) -> Callable[[bytes], str]:
    """Drop raw bytes into the Maildir's new/ folder, as a mail server would."""

    def _deliver(raw: bytes) -> str:
        return maildir.add(mailbox.MaildirMessage(raw))

    return _deliver
