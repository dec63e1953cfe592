"""Exceptions raised while rendering or sending staff email."""


class NotifyError(Exception):
    """Base class for notification failures."""


class TemplateError(NotifyError):
    """A template is missing or does not render."""


class TransportError(NotifyError):
    """The email could not be handed over; `permanent` says whether retrying can help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
