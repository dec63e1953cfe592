"""Config loading: defaults, secrets from the environment, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.config import load_config
from intake.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_shipped_config_points_at_the_embedded_default() -> None:
    settings = load_config(REPO / "config.toml", env={})
    assert settings.source.type == "maildir"
    assert settings.source.maildir_path == REPO / "var" / "Maildir"
    assert settings.database_url == f"sqlite:///{REPO / 'var' / 'intake.db'}"
    assert settings.notify.transport == "file"
    assert settings.notify.outbox_dir == REPO / "var" / "outbox"


def test_empty_config_uses_documented_defaults(tmp_path: Path) -> None:
    settings = load_config(write(tmp_path, ""), env={})
    assert settings.schedule.poll_interval_seconds == 300
    assert settings.schedule.digest_time.isoformat() == "07:30:00"
    assert settings.rules_path == tmp_path / "rules.toml"


def test_secrets_come_from_the_named_environment_variable(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[notify.smtp]\npassword_env = "RELAY_PW"\n[database]\nurl_env = "DB_URL"\n',
    )
    settings = load_config(
        path, env={"RELAY_PW": "s3cret", "DB_URL": "postgresql+psycopg://u:p@h/db"}
    )
    assert settings.notify.smtp.password == "s3cret"
    assert settings.database_url == "postgresql+psycopg://u:p@h/db"
    assert "s3cret" not in repr(settings)
    assert "u:p@h" not in repr(settings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[source]\ntype = "pop3"\n',
            "config.toml: [source] type: must be one of maildir, imap, not 'pop3'",
        ),
        (
            '[schedule]\npoll_interval_seconds = "often"\n',
            "config.toml: [schedule] poll_interval_seconds: must be int, not str",
        ),
        (
            "[schedule]\npoll_interval_seconds = 0\n",
            "config.toml: [schedule] poll_interval_seconds: must be greater than 0",
        ),
        (
            '[schedule]\ndigest_time = "7am"\n',
            "config.toml: [schedule] digest_time: must be HH:MM, not '7am'",
        ),
        (
            '[schedule]\ntimezone = "Mars/Olympus"\n',
            "config.toml: [schedule] timezone: unknown time zone 'Mars/Olympus'",
        ),
        (
            '[notify]\nstaff = ["not-an-address"]\n',
            "config.toml: [notify] staff: not an email address: 'not-an-address'",
        ),
        (
            '[notify]\ntransprot = "smtp"\n',
            "config.toml: [notify] transprot: unknown key (misspelt?)",
        ),
        (
            '[notify.smtp]\npassword_env = "MISSING_PW"\n',
            "config.toml: [notify.smtp] password_env: environment variable MISSING_PW is not set",
        ),
        ("[ranking]\ntopic = -1.0\n", "config.toml: [ranking] topic: must not be negative"),
        ("[mailbox]\n", "config.toml: [mailbox]: unknown section"),
        ("[source\n", "config.toml: not valid TOML"),
    ],
)
def test_config_errors_name_the_section_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    assert str(caught.value).startswith(message)


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml", env={})
