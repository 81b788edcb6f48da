"""Severity (1-5) and confidence (0-1): every rule in one place, each with its reason.

Severity says how much an event matters to regional security; confidence how sure we are that
it happened as described. Both return their reasons so an analyst can see why.

Severity, by category (base), then the adjustments below:
  nuclear 4 (a nuclear test 5) | space_launch 4 (ballistic technology, UN-banned)
  missile_test 3: ICBM 5; IRBM, hypersonic or SLBM 4; SRBM/cruise 3, +1 for a salvo of 3+ or a
      range of 500 km+, or for a combined test of several strike systems (e.g. ballistic and
      cruise missiles with rocket artillery: a rehearsal of a combined strike, not a single
      test); +1 when it overflies or lands near Japan
  arms_transfer 3 | artillery 2, +1 near the border, NLL or buffer zone
  border_maritime 2, +1 when shots are fired or people hurt | military_exercise 2, +1 with
      strategic assets | cyber 2, +1 for thefts of USD 100M+ | sanctions 2 | defense_policy 2
  diplomacy 1, +1 for a summit or leaders' meeting | domestic 1, +1 for party plenums and
      purges | humanitarian 1, +1 for deaths or mass displacement

Confidence starts from the claim status (confirmed 0.80, reported 0.60, claimed 0.50) and adds:
source reliability (Admiralty A +0.08, B +0.05, C 0, D -0.05, E -0.10, unknown/F -0.03);
two or more supporting sentences +0.04; place precision (site/city +0.04, sea/border/province
+0.02, country 0, none -0.04); date (day 0, week/month -0.03, publish day assumed -0.08);
corroboration +0.05 per further distinct publisher (at most +0.15). Clamped to [0.05, 0.98].
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.extraction.scan import AnchoredPattern

SEVERITY_BASE: dict[str, tuple[int, str]] = {
    "nuclear": (4, "nuclear programme activity"),
    "space_launch": (4, "satellite launch: ballistic-missile technology barred by UN resolutions"),
    "missile_test": (3, "missile launch barred by UN resolutions"),
    "arms_transfer": (3, "arms transfer feeding a war or breaching sanctions"),
    "artillery": (2, "artillery fire"),
    "border_maritime": (2, "border or maritime incident"),
    "military_exercise": (2, "military exercise"),
    "cyber": (2, "state-linked cyber operation"),
    "sanctions": (2, "sanctions action"),
    "defense_policy": (2, "defence policy or posture change"),
    "diplomacy": (1, "diplomatic contact or statement"),
    "domestic": (1, "domestic political development"),
    "humanitarian": (1, "humanitarian situation"),
}
_MISSILE_CLASS = {"icbm": 5, "irbm": 4, "slbm": 4}
# Weapon classes that are distinct strike systems; two or more families in one test = combined.
_STRIKE_FAMILIES = {
    "icbm": "ballistic", "irbm": "ballistic", "srbm": "ballistic", "slbm": "ballistic",
    "cruise": "cruise", "mrl": "rocket_artillery",
}  # fmt: skip
_NUCLEAR_TEST = AnchoredPattern(
    re.compile(r"\b(?:nuclear (?:weapons? )?test|underground (?:nuclear )?test)", re.I)
)
_NEAR_BORDER = AnchoredPattern(
    re.compile(r"\b(?:buffer zone|Northern Limit Line|NLL|border|DMZ|MDL|island)\b", re.I)
)
_SHOTS = AnchoredPattern(
    re.compile(r"\b(?:warning shots|shots|fired|exchange of fire|killed|wounded|injured)\b", re.I)
)
_STRATEGIC = AnchoredPattern(
    re.compile(
        r"\b(?:strategic bombers?|B-1B|B-52|aircraft carriers?|nuclear submarine|nuclear-powered)\b",
        re.I,
    )
)
_JAPAN = AnchoredPattern(
    re.compile(r"\b(?:over Japan|Japan's (?:exclusive economic zone|EEZ)|J-Alert)\b", re.I)
)
_LEADERS = AnchoredPattern(
    re.compile(r"\b(?:summit|Kim Jong Un|Xi Jinping|Putin|Trump|president|leaders?)\b", re.I)
)
_PARTY = AnchoredPattern(
    re.compile(r"\b(?:plenary|plenum|congress|purg\w+|executed|Supreme People.s Assembly)\b", re.I)
)
_CASUALTIES = AnchoredPattern(
    re.compile(r"\b(?:killed|dead|deaths|homeless|displaced|missing|famine)\b", re.I)
)

CLAIM_CONFIDENCE = {"confirmed": 0.80, "reported": 0.60, "claimed": 0.50}
RELIABILITY_ADJUSTMENT = {"A": 0.08, "B": 0.05, "C": 0.0, "D": -0.05, "E": -0.10, "F": -0.03}
PRECISION_ADJUSTMENT = {
    "site": 0.04, "city": 0.04, "sea": 0.02, "border": 0.02, "province": 0.02, "country": 0.0,
}  # fmt: skip
DATE_ADJUSTMENT = {"day": 0.0, "week": -0.03, "month": -0.03, "year": -0.05, "unknown": -0.08}


def severity(
    category: str, weapon_classes: Iterable[str], figures: dict[str, Any], text: str
) -> tuple[int, list[str]]:
    value, reason = SEVERITY_BASE[category]
    reasons = [f"{category} starts at {value}: {reason}"]
    classes = set(weapon_classes)

    def bump(to: int, why: str) -> None:
        nonlocal value
        if to > value:
            value = to
            reasons.append(f"raised to {to}: {why}")

    if category == "missile_test":
        for cls, level in _MISSILE_CLASS.items():
            if cls in classes:
                bump(level, f"{cls.upper()} class weapon")
        families = {_STRIKE_FAMILIES[c] for c in classes if c in _STRIKE_FAMILIES}
        if figures.get("count", 0) >= 3 or figures.get("range_km", 0) >= 500:
            bump(min(value + 1, 5), "a salvo of three or more, or a range of 500 km or more")
        elif len(families) >= 2:
            bump(min(value + 1, 5), f"combined test of {len(families)} strike-system families")
        if _JAPAN.search(text):
            bump(min(value + 1, 5), "overflew or landed near Japan")
    elif category == "nuclear" and _NUCLEAR_TEST.search(text):
        bump(5, "a nuclear test")
    elif category == "artillery" and _NEAR_BORDER.search(text):
        bump(3, "fired near the border, the NLL or a buffer zone")
    elif category == "border_maritime" and _SHOTS.search(text):
        bump(3, "shots fired or people hurt")
    elif category == "military_exercise" and _STRATEGIC.search(text):
        bump(3, "strategic assets involved")
    elif category == "cyber" and figures.get("amount_usd", 0) >= 100_000_000:
        bump(3, "theft of USD 100 million or more")
    elif category == "diplomacy" and _LEADERS.search(text):
        bump(2, "leaders or a summit involved")
    elif category == "domestic" and _PARTY.search(text):
        bump(2, "party plenum, congress or purge")
    elif category == "humanitarian" and _CASUALTIES.search(text):
        bump(2, "deaths, displacement or famine")
    return max(1, min(5, value)), reasons


def confidence(
    *,
    claim_status: str,
    reliability: str | None,
    evidence_count: int,
    location_precision: str | None,
    date_precision: str,
    corroboration: int = 1,
) -> tuple[float, list[str]]:
    value = CLAIM_CONFIDENCE[claim_status]
    reasons = [f"{claim_status}: {value:.2f}"]

    def add(delta: float, why: str) -> None:
        nonlocal value
        if delta:
            value += delta
            reasons.append(f"{delta:+.2f} {why}")

    grade = (reliability or "F").upper()
    add(RELIABILITY_ADJUSTMENT.get(grade, -0.03), f"source reliability {grade}")
    if evidence_count >= 2:
        add(0.04, f"{evidence_count} supporting sentences")
    if location_precision is None:
        add(-0.04, "no place")
    else:
        add(
            PRECISION_ADJUSTMENT.get(location_precision, 0.0),
            f"place precision {location_precision}",
        )
    add(DATE_ADJUSTMENT.get(date_precision, -0.08), f"date precision {date_precision}")
    if corroboration > 1:
        add(min(0.05 * (corroboration - 1), 0.15), f"{corroboration} distinct publishers")
    return round(max(0.05, min(0.98, value)), 2), reasons
