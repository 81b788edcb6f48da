"""When it happened: date expressions resolved against the publish time in Korea's time zone.

"on Tuesday" is the most recent Tuesday on or before the publish day (KST), or the day after a
bare publish date (no time given) when that day is a Tuesday; "last Tuesday" the
Tuesday of the previous (Monday-to-Sunday) week; "last week" the Monday of the previous week (precision week); "May 26"
takes the publish year unless that lands more than a few days in the future (then the year
before); "earlier this month" is the first of the month (precision month). Dates further in the
future than FUTURE_SLACK_DAYS are plans, not happenings, and are ignored.

When only the publish month or year is known (an `Anchor` of that precision), a relative
expression ("on Tuesday", "last week") can say no more than that period; "May 26" still takes the
year. With no publish date at all, only dates that carry their year count.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.extraction.scan import AnchoredPattern

FUTURE_SLACK_DAYS = 3
PLAN_HORIZON_MONTHS = 3
_KST_FIXED = dt.timezone(dt.timedelta(hours=9), "KST")  # no DST in Korea since 1988

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_PATTERN = re.compile(
    rf"\b(?P<md>{_MONTH}\.?\s+(?P<md_day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<md_year>20\d\d))?)"
    rf"|\b(?P<dm>(?P<dm_day>\d{{1,2}})\s+{_MONTH.replace('(', '(?P<dm_month>', 1)}\b(?:\s+(?P<dm_year>20\d\d))?)"
    r"|\b(?P<iso>(?P<iso_y>20\d\d)-(?P<iso_m>\d\d)-(?P<iso_d>\d\d))\b"
    rf"|\b(?P<wd>(?P<wd_last>last\s+)?(?P<wd_name>{'|'.join(_WEEKDAYS)}))(?:'s)?\b"
    r"|\b(?P<rel>yesterday|today|this morning|this afternoon|this evening|tonight|last night"
    r"|earlier today|last week|earlier this week|this week|over the weekend|last weekend"
    r"|earlier this month|this month|last month|earlier this year|the previous day|a day earlier)\b"
    rf"|\b(?P<mo>(?:in|since|during|early|late|mid|mid-|earlier in)\s+{_MONTH.replace('(', '(?P<mo_month>', 1)})\b(?!\s*\d)",
    re.IGNORECASE,
)
DATES = AnchoredPattern(_PATTERN)  # located by the sentence scan (lexicon.sentence_scan)
# a weekday, month or "yesterday" word (the extractor asks for a digit or "day" with it)
DATE_WORDS = AnchoredPattern(
    re.compile(
        r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|"
        r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\b",
        re.IGNORECASE,
    )
)


class Anchor(NamedTuple):
    """What the publish date tells: the period it may lie in, and its precision."""

    first: dt.date | None  # the first day the article may have been published (KST)
    latest: dt.date | None  # the last such day; relative dates resolve against it
    known: str  # day|month|year|none
    # A bare date (midnight UTC: no time was given) is the publisher's calendar day, which can
    # be a day behind Korea's: "on Sunday" in a page dated Saturday is the next day in KST.
    bare: bool = False

    @classmethod
    def of(cls, published: dt.datetime | None, known: str = "day") -> Anchor:
        if published is None or known == "none":
            return cls(None, None, "none")
        if known == "day":
            day = publish_day(published)
            return cls(day, day, "day", _is_bare_date(published))
        first = published.date()
        if known == "month":
            following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return cls(first, following - dt.timedelta(days=1), "month")
        return cls(first.replace(month=1, day=1), first.replace(month=12, day=31), "year")


def _is_bare_date(published: dt.datetime) -> bool:
    return published.utcoffset() == dt.timedelta(0) and published.time() == dt.time(0)


class DateMention(NamedTuple):  # one per hit: a NamedTuple builds faster than a frozen dataclass
    start: int
    end: int
    date: dt.date
    precision: str  # day|week|month
    text: str


@cache
def korea_tz() -> dt.tzinfo:
    try:
        return ZoneInfo("Asia/Seoul")
    except ZoneInfoNotFoundError:  # no tz database on the host: Korea is UTC+9 all year
        return _KST_FIXED


def publish_day(published: dt.datetime) -> dt.date:
    return published.astimezone(korea_tz()).date()


def find_dates(
    sentence: str, today: dt.date | Anchor, starts: Sequence[int] | None = None
) -> list[DateMention]:
    """Date expressions in a sentence, resolved against `today` (the KST publish day, or an
    `Anchor` when less is known); `starts`: where its scan saw DATES may start, if it has one."""
    found = []
    anchor: Anchor | None
    latest: dt.date | None
    if isinstance(today, Anchor):
        anchor, latest = today, today.latest
    else:
        anchor, latest = None, today
    for match in DATES.finditer(sentence, starts):
        if anchor is None or anchor.known == "day":
            resolved = _resolve(match, latest, bare=anchor is not None and anchor.bare)  # type: ignore[arg-type]
        else:
            resolved = _resolve_vague(match, anchor)
        if resolved is None:
            continue
        day, precision = resolved
        if latest is not None and day > latest + dt.timedelta(days=FUTURE_SLACK_DAYS):
            continue
        found.append(DateMention(match.start(), match.end(), day, precision, match.group(0)))
    return found


def _resolve(m: re.Match[str], today: dt.date, *, bare: bool = False) -> tuple[dt.date, str] | None:
    if m.group("md"):
        return _month_day(
            _MONTHS[_key(m.group(2))[:3]], int(m.group("md_day")), m.group("md_year"), today
        )
    if m.group("dm"):
        month = _MONTHS[_key(m.group("dm_month"))[:3]]
        return _month_day(month, int(m.group("dm_day")), m.group("dm_year"), today)
    if m.group("iso"):
        try:
            day = dt.date(int(m.group("iso_y")), int(m.group("iso_m")), int(m.group("iso_d")))
        except ValueError:
            return None
        return day, "day"
    if m.group("wd"):
        target = _WEEKDAYS.index(_key(m.group("wd_name")))
        if m.group("wd_last"):  # "last Tuesday": the Tuesday of the previous week
            return today - dt.timedelta(days=today.weekday() + 7 - target), "day"
        if bare and target == (today.weekday() + 1) % 7:
            return today + dt.timedelta(days=1), "day"
        return today - dt.timedelta(days=(today.weekday() - target) % 7), "day"
    if m.group("rel"):
        return _relative(_key(m.group("rel")), today)
    if m.group("mo"):
        month = _MONTHS[_key(m.group("mo_month"))[:3]]
        if 0 < (month - today.month) % 12 <= PLAN_HORIZON_MONTHS:
            return None  # "in late June" written in May is a plan
        year = today.year if month <= today.month else today.year - 1
        return dt.date(year, month, 1), "month"
    return None


def _resolve_vague(m: re.Match[str], anchor: Anchor) -> tuple[dt.date, str] | None:
    """A date expression when the publish day itself is unknown."""
    if m.group("iso") or m.group("md_year") or m.group("dm_year"):
        return _resolve(m, anchor.latest or dt.date.max)
    if anchor.latest is None or anchor.first is None:
        return None  # "May 26" or "on Tuesday" with no publish date: which year?
    if m.group("md") or m.group("dm") or m.group("mo"):
        return _resolve(m, anchor.latest)
    return anchor.first, anchor.known  # "on Tuesday", "last week": somewhere in that period


def _key(matched: str) -> str:
    """The ASCII lower-case word a case-blind match stands for: `re` lets "İ", "ı" and "ſ"
    match "i" and "s" (and the Kelvin sign "k"), which `str.lower` alone does not undo."""
    return matched.lower().replace("\u0307", "").replace("ı", "i").replace("ſ", "s")


def _month_day(
    month: int, day: int, year: str | None, today: dt.date
) -> tuple[dt.date, str] | None:
    try:
        if year:
            return dt.date(int(year), month, day), "day"
        candidate = dt.date(today.year, month, day)
        if candidate > today + dt.timedelta(days=FUTURE_SLACK_DAYS):
            if (candidate - today).days <= PLAN_HORIZON_MONTHS * 31:
                return None  # a date a few weeks ahead is a plan, not last year's event
            candidate = dt.date(today.year - 1, month, day)
        return candidate, "day"
    except ValueError:
        return None


def _relative(phrase: str, today: dt.date) -> tuple[dt.date, str] | None:
    monday = today - dt.timedelta(days=today.weekday())
    if phrase in {
        "today",
        "this morning",
        "this afternoon",
        "this evening",
        "tonight",
        "earlier today",
    }:
        return today, "day"
    if phrase in {"yesterday", "last night", "the previous day", "a day earlier"}:
        return today - dt.timedelta(days=1), "day"
    if phrase == "last week":
        return monday - dt.timedelta(days=7), "week"
    if phrase in {"this week", "earlier this week"}:
        return monday, "week"
    if phrase in {"over the weekend", "last weekend"}:
        saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7)
        return saturday, "week"
    if phrase in {"earlier this month", "this month"}:
        return today.replace(day=1), "month"
    if phrase == "last month":
        first = today.replace(day=1) - dt.timedelta(days=1)
        return first.replace(day=1), "month"
    return None  # "earlier this year" is too vague to date an event
