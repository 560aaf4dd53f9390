"""Domain exceptions: what the services raise when a request cannot be carried out.

They know nothing of HTTP beyond the status each one stands for. Each API face turns them into its own error
shape (``erply/errors.py``: ``{"code", "status", "message", "errors"?}``; ``planograma/envelope.py``: the
envelope), through the handlers ``web/errors.py`` installs.
"""


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict | None = None, *, index: int | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors
        # The position of the failing item when the domain was given a list (a post's lines, a count's lines);
        # a face that took a list body shows the errors under it.
        self.index = index


class ValidationFailed(DomainError):
    status = 400


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class InsufficientStock(Conflict):
    pass


class BinCapacityExceeded(Conflict):
    pass


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class TooManyRequests(DomainError):
    """Refused without being looked at (login throttling); ``retry_after`` seconds from now it may succeed."""

    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after  # the faces answer it as the Retry-After header


def at_index(index: int | None, errors: dict) -> dict:
    """Nest field errors under a list item's index, as list bodies report them."""
    return errors if index is None else {str(index): errors}
