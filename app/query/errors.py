"""The one error of the query layer: a request parameter the server refuses.

Framework-neutral: `app.api.problems` answers it as RFC 9457 problem+json (400) that also
carries the OGC exception members `code` and `description`, on every surface alike.
"""

from __future__ import annotations


class QueryError(Exception):
    """A refused request; `status` is the HTTP status, `code` the OGC exception code."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description


def invalid_parameter(description: str) -> QueryError:
    """OGC /req/core/query-param-invalid (and every other surface's bad value)."""
    return QueryError(400, "InvalidParameterValue", description)


def unknown_parameter(description: str) -> QueryError:
    """OGC /req/core/query-param-unknown (and every other surface's unknown parameter)."""
    return QueryError(400, "UnknownParameter", description)
