"""Settings for sending staff email, built by the wiring from config.toml [notify]."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the SMTP relay. The password arrives from the environment, never config."""

    host: str = "localhost"
    port: int = 587
    security: str = "starttls"  # starttls | tls | plain
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    ca_file: str = ""  # extra CA bundle, e.g. a self-signed relay in tests


@dataclass(frozen=True)
class NotifySettings:
    """Who gets what, from whom, and how it leaves the building."""

    transport: str = "file"  # file | smtp
    outbox_dir: Path = Path("var/outbox")
    from_addr: str = "Learning Sites Intake <intake@localhost>"
    staff: tuple[str, ...] = ("staff@localhost",)
    admin: str = "admin@localhost"
    templates_dir: Path = Path("templates")
    templates_override_dir: Path | None = None
    message_id_domain: str = "intake.localhost"
    request_command: str = "intake requests show {ref}"
    max_attempts: int = 8
    retry_base_seconds: float = 60.0
    attach_original: bool = True
    quote_original_chars: int = 3000  # 0: no quoted excerpt in the notification
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    # daily digest
    digest_quiet_day: str = "send"  # send | skip
    stale_after_days: int = 5
    timezone: str = "UTC"  # times in the digest are shown in this zone ([schedule] timezone)
    # acknowledgement to the requester (RFC 3834 auto-reply), off unless an admin turns it on
    acknowledge: bool = False
    ack_reply_to: str = ""  # where the requester's answer should go; "" = from_addr
    ack_max_per_sender: int = 2
    ack_window_hours: int = 24
