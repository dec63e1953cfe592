"""Exceptions raised while fetching or parsing mail."""


class IngestError(Exception):
    """Base class for every ingest failure."""


class SourceError(IngestError):
    """A mailbox could not be read (missing folder, network, login)."""


class ParseError(IngestError):
    """A message could not be parsed at all."""
