"""claimed / reported / confirmed, from who the article says the information comes from.

confirmed: an authority independent of the actor (South Korea's JCS or defence ministry, Japan's
MoD or Joint Staff, USINDOPACOM, U.S. officials...) says it detected, confirmed or announced
it; a foreign ministry counts only when it says "confirmed". claimed: only the actor's state
media (KCNA, Rodong Sinmun, KCTV) or government says so. reported: anything else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from app.extraction.lexicon import claim_patterns, starts_in
from app.extraction.text import Sentence

_DIPLOMATIC = re.compile(
    r"(?:Ministry of Foreign Affairs|foreign ministry|State Department|White House|government"
    r"|Chief Cabinet Secretary|Prime Minister)$",
    re.IGNORECASE,
)
_NORTH_OWNER = re.compile(r"(?:North Korea.s|North Korean|DPRK|Pyongyang.s|the North.s)\s+$", re.I)
_CONFIRM_VERB = re.compile(r"\bconfirm(?:ed|s)?\b", re.IGNORECASE)


def confirming_authority(sentence: Sentence) -> str | None:
    """The independent authority a sentence cites as its source, if any."""
    patterns, text = claim_patterns(), sentence.text
    if not patterns.verb.search(text, starts_in(sentence, patterns.verb)):
        return None  # cheap: most sentences attribute nothing
    for match in patterns.authority.finditer(text, starts_in(sentence, patterns.authority)):
        name = match.group("a1") or match.group("a2")
        start = match.start("a1") if match.group("a1") else match.start("a2")
        if _NORTH_OWNER.search(text[max(0, start - 25) : start]):
            continue  # "North Korea's defence ministry said" is the actor speaking
        if _DIPLOMATIC.search(name) and not _CONFIRM_VERB.search(match.group(0)):
            continue
        return name
    return None


def claim_status(sentences: Iterable[Sentence], title: Sentence) -> tuple[str, str]:
    """The status and the reason for it, from the sentences about one event."""
    scope = list(sentences)
    for sentence in scope:
        authority = _memo(sentence, "authority", confirming_authority)
        if authority:
            return "confirmed", f"attributed to {authority}: {sentence.text[:160]}"
    headline = claim_patterns().headline.search(title.text)
    if headline:
        return "confirmed", f"headline attributes it to {headline.group(0).strip(': ')}"
    for sentence in [title, *scope]:
        state = _memo(sentence, "state", _state_media)
        if state:
            return "claimed", f"only the actor's state media/government says so ({state})"
    return "reported", "media report without an official confirmation or state-media claim"


def _state_media(sentence: Sentence) -> str | None:
    match = claim_patterns().state.search(sentence.text)
    return match.group(0) if match else None


def _memo(sentence: Sentence, key: str, compute: Callable[[Sentence], str | None]) -> str | None:
    if key not in sentence.memo:
        sentence.memo[key] = compute(sentence)
    return sentence.memo[key]  # type: ignore[no-any-return]
