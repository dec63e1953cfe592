"""Exceptions raised by classification and ranking."""


class ClassifyError(Exception):
    """Base class for classification failures."""


class RuleError(ClassifyError):
    """The rules file cannot be used at all (unreadable, not TOML)."""


class SiteDirectoryError(ClassifyError):
    """The site directory cannot be used at all (unreadable, not TOML, no sites)."""
