"""Exceptions of the wiring layer."""


class IntakeError(Exception):
    """Base class for errors the CLI reports without a traceback."""


class ConfigError(IntakeError):
    """config.toml is missing, unreadable or invalid; the message names section and key."""
