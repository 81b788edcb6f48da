"""What a fetched document must pass before any feed parser reads it, and the budget it reads in.

`scan_document` reads the whole document once with expat, a real XML parser, before feedparser
or feedparser-rs see it:

- an internal DTD subset that declares any entity is refused ("unsafe_xml"). Feeds have no use
  for entities of their own, and every entity-expansion bomb and XXE probe needs one. The
  subset's bounds come from the parser (its DOCTYPE events), never from a prefix scan, so a
  declaration behind markup-like text (`<!ENTITY a "<b>y</b>">`) or behind a parameter-entity
  reference is found all the same. Where expat cannot read the prolog at all (junk before the
  XML declaration), any `<!ENTITY` anywhere in the document is refused: the loose parsers that
  would read such a document must never see one.
- entries (`item` / `entry` elements) are counted as they are read: past `max_entries` the
  feed is refused ("too_many_entries") at that point, not after a full parse. A document expat
  cannot read to its end (feedparser then uses its loose parser) is counted by pattern instead.

The document is read as UTF-8: UTF-16/32 and other declared encodings (EUC-KR, windows-1251...)
are transcoded first, so the scan sees what the feed parsers see.

`bounded` runs a parse under a CPU-time and a memory budget in the calling thread, which is
where parsing runs on SQLite and with `parse_workers = 0` (a parse process has its
address-space cap on top): a watchdog thread reads the thread's CPU clock and the process's
resident size and, past either budget, raises `BudgetExceeded` into the parsing thread, again
at every check until the call ends (so a parser that swallows one exception meets the next).
"""

from __future__ import annotations

import codecs
import ctypes
import os
import re
import threading
import time
from collections.abc import Callable
from typing import TypeVar
from xml.parsers import expat

T = TypeVar("T")

SCAN_CHUNK_BYTES = 256 * 1024
WATCH_INTERVAL_SECONDS = 0.05
ENTRY_NAMES = frozenset({"item", "entry"})
_ENTITY_DECLARATION = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_ENTRY_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"^<\?xml[^>]*?\?>")
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_EXPAT_NATIVE = frozenset({"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1"})
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UNMARKED_WIDE = {
    b"\x00\x00\x00<": "utf-32-be",
    b"<\x00\x00\x00": "utf-32-le",
    b"\x00<\x00?": "utf-16-be",
    b"<\x00?\x00": "utf-16-le",
}


class FeedParseError(Exception):
    """A document that yields no feed, or that is refused: an error of that feed only."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind

    def __reduce__(self) -> tuple[type[FeedParseError], tuple[str, str]]:
        # Raised in a parse process and re-raised here: pickle must rebuild it with its kind.
        return type(self), (self.kind, str(self))


def refused_entities() -> FeedParseError:
    return FeedParseError(
        "unsafe_xml",
        "the document's DTD declares entities (entity expansion / external entity); refused",
    )


# --- the scan -------------------------------------------------------------------------------


class _Scan:
    """expat's handlers: refuse entity declarations, note the DOCTYPE's bounds, count entries."""

    def __init__(self, parser: expat.XMLParserType, max_entries: int) -> None:
        self.parser = parser
        self.max_entries = max_entries
        self.entries = 0
        self.root_seen = False
        self.subset: tuple[int, int] | None = None
        self._doctype_start = -1
        parser.StartDoctypeDeclHandler = self.doctype_start
        parser.EndDoctypeDeclHandler = self.doctype_end
        parser.EntityDeclHandler = self.entity
        parser.StartElementHandler = self.element

    def doctype_start(self, *_: object) -> None:
        self._doctype_start = self.parser.CurrentByteIndex

    def doctype_end(self) -> None:
        self.subset = (self._doctype_start, self.parser.CurrentByteIndex)

    def entity(self, *_: object) -> None:
        raise refused_entities()

    def element(self, name: str, _attributes: object) -> None:
        self.root_seen = True
        if name.rpartition(":")[2] in ENTRY_NAMES:
            self.entries += 1
            if self.entries > self.max_entries:
                raise too_many_entries(self.max_entries)


def too_many_entries(bound: int) -> FeedParseError:
    return FeedParseError(
        "too_many_entries", f"more than {bound} entries (parse_max_entries); the feed is refused"
    )


def scan_document(body: bytes, *, max_entries: int) -> None:
    """Raise FeedParseError for entity declarations or too many entries (see the module)."""
    view = utf8_view(body)
    parser = expat.ParserCreate()
    scan = _Scan(parser, max_entries)
    failed = False
    try:
        for start in range(0, len(view), SCAN_CHUNK_BYTES):
            parser.Parse(view[start : start + SCAN_CHUNK_BYTES], False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        failed = True
    if scan.subset is not None:
        first, last = scan.subset
        # Declarations expat did not report (after an unresolved parameter-entity reference,
        # a processor stops reading them) are still declarations some parser might read.
        if _ENTITY_DECLARATION.search(view, max(first, 0), max(last, first) + 1):
            raise refused_entities()
    if not failed:
        return
    if not scan.root_seen and _ENTITY_DECLARATION.search(view):
        raise refused_entities()
    _count_by_pattern(view, max_entries)


def _count_by_pattern(view: bytes, max_entries: int) -> None:
    for count, _ in enumerate(_ENTRY_TAG.finditer(view), start=1):
        if count > max_entries:
            raise too_many_entries(max_entries)


def utf8_view(body: bytes) -> bytes:
    """The document as UTF-8 bytes with a matching (or no) XML declaration."""
    codec = _wide_codec(body)
    if codec is None:
        declared = _DECLARED_ENCODING.match(body[:200])
        name = declared.group(1).decode("ascii").lower() if declared else "utf-8"
        if name in _EXPAT_NATIVE:
            return body
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            return body  # expat will fail on it, and the fallback scan reads the bytes
    text = body.decode(codec, "replace")
    return _XML_DECLARATION.sub(b"", text.encode("utf-8"), count=1)


def _wide_codec(body: bytes) -> str | None:
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return None if codec == "utf-8-sig" else codec
    return _UNMARKED_WIDE.get(body[:4])


# --- the budget -----------------------------------------------------------------------------


class BudgetExceeded(BaseException):
    """Raised into a parsing thread past its budget. A BaseException, so that no parser's
    `except Exception` swallows it."""

    kind = "budget"

    def __init__(self, *args: object) -> None:
        super().__init__(*args)


class TooSlow(BudgetExceeded):
    kind = "too_slow"


class TooLarge(BudgetExceeded):
    kind = "too_large"


def bounded(function: Callable[[], T], *, cpu_seconds: float, memory_mb: int) -> T:
    """`function()` in this thread, stopped with TooSlow past `cpu_seconds` of this thread's
    CPU time or TooLarge once the process grew by more than `memory_mb` (0: no memory check)."""
    target = threading.get_ident()
    clock = time.pthread_getcpuclockid(target)
    budget = _Budget(target, clock, cpu_seconds, memory_mb)
    watcher = threading.Thread(target=budget.watch, name="parse-budget", daemon=True)
    watcher.start()
    try:
        return function()
    finally:
        budget.finish()


class _Budget:
    def __init__(self, target: int, clock: int, cpu_seconds: float, memory_mb: int) -> None:
        self.target = target
        self.clock = clock
        self.cpu_limit = time.clock_gettime(clock) + cpu_seconds
        self.rss_limit = _rss_bytes() + memory_mb * 1024 * 1024 if memory_mb else None
        self.lock = threading.Lock()
        self.done = False
        self.stop = threading.Event()

    def watch(self) -> None:
        while not self.stop.wait(WATCH_INTERVAL_SECONDS):
            exceeded = self._exceeded()
            if exceeded is None:
                continue
            with self.lock:
                if self.done:
                    return
                _raise_in(self.target, exceeded)

    def _exceeded(self) -> type[BudgetExceeded] | None:
        try:
            if time.clock_gettime(self.clock) > self.cpu_limit:
                return TooSlow
        except OSError:  # the thread is gone: nothing left to stop
            return None
        if self.rss_limit is not None and _rss_bytes() > self.rss_limit:
            return TooLarge
        return None

    def finish(self) -> None:
        with self.lock:
            self.done = True
            # An exception raised but not yet delivered must not escape into unrelated code.
            _raise_in(self.target, None)
        self.stop.set()


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None
    )


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0  # no /proc: the memory budget cannot be read (parse processes keep their cap)
