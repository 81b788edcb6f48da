"""Where it happened: gazetteer matches, filtered for the usual traps, then ranked.

Traps handled here: capitals used for their governments ("Seoul said", "Pyongyang's
response", "according to Seoul's JCS") are places only after a locative word ("in Seoul");
"Pyongyang-based", "Hwasong-18" and "a Musudan intermediate-range ballistic missile" (a weapon
named after its site) are not places; "to be deployed at the border" is a plan,
not where the event happened. Ranking: the launch origin ("from Jongju") beats where it fell
("into the Yellow Sea"), which beats anything else; places in the event's own clause beat
places in an "after ..." aside; finer precision beats coarser.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from functools import cache
from itertools import pairwise
from typing import NamedTuple

from app.extraction.figures import MILES_TO_KM, NAUTICAL_MILES_TO_KM, NUMBER_WORDS
from app.extraction.lexicon import Place, gazetteer, place_matcher
from app.extraction.merge import km
from app.extraction.scan import AnchoredPattern, anchored  # anchored: tried only at its words
from app.extraction.schemas import Location
from app.extraction.text import Sentence

_METONYMS = frozenset(
    {
        "kp-pyongyang",
        "kr-seoul",
        "cn-beijing",
        "jp-tokyo",
        "us-washington",
        "ru-moscow",
        "sg-singapore",
    }
)
# "to Seoul and Washington", "between Beijing and Moscow", "officials from Seoul, Pyongyang,
# Washington and Beijing": capitals in pairs and lists are governments (any capital: "arms sales
# from Pyongyang and Tehran"). The neighbour's one or two capitalised words are looked up in
# the gazetteer's capitals.
_NEIGHBOUR_AFTER = re.compile(
    r"^(?:,\s+|,?\s+(?:and|or)\s+)(?P<one>[A-Z][\w'’.-]*)(?:\s+(?P<two>[A-Z][\w'’.-]*))?"
)
_NEIGHBOUR_BEFORE = re.compile(
    r"(?:\b(?P<two>[A-Z][\w'’.-]*)\s+)?\b(?P<one>[A-Z][\w'’.-]*)(?:,\s+|,?\s+(?:and|or)\s+)$"
)
_LOCATIVE_BEFORE = AnchoredPattern(
    re.compile(
        r"(?:\b(?:in|at|near|outside|around|from|to|into|over|toward|towards|across|inside|visit|"
        r"visits|visited|visiting|arrived in|left|of central|downtown|north of|south of|east of|"
        r"west of|suburbs of)\s+(?:the\s+)?(?:(?:[A-Z][a-z]+\s+)?(?:city of\s+|capital,?\s+|capital of\s+|"
        r"capital city of\s+))?"
        # "found dead in their home in southwestern Seoul", "a camp in central Tokyo"
        r"(?:(?:(?:north|south)?(?:east|west)ern|northern|southern|central|downtown|suburban)\s+)?)$",
        re.IGNORECASE,
    )
)
# the patterns written with ^ are applied with .match (.search would try them at every position)
_POSSESSIVE_AFTER = re.compile(r"^(?:'s?\b|\s+and\s+[A-Z][\w-]*'s\b)")
# "in Seoul defense paper", "the Pyongyang regime": a capital standing for its state
_ATTRIBUTIVE_AFTER = re.compile(
    r"^\s+(?:defen[cs]e|government|officials?|authorities|military|administration|regime|"
    r"leadership|policy|paper|ministry|spokes\w+)\b",
    re.IGNORECASE,
)
# "received support from Pyongyang", "a letter from Pyongyang", "an invitation to Pyongyang",
# "the transfer of wartime control to Seoul": what a government gives, sends or receives, so a
# capital after it stands for its government even after "from" or "to"
_GOVERNMENT_ROLE_BEFORE = AnchoredPattern(
    re.compile(
        r"\b(?:support|assistance|aid|help|backing|cooperation|letters?|messages?|invitations?|"
        r"representation|representatives?|delegates?|envoys?|officials|diplomats|orders?|"
        r"instructions?|approval|permission|requests?|authority|control|command|condolences|"
        r"congratulations|greetings|sales|exports)\s+(?:from|to)\s+(?:the\s+)?$",
        re.IGNORECASE,
    )
)
# "the government in Seoul", "the regime in Pyongyang": a capital standing for its state (an
# office elsewhere is where it sits: "the Military Manpower Administration in Minsk Mazowiecki")
_GOVERNMENT_IN_BEFORE = AnchoredPattern(
    re.compile(
        r"\b(?:government|administration|regime|leadership|policymakers)\s+in\s+(?:the\s+)?$",
        re.IGNORECASE,
    )
)
# "said the official in Washington", "a spokesman for the US military command in Seoul", "some
# in Seoul suspect": where a speaker sits, in a capital, is not where the event happened (but
# "met with officials in Beijing" is where the meeting was)
_SPEAKER_IN_BEFORE = AnchoredPattern(
    re.compile(
        r"\b(?:officials?|spokes(?:man|woman|person)|command|analysts?|observers?|sources?|some|"
        r"many|others|commentators|correspondents?)\s+in\s+(?:the\s+)?"
        r"(?:(?:(?:north|south)?(?:east|west)ern|northern|southern|central|downtown)\s+)?$",
        re.IGNORECASE,
    )
)
_MEETING_WORD = re.compile(r"\b(?:met|meets?|meeting|talks)\b", re.IGNORECASE)
_LOCATIVE_AFTER = re.compile(
    r"^\s+(?:summit|talks|(?:Joint )?Declaration|area|suburbs?|outskirts|airport|meeting|"
    # "the Seoul Central District Court", "Seoul High Court": a court sits in its city
    r"(?:(?:Central|Southern|Northern|Eastern|Western)\s+)?(?:District\s+|High\s+|Family\s+|"
    r"Administrative\s+)?Court)\b",
    re.I,
)
# "the North Korean capital, Pyongyang, where the four-day meeting was held" (applied with
# .match at the name's end, so no "^"): the text itself
# says the occasion was there (a capital too, and wherever someone spoke about it)
_WHERE_HELD_AFTER = re.compile(
    r",?\s+where\s+(?:the\s+|their\s+|a\s+)?(?:[\w'’-]+\s+){0,3}?(?:meeting|talks|summit|"
    r"session|conference|negotiations|dialogue|ceremony|forum)\s+(?:was|were|is|are|had been|"
    r"have been|will be)\s+(?:being\s+)?(?:held|taking place|under way)",
    re.IGNORECASE,
)
_NOT_A_PLACE_AFTER = re.compile(
    r"^(?:\s*-\s*\d|\s*-?\s*based\b|(?-i:,\s+(?:[A-Z][a-z]+\s){0,2}[A-Z][a-z]+-based\b)|\s+state\b|\s+(?:(?:[\w-]+-range|ballistic|cruise|mobile)\s+){0,3}"
    r"(?:missiles?|ICBMs?|IRBMs?|MRBMs?|SRBMs?|SLBMs?|rockets?|launchers?|class|series|-class|type)\b"
    # "its Musudan-ri rocket launch site": the site, not a rocket named after it
    r"(?!\s+(?:launch(?:ing)?|test(?:ing)?)\s+(?:site|pad|station|facility|base|ground|center)))"
    # "Bureau of East Asian and Pacific Affairs": an office, not the ocean
    r"|^\s+Affairs\b"
    # "former South Gyeongsang Gov. Kim", "Seoul Mayor Park": an office named after a place
    r"|^(?-i:\s+(?:Gov\.|Governor|Mayor|Rep\.|Sen\.|Senator|Representative|MP)\s+[A-Z])"
    # "Korea Daesong Bank", "Tanchon Commercial Bank": a firm named after a place is a firm
    r"|^(?-i:\s+(?:(?:General|Commercial|Foreign|Trade|Trading|Banking|Shipping|Joint[- ]Venture)\s+)*"
    r"(?:Bank|Banking|Trading|Corporation|Corp|Company|Co\.|Group|Industries|Shipping|Enterprise|"
    r"Trust)\b)",
    re.IGNORECASE,
)
_ATTRIBUTION_BEFORE = AnchoredPattern(
    re.compile(
        r"according to\s+(?:the\s+)?$|\bto be deployed\s+\w+\s+(?:the\s+)?$"
        # "about 80 km (50 miles) from the capital, Pyongyang": a reference point for a distance
        # "threats from Pyongyang": a government; "a diplomat based in London": a residence
        r"|\b(?:threats?|warnings?|provocations?|pressure|response|criticism|protests?|demands?|"
        r"aggression|hostility|retaliation|reprisals?|backlash|objections?|opposition)\s+from\s+$|\b(?:based|stationed|posted|headquartered)\s+in\s+$"
        # "a warning to Pyongyang", "a message to Seoul": addressed to a government
        r"|\b(?:warnings?|messages?|signals?|threats?|letters?|appeals?|demands?|ultimatums?|"
        r"repl(?:y|ies)|overtures?|offers?|calls?)\s+to\s+$"
        # "the so-called Changwon spy group": a name given to something, not where it was
        r"|\bso-called\s+[\"“‘']?$"
        # "he will visit Seoul", "invited him to visit Tokyo": a trip to come
        r"|\b(?:will|would|to|plans? to|planning to|expected to)\s+(?:visit|travel to|go to|fly to)\s+$"
        r"|(?:\d|\b)(?:km|kilometers|kilometres|miles|mi)\)?\s+(?:\w+\s+){0,2}?(?:from|of)\s+"
        r"(?:the\s+)?(?:\w+\s+)?(?:capital,?\s+|city\s+of\s+)?$",
        re.I,
    )
)
_CUE = AnchoredPattern(
    re.compile(
        r"\b(from|into|toward|towards|off|over|in|at|near|along|across|inside|to|on)\s+(?:the\s+)?"
        # the nearest cue: the words between are no cue themselves ("from Jongju into the")
        r"(?:(?!(?:from|into|toward|towards|off|over|in|at|near|along|across|inside|to|on)\b)"
        r"[\w'’-]+\s+){0,4}?"
        # "from the North's eastern coastal city of Wonsan", "from an area in or around Sukchon":
        # the cue is "from", not "of" or "in"
        r"(?:(?:waters|areas?|port|coast|city|town|county|village|island|province|region|district|"
        r"vicinity)\s+(?:of|off|in|near|around)(?:\s+or\s+(?:near|around|in))?\s+(?:the\s+)?)?$",
        re.IGNORECASE,
    )
)
_FROM_A_SITE_IN = re.compile(
    r"\bfrom\s+(?:an?|the|its)\s+(?:[\w-]+\s+){0,2}?(?:site|area|location|base|facility|spot)\s+"
    r"(?:in|near|around)\s+(?:[\w'’-]+\s+){0,4}$",
    re.IGNORECASE,
)
# "before one of them entered the airspace over Dokdo": the same actors' next step, told in the
# past, is this happening ("just before Obama arrived in Seoul" is another one)
_STEP_BEFORE = re.compile(
    r"^\W*(?:\w+\s+){0,3}?before\s+(?:it|they|he|she|(?:one|some|two|three|all|both|each)"
    r"(?: of them)?)\s+(?:\w+ly\s+)?[a-z]+ed\b",
    re.IGNORECASE,
)
_AHEAD = re.compile(
    r"^\W*(?:\w+\s+){0,3}?(?:before|ahead of)\b"
    r"|^\W*(?:\w+\s+){0,2}?(?:days?|weeks?|months?|hours?)\s+(?:after|since|following)\b",
    re.IGNORECASE,
)
# "the funeral is scheduled to be held in Pyongyang", "will travel to Beijing next week": where
# something is to happen is not where this event happened
_FUTURE_VENUE = anchored(
    r"\b(?:scheduled|planned|slated|due|set|expected|plans?|planning|will|would|is to|are to)"
    r"\s+(?:to\s+)?(?:be held|take place|travel|go|fly|visit|meet|convene|open|hold \w+|arrive|"
    r"reach|dock|sail)\b"
    r"[^.;:,]{0,40}$",
    re.IGNORECASE,
)
_SOUTH_CONTEXT = AnchoredPattern(
    re.compile(r"\b(?:South Korea|South Korean|Incheon|ROK|Gyeonggi)\b")
)
_PRECISION_SCORE = {"site": 6, "city": 5, "sea": 4, "border": 4, "province": 3}
# "moved launchers to Wonsan at its eastern coast", "rains hit the east coast": a coastline
# stands for its sea only when nothing on it is named (and, outside the event's sentences, not
# at all: "the east coast" a few sentences on is as likely another story's)
_COASTLINE = re.compile(r"\bcoast\b", re.IGNORECASE)
COASTLINE_PENALTY = 2
_LAUNCHES = frozenset({"missile_test", "space_launch", "artillery"})
# the word before a place: a launch site ("from") outranks where it fell ("into")
_LAUNCH_CUES = {
    "from": 5,
    "near": 3,
    "in": 2,
    "at": 2,
    "into": 2,
    "toward": 2,
    "towards": 2,
    "off": 2,
    "over": 1,
}
# the order, launch site over impact area: a province named as where a launch came from
# ("from a site in Chagang province") outranks the sea it fell in, named in the headline
LAUNCH_SITE_BONUS = 3
# a sea is where a launch fell, whatever the word before it ("fired from its east coast")
_SEA_CUE_CEILING = 2
# a place abroad (Tokyo, Hokkaido, Guam) is a target, an observer or a route for a launch from
# the North: never where it happened
_LAUNCH_ABROAD_PENALTY = 100
# ...but a missile-defence test ("an intercept test off Hawaii", "shot down a mock warhead",
# "test launches of SM-3 interceptors") is fired by the US or Japan at their own ranges abroad,
# unless the sentences also tell of the North launching (Japan "did not try to intercept" it)
_MISSILE_DEFENCE_TEST = re.compile(
    r"\bintercept(?:ion|or)?s?\s+(?:[\w-]+\s+){0,2}?tests?\b"
    r"|\btests?\b[^.;]{0,60}?\binterceptors?\b"
    r"|\b(?:intercept\w*|shoot\w* down|shot down|destroy\w*)\s+(?:an?\s+|the\s+)?"
    r"(?:mock|dummy|simulated|target)\b",
    re.IGNORECASE,
)
# in such a test, where the target was fired from is not where the interception took place
_TARGET_LAUNCHED_FROM = re.compile(
    r"\btargets?\b[^.;]{0,50}?\b(?:launched|fired|lifted off|took off)\s+from\s+(?:the\s+)?"
    r"(?:[\w'’-]+\s+){0,3}?$",
    re.IGNORECASE,
)
_NORTH_LAUNCHES = re.compile(
    r"\b(?:North Korea|Pyongyang|the North|DPRK)\b[^.;]{0,40}?\b(?:fired|launched|test-fired|"
    r"test-launched|fires|launches)\b"
    r"|\b(?:fired|launched)\s+by\s+(?:North Korea|Pyongyang|the North|the DPRK)\b",
    re.IGNORECASE,
)
_OTHER_CUES = {"in": 2, "at": 2, "near": 2, "along": 2, "across": 1, "from": 1, "over": 1, "on": 1}
# A policy (a decision, a deployment order, a doctrine, a white paper, a claim) is made in an
# office: the sea it names is an area of operations, a target zone or the subject of a claim
# ("destroyers dispatched to the East Sea", "claims to Dokdo in the East Sea"), never where it
# happened (a deployment is placed at its base or island when one is named)
_NO_SEA_CATEGORIES = frozenset({"defense_policy"})
_TOWARD = frozenset({"toward", "towards"})
# "the cessation of loudspeaker broadcasts along the inter-Korean border", "smuggling across the
# Yalu": in talks and politics a border line is the topic, not a venue (talks at the border are
# held at a site on it, Panmunjom, which stays a place)
_BORDER_IS_THE_TOPIC = frozenset({"diplomacy", "domestic"})
# A border or maritime event is about the peninsula's lines and seas: a city abroad where
# officials met to discuss it ("talks in Washington on the DMZ") is not where it happened.
_FOREIGN_VENUE_PENALTY = {"border_maritime": 4}
_PENINSULA = frozenset({"KP", "KR"})
# a place named elsewhere in the excerpt than the event's sentences: still the event's place
# when nothing better is named, but any place in the event's own sentences comes first
OUT_OF_SCOPE_PENALTY = 3
LEDE_SENTENCES = 6
# a place in an aside of the event's sentence ("following his visit to Beijing") is another
# happening's: it wins only over nothing
ASIDE_PENALTY = 3  # body sentences after the title searched beyond the event's own
# kinds of event that often have no physical place (a designation, a theft online):
# a place elsewhere in the excerpt is more likely someone else's
_OWN_SENTENCES_ONLY = frozenset({"sanctions", "cyber"})
# a ship-to-ship transfer spotted or a vessel seized happened where the ship was, told in the
# next sentences as often as in its own ("spotted the two east of Shanghai")
_SHIP = r"(?:vessels?|ships?|tankers?|freighters?)"
_CAUGHT = r"(?:seiz\w+|spott\w+|detain\w+|intercept\w+|board\w+|captur\w+|impound\w+)"
_AT_SEA = anchored(
    rf"\bship-to-ship\b|\b{_CAUGHT}\b[^.;]{{0,60}}\b{_SHIP}\b|\b{_SHIP}\b[^.;]{{0,60}}\b{_CAUGHT}\b",
    re.IGNORECASE,
)
_PENINSULA_BOX = (33.0, 43.5, 124.0, 131.5)  # lat min, lat max, lon min, lon max (with borders)


# A facility of the North's weapons programmes named in a diplomatic story is what the talks or
# the agreement are about ("agreed to shut down the launch pad at Dongchang"), not their venue
_WEAPONS_FACILITIES = frozenset(
    {
        "launch_site",
        "launch_area",
        "airbase_launch_site",
        "missile_base",
        "nuclear_facility",
        "nuclear_test_site",
        "arms_plant",
        "arms_plant_launch_site",
        "city_launch_area",
        "district_launch_area",
        "coastal_artillery",
    }
)


def _metonym(place: Place) -> bool:
    """A capital, which news uses for its government ("Kyiv said", "Seoul's response")."""
    return place.id in _METONYMS or place.kind in {"capital", "seat_of_government"}


def _spaceport(place: Place) -> bool:
    """A launch site abroad that the South's satellites fly from (Vandenberg, Baikonur...)."""
    return place.kind == "launch_site"


def _abroad(place: Place) -> bool:
    """Outside both Koreas and away from their borders and seas (Dandong is not abroad)."""
    if _PENINSULA.intersection(place.country.split("|")):
        return False
    lat_min, lat_max, lon_min, lon_max = _PENINSULA_BOX
    return not (lat_min <= place.lat <= lat_max and lon_min <= place.lon <= lon_max)


class PlaceMention(NamedTuple):  # one per hit: a NamedTuple builds faster than a frozen dataclass
    place: Place
    sentence: Sentence
    start: int
    end: int
    cue: str


def place_mentions(sentence: Sentence) -> list[PlaceMention]:
    if "places" not in sentence.memo:
        sentence.memo["places"] = _place_mentions(sentence)
    return sentence.memo["places"]  # type: ignore[no-any-return]


# "People watch a TV screen showing the launch at Seoul Railway Station": a photo caption, whose
# place is where someone watched the news
_CAPTION = re.compile(
    r"\b(?:watch(?:es|ed|ing)?|view(?:s|ed|ing)?)\s+(?:a\s+|the\s+)?(?:[\w-]+\s+)?"
    r"(?:TV|television|news|screen|broadcast|report)",
    re.IGNORECASE,
)
# "the Center for Strategic and International Studies in Washington said": where the speaker sits,
# when it is a capital or abroad
_SPEAKER_AFTER = re.compile(
    r"^,?\s+(?:(?:on|last|this)\s+\w+\s+)?(?:said|says|reported|announced|told|stated)\b",
    re.IGNORECASE,
)
# "In Washington, a State Department official said ...", "In Tokyo, the chief cabinet secretary
# told reporters ...": a capital fronted before a speaker's words is where the reaction came from
# (the clause after the comma is searched only when the capital opens its sentence)
_FRONTED_IN = re.compile(r"^\s*In\s+(?:the\s+)?$")
_FRONTED_SPEECH = re.compile(
    r"^,[^.;:]{0,160}?\b(?:said|says|told|stated|reported|announced|added)\b", re.IGNORECASE
)
FRONTED_SPAN = 170


def _fronted_speaker_seat(text: str, start: int, end: int) -> bool:
    if start > 8 or not _FRONTED_IN.match(text[:start]):
        return False
    clause = text[end : end + FRONTED_SPAN]
    return bool(_FRONTED_SPEECH.match(clause)) and not _MEETING_WORD.search(clause)


def _place_mentions(sentence: Sentence) -> list[PlaceMention]:
    mentions: list[PlaceMention] = []
    text = sentence.text
    folded = sentence.folded
    if ("watch" in folded or "view" in folded) and _CAPTION.search(text):
        return mentions
    for hit in place_matcher().find_in(sentence):
        # the cue may sit a few words back ("from the North's eastern coastal city of"); the
        # other checks look at the words just before
        wide = text[max(0, hit.start - 70) : hit.start]
        before, after = wide[-45:], text[hit.end : hit.end + 45]
        close_by = _close_by(before)
        if _NOT_A_PLACE_AFTER.match(after) or (_ATTRIBUTION_BEFORE.search(before) and not close_by):
            continue
        place = _disambiguate(hit.keys, text)
        if len(hit.keys) > 1 and after[:1] == ",":
            place = _in_the_region_named(hit.keys, after) or place
        if _SPEAKER_AFTER.match(after) and (_abroad(place) or _metonym(place)):
            continue  # an institute's seat; "a source in North Hamgyong said" may be there
        if _metonym(place) and (
            _POSSESSIVE_AFTER.match(after)
            or _ATTRIBUTIVE_AFTER.match(after)
            or _capital_beside(_NEIGHBOUR_AFTER.match(after), two_first=False)
            or _capital_beside(_NEIGHBOUR_BEFORE.search(before), two_first=True)
            or _GOVERNMENT_ROLE_BEFORE.search(before)
            or _GOVERNMENT_IN_BEFORE.search(before)
            or (_SPEAKER_IN_BEFORE.search(before) and not _MEETING_WORD.search(wide))
            or _fronted_speaker_seat(text, hit.start, hit.end)
            or not (
                _LOCATIVE_BEFORE.search(before)
                or _LOCATIVE_AFTER.match(after)
                or _WHERE_HELD_AFTER.match(text, hit.end, hit.end + 90)
            )
        ):
            continue
        cue = _CUE.search(wide)
        word = cue.group(1).lower() if cue else ""
        if close_by:
            word = "near"  # "three miles from Yeonpyeong Island": beside it, not launched from it
        elif word in {"in", "near", "around"} and _FROM_A_SITE_IN.search(wide):
            word = "from"  # "fired from a site in its northwestern province of Chagang"
        mentions.append(PlaceMention(place, sentence, hit.start, hit.end, word))
    return _without_homonym_venues(mentions, text) if len(mentions) > 1 else mentions


# "the Shangri-La Hotel in Bangkok": a venue named after one in another city (a hotel chain's)
# is in the city the text puts it in, not where the gazetteer's namesake stands
_IN_BETWEEN = re.compile(r",?\s+(?:in|at)\s+(?:the\s+)?(?:city of\s+)?")
_REGION_WORD = re.compile(
    r"\s+(?:prefecture|province|county|state|oblast|region|islands?|district)\b", re.IGNORECASE
)
HOMONYM_KM = 100.0


def _without_homonym_venues(mentions: list[PlaceMention], text: str) -> list[PlaceMention]:
    kept = []
    for mention, following in zip(mentions, [*mentions[1:], None], strict=True):
        if (
            following is not None
            and mention.place.precision == "site"
            and _IN_BETWEEN.fullmatch(text, mention.end, following.start)
            and _km(mention.place, following.place) > HOMONYM_KM
            # a province's anchor may lie far off ("on Ishigaki Island in Okinawa Prefecture")
            and following.place.precision == "city"
            and not _REGION_WORD.match(text, following.end)
        ):
            continue
        kept.append(mention)
    return kept


def _km(one: Place, other: Place) -> float:
    """Great-circle distance, for telling namesakes apart."""
    return km(one.lat, one.lon, other.lat, other.lon)


# "installed rocket launchers less than three miles from Yeonpyeong Island", "caught in a net
# 11 miles east of Sokcho": a place this close is where it happened (a place hundreds of km away
# is only a reference point for a distance)
_DISTANCE_FROM = re.compile(
    r"(?<![\d,.])\b(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|"
    r"nine|ten|a few|several)"
    r"[\s-]*(?P<unit>km|kilometers?|kilometres?|miles?|mi|nautical miles?)\)?\s+"
    r"(?:\w+\s+){0,2}?(?:from|of|off)\s+(?:the\s+)?(?:\w+\s+)?(?:capital,?\s+|city\s+of\s+)?$",
    re.IGNORECASE,
)
# "a few" and "several" only as far as a reference point goes
_NUMBER_WORDS = {**NUMBER_WORDS, "a few": 3, "several": 5}
CLOSE_BY_KM = 30.0


def _close_by(before: str) -> bool:
    """The place is named as a reference point at most `CLOSE_BY_KM` away."""
    if "mi" not in before and "km" not in before and "kilomet" not in before:
        return False
    found = _DISTANCE_FROM.search(before)
    if found is None:
        return False
    n = found.group("n").lower()
    distance = float(_NUMBER_WORDS[n] if n in _NUMBER_WORDS else n.replace(",", ""))
    unit = found.group("unit").lower()
    if unit.startswith("nautical"):
        distance *= NAUTICAL_MILES_TO_KM
    elif unit.startswith("mi"):
        distance *= MILES_TO_KM
    return distance <= CLOSE_BY_KM


def _capital_beside(found: re.Match[str] | None, *, two_first: bool) -> bool:
    """The words a pattern of `_NEIGHBOUR_*` found next to a capital name another capital."""
    if found is None:
        return False
    one, two = found.group("one"), found.group("two")
    names = [one] if two is None else [f"{two} {one}" if two_first else f"{one} {two}", one]
    capitals = _capital_names()
    return any(name.rstrip(".").lower() in capitals for name in names)


@cache
def _capital_names() -> frozenset[str]:
    """Every name and alias of a capital in the gazetteer, lower case."""
    return frozenset(
        name.lower()
        for place in gazetteer().values()
        if _metonym(place)
        for name in (place.name, *place.aliases)
    )


def _disambiguate(keys: Sequence[str], sentence: str) -> Place:
    """The place a name stands for here: the peninsula's first (North or South by the
    sentence's context), else one whose country the sentence names, else the most populous
    (the matcher lists the keys peninsula first, then by population)."""
    places = [gazetteer()[k] for k in keys]
    if len(places) > 1:
        peninsula = [place for place in places if place.peninsula]
        if peninsula:
            south = bool(_SOUTH_CONTEXT.search(sentence))
            for place in peninsula:
                if ("KR" in place.country.split("|")) == south:
                    return place
            return peninsula[0]
        names = _country_names()
        for place in places:
            country = names.get(place.country)
            if country and country in sentence:
                return place
    return places[0]


# "Gwangju, Gyeonggi Province", "Goseong, Gangwon": the region after a name tells namesakes apart
_REGION_AFTER = re.compile(
    r"^,\s+(?P<region>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?(?:\s+(?:Province|Prefecture|County))?)"
)


def _in_the_region_named(keys: Sequence[str], after: str) -> Place | None:
    """Of several places a name stands for, the one nearest the region named after it."""
    found = _REGION_AFTER.match(after)
    if found is None:
        return None
    region = next(iter(place_matcher().find(found.group("region"))), None)
    if region is None:
        return None
    anchor = gazetteer()[region.keys[0]]
    places = [gazetteer()[k] for k in keys]
    return min(places, key=lambda place: _km(place, anchor))


@cache
def _country_names() -> dict[str, str]:
    """Country code -> the country's name, from the gazetteer's countries."""
    return {p.country: p.name for p in gazetteer().values() if p.precision == "country"}


def choose_place(
    category: str,
    evidence: Sequence[Sentence],
    scope: Sequence[Sentence],
    trigger_at: dict[int, int],
    excerpt: Sequence[Sentence] = (),
) -> tuple[PlaceMention | None, str]:
    """The best-supported place for one event, and why it was chosen.

    The event's own sentences come first, then the sentences that mention its kind of thing,
    then the rest of the excerpt (a feed's summary often names the launch site one sentence
    away from the launch), each step a little less trusted.
    """
    best: tuple[float, int, int] | None = None
    chosen: PlaceMention | None = None
    evidence_ids = {s.index for s in evidence}
    scope_ids = evidence_ids | {s.index for s in scope}
    own_only = category in _OWN_SENTENCES_ONLY and not any(_AT_SEA.search(s.text) for s in evidence)
    if own_only:
        ordered = list(evidence)
    else:
        ordered = [*evidence, *(s for s in scope if s.index not in evidence_ids)]
    if not own_only:
        # the lede only: deep in a long article, a place is more likely another story's
        ordered += [s for s in excerpt[: LEDE_SENTENCES + 1] if s.index not in scope_ids]
    on_the_line: list[tuple[float, PlaceMention]] = []
    own_range = category in _LAUNCHES and _missile_defence_test(evidence)
    for sentence in ordered:
        in_evidence = sentence.index in evidence_ids
        in_scope = sentence.index in scope_ids
        # a border line chosen so far: a site on it may be named anywhere in the lede
        if best is not None and not (chosen is not None and chosen.place.id in _BORDER_LINES):
            ceiling = _best_possible(category, in_evidence, sentence.index in trigger_at)
            if not in_scope:
                ceiling -= OUT_OF_SCOPE_PENALTY
            if (ceiling, -sentence.index) < best[:2]:
                continue  # no place here can win: spare the gazetteer scan of the sentence
        for mention in place_mentions(sentence):
            score = _score(category, mention, in_evidence, trigger_at, own_range=own_range)
            if not in_scope:
                score -= OUT_OF_SCOPE_PENALTY
            if score < 0:
                continue
            if mention.place.precision in _POINTS_ON_A_LINE:
                on_the_line.append((score, mention))
            key = (score, -sentence.index, -mention.start)
            if best is None or key > best:
                best, chosen = key, mention
    if chosen is None:
        return None, "no gazetteer place in the sentences about this event"
    chosen = _point_on_the_line(chosen, on_the_line) or chosen
    chosen = _east_sea_border(chosen, excerpt) or chosen
    where = "title" if chosen.sentence.is_title else f"sentence {chosen.sentence.index}"
    cue = f" after '{chosen.cue}'" if chosen.cue else ""
    return chosen, f"'{chosen.sentence.text[chosen.start : chosen.end]}'{cue} in {where}"


# The land borders are lines, stored as one reference point: a site or town named in the
# event's sentences that lies on the line ("an incursion into the DMZ ... the Panmunjom area",
# "a ceremony near its border with China ... at Samjiyon") is where on the line it happened.
# Vertices (lat, lon) follow the Military Demarcation Line and the Yalu and Tumen rivers.
_BORDER_LINES = {
    "kr-korean-demilitarized-zone": (
        (37.77, 126.17),
        (37.96, 126.68),
        (38.30, 127.20),
        (38.32, 127.70),
        (38.61, 128.36),
    ),
    "intl-china-nk-border": (
        (39.90, 124.20),
        (40.10, 124.40),
        (40.70, 125.10),
        (41.15, 126.30),
        (41.40, 128.20),
        (42.00, 128.60),
        (42.23, 129.20),
        (42.44, 129.75),
        (42.96, 129.99),
        (42.45, 130.60),
    ),
}
_ON_THE_LINE_KM = 30.0
_POINTS_ON_A_LINE = frozenset({"site", "city"})


def _point_on_the_line(
    chosen: PlaceMention, candidates: Sequence[tuple[float, PlaceMention]]
) -> PlaceMention | None:
    line = _BORDER_LINES.get(chosen.place.id)
    if line is None:
        return None
    near = [
        (score, mention)
        for score, mention in candidates
        if not _metonym(mention.place)
        and _km_to_line(mention.place.lat, mention.place.lon, line) <= _ON_THE_LINE_KM
    ]
    return max(near, key=lambda pair: pair[0])[1] if near else None


# "crossed the maritime border ... off the eastern coast": the sea border named without its
# side is the western one (the Yellow Sea's clashes) unless the excerpt tells of the east only
SEA_BORDER_ID = "kr-northern-limit-line"
EAST_SEA_BORDER_ID = "kr-eastern-sea-border"
_EAST_SIDE = re.compile(r"\b(?:East Sea|Sea of Japan|east(?:ern)? coast|Donghae)\b", re.IGNORECASE)
_WEST_SIDE = re.compile(
    r"\b(?:West Sea|Yellow Sea|west(?:ern)? (?:coast|sea|maritime)|Yeonpyeong|Baengnyeong|"
    r"Daecheong|Socheong)\b",
    re.IGNORECASE,
)


def _east_sea_border(chosen: PlaceMention, excerpt: Sequence[Sentence]) -> PlaceMention | None:
    if chosen.place.id != SEA_BORDER_ID:
        return None
    lede = [s.text for s in excerpt[: LEDE_SENTENCES + 1]] or [chosen.sentence.text]
    if any(_WEST_SIDE.search(t) for t in lede) or not any(_EAST_SIDE.search(t) for t in lede):
        return None
    east = gazetteer().get(EAST_SEA_BORDER_ID)
    return chosen._replace(place=east) if east is not None else None


def _km_to_line(lat: float, lon: float, line: Sequence[tuple[float, float]]) -> float:
    """Distance to a polyline, in a local flat projection (fine over a few hundred km)."""
    scale = math.cos(math.radians(lat))
    px, py = lon * scale, lat
    best = math.inf
    for (lat1, lon1), (lat2, lon2) in pairwise(line):
        ax, ay, bx, by = lon1 * scale, lat1, lon2 * scale, lat2
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(px - (ax + t * dx), py - (ay + t * dy)))
    return best * 111.2


def _best_possible(category: str, in_evidence: bool, has_trigger: bool) -> float:
    """The highest score `_score` can give a place in a sentence (its bonuses, all at once)."""
    cue = max((_LAUNCH_CUES if category in _LAUNCHES else _OTHER_CUES).values())
    return max(_PRECISION_SCORE.values()) + cue + in_evidence + (3 if has_trigger else 0)


# "showcased at a military parade in Pyongyang", "as leaders met in Tokyo", "told reporters in
# Seoul": for an event in the field, the place of another occasion named in passing
_OCCASION_BEFORE = AnchoredPattern(
    re.compile(
        r"\b(?P<occasion>parade|met|meet|meeting|talks|summit|ceremony|funeral|rally|festival|"
        r"reporters|journalists|(?:news |press )?conference|briefing|forum)"
        r"\s+(?:[\w'’-]+\s+){0,3}?(?:in|at)\s+(?:the\s+)?$"
        # "said during a visit to Seoul": where an official travelled, for a drill or a launch
        r"|\b(?P<trip>visit|trip|tour)\s+(?:to|in)\s+(?:the\s+)?$",
        re.IGNORECASE,
    )
)
_OCCASION_CATEGORY = {
    "parade": "defense_policy",
    "met": "diplomacy",
    "meet": "diplomacy",
    "meeting": "diplomacy",
    "talks": "diplomacy",
    "summit": "diplomacy",
    "ceremony": "domestic",
    "funeral": "domestic",
    "rally": "domestic",
    "festival": "domestic",
}


# "highlighted last month's meeting between the leaders in Beijing", "since their 2018 summit
# in Singapore": an earlier occasion recalled, not where this one happened
_RECALLED_OCCASION = AnchoredPattern(
    re.compile(
        r"\b(?:(?:last|previous)\s+(?:week|month|year)|(?:19|20)\d\d)(?:'s|’s)?\s+"
        r"(?:[\w-]+\s+){0,2}?(?:summit|meeting|talks|visit|trip|parade|ceremony)\b[^.;:]{0,100}$",
        re.IGNORECASE,
    )
)


# "The tour comes weeks after North Korea launched a projectile into the Yellow Sea", "days after
# a summit in Pyongyang": an earlier happening told for time, not where this one happened
_EARLIER_HAPPENING = AnchoredPattern(
    re.compile(
        r"\b(?:days?|weeks?|months?|years?)\s+(?:after|since|following)\b[^.;:]{0,120}$",
        re.IGNORECASE,
    )
)


# where meetings, parades and briefings are never the event itself: things that happen on the
# ground, at sea or in the air (an agreement or a deal is often made at the meeting)
_HAPPENS_IN_THE_FIELD = frozenset(
    {"missile_test", "space_launch", "artillery", "nuclear", "military_exercise", "border_maritime"}
)


# "told reporters in Beijing", "at a news conference in Tokyo": where someone spoke about it,
# for every kind of event but talks themselves
_SPOKE_BEFORE = AnchoredPattern(
    re.compile(
        r"\b(?:told|telling|briefed|briefing)\s+(?:reporters|journalists|the press|lawmakers)"
        r"(?:\s+[\w'’-]+){0,2}?\s+(?:in|at)\s+(?:the\s+)?$"
        r"|\b(?:news|press) (?:conference|briefing)\s+(?:[\w'’-]+\s+){0,2}?(?:in|at)\s+(?:the\s+)?$",
        re.IGNORECASE,
    )
)


def _another_occasion(category: str, mention: PlaceMention) -> bool:
    if category not in _HAPPENS_IN_THE_FIELD:
        if category == "diplomacy":
            return False
        text = mention.sentence.text
        if _WHERE_HELD_AFTER.match(text, mention.end, mention.end + 90):
            return False  # "told reporters in Pyongyang, where the talks were held"
        return bool(_SPOKE_BEFORE.search(text[max(0, mention.start - 60) : mention.start]))
    text = mention.sentence.text
    found = _OCCASION_BEFORE.search(text[max(0, mention.start - 60) : mention.start])
    if found is None:
        return False
    if found.group("trip"):
        return True  # a trip is diplomacy, never an event in the field
    return _OCCASION_CATEGORY.get(found.group("occasion").lower()) != category


# "a B-52 from Andersen Air Force Base", "troops brought in from bases in Guam", "command of its
# forces from Washington": where forces or authority come from, abroad, is not where a drill or a
# deployment on the peninsula happened. Shipments keep their ports of departure, and talks their
# venue ("said from Kuala Lumpur, where the talks have been taking place").
_ORIGIN_IS_NOT_THE_PLACE = frozenset(
    {"military_exercise", "defense_policy", "border_maritime", "domestic", "nuclear"}
)
_FROM_BASES_IN = AnchoredPattern(
    re.compile(
        r"\bfrom\s+(?:[\w.'’-]+\s+){0,6}?(?:bases?|headquarters|home ports?)\s+in\s+(?:the\s+)?"
        r"(?:[\w'’-]+,?\s+){0,3}?$"
        # "after leaving their base in Guam", "took off from Guam": where aircraft set out from
        r"|\b(?:leaving|left|departing|departed|took off from|taking off from|flew in from|"
        r"flying in from|deployed from)\s+(?:(?:their|its|the)\s+)?(?:[\w.'’-]+\s+){0,2}?"
        r"(?:(?:bases?|home ports?)\s+(?:in|at|on)\s+(?:the\s+)?)?(?:[\w'’-]+,?\s+){0,2}?$",
        re.IGNORECASE,
    )
)


def _origin(mention: PlaceMention) -> bool:
    if mention.cue == "from":
        return True
    text = mention.sentence.text
    return bool(_FROM_BASES_IN.search(text[max(0, mention.start - 60) : mention.start]))


# "witnessed an execution in South Hwanghae province in 2022", "visited the plant in Yongbyon in
# 2010": news dates today's events by the day, so a year after the place, in its clause, tells
# of an earlier happening (applied with .match at the place's end)
_IN_AN_EARLIER_YEAR = re.compile(r"[^.;:,]{0,40}?\bin\s+(?:19|20)\d\d\b")


def _earlier_occasion(mention: PlaceMention, trigger_at: dict[int, int]) -> bool:
    """An earlier occasion recalled ("last month's summit in"), or, outside the event's own
    sentences, an earlier happening told for time ("weeks after ... launched into")."""
    before = mention.sentence.text[max(0, mention.start - 150) : mention.start]
    if _RECALLED_OCCASION.search(before):
        return True
    return mention.sentence.index not in trigger_at and bool(_EARLIER_HAPPENING.search(before))


def _missile_defence_test(evidence: Sequence[Sentence]) -> bool:
    """The US or Japan testing its interceptors at its own range, not the North launching."""
    texts = [
        s.text
        for s in evidence
        if "intercept" in s.folded or "down" in s.folded or "destroy" in s.folded
    ]
    return any(_MISSILE_DEFENCE_TEST.search(t) for t in texts) and not any(
        _NORTH_LAUNCHES.search(s.text) for s in evidence
    )


def _score(
    category: str,
    mention: PlaceMention,
    in_evidence: bool,
    trigger_at: dict[int, int],
    *,
    own_range: bool = False,
) -> float:
    if category not in _LAUNCHES and _FUTURE_VENUE.search(
        mention.sentence.text[max(0, mention.start - 80) : mention.start]
    ):
        return -1.0
    if _another_occasion(category, mention):
        return -1.0
    if _IN_AN_EARLIER_YEAR.match(mention.sentence.text, mention.end, mention.end + 50):
        return -1.0  # an earlier happening's place, whatever the event
    if category in _NO_SEA_CATEGORIES and mention.place.precision == "sea":
        return -1.0
    if category in _BORDER_IS_THE_TOPIC and mention.place.precision == "border":
        return -1.0
    if mention.cue in _TOWARD and category not in _LAUNCHES:
        return (
            -1.0
        )  # "missiles aimed towards Guam": a direction or a target (a launch's is its sea)
    score = float(_PRECISION_SCORE.get(mention.place.precision, 1))
    if _earlier_occasion(mention, trigger_at):
        score -= ASIDE_PENALTY
    if _COASTLINE.search(mention.sentence.text, mention.start, mention.end):
        score -= COASTLINE_PENALTY
    if category in _FOREIGN_VENUE_PENALTY and _abroad(mention.place):
        score -= _FOREIGN_VENUE_PENALTY[category]
    if _metonym(mention.place):
        score -= 1
    if (
        category == "diplomacy"
        and mention.place.kind in _WEAPONS_FACILITIES
        and "KP" in mention.place.country.split("|")
    ):
        return -1.0
    launch = category in _LAUNCHES
    cue = (_LAUNCH_CUES if launch else _OTHER_CUES).get(mention.cue, 0)
    if category == "cyber" and mention.cue == "from":
        return -1.0  # "attacks originated from Shenyang": the attackers' base, not the target
    if category in _ORIGIN_IS_NOT_THE_PLACE and _abroad(mention.place) and _origin(mention):
        return -1.0
    if launch and mention.place.precision == "sea":
        cue = min(cue, _SEA_CUE_CEILING)
    elif launch and mention.cue == "from":
        cue += LAUNCH_SITE_BONUS  # where it was fired from outranks where it fell
    if (
        own_range
        and mention.cue == "from"
        and _TARGET_LAUNCHED_FROM.search(
            mention.sentence.text, max(0, mention.start - 80), mention.start
        )
    ):
        return -1.0  # "to destroy the target launched from Kwajalein": the target's range
    if (
        launch
        and not own_range
        and _abroad(mention.place)
        and mention.place.precision != "sea"
        and not _spaceport(mention.place)
    ):
        score -= _LAUNCH_ABROAD_PENALTY
    score += cue
    if in_evidence:
        score += 1
    trigger = trigger_at.get(mention.sentence.index)
    if trigger is not None:
        text = mention.sentence.text
        own = mention.sentence.segment_at(trigger)
        place_segment = mention.sentence.segment_at(mention.start)
        if own == place_segment:
            score += 3  # _best_possible counts on this being the highest trigger bonus
        elif place_segment[2] and not own[2]:
            aside = text[place_segment[0] : place_segment[1]]
            # "two days before talks in Seoul": an upcoming thing, not where this happened;
            # "before one of them entered the airspace over Dokdo": a step of this happening
            if _STEP_BEFORE.match(aside):
                pass
            elif _AHEAD.match(aside):
                score -= 100
            else:
                score -= ASIDE_PENALTY
    return score


# Bodies that meet in one place: their votes, sessions and debates happened there even when the
# text does not say so (the Security Council at UN headquarters, the Supreme People's Assembly
# in Pyongyang, the National Assembly in Seoul)
UN_HEADQUARTERS_ID = "us-un-headquarters"
_UN_BODY_ACTING = re.compile(
    r"\b(?:Security Council|UNSC|General Assembly|the Council)\b[^.;]{0,60}?\b(?:adopt\w*|vot\w+|"
    r"impos\w+|pass\w*|approv\w+|condemn\w*|veto\w*|toughen\w*|step\w* up|tighten\w*|"
    r"expand\w*|debate\w*|extend\w*|held|convened|met|meets)\b"
    r"|\b(?:adopt\w*|vetoe?\w*|address\w*|speech to|general debate of)\b[^.;]{0,60}?"
    r"\b(?:Security Council|General Assembly)\b"
    # "on the last day of the 76th UN General Assembly", "on the sidelines of the General Assembly"
    r"|\b(?:at|during|day of|sidelines of|session of|meeting of)\s+(?:the\s+)?(?:\d+\w*\s+)?"
    r"(?:session of the\s+)?(?:U\.?N\.?\s+|United Nations\s+)?General Assembly\b"
    # "Russia vetoed a U.N. resolution", "the vote in the 15-member council"
    r"|\b(?:adopt\w*|vetoe?\w*|pass\w*|approv\w+)\b[^.;]{0,30}?\b(?:U\.N\.|UN|United Nations)"
    r" (?:\w+ )?resolution"
    r"|\bvote (?:in|of|at) the (?:[\w-]+ )?(?:Security )?Council\b"
    # "telling the United Nations General Assembly", "in a U.N. speech": a speech to a UN body
    r"|\b(?:told|telling|tells)\s+(?:the\s+)?(?:U\.?N\.?\s+|United Nations\s+)?"
    r"(?:Security Council|General Assembly)\b"
    r"|\b(?:U\.N\.|UN|United Nations) (?:speech|address)\b"
    r"|\b(?:UNSC|Security Council)(?: (?:emergency|closed-door|open|urgent))? (?:meeting|session|consultations|stakeout)"
    r"|\b(?:emergency|closed-door|urgent) (?:UNSC|U\.?N\.? Security Council|Security Council) (?:meeting|session)",
    re.IGNORECASE,
)
_NORTH_BODY = re.compile(
    r"\b(?:Supreme People.s Assembly|SPA session|party congress|plenary (?:meeting|session)|"
    r"plenum|Politburo|Political Bureau|Central Committee|Central Military Commission meeting|"
    r"(?:North Korea.s|the North.s|DPRK|North Korean) (?:rubber-stamp )?(?:parliament|legislature)"
    r"|parliamentary meeting)\b",
    re.IGNORECASE,
)
_SOUTH_BODY = re.compile(
    r"\b(?:National Assembly|Constitutional Court|Cheong Wa Dae|Blue House|"
    r"Supreme Court of (?:South )?Korea|(?:South Korea.s|South Korean) (?:Supreme|top) court|"
    r"(?:South Korea.s|South Korean) (?:parliament|legislature))\b",
    re.IGNORECASE,
)
_NUCLEAR_TEST = re.compile(
    r"\b(?:(?:underground |sixth |fifth |fourth |third |second |first )?nuclear (?:weapons? )?test|"
    r"nuclear (?:explosion|detonation|device)|atom(?:ic)? bomb test|hydrogen bomb test)\b",
    re.IGNORECASE,
)
_NORTH_TOKEN = r"(?:North Korea\w*|the North|Pyongyang|DPRK)"
_DETAINEE_ACT = (
    r"(?:sentenced|convicted|pardoned|freed|released|set free|handed over|deported|expelled)"
)
# a foreigner tried or freed by the North: its Supreme Court sits in Pyongyang and detainees
# are handed over there
_DETAINEE_IN_NORTH = re.compile(
    rf"\b{_DETAINEE_ACT}\b[^.;]{{0,60}}?\b{_NORTH_TOKEN}\b"
    rf"|\b{_NORTH_TOKEN}\b[^.;]{{0,60}}?\b{_DETAINEE_ACT}\b",
    re.IGNORECASE,
)
# "North Korea has freed an American", "deported by Pyongyang": the North is the one releasing
_RELEASED_BY_NORTH = re.compile(
    rf"\b(?:North Korea|Pyongyang|the North|DPRK)\b(?:\s+\w+){{0,3}}?\s+{_DETAINEE_ACT}\b"
    rf"|\b{_DETAINEE_ACT}\s+by\s+(?:North Korea|Pyongyang|the North|the DPRK)\b",
    re.IGNORECASE,
)
# Japan's government rockets (H-IIA, H-IIB, H3) carrying its satellites fly from Tanegashima
_JAPANESE_LAUNCH = re.compile(
    r"\bH-?II[AB]\b|\bH3 rocket\b|\bJapan\b[^.;]{0,20}?\blaunch(?:ed|es)\b[^.;]{0,40}?"
    r"\b(?:satellites?|rocket)\b"
)
_SOUTH_KOREAN_ROCKET = re.compile(
    r"\b(?:Nuri|KSLV(?:-I{1,3}|-\d)?|Korea(?:n)? (?:Space|Satellite) Launch Vehicle(?:-I{1,3})?|Naro(?:-1| rocket))\b"
)
# the North holds its military parades on Kim Il Sung Square in Pyongyang
_NORTH_PARADE = re.compile(
    rf"\b{_NORTH_TOKEN}\b[^.;]{{0,120}}?\b(?:(?:military|army) parade|paraded)\b"
    rf"|\b(?:military|army) parade\b[^.;]{{0,120}}?\b(?:{_NORTH_TOKEN}|Kim Jong[- ]Un|KCNA)\b",
    re.IGNORECASE,
)
# the North's leader receives his visitors at home: a meeting with him and no venue named was
# held in Pyongyang (his summits abroad always name their city, which then wins)
_NORTH_LEADER = (
    r"(?:Kim Jong[- ]?(?:Un|Il)|North Korea.s (?:leader|Kim)|(?:the )?North Korean leader)"
)
_MEETS_NORTH_LEADER = re.compile(
    rf"\b(?:met|meets|meeting with|talks with|held talks|received|greeted|shook hands with)\b"
    rf"[^.;]{{0,60}}?\b{_NORTH_LEADER}\b"
    rf"|\b{_NORTH_LEADER}\b[^.;]{{0,40}}?\b(?:met|meets|received|greeted|shook hands|hosted|"
    # "Kim Jong Il surprised visiting Japanese Prime Minister Koizumi": his guest, at home
    rf"(?:\w+\s+)?visiting\s+(?:[A-Z][\w.]*\s+)*?(?:Prime Minister|President|Premier|"
    rf"Foreign Minister|Secretary of State|Chancellor|leader))\b",
    re.IGNORECASE,
)
# the North's reactors and reprocessing plant stand at Yongbyon, where its spent fuel rods are
# reprocessed (KEDO's light-water reactors, at Kumho, were never finished)
_NORTH_REACTOR = re.compile(
    r"\b(?:(?:experimental )?light[- ]water reactor|(?:5|five)[- ]megawatt|5 ?MWe?\b|graphite[- ]"
    r"moderated reactor|radiochemical laborator\w+|reprocess\w*|(?:spent )?fuel rods)",
    re.IGNORECASE,
)
_KEDO = re.compile(r"\bKEDO\b|Korean Peninsula Energy Development Organi[sz]ation")
_LOUDSPEAKERS = re.compile(r"\bloudspeakers?\b", re.IGNORECASE)
_VISIT_TO_NORTH = re.compile(
    r"\b(?:visit(?:s|ed|ing)?(?: to)?|arrived in|arrives in|trip to|landed in)\s+"
    r"(?:North Korea|the DPRK|the North)\b",
    re.IGNORECASE,
)
# "plans to visit North Korea", "will convene a plenum": where it is to be is not where it was
_PLANNED_BEFORE = re.compile(
    r"\b(?:to|will|would|plans?|planned|planning|expected|scheduled|reported)\s+(?:\w+\s+)?$"
    # "amid preparations for a nuclear test", "a possible seventh nuclear test": one to come
    r"|\b(?:preparations?\s+for|preparing\s+for|possible|potential|imminent|likely|another|next|"
    r"fresh)\s+(?:an?\s+|its\s+|the\s+)?(?:\w+\s+)?$",
    re.IGNORECASE,
)
# "falling into the sea west of Japan's Hokkaido", "landed in the sea near Russia", "flew into
# waters off the country's eastern coast": the sea between the peninsula and Japan, unnamed
_EAST_SEA_UNNAMED = re.compile(
    r"\b(?:the sea|waters)\s+(?:\w+\s+){0,2}?(?:off|near|west of|northwest of|southwest of|"
    r"north of|between)\s+(?:the\s+)?(?:(?:(?:Japan|Russia)(?:'s|’s)?\s+(?:\w+\s+){0,2}?"
    r"(?:Hokkaido|Honshu|Aomori|Akita|Niigata|Shimane|Noto|Oga|Sado|Okushiri|Primorye|"
    r"Vladivostok)\b)|(?:Japan|Russia|Hokkaido|the Korean Peninsula and Japan)\b(?!(?:'s|’s)?\s+"
    r"(?:Pacific|east(?:ern)? coast))|(?:(?:North Korea|the North|the country|the peninsula)(?:'s|’s)\s+"
    r"|its\s+)east(?:ern)?\s+coast)",
    re.IGNORECASE,
)


class ImpliedVenue(NamedTuple):
    """A venue implied by who acted: where `pattern` is in the event's sentences, for events of
    `categories`. `overrides_named`: when it also replaces a place the text names (else only
    where none is named, or only a country); `unless`: a pattern that rules it out."""

    pattern: re.Pattern[str]
    place_id: str
    categories: frozenset[str]
    why: str
    overrides_named: Callable[[str, Place, Sequence[Sentence]], bool] | None = None
    unless: re.Pattern[str] | None = None


def _council_meeting(category: str, named: Place, evidence: Sequence[Sentence]) -> bool:
    """The Security Council condemning a launch over Japan met in New York, not in Japan (a
    transfer at sea that breaks its resolutions still happened at sea)."""
    return category == "diplomacy"


def _freed_by_the_north_before_flying_abroad(
    category: str, named: Place, evidence: Sequence[Sentence]
) -> bool:
    """A detainee the North freed was freed there, not in the city abroad he flew to."""
    return _abroad(named) and any(_RELEASED_BY_NORTH.search(s.text) for s in evidence)


_IMPLIED_VENUES = (
    ImpliedVenue(
        _UN_BODY_ACTING,
        UN_HEADQUARTERS_ID,
        # the Council's sessions on the North's human rights are held there too
        frozenset({"sanctions", "diplomacy", "humanitarian"}),
        "the UN's bodies meet at its headquarters",
        overrides_named=_council_meeting,
    ),
    ImpliedVenue(
        _NORTH_BODY,
        "kp-pyongyang",
        frozenset({"domestic", "defense_policy"}),
        "the North's assembly and party bodies meet in Pyongyang",
    ),
    ImpliedVenue(
        _SOUTH_BODY,
        "kr-seoul",
        frozenset({"domestic"}),
        "South Korea's assembly and courts sit in Seoul",
    ),
    ImpliedVenue(
        _SOUTH_KOREAN_ROCKET,
        "kr-naro-space-center",
        frozenset({"space_launch"}),
        "the South's own rockets (Naro, Nuri) fly from the Naro Space Center",
    ),
    ImpliedVenue(
        _JAPANESE_LAUNCH,
        "jp-tanegashima-space-center",
        frozenset({"space_launch"}),
        "Japan's government rockets fly from the Tanegashima Space Center",
    ),
    ImpliedVenue(
        _DETAINEE_IN_NORTH,
        "kp-pyongyang",
        frozenset({"humanitarian"}),
        "the North tries and hands over detainees in Pyongyang",
        overrides_named=_freed_by_the_north_before_flying_abroad,
    ),
    ImpliedVenue(
        _NORTH_PARADE,
        "kp-pyongyang",
        frozenset({"defense_policy", "domestic"}),
        "the North's military parades march across Kim Il Sung Square in Pyongyang",
    ),
    ImpliedVenue(
        _LOUDSPEAKERS,
        "kr-korean-demilitarized-zone",
        frozenset({"border_maritime"}),
        "propaganda loudspeakers stand along the inter-Korean border",
    ),
    ImpliedVenue(
        _NORTH_REACTOR,
        "kp-yongbyon-nuclear-scientific-research-center",
        frozenset({"nuclear"}),
        "the North's reactors and reprocessing plant are at Yongbyon",
        unless=_KEDO,
    ),
    ImpliedVenue(
        _EAST_SEA_UNNAMED,
        "intl-sea-of-japan",
        frozenset({"missile_test"}),
        "the sea between the peninsula and Japan, described rather than named",
    ),
    ImpliedVenue(
        _NUCLEAR_TEST,
        "kp-punggye-ri-nuclear-test-site",
        frozenset({"nuclear"}),
        "every North Korean nuclear test was set off at Punggye-ri",
    ),
    ImpliedVenue(
        _MEETS_NORTH_LEADER,
        "kp-pyongyang",
        frozenset({"diplomacy"}),
        "the North's leader receives his visitors in Pyongyang",
    ),
    ImpliedVenue(
        _VISIT_TO_NORTH,
        "kp-pyongyang",
        # an aid or assessment mission that "visited North Korea" toured the country
        frozenset({"diplomacy"}),
        "official visitors to North Korea are received in Pyongyang",
    ),
)


# "began the exercise here April 21", "presented his credentials at the headquarters of the
# body here": 'here' is where the dateline says the reporter is (the dateline itself is never
# the place, but the text can say that it is); "officials here said" is only where they sit
_HERE_AS_VENUE = re.compile(
    r"\b(?:held|met|meets|began|begun|begins|opened|opens|took place|takes place|convened|"
    r"signed|hosted|gathered|arrived|staged|conducted|started|starts)\b[^.;:,\"“”]{0,60}?\bhere\b"
    r"|\b(?:at|in)\s+(?:the\s+)?(?:[\w'’-]+\s+){0,6}?here\b",
    re.IGNORECASE,
)
# the all-capital dateline at the body's start: "NEW YORK --", "GWANGJU AIR BASE, Republic of"
_DATELINE_NAME = re.compile(r"\s*\(?(?P<name>[A-Z][A-Z.'’ -]{2,30}?)\s*(?:,|\(|--|—|–|-\s)")


def dateline_venue(evidence: Sequence[Sentence], body: str) -> tuple[Place, str] | None:
    """The dateline's place, where the event's own sentences say it happened 'here'."""
    here = None
    for sentence in evidence:
        if "here" in sentence.folded:
            here = _HERE_AS_VENUE.search(sentence.text)
            if here is not None:
                break
    if here is None:
        return None
    found = _DATELINE_NAME.match(body)
    if found is None:
        return None
    name = found.group("name").strip()
    hit = next(iter(place_matcher().find(name)), None)
    if hit is None:
        return None
    place = _disambiguate(hit.keys, name)
    if place.precision == "country":
        return None
    return place, f"'{here.group(0)[-60:]}': 'here' is the dateline's {place.name}"


def implied_venue(
    category: str,
    evidence: Sequence[Sentence],
    *,
    named: Place | None = None,
    body: str = "",
) -> tuple[Place, str] | None:
    """Where an unnamed venue is implied by who acted (a Security Council vote) or by 'here'
    (the dateline's place), if anywhere. With a place named (more than a country), only a venue
    whose `overrides_named` says so replaces it."""
    for venue in _IMPLIED_VENUES:
        if category not in venue.categories:
            continue
        if (
            named is not None
            and named.precision != "country"
            and not (venue.overrides_named and venue.overrides_named(category, named, evidence))
        ):
            continue
        place = gazetteer().get(venue.place_id)
        if place is None:
            continue
        if venue.unless is not None and any(venue.unless.search(s.text) for s in evidence):
            continue  # KEDO's reactors, at Kumho, not the North's own at Yongbyon
        for sentence in evidence:
            match = venue.pattern.search(sentence.text)
            if match and not _PLANNED_BEFORE.search(
                sentence.text[max(0, match.start() - 30) : match.start()]
            ):
                return place, f"'{match.group(0)[:60]}': {venue.why}"
    if body and (named is None or named.precision == "country"):
        return dateline_venue(evidence, body)
    return None


def to_location(place: Place) -> Location:
    coordinates = place.precision != "country"  # a country is said as such, not as a point
    return Location(
        id=place.id,
        name=place.name,
        lat=place.lat if coordinates else None,
        lon=place.lon if coordinates else None,
        precision=place.precision,
        country=place.country,
    )
