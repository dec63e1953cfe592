"""A throwaway Dovecot on loopback with TLS, started once per test session (a pytest plugin).

The instance serves three ways in: implicit TLS and STARTTLS on 127.0.0.1 with every
capability, and 127.0.0.2 where the capabilities are cut down (no MOVE, UIDPLUS or IDLE)
to exercise fallbacks a real server can lack. XOAUTH2 logins are checked by Dovecot's
oauth2 passdb against a small token-info HTTP server in this process.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from ingest.imap import ImapSettings

MAIL_UID = 65534  # Dovecot refuses mail owned by root
RESTRICTED_HOST = "127.0.0.2"
REPO = Path(__file__).resolve().parent.parent
RESTRICTED_CAPABILITIES = "IMAP4rev1 LITERAL+ SASL-IR ENABLE NAMESPACE"


def dovecot_binary() -> str | None:
    found = shutil.which("dovecot")
    if found:
        return found
    return "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None


def require_dovecot() -> str:
    """The dovecot binary; in CI its absence fails the test instead of skipping it."""
    binary = dovecot_binary()
    if binary is None:
        message = "dovecot is not installed (apt-get install -y dovecot-imapd; `make test` does)"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: get SIGTERM if pytest dies, so no Dovecot is left orphaned."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def _descendants(pid: int) -> list[int]:
    """Every process below `pid`, read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _alive(pid: int) -> bool:
    """Running and not a zombie (a reparented zombie lingers until init reaps it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass(frozen=True)
class Account:
    """A mail user of the test server."""

    user: str
    password: str


class TokenIssuer:
    """A token-info endpoint for Dovecot's oauth2 passdb: tokens issued here are valid."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.seen: list[str] = []  # every token Dovecot asked about, in order
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
                query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                token = query.get("access_token", [""])[0]
                issuer.seen.append(token)
                user = issuer.tokens.get(token)
                body = json.dumps(
                    {"username": user, "active": True} if user else {"error": "invalid_token"}
                ).encode()
                self.send_response(200 if user else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def issue(self, user: str) -> str:
        token = f"tok-{uuid.uuid4().hex}"
        self.tokens[token] = user
        return token

    def revoke(self, token: str) -> None:
        self.tokens.pop(token, None)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Dovecot:
    """One Dovecot instance in its own temp folder: start, stop, restart, add users, seed."""

    host = "127.0.0.1"

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="intake-dovecot-"))
        # Dovecot's unprivileged processes must traverse every parent of its files.
        self.root.chmod(0o755)
        self.imap_port = free_port()
        self.imaps_port = free_port()
        self.tokens = TokenIssuer()
        self.process: subprocess.Popen[bytes] | None = None
        # One password for every user: a static passdb takes new users at once (a
        # passwd-file is re-read at most once a second, too slow for a user per test).
        self.password = uuid.uuid4().hex
        self._setup()

    @property
    def ca_file(self) -> str:
        return str(self.root / "tls" / "cert.pem")

    @property
    def log_file(self) -> Path:
        return self.root / "dovecot.log"

    def _setup(self) -> None:
        root = self.root
        for sub in ("run", "state", "tls"):
            (root / sub).mkdir()
        mail = root / "mail"
        mail.mkdir()
        os.chown(mail, MAIL_UID, MAIL_UID)
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost",
                "-addext", f"subjectAltName=DNS:localhost,IP:127.0.0.1,IP:{RESTRICTED_HOST}",
                "-keyout", str(root / "tls" / "key.pem"), "-out", self.ca_file,
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        (root / "oauth2.conf").write_text(
            f"tokeninfo_url = http://127.0.0.1:{self.tokens.port}/tokeninfo?access_token=\n"
            "username_attribute = username\n"
        )
        (root / "dovecot.conf").write_text(
            f"""
instance_name = intake-test-{self.imap_port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {self.log_file}
protocols = imap
listen = 127.0.0.1, {RESTRICTED_HOST}
first_valid_uid = 500
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_fsync = optimized
ssl = yes
ssl_cert = <{self.ca_file}
ssl_key = <{root}/tls/key.pem
passdb {{
  driver = static
  args = password={self.password}
  mechanisms = plain login
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2
  args = {root}/oauth2.conf
}}
userdb {{
  driver = static
  args = uid={MAIL_UID} gid={MAIL_UID} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = {self.imaps_port}
  }}
}}
local {RESTRICTED_HOST} {{
  protocol imap {{
    imap_capability = {RESTRICTED_CAPABILITIES}
  }}
}}
"""
        )

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> None:
        assert self.process is None, "already running"
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "dovecot.stderr").open("ab"),
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited at start:\n{self.diagnostics()}")
            if self._accepting():
                return
            time.sleep(0.02)
        raise RuntimeError(f"dovecot did not start listening:\n{self.diagnostics()}")

    def _accepting(self) -> bool:
        try:
            for port in (self.imap_port, self.imaps_port):
                with socket.create_connection((self.host, port), timeout=0.5):
                    pass
            with socket.create_connection((RESTRICTED_HOST, self.imap_port), timeout=0.5):
                pass
        except OSError:
            return False
        return True

    def stop(self) -> None:
        """Stop the master and every process it started, so open connections really drop.

        Dovecot's master exits in about a second, but its login and imap processes linger
        for about ten more, still serving connected clients; a real restart would not.
        """
        if self.process is None:
            return
        children = _descendants(self.process.pid)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in children:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + 3
            while children and time.monotonic() < deadline:
                children = [pid for pid in children if _alive(pid)]
                time.sleep(0.02)
            if not children:
                break

    def restart(self) -> None:
        self.stop()
        self.start()

    def diagnostics(self) -> str:
        parts = []
        for name in ("dovecot.stderr", "dovecot.log"):
            path = self.root / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-4000:])
        return "\n".join(parts)

    def destroy(self) -> None:
        self.stop()
        self.tokens.close()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- accounts and mail ----------------------------------------------------------------

    def add_account(self) -> Account:
        return Account(user=f"u{uuid.uuid4().hex[:10]}", password=self.password)

    def settings(self, account: Account, **overrides: Any) -> ImapSettings:
        """Source settings for this server: implicit TLS on 127.0.0.1 unless overridden."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.imaps_port,
            "security": "tls",
            "ca_file": self.ca_file,
            "username": account.user,
            "backoff_initial_seconds": 0.05,
            "backoff_max_seconds": 0.5,
            "timeout_seconds": 10.0,
        }
        values.update(overrides)
        return ImapSettings(**values)

    @contextlib.contextmanager
    def client(self, account: Account) -> Iterator[IMAPClient]:
        """A logged-in client of the test's own, for seeding and inspecting."""
        context = ssl.create_default_context(cafile=self.ca_file)
        client = IMAPClient(self.host, port=self.imaps_port, ssl_context=context, timeout=10)
        try:
            client.login(account.user, account.password)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def append(self, account: Account, raws: list[bytes], folder: str = "INBOX") -> None:
        with self.client(account) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in raws:
                client.append(folder, raw)


def imap_config(tmp_path: Path, dovecot: Dovecot, account: Account, extra: str = "") -> Path:
    """A config.toml reading this server over TLS, as an admin would write it.

    The password comes from the environment variable TEST_IMAP_PASSWORD.
    """
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[source]
type = "imap"
[source.imap]
host = "{dovecot.host}"
port = {dovecot.imaps_port}
security = "tls"
ca_file = "{dovecot.ca_file}"
username = "{account.user}"
password_env = "TEST_IMAP_PASSWORD"
{extra}
[database]
url = "sqlite:///{tmp_path / "intake.db"}"
[classify]
rules = "{REPO / "rules.toml"}"
sites = "{REPO / "sites.toml"}"
[notify]
templates_dir = "{REPO / "templates"}"
outbox_dir = "outbox"
"""
    )
    return path


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """The session's Dovecot, running (a test that stops it must start it again)."""
    server = Dovecot(require_dovecot())
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def imap_account(dovecot: Dovecot) -> Account:
    """A fresh, empty mailbox user, so tests never see each other's mail."""
    if dovecot.process is None:  # an earlier test stopped it and failed before restarting
        dovecot.start()
    return dovecot.add_account()
