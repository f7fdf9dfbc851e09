"""What the review app refuses, as exceptions its error pages turn into answers (the message is shown)."""
from __future__ import annotations


class ReviewError(ValueError):
    """A change that cannot be saved as given: answered 400 with the form kept."""


class Forbidden(PermissionError):
    """The user may not see or do this: answered 403."""
