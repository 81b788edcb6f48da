"""Every weight, threshold and boundary of the assessment, with the reason for each.

Change any number here and bump METHODOLOGY_VERSION: stored reports and API answers carry the
version, so a reader can tell which rules produced a level.

How the threat level is computed (reproducible: only stored events and the as-of instant count)
-------------------------------------------------------------------------------------------
1. The window is the WINDOW_DAYS calendar days (UTC) ending on the as-of day. An event counts if
   its `event_date` falls in the window and it was known at the as-of instant (first reported
   no later than it), so asking about a past moment gives the answer that was true then.
2. Each event weighs  SEVERITY_POINTS[severity] x CLAIM_WEIGHT[claim_status]
   x corroboration factor x confidence factor x recency factor  (see `event_weight`).
3. The window's load is the sum of its weights. The absolute part of the score saturates:
   100 x (1 - exp(-load / SATURATION_LOAD)), so many small events cannot run away to 100.
4. The baseline is the mean load of the BASELINE_WINDOWS windows before it. The escalation part
   adds ESCALATION_POINTS x log2(load / baseline), clipped to +-1 doubling. With no event at all
   in the baseline, there is nothing to compare with (collection may simply be new): no term.
5. score = clamp(absolute + escalation, 0, 100), rounded to one decimal; the level is the
   highest LEVEL_FLOORS entry the score reaches.
6. The trend compares the score with the score one window earlier: a change of at least
   TREND_DEADBAND points is rising/falling, anything smaller is steady.
"""

from __future__ import annotations

import math

METHODOLOGY_VERSION = "2026.11-1"

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

# --- hotspots ----------------------------------------------------------------------------------
# A hotspot's intensity is the highest step its summed event weight (recency measured from the
# window's end) reaches. One fresh confirmed severity-4 event (9) makes a 4; a single reported
# severity-2 statement (~1.2) a 1; a nuclear test (20) a 5.
INTENSITY_FLOORS: tuple[tuple[float, int], ...] = (
    (0.0, 1),
    (2.0, 2),
    (4.0, 3),
    (8.0, 4),
    (16.0, 5),
)
# Events without a gazetteer id are grouped by their coordinates rounded to this many decimals
# (0.1 degree is ~11 km: the same town, not the same province).
COORDINATE_KEY_DECIMALS = 1
HOTSPOT_DETAIL_TITLES = 3  # titles named in a hotspot's one-sentence detail

# --- reports -----------------------------------------------------------------------------------
# A weekly report covers what was learned that week: events dated in the period, and events
# first reported in it that happened shortly before (a sighting published days later). Older
# revelations belong to their own period. The threat level still weighs events by their date.
REPORT_LATE_REPORT_DAYS = 14
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

# What would move the level, per category present in the period. Worded as conditions to watch,
# never as facts; the report attaches the period's events of that category to each line.
INDICATORS: dict[str, tuple[str, str]] = {
    "missile_test": (
        "Further launches, especially ones confirmed by South Korea's JCS or Japan's MoD or of "
        "longer-range systems, would raise the level.",
        "A period without launches would lower it.",
    ),
    "artillery": (
        "Live fire near the Northern Limit Line or the DMZ would raise the level.",
        "Artillery activity confined to routine drills far from the border would lower it.",
    ),
    "nuclear": (
        "Activity at Punggye-ri, Yongbyon or Kangson, or a nuclear test, would raise the level.",
        "No new activity at nuclear sites would lower it.",
    ),
    "space_launch": (
        "A satellite launch from Sohae would raise the level.",
        "Postponed or abandoned launch preparations would lower it.",
    ),
    "military_exercise": (
        "Large or unannounced exercises, or North Korean responses to allied drills, would "
        "raise the level.",
        "Scaled-down or suspended exercises would lower it.",
    ),
    "defense_policy": (
        "Doctrine or deployment changes that make nuclear use or border clashes more likely "
        "would raise the level.",
        "Statements opening room for talks or risk reduction would lower it.",
    ),
    "domestic": (
        "Party meetings that announce new military goals would raise the level.",
        "Meetings focused on the economy and agriculture would lower it.",
    ),
    "diplomacy": (
        "Summits that deepen military cooperation with Russia or China would raise the level.",
        "Resumed inter-Korean or US-DPRK contact would lower it.",
    ),
    "sanctions": (
        "Open rejection or collapse of sanctions enforcement would raise the level.",
        "New enforcement actions or interdictions would lower it.",
    ),
    "humanitarian": (
        "Worsening food or health crises with border movements would raise the level.",
        "Accepted aid and reopened exchanges would lower it.",
    ),
    "border_maritime": (
        "Incidents at the DMZ, the Northern Limit Line or the China border would raise the level.",
        "Agreed border management and calm at crossings would lower it.",
    ),
    "arms_transfer": (
        "Confirmed arms or technology transfers with Russia would raise the level.",
        "Interdicted shipments or halted cooperation would lower it.",
    ),
    "cyber": (
        "New large thefts or attacks attributed to DPRK-linked groups would raise the level.",
        "Seizures of stolen funds and disrupted operations would lower it.",
    ),
}


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
