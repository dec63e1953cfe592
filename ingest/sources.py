"""Mail sources: where raw messages come from, behind one small interface."""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ingest.errors import SourceError


@dataclass(frozen=True)
class Cursor:
    """How far a folder has been read: the IMAP (UIDVALIDITY, last UID) pair."""

    uidvalidity: int | None = None
    last_uid: int = 0


@dataclass(frozen=True)
class FetchedMessage:
    """One message as a source delivered it, before anything else looked at it."""

    source: str
    folder: str
    source_key: str  # file name, Maildir key or "UIDVALIDITY:UID": how to find it again
    raw: bytes | None  # None when refused unread (see `refused`)
    size: int
    uidvalidity: int | None = None
    uid: int | None = None
    header_summary: str = ""  # headers of a message refused unread
    refused: str = ""  # why the body was not downloaded (e.g. over the size cap)


class Source(Protocol):
    """A mailbox the poller reads. Fetch, let the caller commit, then acknowledge."""

    name: str

    def fetch(self, cursors: Mapping[str, Cursor]) -> Iterator[FetchedMessage]:
        """Yield the messages not yet acknowledged (or past each folder's cursor)."""
        ...

    def acknowledge(self, messages: Sequence[FetchedMessage]) -> None:
        """Tell the mailbox these are safely stored (flag, move, or nothing)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def header_block(raw: bytes, limit: int = 20000) -> str:
    """The header section of a raw message, bounded, as text."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return head[:limit].decode("utf-8", "replace")


def _too_large(
    name: str, folder: str, key: str, size: int, limit: int, start: bytes
) -> FetchedMessage:
    return FetchedMessage(
        source=name,
        folder=folder,
        source_key=key,
        raw=None,
        size=size,
        header_summary=header_block(start),
        refused=f"message is over the {limit}-byte limit",
    )


class MaildirSource:
    """A local Maildir (Python's `mailbox`): the embedded default.

    Acknowledging marks a message seen (moves it to cur/ with the S flag) when
    `mark_seen` is true, so the next poll skips it; otherwise dedupe absorbs repeats.
    """

    def __init__(
        self, path: Path, *, name: str = "maildir", mark_seen: bool = True, max_bytes: int = 0
    ) -> None:
        self.name = name
        self.path = Path(path)
        self.mark_seen = mark_seen
        self.max_bytes = max_bytes
        self._box: mailbox.Maildir | None = None

    def _open(self) -> mailbox.Maildir:
        if self._box is None:
            if not (self.path / "cur").is_dir() and not (self.path / "new").is_dir():
                raise SourceError(f"{self.path} is not a Maildir (no cur/ or new/ folder)")
            self._box = mailbox.Maildir(self.path, create=False)
        return self._box

    def fetch(self, cursors: Mapping[str, Cursor]) -> Iterator[FetchedMessage]:
        box = self._open()
        try:
            box.clean()  # drops tmp/ leftovers older than 36 hours, as the spec allows
            keys = sorted(box.keys())
        except OSError as exc:
            raise SourceError(f"cannot list {self.path}: {exc}") from exc
        seen = self._seen_keys() if self.mark_seen else set()
        for key in keys:
            if key in seen:
                continue
            try:
                with box.get_file(key) as handle:
                    # Read at most one byte past the cap: a huge file is never loaded whole.
                    raw = handle.read(self.max_bytes + 1) if self.max_bytes else handle.read()
            except (KeyError, FileNotFoundError):
                continue  # removed by someone else since listing
            except OSError as exc:
                raise SourceError(f"cannot read {key} in {self.path}: {exc}") from exc
            if self.max_bytes and len(raw) > self.max_bytes:
                yield _too_large(self.name, "", key, len(raw), self.max_bytes, raw)
                continue
            yield FetchedMessage(
                source=self.name, folder="", source_key=key, raw=raw, size=len(raw)
            )

    def _seen_keys(self) -> set[str]:
        """Keys flagged S, read from cur/ file names (Maildir keeps flags after ":2,")."""
        seen = set()
        for name in os.listdir(self.path / "cur"):
            key, _, info = name.partition(":")
            if info.startswith("2,") and "S" in info[2:]:
                seen.add(key)
        return seen

    def acknowledge(self, messages: Sequence[FetchedMessage]) -> None:
        """Flag stored messages seen by renaming them into cur/ with "S" in their info.

        Renaming is how the Maildir spec sets flags. mailbox.Maildir would rewrite each file
        and re-list the folder for every key, which makes a large backfill quadratic.
        """
        if not self.mark_seen:
            return
        where: dict[str, tuple[str, str]] = {}
        for subdir in ("new", "cur"):
            try:
                names = os.listdir(self.path / subdir)
            except OSError as exc:
                raise SourceError(f"cannot list {self.path / subdir}: {exc}") from exc
            for name in names:
                where[name.partition(":")[0]] = (subdir, name)
        for fetched in messages:
            if fetched.source_key not in where:
                continue  # removed by someone else since fetching
            subdir, name = where[fetched.source_key]
            key, _, info = name.partition(":")
            flags = info[2:] if info.startswith("2,") else ""
            if subdir == "cur" and "S" in flags:
                continue
            target = f"{key}:2,{''.join(sorted(set(flags) | {'S'}))}"
            try:
                os.rename(self.path / subdir / name, self.path / "cur" / target)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise SourceError(f"cannot flag {key} in {self.path}: {exc}") from exc

    def close(self) -> None:
        self._box = None


class FileSource:
    """`.eml` files and folders of them, in file-name order (used by `intake analyze`)."""

    def __init__(self, paths: Iterable[Path], *, name: str = "files", max_bytes: int = 0) -> None:
        self.name = name
        self.max_bytes = max_bytes
        self.files = self.expand(paths)

    @staticmethod
    def expand(paths: Iterable[Path]) -> list[Path]:
        """Every .eml file named, or inside a named folder, sorted by file name within each."""
        files: list[Path] = []
        for path in paths:
            path = Path(path)
            if path.is_dir():
                files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() == ".eml"))
            elif path.is_file():
                files.append(path)
            else:
                raise SourceError(f"{path}: no such file or folder")
        return files

    def fetch(self, cursors: Mapping[str, Cursor]) -> Iterator[FetchedMessage]:
        for path in self.files:
            size = path.stat().st_size
            if self.max_bytes and size > self.max_bytes:
                with path.open("rb") as handle:
                    start = handle.read(64 * 1024)
                yield _too_large(self.name, "", path.name, size, self.max_bytes, start)
                continue
            yield FetchedMessage(
                source=self.name, folder="", source_key=path.name, raw=path.read_bytes(), size=size
            )

    def acknowledge(self, messages: Sequence[FetchedMessage]) -> None:
        return None

    def close(self) -> None:
        return None
