# Watchfloor service image: API, collector and migrations share it (the command differs).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WATCHFLOOR_DATA_DIR=/var/lib/watchfloor

WORKDIR /srv/watchfloor

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p app && echo '__version__ = "0.0.0"' > app/__init__.py \
    && pip install . && pip uninstall -y watchfloor && rm -rf app

COPY app ./app
COPY migrations ./migrations
COPY alembic.ini ./
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --home-dir /var/lib/watchfloor --create-home watchfloor

USER watchfloor
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["watchfloor"]
CMD ["api", "--host", "0.0.0.0", "--port", "8000", "--no-migrate"]
