"""One base for "cannot proceed": a plain message for people and a stable code for programs."""
from __future__ import annotations


class CatalogueError(Exception):
    """Raised when an operation cannot go on. Commands print the message; the API returns it with `code`."""

    code = "error"

    def __init__(self, message: str = "", *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code
