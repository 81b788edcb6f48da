"""The package's data files, loaded once, and the phrase matchers compiled from them.

Phrase tables (actors, weapons) compile to one regular expression each,
shaped as a prefix tree (``sun(?:an(?: airport)?)?``) so a scan costs one pass over the text and
the longest alias wins. Matching runs on folded text (lower case, no diacritics, same length).
The gazetteer's thousands of names have their own matcher (gazetteer.py, Aho-Corasick).

The sentence scan (`sentence_scan`, made once per sentence and kept in its memo) is one pass
over an ASCII sentence that finds where every category's strong and weak patterns, every
table's phrases, the date expressions and the attribution patterns may start (scan.py); each
is then tried only there, which finds exactly what scanning the sentence with it alone would.
Claim and genre patterns are compiled here, from lexicon.toml, for that reason.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

from app.extraction.dates import DATE_WORDS, DATES
from app.extraction.gazetteer import Place, PlaceMatcher, matcher, places
from app.extraction.scan import AnchoredPattern, Locator, is_plain_ascii, trie_pattern
from app.extraction.text import Sentence, fold

_HANGUL_END = "(?:(?<=[\u3131-\ud7a3])|(?![^\\W_]))"
# up to this many stems, a gate is tested with `in` (C's substring search), which measured
# faster than the prefix-tree regex; longer gates keep the regex
_FEW_STEMS = 20
# a stretch of one clause: no full stop or semicolon, but the stops of "U.S." and "U.N."
_CLAUSE_GAP = r"(?:[^.;]|(?<=[A-Z])\.)"
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


class PhraseHit(NamedTuple):  # one per hit: a NamedTuple builds faster than a frozen dataclass
    start: int
    end: int
    keys: tuple[str, ...]  # ids (or canonical names) the phrase may stand for


class PhraseMatcher:
    """Longest-match, word-bounded phrase finder over folded text."""

    def __init__(self, table: Iterable[tuple[str, str]]) -> None:
        by_phrase: dict[str, list[str]] = {}
        exact_case: dict[str, str] = {}
        for phrase, key in table:
            folded = fold(phrase.strip())
            if not folded:
                continue
            if key not in by_phrase.setdefault(folded, []):
                by_phrase[folded].append(key)
            # short all-caps aliases (DMZ, NLL, US, TEL) must match in capitals only
            if phrase.isupper() and phrase.isascii() and len(phrase) <= 5:
                exact_case[folded] = phrase
        self._keys = {p: tuple(k) for p, k in by_phrase.items()}
        self._exact_case = exact_case
        self._regex, self._after_boundary = _phrase_regexes(by_phrase)
        # Hangul and Cyrillic aliases cannot match ASCII text (nearly every sentence), yet
        # their branches of the prefix tree cost as much as the rest at every word
        self.ascii_phrases = frozenset(p for p in by_phrase if p.isascii())
        self._ascii_regexes = _phrase_regexes(self.ascii_phrases)

    def find_in(self, sentence: Sentence) -> Iterator[PhraseHit]:
        """`find` on a sentence, trying only where its scan saw one of the phrases start."""
        starts = starts_in(sentence, self)
        if starts is None:
            return self.find(sentence.folded, sentence.text)
        return self._hits(self._matches_from(sentence.folded, starts), sentence.text)

    def find(self, folded: str, original: str) -> Iterator[PhraseHit]:
        return self._hits(self._matches(folded), original)

    def _hits(self, matches: Iterable[re.Match[str]], original: str) -> Iterator[PhraseHit]:
        for match in matches:
            phrase = match.group(0)
            wanted = self._exact_case.get(phrase)
            if wanted is not None and original[match.start() : match.end()] != wanted:
                continue
            yield PhraseHit(match.start(), match.end(), self._keys[phrase])

    def _matches(self, folded: str) -> list[re.Match[str]]:
        """`self._regex.finditer(folded)`, trying only where a phrase follows a boundary."""
        if folded.isascii():
            regex, after_boundary = self._ascii_regexes
        else:
            regex, after_boundary = self._regex, self._after_boundary
        match, next_boundary = regex.match, after_boundary.search
        found = []
        hit = match(folded)
        if hit:
            found.append(hit)
        # the boundary character before the next phrase may be the last one of this phrase
        candidate = next_boundary(folded, hit.end() - 1 if hit else 0)
        while candidate:
            start = candidate.start() + 1
            hit = match(folded, start)
            if hit:
                found.append(hit)
            candidate = next_boundary(folded, hit.end() - 1 if hit else start)
        return found

    def _matches_from(self, folded: str, starts: Iterable[int]) -> list[re.Match[str]]:
        """`_matches`, given (in order) every position of the ASCII text `folded` where one of
        the phrases starts at a word: the same tries, without the search for them."""
        match = self._ascii_regexes[0].match
        found = []
        end = 0
        for start in starts:
            if start < end:
                continue  # inside the previous phrase
            hit = match(folded, start)
            if hit:
                found.append(hit)
                end = hit.end()
        return found


def _phrase_regexes(phrases: Iterable[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The phrases as one word-bounded prefix tree, and the same tree after a boundary."""
    tree = trie_pattern(phrases) or "(?!)"  # no phrase: nothing matches
    regex = re.compile(f"(?<![^\\W_])(?:{tree}){_HANGUL_END}")
    # a phrase starts at the text's start or after a non-word character: a pattern that
    # starts with such a character lets `re` skip over letters fast, unlike the lookbehind
    # ([^0-9a-z] takes in every non-word character; the first pattern then checks the lookbehind)
    return regex, re.compile(f"[^0-9a-z](?:{tree})")


def _data(name: str) -> str:
    return resources.files("app.extraction").joinpath("data", name).read_text(encoding="utf-8")


@cache
def gazetteer() -> dict[str, Place]:
    """Every place by id: the curated list, then GeoNames' places abroad (gazetteer.py)."""
    return places()


@cache
def place_matcher() -> PlaceMatcher:
    """Every name of every place finer than a country (countries come from actors instead),
    with the peninsula's spelling variants and typos (gazetteer.py). Its own Aho-Corasick pass,
    not the sentence scan: thousands of names would slow the scan's prefix tree."""
    return matcher()


@cache
def lexicon() -> dict[str, Any]:
    return tomllib.loads(_data("lexicon.toml"))


@cache
def actor_matcher() -> PhraseMatcher:
    return PhraseMatcher(
        (alias, actor["name"]) for actor in lexicon()["actors"] for alias in actor["aliases"]
    )


@cache
def weapon_matcher() -> PhraseMatcher:
    return PhraseMatcher(
        (alias, weapon["name"]) for weapon in lexicon()["weapons"] for alias in weapon["aliases"]
    )


@cache
def weapon_classes() -> dict[str, str]:
    return {weapon["name"]: weapon["class"] for weapon in lexicon()["weapons"]}


@cache
def source_grades() -> dict[str, str]:
    return {name.lower(): grade for name, grade in lexicon()["sources"].items()}


@dataclass(frozen=True, slots=True, eq=False)
class ClaimPatterns:
    """Who the text says the information comes from (claims.py applies them)."""

    authority_name: AnchoredPattern  # an independent authority (claims.py pairs it with a verb)
    verb: AnchoredPattern  # the verb alone: most sentences lack it and skip the rest
    headline: AnchoredPattern  # ": Seoul" ending a headline
    state: AnchoredPattern  # the actor's own state media or government
    official_act: AnchoredPattern  # an official body, then a verb of doing (it carried it out)
    act_verb: AnchoredPattern  # the verb of doing alone: most sentences lack it
    country_act: re.Pattern[str]  # a state's name (not the North), then a verb of doing
    state_launch: re.Pattern[str]  # a state (not the North), or its forces, then a launch verb
    independent: AnchoredPattern  # think tanks, imagery analysts: a report, not a claim
    media: AnchoredPattern  # the press as the source: a report


@cache
def claim_patterns() -> ClaimPatterns:
    spec = lexicon()["claims"]
    authority, verb = spec["authority"], spec["authority_verb"]
    return ClaimPatterns(
        verb=_ignoring_case(rf"\b{verb}\b"),
        authority_name=_ignoring_case(rf"\b(?:{authority})(?!\w)"),  # "U.N." ends in a dot
        headline=_ignoring_case(spec["headline_authority"]),
        state=_ignoring_case(spec["state_media"]),
        act_verb=_ignoring_case(rf"\b{spec['official_act']}\b"),
        independent=_ignoring_case(rf"\b{spec['independent_source']}\b"),
        media=_ignoring_case(rf"\b(?:{spec['media_source']})\b"),
        official_act=_ignoring_case(
            rf"\b(?P<actor>{spec['official_actor']})(?!\w){_CLAUSE_GAP}{{0,60}}?"
            rf"\b(?P<act>{spec['official_act']})\b"
        ),
        country_act=re.compile(
            rf"(?-i:(?P<actor>{_independent_states()})\b){_CLAUSE_GAP}{{0,40}}?"
            rf"\b(?P<act>{spec['official_act']})\b",
            re.IGNORECASE,
        ),
        state_launch=re.compile(
            rf"(?-i:(?P<actor>{_independent_states()})\b)(?:.s (?:military|navy|army|air force|"
            r"space agency|forces))?\s+(?:(?:has|have|had|successfully|also|again|on \w+day)\s+)*"
            r"(?P<act>launched|launches|test-fired|test-fires|fired|fires|tested|tests)\b",
            re.IGNORECASE,
        ),
    )


# the North's own acts are claims of its state, not acts of an independent official body
_NOT_INDEPENDENT = frozenset({"KP"})


def _independent_states() -> str:
    """The gazetteer's country names but the North's, longest first, as an alternation that
    starts at a word (what `\\b(?:...)` finds, see `_at_word_start`)."""
    names = {
        p.name
        for p in places().values()
        if p.precision == "country" and p.country not in _NOT_INDEPENDENT
    }
    return _at_word_start(sorted(names, key=len, reverse=True))


def _at_word_start(names: Sequence[str]) -> str:
    """`\\b(?:name|name|...)` for names that start with a word character, written as one branch
    per first character, each followed by the boundary's lookbehind ("A(?<!\\w.)(?:fghanistan|
    ...)"): a pattern that starts with literal characters lets `re` skip to them, while one that
    starts with `\\b` is tried at every position. The same matches: a name can only match where
    its first character stands, and the names of one first character keep their order."""
    if not all(_WORD_CHAR.match(name) for name in names):
        return rf"\b(?:{'|'.join(re.escape(name) for name in names)})"
    rests: dict[str, list[str]] = {}
    for name in names:
        rests.setdefault(name[0], []).append(re.escape(name[1:]))
    branches = [rf"{re.escape(first)}(?<!\w.)(?:{'|'.join(r)})" for first, r in rests.items()]
    return f"(?:{'|'.join(branches)})"


_WORD_CHAR = re.compile(r"\w")


@dataclass(frozen=True, slots=True, eq=False)
class GenrePatterns:
    """Discussion pieces and non-security headlines (core.py applies them)."""

    commentary_title: AnchoredPattern
    commentary_lead: AnchoredPattern
    non_security_title: AnchoredPattern


@cache
def genre_patterns() -> GenrePatterns:
    spec = lexicon()["genre"]
    return GenrePatterns(
        commentary_title=_ignoring_case(spec["commentary_title"]),
        commentary_lead=_ignoring_case(spec["commentary_lead"]),
        non_security_title=_ignoring_case(spec["non_security_title"]),
    )


def _ignoring_case(pattern: str) -> AnchoredPattern:
    return AnchoredPattern(re.compile(pattern, re.IGNORECASE))


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    label: str
    kinetic: bool
    gate: tuple[str, ...]
    strong: AnchoredPattern  # every strong pattern as one alternation: one scan per sentence
    weak: AnchoredPattern
    gate_stems: re.Pattern[str]  # the gate as one prefix tree, searched in folded text

    def opens(self, folded: str) -> bool:
        """Whether the sentence contains a gate stem (anywhere, even inside a word)."""
        if len(self.gate) <= _FEW_STEMS:
            return any(map(folded.__contains__, self.gate))
        return self.gate_stems.search(folded) is not None


@cache
def _gate_automaton() -> Any:
    """Every category's gate stems in one Aho-Corasick automaton: one pass over a sentence
    tells which categories it opens (what `Category.opens` tells one category at a time)."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    owners: dict[str, set[str]] = {}
    for category in taxonomy():
        for stem in category.gate:
            owners.setdefault(stem, set()).add(category.name)
    for stem, names in owners.items():
        automaton.add_word(stem, frozenset(names))
    automaton.make_automaton()
    return automaton


def opened_categories(sentence: Sentence) -> frozenset[str]:
    """The categories whose gate stems the sentence contains (anywhere, even inside a word)."""
    if "opened" not in sentence.memo:
        found: set[str] = set()
        for _, names in _gate_automaton().iter(sentence.folded):
            found |= names
        sentence.memo["opened"] = frozenset(found)
    return sentence.memo["opened"]  # type: ignore[no-any-return]


@cache
def taxonomy() -> tuple[Category, ...]:
    data = tomllib.loads(_data("taxonomy.toml"))
    macros: dict[str, str] = data["macros"]

    def expand(pattern: str) -> str:
        for name, value in macros.items():
            pattern = pattern.replace("{" + name + "}", value)
        return pattern

    categories = []
    for name, spec in data["categories"].items():
        strong = AnchoredPattern(
            re.compile("|".join(f"(?:{expand(p)})" for p in spec["strong"]), re.IGNORECASE)
        )
        weak = AnchoredPattern(re.compile("|".join(expand(p) for p in spec["weak"]), re.IGNORECASE))
        gate = tuple(stem.lower() for stem in spec["gate"])
        stems = re.compile(trie_pattern(gate))
        categories.append(Category(name, spec["label"], spec["kinetic"], gate, strong, weak, stems))
    return tuple(categories)


Search = AnchoredPattern | PhraseMatcher  # what one scan of a sentence locates at once


@dataclass(slots=True, eq=False)
class SentenceScan:
    """Where, in a lower-cased ASCII sentence, each search of the sentence index may start."""

    starts: dict[Search, list[int]]  # in order; a search absent from it starts nowhere
    opened: set[str]  # categories whose gate a text found already shows open ('missile')
    indexed: frozenset[Search]  # every search of the index

    def starts_of(self, search: Search) -> Sequence[int] | None:
        """The positions where `search` may start; None when the index does not cover it."""
        if search not in self.indexed:
            return None
        return self.starts.get(search, ())


@cache
def _sentence_index() -> tuple[Locator, dict[str, tuple[tuple[Search, ...], tuple[str, ...]]]]:
    """One prefix tree of every text the sentence scan looks for: the prefixes of every
    category's strong and weak patterns, the ASCII phrases of the actor and weapon
    tables and the prefixes of the other whole-sentence patterns. For each text it may find:
    the searches that may start there, and the categories whose gate stems it contains."""
    categories = taxonomy()
    wanted: list[Search] = [p for c in categories for p in (c.strong, c.weak)]
    wanted += [actor_matcher(), weapon_matcher(), *_other_sentence_patterns()]
    by_text: dict[str, list[Search]] = {}
    for search in wanted:
        for text in _scan_texts(search) or ():  # a search left out scans the sentence itself
            by_text.setdefault(text, []).append(search)

    # the longest text found at a position stands for every text that is a prefix of it
    def owners(text: str) -> tuple[Search, ...]:
        found: list[Search] = []
        for end in range(1, len(text) + 1):
            found += [s for s in by_text.get(text[:end], ()) if s not in found]
        return tuple(found)

    def opened(text: str) -> tuple[str, ...]:
        return tuple(c.name for c in categories if any(stem in text for stem in c.gate))

    index = {text: (owners(text), opened(text)) for text in by_text}
    return Locator(by_text, at_word_start=True), index


def _scan_texts(search: Search) -> frozenset[str] | None:
    """Texts, one of which starts every match of `search`, each at a word and with a letter or
    digit (where the scan looks: the start of the text or after any other character, which
    takes in `\\b` and the phrase tables' boundaries); None when that cannot be said."""
    if isinstance(search, PhraseMatcher):
        texts = search.ascii_phrases
    elif search.prefixes and search.at_word_start:
        texts = search.prefixes
    else:
        return None
    return texts if all(text[0] in _ASCII_ALNUM for text in texts) else None


def _other_sentence_patterns() -> tuple[AnchoredPattern, ...]:
    """Patterns the extractor tries on whole sentences that start at a word: the dates, who
    says so, and the lead of a discussion piece."""
    claims = claim_patterns()
    return (
        DATES,
        DATE_WORDS,
        claims.verb,
        claims.authority_name,
        claims.act_verb,
        claims.independent,
        genre_patterns().commentary_lead,
    )


def scan_sentence(lowered: str) -> SentenceScan:
    """Where each search of the sentence index may start in a lower-cased ASCII text."""
    locator, index = _sentence_index()
    scan = SentenceScan({}, set(), _indexed_searches())
    starts = scan.starts
    for position, text in locator.find(lowered):
        searches, opened = index[text]
        for search in searches:
            starts.setdefault(search, []).append(position)
        if opened:
            scan.opened.update(opened)
    return scan


@cache
def _indexed_searches() -> frozenset[Search]:
    return frozenset(search for searches, _ in _sentence_index()[1].values() for search in searches)


def sentence_scan(sentence: Sentence) -> SentenceScan | None:
    """The sentence's scan, made once; None unless the text is plain ASCII (scan.is_plain_ascii):
    elsewhere ignoring case is more than lower-casing ('ı' matches 'i') and every search scans
    the sentence itself."""
    if "scan" not in sentence.memo:
        plain = is_plain_ascii(sentence.text) and _every_category_scanned()
        sentence.memo["scan"] = scan_sentence(sentence.folded) if plain else None
    return sentence.memo["scan"]  # type: ignore[no-any-return]


def starts_in(sentence: Sentence, search: Search) -> Sequence[int] | None:
    """Where the sentence's scan saw `search` may start; None when the sentence has no scan
    (text that is not plain ASCII) or the scan does not look for `search`."""
    scan = sentence_scan(sentence)
    return scan.starts_of(search) if scan is not None else None


@cache
def _every_category_scanned() -> bool:
    """Whether the scan looks for every category pattern (else a sentence without a start of
    one would look like a sentence where it cannot match)."""
    return all(_scan_texts(c.strong) and _scan_texts(c.weak) for c in taxonomy())


@cache
def category_labels() -> dict[str, str]:
    return {c.name: c.label for c in taxonomy()}


def warm_up() -> None:
    """Compile every table now (servers call this at start; the first request stays fast)."""
    place_matcher()
    actor_matcher()
    weapon_matcher()
    taxonomy()
    claim_patterns()
    genre_patterns()
    _sentence_index()
    _gate_automaton()
    source_grades()
