"""claimed / reported / confirmed, from who the article says the information comes from.

confirmed: an authority independent of the actor (South Korea's JCS or defence ministry, Japan's
MoD or Joint Staff, USINDOPACOM, U.S. officials, the Treasury, the FBI, the USGS, the UN and its
Security Council, NATO...) says it detected, confirmed, measured, attributed or announced it (a
foreign ministry counts only when it says "confirmed"); or an official body carried the act out
itself (the Security Council adopted the resolution, the Treasury designated the firms, South
Korea and the US began their drills); or two governments held the meeting themselves.
claimed: only the actor's state media (KCNA, Rodong Sinmun, KCTV) or government says so.
reported: anything else (journalists, unnamed sources, think tanks, imagery analysts, the
IAEA's observations).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from app.extraction.lexicon import claim_patterns, starts_in
from app.extraction.text import Sentence

# a foreign ministry or "the government" of unnamed country speaks for politics as much as for
# facts: it confirms a launch only when it says "confirmed" (the State Department, the White
# House and Japan's Cabinet are the US and Japanese governments the guide names, and count)
_DIPLOMATIC = re.compile(r"(?:Ministry of Foreign Affairs|foreign ministry|government)$", re.I)
_NORTH_OWNER = re.compile(
    r"(?:North Korea.s|North Korean|DPRK|Pyongyang.s|the North.s)\s+(?:[\w-]+\s+){0,2}$", re.I
)
# a hedged attribution ("officials believe", "apparently") confirms a policy, a deal or a hack no
# more than a media report does; a launch detected and hedged only about its type stays confirmed
_HEDGED = re.compile(
    r"\b(?:believes?|believed|suspects?|suspected|apparently|allegedly|is thought|are thought|"
    r"probably|possibly|may have|might have|is likely|are likely)\b",
    re.IGNORECASE,
)
_LAUNCHES = frozenset({"missile_test", "space_launch", "artillery", "nuclear"})
_NOT_CONFIRMING = re.compile(
    r"\b(?:no information|denied|denies|declined to (?:confirm|comment)|could not (?:immediately )?"
    r"(?:confirm|verify)|would not confirm|unable to (?:confirm|verify)|did not confirm|"
    r"not (?:yet )?confirmed)\b",
    re.IGNORECASE,
)
_CONFIRM_VERB = re.compile(r"\bconfirm(?:ed|s)?\b", re.IGNORECASE)


def confirming_authority(sentence: Sentence, *, own_act: bool = False) -> str | None:
    """The independent authority a sentence cites as its source, if any. With `own_act`
    (the kinds of event governments carry out themselves), a White House or a foreign
    ministry speaking of its own sanctions or talks counts without saying "confirmed"."""
    if "authorities" not in sentence.memo:
        sentence.memo["authorities"] = _authorities(sentence)
    strict, lenient = sentence.memo["authorities"]
    return lenient if own_act else strict


def _authorities(sentence: Sentence) -> tuple[str | None, str | None]:
    """The first authority that confirms, and the first that speaks of its own act."""
    patterns, text = claim_patterns(), sentence.text
    if not patterns.verb.search(text, starts_in(sentence, patterns.verb)):
        return None, None  # cheap: most sentences attribute nothing
    if _NOT_CONFIRMING.search(text):
        return None, None  # "the ministry said it had no information", "could not confirm"
    lenient = None
    for match in patterns.authority.finditer(text, starts_in(sentence, patterns.authority)):
        name = match.group("a1") or match.group("a2")
        start = match.start("a1") if match.group("a1") else match.start("a2")
        if _NORTH_OWNER.search(text[max(0, start - 25) : start]):
            continue  # "North Korea's defence ministry said" is the actor speaking
        lenient = lenient or name
        if _DIPLOMATIC.search(name) and not _CONFIRM_VERB.search(match.group(0)):
            continue
        return name, lenient
    return None, lenient


# the kinds of event official bodies carry out themselves (a launch or a hack by North Korea is
# never confirmed by the mere presence of an official body in its sentence)
CARRIED_OUT_BY_OFFICIALS = frozenset(
    {
        "sanctions",
        "diplomacy",
        "military_exercise",
        "defense_policy",
        "humanitarian",
        "domestic",
        "border_maritime",
        "arms_transfer",
        "cyber",
    }
)
# the kinds of event a government's own words carry out (a sanctions order, a policy, a visit):
# there a foreign ministry or the White House counts without saying "confirmed"
OWN_WORDS = frozenset({"sanctions", "diplomacy", "defense_policy", "domestic"})
# states whose meeting, held by both governments, confirms itself
MEETING_PARTIES = frozenset(
    {
        "North Korea",
        "South Korea",
        "United States",
        "Japan",
        "China",
        "Russia",
        "Singapore",
        "Ukraine",
        "United Nations",
        "Kim Jong Un",
        "Xi Jinping",
        "Vladimir Putin",
        "Donald Trump",
        "Lee Jae Myung",
    }
)
_LEADER_COUNTRY = {
    "Kim Jong Un": "North Korea",
    "Xi Jinping": "China",
    "Vladimir Putin": "Russia",
    "Donald Trump": "United States",
    "Lee Jae Myung": "South Korea",
}


def official_act(sentence: Sentence) -> str | None:
    """The official body a sentence says carried something out, if any (main clause only)."""
    patterns = claim_patterns()
    if not patterns.act_verb.search(sentence.text, starts_in(sentence, patterns.act_verb)):
        return None  # cheap: most sentences do nothing official
    match = patterns.official_act.search(sentence.text)
    if match is None:
        return None
    start = match.start("actor")
    if sentence.segment_at(start)[2] or _NORTH_OWNER.search(
        sentence.text[max(0, start - 25) : start]
    ):
        return None  # "after the US held drills" is another happening; the North's own organs
    return f"{match.group('actor')} {match.group('act')}"


_MEETING_HELD = re.compile(
    r"\b(?:met|meets|held (?:talks|a summit|summit|a meeting|meetings)|hold talks|holds talks|"
    r"signed|visited|visiting|arrived in|arrives in|hosted|hosts|shook hands|greeted|"
    r"(?:summit|talks|meeting)\b[^.;]{0,60}?\b(?:ended|took place|wrapped up|concluded|began|opened|"
    r"broke down|collapsed))\b",
    re.IGNORECASE,
)
_NOT_YET = re.compile(
    r"\b(?:plans?|planned|planning|expected|will|would|could|may|might|reported(?:ly)?|possible|"
    r"proposed|proposes|offered|hopes?|seeks?|wants?)\b[^.;]{0,30}$",
    re.IGNORECASE,
)


def _held_meeting(sentence: Sentence) -> bool:
    """The sentence says a meeting took place (not that one is planned or proposed)."""
    for match in _MEETING_HELD.finditer(sentence.text):
        if not _NOT_YET.search(sentence.text[max(0, match.start() - 40) : match.start()]):
            return True
    return False


def claim_status(
    sentences: Iterable[Sentence],
    title: Sentence,
    category: str = "",
    actors: Sequence[str] = (),
    lede: Sequence[Sentence] = (),
) -> tuple[str, str]:
    """The status and the reason for it, from the sentences about one event, then the rest of
    `lede` (the excerpt's other sentences: a feed's summary often names its source there)."""
    own_event = list(sentences)
    own_ids = {s.index for s in own_event}
    rest = [s for s in lede if s.index not in own_ids]
    scope = [*own_event, *rest]
    own_act = category in OWN_WORDS
    hedges_count = category not in _LAUNCHES
    for sentence in scope:
        authority = confirming_authority(sentence, own_act=own_act)
        if authority and hedges_count and _HEDGED.search(sentence.text):
            continue
        if authority:
            return "confirmed", f"attributed to {authority}: {sentence.text[:160]}"
    headline = claim_patterns().headline.search(title.text)
    if headline:
        return "confirmed", f"headline attributes it to {headline.group(0).strip(': ')}"
    if category in CARRIED_OUT_BY_OFFICIALS:
        for sentence in [title, *own_event]:  # the act itself, not what officials did besides
            act = _memo(sentence, "official_act", official_act)
            if act:
                return "confirmed", f"carried out by an official body ('{act}')"
    if category == "diplomacy":
        parties = {_LEADER_COUNTRY.get(a, a) for a in actors if a in MEETING_PARTIES}
        held = next((s for s in [title, *scope] if _held_meeting(s)), None)
        if len(parties) >= 2 and held is not None:
            return "confirmed", f"a meeting the governments held ({', '.join(sorted(parties))})"
    observer = next((s for s in [title, *scope] if _memo(s, "observer", _observer)), None)
    if observer is not None:
        return "reported", f"observed independently: {observer.text[:160]}"
    for sentence in [title, *scope]:
        state = _memo(sentence, "state", _state_media)
        if state:
            return "claimed", f"only the actor's state media/government says so ({state})"
    return "reported", "media report without an official confirmation or state-media claim"


def _state_media(sentence: Sentence) -> str | None:
    state = claim_patterns().state
    match = state.search(sentence.text, starts_in(sentence, state))
    return match.group(0) if match else None


def _observer(sentence: Sentence) -> str | None:
    independent = claim_patterns().independent
    match = independent.search(sentence.text, starts_in(sentence, independent))
    return match.group(0) if match else None


def _memo(sentence: Sentence, key: str, compute: Callable[[Sentence], str | None]) -> str | None:
    if key not in sentence.memo:
        sentence.memo[key] = compute(sentence)
    return sentence.memo[key]  # type: ignore[no-any-return]
