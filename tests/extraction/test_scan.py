"""The speed-ups must find exactly what the plain regular expressions find."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from app.extraction import claims, core, dates, figures, lexicon, places, rules, text
from app.extraction.lexicon import (
    actor_matcher,
    taxonomy,
    weapon_matcher,
)
from app.extraction.scan import AnchoredPattern, is_plain_ascii, literal_prefixes
from app.extraction.text import Sentence, article_sentences, fold

DEVSET = Path(__file__).resolve().parent / "data" / "devset.jsonl"
# texts where a shortcut could go wrong: case twins of 'i' and 's', Hangul, adjacent phrases
TRICKY = [
    "North Korea fired a missile from Jongju on Tuesday.",
    "NORTH KOREA FIRED A MISSILE, THE JCS SAID ON MAY 26.",
    "Fıred mıssıles: the JCS saıd İt detected a launch.",
    "Kim fired two missiles after talks amid tension, as Seoul watched.",
    "평양에서 미사일 발사 — North Korea fired missiles into the East Sea.",
    "U.S.U.S. us-led Seoul,Seoul Seoul's Pyongyang-based Hwasong-18",
    "",
    "a",
    "_Pyongyang_ jongju-jongju 2026-05-26 26 May, last Tuesday",
    # Unicode, not re.ASCII, counts \x1c-\x1f as blanks: no sentence scan for this one
    "North Korea fired\x1ctwo missiles on May\x1c26, the JCS said\x1dafter\x1ftalks in\x1eJune.",
]


def _sentences() -> list[str]:
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines()]
    found = [s.text for row in rows for s in article_sentences(row["title"], row["text"])]
    return found + TRICKY + [t.lower() for t in found[:50]] + [t.upper() for t in found[:50]]


SENTENCES = _sentences()


def _patterns() -> list[AnchoredPattern]:
    """Every anchored pattern of the package: module constants and those built from data."""
    found = [
        value
        for module in (core, claims, dates, figures, places, rules, text)
        for value in vars(module).values()
        if isinstance(value, AnchoredPattern)
    ]
    genre, claim = lexicon.genre_patterns(), lexicon.claim_patterns()
    found += [genre.commentary_title, genre.commentary_lead, genre.non_security_title]
    found += [claim.authority_name, claim.verb, claim.headline, claim.state]
    for category in taxonomy():
        found += [category.strong, category.weak]
    return found


@pytest.mark.parametrize("pattern", _patterns(), ids=lambda p: p.pattern.pattern[:30])
def test_anchored_patterns_match_like_re(pattern: AnchoredPattern) -> None:
    for sentence in SENTENCES:
        expected = [m.span() for m in pattern.pattern.finditer(sentence)]
        assert [m.span() for m in pattern.finditer(sentence)] == expected, sentence
        first = pattern.pattern.search(sentence)
        found = pattern.search(sentence)
        assert (found and found.span()) == (first and first.span()), sentence
        if is_plain_ascii(sentence) and pattern.starts is not None:
            # as a sentence scan hands them over: the pattern then runs under re.ASCII
            starts = pattern.starts.positions(sentence.lower())
            assert [m.span() for m in pattern.finditer(sentence, starts)] == expected, sentence
            found = pattern.search(sentence, starts)
            assert (found and found.span()) == (first and first.span()), sentence


def test_every_pattern_gets_a_shortcut() -> None:
    """The speed rests on it: a pattern without prefixes is scanned the slow way."""
    patterns = _patterns()
    assert len(patterns) > 40
    assert all(p.prefixes for p in patterns)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\bfired\b", {"fired"}),
        (r"(?i)\b(?:KCNA|state media)\b", {"kcna", "state media"}),
        (r"\b(?:uranium )?enrichment", {"uranium ", "enrichment"}),
        (r"(?<!to be )\bdeploy", {"deploy"}),
        (r"\bparty\b|\bplenary\b", {"party", "plenary"}),  # the parser factors out the 'p'
        (r"\d+ km", set("0123456789")),
        (r"\b[Mm]ilitary [Aa]uthorities", {"military "}),  # the class, then what follows it
        (r"[Pp]ark|[Kk]im\b", {"park", "kim"}),
        (r"\w+ fired", None),  # any word may start it
        (r"(?:x)?", None),  # may match the empty string
        (r"평양|pyongyang", {"pyongyang"}),  # Hangul cannot start a match in ASCII text
        (r"ı", None),  # ignoring case, it matches 'i'
    ],
)
def test_literal_prefixes(pattern: str, expected: set[str] | None) -> None:
    found = literal_prefixes(re.compile(pattern))
    assert (set(found) if found is not None else None) == expected


def test_sentence_scan_finds_every_match_and_the_gate_is_unchanged() -> None:
    assert lexicon._every_category_scanned()  # else every sentence takes the slow way
    for sentence in SENTENCES:
        folded = fold(sentence)
        scan = lexicon.sentence_scan(Sentence(1, sentence, folded))
        assert (scan is None) == (not is_plain_ascii(sentence))
        for category in taxonomy():
            gate_open = any(stem in folded for stem in category.gate)
            assert category.opens(folded) == gate_open
            assert core._opens(category, Sentence(1, sentence, folded), scan) == gate_open
            expected = [m.span() for m in category.strong.pattern.finditer(sentence)]
            found = [m.span() for m in core._strong_matches(category, sentence, scan)]
            assert found == expected, (category.name, sentence)
            if expected and scan is not None:
                assert category.strong in scan.starts
            weak = bool(category.weak.pattern.search(sentence))
            assert core._mentions(category, Sentence(1, sentence, folded)) == weak, sentence
        for pattern in lexicon._other_sentence_patterns():
            starts = lexicon.starts_in(Sentence(1, sentence, folded), pattern)
            assert (starts is None) == (scan is None)
            expected = [m.span() for m in pattern.pattern.finditer(sentence)]
            assert [m.span() for m in pattern.finditer(sentence, starts)] == expected, sentence


@pytest.mark.parametrize("matcher", [actor_matcher, weapon_matcher])  # places: test_gazetteer
def test_phrase_matchers_match_like_re(matcher) -> None:  # type: ignore[no-untyped-def]
    phrases = matcher()
    for sentence in SENTENCES:
        folded = fold(sentence)
        expected = [m.span() for m in phrases._regex.finditer(folded)]
        assert [m.span() for m in phrases._matches(folded)] == expected, sentence
        # from the positions the sentence scan found (ASCII text), the very same hits
        hits = list(phrases.find(folded, sentence))
        assert list(phrases.find_in(Sentence(1, sentence, folded))) == hits, sentence


def test_clause_segments_shortcut_changes_nothing() -> None:
    # the aside pattern as first written (the word before "days" not yet taken whole)
    first_written = re.compile(
        text._TIMED_ASIDE.replace(r"\w++", r"\w+") + "|" + text._OTHER_ASIDE, re.IGNORECASE
    )
    assert first_written.pattern != text._INCIDENTAL.pattern
    for sentence in SENTENCES:
        spans: list[tuple[int, int, bool]] = []
        cursor = 0
        for match in first_written.finditer(sentence):
            if match.start() < cursor:
                continue
            if match.start() > cursor:
                spans.append((cursor, match.start(), False))
            stop = text._CLAUSE_END.search(sentence, match.end())
            end = stop.start() if stop else len(sentence)
            spans.append((match.start(), end, True))
            cursor = end
        if cursor < len(sentence):
            spans.append((cursor, len(sentence), False))
        assert text.clause_segments(sentence) == tuple(spans), sentence


def test_sentence_boundaries_and_blank_runs_as_first_written() -> None:
    """The boundary pattern was rewritten to start with one character class."""
    boundary = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9\u3131-\ud7a3])|\n+")
    blanks = re.compile(r"[ \t\r\f\v]+")
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines()]
    samples = [r["text"] for r in rows] + SENTENCES
    samples += ['A. B.. C!?" D\n\n\nE...\n.F', "x  y\t\tz \t w\v\f", "..!!", "a.\nB", "Mr. X. 2"]
    for sample in samples:
        expected = [(m.span(), m.group(0)) for m in boundary.finditer(sample)]
        assert [(m.span(), m.group(0)) for m in text._BOUNDARY.finditer(sample)] == expected
        assert text._BLANKS.sub(" ", sample) == blanks.sub(" ", sample)


def test_normalize_as_first_written() -> None:
    # the boilerplate pattern as first written, one alternation of every kind
    first_boilerplate = re.compile(
        r"The post .{0,300}? appeared first on [^.\n]{1,60}\.?"
        r"|\[(?:\.\.\.|…)\]|This is a developing (?:news )?story\.(?: Please check back for updates\.)?"
        r"|^\s*More (?:from|in) [^\n]{1,60}$|^\*This article was [^\n]*$",
        re.MULTILINE,
    )
    """normalize skips work it can tell is void; what it returns must not change."""

    def reference(raw: str) -> str:
        cleaned = unicodedata.normalize("NFKC", raw or "").translate(str.maketrans(text._PUNCT))
        if "' s" in cleaned:
            cleaned = text._SPACED_POSSESSIVE.sub(r"\1's", cleaned)
        if any(c in cleaned for c in ("appeared first on", "[", "developing", "More ", "*This")):
            cleaned = first_boilerplate.sub(" ", cleaned)
        return re.sub(r"[ \t\r\f\v]+", " ", cleaned).strip()

    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines()]
    samples = [r["text"] for r in rows] + [r["title"] for r in rows] + SENTENCES
    samples += [
        "Launch [...] and [[...]…] then [\u2026]  end\t.",
        "The post Kim fired appeared first on NK News. More from NK News [...]",
        "Seoul\u2019 s  JCS\u00a0said \u2014 This is a developing story.",
        "\u201cFired\u201d \u2018two\u2019 \u02bcHwasong\u2011 18\u2013 \u200bmissiles\u201b",
        "  Kim  fired   two    missiles .  [...] ",  # spaces are the only blanks
        "Kim\u00a0 fired\u00a0\u00a0missiles",
    ]
    for sample in samples:
        assert text.normalize(sample) == reference(sample), sample


def test_the_sentence_scan_leaves_out_what_it_cannot_find_at_word_starts() -> None:
    """Such a search scans the sentence itself, so a scan never hides one of its matches."""
    sentence = Sentence(
        1, "(KCNA) said the missile flew 600 km.", "(kcna) said the missile flew 600 km."
    )
    assert lexicon.starts_in(sentence, lexicon.claim_patterns().state) is None  # no \b
    assert lexicon.starts_in(sentence, lexicon.claim_patterns().verb) == [7]
    assert lexicon._scan_texts(AnchoredPattern(re.compile(r"\bfired"))) == {"fired"}
    assert lexicon._scan_texts(AnchoredPattern(re.compile(r"fired"))) is None
    assert lexicon._scan_texts(AnchoredPattern(re.compile(r"\b\w+ fired"))) is None
    assert lexicon._scan_texts(lexicon.PhraseMatcher([("Seoul", "kr-seoul")])) == {"seoul"}
    assert lexicon._scan_texts(lexicon.PhraseMatcher([("(Seoul)", "kr-seoul")])) is None


def test_more_authorities_without_a_police_agency_find_the_same_names() -> None:
    written = [
        "the Tokyo Metropolitan Police Department said", "Japan's Defense Ministry said",
        "the People's Navy said", "the Navy and the Coast Guard said", "the High Court ruled",
    ]  # fmt: skip
    for sentence in [*SENTENCES, *written]:
        expected = [m.span() for m in claims._MORE_AUTHORITIES.finditer(sentence)]
        if " Police" not in sentence:
            found = claims._MORE_AUTHORITIES_BUT_POLICE.finditer(sentence)
            assert [m.span() for m in found] == expected, sentence
