"""Getting mail in: sources that fetch raw bytes, and the parser that reads them."""

from ingest.errors import IngestError, ParseError, SourceError
from ingest.parse import ParsedEmail, parse_email
from ingest.sources import FetchedMessage, FileSource, MaildirSource, Source

__all__ = [
    "FetchedMessage",
    "FileSource",
    "IngestError",
    "MaildirSource",
    "ParseError",
    "ParsedEmail",
    "Source",
    "SourceError",
    "parse_email",
]
