"""The package's data files, loaded once, and the phrase matchers compiled from them.

Phrase tables (gazetteer aliases, actors, weapons) compile to one regular expression each,
shaped as a prefix tree (``sun(?:an(?: airport)?)?``) so a scan costs one pass over the text and
the longest alias wins. Matching runs on folded text (lower case, no diacritics, same length).
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from app.extraction.scan import AnchoredPattern, Locator, trie_pattern
from app.extraction.text import fold

_HANGUL_END = "(?:(?<=[\u3131-\ud7a3])|(?![^\\W_]))"


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    name: str
    aliases: tuple[str, ...]
    precision: str
    lat: float
    lon: float
    country: str
    kind: str
    source: str


@dataclass(frozen=True, slots=True)
class PhraseHit:
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
        self._ascii_regexes = _phrase_regexes([p for p in by_phrase if p.isascii()])

    def find(self, folded: str, original: str) -> Iterator[PhraseHit]:
        for match in self._matches(folded):
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
    rows = csv.DictReader(_data("gazetteer.csv").splitlines())
    places = {}
    for row in rows:
        place = Place(
            id=row["id"],
            name=row["name"],
            aliases=tuple(a for a in row["aliases"].split("|") if a),
            precision=row["precision"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            country=row["country"],
            kind=row["kind"],
            source=row["source"],
        )
        places[place.id] = place
    return places


@cache
def place_matcher() -> PhraseMatcher:
    """Every alias of every place finer than a country (countries come from actors instead)."""
    table = []
    for place in gazetteer().values():
        if place.precision == "country":
            continue
        for alias in (place.name, *place.aliases):
            table.append((alias, place.id))
    return PhraseMatcher(table)


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
        return self.gate_stems.search(folded) is not None


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


@dataclass(frozen=True, slots=True)
class SentenceScan:
    """Where, in a lower-cased ASCII sentence, each category's patterns may start."""

    strong_starts: dict[str, list[int]]
    weak_starts: dict[str, list[int]]
    opened: set[str]  # categories whose gate a text found already shows open ('missile')


@cache
def _category_index() -> tuple[Locator, dict[str, tuple[tuple[str, ...], ...]]]:
    """Every prefix of every strong and weak pattern as one prefix tree, and for each text
    found, the categories whose strong (weak) patterns may start there and those whose gate
    stems it contains."""
    categories = taxonomy()
    tables: tuple[dict[str, set[str]], dict[str, set[str]]] = ({}, {})
    for category in categories:
        for table, pattern in zip(tables, (category.strong, category.weak), strict=True):
            for text in pattern.prefixes or ():
                table.setdefault(text, set()).add(category.name)
    every_text = tables[0].keys() | tables[1].keys()

    # the longest text found at a position stands for every text that is a prefix of it
    def owners(text: str, table: dict[str, set[str]]) -> tuple[str, ...]:
        names = set().union(*(n for key, n in table.items() if text.startswith(key)))
        return tuple(c.name for c in categories if c.name in names)

    patterns = [p for c in categories for p in (c.strong, c.weak)]
    at_boundary = all(p.at_word_start for p in patterns)

    def opened(text: str) -> tuple[str, ...]:
        return tuple(c.name for c in categories if any(stem in text for stem in c.gate))

    index = {
        text: (*(owners(text, table) for table in tables), opened(text)) for text in every_text
    }
    return Locator(every_text, at_boundary), index


def scan_sentence(lowered: str) -> SentenceScan:
    """Per category, the positions where its strong and weak patterns may start."""
    locator, index = _category_index()
    scan = SentenceScan({}, {}, set())
    for position, text in locator.find(lowered):
        strong, weak, opened = index[text]
        for name in strong:
            scan.strong_starts.setdefault(name, []).append(position)
        for name in weak:
            scan.weak_starts.setdefault(name, []).append(position)
        scan.opened.update(opened)
    return scan


@cache
def category_labels() -> dict[str, str]:
    return {c.name: c.label for c in taxonomy()}


def warm_up() -> None:
    """Compile every table now (servers call this at start; the first request stays fast)."""
    place_matcher()
    actor_matcher()
    weapon_matcher()
    taxonomy()
    _category_index()
    source_grades()
