"""OGC errors, independent of the web framework: the query layer's `QueryError`.

The router turns them into RFC 9457 problem+json that also carries the OGC exception members
`code` and `description` (the OGC schema requires `code`; problem+json allows extra members).
"""

from __future__ import annotations

from app.query.errors import QueryError, invalid_parameter, unknown_parameter

OGCError = QueryError

__all__ = ["OGCError", "invalid_parameter", "not_found", "unknown_parameter"]


def not_found(description: str) -> OGCError:
    return OGCError(404, "NotFound", description)
