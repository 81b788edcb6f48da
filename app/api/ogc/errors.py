"""OGC errors, independent of the web framework.

The router turns them into RFC 9457 problem+json that also carries the OGC exception members
`code` and `description` (the OGC schema requires `code`; problem+json allows extra members).
"""

from __future__ import annotations


class OGCError(Exception):
    """A request the OGC API refuses; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description


def invalid_parameter(description: str) -> OGCError:
    """/req/core/query-param-invalid."""
    return OGCError(400, "InvalidParameterValue", description)


def unknown_parameter(description: str) -> OGCError:
    """/req/core/query-param-unknown."""
    return OGCError(400, "UnknownParameter", description)


def not_found(description: str) -> OGCError:
    return OGCError(404, "NotFound", description)
