"""The one keyset cursor codec of every paged surface (/events, /articles, OGC items).

A cursor is `base64url(json([order, key...]))`: the name of the order it was issued for and
the sort key of the last row served. A cursor of another order, or anything not issued by this
codec, is a 400, never a wrong page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from app.query.errors import invalid_parameter

MAX_CURSOR_CHARS = 200
CursorValue = str | int


def encode_cursor(order: str, *key: CursorValue) -> str:
    raw = json.dumps([order, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, order: str, *types: type) -> tuple[Any, ...]:
    """The key of a cursor issued for `order`, each part converted to its type (int, str,
    dt.date, dt.datetime); anything else is a 400."""
    try:
        if not token or len(token) > MAX_CURSOR_CHARS:
            raise ValueError
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        decoded = json.loads(raw)
        if not isinstance(decoded, list) or decoded[:1] != [order]:
            raise ValueError
        values = decoded[1:]
        if len(values) != len(types):
            raise ValueError
        return tuple(_convert(value, kind) for value, kind in zip(values, types, strict=True))
    except (ValueError, TypeError, binascii.Error, UnicodeError, RecursionError):
        raise invalid_parameter(
            "`cursor` is not one this server issued for this request; follow the `next` link"
        ) from None


def _convert(value: Any, kind: type) -> Any:
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
            raise ValueError
        return value
    if not isinstance(value, str):
        raise ValueError
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    if kind is dt.datetime:
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError
        return moment
    return value
