"""Numbers worth keeping: range and apogee in km, flight time, how many, amounts in USD."""

from __future__ import annotations

import re
from typing import Any

from app.extraction.scan import AnchoredPattern, anchored  # anchored: tried only at its words

MILES_TO_KM = 1.609344
NAUTICAL_MILES_TO_KM = 1.852
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a dozen": 12, "dozens of": 24,
}  # fmt: skip
_DISTANCE = AnchoredPattern(  # starts with a digit: tried only where one stands
    re.compile(
        r"(?P<num>\d{1,3}(?:,\d{3})*(?:\.\d+)?|\d+(?:\.\d+)?)\s*-?\s*"
        r"(?P<unit>km|kilometers|kilometres|kilometer|kilometre|miles|mile|mi)\b"
        r"(?:\s*\(\s*(?:about\s+)?[\d,.]+\s*(?:km|kilometers|kilometres|miles|mi)\s*\))?",
        re.IGNORECASE,
    )
)
_ALTITUDE_CUE = anchored(r"\b(?:altitude|apogee|height|high|peak)\b[^.;]{0,30}$", re.I)
_RANGE_CUE = anchored(
    r"\b(?:flew|flying|flight|travel(?:l)?ed|range|distance|strik\w*|up to|away|covered|about|some|roughly|approximately|over)\b[^.;]{0,40}$",
    re.I,
)
_MINUTES = AnchoredPattern(
    re.compile(r"\bfor (?:about |around |some |roughly )?(\d{1,4}) (minutes|hours)\b", re.I)
)
_COUNT = AnchoredPattern(
    re.compile(
        r"\b(?P<n>\d{1,3}|a|an|one|single|two|three|four|five|six|seven|eight|nine|ten|a dozen|dozens of)\s+"
        r"(?:[\w-]+\s+){0,4}?(?:missiles|projectiles|rockets|rounds|shells|ICBMs|SRBMs|missile|projectile|rocket|ICBM|SRBM|IRBM)\b",
        re.IGNORECASE,
    )
)
# every match of _COUNT ends with one of these words: most sentences lack them all, and
# the pattern (which may start at any "a") costs far more than looking for them
_COUNTED_WORDS = ("missile", "projectile", "rocket", "round", "shell", "icbm", "srbm", "irbm")
_AMOUNT = AnchoredPattern(
    re.compile(
        r"(?:\$|US\$|USD\s?)(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<scale>million|billion|thousand|[KMB]\b)?",
        re.IGNORECASE,
    )
)
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "b": 1e9}


def extract_figures(sentences: list[str], category: str) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for sentence in sentences:
        if category in {"missile_test", "space_launch", "artillery"}:
            _distances(sentence, figures)
            _counts(sentence, figures)
            minutes = _MINUTES.search(sentence)
            if minutes and "flight_minutes" not in figures:
                value = int(minutes.group(1))
                figures["flight_minutes"] = (
                    value * 60 if minutes.group(2).lower() == "hours" else value
                )
        if category in {"cyber", "sanctions", "arms_transfer", "humanitarian"}:
            amount = _AMOUNT.search(sentence)
            if amount and "amount_usd" not in figures:
                scale = _SCALES.get((amount.group("scale") or "").lower(), 1)
                figures["amount_usd"] = round(float(amount.group("num").replace(",", "")) * scale)
    return figures


def _distances(sentence: str, figures: dict[str, Any]) -> None:
    for match in _DISTANCE.finditer(sentence):
        value = float(match.group("num").replace(",", ""))
        if match.group("unit").lower().startswith("mi"):
            value *= MILES_TO_KM
        before = sentence[max(0, match.start() - 60) : match.start()]
        if _ALTITUDE_CUE.search(before):
            figures.setdefault("apogee_km", round(value))
        elif _RANGE_CUE.search(before):
            figures.setdefault("range_km", round(value))


def _counts(sentence: str, figures: dict[str, Any]) -> None:
    if "count" in figures or not _may_count(sentence):
        return
    match = _COUNT.search(sentence)
    if not match:
        return
    token = match.group("n").lower()
    count = int(token) if token.isdigit() else NUMBER_WORDS.get(token)
    if count and count < 1000:
        figures["count"] = count


def _may_count(sentence: str) -> bool:
    if not sentence.isascii():  # ignoring case, non-ASCII letters may match: no shortcut
        return True
    lowered = sentence.lower()
    return any(word in lowered for word in _COUNTED_WORDS)
