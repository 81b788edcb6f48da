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
from functools import cache

from app.extraction.lexicon import claim_patterns, lexicon, starts_in
from app.extraction.scan import anchored  # case-blind alternations: tried only at their words
from app.extraction.text import Sentence

# a foreign ministry or "the government" of unnamed country speaks for politics as much as for
# facts: it confirms a launch only when it says "confirmed" (the State Department, the White
# House and Japan's Cabinet are the US and Japanese governments the guide names, and count)
_DIPLOMATIC = re.compile(r"(?:Ministry of Foreign Affairs|foreign ministry|government)$", re.I)
# "a spokesman for the Foreign Ministry of the DPRK said"
_OF_THE_NORTH = re.compile(
    r"\s+of\s+(?:the\s+)?(?:DPRK|North Korea|Democratic People.s Republic of Korea)\b", re.I
)
_NORTH_OWNER = re.compile(
    r"(?:North Korea.s|North Korean|DPRK|Pyongyang.s|the North.s)\s+(?:[\w-]+\s+){0,2}$", re.I
)
# the authority has not settled it: it is still verifying or investigating ("is investigating
# reports that"), or the press relays its word ("reportedly told", "quoting defense officials",
# "is said to have moved", "is reported to be repairing")
_UNSETTLED = anchored(
    r"\b(?:(?:seeking|trying|working|yet) to (?:verify|confirm)|"
    r"continu\w* (?:to investigate|(?:its|their) investigations?|investigating)|"
    r"(?:investigat\w+|prob\w+|looking into) (?:the )?(?:reports?|allegations?|claims?)|"
    r"under investigations?|reportedly|quoting|(?:is|are|was|were) (?:said|reported) to)\b",
    re.IGNORECASE,
)
# a body's document that the press saw, or that is confidential or preliminary, is not yet
# the body speaking: the guide's "preliminary findings" and leaks are reports
_SECONDHAND_DOCUMENT = anchored(
    r"\b(?:report|document|findings?|assessment|memo|letter|investigation)\b[^.;]{0,60}?"
    r"\b(?:seen|obtained|reviewed) by\b|"
    r"\b(?:confidential|unpublished|unreleased|leaked|preliminary|draft|upcoming|forthcoming)\s+"
    r"(?:[\w.-]+\s+){0,4}?(?:report|document|findings?|assessment|investigation)\b",
    re.IGNORECASE,
)
# the spy agency's closed-door briefings reach the public through the lawmakers who heard them
_INTELLIGENCE = re.compile(
    r"\b(?:NIS|National Intelligence Service|spy agency|intelligence (?:agency|service))\b",
    re.IGNORECASE,
)
_LAWMAKERS = re.compile(
    r"\b(?:lawmakers?|legislators?|(?-i:Rep\.|Representative)|National Assembly|parliamentary|"
    r"intelligence committee)",
    re.IGNORECASE,
)


# "told lawmakers", "in a closed-door briefing", "quoted the NIS": how a briefing is relayed
# ("the NIS raided the office of Rep. Lee" is the agency's own act)
_RELAYED = re.compile(
    r"\b(?:told|briefed|briefings?|quot\w+|according to|committee|closed-door|private)\b",
    re.IGNORECASE,
)


def _briefed_lawmakers(text: str) -> bool:
    """The intelligence agency's word, as lawmakers relay it from a briefing (the excerpt's
    other sentences that cite the agency then tell the same briefing)."""
    return bool(_INTELLIGENCE.search(text) and _LAWMAKERS.search(text) and _RELAYED.search(text))


# a hedged attribution ("officials believe", "apparently") confirms a policy, a deal or a hack no
# more than a media report does; a launch detected and hedged only about its type stays confirmed
_HEDGED = anchored(
    r"\b(?:believes?|believed|suspects?|suspected|apparently|allegedly|is thought|are thought|"
    r"probably|possibly|may have|might have|is likely|are likely|reportedly|on suspicion)\b",
    re.IGNORECASE,
)
_LAUNCHES = frozenset({"missile_test", "space_launch", "artillery", "nuclear"})
_NOT_CONFIRMING = anchored(
    r"\b(?:no information|nothing to confirm|denied|denies|(?:declined|refused) to (?:confirm|comment)|no confirmation|could not (?:immediately )?"
    r"(?:confirm|verify)|would not confirm|unable to (?:confirm|verify)|did not confirm|"
    r"not (?:yet )?confirmed|no (?:signs?|indications?|evidence) (?:of|that)|"
    r"declined (?:detailed |further )?comment)\b",
    re.IGNORECASE,
)
# "the missile was confirmed to be an SLBM", "it was confirmed that the drone took photos": the
# copy states the confirmation as done, whoever made it (by the North's own media aside)
_AGENTLESS_CONFIRMED = re.compile(
    r"\b(?:was|were|has been|have been) confirmed\b(?!\s+by\s+(?:the\s+)?(?:North|DPRK|Pyongyang|"
    r"KCNA|state))",
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
    verbs = list(patterns.verb.finditer(text, starts_in(sentence, patterns.verb)))
    if not verbs:
        return None, None  # cheap: most sentences attribute nothing
    if _NOT_CONFIRMING.search(text):
        return None, None  # "the ministry said it had no information", "could not confirm"
    names = patterns.authority_name
    passive = _AGENTLESS_CONFIRMED.search(text) if "onfirmed" in text else None
    if passive:
        return passive.group(0), passive.group(0)  # "was confirmed to be an SLBM": it speaks alone
    lenient = None
    found_names = list(names.finditer(text, starts_in(sentence, names)))
    if any(word in text for word in _MORE_AUTHORITY_WORDS):  # cheap: most sentences lack them
        more = _MORE_AUTHORITIES if " Police" in text else _MORE_AUTHORITIES_BUT_POLICE
        found_names.extend(more.finditer(text))
    for name, start, span in _attributions(text, found_names, verbs):
        if _NORTH_OWNER.search(text[max(0, start - 25) : start]) or _OF_THE_NORTH.match(
            text, start + len(name)
        ):
            continue  # "North Korea's defence ministry said" is the actor speaking
        lenient = lenient or name
        if _DIPLOMATIC.search(name) and not _CONFIRM_VERB.search(span):
            continue
        return name, lenient
    return None, lenient


# a state's space agency is its government launching ("JAXA launched the satellite", "the Korea
# Aerospace Research Institute successfully launched"); the North's own (NATA) is its state
# speaking, and is not listed
_SPACE_AGENCIES = (
    r"JAXA|Japan Aerospace Exploration Agency|NASDA|National Space Development Agency|"
    r"KARI|Korea Aerospace Research Institute|NASA|ESA|European Space Agency|Roscosmos|ISRO|"
    r"Indian Space Research Organi[sz]ation|CNSA|China National Space Administration"
)
_SPACE_AGENCY_CUE = re.compile(r"JAXA|NASDA|KARI|NASA|ESA|ISRO|CNSA|Roscosmos|Space|Aerospace")
_AGENCY_LAUNCH = re.compile(
    rf"(?-i:\b(?P<actor>{_SPACE_AGENCIES}))\b(?:\s+\([A-Z]+\))?(?:[^.;]{{0,60}}?)\s+"
    r"(?:(?:has|have|had|successfully|also|again|on \w+day)\s+)*"
    r"(?P<act>launched|launches|lifted off|put)\b",
    re.IGNORECASE,
)


# official speakers the lexicon's authorities leave out: a state's armed services and its
# military authorities, its ministries other than the foreign one (which confirms only when
# it says so), courts and police agencies (the North's are left out by _NORTH_OWNER)
_POLICE_AGENCY = (
    r"\b[A-Z][a-z]+ (?:Metropolitan|Prefectural|National) Police(?: Agency| Department)?\b"
)
_MORE_AUTHORITIES = re.compile(
    r"(?<!People.s )(?<!Anti-)\b(?:Navy|Air Force|Army|Coast Guard)\b|\bMoD\b|\bMOD\b|"
    rf"{_POLICE_AGENCY}|"
    r"\b(?:Constitutional|Supreme|District|High) Court\b|\b[Mm]ilitary [Aa]uthorities\b|"
    r"\b(?:[Ss]cience|[Tt]ransport|[Tt]rade|[Ff]inance|[Jj]ustice|[Ii]nterior|[Ii]ndustry|"
    r"[Hh]ealth|[Oo]ceans|[Ee]nvironment|[Dd]efen[cs]e) [Mm]inistry\b|"
    rf"\b(?:{_SPACE_AGENCIES})\b"
)
# a police agency's name may start at any capitalised word, the others only at their own words:
# where no " Police" stands, the others alone find the very same names, tried only there
_MORE_AUTHORITIES_BUT_POLICE = anchored(
    _MORE_AUTHORITIES.pattern.replace(f"{_POLICE_AGENCY}|", ""), _MORE_AUTHORITIES.flags
)
_MORE_AUTHORITY_WORDS = (
    "Navy",
    "Air Force",
    "Army",
    "Coast Guard",
    "MoD",
    "MOD",
    "Police",
    "police",
    "Court",
    "authorities",
    "ministry",
    "Ministry",
    "Space",  # the space agencies
    "Aerospace",
    "JAXA",
    "NASDA",
    "NASA",
    "KARI",
)
# how far an authority and its verb of saying may stand apart in one clause ("the JCS said";
# "said the JCS"; "according to a news release from the JCS")
NAME_BEFORE_VERB_CHARS = 60
VERB_BEFORE_NAME_CHARS = 45


def _attributions(
    text: str, names: Iterable[re.Match[str]], verbs: Sequence[re.Match[str]]
) -> list[tuple[str, int, str]]:
    """(authority, where it starts, the text from the first of the pair to the last), for every
    authority with a verb of saying in reach in its clause, in the order they start (one pass
    for the names, one for the verbs, then pairs: one regex trying the authorities' alternation
    at every character after each verb cost a third of the extractor's time)."""
    found: list[tuple[int, str, int, str]] = []
    for name in names:
        if _OBJECT_OF.search(text, max(0, name.start() - 14), name.start()) or _APPOINTED_AS.search(
            text, max(0, name.start() - 30), name.start()
        ):
            continue  # "with ministry officials", "former President Clinton": not a speaker
        if _RECIPIENT.search(text, max(0, name.start() - 30), name.start()):
            continue  # "a report presented to the Security Council": whoever wrote it speaks
        if _UNNAMED.search(text, max(0, name.start() - 30), name.start()):
            continue  # "citing unnamed U.S. officials": a source the guide counts as a report
        if _OWNED_THING.match(text, name.end()):
            continue  # "rejects the Security Council's action": what it did, not who speaks
        if _MODIFIES_NOUN.match(text, name.end()):
            continue  # "in violation of UN sanctions, Yonhap reported": a thing, not a speaker
        after = next((v for v in verbs if v.start() >= name.end()), None)
        if (
            after is not None
            and not _SOURCE_FOLLOWS.fullmatch(after.group(0))
            and _one_clause(text, name.end(), after.start(), NAME_BEFORE_VERB_CHARS)
            and not _QUOTE.search(text, name.end(), after.start())
            and not _OTHER_SUBJECT.fullmatch(text, name.end(), after.start())
            and not _NAMED_SUBJECT.search(text, name.end(), after.start())
            and not _inverted_speaker(text, after)
        ):
            found.append(
                (name.start(), name.group(0), name.start(), text[name.start() : after.end()])
            )
        before = next((v for v in reversed(verbs) if v.end() <= name.start()), None)
        if (
            before is not None
            and _one_clause(text, before.end(), name.start(), VERB_BEFORE_NAME_CHARS)
            and not _THAT.search(text, before.end(), name.start())
        ):
            found.append(
                (before.start(), name.group(0), name.start(), text[before.start() : name.end()])
            )
    found.sort(key=lambda item: item[0])
    return [(name, start, span) for _, name, start, span in found]


_ANONYMOUS = anchored(
    r"\b(?:anonymity|anonymous(?:ly)?|unnamed|unidentified|declined to be (?:named|identified)|asked not to be "
    r"(?:named|identified)|not authori[sz]ed to (?:speak|talk|comment))\b",
    re.IGNORECASE,
)
# an authority's sentence that names a person rather than a body ("a defense ministry official")
_PERSON = re.compile(r"\b(?:officials?|officers?|sources?)\b", re.IGNORECASE)
# "a report presented to the Security Council": the body received what another wrote
_RECIPIENT = re.compile(
    r"\b(?:presented|submitted|sent|delivered|handed|addressed|forwarded) to\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_UNNAMED = re.compile(r"\b(?:unnamed|anonymous|unidentified)\s+(?:[\w.]+\s+){0,2}$", re.IGNORECASE)
# "the Security Council's action": the body owns a thing; "the UN's humanitarian office said",
# "Japan's defense ministry spokesman": its organ or its voice speaks
_OWNED_THING = re.compile(
    r"['’]s\s+(?!(?:[\w-]+\s+){0,3}?(?:spokes\w+|president|chair\w*|head|chief|director|"
    r"minister|ministry|secretary|statement|office|officials?|envoy|ambassador|agency|"
    r"coordinator|rapporteur|mission|"
    r"representatives?|deputy|press|command|department|council|said|says|say|reported|told|"
    r"announced|confirmed)\b)[a-z]",
)
# "UN sanctions", "U.N. resolutions": the body names a thing of its own, unless an organ of that
# thing speaks ("the UN sanctions committee said")
_MODIFIES_NOUN = re.compile(
    r"\s+(?:sanctions|resolutions?|embargo|bans?|rules|regulations|laws?|standards|guidelines|"
    r"charter|membership|headquarters)\b(?!\s+(?:committee|panel|monitors?|experts?|council|"
    r"office|chief|officials?|spokes\w+)\b)"
    # "the U.N. nuclear agency says": the IAEA, whose observations the guide counts as reports
    r"|\s+(?:nuclear|atomic) (?:agency|watchdog|inspectors?)\b",
    re.IGNORECASE,
)
# "...used by the US Air Force, according to NK News": these verbs take their source after them
_SOURCE_FOLLOWS = re.compile(r"according to|citing", re.IGNORECASE)
# "...with four ministry officials in March," a source said: the quotation's speaker follows it
_QUOTE = re.compile(r"[\"“”]")
# "executed along with ministry officials": the object of a preposition says nothing
_OBJECT_OF = re.compile(
    r"\b(?:with|against|toward|towards|into|including|such as|former|ex-)\s*(?:[\w.]+\s+)?$",
    re.IGNORECASE,
)
# "appointed Choe Son Hui as its new foreign minister, state media said": a post, not a speaker
_APPOINTED_AS = re.compile(
    r"\bas\s+(?:(?:its|the|a|an|his|her|their|new|acting|first|next)\s+){0,3}$", re.IGNORECASE
)
# "targeting the presidential Blue House, state media said": the verb has a subject of its own
_OTHER_SUBJECT = re.compile(
    r",\s+(?!(?:in|on|at|citing|according|however|also|earlier|later|then|separately)\b)"
    r"(?:[\w'’-]+\s+){1,3}",
    re.IGNORECASE,
)
# "a speech at the Security Council denouncing sanctions, KCNA said": a name after the comma is
# the verb's own subject
_NAMED_SUBJECT = re.compile(
    r",\s+(?:the\s+)?(?-i:[A-Z][\w.'-]*)(?:\s+(?-i:[A-Z][\w.'-]*)){0,3}\s+$"
)
# "..., said Kyung, who received a briefing": the verb's subject follows it
_SPEAKER_AFTER = re.compile(
    r"\s+(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|"
    r"April|May|June|July|August|September|October|November|December|on|in|at|that|the\s+"
    r"(?:ministry|agency|department|command|military|council|statement|report)\b)\b)"
    r"(?:[A-Z][a-z]+\b|(?:an?|the) (?:\w+ ){0,2}(?:lawmaker|legislator|source|analyst|expert|"
    r"researcher|professor|newspaper|report))"
)
# "said Sunday that it had removed United Nations devices": what was said, not who said it
_THAT = re.compile(r"\bthat\b", re.IGNORECASE)


def _inverted_speaker(text: str, verb: re.Match[str]) -> bool:
    """ ", said Kyung": after a comma, a verb of saying takes the name that follows it."""
    return text[max(0, verb.start() - 2) : verb.start()].rstrip().endswith(
        (",", '"', "”")
    ) and bool(_SPEAKER_AFTER.match(text, verb.end()))


def _one_clause(text: str, start: int, end: int, reach: int) -> bool:
    """Whether text[start:end] is short and holds no full stop or semicolon (the stops of
    abbreviations such as "U.S." and "Col." aside)."""
    if end - start > reach:
        return False
    gap = text[start:end]
    if ";" in gap:
        return False
    return all(_abbreviation_stop(text, start + i) for i, c in enumerate(gap) if c == ".")


_ABBREVIATED = re.compile(r"(?:\b[A-Z]|\b[A-Z][a-z]{1,3})$")  # "U.S.", "Col.", "Dec.", "Gen."


def _abbreviation_stop(text: str, at: int) -> bool:
    """Whether the full stop at `at` ends an abbreviation, not a sentence."""
    return bool(_ABBREVIATED.search(text, max(0, at - 5), at))


# someone speaks for the event, and the rules above found no authority or state media in it
_OTHER_SPEAKER = re.compile(r"\b(?:said|says|told|according to)\b", re.IGNORECASE)
# the reason of the default answer: no sourcing rule applied (callers may ask for a second opinion)
UNSOURCED = "media report without an official confirmation or state-media claim"
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
        "Iran",
        "Syria",
        "Vietnam",
        "Laos",
        "Mongolia",
        "Indonesia",
        "Malaysia",
        "Philippines",
        "Thailand",
        "Cuba",
        "Belarus",
        "India",
        "Pakistan",
        "Myanmar",
        "Australia",
        "United Kingdom",
        "Germany",
        "France",
        "Poland",
        "European Union",
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
    text = sentence.text
    if patterns.act_verb.search(text, starts_in(sentence, patterns.act_verb)):
        found = _official_doer(
            sentence, patterns.official_act.search(text), patterns.official_act.pattern
        )
        if found is not None:
            return found
        # "Estonia has agreed to buy", "Poland signed": a state named as the doer is its government
        country_act = patterns.country_act
        found = _official_doer(sentence, country_act.search(text), country_act)
        if found is not None:
            return found
    # the wider pairs, each tried only where its own words occur (cheap: most sentences lack them)
    more_acts, more_bodies = _wider_official_acts()
    if _MORE_ACT_VERBS.search(text):
        found = _official_doer(sentence, more_acts.search(text), more_acts)
        if found is not None:
            return found
    if _MORE_BODIES_GATE.search(text):
        found = _official_doer(sentence, more_bodies.search(text), more_bodies)
        if found is not None:
            return found
    return _body_did(sentence) or _body_done_by(sentence)


# any act an official body is the subject of: the body, then (adverbs, a time, a perfect's
# auxiliary aside) a verb in the simple past or the perfect that is not one of saying,
# thinking or intending ("the ministry completed the deployment", "parliament passed")
_NOT_AN_ACT = (
    r"said|stated|added|noted|claimed|reported|believed|expected|planned|hoped|wanted|asked|"
    r"urged|called|warned|vowed|threatened|pledged|promised|proposed|offered|suggested|"
    r"considered|denied|declined|refused|failed|needed|seemed|appeared|remained|tried|sought|"
    r"worried|feared|estimated|assessed|speculated|predicted|insisted|argued|stressed|"
    r"emphasi[sz]ed|expressed|voiced|demanded|requested|described|dismissed|explained|"
    r"mentioned|acknowledged|admitted|confirmed|detected|tracked|told|thought|intended|"
    r"aimed|based|led|used|learned|recalled|reiterated|welcomed|condemned|criticized|"
    r"protested|raised|questioned|doubted|hinted|signaled|signalled|indicated|suspected|"
    r"alleged|accused|blamed|concerned|involved|related|owned|named|known|seen|shown|"
    r"regarded|viewed|deemed|labeled|labelled|dubbed|responded|reacted|briefed|informed|"
    r"notified|forced|allowed|obliged|scheduled|slated|tasked|designed|supposed|attempted"
)
_IRREGULAR_PAST = (
    r"began|begun|took|taken|sent|held|made|gave|given|put|set|won|struck|shot|brought|bought|"
    r"sold|caught|met|ran|drew|drawn|sank|sunk|flew|flown|froze|frozen|undertook|undertaken|"
    r"withdrew|withdrawn|built|spent|broke|chose|cut|hit|laid|lent|let|paid|rode|sped|stood|"
    r"swept|threw|thrown|wrote|written|seized|kept|left|got|gotten|led"
)
_BODY_ACT_GAP = (
    r"(?:\s+\([A-Z][A-Za-z-]*\))?"  # "the Ministry of National Defense (MND)"
    r"(?:\s+(?:has|have|had|also|already|again|formally|officially|jointly|successfully|"
    r"(?-i:[a-z]+ly)|on (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|"
    r"on (?-i:[A-Z][a-z]{2,8})\.? \d{1,2}|last (?:week|month|year)|this (?:week|month|year)|"
    r"earlier|yesterday|today))*"
)


# the words an official body's name can start with: a capital, or one of the lower-case words
# that open the lexicon's names ("the government", "coast guard", "defense ministry"); a cheap
# look ahead that spares the long alternation at most words of a sentence
_BODY_START = (
    r"(?-i:[A-Z])|(?:the|a|coast|defen[cs]e|unification|foreign|court|parliament|government|"
    r"prosecut\w*|spy|state|military|customs|immigration|public|special|top|chief|nuclear|"
    r"envoy|district|high|appeals?)\b"
)


@cache
def _body_act() -> re.Pattern[str]:
    spec = lexicon()["claims"]
    return re.compile(
        rf"\b(?={_BODY_START})(?P<actor>{spec['official_actor']}|{_MORE_BODIES})(?!\w)"
        rf"{_BODY_ACT_GAP}\s+"
        rf"(?P<act>(?!(?:{_NOT_AN_ACT})\b)(?:(?-i:[a-z]+ed)|{_IRREGULAR_PAST}))\b",
        re.IGNORECASE,
    )


# where a clause's subject may start: the sentence's start, a comma or a conjunction, then at
# most a determiner and a few names ("The South Korean", "Japan's", "the country's")
_SUBJECT_LEAD = re.compile(
    r"(?:^|[,;:(\"]\s*|\b(?:and|but|while|when|then|so)\s+)(?:(?:the|a|an|its|their|our)\s+)?"
    r"(?:(?:(?-i:[A-Z])[\w.'-]*|\w+'s|\d+\w*)\s+){0,4}$",
    re.IGNORECASE,
)
# the body's act inside what someone said, or a reaction to the event ("In response, ...")
_TOLD_OR_REACTING = re.compile(
    r"\b(?:said|says|say|told|stated|reported|reportedly|according to|claimed)\b|"
    r"^\s*in (?:response|retaliation|reaction)\b",
    re.IGNORECASE,
)
# "..., traders in the city said": the act rests on whoever tells it (an authority that tells
# it was found before; the body telling its own act, "it said", is no other teller)
_TOLD_AFTER = re.compile(
    r"(?<!\bit )(?<!\bthey )\b(?:said|says|say|told|stated|reported|according to|citing|"
    r"claimed)\b",
    re.IGNORECASE,
)
# "Korean president who forged ties": a title read, case ignored, with a word that is no name
_TITLE_WITHOUT_NAME = re.compile(r"(?:president|prime minister)\s+(?-i:[a-z])", re.IGNORECASE)


@cache
def _passive_body_act() -> re.Pattern[str]:
    """ "was impeached by parliament", "were seized by the coast guard": a finite passive (a
    participle alone, "sanctions imposed by the council", is often a thing's background)."""
    spec = lexicon()["claims"]
    return re.compile(
        r"\b(?:was|were|has been|have been|had been)\s+(?:(?-i:[a-z]+ly)\s+)?"
        rf"(?P<act>(?!(?:{_NOT_AN_ACT})\b)(?:(?-i:[a-z]+ed)|{_IRREGULAR_PAST}))"
        r"(?:\s+[\w.,-]+){0,4}?\s+by\s+(?:the\s+)?"
        rf"(?P<actor>{spec['official_actor']}|{_MORE_BODIES})(?!\w)",
        re.IGNORECASE,
    )


def _body_done_by(sentence: Sentence) -> str | None:
    """The official body a sentence names as the agent of a passive past act, if any."""
    text = sentence.text
    if " by " not in text:
        return None  # cheap: most sentences name no agent
    for match in _passive_body_act().finditer(text):
        start = match.start("actor")
        if (
            not sentence.segment_at(match.start())[2]
            and not _NORTH_OWNER.search(text[max(0, start - 25) : start])
            and not _POSSESSOR.match(text, match.end("actor"))
            and not _TOLD_OR_REACTING.search(text)
            and not _NOT_GOVERNMENT.search(match.group("actor"))
            and not _STATE_NAME.match(match.group("actor"))  # "by DPRK officials"
        ):
            return f"{match.group('act')} by {match.group('actor')}"
    return None


def _body_did(sentence: Sentence) -> str | None:
    """The official body a sentence makes the subject of a past act, if any (in the sentence's
    own clause: not an object, not inside what someone said, not a reaction)."""
    pattern, text = _body_act(), sentence.text
    match = pattern.search(text)
    while match is not None:
        start = match.start("actor")
        if (
            _SUBJECT_LEAD.search(text, 0, start)
            and not _TOLD_OR_REACTING.search(text, 0, start)
            and not _TOLD_AFTER.search(text, match.end())
            and not _TITLE_WITHOUT_NAME.match(match.group("actor"))
        ):
            return _official_doer(sentence, match, pattern)
        match = pattern.search(text, start + 1)
    return None


# official bodies the lexicon's doers leave out: a state's armed services and their ships,
# prefectural police, military and customs authorities, the EU's Council, envoys and
# secretaries of state (a North Korean one is excluded by _NORTH_OWNER, as for the lexicon's,
# and the "Korean People's Army" here)
_MORE_BODIES = (
    r"(?-i:(?<!People.s )(?:the )?(?:Air Force|Navy|Army|Marine Corps|Marines|Coast Guard)|"
    r"(?:Ground |Maritime |Air )?Self-Defen[cs]e Forces?|(?:USS|ROKS|JS) [A-Z][a-z]+|"
    r"[A-Z][a-z]+ Prefectural Police(?: Department)?|Council|"
    r"Secretary of (?:State|Defen[cs]e)|(?:Defen[cs]e|Foreign) Secretary)|"
    r"(?:military|customs|immigration|public security) authorities|"
    r"(?:special |top |chief |nuclear |(?-i:[A-Z][a-z]+ )?(?:North Korea |nuclear )?)envoy"
)
_MORE_BODIES_GATE = re.compile(
    r"\b(?:Air Force|Navy|Army|Marines?|Marine Corps|Coast Guard|Self-Defen[cs]e|USS|ROKS|JS|"
    r"Prefectural|Council|Secretary|authorities|envoy)\b"
)
# acts of such bodies the lexicon's verbs leave out: a court's sentence, a designation's
# targets, a navy's commissioning and dispatch, a delegation's visit
_MORE_ACTS = (
    r"sentenced|(?<!those )targeted|added(?=(?:\s+[\w-]+){1,8}\s+to\b)|slashed|commissioned|dispatched|participated|participating|"
    r"joined|took delivery|received|visited|arrived|travell?ed|filed|freezing|took aim"
)
# a visit is public, but an excerpt that tells it from a source or a secret trip is a report
_VISIT = re.compile(r"\b(?:visited|arrived|travell?ed)$", re.IGNORECASE)
_UNANNOUNCED_TRIP = anchored(
    r"\b(?:unannounced|secret(?:ive|ly)?|undisclosed|unconfirmed|(?:diplomatic|unnamed|informed|"
    r"government) sources?)\b",
    re.IGNORECASE,
)
_MORE_ACT_VERBS = anchored(rf"\b(?:{_MORE_ACTS})\b", re.IGNORECASE)


@cache
def _wider_official_acts() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Any official doer with the acts above; the doers above with any official act."""
    spec = lexicon()["claims"]
    gap = r"(?:[^.;]|(?<=[A-Z])\.)"  # one clause: no full stop but those of "U.S."
    doers = f"{spec['official_actor']}|{_MORE_BODIES}"
    acts = f"{spec['official_act']}|{_MORE_ACTS}"
    return (
        re.compile(
            rf"\b(?P<actor>{doers})(?!\w){gap}{{0,60}}?\b(?P<act>{_MORE_ACTS})\b", re.IGNORECASE
        ),
        re.compile(
            rf"\b(?P<actor>{_MORE_BODIES})(?!\w){gap}{{0,60}}?\b(?P<act>{acts})\b", re.IGNORECASE
        ),
    )


def _official_doer(
    sentence: Sentence, match: re.Match[str] | None, pattern: re.Pattern[str]
) -> str | None:
    """The first actor-and-act pair from `match` on whose actor really did the act."""
    text = sentence.text
    while match is not None:
        start = match.start("actor")
        if sentence.segment_at(start)[2] or _NORTH_OWNER.search(text[max(0, start - 25) : start]):
            return None  # "after the US held drills" is another happening; the North's own organs
        if (
            not _NOT_THE_AGENT.search(text[max(0, start - 30) : start])
            and not (
                _PASSIVE.search(text[max(0, match.start("act") - 12) : match.start("act")])
                and not match.group("act").endswith("ing")  # "are participating" is active
            )
            and not _BY_AGENT.match(text, match.end("act"))
            and not _POSSESSOR.match(text, match.end("actor"))
            and not _said_of_others(text, match.end("actor"), match.start("act"))
            and not _NOT_GOVERNMENT.search(match.group("actor"))
            and not _STRAY_WORD.match(match.group("actor"))
        ):
            return f"{match.group('actor')} {match.group('act')}"
        # "in China when they were seized": a place, and a passive verb, name no doer
        match = pattern.search(text, start + 1)
    return None


# a launch the South, Japan or the US carried out is its government's act ("Japan launched two
# satellites", "South Korea test-fired a new ballistic missile"); the North's are never (its
# name is not among the states of country_act)
_STATE_LAUNCHES = frozenset({"space_launch", "missile_test"})


def _state_launch(sentence: Sentence) -> str | None:
    match = claim_patterns().state_launch.search(sentence.text)
    if match is None and _SPACE_AGENCY_CUE.search(sentence.text):
        match = _AGENCY_LAUNCH.search(sentence.text)
    if match is None or sentence.segment_at(match.start("actor"))[2]:
        return None  # "days after Japan launched a satellite" is another happening
    if _NOT_THE_AGENT.search(sentence.text[max(0, match.start() - 30) : match.start()]):
        return None  # "toward Japan fired ..." names no doer
    return f"{match.group('actor')} {match.group('act')}"


# an official act told by someone who is no official: activists, sources, witnesses, the press
_HEARSAY = anchored(
    r"\b(?:activists?|sources?|witnesses|residents|defectors?|analysts?|(?<!panel of )experts?|researchers?|"
    r"reports?|media|newspapers?|lawmakers?|rights groups?|monitors?|news(?: agency)?|"
    # an outlet tells; a news conference or a daily briefing is the official body speaking
    r"(?-i:Press|Post|Times|Journal)|broadcaster|network|daily)\b"
    r"(?!\s+(?:conference|briefing|release|statement))[^.;]{0,25}?"
    r"\b(?:said|say|says|told|claimed|claim|reported|report|quoted)\b",
    re.IGNORECASE,
)


# ", a customs official said", ", a diplomat told Reuters": one unnamed person tells the act
_UNNAMED_TELLER = re.compile(
    r",\s+(?:a|an|one)\s+(?:[\w-]+\s+){0,3}?(?:official|diplomat|officer|source|insider)\s+"
    r"(?:said|says|told)\b",
    re.IGNORECASE,
)

_SPOKESPERSON = re.compile(r"\bspokes(?:man|woman|person)\b", re.IGNORECASE)


def _spokesperson_in(excerpt: Sequence[Sentence]) -> bool:
    """A spokesperson speaks in the excerpt: the body's own word backs what its official told."""
    return any(_SPOKESPERSON.search(s.text) for s in excerpt)


# Russia and Ukraine speak of the arms of their own war as parties to it: a report, not a
# confirmation (the labelling guide's "a party to a war")
_PARTY_TO_THE_WAR = re.compile(r"(?:the )?(?:Russia|Ukrain)", re.IGNORECASE)
_NOT_THE_AGENT = re.compile(
    r"\b(?:in|into|from|to|with|at|near|across|toward|towards)\s+"
    r"(?:the\s+|central\s+|downtown\s+|northern\s+|southern\s+|eastern\s+|western\s+)?"
    r"(?:[A-Z][a-z]+,\s+)?$",  # "from Shenyang, China": the city's country is a place too
    re.I,
)
# "Hyundai Rotem, South Korea's sole tank maker, announced": the state owns the doer
_POSSESSOR = re.compile(r"['’]s\b")
# "the prosecutors' office said Thursday that the hackers sent": the act is in what it said
# ("it said it had seized", "said they had arrested" stay its own acts)
_SAYS_OF_OTHERS = re.compile(
    r"\b(?:said|says|say|saying|quoted|told|stated|added|believes?|suspects?|according to)\b"
    r"(?!\s+(?:that\s+)?(?:it|they|we)\b)"
    r"(?![^,;]*?\b(?:it|they|we)\s+(?:had|has|have|was|were)\b)",
    re.I,
)


def _said_of_others(text: str, start: int, end: int) -> bool:
    """Whether the actor's words stand between it and the act ("X said the hackers sent")."""
    return bool(_SAYS_OF_OTHERS.search(text, start, end))


# "whether military stopped", "in Military added": a doer named "<Country> military" read, case
# ignored, from the function word before it ("the military staged", "frontline navy" stay)
_STRAY_WORD = re.compile(
    r"(?:whether|in|on|at|for|to|of|that|and|or|but|if|as|with|by|from|when|while|after|"
    r"before|said|says|than|because|since|until|where|which|who) ",
    re.IGNORECASE,
)
# the Red Cross societies and federation act beside governments, not as their bodies: what they
# did is told by them or the press (the reunions both sides' societies hold are a rule apart)
_NOT_GOVERNMENT = re.compile(r"Red Cross", re.IGNORECASE)
# "a memo released by its mission": the participle's doer follows it
_BY_AGENT = re.compile(r"\s+by\b", re.I)
_PASSIVE = re.compile(r"\b(?:was|were|been|being|is|are)\s+(?:\w+ly\s+)?$", re.I)


_MEETING_HELD = re.compile(
    r"\b(?:met|meets|held (?:talks|a summit|summit|a meeting|meetings)|hold talks|holds talks|"
    r"signed|visited|visiting|hosted|hosts|shook hands|greeted|(?:warmly )?received|welcomed|"
    r"(?:summit|talks|meeting)\b[^.;]{0,60}?\b(?:ended|took place|wrapped up|concluded|began|opened|"
    r"lasted|was held|were held|"
    r"broke down|collapsed))\b",
    re.IGNORECASE,
)
_NOT_YET = re.compile(
    r"\b(?:plans?|planned|planning|expected|will|would|could|may|might|reported(?:ly)?|possible|"
    r"proposed|proposes|offered|hopes?|seeks?|wants?)\b[^.;]{0,30}$",
    re.IGNORECASE,
)


_REUNION_HELD = re.compile(
    r"\b(?:reunit\w*|reunion\w*|greeted each other|met (?:their|his|her) (?:relatives|kin|family|"
    r"families|sons?|daughters?|brothers?|sisters?|mothers?|fathers?))\b",
    re.IGNORECASE,
)
_SEPARATED_FAMILIES = re.compile(
    r"\b(?:separated|divided) famil\w+|family (?:members|reunions?)|relatives from the North\b",
    re.IGNORECASE,
)


def _held_reunion(sentence: Sentence) -> bool:
    """The sentence says families separated by the division met (not that a reunion is planned)."""
    return bool(_SEPARATED_FAMILIES.search(sentence.text)) and _happened(_REUNION_HELD, sentence)


# "won Thursday's presidential election", "vote counts showed": the election body's count
_ELECTION_RESULT = anchored(
    r"\b(?:won|wins|winning|defeated|defeats?|lost|swept|victory|landslide|majority|"
    r"vote counts?|official results?)\b[^.;]{0,60}?\b(?:elections?|polls?|vote|seats?|races)\b"
    r"|\b(?:elections?|polls?)\b[^.;]{0,40}?\b(?:won|results?|victory|defeat)\b",
    re.IGNORECASE,
)
_UNOFFICIAL_COUNT = re.compile(
    r"\b(?:partial|early|preliminary) (?:returns|results|counts?)|exit polls?|projected|"
    r"projections?|forecasts?\b",
    re.IGNORECASE,
)
# a meeting the governments have not announced is known only from those who saw it
_UNANNOUNCED = anchored(
    r"\b(?:unannounced|(?<!kept )secret(?:ive|ly)?(?! (?:details|documents?|annex|clauses?))|"
    r"undisclosed|unconfirmed|believed to be|was seen|were seen|"
    r"(?:diplomatic|unnamed|informed) sources?)\b",
    re.IGNORECASE,
)


def _held_meeting(sentence: Sentence) -> bool:
    """The sentence says a meeting took place (not that one is planned or proposed)."""
    return _happened(_MEETING_HELD, sentence)


def _happened(pattern: re.Pattern[str], sentence: Sentence) -> bool:
    """Some match of `pattern` is told as done, not as planned, proposed or hoped for."""
    text = sentence.text
    return any(
        not _NOT_YET.search(text[max(0, m.start() - 40) : m.start()])
        for m in pattern.finditer(text)
    )


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
    if lede and _STATE_DATELINE.match(lede[0].text):
        return "claimed", f"the North's state media's own copy ({lede[0].text[:40]})"
    own_ids = {s.index for s in own_event}
    rest = [s for s in lede if s.index not in own_ids]
    scope = [*own_event, *rest]
    own_act = category in OWN_WORDS
    # a launch or a border incident the military detected happened, however hedged its nature
    # ("the suspected trash balloons", "believed to be a cruise missile")
    hedges_count = category not in _LAUNCHES and category != "border_maritime"
    # "The official, who preferred to remain anonymous": the excerpt's officials speak unnamed
    # (looked for only once an official speaks: most events have none)
    # "...: sources", "..., report says": the headline gives the press as the story's source, so
    # its officials speak as unnamed sources and the acts it tells are the press's account
    press_headline = bool(_PRESS_HEADLINE.search(title.text))
    anonymous: bool | None = True if press_headline else None
    unnamed_official = unsettled = None
    excerpt = [title, *scope]
    for sentence in [*scope, title]:  # a headline may name its source too ("Seoul says")
        authority = confirming_authority(sentence, own_act=own_act)
        if authority and hedges_count and _HEDGED.search(sentence.text):
            continue
        if authority and _PERSON.search(sentence.text):
            if anonymous is None:
                anonymous = any(_ANONYMOUS.search(s.text) for s in excerpt)
            if anonymous:
                unnamed_official = unnamed_official or authority
                continue
        if authority and _UNSETTLED.search(sentence.text):
            unsettled = unsettled or authority  # "the military is seeking to verify that claim"
            continue
        if authority and _SECONDHAND_DOCUMENT.search(sentence.text):
            continue  # "a UN report seen by Reuters": the press tells what the body has not
        if authority and _INTELLIGENCE.search(authority) and _briefing_in(excerpt):
            continue  # "the spy agency told lawmakers": a closed briefing they relay
        if authority and _records_for_observers(sentence, authority):
            continue  # "images compared with ship data disclosed by the IMO": the analysts tell it
        if authority and sentence.index not in own_ids and _observed_in([title, *own_event]):
            continue  # the event's own copy rests on imagery or a think tank; the authority
            # speaks in the excerpt's background ("U.S. officials later confirmed the site")
        if authority:
            return "confirmed", f"attributed to {authority}: {sentence.text[:160]}"
    police = _police_finding(category, [title, *own_event], [title, *scope])
    if police:
        return "confirmed", f"the police's own finding: {police.text[:160]}"
    headline = claim_patterns().headline.search(title.text)
    if headline:
        return "confirmed", f"headline attributes it to {headline.group(0).strip(': ')}"
    statement = _OFFICIAL_STATEMENT.match(title.text)
    if statement and not _STATE_NAME.search(_TOPIC.split(statement.group("who"))[0]):
        return "confirmed", f"an official's own statement ({statement.group(0)[:80]})"
    if category in CARRIED_OUT_BY_OFFICIALS:
        # the act itself, not what officials did besides; the lede, which tells the headline's
        # event, is its sentence too where the event's own sentences left it out
        added_lede = _lede_if_missing(lede, own_event)
        for sentence in [title, *own_event, *added_lede]:
            act = _memo(sentence, "official_act", official_act)
            if act and _INTELLIGENCE.search(act) and _briefing_in(excerpt):
                continue  # "the NIS provided no evidence" to the lawmakers who relay it
            if act and press_headline:
                continue  # the act as the press tells it
            if act and sentence in added_lede and _secondhand(excerpt):
                continue  # a lede the press tells from its sources
            if act and (
                _HEARSAY.search(sentence.text)
                or _SECONDHAND_DOCUMENT.search(sentence.text)
                or (_UNNAMED_TELLER.search(sentence.text) and not _spokesperson_in(excerpt))
            ):
                continue  # "China has repatriated them, activists said": the act rests on them
            if act and _VISIT.search(act) and _secondhand(excerpt):
                continue  # "the envoy arrived in Pyongyang", a diplomatic source said: hearsay
            if act and not (category == "arms_transfer" and _PARTY_TO_THE_WAR.match(act)):
                return "confirmed", f"carried out by an official body ('{act}')"
    if category in _STATE_LAUNCHES and not press_headline:
        for sentence in [title, *own_event]:
            launch = _state_launch(sentence)
            if launch:
                return "confirmed", f"launched by a state's own government ('{launch}')"
    if category == "diplomacy":
        told = [title, *own_event, *_lede_if_missing(lede, own_event)]
        session = next((s for s in told if _UN_SESSION_SPEECH.search(s.text)), None)
        if (
            session is not None
            and not _HEARSAY.search(session.text)
            and not _memo(session, "state", _state_media)
        ):
            return "confirmed", f"said on the record of a UN session: {session.text[:120]}"
        parties = {_LEADER_COUNTRY.get(a, a) for a in actors if a in MEETING_PARTIES}
        held = next((s for s in [title, *scope] if _held_meeting(s)), None)
        unannounced = any(_UNANNOUNCED.search(s.text) for s in [title, *scope])
        if (
            len(parties) >= 2
            and held is not None
            and not unannounced
            and not press_headline
            and not _told_by_state_media(held, title)
            and not _memo(held, "press", _press)
            and not _HEARSAY.search(held.text)
        ):
            return "confirmed", f"a meeting the governments held ({', '.join(sorted(parties))})"
    if category == "domestic":
        count = next((s for s in [title, *own_event] if _ELECTION_RESULT.search(s.text)), None)
        if count is not None and not _UNOFFICIAL_COUNT.search(count.text):
            return "confirmed", f"an election's result is the official count: {count.text[:120]}"
    if category == "humanitarian":
        reunion = next((s for s in [title, *own_event] if _held_reunion(s)), None)
        if reunion is not None and not _told_by_state_media(reunion, title):
            return "confirmed", "family reunions are held by both governments' Red Cross bodies"
    observer = next((s for s in [title, *scope] if _memo(s, "observer", _observer)), None)
    own_inspection = next((s for s in [title, *own_event] if _inspectors_own_word(s)), None)
    if own_inspection is not None:
        return "confirmed", f"the IAEA tells what its inspectors did: {own_inspection.text[:140]}"
    if observer is not None:
        return "reported", f"observed independently: {observer.text[:160]}"
    if unnamed_official:  # the other side's officials, even unnamed, make it more than a claim
        return "reported", f"an official speaking unnamed ({unnamed_official})"
    if unsettled:  # as do officials still verifying it, or relayed by the press
        return "reported", f"an authority that has not settled it ({unsettled})"
    for sentence in [title, *scope]:
        state = _memo(sentence, "state", _state_media)
        if state:
            return "claimed", f"only the actor's state media/government says so ({state})"
    for sentence in [title, *scope]:
        press = _memo(sentence, "press", _press)
        if press:
            return "reported", f"sourced to the press ('{press}')"
    for sentence in [title, *own_event]:
        speaker = _OTHER_SPEAKER.search(sentence.text)
        if speaker:
            return (
                "reported",
                f"a source that is neither an authority nor state media: {sentence.text[:160]}",
            )
    return "reported", UNSOURCED


# a headline that ends by naming the press or its sources: "...: report", "... - reports",
# "..., report says", "..., says Yonhap", "...: sources" ("...: U.S. reports" names a government)
_PRESS_HEADLINE = re.compile(
    r"[:,–—-]\s*(?:(?:news |media |press )?reports?(?: says?| shows?| suggests?)?|"
    r"says? (?:a )?(?:news |media )?reports?|(?:news |media )?reports say|"
    r"(?:a |diplomatic |government |intelligence )?sources?(?: says?)?|"
    r"(?:says |reports )?(?:Yonhap|Kyodo|NHK|Nikkei|Asahi|Reuters|AP|Washington Post|"
    r"New York Times|Wall Street Journal|CNN|NK News|Daily NK)(?: says| reports)?)"
    r"\s*[\W]{0,2}$",
    re.IGNORECASE,
)


# a body's records or data that others analysed: "the profiles of ships disclosed by the IMO"
_RECORDS_BY = re.compile(
    r"\b(?:disclosed|published|released|provided|registered|compiled|kept) by\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def _records_for_observers(sentence: Sentence, authority: str) -> bool:
    """The authority only supplied the records an independent observer (imagery analysts, a
    think tank) worked from, in the observer's own sentence."""
    if not _memo(sentence, "observer", _observer):
        return False
    at = sentence.text.find(authority)
    return at > 0 and bool(_RECORDS_BY.search(sentence.text, max(0, at - 40), at))


# a government's own release, by its headline: "Comment by Chief Cabinet Secretary ...",
# "Joint Statement Delivered by Ambassador ...", "Remarks by the Foreign Minister on ..."
_OFFICIAL_STATEMENT = re.compile(
    r"\s*(?:Joint |Press )?(?:Statement|Comment|Remarks|Readout)s?\b(?:\s+(?:Delivered|Made|"
    r"Issued))?\s+by\s+(?:the\s+)?(?P<who>(?:Chief Cabinet |Deputy |Under |Assistant )?"
    r"(?:Ambassador|Secretary|Minister|Spokes\w+|President|Prime Minister|Foreign Minister|"
    r"Defen[cs]e Minister|Press Secretary|Permanent Representative)\b[^:]{0,60})",
    re.IGNORECASE,
)

_TOPIC = re.compile(r"\s+(?:on|at|about|regarding|concerning|in)\s+", re.IGNORECASE)


# the IAEA observes the North's programme from outside (a report), but it tells first-hand what
# its own inspectors did or were made to do: left the country, removed seals, regained access
_IAEA_SPEAKS = re.compile(
    r"\b(?:IAEA|International Atomic Energy Agency)(?:\s+\(IAEA\))?(?:\s+(?:spokes\w+|"
    r"Director General|chief)(?:\s+[A-Z][\w-]+){0,2})?\s+(?:said|says|confirmed|announced)\b|"
    r"\b(?:statement|announcement)\s+(?:[\w-]+\s+){0,3}?by (?:the )?(?:IAEA|International "
    r"Atomic Energy Agency)\b|\bIAEA [Ss]pokes\w+"
)
_OWN_INSPECTION = re.compile(
    r"\b(?:its|IAEA|agency.s|the) inspectors\b|\b(?:seals|surveillance (?:cameras|equipment))\b",
    re.IGNORECASE,
)
_SIGNS = re.compile(r"\b(?:signs?|indications?|appears?|likely|concern\w*)\b", re.IGNORECASE)


def _inspectors_own_word(sentence: Sentence) -> bool:
    """The IAEA speaks, in the sentence, of what its own inspectors did or met (not of signs
    or concerns it sees from outside)."""
    text = sentence.text
    if "IAEA" not in text and "Atomic Energy" not in text:
        return False  # cheap: most sentences name no IAEA
    return bool(
        _IAEA_SPEAKS.search(text)
        and _OWN_INSPECTION.search(text)
        and not _SIGNS.search(text)
        and not _HEDGED.search(text)
    )


# a speech to the General Assembly or the Security Council is made on the UN's own record
_UN_SESSION_SPEECH = re.compile(
    r"\b(?:addressed|delivered|speech|spoke|speaking)\b[^.;]{0,80}?"
    r"\b(?:General Assembly|Security Council)\b|"
    r"\b(?:At|In|Before|To) the (?:United Nations |UN |U\.N\. )?(?:General Assembly|Security "
    r"Council)\b[^.;]{0,80}?\b(?:addressed|delivered|spoke|said|told)\b"
)


def _observed_in(sentences: Sequence[Sentence]) -> bool:
    """The event's own sentences name an observer as their source (imagery analysts, a think
    tank, experts)."""
    return any(_memo(s, "observer", _observer) for s in sentences)


def _secondhand(excerpt: Sequence[Sentence]) -> bool:
    """The excerpt tells its event from the press, its sources or a secret trip."""
    return any(
        _UNANNOUNCED_TRIP.search(s.text) or _memo(s, "press", _press) or _HEARSAY.search(s.text)
        for s in excerpt
    )


def _briefing_in(excerpt: Sequence[Sentence]) -> bool:
    """Some sentence of the excerpt relays the spy agency's briefing to lawmakers."""
    return any(_briefed_lawmakers(s.text) for s in excerpt)


def _lede_if_missing(lede: Sequence[Sentence], own_event: Sequence[Sentence]) -> list[Sentence]:
    """The excerpt's first sentence after the headline, where the event's sentences lack it (a
    broadcast script's cue such as "[Anchor Lead]" is no sentence of it)."""
    first = next((s for s in lede if not _CUE_ONLY.fullmatch(s.text)), None)
    if first is None or any(s.index == first.index for s in own_event):
        return []
    return [first]


# a script's cue or a caption's tag standing alone: "[Anchor Lead]", "[Pkg]", "(Photo)"
_CUE_ONLY = re.compile(r"\s*[\[(][^\])]{0,30}[\])]\s*")


# a city's or a nation's police speak for what they investigated (hacks, crimes, arrests), not
# for launches: only in the sentences about this event, where a police statement is its source
_POLICE_MATTERS = frozenset({"cyber", "domestic", "humanitarian", "border_maritime"})
_POLICE_SAYS = anchored(
    r"\b(?:Seoul|South Korean|South Korea.s|national|metropolitan|Japanese|Japan.s|Tokyo)\s+"
    r"police\b(?:\s+(?:agency|office))?\s+(?:said|says|announced|confirmed|told)\b|"
    r"\b(?:said|says|according to)\s+(?:the\s+)?(?:Seoul|South Korean|national|metropolitan|"
    r"Japanese|Tokyo)\s+police\b",
    re.IGNORECASE,
)


# "police said Tuesday", "prosecutors have said": in copy about a crime, a defection or an
# arrest, unnamed police or prosecutors are those of the place it happened (the North's own,
# which its state media speak for, are left out)
_LAW_OFFICERS_SAY = anchored(
    r"\b(?:police|prosecutors|prosecutors. office|prosecution)\s+(?:have\s+|has\s+)?"
    r"(?:said|says|announced|confirmed|told)\b|"
    r"\b(?:said|says|according to)\s+(?:the\s+)?(?:police|prosecutors)\b",
    re.IGNORECASE,
)


def _police_finding(
    category: str, sentences: Sequence[Sentence], excerpt: Sequence[Sentence]
) -> Sentence | None:
    """The event's sentence in which police or prosecutors state it (`excerpt`: where to look
    for a hedge on who did it)."""
    if category not in _POLICE_MATTERS:
        return None
    # a hack's attribution is what is hedged ("suspicions grew that the North was behind it");
    # a crime's copy calls its suspects "suspected" of what they are charged with
    hedged = category == "cyber" and any(
        _HEDGED.search(s.text) or _SUSPICION.search(s.text) for s in excerpt
    )
    return next((s for s in sentences if _police_says(s.text, hedged)), None)


# "Suspicions grew that North Korea was behind the hacking": the police tell what happened, not
# who did it
_SUSPICION = re.compile(r"\bsuspicions?\b", re.IGNORECASE)


# "police said they had opened an investigation into the alleged hacking": an inquiry begun
# is not a finding
_INQUIRY_ONLY = anchored(
    r"\b(?:(?:launched|opened|started|begun|began) an? (?:investigation|inquiry|probe)|"
    r"(?:investigating|probing|looking into))\b",
    re.IGNORECASE,
)


def _police_says(text: str, hedged: bool) -> bool:
    """Police or prosecutors state it (those named without a country only where the event's
    sentences do not hedge who did it)."""
    if _INQUIRY_ONLY.search(text):
        return False
    if _POLICE_SAYS.search(text):
        return True
    if hedged:
        return False
    match = _LAW_OFFICERS_SAY.search(text)
    return match is not None and not _NORTH_OWNER.search(
        text[max(0, match.start() - 25) : match.start()]
    )


def _told_by_state_media(sentence: Sentence, title: Sentence) -> bool:
    """A meeting known from the North's state media alone (it says so in the sentence that
    tells of the meeting, or in the headline) is its claim, as anything else it says."""
    return any(_memo(s, "state", _state_media) for s in (sentence, title))


def _state_media(sentence: Sentence) -> str | None:
    state, text = claim_patterns().state, sentence.text
    for match in state.finditer(text, starts_in(sentence, state)):
        if _STATE_NAME.match(match.group(0)) and _OBJECT_OF_PLACE.search(
            text, max(0, match.start() - 12), match.start()
        ):
            continue  # "the UN's coordinator for Pyongyang said": the North names a post
        if text[match.start() - 1 : match.start()] == "(" and _PHOTO_CREDIT.match(
            text, match.end()
        ):
            continue  # "(KCNA via Reuters)", "(KCNA-Yonhap)": who supplied a photo
        if _ORGAN.fullmatch(match.group(0)) and _TIED_TO.search(
            text, max(0, match.start() - 25), match.start()
        ):
            continue  # "hackers linked to the North Korean government": who is behind, not who says
        if not _ORGAN.fullmatch(match.group(0)) or _speaks(text, match):
            return match.group(0)
    more = _MORE_STATE_MEDIA.search(text)
    return more.group(0) if more else None


# a photo's credit line names the agency that supplied the picture, not a source of the text
# ("Pyongyang, May 3 (KCNA) --" is a dateline: the agency's own copy)
_PHOTO_CREDIT = re.compile(
    r"\s*(?:-\s*[A-Z]|/|via\b|\)(?!\s*[-—–])|,\s*(?:AFP|Reuters|AP|Yonhap|Getty))", re.I
)


# the North's voice in words the lexicon's list leaves out: "the country's official media",
# Radio Pyongyang and Central Television, the "(NNN-KCNA)" relay dateline, and the state
# itself announcing in the perfect tense or under an epithet ("the communist state said")
_MORE_STATE_MEDIA = anchored(
    r"\b(?:(?:North Korea|the North|Pyongyang|the country|the communist (?:state|country)|"
    r"the regime)(?:.s)? official (?:media|news agency|newspaper|radio|television|TV)|"
    r"Radio Pyongyang|Pyongyang (?:Radio|Broadcasting Station)|"
    r"North Korea(?:n)? Central (?:Television|TV|Broadcasting)|NNN-KCNA|"
    r"(?:North Korea|Pyongyang|the North) has (?:said|announced|claimed|declared)|"
    r"the (?:socialist|communist|reclusive|isolated) (?:country|state|nation|regime) "
    r"(?:said|says|announced|claimed|declared))\b",
    re.IGNORECASE,
)


# "the resident coordinator for Pyongyang", "the ambassador to North Korea": the North is the
# object of a preposition, and who speaks stands before it
_OBJECT_OF_PLACE = re.compile(
    r"(?<!according )\b(?:for|to|in|on|about|with|from)\s+$", re.IGNORECASE
)
_STATE_NAME = re.compile(r"(?:North Korea|Pyongyang|the North|DPRK)\b", re.IGNORECASE)


# "Pyongyang, May 22 (KCNA) --": the whole text is the state agency's own copy
_STATE_DATELINE = re.compile(
    r"\s*\(?[A-Z][A-Za-z]+,\s+(?:[A-Z][a-z]+\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]+)\)?\s*"
    r"\((?:KCNA|KCTV|Rodong Sinmun|Uriminzokkiri|Minju Joson|Pyongyang Times)\)"
)
# the North's organs ("North Korean government", "the North's military") are its voice only
# when they speak: "spyware aimed at North Korean government officials" is not a claim
_ORGAN = re.compile(
    r"(?:North Korea.s|North Korean|DPRK|Pyongyang.s|the North.s) (?!spokesperson|statement)"
    r"[\w ]+",
    re.IGNORECASE,
)
# "a group linked to the North Korean government", "hackers backed by the North's military": the
# organ qualifies the doer (a "called Kospy" after it is no verb of saying either)
_TIED_TO = re.compile(
    r"\b(?:(?:linked|tied|connected|affiliated|attributed|close) (?:to|with)|"
    r"(?:backed|sponsored|directed|funded|run|controlled|operated) by)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_SAYS_AFTER = re.compile(
    r"^[^.;]{0,40}?\b(?:said|says|say|announced|announces|claimed|claims|stated|statement|reported|"
    r"warned|denied|told|called|accused|vowed|threatened|insisted|declared|confirmed)\b",
    re.IGNORECASE,
)
_SAYS_BEFORE = re.compile(
    r"\b(?:according to|statement (?:by|from|of)|quoted|quoting|citing|spokes\w+ (?:for|of))\s+"
    r"(?:the\s+|a\s+)?$",
    re.IGNORECASE,
)


def _speaks(text: str, match: re.Match[str]) -> bool:
    return bool(
        _SAYS_AFTER.match(text[match.end() :])
        or _SAYS_BEFORE.search(text[max(0, match.start() - 30) : match.start()])
    )


def _press(sentence: Sentence) -> str | None:
    media = claim_patterns().media
    match = media.search(sentence.text, starts_in(sentence, media))
    return match.group(0) if match else None


def _observer(sentence: Sentence) -> str | None:
    independent = claim_patterns().independent
    match = independent.search(sentence.text, starts_in(sentence, independent))
    return match.group(0) if match else None


def _memo(sentence: Sentence, key: str, compute: Callable[[Sentence], str | None]) -> str | None:
    if key not in sentence.memo:
        sentence.memo[key] = compute(sentence)
    return sentence.memo[key]  # type: ignore[no-any-return]
