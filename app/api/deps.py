"""Request dependencies: the session (one commit per request) and the app's settings."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from app.api.http import AppSettingsDep
from app.core.db import get_engine

logger = logging.getLogger(__name__)


def get_session() -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        try:
            session.commit()
        except (OperationalError, InterfaceError) as exc:
            # This commit runs after the response is sent (routes that write commit before
            # answering), so it only ends a read: a database lost meanwhile must not break the
            # client's keep-alive connection or log a 500 for an answered request.
            logger.warning(
                "database lost after the response was sent", extra={"error": type(exc).__name__}
            )


SessionDep = Annotated[Session, Depends(get_session)]
# The one settings dependency: the settings the app was built with (app/api/http.py).
SettingsDep = AppSettingsDep
