"""Load config.toml once into typed, validated settings; errors name section and key."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any, TypeVar

from classify import RankingWeights
from intake.errors import ConfigError
from notify.settings import NotifySettings, SmtpSettings

T = TypeVar("T")


@dataclass(frozen=True)
class SourceSettings:
    """Which mailbox to read."""

    type: str = "maildir"  # maildir | imap
    name: str = "tracking"
    max_message_bytes: int = 10 * 1024 * 1024
    batch_size: int = 100
    alert_after_failures: int = 3
    maildir_path: Path = Path("var/Maildir")
    maildir_mark_seen: bool = True
    imap: Mapping[str, Any] = field(default_factory=dict)  # validated by ingest.imap


@dataclass(frozen=True)
class ScheduleSettings:
    """When the scheduler polls and sends the digest."""

    poll_interval_seconds: int = 300
    outbox_interval_seconds: int = 60
    digest_time: dt.time = dt.time(7, 30)
    timezone: str = "America/New_York"


@dataclass(frozen=True)
class Settings:
    """Everything config.toml says, with paths resolved against the config file's folder."""

    path: Path
    database_url: str = field(repr=False)
    source: SourceSettings
    rules_path: Path
    sites_path: Path
    ranking: RankingWeights
    notify: NotifySettings
    schedule: ScheduleSettings
    log_level: str = "INFO"


class _Section:
    """Typed access to one TOML table, turning every mistake into a ConfigError."""

    def __init__(self, file: str, name: str, data: object) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{file}: [{name}]: must be a table")
        self.file, self.name, self.data = file, name, data
        self.used: set[str] = set()

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.file}: [{self.name}] {key}: {problem}")

    def get(self, key: str, kind: type[T], default: T) -> T:
        self.used.add(key)
        value = self.data.get(key, default)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(key, f"must be {kind.__name__}, not {type(value).__name__}")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.get(key, str, default)
        if value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def positive(self, key: str, kind: type[T], default: T) -> T:
        value = self.get(key, kind, default)
        if value <= 0:  # type: ignore[operator]
            raise self.error(key, "must be greater than 0")
        return value

    def sub(self, key: str) -> _Section:
        self.used.add(key)
        name = f"{self.name}.{key}" if self.name else key
        return _Section(self.file, name, self.data.get(key, {}))

    def check_unknown(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.error(unknown[0], "unknown key (misspelt?)")


def _secret(section: _Section, key: str, env: Mapping[str, str]) -> str:
    """Secrets live in the environment; config only names the variable."""
    name = section.get(key, str, "")
    if name and name not in env:
        raise section.error(key, f"environment variable {name} is not set")
    return env.get(name, "") if name else ""


def _address(section: _Section, key: str, default: str) -> str:
    value = section.get(key, str, default)
    if "\r" in value or "\n" in value or "@" not in parseaddr(value)[1]:
        raise section.error(key, f"not an email address: {value!r}")
    return value


def load_config(path: Path, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate config.toml; relative paths are relative to its folder."""
    env = os.environ if env is None else env
    path = Path(path)
    file = path.name
    try:
        doc = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such config file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc

    base = path.resolve().parent

    def resolve(value: str) -> Path:
        return (base / value).resolve() if value else base

    root = _Section(file, "", doc)
    known = ("service", "source", "database", "classify", "ranking", "notify", "schedule")
    for key in doc:
        if key not in known:
            raise ConfigError(
                f"{file}: [{key}]: unknown section (expected one of {', '.join(known)})"
            )

    service = root.sub("service")
    log_level = service.choice("log_level", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
    service.check_unknown()

    src = root.sub("source")
    maildir = src.sub("maildir")
    imap = src.sub("imap")
    imap.used.update(imap.data)  # ingest.imap validates its own keys when the source is built
    source = SourceSettings(
        type=src.choice("type", ("maildir", "imap"), "maildir"),
        name=src.get("name", str, "tracking"),
        max_message_bytes=src.positive("max_message_bytes", int, 10 * 1024 * 1024),
        batch_size=src.positive("batch_size", int, 100),
        alert_after_failures=src.positive("alert_after_failures", int, 3),
        maildir_path=resolve(maildir.get("path", str, "var/Maildir")),
        maildir_mark_seen=maildir.get("mark_seen", bool, True),
        imap=dict(imap.data),
    )
    maildir.check_unknown()
    src.check_unknown()

    db = root.sub("database")
    url = db.get("url", str, "sqlite:///var/intake.db")
    url_env = db.get("url_env", str, "")
    if url_env:
        url = _secret(db, "url_env", env)
    if (
        url.startswith("sqlite:///")
        and not url.startswith("sqlite:////")
        and url != "sqlite:///:memory:"
    ):
        url = "sqlite:///" + str(resolve(url.removeprefix("sqlite:///")))
    db.check_unknown()

    cls = root.sub("classify")
    rules_path = resolve(cls.get("rules", str, "rules.toml"))
    sites_path = resolve(cls.get("sites", str, "sites.toml"))
    cls.check_unknown()

    rank = root.sub("ranking")
    defaults = RankingWeights()
    ranking_values: dict[str, Any] = {}
    for name, default in vars(defaults).items():
        kind = type(default)
        ranking_values[name] = rank.get(name, kind, default)
        if ranking_values[name] < 0:
            raise rank.error(name, "must not be negative")
    ranking = RankingWeights(**ranking_values)
    rank.check_unknown()

    ntf = root.sub("notify")
    smtp = ntf.sub("smtp")
    smtp_settings = SmtpSettings(
        host=smtp.get("host", str, "localhost"),
        port=smtp.positive("port", int, 587),
        security=smtp.choice("security", ("starttls", "tls", "plain"), "starttls"),
        username=smtp.get("username", str, ""),
        password=_secret(smtp, "password_env", env),
        timeout=smtp.positive("timeout", float, 30.0),
        ca_file=smtp.get("ca_file", str, ""),
    )
    smtp.check_unknown()
    staff = ntf.get("staff", list, ["learningsites-staff@localhost"])
    for address in staff:
        if not isinstance(address, str) or "@" not in parseaddr(address)[1] or "\n" in address:
            raise ntf.error("staff", f"not an email address: {address!r}")
    override = ntf.get("templates_override_dir", str, "")
    if override and not resolve(override).is_dir():
        raise ntf.error("templates_override_dir", f"{resolve(override)} is not a folder")
    quote_chars = ntf.get("quote_original_chars", int, 3000)
    if quote_chars < 0:
        raise ntf.error("quote_original_chars", "must not be negative")
    ack_reply_to = ntf.get("ack_reply_to", str, "")
    if ack_reply_to:
        ack_reply_to = _address(ntf, "ack_reply_to", "")
    notify = NotifySettings(
        transport=ntf.choice("transport", ("file", "smtp"), "file"),
        outbox_dir=resolve(ntf.get("outbox_dir", str, "var/outbox")),
        from_addr=_address(ntf, "from_addr", "Learning Sites Intake <intake@localhost>"),
        staff=tuple(staff),
        admin=_address(ntf, "admin", "admin@localhost"),
        templates_dir=resolve(ntf.get("templates_dir", str, "templates")),
        templates_override_dir=resolve(override) if override else None,
        message_id_domain=ntf.get("message_id_domain", str, "intake.localhost"),
        request_command=ntf.get("request_command", str, "intake requests show {ref}"),
        max_attempts=ntf.positive("max_attempts", int, 8),
        retry_base_seconds=ntf.positive("retry_base_seconds", float, 60.0),
        attach_original=ntf.get("attach_original", bool, True),
        quote_original_chars=quote_chars,
        acknowledge=ntf.get("acknowledge", bool, False),
        ack_reply_to=ack_reply_to,
        ack_max_per_sender=ntf.positive("ack_max_per_sender", int, 2),
        ack_window_hours=ntf.positive("ack_window_hours", int, 24),
        smtp=smtp_settings,
        digest_quiet_day=ntf.choice("digest_quiet_day", ("send", "skip"), "send"),
        stale_after_days=ntf.positive("stale_after_days", int, 5),
    )
    ntf.check_unknown()

    sch = root.sub("schedule")
    digest_time_text = sch.get("digest_time", str, "07:30")
    try:
        digest_time = dt.time.fromisoformat(digest_time_text)
    except ValueError as exc:
        raise sch.error("digest_time", f"must be HH:MM, not {digest_time_text!r}") from exc
    timezone = sch.get("timezone", str, "America/New_York")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise sch.error("timezone", f"unknown time zone {timezone!r}") from exc
    schedule = ScheduleSettings(
        poll_interval_seconds=sch.positive("poll_interval_seconds", int, 300),
        outbox_interval_seconds=sch.positive("outbox_interval_seconds", int, 60),
        digest_time=digest_time,
        timezone=timezone,
    )
    sch.check_unknown()
    notify = replace(notify, timezone=timezone)  # the digest shows times where staff are

    return Settings(
        path=path.resolve(),
        database_url=url,
        source=source,
        rules_path=rules_path,
        sites_path=sites_path,
        ranking=ranking,
        notify=notify,
        schedule=schedule,
        log_level=log_level,
    )
