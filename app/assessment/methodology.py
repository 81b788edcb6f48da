"""Every weight, threshold and boundary of the assessment, with the reason for each.

Change any number here and bump METHODOLOGY_VERSION: stored reports and API answers carry the
version, so a reader can tell which rules produced a level.

One situation per period (app/assessment/situation.py)
------------------------------------------------------
Every surface (/threat-level, /threat-level/history, /hotspots, the OGC hotspots layer and the
report) asks the same question, "the situation over the days first..last as known at as_of",
and gets its answer from one function. Two rules decide what it reads:

- Belonging: an event belongs to a window when one of the days it may have happened on falls in
  it. A day-precision (or undated: the publish day stands in) event may have happened on its
  `event_date` only; a week-, month- or year-precision one on any day of
  [event_date, event_date + PRECISION_SPAN_DAYS - 1] (the week from its Monday, the month from
  its first), cut at the day it was first reported (nothing happens after it is reported). So
  "a launch last week", reported on a Monday, belongs to every window overlapping last week.
  It also belongs to the window it was first reported in (UTC days) when it happened at most
  LATE_REPORT_DAYS before that window began: a week's news includes what the week revealed (an
  arms escort of May 12 first reported on May 21), while a revelation about last year stays in
  last year.
- Knowing: only what was published by as_of counts: an event first reported later is not
  there yet, and an event's corroboration and claim status are those of its mentions published
  by as_of (a JCS confirmation that came later does not confirm it yet).

How the threat level is computed (reproducible: only stored events and the as-of instant count)
-------------------------------------------------------------------------------------------
1. The window: the report's period, or for /threat-level the WINDOW_DAYS calendar days (UTC)
   ending on the `at` day. Its events are those that belong to it and are known at as_of.
2. Each event weighs  SEVERITY_POINTS[severity] x CLAIM_WEIGHT[claim_status]
   x corroboration factor x confidence factor x recency factor  (see `event_weight`). Recency is
   counted from the window's last day to the latest day the event may have happened on in it.
3. The window's load is the sum of its weights, scaled to a week (x WINDOW_DAYS / its length),
   so a month's report is not "Severe" for being long. The absolute part of the score saturates:
   100 x (1 - exp(-load / SATURATION_LOAD)), so many small events cannot run away to 100.
4. The baseline is the mean load of the BASELINE_WINDOWS windows of the same length before it.
   The escalation part adds ESCALATION_POINTS x log2(load / baseline), clipped to +-1 doubling.
   With no event at all in the baseline, there is nothing to compare with (collection may
   simply be new): no term.
5. score = clamp(absolute + escalation, 0, 100), rounded to one decimal; the level is the
   highest LEVEL_FLOORS entry the score reaches.
6. The trend compares the score with the score of the window of the same length just before:
   a change of at least TREND_DEADBAND points is rising/falling, anything smaller is steady.

Hotspots (what a map reader wants)
----------------------------------
Events are grouped by place. Only places inside the area of interest (setting
`WATCHFLOOR_AREA_OF_INTEREST`, default: the peninsula, its seas and the Chinese and Russian border
belt) are drawn; events elsewhere, or without a point, are counted as omitted from the map. A
place's intensity (1-5) is the INTENSITY_FLOORS step its summed event weight reaches, without
recency (a week's map shows the week: Monday's launch is as much there as Sunday's). A place is
drawn only when at least one of its events makes a hotspot on its own (MAP_ON_THEIR_OWN):
diplomatic visits, domestic politics and plans announced in a city add to a place that is
already a hotspot, never make one.
"""

from __future__ import annotations

import math

METHODOLOGY_VERSION = "2026.12-1"

# --- the window --------------------------------------------------------------------------------
WINDOW_DAYS = 7  # one week: the reporting rhythm of the seed report and of analysts
BASELINE_WINDOWS = 4  # four weeks: long enough to smooth one busy week, short enough to adapt
MAX_HISTORY_DAYS = 366  # /threat-level/history answers at most a year of daily points

# --- per-event weight --------------------------------------------------------------------------
# Severity is ordinal and escalation is not linear: one nuclear test or ICBM launch (5) outweighs
# a dozen diplomatic statements (2). Points roughly double per step, as in escalation ladders.
SEVERITY_POINTS: dict[int, float] = {1: 0.5, 2: 1.5, 3: 4.0, 4: 9.0, 5: 20.0}

# An independent authority's confirmation (JCS, Japan's MoD) is worth more than media reports,
# which are worth more than the actor's own unverified claims (state media can exaggerate).
CLAIM_WEIGHT: dict[str, float] = {"confirmed": 1.0, "reported": 0.8, "claimed": 0.6}

# More distinct publishers make an event more certain, with diminishing returns: each doubling of
# sources adds CORROBORATION_STEP, capped so wire syndication cannot inflate a minor story.
CORROBORATION_STEP = 0.15
CORROBORATION_CAP = 1.5

# Extraction's confidence (0-1) scales the weight between CONFIDENCE_FLOOR and 1: a low-confidence
# event still counts (it was extracted from real text) but for less.
CONFIDENCE_FLOOR = 0.5

# Recency: an event RECENCY_HALF_LIFE_DAYS old counts half. Two weeks means the oldest day of a
# one-week window still counts ~70 %: the window stays a week, not "yesterday".
RECENCY_HALF_LIFE_DAYS = 14.0

# --- from load to score ------------------------------------------------------------------------
# A load of SATURATION_LOAD gives 63 points: one fresh confirmed severity-5 event (20) alone
# reaches High; a confirmed severity-4 launch plus a busy week of lesser events does too.
SATURATION_LOAD = 20.0
ESCALATION_POINTS = 10.0  # a week twice as heavy as its baseline adds 10 points; half removes 10
TREND_DEADBAND = 5.0  # smaller moves are noise of one or two minor events

# Level floors, lowest first (design brief: Low, Guarded, Elevated, High, Severe). Even steps of
# 20 keep the mapping easy to explain; Severe needs a load of ~2.4x SATURATION_LOAD or an
# escalation on top of a heavy week.
LEVELS: tuple[str, ...] = ("Low", "Guarded", "Elevated", "High", "Severe")
LEVEL_FLOORS: tuple[tuple[float, str], ...] = (
    (0.0, "Low"),
    (20.0, "Guarded"),
    (40.0, "Elevated"),
    (60.0, "High"),
    (80.0, "Severe"),
)

DRIVER_COUNT = 5  # events listed as drivers of a level

# --- belonging: which days an event may have happened on ---------------------------------------
# Days an imprecise date may stand for, counted from `event_date` (extraction dates "last week"
# by its Monday, "earlier this month" by the 1st). A year is too vague to place in a week: it is
# given a month's span, so "in 2025" does not weigh on every week of a year. Undated events
# ("unknown": the publish day stands in) and day-precision ones have a span of one day.
PRECISION_SPAN_DAYS: dict[str, int] = {"day": 1, "unknown": 1, "week": 7, "month": 31, "year": 31}
MAX_PRECISION_SPAN_DAYS = max(PRECISION_SPAN_DAYS.values())
# A window also holds the events first reported in it that happened at most this many days
# before it began (two weeks: a sighting or an escort published days later is this week's news;
# a theft of last year is not).
LATE_REPORT_DAYS = 14
# How far before a window's first day an event that belongs to it may be dated.
MAX_REACH_DAYS = max(MAX_PRECISION_SPAN_DAYS - 1, LATE_REPORT_DAYS)
# Extraction dates events by the Korean calendar day (UTC+9); the first report's day, which cuts
# an imprecise span, is counted the same way.
REPORT_DAY_OFFSET_HOURS = 9

# --- hotspots ----------------------------------------------------------------------------------
# A place's intensity is the highest step its summed event weight (no recency) reaches.
# Calibrated on the seed week: a confirmed severity-4 launch (~8.5) or two confirmed severity-3
# launches from one coast (~7.6) make a 4 (the seed's Jongju and Yellow Sea); one confirmed
# severity-3 launch (~3.8) a 3; a reported severity-2 border incident (~1.0, the seed's China
# border) a 2; a claimed severity-2 statement (~0.7) a 1; a nuclear test (20) a 5.
INTENSITY_FLOORS: tuple[tuple[float, int], ...] = (
    (0.0, 1),
    (0.9, 2),
    (3.0, 3),
    (7.0, 4),
    (15.0, 5),
)
# Which events make a hotspot on their own. Visits and talks (diplomacy), domestic politics and
# humanitarian news happen in capitals and meeting halls, not on a front line: they add weight
# and a clause to a place that is a hotspot for other reasons, never make one. Defence policy
# makes one only where it is carried out (a border, a sea, a site: "fortify the border"), not
# where a plan is announced (a city or a country: "a submarine by the mid-2030s", said in Jinhae).
NOT_ON_THEIR_OWN: frozenset[str] = frozenset({"diplomacy", "domestic", "humanitarian"})
FRONT_LINE_ONLY: frozenset[str] = frozenset({"defense_policy"})
FRONT_LINE_PRECISIONS: frozenset[str] = frozenset({"site", "border", "sea"})
# Events without a gazetteer id are grouped by their coordinates rounded to this many decimals
# (0.1 degree is ~11 km: the same town, not the same province).
COORDINATE_KEY_DECIMALS = 1
# How a hotspot's one-sentence detail names each category's events (singular, plural).
CATEGORY_NOUNS: dict[str, tuple[str, str]] = {
    "missile_test": ("missile launch", "missile launches"),
    "artillery": ("artillery firing", "artillery firings"),
    "nuclear": ("nuclear development", "nuclear developments"),
    "space_launch": ("space launch", "space launches"),
    "military_exercise": ("military exercise", "military exercises"),
    "defense_policy": ("defence-policy move", "defence-policy moves"),
    "domestic": ("domestic political event", "domestic political events"),
    "diplomacy": ("diplomatic meeting or statement", "diplomatic meetings or statements"),
    "sanctions": ("sanctions development", "sanctions developments"),
    "humanitarian": ("humanitarian development", "humanitarian developments"),
    "border_maritime": ("border or maritime incident", "border or maritime incidents"),
    "arms_transfer": ("arms transfer", "arms transfers"),
    "cyber": ("cyber operation", "cyber operations"),
}

# --- reports -----------------------------------------------------------------------------------
# Reports of 7 or 8 days are weekly: a week counted Monday..Sunday, or, as the seed report does,
# from one Thursday to the next (May 21 - May 28). Only weekly reports become
# /assessments/latest; a report over any other range is stored and listed, never "latest".
WEEKLY_PERIOD_DAYS: frozenset[int] = frozenset({7, 8})
# The seed report's headings, in its order, and the taxonomy categories each one covers.
HEADINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Military Activities and Exercises",
        ("missile_test", "artillery", "nuclear", "space_launch", "military_exercise"),
    ),
    ("Defense Policy and Strategic Shifts", ("defense_policy", "domestic")),
    ("Diplomatic Relations", ("diplomacy", "sanctions", "humanitarian")),
    ("Maritime and Border Security", ("border_maritime",)),
    ("Defense Acquisitions and Arms Deals", ("arms_transfer",)),
    ("Cybersecurity", ("cyber",)),
)
CATEGORIES: tuple[str, ...] = tuple(c for _, cats in HEADINGS for c in cats)
HEADING_OF: dict[str, str] = {c: heading for heading, cats in HEADINGS for c in cats}
DEVELOPMENTS_PER_HEADING = 8  # the heaviest events per heading; the rest are counted
SUMMARY_TOP_EVENTS = 3  # events named one by one in the executive summary
ANNEX_TEASER_CHARS = 400  # the seed's annex shows the feed's teaser, about this long

# --- indicators (computed from the events; app/assessment/indicators.py) -------------------------
# Launches: missile tests and space launches, counted as events (one launch = one event).
LAUNCH_CATEGORIES: tuple[str, ...] = ("missile_test", "space_launch")
# A year-to-date count this many times last year's (or more) reads "above last year"; this
# fraction of it (or less) "below"; anything between "as last year".
YEAR_ON_YEAR_ABOVE = 1.25
YEAR_ON_YEAR_BELOW = 0.75
# Days since the last launch: this few or fewer reads "active", more than QUIET "quiet".
LAUNCH_ACTIVE_DAYS = 14
LAUNCH_QUIET_DAYS = 60
# Border incidents (border_maritime and artillery events at a border or sea place) and the other
# window counts: above the mean of the BASELINE_WINDOWS windows before by this factor (and at
# least one more event) reads "above usual"; below it by the same factor "below usual".
WINDOW_COUNT_FACTOR = 1.5
BORDER_CATEGORIES: tuple[str, ...] = ("border_maritime", "artillery")
BORDER_PRECISIONS: frozenset[str] = frozenset({"border", "sea", "site"})
NUCLEAR_CATEGORIES: tuple[str, ...] = ("nuclear",)
ALIGNMENT_CATEGORIES: tuple[str, ...] = ("arms_transfer",)
CYBER_CATEGORIES: tuple[str, ...] = ("cyber",)


def severity_points(severity: int) -> float:
    return SEVERITY_POINTS.get(max(1, min(5, int(severity))), SEVERITY_POINTS[1])


def claim_weight(claim_status: str) -> float:
    return CLAIM_WEIGHT.get(claim_status, CLAIM_WEIGHT["claimed"])


def corroboration_factor(corroboration: int) -> float:
    sources = max(1, int(corroboration or 1))
    return min(CORROBORATION_CAP, 1.0 + CORROBORATION_STEP * math.log2(sources))


def confidence_factor(confidence: float) -> float:
    value = max(0.0, min(1.0, float(confidence)))
    return CONFIDENCE_FLOOR + (1.0 - CONFIDENCE_FLOOR) * value


def recency_factor(age_days: float) -> float:
    return 0.5 ** (max(0.0, age_days) / RECENCY_HALF_LIFE_DAYS)


def absolute_score(load: float) -> float:
    return 100.0 * (1.0 - math.exp(-max(0.0, load) / SATURATION_LOAD))


def escalation_points(load: float, baseline: float) -> float:
    if baseline <= 0:
        return 0.0
    ratio = max(load, 1e-9) / baseline
    return ESCALATION_POINTS * max(-1.0, min(1.0, math.log2(ratio)))


def level_for(score: float) -> str:
    level = LEVEL_FLOORS[0][1]
    for floor, name in LEVEL_FLOORS:
        if score >= floor:
            level = name
    return level


def makes_hotspot(category: str, location_precision: str | None) -> bool:
    """Can an event of this category at a place of this precision make a hotspot on its own?"""
    if category in NOT_ON_THEIR_OWN:
        return False
    if category in FRONT_LINE_ONLY:
        return location_precision in FRONT_LINE_PRECISIONS
    return True


def intensity_for(weight: float) -> int:
    intensity = INTENSITY_FLOORS[0][1]
    for floor, value in INTENSITY_FLOORS:
        if weight >= floor:
            intensity = value
    return intensity


def trend_for(score: float, previous: float) -> str:
    if score - previous >= TREND_DEADBAND:
        return "rising"
    if previous - score >= TREND_DEADBAND:
        return "falling"
    return "steady"
