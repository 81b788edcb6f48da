"""Every operational setting in one class.

Values come from the environment (prefix ``WATCHFLOOR_``; ``DATABASE_URL`` without it) or a
``.env`` file. Domain rules (extraction weights, threat-level thresholds) are not settings: they
are named and documented beside the code they govern (``app/extraction/rules.py``,
``app/assessment/methodology.py``).
"""

from __future__ import annotations

import hashlib
import ipaddress
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app import __version__

PROJECT_URL = "https://github.com/watchfloor/watchfloor"

MAP_TILE_KEYS = ("{z}", "{x}", "{y}")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# The default area of interest, [lon, lat] vertices (WGS 84) of one ring: the Korean Peninsula;
# its seas (the Yellow Sea with Korea Bay, the Korea Strait, the East Sea/Sea of Japan to 135.5 E,
# where North Korean launches come down); and a belt of about 100 km along the Chinese and
# Russian borders (Dandong to Hunchun, Khasan to Vladivostok and Ussuriysk). It leaves out
# Beijing, Shandong, Kyushu, Honshu and Washington: news from there stays in /events and in the
# report, not on its map.
DEFAULT_AREA_OF_INTEREST = (
    "[[121.5,32.5],[127.5,32.0],[129.4,33.4],[131.5,35.0],[135.5,38.0],[135.5,43.0],"
    "[131.8,44.2],[130.0,43.7],[128.0,42.9],[126.5,42.3],[125.0,41.5],[123.5,40.7],"
    "[122.3,40.1],[121.0,38.8],[122.8,37.6],[121.5,32.5]]"
)
Ring = tuple[tuple[float, float], ...]


def parse_area(value: str) -> Ring | None:
    """The area of interest as a closed ring of (lon, lat), or None for "everywhere".

    Accepted: "" or "none" (no bound); a bbox "minLon,minLat,maxLon,maxLat"; a JSON array of
    [lon, lat] vertices; or a GeoJSON Polygon (its outer ring)."""
    import json

    text = value.strip()
    if text.lower() in {"", "none", "off", "world"}:
        return None
    if not text.startswith(("[", "{")):
        parts = [float(part) for part in text.split(",")]
        if len(parts) != 4:
            raise ValueError("a bbox is minLon,minLat,maxLon,maxLat")
        w, s, e, n = parts
        if not (w < e and s < n):
            raise ValueError("the bbox is empty or crosses the antimeridian")
        points = [[w, s], [e, s], [e, n], [w, n]]
    else:
        data = json.loads(text)
        if isinstance(data, dict):
            if data.get("type") != "Polygon":
                raise ValueError("a GeoJSON area of interest must be a Polygon")
            data = data["coordinates"][0]
        points = data
    ring = tuple((float(lon), float(lat)) for lon, lat in points)
    if ring and ring[0] != ring[-1]:
        ring += (ring[0],)
    if len(ring) < 4:
        raise ValueError("an area of interest needs at least three vertices")
    if any(not (-180 <= lon <= 180 and -90 <= lat <= 90) for lon, lat in ring):
        raise ValueError("area of interest vertices must be lon -180..180, lat -90..90")
    return ring


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WATCHFLOOR_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # --- storage -----------------------------------------------------------------------------
    data_dir: Path = Field(
        default=Path("var"), description="Where the embedded SQLite database and locks live."
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "WATCHFLOOR_DATABASE_URL"),
        description="SQLAlchemy URL; default: SQLite file in data_dir.",
    )
    db_pool_size: int = Field(default=10, ge=1, description="Connections kept per process.")
    db_max_overflow: int = Field(
        default=10, ge=0, description="Extra connections allowed in bursts."
    )
    db_pool_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for a pool slot."
    )
    db_connect_timeout_seconds: int = Field(
        default=5, ge=1, description="Deadline to open a database connection (PostgreSQL)."
    )
    db_statement_timeout_ms: int = Field(
        default=15_000,
        ge=0,
        description="Longest statement of the API and the collector (PostgreSQL "
        "statement_timeout; 0: none); a statement the server has not answered by then plus "
        "a grace of a few seconds has its connection closed (a database that stopped "
        "answering). Command-line tasks (migrate, rebuilds) run without it.",
    )
    db_tcp_user_timeout_ms: int = Field(
        default=10_000,
        ge=0,
        description="Unacknowledged data on a database socket for this long drops the "
        "connection (TCP_USER_TIMEOUT; keep-alive probes run as well); 0: the OS default.",
    )
    readyz_timeout_seconds: float = Field(
        default=2.0, gt=0, description="/readyz answers 503 when its check takes longer."
    )
    db_pool_recycle: int = Field(
        default=1800, description="Seconds before a connection is renewed."
    )
    auto_migrate: bool = Field(
        default=True, description="`serve` and `api` upgrade the schema to head on start."
    )
    application_name: str = Field(default="watchfloor", description="Shown in pg_stat_activity.")

    # --- feeds and collection ------------------------------------------------------------------
    feeds_file: Path | None = Field(
        default=None, description="TOML file of sources and feeds; default: the bundled set."
    )
    allow_private_feeds: str = Field(
        default="",
        description="'true' to allow loopback/private feed addresses, or a comma-separated list "
        "of addresses/CIDR ranges. Link-local and metadata ranges are never allowed.",
    )
    user_agent: str = Field(
        default=f"Watchfloor/{__version__} (+{PROJECT_URL})",
        description="Sent with every feed fetch.",
    )
    poll_tick_seconds: int = Field(
        default=120, ge=5, description="How often due feeds are claimed."
    )
    poll_jitter_seconds: int = Field(
        default=15, ge=0, description="Random delay added to each tick."
    )
    poll_batch_size: int = Field(default=100, ge=1, description="Feeds claimed per tick.")
    poll_interval_min_seconds: int = Field(default=600, description="Shortest per-feed interval.")
    poll_interval_max_seconds: int = Field(default=21600, description="Longest per-feed interval.")
    poll_backoff_max_seconds: int = Field(default=86400, description="Ceiling of error back-off.")
    poll_lease_seconds: int = Field(
        default=300, description="A claimed feed is re-claimable after."
    )
    fetch_concurrency: int = Field(default=16, ge=1, description="Feeds fetched at once.")
    fetch_per_host: int = Field(default=4, ge=1, description="Feeds of one host fetched at once.")
    fetch_timeout_seconds: float = Field(default=20.0, gt=0, description="Whole-request deadline.")
    fetch_connect_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Longest wait for a TCP/TLS connection."
    )
    fetch_dns_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Longest wait for one DNS answer (feed fetches and admin URL checks); "
        "also cut short by the whole-request deadline.",
    )
    fetch_max_bytes: int = Field(
        default=15 * 1024 * 1024, ge=1024, description="Body cap, counted after decompression."
    )
    fetch_max_redirects: int = Field(
        default=5, ge=0, description="Redirects followed; each hop's address is checked."
    )
    max_entries_per_feed: int = Field(default=500, ge=1, description="Entries kept per fetch.")
    parse_max_entries: int = Field(
        default=5000,
        ge=1,
        description="Entries one document may hold; the parse stops there and the feed is an "
        "error (max_entries_per_feed of the rest are kept).",
    )
    parse_max_cpu_seconds: float = Field(
        default=10.0, gt=0, description="CPU time one feed's parse may take; more is an error."
    )
    parse_max_memory_mb: int = Field(
        default=512,
        ge=0,
        description="Memory the process may grow by while one feed is parsed in a thread "
        "(SQLite, parse_workers = 0); more is an error of that feed (0: unchecked).",
    )
    max_title_chars: int = Field(default=1000, ge=10, description="Longer titles are cut.")
    max_text_chars: int = Field(
        default=200_000, ge=100, description="Longer article texts are cut."
    )
    fast_feed_parser: bool = Field(
        default=True,
        description="Read well-formed UTF-8 RSS/Atom with feedparser-rs (10x faster), feedparser "
        "for the rest; false: feedparser for everything (app/collector/fastparse.py).",
    )
    parse_workers: int | None = Field(
        default=None,
        ge=0,
        description="Processes parsing fetched feeds beside the collector's threads, so parsing "
        "escapes the GIL; unset: min(2, CPUs); 0: parse in the fetch threads (always on SQLite).",
    )
    parse_worker_max_memory_mb: int = Field(
        default=1024,
        ge=0,
        description="Address-space cap of each parse process (0: none); a feed that needs more "
        "is an error of that feed.",
    )
    parse_worker_max_tasks: int = Field(
        default=1000,
        ge=0,
        description="Tasks (a feed to parse, a chunk of articles to extract) a parse process runs "
        "before it is replaced (0: never).",
    )
    extraction_handoff_batch_size: int = Field(
        default=2000,
        ge=1,
        description="Most article ids the collector hands to extraction in one call (a pass "
        "hands its new articles over oldest first once its feeds are done).",
    )

    # --- extraction ----------------------------------------------------------------------------
    extraction_merge_km: float = Field(
        default=50.0,
        gt=0,
        description=(
            "Two points this close are one place when mentions merge (app/extraction/merge.py; "
            "a launch site and the sea off its coast, or a country and a place in it, agree too)."
        ),
    )
    extraction_merge_days: int = Field(
        default=1,
        ge=0,
        description=(
            "Mentions merge when their date spans (a day, a 'last week' week, a month) are at "
            "most this many days apart."
        ),
    )
    extraction_max_articles_per_request: int = Field(
        default=100, ge=1, description="Articles one `POST /extract` may carry."
    )
    extraction_batch_size: int = Field(
        default=500, ge=1, description="Articles extracted per flush by `extract --rebuild`."
    )

    # --- assessment --------------------------------------------------------------------------
    area_of_interest: str = Field(
        default=DEFAULT_AREA_OF_INTEREST,
        description="The area hotspots are drawn in (/hotspots, the OGC hotspots layer, the "
        "report's map): a JSON array of [lon, lat] vertices, a GeoJSON Polygon, a bbox "
        "'minLon,minLat,maxLon,maxLat', or 'none' for everywhere. Default: the Korean Peninsula, "
        "its seas and the Chinese and Russian border belt. Events elsewhere stay in /events.",
    )

    # --- API ---------------------------------------------------------------------------------
    api_keys: str = Field(
        default="",
        description="Admin keys, comma-separated; each a plain key or 'sha256:<hex>' of one.",
    )
    public_base_url: str | None = Field(
        default=None, description="Absolute base URL for links (else taken from the request)."
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1,::1",
        description="Proxies whose X-Forwarded-For/-Proto/-Host headers are trusted: "
        "comma-separated addresses or networks, or `*`; from any other peer they are dropped.",
    )
    cors_origins: str = Field(default="", description="Comma-separated origins; empty = CORS off.")
    rate_limit_per_minute: int = Field(
        default=0, ge=0, description="Requests per client per minute on expensive paths; 0 = off."
    )
    max_request_body_bytes: int = Field(
        default=1_000_000, ge=1024, description="Larger request bodies get 413."
    )
    page_limit_default: int = Field(
        default=50, ge=1, description="Page size of /events, /articles."
    )
    page_limit_max: int = Field(default=500, ge=1, description="Largest `limit`; more is a 400.")
    ogc_limit_default: int = Field(default=100, ge=1, description="OGC items page size.")
    ogc_limit_max: int = Field(
        default=1000, ge=1, description="Largest OGC `limit`; more is clamped to it."
    )
    export_max_features: int = Field(default=10_000, ge=1, description="Cap of unpaged exports.")
    max_date_range_days: int = Field(
        default=3660, ge=1, description="Longest from..to span a query may ask for."
    )
    computed_window_max_days: int = Field(
        default=400,
        ge=1,
        description="Longest window of answers computed over their whole window (/hotspots); "
        "longer is a 400 (the daily history has its own cap of 366 days).",
    )
    computed_per_client: int = Field(
        default=2,
        ge=1,
        description="Computed answers (/hotspots, /threat-level/history, hotspot exports) one "
        "client may have in flight at once; more is a 429.",
    )
    max_bbox_area_deg2: float = Field(
        default=64_800.0, gt=0, description="Largest bbox area (square degrees)."
    )
    response_cache_seconds: int = Field(
        default=30,
        ge=0,
        description="How long a computed /threat-level or /hotspots answer is trusted "
        "while the events' data version is unchanged; past half of it a background check "
        "(PostgreSQL) renews it, or drops it if the window's rows changed; 0 = off.",
    )
    page_cache_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=0,
        description="Rendered event pages (/events, OGC `events/items`) kept per API process, "
        "each under the data version it was read at and served again while that version is "
        "current (for at most `response_cache_seconds`); the bound, in bytes; 0 = off.",
    )
    stale_while_recompute: bool = Field(
        default=True,
        description="After the data changed, /threat-level and /hotspots serve a window's "
        "previous answer (its `computed_at` says when it held) while one background task "
        "computes the new one; a request waits only when its window has no answer yet. "
        "false: requests wait for the new answer.",
    )
    recompute_process: bool = Field(
        default=True,
        description="Those background computations run in one worker process per API process "
        "(PostgreSQL), so the requests served meanwhile are not slowed by them; it costs that "
        "process's memory. false: a thread of the API process.",
    )
    recompute_idle_seconds: float = Field(
        default=10.0,
        ge=0,
        description="The recompute worker process leaves after this many seconds without a "
        "computation, giving its memory back; the next change starts it again (about a second "
        "of imports in the worker, while the previous answer is served); 0 = it stays.",
    )
    recompute_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="How much lower the recompute worker's CPU priority is than the API's "
        "(added to its niceness): on a busy machine its computation yields the cores to the "
        "requests being served, which get the previous answer meanwhile; 0 = the same "
        "priority.",
    )
    api_threads: int = Field(
        default=0, ge=0, description="Worker threads; 0 = pool size + overflow."
    )

    # --- map page ------------------------------------------------------------------------------
    map_tiles_url: str = Field(
        default="",
        description="An online tile layer for the map page, as a Leaflet URL template "
        "('https://tiles.example.org/{z}/{x}/{y}.png'); empty: only the bundled offline base "
        "layer (Natural Earth coastlines and borders).",
    )
    map_tiles_attribution: str = Field(
        default="", description="Attribution shown under the online tile layer (plain text)."
    )

    # --- webhooks (app/notify) ---------------------------------------------------------------
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Whole-request deadline of one webhook delivery."
    )
    webhook_concurrency: int = Field(
        default=8, ge=1, description="Webhook deliveries in flight per delivery process."
    )
    webhook_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often due deliveries are looked for without a wake-up (PostgreSQL "
        "wakes workers at once with NOTIFY; SQLite relies on this).",
    )
    webhook_lease_seconds: int = Field(
        default=120,
        ge=10,
        description="A claimed delivery is re-claimable after (longer than the deadline).",
    )
    webhook_retry_hours: float = Field(
        default=25.0,
        gt=0,
        description="How long a message is retried (exponential back-off with jitter) before "
        "it is given up as failed.",
    )
    webhook_backoff_base_seconds: float = Field(
        default=5.0, gt=0, description="First retry delay; doubled per attempt."
    )
    webhook_backoff_max_seconds: float = Field(
        default=3600.0, gt=0, description="Longest delay between two attempts."
    )
    webhook_disable_after_days: float = Field(
        default=5.0,
        gt=0,
        description="A subscription failing (no 2xx) for this long is disabled.",
    )
    webhook_threat_check_seconds: int = Field(
        default=300,
        ge=10,
        description="How often delivery workers re-check the threat level (it also moves "
        "with time, not only with new events).",
    )

    # --- scheduler and logs -------------------------------------------------------------------
    scheduler_enabled: bool = Field(default=True, description="`serve` runs the scheduler.")
    weekly_assessment_cron: str = Field(
        default="mon 00:30", description="When the weekly assessment is built (UTC)."
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_json: bool = Field(default=True, description="JSON log lines (else key=value).")

    @field_validator("area_of_interest")
    @classmethod
    def _area(cls, value: str) -> str:
        parse_area(value)  # raises a clear ValueError at start-up
        return value

    @property
    def area_of_interest_ring(self) -> Ring | None:
        return parse_area(self.area_of_interest)

    @field_validator("map_tiles_url")
    @classmethod
    def _tiles_url(cls, value: str) -> str:
        value = value.strip()
        if value and not (
            value.startswith(("https://", "http://")) and all(k in value for k in MAP_TILE_KEYS)
        ):
            raise ValueError("map_tiles_url must be an http(s) URL template with {z}, {x} and {y}")
        return value

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'watchfloor.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def private_feeds_policy(self) -> bool | list[IPNetwork]:
        """True = every private/loopback address allowed; else the allowed networks."""
        raw = self.allow_private_feeds.strip()
        if raw.lower() in {"1", "true", "yes", "on", "all"}:
            return True
        networks: list[IPNetwork] = []
        for item in filter(None, (part.strip() for part in raw.split(","))):
            if item.lower() in {"0", "false", "no", "off"}:
                continue
            networks.append(ipaddress.ip_network(item, strict=False))
        return networks

    @property
    def api_key_hashes(self) -> frozenset[str]:
        hashes = set()
        for item in filter(None, (part.strip() for part in self.api_keys.split(","))):
            if item.startswith("sha256:"):
                hashes.add(item.removeprefix("sha256:").lower())
            else:
                hashes.add(hashlib.sha256(item.encode()).hexdigest())
        return frozenset(hashes)

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()
