"""Article -> events: the pure, deterministic core (no I/O, no clock, no network).

1. Split the title and body into sentences (the title is sentence 0; a dateline is dropped).
2. Discussion pieces (opinion, podcasts, explainers, question headlines) make no event.
3. Each sentence gets the category whose `strong` triggers it carries in its main clause
   (kinetic triggers under "could"/"plans to" or pointing back to "last year" do not count).
   A trigger inside an aside ("days after X held talks in Vladivostok on Monday") still makes
   its own event when that aside carries its own date.
4. A category becomes an event when the title, one of the first two body sentences, two body
   sentences, or one dated sentence support it. Sport/culture headlines need a trigger in the
   headline itself.
5. Each event takes its date, place, claim status, actors, weapons and figures from its own
   sentences, then severity and confidence from `rules`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from app.extraction import fallback, merge, rules
from app.extraction.claims import UNSOURCED, claim_status
from app.extraction.dates import DATE_WORDS, DATES, Anchor, DateMention, find_dates
from app.extraction.figures import extract_figures
from app.extraction.language import uncovered_language
from app.extraction.lexicon import (
    Category,
    PhraseMatcher,
    SentenceScan,
    actor_matcher,
    gazetteer,
    genre_patterns,
    opened_categories,
    sentence_scan,
    source_grades,
    starts_in,
    taxonomy,
    weapon_classes,
    weapon_matcher,
)
from app.extraction.places import choose_place, implied_venue, place_mentions, to_location
from app.extraction.scan import AnchoredPattern, anchored  # anchored: tried only at its words
from app.extraction.schemas import ArticleInput, ExtractedEvent, Location
from app.extraction.text import Sentence, article_sentences

MAX_EVENTS_PER_ARTICLE = 3
MAX_EVIDENCE = 4
# the title and this many sentences decide whether a sinking is a civil accident
LEDE_FOR_ACCIDENTS = 3
# a report's next sentences that may tell the day it reports, and how far back that day may be
REPORT_LOOKAHEAD_SENTENCES = 3
REPORT_LAG_DAYS = 31
_MODAL_BEFORE = AnchoredPattern(
    re.compile(
        r"\b(?:could|would|might|may|will|shall|plans? to|planning to|expected to|preparing to|"
        r"prepares? to|threaten\w* to|vow\w* to|ready to|able to|capable of|warn\w* (?:of|that)|"
        r"likely to|if|whether|no plans? to|without|fears?(?: grew| grow| mount\w*)? (?:of|that|over)|"
        r"concerns? (?:of|about|over)|speculation (?:of|about|over))\b[^.;]{0,30}$",
        re.IGNORECASE,
    )
)
_PAST_AFTER = re.compile(  # applied with .match: .search would try the ^ at every position
    r"^[^.;]{0,30}\b(?:earlier this year|last year|in (?:19|20)\d\d|years? ago|previously|"
    # "the North's missile launches last July": a month named as "last" is months back
    r"last (?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|spring|summer|autumn|fall|winter)|"
    r"in the past|since (?:19|20)\d\d|decades ago)\b",
    re.IGNORECASE,
)
# "the military agreement it signed with Pyongyang in 2018": the year is the relative clause's
_RELATIVE_CLAUSE = re.compile(r"^[^.;]{0,30}?\b(?:it|that|which|who|they|he|she)\s+\w+", re.I)


def _recalled(category: Category, after: str) -> bool:
    """Whether the words after a trigger date it in the past ("fired in 2017", "years ago")."""
    if not _PAST_AFTER.match(after):
        return False
    return category.kinetic or not _RELATIVE_CLAUSE.match(after)


# "talks in Washington on the DMZ", "met to discuss the missile launches": the happening is the
# talks; what they are about is their topic, not an incident of its own
_TOPIC_BEFORE = AnchoredPattern(
    re.compile(
        r"\b(?:discuss\w*|(?:talks|negotiations|meetings?|dialogue|consultations?|debates?|"
        r"conference|forum|seminar|hearing)\s+(?:\S+\s+){0,5}?"
        r"(?:on|about|over|regarding|concerning))\b[^.;]{0,45}$",
        re.IGNORECASE,
    )
)
_SATELLITE = AnchoredPattern(
    re.compile(r"\b(?:satellite|space|carrier rocket|Chollima)\b", re.IGNORECASE)
)
_COUNTRY_IDS = {
    "North Korea": "kp-north-korea",
    "South Korea": "kr-south-korea",
    "China": "cn-china",
    "Russia": "ru-russia",
    "Japan": "jp-japan",
    "United States": "us-united-states",
}
_STATE_ACTORS = frozenset(_COUNTRY_IDS)


@dataclass(slots=True)
class Trigger:
    category: str
    sentence: Sentence
    start: int
    text: str
    incidental: bool


@dataclass(slots=True)
class Support:
    """The sentences behind one category in one article."""

    category: Category
    main: list[Trigger] = field(default_factory=list)
    dated_asides: list[Trigger] = field(default_factory=list)

    @property
    def first_index(self) -> int:
        return min(t.sentence.index for t in [*self.main, *self.dated_asides])


def extract_article(article: ArticleInput, *, second_opinion: bool = True) -> list[ExtractedEvent]:
    """Zero or more events from one article; deterministic for a given input. Where the rules
    find nothing, `second_opinion` asks the word statistics (app/extraction/fallback.py)."""
    if uncovered_language(article.title, article.text):
        return []  # callers that answer people say why (`not_read_because`)
    sentences = article_sentences(article.title, article.text)
    if _is_commentary(sentences):
        return []
    today = Anchor.of(article.published, article.published_precision)
    supports = _supports(sentences, today)
    if _non_security_headline(sentences[0], supports):
        return []
    chosen = _emitted(supports)
    if not chosen and second_opinion:
        named = _from_second_opinion(article, sentences, today)
        return [e for e in named if not _civil_accident_at_sea(e, sentences)]
    events = [_build_event(article, sentences, support, today) for support in chosen]
    events = [e for e in events if not _disaster_outside_the_north(e)]
    events = [e for e in events if not _civil_nuclear_outside_the_north(e, sentences)]
    events = [e for e in events if not _civil_accident_at_sea(e, sentences)]
    events = [e for e in events if not _civil_crossing(e)]
    events = [e for e in events if not _politics_elsewhere(e)]
    if second_opinion:
        for event in events:
            _second_opinion_on_claim(article, event)
    return events


# A flood, typhoon or quake is security news here when it strikes the North (its harvest, its
# need for aid): one in the South or abroad is a civil disaster, not a humanitarian event of
# the peninsula's security (the labelling guide's items are the North's floods and famine)
_DISASTER = anchored(
    r"\b(?:flood\w*|heavy rain|downpours?|torrential|typhoons?|storms?|landslides?|earthquakes?|"
    r"quakes?|tremors?|wildfires?|fires?)\b",
    re.IGNORECASE,
)


def _outside_the_north(event: ExtractedEvent, category: str) -> bool:
    """An event of `category` in which the North takes part neither as an actor nor as a place."""
    if event.category != category or "North Korea" in event.actors:
        return False
    return event.location is None or event.location.country != "KP"


def _disaster_outside_the_north(event: ExtractedEvent) -> bool:
    return _outside_the_north(event, "humanitarian") and all(
        _DISASTER.search(reason) for reason in event.reasons["category"]
    )


# Nuclear news here is the North's programme and nuclear arms: a fusion record, a power reactor
# shut down or a reactor export elsewhere is energy, not the peninsula's security
_CIVIL_NUCLEAR = anchored(
    r"\b(?:fusion|power plants?|power reactors?|nuclear power|nuclear energy|KSTAR|artificial sun|"
    r"Kori|Wolsong|Hanbit|Hanul|Shin Kori|decommission\w*|phase(?:-| )out)\b",
    re.IGNORECASE,
)


def _civil_nuclear_outside_the_north(event: ExtractedEvent, sentences: Sequence[Sentence]) -> bool:
    if not _outside_the_north(event, "nuclear"):
        return False
    lede = [s.text for s in sentences[: LEDE_FOR_ACCIDENTS + 1]]
    return any(_CIVIL_NUCLEAR.search(text) for text in [*event.evidence, *lede])


def _second_opinion_on_claim(article: ArticleInput, event: ExtractedEvent) -> None:
    """Where no sourcing rule decided the claim status, the word statistics of sourcing may."""
    if event.reasons["claim_status"] != [UNSOURCED]:
        return
    opinion = fallback.claim_opinion(article.title, article.text, event.category)
    if opinion is None or opinion.category == event.claim_status:
        return
    words = ", ".join(f"'{w}'" for w in opinion.words) or "the words of the title and lede"
    event.claim_status = opinion.category
    event.reasons["claim_status"] = [
        f"no sourcing rule applies; word statistics favour {opinion.category} "
        f"({opinion.probability:.2f}): {words}"
    ]


def _from_second_opinion(
    article: ArticleInput, sentences: Sequence[Sentence], today: Anchor
) -> list[ExtractedEvent]:
    """The event the word statistics name, built from the title and lede like any other."""
    opinion = fallback.second_opinion(article.title, article.text)
    if opinion is None:
        return []
    support = Support(_categories_by_name()[opinion.category])
    for sentence in sentences[:2]:  # the headline and the lede carry the news
        support.main.append(Trigger(opinion.category, sentence, 0, "", False))
    event = _build_event(article, sentences, support, today)
    _second_opinion_on_claim(article, event)
    words = ", ".join(f"'{w}'" for w in opinion.words) or "the words of the title and lede"
    event.reasons["category"] = [
        f"no pattern matched; word statistics name it ({opinion.probability:.2f}): {words}"
    ]
    if event.confidence > fallback.CONFIDENCE_CAP:
        event.confidence = fallback.CONFIDENCE_CAP
        event.reasons.setdefault("confidence", []).append(
            f"capped at {fallback.CONFIDENCE_CAP}: named by word statistics, not a pattern"
        )
    return [event]


def not_read_because(article: ArticleInput) -> str | None:
    """Why the rules could not read an article at all, or None when they could."""
    language = uncovered_language(article.title, article.text)
    if language:
        return f"written in {language}, a language the extraction rules do not cover yet"
    return None


# A boat that sank or caught fire with no one from the North involved is a civil accident at sea,
# not a border or maritime incident of the peninsula's security
_CIVIL_SEA = anchored(
    r"\b(?:sank|sunk|sinking|capsiz\w+|ran aground|collided|collision|caught fire|drown\w+)\b",
    re.IGNORECASE,
)
_NORTH_NAMED = re.compile(r"\b(?:North Korea\w*|N\. ?Korea\w*|the North|DPRK|Pyongyang)\b")
# ... unless forces or an enforcement act are part of it (a Chinese trawler rammed a patrol boat)
_FORCES_NAMED = anchored(
    r"\b(?:navy|naval|military|warships?|seiz\w+|fired|shots?|illegal\w*|rammed|"
    r"spy|torpedo\w*|mines?|troops|soldiers|marines)\b",
    re.IGNORECASE,
)


def _civil_accident_at_sea(event: ExtractedEvent, sentences: Sequence[Sentence]) -> bool:
    if event.category != "border_maritime" or "North Korea" in event.actors:
        return False
    lede = " ".join(s.text for s in sentences[: LEDE_FOR_ACCIDENTS + 1])
    return (
        bool(_CIVIL_SEA.search(lede))
        and not _NORTH_NAMED.search(lede)
        and not _FORCES_NAMED.search(lede)
    )


# Trains, trucks and goods crossing the demarcation line under an agreement (the Kaesong park,
# the reopened railway) are inter-Korean traffic, not an incursion
_CIVIL_CROSSING = anchored(
    r"\b(?:trains?|cargo|freight|trucks?|buses|goods|products|tourists|commuters|vehicles|"
    r"convoys?|shipments?)\b[^.;]{0,60}?\bcross(?:ed|es|ing)?\b",
    re.IGNORECASE,
)


def _civil_crossing(event: ExtractedEvent) -> bool:
    if event.category != "border_maritime":
        return False
    return all(
        _CIVIL_CROSSING.search(text) and not _FORCES_NAMED.search(text) for text in event.evidence
    )


# Domestic politics here is the two Koreas': a Japanese election or a UN chief sworn in, whose
# actors are others and neither Korea nor its map, is another country's news
_KOREAN_ACTORS = frozenset(
    {"North Korea", "South Korea", "Kim Jong Un", "Kim Yo Jong", "Lee Jae Myung"}
)


def _politics_elsewhere(event: ExtractedEvent) -> bool:
    if event.category != "domestic" or not event.actors:
        return False  # no one named: a Korea-watching feed's own subject
    if _KOREAN_ACTORS.intersection(event.actors):
        return False
    return event.location is None or event.location.country not in {"KP", "KR"}


# "Putin meets North Korean minister: will he accept?": news, then a teaser question
_NEWS_BEFORE_QUESTION = re.compile(r"[:–—|]")


def _is_commentary(sentences: Sequence[Sentence]) -> bool:
    genre = genre_patterns()
    title = sentences[0].text
    for match in genre.commentary_title.finditer(title):
        if not (match.group(0).startswith("?") and _NEWS_BEFORE_QUESTION.search(title)):
            return True
    lead = genre.commentary_lead
    return any(lead.search(s.text, starts_in(s, lead)) for s in sentences[1:3])


def _non_security_headline(title: Sentence, supports: dict[str, Support]) -> bool:
    if not genre_patterns().non_security_title.search(title.text):
        return False
    return not any(t.sentence.is_title for s in supports.values() for t in s.main)


def _triggers(sentence: Sentence, *, gated: bool = True) -> list[Trigger]:
    found = []
    text = sentence.text
    scan = sentence_scan(sentence)
    for category in taxonomy():
        if scan is not None and category.strong not in scan.starts:
            continue  # none of its patterns can start anywhere in the sentence
        if gated and not _opens(category, sentence, scan):
            continue
        for match in _strong_matches(category, text, scan):
            start = match.start()
            if category.kinetic and (
                _MODAL_BEFORE.search(text[max(0, start - 40) : start])
                or _TOPIC_BEFORE.search(text[max(0, start - 70) : start])
            ):
                continue
            if _recalled(category, text[match.end() : match.end() + 40]):
                continue  # "acquired its first submarine from Germany in 1992": background
            incidental = sentence.segment_at(start)[2]
            found.append(Trigger(category.name, sentence, start, match.group(0), incidental))
    return found


def _opens(category: Category, sentence: Sentence, scan: SentenceScan | None) -> bool:
    if scan is not None and category.name in scan.opened:
        return True  # a text the scan found contains one of the gate stems
    return category.name in opened_categories(sentence)


def _strong_matches(
    category: Category, text: str, scan: SentenceScan | None
) -> list[re.Match[str]]:
    if scan is None:
        return category.strong.finditer(text)
    # the sentence scan has already found where the category's patterns may start
    return category.strong.finditer(text, scan.starts.get(category.strong, ()))


def _mentions(category: Category, sentence: Sentence) -> bool:
    """Whether a weak pattern of the category matches (it widens an event's sentences)."""
    scan = sentence_scan(sentence)
    if scan is None:
        return category.weak.search(sentence.text) is not None
    starts = scan.starts.get(category.weak, ())
    return category.weak.search(sentence.text, starts) is not None


def _supports(sentences: Sequence[Sentence], today) -> dict[str, Support]:  # type: ignore[no-untyped-def]
    order, by_name = _taxonomy_order(), _categories_by_name()
    supports: dict[str, Support] = {}
    for sentence in sentences:
        triggers = _triggers(sentence)
        if not triggers:
            continue
        main = [t for t in triggers if not t.incidental]
        if main:
            # several patterns often match one phrase: count distinct places in the sentence
            spots: dict[str, set[int]] = {}
            for t in main:
                spots.setdefault(t.category, set()).add(t.start)
            counts = {category: len(starts) for category, starts in spots.items()}
            # on a tie, the happening completed first: a lede's first predicate is its news
            # (ends, not starts: "conducts artillery firing drill" names the artillery first)
            ends: dict[str, int] = {}
            for t in main:
                end = t.start + len(t.text)
                ends[t.category] = min(ends.get(t.category, end), end)
            label = min(counts, key=lambda c: (-counts[c], ends[c], order[c]))
            best = next(t for t in main if t.category == label)
            if label not in supports:
                supports[label] = Support(by_name[label])
            supports[label].main.append(best)
        labelled = {t.category for t in main}
        for t in triggers:
            if not t.incidental or t.category in labelled:
                continue
            segment = sentence.segment_at(t.start)
            dates = _dates(sentence, today)
            if any(d.precision == "day" and segment[0] <= d.start < segment[1] for d in dates):
                if t.category not in supports:
                    supports[t.category] = Support(by_name[t.category])
                supports[t.category].dated_asides.append(t)
                labelled.add(t.category)
    return supports


@cache
def _taxonomy_order() -> dict[str, int]:
    return {c.name: i for i, c in enumerate(taxonomy())}


@cache
def _categories_by_name() -> dict[str, Category]:
    return {c.name: c for c in taxonomy()}


def _emitted(supports: dict[str, Support]) -> list[Support]:
    emitted = []
    for support in supports.values():
        indices = [t.sentence.index for t in support.main]
        body = [i for i in indices if i > 0]
        if (
            0 in indices
            or any(i <= 2 for i in body)
            or len(body) >= 2
            or support.dated_asides
            or any(_has_date(t.sentence) for t in support.main)
        ):
            emitted.append(support)
    names = {s.category.name for s in emitted}
    if {"missile_test", "artillery"} <= names and _only_rockets(emitted):
        # "fired 10 multiple launch rockets", later "the projectiles": an artillery firing
        emitted = [s for s in emitted if s.category.name != "missile_test"]
    elif "missile_test" in names:
        # a salvo of missiles and rockets is one test event (the seed report reads it so)
        emitted = [s for s in emitted if s.category.name != "artillery"]
    if "space_launch" in names:
        emitted = [
            s
            for s in emitted
            if s.category.name != "missile_test"
            or not all(_SATELLITE.search(t.sentence.text) for t in s.main)
        ]
    # the headline's event first, then the best-supported: a lede's aside comes after its news
    emitted.sort(key=lambda s: (s.first_index > 0, -len(s.main), s.first_index, s.category.name))
    return emitted[:MAX_EVENTS_PER_ARTICLE]


_MISSILE_WORD = anchored(
    r"\b(?:missiles?|ICBMs?|IRBMs?|SRBMs?|SLBMs?|KN-\d+|Hwasong|Pukguksong|Hwasal|ballistic|"
    r"warheads?|cruise)\b",
    re.IGNORECASE,
)


def _only_rockets(emitted: list[Support]) -> bool:
    """No missile is named in the article's launch sentences: only rockets and projectiles."""
    launches = [t for s in emitted if s.category.name == "missile_test" for t in s.main]
    return not any(_MISSILE_WORD.search(t.sentence.text) for t in launches)


_DIGIT_OR_DAY = re.compile(r"\d|day\b")


def _has_date(sentence: Sentence) -> bool:
    words = DATE_WORDS.search(sentence.text, starts_in(sentence, DATE_WORDS))
    return bool(words) and bool(_DIGIT_OR_DAY.search(sentence.text))


def _build_event(
    article: ArticleInput, sentences: Sequence[Sentence], support: Support, today
) -> ExtractedEvent:  # type: ignore[no-untyped-def]
    category = support.category
    triggers = sorted([*support.main, *support.dated_asides], key=lambda t: t.sentence.index)
    evidence = _dedupe([t.sentence for t in triggers])[:MAX_EVIDENCE]
    trigger_at = {t.sentence.index: t.start for t in triggers}
    evidence_ids = {s.index for s in evidence}
    mentioned = (s for s in sentences[1:] if s.index not in evidence_ids and _mentions(category, s))
    scope = [*evidence, *mentioned][:10]

    event_date, precision, date_reason = _event_date(triggers, sentences, today)
    asides = _aside_sentences(support)
    mention, place_reason = choose_place(
        category.name,
        [s for s in evidence if s.index not in asides],
        [s for s in scope if s.index not in asides],
        {i: at for i, at in trigger_at.items() if i not in asides},
        [s for s in sentences if s.index not in asides],
    )
    actors = _phrases("actors", actor_matcher(), evidence)
    if category.name in _OBSERVED:
        actors = _without_observers(actors, evidence)
    # a venue implied by who acted is more precise than a country named in passing
    venue = implied_venue(
        category.name, evidence, named=mention.place if mention else None, body=article.text
    )
    location: Location | None
    if venue is not None:
        location, place_reason = to_location(venue[0]), venue[1]
    else:
        location = to_location(mention.place) if mention else _country_fallback(actors)
    if mention is None and venue is None and location is not None:
        place_reason = f"only the country is known ({location.name})"
    status, claim_reason = claim_status(scope, sentences[0], category.name, actors, sentences[1:])
    weapons = _phrases("weapons", weapon_matcher(), evidence)
    classes = [weapon_classes()[w] for w in weapons]
    figures = extract_figures([s.text for s in scope], category.name)
    impact = _impact_area(category.name, location, scope)
    if impact is not None:
        figures[merge.IMPACT] = merge.impact_record(impact)
    joined = " ".join(s.text for s in evidence)
    severity, severity_reasons = rules.severity(category.name, classes, figures, joined)
    reliability = article.reliability or source_grades().get(article.source.strip().lower())
    confidence, confidence_reasons = rules.confidence(
        claim_status=status,
        reliability=reliability,
        evidence_count=len(evidence),
        location_precision=location.precision if location else None,
        date_precision=precision,
    )
    actor_name = next((a for a in actors if a in _STATE_ACTORS), actors[0] if actors else "")
    title = category.label + (f": {actor_name}" if actor_name else "")
    if location and location.name != actor_name:
        title += f" — {location.name}"
    summary_sentence = next((s for s in evidence if not s.is_title), evidence[0])
    return ExtractedEvent(
        category=category.name,
        title=title,
        summary=summary_sentence.text[:500],
        event_date=event_date,
        date_precision=precision,
        location=location,
        actors=actors,
        weapons=weapons,
        figures=figures,
        severity=severity,
        claim_status=status,
        confidence=confidence,
        evidence=[s.text for s in evidence],
        reasons={
            "category": [
                f"'{t.text[:80]}' in {'title' if t.sentence.is_title else f'sentence {t.sentence.index}'}"
                + (" (dated aside)" if t.incidental else "")
                for t in triggers
            ][:MAX_EVIDENCE],
            "date": [date_reason],
            "location": [place_reason],
            "claim_status": [claim_reason],
            "severity": severity_reasons,
            "confidence": confidence_reasons,
        },
    )


_FELL_CUES = frozenset({"into", "toward", "towards", "off", "in"})


def _aside_sentences(support: Support) -> set[int]:
    """Sentences that only tell of this kind of event in a dated aside ("hours after the North
    launched a missile on Sunday, as a US submarine arrived in Busan"): they are about another
    happening, so their places are not this event's (unless the event rests on asides alone)."""
    if not support.main:
        return set()
    own = {t.sentence.index for t in support.main}
    return {t.sentence.index for t in support.dated_asides} - own


def _impact_area(category: str, location: Location | None, scope: Sequence[Sentence]) -> str | None:
    """The sea a launch fell into when the article names both it and the launch site ("from
    Jongju into the Yellow Sea"): kept beside the site, as merging mentions keeps it."""
    if category not in merge.LAUNCH_FAMILY or location is None:
        return None
    seas = [
        m.place.id
        for s in scope
        for m in place_mentions(s)
        if m.place.precision == "sea" and m.cue in _FELL_CUES
    ]
    return merge.impact_area(location.id, seas) if seas else None


def _dedupe(sentences: Sequence[Sentence]) -> list[Sentence]:
    seen: set[int] = set()
    out = []
    for s in sentences:
        if s.index not in seen:
            seen.add(s.index)
            out.append(s)
    return out


def _event_date(triggers: Sequence[Trigger], sentences: Sequence[Sentence], today):  # type: ignore[no-untyped-def]
    """The date nearest after the trigger in its own clause, else before it, else the lead's."""
    for trigger in triggers:
        start, end, _ = trigger.sentence.segment_at(trigger.start)
        text = trigger.sentence.text
        mentions = [d for d in _dates(trigger.sentence, today) if not _framing_month(text, d)]
        # "..., the ministry said on Monday": the day it was said, not the day it happened
        happened = _happened(trigger.sentence, mentions)
        if not happened and mentions:
            # only the day it was said: the next sentences often tell when it happened
            report = _nearest(mentions, trigger.start)
            index = trigger.sentence.index
            earlier = report and _happened_before(report, sentences, index, today)
            if earlier:
                return earlier.date, earlier.precision, f"'{earlier.text}' after the report day"
        if happened or len(mentions) > 1:
            mentions = happened
        own = [d for d in mentions if start <= d.start < end] or mentions
        chosen = _nearest(own, trigger.start)
        if chosen:
            return chosen.date, chosen.precision, f"'{chosen.text}' next to the trigger"
    for sentence in sentences[1:4]:
        mentions = [d for d in _dates(sentence, today) if not _framing_month(sentence.text, d)]
        if mentions:
            d = mentions[0]
            return d.date, d.precision, f"'{d.text}' in the lead (sentence {sentence.index})"
    past = _past_year(triggers, today)
    if past is not None:
        year, said = past
        return dt.date(year, 1, 1), "year", f"'{said}': an earlier year's happening, reported now"
    if today.known == "day":
        return today.latest, "unknown", "no date in the text: publish day (KST) assumed"
    if today.first is not None:
        return today.first, today.known, f"no date in the text: the publish {today.known}"
    return None, "unknown", "no date in the text and no publish date"


def _happened(sentence: Sentence, mentions: Sequence[DateMention]) -> list[DateMention]:
    """The mentions that are not the day something was said ("the ministry said on Monday")."""
    text = sentence.text
    return [d for d in mentions if not _SAID_BEFORE.search(text[max(0, d.start - 25) : d.start])]


def _framing_month(text: str, mention: DateMention) -> bool:
    """A month that names another happening ("in response to last month's test") or the start
    of a stretch of time ("has shipped shells since August"): not the day of this event."""
    if mention.precision != "month":
        return False
    return text.startswith(_POSSESSIVE, mention.end) or mention.text[:5].lower() == "since"


_POSSESSIVE = ("'s", "’s")


def _happened_before(
    said: DateMention, sentences: Sequence[Sentence], index: int, today: Anchor
) -> DateMention | None:
    """A day the next sentences give that lies shortly before the report day ("said Monday.
    ... The test on Saturday ..."): a report comes days after what it reports, never before."""
    for sentence in sentences[index + 1 : index + 1 + REPORT_LOOKAHEAD_SENTENCES]:
        for d in _happened(sentence, _dates(sentence, today)):
            if d.precision == "day" and 0 <= (said.date - d.date).days <= REPORT_LAG_DAYS:
                return d if d.date < said.date else None  # the report's own day: it stands
    return None


_SAID_BEFORE = re.compile(
    r"\b(?:said|says|told|announced|reported|stated|added|confirmed|disclosed|revealed|dated)"
    r"(?:\s+(?:in a statement|on its website|in a release))?\s+(?:on\s+)?$",
    re.IGNORECASE,
)
_PAST_YEAR = anchored(r"\b(?:(?:in|during|throughout)\s+((?:19|20)\d\d)|last year)\b", re.I)


def _past_year(triggers: Sequence[Trigger], today: Anchor) -> tuple[int, str] | None:
    """A year before the publish year that the event's own sentences put it in ("stole $2
    billion in 2025", "hacked last year"): a report today of last year's theft is dated then."""
    for trigger in triggers:
        for match in _PAST_YEAR.finditer(trigger.sentence.text):
            said = match.group(0)
            if match.group(1) is None:
                if today.latest is None or today.known not in {"day", "month"}:
                    continue
                return today.latest.year - 1, said
            year = int(match.group(1))
            if today.latest is None or year < today.latest.year:
                return year, said
    return None


def _dates(sentence: Sentence, today) -> list[DateMention]:  # type: ignore[no-untyped-def]
    if "dates" not in sentence.memo:
        sentence.memo["dates"] = find_dates(sentence.text, today, starts_in(sentence, DATES))
    return sentence.memo["dates"]  # type: ignore[no-any-return]


def _nearest(mentions: Sequence[DateMention], position: int) -> DateMention | None:
    after = [d for d in mentions if d.start >= position]
    if after:
        return after[0]
    before = [d for d in mentions if d.start < position]
    return before[-1] if before else None


def _phrases(kind: str, matcher: PhraseMatcher, sentences: Sequence[Sentence]) -> list[str]:
    """The keys of `matcher`'s phrases in the sentences, first seen first, each once."""
    names: list[str] = []
    for sentence in sentences:
        if kind not in sentence.memo:  # a sentence may support several events
            sentence.memo[kind] = _keys_in(matcher, sentence)
        for key in sentence.memo[kind]:
            if key not in names:
                names.append(key)
    return names


# kinds of event whose foreign sources only observe them (a JCS that detects a launch, an FBI
# that attributes a hack): who acted is not who spoke
_OBSERVED = frozenset({"missile_test", "space_launch", "nuclear", "artillery", "cyber"})
_NORTH_SIDE = frozenset({"North Korea", "Kim Jong Un", "Kim Yo Jong", "Lazarus Group"})
_SPEAKER_AFTER = re.compile(
    r"^(?:['’]s?)?(?:\s+[\w.()-]+){0,4}?\s+(?:said|says|say|told|reported|reports|announced|"
    r"confirmed|confirms|stated|noted|added|detected|detects|assessed|identified|attributed|"
    r"blamed|accused|estimated)\b",
    re.IGNORECASE,
)
_ACCORDING_BEFORE = re.compile(r"\baccording to\s+(?:the\s+)?(?:[\w.-]+\s+){0,3}$", re.I)


def _without_observers(actors: list[str], evidence: Sequence[Sentence]) -> list[str]:
    """The actors less those named only as the source of what the sentences say."""
    if all(a in _NORTH_SIDE for a in actors):
        return actors  # the North acts; nothing to tell apart
    acting: set[str] = set()
    matcher = actor_matcher()
    for sentence in evidence:
        text = sentence.text
        for hit in matcher.find_in(sentence):
            if text[hit.end : hit.end + 1] == "$":
                continue
            speaking = _SPEAKER_AFTER.match(
                text[hit.end : hit.end + 60]
            ) or _ACCORDING_BEFORE.search(text[max(0, hit.start - 40) : hit.start])
            # "N. Korea fires missile: JCS" names its source at the end of the headline
            headline_source = not text[hit.end :].strip(" .'\"”") and text[
                : hit.start
            ].rstrip().endswith((":", ","))
            if not speaking and not headline_source:
                acting.update(hit.keys)
    return [a for a in actors if a in _NORTH_SIDE or a in acting]


def _keys_in(matcher: PhraseMatcher, sentence: Sentence) -> list[str]:
    keys: list[str] = []
    text = sentence.text
    for hit in matcher.find_in(sentence):
        if text[hit.end : hit.end + 1] == "$":
            continue  # "US$2 billion" is a currency, not an actor
        keys += [key for key in hit.keys if key not in keys]
    return keys


def _country_fallback(actors: Sequence[str]) -> Location | None:
    """Only the country, when the sentences name exactly one state (or North Korea first)."""
    states = [a for a in actors if a in _STATE_ACTORS]
    if not states:
        return None
    if len(states) > 1 and states[0] != "North Korea":
        return None
    return to_location(gazetteer()[_COUNTRY_IDS[states[0]]])
