"""Faster scans with the very same matches: try a pattern only where it can start.

Python's `re` tries a pattern at every position of the text, and with re.IGNORECASE it gets
no fast skip over positions that cannot start a match; a long alternation ("fired ... missiles"
or "held ... talks" or ...) therefore costs its full length at every character. Yet almost every
pattern here starts with a word ("fired", "KCNA", "May"): `literal_prefixes` reads the parsed
pattern and lists the literal texts a match must start with, a `Locator` finds those texts
(one case-sensitive prefix tree, tried only after a non-word character when the pattern starts
with `\\b`) and the pattern is tried only there. The extractor runs one `Locator` per sentence
for the patterns of every category, the phrases of the gazetteer, actor and weapon tables, the
dates and the attribution patterns at once (lexicon.sentence_scan), and hands each pattern the
positions found for it (`finditer(text, starts)`).

The results are those of `pattern.finditer` / `pattern.search`, exactly: a match can only start
where one of its prefixes stands, and trying the candidates in order, each from the end of the
previous match, is what `finditer` does. The shortcut is taken on ASCII text only, where
ignoring case is plain ASCII lower-casing (elsewhere "ı" matches "i" and so on, so non-ASCII
text, under 1% of sentences, takes the ordinary scan). A pattern whose start cannot be read as
literal text (one starting with `\\w` or `.`) always takes the ordinary scan. On the positions
a sentence scan hands over (plain ASCII text, `is_plain_ascii`), a case-blind pattern runs as
its re.ASCII twin, which finds the same there and compares letters without Unicode case maps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

_ZERO_WIDTH = frozenset({sre.AT, sre.ASSERT, sre.ASSERT_NOT})
_REPEATS = frozenset({sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT})
_CLASS_CHARS = {  # ASCII members of the classes a pattern may start with (text is ASCII here)
    sre.CATEGORY_DIGIT: "0123456789",
    sre.CATEGORY_UNI_DIGIT: "0123456789",
}
_ASCII_CASE_TWINS = frozenset("ıİſ\u212a")  # re.IGNORECASE: 'ı' and 'İ' match 'i', ...
_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_MAX_CLASS = 10  # a wider first character (\w, [^.]) makes the prefix useless
_SHORT_RUN = 4  # prefixes this short find too many places...
_MAX_TAILS = 12  # ...unless lengthening them means searching for too many texts
Match = Callable[[str, int], "re.Match[str] | None"]  # a compiled pattern's `match`


class AnchoredPattern:
    """A compiled pattern plus a finder for the places where its matches can start."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        # kept whole, never looked up in a cache: hashing a compiled pattern costs microseconds
        self.pattern = pattern
        self.prefixes = literal_prefixes(pattern)
        self.at_word_start = starts_at_word_boundary(pattern)
        self.starts = Locator(self.prefixes, self.at_word_start) if self.prefixes else None
        self._plain = _ascii_twin(pattern)
        self._plain_match = self._plain.match

    def finditer(self, text: str, starts: Iterable[int] | None = None) -> list[re.Match[str]]:
        """The same matches as `pattern.finditer(text)`. `starts`: every position, in order,
        where a sentence scan saw one of the prefixes (it scans plain ASCII text only)."""
        if starts is not None:
            return _finditer_at(self._plain_match, text, starts)
        if not text.isascii():
            return list(self.pattern.finditer(text))
        # plain ASCII text (nearly all): the ASCII twin, which finds the same, costs less
        pattern = self._plain if is_plain_ascii(text) else self.pattern
        if self.starts is None:
            return list(pattern.finditer(text))
        return _finditer_at(pattern.match, text, self.starts.positions(text.lower()))

    def search(self, text: str, starts: Iterable[int] | None = None) -> re.Match[str] | None:
        """The same match as `pattern.search(text)`; `starts` as for `finditer`."""
        if starts is not None:
            return _search_at(self._plain_match, text, starts)
        if not text.isascii():
            return self.pattern.search(text)
        pattern = self._plain if is_plain_ascii(text) else self.pattern  # as in `finditer`
        if self.starts is None:
            return pattern.search(text)
        return _search_at(pattern.match, text, self.starts.positions(text.lower()))


def anchored(pattern: str, flags: int = 0) -> AnchoredPattern:
    """`re.compile(pattern, flags)` as an AnchoredPattern: tried only where a match can start."""
    return AnchoredPattern(re.compile(pattern, flags))


def _finditer_at(match: Match, text: str, candidates: Iterable[int]) -> list[re.Match[str]]:
    """`finditer`'s matches, given (in order) every position where a match may start."""
    found = []
    end = 0
    for start in candidates:
        if start < end:
            continue  # finditer resumes after the previous match
        hit = match(text, start)
        if hit:
            found.append(hit)
            end = hit.end()
    return found


def _search_at(match: Match, text: str, candidates: Iterable[int]) -> re.Match[str] | None:
    """`search`'s match, given candidates as for `_finditer_at`."""
    for start in candidates:
        hit = match(text, start)
        if hit:
            return hit
    return None


def is_plain_ascii(text: str) -> bool:
    """ASCII without \\x1c-\\x1f: the only ASCII characters that Unicode, not re.ASCII, counts
    as blanks (\\s). There a pattern written in ASCII matches the same under re.ASCII."""
    # four `in` tests: three times faster than `any(map(...))` over the same characters
    return text.isascii() and not (
        "\x1c" in text or "\x1d" in text or "\x1e" in text or "\x1f" in text
    )


def _ascii_twin(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The pattern under re.ASCII, for plain ASCII text: it ignores case by a table lookup
    instead of Unicode case mapping, which costs more."""
    if not pattern.pattern.isascii() or not pattern.flags & re.IGNORECASE:
        return pattern
    return re.compile(pattern.pattern, (pattern.flags & ~re.UNICODE) | re.ASCII)


class Locator:
    """Every position where one of some lower-case texts starts in a lower-cased ASCII text,
    overlaps included, with the text found there (the longest)."""

    def __init__(self, texts: Iterable[str], at_word_start: bool) -> None:
        texts = set(texts)
        tree = trie_pattern(texts)
        self._at_text_start = re.compile(tree).match
        # where a match needs `\b` before a letter or digit, a non-word character must come
        # first: a pattern that starts with one lets `re` skip over the letters in between
        # (an underscore counts too: phrase tables start a phrase after one, and a `\b`
        # pattern tried there merely fails)
        self._after_boundary = at_word_start and all(t[0] in _ASCII_WORD for t in texts)
        if self._after_boundary:
            self._search = re.compile(f"[^a-z0-9](?:{tree})").search
        else:
            self._search = re.compile(rf"\b(?:{tree})" if at_word_start else tree).search

    def positions(self, lowered: str) -> list[int]:
        """`find` without the texts (the hot path of every anchored pattern)."""
        found = []
        search = self._search
        if self._after_boundary:
            if self._at_text_start(lowered):
                found.append(0)
            hit = search(lowered)
            while hit:
                position = hit.start() + 1
                found.append(position)
                hit = search(lowered, position)
            return found
        hit = search(lowered)
        while hit:
            position = hit.start()
            found.append(position)
            hit = search(lowered, position + 1)
        return found

    def find(self, lowered: str) -> list[tuple[int, str]]:
        found = []
        search = self._search
        if self._after_boundary:
            first = self._at_text_start(lowered)
            if first:
                found.append((0, first.group(0)))
            hit = search(lowered)
            while hit:
                position = hit.start() + 1  # after the boundary character
                found.append((position, hit.group(0)[1:]))
                hit = search(lowered, position)
            return found
        hit = search(lowered)
        while hit:
            found.append((hit.start(), hit.group(0)))
            # resume one character on, not after the text: texts overlap ('the north', 'north')
            hit = search(lowered, hit.start() + 1)
        return found


def starts_at_word_boundary(pattern: re.Pattern[str]) -> bool:
    """True when every match starts with `\\b` (lower-casing ASCII moves no boundary)."""
    return _at_boundary(list(sre_parse.parse(pattern.pattern, pattern.flags)))


def _at_boundary(items: Sequence[tuple[Any, Any]]) -> bool:
    for index, (op, av) in enumerate(items):
        rest = items[index + 1 :]
        if op is sre.ASSERT or op is sre.ASSERT_NOT:
            continue  # a lookbehind such as (?<!to be ) comes before the \b
        if op is sre.AT:
            return av is sre.AT_BOUNDARY
        if op is sre.SUBPATTERN:
            return _at_boundary([*av[3], *rest])
        if op is sre.BRANCH:
            return all(_at_boundary([*branch, *rest]) for branch in av[1])
        return False
    return False


def literal_prefixes(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-cased texts one of which starts every match, or None when that cannot be told."""
    return _prefixes(list(sre_parse.parse(pattern.pattern, pattern.flags)))


def _prefixes(items: Sequence[tuple[Any, Any]]) -> frozenset[str] | None:
    for index, (op, av) in enumerate(items):
        rest = items[index + 1 :]
        if op in _ZERO_WIDTH:
            continue  # \b, lookbehind, lookahead consume nothing: the match starts later
        if op is sre.LITERAL:
            return _literal_run(items[index:])
        if op is sre.IN:
            chars = _class_chars(av)
            return _class_run(set(chars), rest) if chars else None
        if op is sre.SUBPATTERN:
            return _prefixes([*av[3], *rest])
        if op is sre.ATOMIC_GROUP:
            return _prefixes([*av, *rest])
        if op is sre.BRANCH:
            return _union(_prefixes([*branch, *rest]) for branch in av[1])
        if op in _REPEATS:
            low, _, body = av
            # only the body's own start: what follows a repeat may be the body again
            first = _prefixes(list(body))
            return first if low >= 1 else _union([first, _prefixes(rest)])
        return None  # any character, \w, a back-reference...
    return None  # the pattern may match the empty string here


def _literal_run(items: Sequence[tuple[Any, Any]]) -> frozenset[str] | None:
    first = items[0][1]
    if first > 127:
        # '평양' cannot start a match in ASCII text; the four letters that match an ASCII one
        # when case is ignored could
        return None if chr(first) in _ASCII_CASE_TWINS else frozenset()
    run = ""
    for op, av in items:
        if op is not sre.LITERAL or av > 127:
            break
        run += chr(av).lower()
    if len(run) < _SHORT_RUN:
        # the parser factors 'party|plenary' into 'p(?:arty|lenary)': read on past the 'p'
        tails = _prefixes(items[len(run) :])
        if tails and len(tails) <= _MAX_TAILS:
            return frozenset(run + tail for tail in tails)
    return frozenset({run})


def _class_run(chars: set[str], rest: Sequence[tuple[Any, Any]]) -> frozenset[str]:
    """The prefixes of a character class and what follows it: "[Mm]ilitary" starts with
    "military", not merely with "m" (where every word with that letter would be tried)."""
    tails = _prefixes(rest)
    if tails and len(chars) * len(tails) <= _MAX_TAILS:
        return frozenset(char + tail for char in chars for tail in tails)
    return frozenset(chars)


def _class_chars(av: Sequence[tuple[Any, Any]]) -> str | None:
    chars = ""
    for op, value in av:
        if op is sre.LITERAL and value < 128:
            chars += chr(value).lower()
        elif op is sre.CATEGORY and value in _CLASS_CHARS:
            chars += _CLASS_CHARS[value]
        else:
            return None
    return chars if len(chars) <= _MAX_CLASS else None


def _union(parts: Any) -> frozenset[str] | None:
    found: set[str] = set()
    for part in parts:
        if part is None:
            return None
        found |= part
    return frozenset(found)


def trie_pattern(phrases: Iterable[str]) -> str:
    """Texts as one prefix-tree alternation ('sun(?:an(?: airport)?)?'): one try per position."""
    root: dict[str, Any] = {}
    for phrase in phrases:
        node = root
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_node(root)


def _trie_node(node: dict[str, Any]) -> str:
    branches = [re.escape(ch) + _trie_node(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    optional = "" in node
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if optional:
        return f"(?:{body})?" if len(branches) == 1 and len(body) > 1 else f"{body}?"
    return body
