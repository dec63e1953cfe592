"""Learning Sites Intake: the wiring that joins ingest, store, classify and notify."""

__version__ = "0.1.0"
