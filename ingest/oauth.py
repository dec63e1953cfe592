"""OAuth2 access tokens for XOAUTH2 logins, from a command or a file, refreshed when stale."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from ingest.errors import SourceError

MAX_TOKEN_BYTES = 16 * 1024
# Refresh this long before a token's announced expiry, so a login never races the deadline.
EXPIRY_MARGIN_SECONDS = 60.0


class TokenError(SourceError):
    """An access token could not be obtained (command failed, file missing, bad output)."""


class TokenProvider(Protocol):
    """Hands out a current access token; `invalidate` forces a fresh one next time."""

    def token(self) -> str: ...

    def invalidate(self) -> None: ...


def xoauth2_string(user: str, token: str) -> str:
    """The XOAUTH2 SASL initial response (before base64), as Google and Microsoft define it."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def parse_token(output: bytes, origin: str) -> tuple[str, float | None]:
    """The token and its lifetime in seconds (when stated) from a command's or file's text.

    Accepts a bare token (first non-empty line) or a JSON object with `access_token` and
    optionally `expires_in`, the shape OAuth2 token endpoints and most helper tools print.
    """
    if len(output) > MAX_TOKEN_BYTES:
        raise TokenError(f"{origin}: output is over {MAX_TOKEN_BYTES} bytes; not a token")
    text = output.decode("utf-8", "replace").strip()
    expires_in: float | None = None
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TokenError(f"{origin}: output looks like JSON but is not valid: {exc}") from None
        value = doc.get("access_token") if isinstance(doc, dict) else None
        if not isinstance(value, str):
            raise TokenError(f"{origin}: JSON output has no access_token string")
        raw_expiry = doc.get("expires_in")
        if isinstance(raw_expiry, int | float) and not isinstance(raw_expiry, bool):
            expires_in = float(raw_expiry)
        text = value.strip()
    else:
        text = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not text:
        raise TokenError(f"{origin}: gave no token")
    # The token goes inside a SASL string delimited by \x01: anything but printable ASCII
    # would corrupt it (or smuggle extra fields), so refuse rather than send it.
    if not all(33 <= ord(ch) < 127 for ch in text):
        raise TokenError(f"{origin}: token contains spaces or control characters")
    return text, expires_in


class _CachedToken:
    """Shared caching: keep a token until its lifetime (or stated expiry) runs out."""

    origin = "token"

    def __init__(self, lifetime_seconds: float, clock: Callable[[], float]) -> None:
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock
        self._value = ""
        self._expires_at = 0.0
        self.refreshes = 0  # how many times a token was obtained (for tests and logs)

    def _obtain(self) -> bytes:
        raise NotImplementedError

    def token(self) -> str:
        now = self._clock()
        if self._value and now < self._expires_at:
            return self._value
        value, expires_in = parse_token(self._obtain(), self.origin)
        lifetime = self.lifetime_seconds
        if expires_in is not None:
            lifetime = min(lifetime, max(expires_in - EXPIRY_MARGIN_SECONDS, 0.0))
        self._value, self._expires_at = value, now + lifetime
        self.refreshes += 1
        return value

    def invalidate(self) -> None:
        self._value, self._expires_at = "", 0.0


class CommandToken(_CachedToken):
    """Runs a configured command (an argv list, never through a shell) that prints a token."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        lifetime_seconds: float = 3000.0,
        timeout_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(lifetime_seconds, clock)
        if not argv or not all(isinstance(part, str) and part for part in argv):
            raise TokenError("token command must be a non-empty list of non-empty strings")
        self.argv = tuple(argv)
        self.timeout_seconds = timeout_seconds
        self.origin = f"token command {self.argv[0]}"

    def _obtain(self) -> bytes:
        try:
            done = subprocess.run(
                self.argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=self.timeout_seconds,
                check=False,
            )
        except FileNotFoundError:
            raise TokenError(f"{self.origin}: no such program") from None
        except PermissionError:
            raise TokenError(f"{self.origin}: not executable") from None
        except subprocess.TimeoutExpired:
            raise TokenError(f"{self.origin}: no answer in {self.timeout_seconds:g}s") from None
        except OSError as exc:
            raise TokenError(f"{self.origin}: cannot run: {exc.strerror or exc}") from None
        if done.returncode != 0:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = f": {lines[-1][:200]}" if lines else ""
            raise TokenError(f"{self.origin} failed with exit status {done.returncode}{detail}")
        return done.stdout


class FileToken(_CachedToken):
    """Reads a token from a file another program keeps fresh; re-read when stale or changed."""

    def __init__(
        self,
        path: Path,
        *,
        lifetime_seconds: float = 3000.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(lifetime_seconds, clock)
        self.path = Path(path)
        self.origin = f"token file {self.path}"
        self._mtime: float | None = None

    def token(self) -> str:
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            mtime = None
        if mtime != self._mtime:  # the refresher wrote a new token: use it at once
            self.invalidate()
        return super().token()

    def _obtain(self) -> bytes:
        try:
            with self.path.open("rb") as handle:
                data = handle.read(MAX_TOKEN_BYTES + 1)
            self._mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            raise TokenError(f"{self.origin}: no such file") from None
        except OSError as exc:
            raise TokenError(f"{self.origin}: cannot read: {exc.strerror or exc}") from None
        return data
