"""IMAP source: incremental, commit-first fetching over TLS with password or XOAUTH2 login."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from imapclient import IMAPClient
from imapclient import exceptions as imap_errors

from ingest.backoff import Backoff
from ingest.errors import IngestError, SourceError
from ingest.oauth import CommandToken, FileToken, TokenError, TokenProvider, xoauth2_string
from ingest.sources import Cursor, FetchedMessage, header_block

log = logging.getLogger(__name__)

SECURITY_MODES = ("tls", "starttls", "plain")
AUTH_MODES = ("password", "xoauth2")
AFTER_MODES = ("seen", "flag", "move", "leave")
# Characters RFC 3501 forbids in a keyword ("atom-specials", plus "\" reserved for system flags).
_NOT_IN_KEYWORD = set('(){ %*"\\]')

# A network or server failure: worth reconnecting. Login and TLS certificate failures are not.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes socket.timeout, ConnectionError, ssl.SSLError (EOF mid-stream)
    imap_errors.IMAPClientAbortError,
    EOFError,
)


# -- errors ------------------------------------------------------------------------------


class ImapError(SourceError):
    """Base for IMAP failures; messages never contain a password or token."""


class ImapConnectError(ImapError):
    """The server could not be reached, or the connection kept dropping."""


class ImapTlsError(ImapError):
    """TLS could not be set up: untrusted certificate, handshake failure, no STARTTLS."""


class ImapAuthError(ImapError):
    """The server refused the login."""


class ImapFolderError(ImapError):
    """A configured folder does not exist, or the server refused to open it."""


class ImapConfigError(IngestError):
    """[source.imap] in the configuration is invalid (translate to a config error)."""


# -- settings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImapSettings:
    """Everything [source.imap] can say, with defaults. Secrets are named, never held."""

    host: str = ""
    port: int = 0  # 0: 993 for security "tls", 143 for "starttls" and "plain"
    security: str = "tls"  # tls (implicit) | starttls | plain (only when said explicitly)
    ca_file: str = ""  # PEM file of CAs to trust instead of the system's (self-signed servers)
    username: str = ""
    auth: str = "password"  # password | xoauth2
    password_env: str = ""  # name of the environment variable holding the password
    token_command: tuple[str, ...] = ()  # argv printing an OAuth2 access token (no shell)
    token_file: str = ""  # or a file another program keeps a fresh token in
    token_lifetime_seconds: int = 3000  # re-run/re-read the token after this long
    folders: tuple[str, ...] = ("INBOX",)
    after: str = "seen"  # seen | flag | move | leave: acknowledgement once stored
    flag_keyword: str = "$Intake"  # keyword set by after = "flag"
    move_to: str = "Processed"  # folder for after = "move"
    create_move_folder: bool = True  # create move_to on first use when missing
    recheck_unacknowledged: bool = True  # re-offer stored-but-unacknowledged mail below the cursor
    max_bytes: int = 10 * 1024 * 1024  # bigger messages: headers only, quarantined
    header_bytes: int = 20000  # how much of an oversize message's header is fetched
    fetch_batch: int = 100  # UIDs per FETCH command
    fetch_batch_bytes: int = 50 * 1024 * 1024  # and at most this many body bytes per FETCH
    timeout_seconds: float = 60.0  # connect and read timeout
    idle: bool = True  # between polls, wait in IDLE when the server supports it
    reconnect_attempts: int = 5  # per operation, before the poll fails
    backoff_initial_seconds: float = 1.0
    backoff_max_seconds: float = 300.0

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem:
            raise ImapConfigError(f"[source.imap] {problem}")

    def _problem(self) -> str:
        if not self.host.strip():
            return "host: required"
        if not 0 <= self.port <= 65535:
            return f"port: must be between 1 and 65535, not {self.port}"
        if self.security not in SECURITY_MODES:
            return f"security: must be one of {', '.join(SECURITY_MODES)}, not {self.security!r}"
        if self.auth not in AUTH_MODES:
            return f"auth: must be one of {', '.join(AUTH_MODES)}, not {self.auth!r}"
        if self.after not in AFTER_MODES:
            return f"after: must be one of {', '.join(AFTER_MODES)}, not {self.after!r}"
        if not self.username:
            return "username: required"
        if self.auth == "xoauth2" and bool(self.token_command) == bool(self.token_file):
            return "auth = xoauth2 needs exactly one of token_command or token_file"
        if self.auth == "password" and (self.token_command or self.token_file):
            return "token_command/token_file: only used with auth = xoauth2"
        if not self.folders or not all(f.strip() for f in self.folders):
            return "folders: must list at least one folder name"
        if len(set(self.folders)) != len(self.folders):
            return "folders: lists a folder twice"
        if self.after == "flag" and (
            not self.flag_keyword
            or any(ch in _NOT_IN_KEYWORD or not 32 < ord(ch) < 127 for ch in self.flag_keyword)
        ):
            return f"flag_keyword: not a valid IMAP keyword: {self.flag_keyword!r}"
        if self.after == "move" and (not self.move_to.strip() or self.move_to in self.folders):
            return "move_to: must name a folder that is not one of the folders read"
        for name in (
            "token_lifetime_seconds",
            "max_bytes",
            "header_bytes",
            "fetch_batch",
            "fetch_batch_bytes",
            "timeout_seconds",
            "backoff_initial_seconds",
        ):
            if getattr(self, name) <= 0:
                return f"{name}: must be greater than 0"
        if self.reconnect_attempts < 0:
            return "reconnect_attempts: must not be negative"
        if self.backoff_max_seconds < self.backoff_initial_seconds:
            return "backoff_max_seconds: must not be less than backoff_initial_seconds"
        return ""

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.security == "tls" else 143)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.effective_port}"


def settings_from_mapping(
    data: Mapping[str, Any], *, base_dir: Path | None = None, max_bytes: int | None = None
) -> ImapSettings:
    """Validate a [source.imap] table into settings; relative paths resolve against base_dir.

    `max_bytes` is [source] max_message_bytes, shared by every source type.
    """
    defaults = {f.name: f.default for f in fields(ImapSettings)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in defaults or key == "max_bytes":
            raise ImapConfigError(f"[source.imap] {key}: unknown key (misspelt?)")
        default = defaults[key]
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ImapConfigError(f"[source.imap] {key}: must be a list of strings")
            value = tuple(value)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ImapConfigError(f"[source.imap] {key}: must be true or false")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ImapConfigError(f"[source.imap] {key}: must be a number")
            value = float(value)
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ImapConfigError(f"[source.imap] {key}: must be an integer")
        elif not isinstance(value, str):
            raise ImapConfigError(f"[source.imap] {key}: must be a string")
        values[key] = value
    if base_dir is not None:
        for key in ("ca_file", "token_file"):
            if values.get(key):
                values[key] = str((base_dir / values[key]).resolve())
    if max_bytes is not None:
        values["max_bytes"] = max_bytes
    values.setdefault("host", "")
    return ImapSettings(**values)


def password_from_env(settings: ImapSettings, env: Mapping[str, str] | None = None) -> str | None:
    """The password named by password_env (None for XOAUTH2)."""
    if settings.auth != "password":
        return None
    env = os.environ if env is None else env
    if not settings.password_env:
        raise ImapConfigError("[source.imap] password_env: required with auth = password")
    if settings.password_env not in env:
        raise ImapConfigError(
            f"[source.imap] password_env: environment variable {settings.password_env} is not set"
        )
    return env[settings.password_env]


def token_provider_for(settings: ImapSettings) -> TokenProvider | None:
    """The configured token source for XOAUTH2 (None for password login)."""
    if settings.auth != "xoauth2":
        return None
    if settings.token_command:
        return CommandToken(
            settings.token_command,
            lifetime_seconds=settings.token_lifetime_seconds,
            timeout_seconds=settings.timeout_seconds,
        )
    return FileToken(Path(settings.token_file), lifetime_seconds=settings.token_lifetime_seconds)


# -- connecting --------------------------------------------------------------------------


def tls_context(settings: ImapSettings) -> ssl.SSLContext:
    """A verifying TLS context; ca_file replaces the system CAs (for self-signed servers)."""
    try:
        if settings.ca_file:
            return ssl.create_default_context(cafile=settings.ca_file)
        return ssl.create_default_context()
    except (OSError, ssl.SSLError) as exc:
        raise ImapTlsError(f"cannot load ca_file {settings.ca_file}: {exc}") from None


def _scrub(text: str, *secrets: str | None) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _server_text(exc: BaseException) -> str:
    text = str(exc).strip()
    return text[:300] if text else type(exc).__name__


def connect_imap(
    settings: ImapSettings,
    password: str | None = None,
    token_provider: TokenProvider | None = None,
) -> IMAPClient:
    """Open a connection, set up TLS as configured, and log in; errors say what went wrong."""
    if settings.auth == "password" and password is None:
        raise ImapConfigError("[source.imap] auth = password but no password was given")
    if settings.auth == "xoauth2" and token_provider is None:
        raise ImapConfigError("[source.imap] auth = xoauth2 but no token source was given")
    where = settings.address
    context = tls_context(settings) if settings.security != "plain" else None
    try:
        client = IMAPClient(
            settings.host,
            port=settings.effective_port,
            ssl=settings.security == "tls",
            ssl_context=context,
            timeout=settings.timeout_seconds,
        )
    except ssl.SSLCertVerificationError as exc:
        raise ImapTlsError(
            f"TLS certificate of {where} is not trusted ({exc.verify_message}); "
            "for a self-signed server set ca_file"
        ) from None
    except ssl.SSLError as exc:
        raise ImapTlsError(f"TLS handshake with {where} failed: {exc.reason or exc}") from None
    except socket.gaierror as exc:
        raise ImapConnectError(f"cannot resolve {settings.host}: {exc.strerror}") from None
    except (OSError, imap_errors.IMAPClientError) as exc:
        reason = getattr(exc, "strerror", None) or _server_text(exc)
        raise ImapConnectError(f"cannot connect to {where}: {reason}") from None
    try:
        if settings.security == "starttls":
            _starttls(client, context, where)
        _login(client, settings, password, token_provider)
    except BaseException:
        _shutdown(client)
        raise
    return client


def _starttls(client: IMAPClient, context: ssl.SSLContext | None, where: str) -> None:
    try:
        client.starttls(context)
    except imap_errors.CapabilityError:
        raise ImapTlsError(
            f'{where} does not offer STARTTLS; use security = "tls" on its TLS port'
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise ImapTlsError(
            f"TLS certificate of {where} is not trusted ({exc.verify_message}); "
            "for a self-signed server set ca_file"
        ) from None
    except (ssl.SSLError, imap_errors.IMAPClientError) as exc:
        raise ImapTlsError(f"STARTTLS with {where} failed: {_server_text(exc)}") from None


def _login(
    client: IMAPClient,
    settings: ImapSettings,
    password: str | None,
    token_provider: TokenProvider | None,
) -> None:
    who = f"{settings.username} at {settings.address}"
    if settings.auth == "password":
        assert password is not None
        if client.has_capability("LOGINDISABLED"):
            raise ImapAuthError(f"{settings.address} refuses password login on this connection")
        try:
            client.login(settings.username, password)
        except imap_errors.LoginError as exc:
            reason = _scrub(_server_text(exc), password)
            raise ImapAuthError(f"login as {who} refused: {reason}") from None
        return
    assert token_provider is not None
    if not client.has_capability("AUTH=XOAUTH2"):
        raise ImapAuthError(f"{settings.address} does not offer XOAUTH2 login")
    token = token_provider.token()
    try:
        client.sasl_login("XOAUTH2", XOAuth2(settings.username, token))
        return
    except imap_errors.LoginError as exc:
        first = _scrub(_server_text(exc), token)
    # The token may have expired early or been revoked: fetch a fresh one and try once more.
    token_provider.invalidate()
    fresh = token_provider.token()
    if fresh == token:
        raise ImapAuthError(f"XOAUTH2 login as {who} refused: {first}")
    try:
        client.sasl_login("XOAUTH2", XOAuth2(settings.username, fresh))
    except imap_errors.LoginError as exc:
        reason = _scrub(_server_text(exc), token, fresh)
        raise ImapAuthError(
            f"XOAUTH2 login as {who} refused, even with a freshly obtained token: {reason}"
        ) from None
    log.info("XOAUTH2 login as %s succeeded after refreshing the token", who)


class XOAuth2:
    """The XOAUTH2 SASL exchange: the bearer string first, then an empty reply.

    On failure Google, Microsoft and Dovecot send a JSON error as a challenge and
    expect an empty response before they answer NO; repeating the token would be wrong.
    """

    def __init__(self, user: str, token: str) -> None:
        self._initial = xoauth2_string(user, token).encode()
        self.error = b""  # the server's JSON error challenge, when it sent one

    def __call__(self, challenge: bytes) -> bytes:
        if self._initial:
            initial, self._initial = self._initial, b""
            return initial
        self.error = challenge[:2000]
        return b""

    def __repr__(self) -> str:  # never show the token
        return "XOAuth2(...)"


def _shutdown(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:  # already gone: nothing more to release
        log.debug("IMAP shutdown after failure raised", exc_info=True)


def _status(client: IMAPClient, folder: str) -> Mapping[bytes, Any]:
    try:
        return client.select_folder(folder)
    except imap_errors.IMAPClientAbortError:
        raise
    except imap_errors.IMAPClientError as exc:
        raise ImapFolderError(f"cannot open folder {folder!r}: {_server_text(exc)}") from None


# -- the source --------------------------------------------------------------------------


ProgressCallback = Callable[[str, int, int], None]  # (folder, done, total)


class ImapSource:
    """Reads new mail from IMAP folders by UID; the caller commits, then acknowledges.

    Each folder is read from its cursor (UIDVALIDITY, last UID): `UID last+1:*`, sizes
    first, bodies with BODY.PEEK[] in bounded batches (flags untouched). When
    `recheck_unacknowledged` is on, mail below the cursor that still lacks its
    acknowledgement (a crash between commit and acknowledge) is offered again; the
    caller's dedupe key absorbs it and the acknowledgement is finally made.

    With `since`, the source is in backfill mode: it ignores cursors and reads every
    message that arrived on or after that date (the caller records them without notifying).
    """

    def __init__(
        self,
        settings: ImapSettings,
        *,
        name: str = "imap",
        password: str | None = None,
        token_provider: TokenProvider | None = None,
        since: dt.date | None = None,
        progress: ProgressCallback | None = None,
        sleeper: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.name = name
        self.since = since
        self.progress = progress
        self._password = password
        self._token_provider = token_provider
        self._sleeper = sleeper
        self._client: IMAPClient | None = None
        self._selected: str | None = None
        self._uidnext_seen: dict[str, int] = {}
        self._move_folder_ready = False
        self.reconnects = 0  # connections re-established after a failure (for tests and logs)

    def __repr__(self) -> str:  # never show the password
        return f"ImapSource(name={self.name!r}, server={self.settings.address!r})"

    # -- connection management --------------------------------------------------------

    def _connection(self) -> IMAPClient:
        if self._client is None:
            self._client = connect_imap(self.settings, self._password, self._token_provider)
            self._selected = None
        return self._client

    def _drop(self) -> None:
        if self._client is not None:
            _shutdown(self._client)
        self._client = None
        self._selected = None

    def _select(self, folder: str) -> Mapping[bytes, Any]:
        info = _status(self._connection(), folder)
        self._selected = folder
        return info

    def _retrying(self, what: str) -> Iterator[Backoff]:
        """Attempts for one operation: yields before each retry, after the backoff delay."""
        backoff = Backoff(
            self.settings.backoff_initial_seconds,
            self.settings.backoff_max_seconds,
            sleeper=self._sleeper,
        )
        yield backoff
        for attempt in range(1, self.settings.reconnect_attempts + 1):
            delay = backoff.sleep()
            log.warning(
                "%s: %s lost the connection; reconnect attempt %d/%d after %.1fs",
                self.name,
                what,
                attempt,
                self.settings.reconnect_attempts,
                delay,
            )
            self.reconnects += 1
            yield backoff

    def _run(self, what: str, operation: Callable[[], Any]) -> Any:
        """Run an operation, reconnecting with backoff when the connection fails."""
        last: BaseException | None = None
        for _ in self._retrying(what):
            try:
                return operation()
            except ImapConnectError as exc:
                last = exc
                self._drop()
            except _CONNECTION_ERRORS as exc:
                last = exc
                self._drop()
        raise self._gave_up(what, last)

    def _gave_up(self, what: str, last: BaseException | None) -> ImapConnectError:
        reason = _server_text(last) if last is not None else "unknown error"
        return ImapConnectError(
            f"{what} on {self.settings.address} failed after "
            f"{self.settings.reconnect_attempts} reconnect attempts: {reason}"
        )

    # -- fetching -----------------------------------------------------------------------

    def count_pending(self, cursors: Mapping[str, Cursor]) -> dict[str, int]:
        """How many messages each folder would deliver now (for a progress bar)."""

        def count() -> dict[str, int]:
            counts = {}
            for folder in self.settings.folders:
                uidvalidity = int(self._select(folder)[b"UIDVALIDITY"])
                counts[folder] = len(self._pending_uids(folder, uidvalidity, cursors.get(folder)))
            return counts

        result: dict[str, int] = self._run("counting new mail", count)
        return result

    def fetch(self, cursors: Mapping[str, Cursor]) -> Iterator[FetchedMessage]:
        for folder in self.settings.folders:
            yield from self._fetch_folder(folder, cursors.get(folder))

    def _fetch_folder(self, folder: str, cursor: Cursor | None) -> Iterator[FetchedMessage]:
        delivered: set[tuple[int, int]] = set()
        last: BaseException | None = None
        for backoff in self._retrying(f"reading {folder}"):
            try:
                for message in self._fetch_folder_once(folder, cursor, delivered):
                    assert message.uidvalidity is not None and message.uid is not None
                    delivered.add((message.uidvalidity, message.uid))
                    backoff.reset()  # progress was made: the next failure starts small again
                    yield message
                return
            except ImapConnectError as exc:
                last = exc
                self._drop()
            except _CONNECTION_ERRORS as exc:
                last = exc
                self._drop()
        raise self._gave_up(f"reading {folder}", last)

    def _pending_uids(self, folder: str, uidvalidity: int, cursor: Cursor | None) -> list[int]:
        client = self._connection()
        if self.since is not None:
            return sorted(client.search(["SINCE", self.since]))
        last_uid = cursor.last_uid if cursor else 0
        if cursor and cursor.uidvalidity is not None and cursor.uidvalidity != uidvalidity:
            log.warning(
                "%s: folder %s UIDVALIDITY changed from %s to %s: re-reading it from UID 1 "
                "(messages already stored are recognised as duplicates)",
                self.name,
                folder,
                cursor.uidvalidity,
                uidvalidity,
            )
            last_uid = 0
        # With nothing new, "UID n:*" still matches the highest UID (RFC 3501): filter.
        uids = {uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid}
        if last_uid and self.settings.recheck_unacknowledged:
            uids.update(self._unacknowledged_below(client, last_uid))
        return sorted(uids)

    def _unacknowledged_below(self, client: IMAPClient, last_uid: int) -> list[int]:
        """Mail the cursor passed that still shows no acknowledgement (stored, then a crash)."""
        after = self.settings.after
        criteria: list[Any]
        if after == "seen":
            criteria = ["UID", f"1:{last_uid}", "UNSEEN"]
        elif after == "flag":
            criteria = ["UID", f"1:{last_uid}", "UNKEYWORD", self.settings.flag_keyword]
        elif after == "move":
            criteria = ["UID", f"1:{last_uid}", "UNDELETED"]  # anything still here was not moved
        else:
            return []
        return [uid for uid in client.search(criteria) if uid <= last_uid]

    def _fetch_folder_once(
        self, folder: str, cursor: Cursor | None, delivered: set[tuple[int, int]]
    ) -> Iterator[FetchedMessage]:
        info = self._select(folder)
        uidvalidity = int(info[b"UIDVALIDITY"])
        uidnext = int(info.get(b"UIDNEXT", 0))
        uids = [
            uid
            for uid in self._pending_uids(folder, uidvalidity, cursor)
            if (uidvalidity, uid) not in delivered
        ]
        total = len(uids) + len(delivered)
        done = len(delivered)
        if self.progress is not None:
            self.progress(folder, done, total)
        client = self._connection()
        for start in range(0, len(uids), self.settings.fetch_batch):
            chunk = uids[start : start + self.settings.fetch_batch]
            sizes = {
                uid: int(data[b"RFC822.SIZE"])
                for uid, data in client.fetch(chunk, ["RFC822.SIZE"]).items()
                if b"RFC822.SIZE" in data
            }
            for group in self._body_groups([uid for uid in chunk if uid in sizes], sizes):
                for message in self._fetch_group(client, folder, uidvalidity, group, sizes):
                    done += 1
                    yield message
                    if self.progress is not None:
                        self.progress(folder, done, total)
        self._uidnext_seen[folder] = uidnext

    def _body_groups(self, uids: Sequence[int], sizes: Mapping[int, int]) -> Iterator[list[int]]:
        """Split a chunk so one FETCH never carries more than fetch_batch_bytes of bodies."""
        group: list[int] = []
        group_bytes = 0
        for uid in uids:
            size = sizes[uid] if sizes[uid] <= self.settings.max_bytes else 0
            if group and group_bytes + size > self.settings.fetch_batch_bytes:
                yield group
                group, group_bytes = [], 0
            group.append(uid)
            group_bytes += size
        if group:
            yield group

    def _fetch_group(
        self,
        client: IMAPClient,
        folder: str,
        uidvalidity: int,
        uids: Sequence[int],
        sizes: Mapping[int, int],
    ) -> Iterator[FetchedMessage]:
        limit = self.settings.max_bytes
        small = [uid for uid in uids if sizes[uid] <= limit]
        large = [uid for uid in uids if sizes[uid] > limit]
        bodies = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
        head_item = f"BODY.PEEK[HEADER]<0.{self.settings.header_bytes}>"
        heads = client.fetch(large, [head_item]) if large else {}
        for uid in uids:
            common = {
                "source": self.name,
                "folder": folder,
                "source_key": f"{uidvalidity}:{uid}",
                "size": sizes[uid],
                "uidvalidity": uidvalidity,
                "uid": uid,
            }
            oversize = sizes[uid] > limit
            data = (heads if oversize else bodies).get(uid)
            content = (
                _first_bytes(data, b"BODY[HEADER]" if oversize else b"BODY[]") if data else None
            )
            if content is None:
                # Listed a moment ago but nothing now: expunged meanwhile, or a server fault.
                # Skipping would let the cursor pass it, so only skip what is truly gone.
                if not self._still_exists(client, uid):
                    continue
                raise ImapError(f"{folder}: the server returned no content for UID {uid}")
            if oversize:
                yield FetchedMessage(
                    raw=None,
                    header_summary=header_block(content, self.settings.header_bytes),
                    refused=(
                        f"message is {sizes[uid]} bytes, over the {limit}-byte limit; "
                        "headers kept, body left on the server"
                    ),
                    **common,  # type: ignore[arg-type]
                )
            else:
                yield FetchedMessage(raw=content, **common)  # type: ignore[arg-type]

    @staticmethod
    def _still_exists(client: IMAPClient, uid: int) -> bool:
        return uid in client.search(["UID", str(uid)])

    # -- acknowledging --------------------------------------------------------------------

    def acknowledge(self, messages: Sequence[FetchedMessage]) -> None:
        """Mark stored messages on the server (seen, keyword or move); never in the fetch loop."""
        if self.settings.after == "leave":
            return
        by_folder: dict[tuple[str, int | None], list[int]] = {}
        for message in messages:
            if message.uid is None or message.source != self.name:
                continue
            by_folder.setdefault((message.folder, message.uidvalidity), []).append(message.uid)
        for (folder, uidvalidity), uids in by_folder.items():
            self._run(
                f"acknowledging in {folder}",
                functools.partial(self._acknowledge, folder, uidvalidity, sorted(set(uids))),
            )

    def _acknowledge(self, folder: str, uidvalidity: int | None, uids: list[int]) -> None:
        info = self._select(folder)
        if uidvalidity is not None and int(info[b"UIDVALIDITY"]) != uidvalidity:
            log.warning(
                "%s: folder %s changed UIDVALIDITY since fetching; %d messages left "
                "unacknowledged (they will be re-read and recognised as duplicates)",
                self.name,
                folder,
                len(uids),
            )
            return
        client = self._connection()
        after = self.settings.after
        if after == "seen":
            client.add_flags(uids, [b"\\Seen"], silent=True)
        elif after == "flag":
            client.add_flags(uids, [self.settings.flag_keyword.encode()], silent=True)
        elif after == "move":
            self._ensure_move_folder(client)
            target = self.settings.move_to
            if client.has_capability("MOVE"):
                client.move(uids, target)
            else:
                client.copy(uids, target)
                client.add_flags(uids, [b"\\Deleted"], silent=True)
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge(uids)
                else:
                    client.expunge()  # also removes mail others flagged \Deleted, as they asked

    def _ensure_move_folder(self, client: IMAPClient) -> None:
        if self._move_folder_ready:
            return
        target = self.settings.move_to
        if not client.folder_exists(target):
            if not self.settings.create_move_folder:
                raise ImapFolderError(
                    f"move_to folder {target!r} does not exist (create it, "
                    "or set create_move_folder = true)"
                )
            log.info("%s: creating folder %s for processed mail", self.name, target)
            try:
                client.create_folder(target)
            except imap_errors.IMAPClientAbortError:
                raise
            except imap_errors.IMAPClientError as exc:
                raise ImapFolderError(
                    f"cannot create move_to folder {target!r}: {_server_text(exc)}"
                ) from None
        self._move_folder_ready = True

    # -- waiting for mail -------------------------------------------------------------------

    def wait_for_mail(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for new mail in the first folder; True when it came.

        Uses IDLE when enabled and offered; otherwise (or for other folders) the caller's
        interval polling is the fallback, so this just sleeps and returns False. After a
        lost connection it reconnects with backoff and returns True, because mail may have
        arrived while it was away.
        """
        folder = self.settings.folders[0]
        if not self.settings.idle:
            self._sleeper(timeout)
            return False
        before = self.reconnects

        def idle() -> bool:
            if self.reconnects > before:
                return True  # back after an outage: poll now rather than wait
            return self._idle(folder, timeout)

        arrived: bool = self._run(f"waiting in IDLE on {folder}", idle)
        return arrived

    def _idle(self, folder: str, timeout: float) -> bool:
        client = self._connection()
        if not client.has_capability("IDLE"):
            self._sleeper(timeout)
            return False
        info = self._select(folder)
        seen = self._uidnext_seen.get(folder)
        if seen is not None and int(info.get(b"UIDNEXT", 0)) > seen:
            return True  # arrived between the last fetch and now: IDLE would not announce it
        deadline = time.monotonic() + timeout
        client.idle()
        arrived = False
        try:
            while not arrived:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                # Re-issue IDLE well inside the 29 minutes RFC 2177 allows before a server
                # may drop an idle client.
                wait = min(remaining, 25 * 60.0)
                started = time.monotonic()
                responses = client.idle_check(timeout=wait)
                for response in responses:
                    if len(response) >= 2 and response[1] == b"EXISTS":
                        arrived = True
                    if response and response[0] == b"BYE":
                        raise ConnectionError("server said BYE during IDLE")
                if not responses and time.monotonic() - started < wait * 0.5:
                    # An early empty return means the socket woke without a line: usually a
                    # closed connection. DONE + IDLE on a live one is cheap; a dead one raises.
                    client.idle_done()
                    client.idle()
        finally:
            still_open = self._client is client
            if still_open:
                try:
                    client.idle_done()
                except _CONNECTION_ERRORS:
                    self._drop()
                    raise
        return arrived

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.logout()
            except Exception:  # closing a broken connection: nothing left to tell the server
                _shutdown(self._client)
        self._client = None
        self._selected = None


def _first_bytes(data: Mapping[bytes, Any], prefix: bytes) -> bytes | None:
    """A FETCH item by name prefix (servers echo partial fetches as e.g. BODY[HEADER]<0>)."""
    for key, value in data.items():
        if isinstance(key, bytes) and key.startswith(prefix) and isinstance(value, bytes):
            return value
    return None


# -- connecting once: `intake mailbox check` ------------------------------------------------


@dataclass(frozen=True)
class FolderCount:
    """Counts for one folder, from STATUS."""

    name: str
    messages: int
    unseen: int
    uidnext: int
    uidvalidity: int


@dataclass(frozen=True)
class MailboxCheck:
    """What a test connection found: the server's abilities and the folders' counts."""

    server: str
    security: str
    username: str
    auth: str
    capabilities: tuple[str, ...]
    folders: tuple[str, ...]  # every folder on the server
    watched: tuple[FolderCount, ...]  # the folders the source reads
    move_to_exists: bool
    notes: tuple[str, ...] = field(default_factory=tuple)  # things worth knowing, not errors


def check(
    settings: ImapSettings,
    password: str | None = None,
    token_provider: TokenProvider | None = None,
) -> MailboxCheck:
    """Connect and log in once, and report capabilities, folders and counts.

    Raises an ImapError subclass (or TokenError) with a clear message on failure, including
    an ImapFolderError when a configured folder does not exist.
    """
    client = connect_imap(settings, password, token_provider)
    try:
        return _inspect(client, settings)
    except _CONNECTION_ERRORS as exc:
        raise ImapConnectError(
            f"{settings.address} dropped the connection: {_server_text(exc)}"
        ) from None
    finally:
        try:
            client.logout()
        except Exception:  # the report is made; a failed goodbye changes nothing
            _shutdown(client)


def _inspect(client: IMAPClient, settings: ImapSettings) -> MailboxCheck:
    capabilities = tuple(sorted(c.decode("ascii", "replace") for c in client.capabilities()))
    names = tuple(sorted(name for _flags, _delim, name in client.list_folders()))
    known = {name.upper() if name.upper() == "INBOX" else name for name in names}
    missing = [
        folder
        for folder in settings.folders
        if (folder.upper() if folder.upper() == "INBOX" else folder) not in known
    ]
    if missing:
        shown = ", ".join(names[:30]) + (" ..." if len(names) > 30 else "")
        raise ImapFolderError(
            f"folder {missing[0]!r} does not exist on {settings.address} (folders: {shown})"
        )
    watched = []
    for folder in settings.folders:
        status = client.folder_status(folder, [b"MESSAGES", b"UNSEEN", b"UIDNEXT", b"UIDVALIDITY"])
        watched.append(
            FolderCount(
                name=folder,
                messages=int(status.get(b"MESSAGES", 0)),
                unseen=int(status.get(b"UNSEEN", 0)),
                uidnext=int(status.get(b"UIDNEXT", 0)),
                uidvalidity=int(status.get(b"UIDVALIDITY", 0)),
            )
        )
    notes = []
    upper = {c.upper() for c in capabilities}
    if settings.idle and "IDLE" not in upper:
        notes.append("the server does not offer IDLE: new mail is found at each poll interval")
    if settings.after == "move" and "MOVE" not in upper:
        notes.append("the server does not offer MOVE: COPY, \\Deleted and EXPUNGE are used")
    if settings.after == "move" and settings.move_to not in names:
        notes.append(
            f"move_to folder {settings.move_to!r} does not exist yet"
            + (" and will be created" if settings.create_move_folder else "")
        )
    return MailboxCheck(
        server=settings.address,
        security=settings.security,
        username=settings.username,
        auth=settings.auth,
        capabilities=capabilities,
        folders=names,
        watched=tuple(watched),
        move_to_exists=settings.move_to in names,
        notes=tuple(notes),
    )


def source_from_config(
    data: Mapping[str, Any],
    *,
    name: str,
    max_bytes: int,
    base_dir: Path,
    env: Mapping[str, str] | None = None,
    since: dt.date | None = None,
    progress: ProgressCallback | None = None,
) -> ImapSource:
    """Everything the wiring needs in one call: validate [source.imap], read the secret."""
    settings = settings_from_mapping(data, base_dir=base_dir, max_bytes=max_bytes)
    return ImapSource(
        settings,
        name=name,
        password=password_from_env(settings, env),
        token_provider=token_provider_for(settings),
        since=since,
        progress=progress,
    )


__all__ = [
    "AFTER_MODES",
    "AUTH_MODES",
    "SECURITY_MODES",
    "FolderCount",
    "ImapAuthError",
    "ImapConfigError",
    "ImapConnectError",
    "ImapError",
    "ImapFolderError",
    "ImapSettings",
    "ImapSource",
    "ImapTlsError",
    "MailboxCheck",
    "TokenError",
    "XOAuth2",
    "check",
    "connect_imap",
    "password_from_env",
    "settings_from_mapping",
    "source_from_config",
    "token_provider_for",
]
