"""The query layer under every read surface (see app/query/events.py).

- `params`: the one parser of bbox, time, limit, text and list parameters;
- `cursor`: the one keyset cursor codec;
- `events`: the declared event filters, the frozen `EventQuery` and `EventRepository`;
- `errors`: `QueryError`, answered as a 400 problem+json by every surface.
"""

from app.query.errors import QueryError, invalid_parameter, unknown_parameter
from app.query.events import (
    EVENT_FILTERS,
    EventFilter,
    EventOrder,
    EventQuery,
    EventRepository,
)

__all__ = [
    "EVENT_FILTERS",
    "EventFilter",
    "EventOrder",
    "EventQuery",
    "EventRepository",
    "QueryError",
    "invalid_parameter",
    "unknown_parameter",
]
