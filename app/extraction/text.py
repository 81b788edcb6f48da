"""Text clean-up, sentence splitting and clause segments.

NFKC keeps Hangul syllables whole (NFD/NFKD would split them into jamo, and aliases such as
평양 would stop matching), so it is the only Unicode normalisation applied.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from app.extraction.scan import is_plain_ascii

# typographic punctuation made plain (str.replace per character present beats str.translate,
# which looks every character up; no replacement is itself replaced)
_PUNCT = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201b": "'",
    "\u02bc": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2011": "-",
    "\u00a0": " ",
    "\u200b": "",
}
# one-to-one folds used only for matching (the text keeps its diacritics)
_FOLD = str.maketrans("ŏŭŎŬéèêëáàâäāīūōçñüöÉ", "ouOUeeeeaaaaaiuocnuoE")

# one pattern per kind, each tried only where its cue (a string every match contains) is in the
# text, so most texts skip them all; a pattern that starts with a literal lets `re` skip straight
# to it, while one alternation of them all is tried at every character (half a millisecond on a
# WordPress teaser)
_BOILERPLATE = (
    # the line patterns first: in one pass they saw the text's own line starts, not those a cut
    # of another kind leaves behind
    ("More ", re.compile(r"^\s*More (?:from|in) [^\n]{1,60}$", re.MULTILINE)),
    ("*This article was ", re.compile(r"^\*This article was [^\n]*$", re.MULTILINE)),
    ("appeared first on", re.compile(r"The post .{0,300}? appeared first on [^.\n]{1,60}\.?")),
    ("[", re.compile(r"\[(?:\.\.\.|…)\]")),
    (
        "This is a developing",
        re.compile(r"This is a developing (?:news )?story\.(?: Please check back for updates\.)?"),
    ),
)
_SPACED_POSSESSIVE = re.compile(r"(\w)' s\b")
# runs of blanks become one space (a lone space, most of them, is left alone)
_BLANKS = re.compile(r"[ \t\r\f\v]{2,}|[\t\r\f\v]")
_OTHER_BLANKS = ("\t", "\r", "\f", "\v")
# ...and where spaces are the only blanks (the usual case: a boilerplate cut leaves two), runs
# of spaces alone: a pattern that starts with a space lets `re` skip to the spaces, while
# _BLANKS, which may start with five characters, is tried at every one
_SPACE_RUNS = re.compile(r"  +")

_DATELINE_DATE = r"(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8})"
_DATELINE_REGION = r"[A-Z][A-Za-z.'\- ]{2,35}"  # ", South Korea", ", North Gyeongsang Province"
_DATELINE_AGENCY = r"\([A-Za-z0-9 .&'-]{2,40}\)"  # "(Yonhap)", "(AP)"
_DATELINE = re.compile(
    # SEOUL, May 26 (Yonhap) -- | CAMP HUMPHREYS, South Korea — | (SEOUL, South Korea) —
    rf"^\s*\(?[A-Z][A-Z.'\- ]{{2,30}}(?:,\s*(?:{_DATELINE_DATE}|{_DATELINE_REGION}))?\)?"
    rf"\s*(?:{_DATELINE_AGENCY})?\s*(?:--|—|–|-)\s+"
    # Bangkok, Thailand (CNN) -- | Jan. 11 (UPI) --
    rf"|^\s*(?:[A-Z][a-z]+(?: [A-Z][a-z]+)?,\s*{_DATELINE_REGION}\s*{_DATELINE_AGENCY}"
    rf"|{_DATELINE_DATE}\s*{_DATELINE_AGENCY})\s*(?:--|—|–|-)\s+"
)
_ABBREVIATIONS = frozenset(
    [
        "u.s",
        "u.n",
        "u.k",
        "d.c",
        "r.o.k",
        "gen",
        "lt",
        "col",
        "maj",
        "sgt",
        "adm",
        "capt",
        "cmdr",
        "no",
        "nos",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "p.m",
        "a.m",
        "vs",
        "e.g",
        "i.e",
        "inc",
        "corp",
        "co",
        "ltd",
        "jr",
        "sr",
        "rep",
        "sen",
        "gov",
        "pres",
        "approx",
        "est",
        "dept",
        "fig",
        "vol",
        "op",
        "sr",
        "mt",
        "ft",
    ]
)
# a sentence ends with [.!?]+ (and closing quotes) before a capital, digit or Hangul, or
# with line breaks, or where a copy lost its space ("earlier in the day.The JCS said": a word's
# end, a period, a capitalised word); written to start with one character class so `re` skips
# ahead fast
_BOUNDARY = re.compile(
    r"[.!?\n](?:(?<=[.!?])[.!?]*[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9\u3131-\ud7a3])"
    r"|(?<=[a-z]{2}\.)(?=[A-Z][a-z]{2})|(?<=\n)\n*)"
)
_TOKEN_BEFORE = re.compile(r"([\w.]+)$")
_ALNUM = re.compile(r"[^\W_]")  # what str.isalnum() accepts, found in one call
_TIMED_ASIDE = (
    r"(?:,\s*|\s)(?:(?:just|only|mere|some|barely)\s+)?"
    # the word before "days" is taken whole (\w++): giving its letters back one by one, which
    # never lets a blank follow, was most of the scan's cost
    r"(?:(?:\w++|a few|several)\s+(?:days?|weeks?|hours?|months?)\s+)?(?:after|before)\b"
)
_OTHER_ASIDE = (
    r"\b(?:amid|despite|following|even as|in the wake of|ahead of|while|whereas|in response to|"
    r"in retaliation (?:for|against)|in protest (?:of|against|at)|in reaction to|citing|"
    r"to counter|as a warning)\b|,\s+as\b"
)
_INCIDENTAL = re.compile(f"{_TIMED_ASIDE}|{_OTHER_ASIDE}", re.IGNORECASE)
# the same on plain ASCII text (scan.is_plain_ascii), for less: no Unicode case maps
_INCIDENTAL_PLAIN = re.compile(f"{_TIMED_ASIDE}|{_OTHER_ASIDE}", re.IGNORECASE | re.ASCII)
# the "after"/"before" branch is tried at every blank, the costliest part of the scan; in ASCII
# text without those words it cannot match, and the rest alone finds the very same asides
_INCIDENTAL_UNTIMED = re.compile(_OTHER_ASIDE, re.IGNORECASE)
# ...whose branches each need one of these words, or a ", as" (the pattern's own branch)
_UNTIMED_WORDS = (
    "amid", "despite", "following", "even as", "in the wake of", "ahead of", "while", "whereas",
    "in response to", "in retaliation", "in protest", "in reaction to", "citing", "to counter",
    "as a warning",
)  # fmt: skip
_COMMA_AS = re.compile(r",\s+as\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[,;:]")


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int  # 0 is the title
    text: str
    folded: str  # lower-cased, diacritics folded; same length as text
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def segments(self) -> tuple[tuple[int, int, bool], ...]:
        """Clause spans, computed when first asked for: most sentences never are."""
        if "segments" not in self.memo:
            self.memo["segments"] = clause_segments(self.text)
        return self.memo["segments"]  # type: ignore[no-any-return]

    def segment_at(self, position: int) -> tuple[int, int, bool]:
        for span in self.segments:
            if span[0] <= position < span[1]:
                return span
        return (0, len(self.text), False)

    @property
    def is_title(self) -> bool:
        return self.index == 0


def normalize(text: str) -> str:
    text = text or ""
    if not text.isascii():  # NFKC and the punctuation table leave ASCII as it is
        text = unicodedata.normalize("NFKC", text)
        for typographic, plain in _PUNCT.items():
            if typographic in text:
                text = text.replace(typographic, plain)
    if "' s" in text:
        text = _SPACED_POSSESSIVE.sub(r"\1's", text)
    for cue, pattern in _BOILERPLATE:
        if cue in text:
            text = pattern.sub(" ", text)
    if "\n" in text:
        text = _unwrap(text)
    if any(blank in text for blank in _OTHER_BLANKS):
        text = _BLANKS.sub(" ", text)
    elif "  " in text:
        text = _SPACE_RUNS.sub(" ", text)
    return text.strip()


# words no sentence ends on: a line break after one is inside a sentence, whatever follows
# ("read out by the minister in\nBeijing", "the Sea of\nJapan")
_OPEN_ENDED = re.compile(
    r"(?:^|\s)(?:in|at|of|the|from|to|and|or|a|an|for|with|by|into|near|on)$", re.IGNORECASE
)


def _unwrap(text: str) -> str:
    """Hard-wrapped wire copy: a line break inside a sentence (after a word or a comma, before
    a lower-case word; or after a word no sentence ends on) is a space; paragraph breaks and
    breaks after a full stop stay."""
    lines = text.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        previous, stripped = out[-1].rstrip(" \t"), line.lstrip(" \t")
        if (
            previous
            and stripped
            and (previous[-1].isalnum() or previous[-1] in ",;")
            and (
                stripped[0].islower()
                or stripped[0].isdigit()
                or stripped[0] == "("
                or bool(_OPEN_ENDED.search(previous[-6:]))
            )
        ):
            out[-1] = f"{previous} {stripped}"
        else:
            out.append(line)
    return "\n".join(out)


def fold(text: str) -> str:
    """Lower-case and strip the usual romanisation diacritics, keeping the length."""
    lowered = text.lower()
    if lowered.isascii():  # nothing for the table to fold
        return lowered
    if len(lowered) != len(text):  # e.g. 'İ' lower-cases to two code points
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered.translate(_FOLD)


def strip_dateline(body: str) -> str:
    """'SEOUL, May 26 (Yonhap) -- ...' says where the reporter sat, not where it happened."""
    dateline = _DATELINE.match(body)  # `^`: only at the start (search would try every position)
    return body[dateline.end() :] if dateline else body


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if match.group(0)[0] == "." and _is_abbreviation(text, match.start()):
            continue
        piece = text[start:end].strip()
        if piece:
            sentences.append(piece)
        start = end
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if _ALNUM.search(s)]


def _is_abbreviation(text: str, dot: int) -> bool:
    token = _TOKEN_BEFORE.search(text, max(0, dot - 12), dot)
    if not token:
        return False
    word = token.group(1)
    return word.lower().strip(".") in _ABBREVIATIONS or (len(word) == 1 and "A" <= word <= "Z")


def article_sentences(title: str, text: str) -> list[Sentence]:
    """Title first (index 0), then the body's sentences, each with its folded twin. With no
    title, the body's first sentence stands in for it (a feed item or script may carry none)."""
    title = normalize(title)
    body = strip_dateline(normalize(text))
    pieces = [title] if title else []
    pieces += [p for p in split_sentences(body) if not _no_news(p, title)]
    pieces = pieces or [""]
    return [Sentence(i, p, fold(p)) for i, p in enumerate(pieces)]


def _no_news(piece: str, title: str) -> bool:
    """Whether a body piece is the headline again (pages and feeds often repeat it): a lede
    pushed down by it would read as a later sentence."""
    return bool(title) and piece.strip().casefold() == title.strip().casefold()


def clause_segments(sentence: str) -> tuple[tuple[int, int, bool], ...]:
    """(start, end, incidental) spans: 'amid ...', 'days after ...' clauses are incidental."""
    pattern = _aside_pattern(sentence)
    if pattern is None:
        return ((0, len(sentence), False),) if sentence else ()
    spans: list[tuple[int, int, bool]] = []
    cursor = 0
    for match in pattern.finditer(sentence):
        if match.start() < cursor:
            continue
        if match.start() > cursor:
            spans.append((cursor, match.start(), False))
        stop = _CLAUSE_END.search(sentence, match.end())
        end = stop.start() if stop else len(sentence)
        spans.append((match.start(), end, True))
        cursor = end
    if cursor < len(sentence):
        spans.append((cursor, len(sentence), False))
    return tuple(spans)


def _aside_pattern(sentence: str) -> re.Pattern[str] | None:
    """What finds the sentence's asides; None when nothing can (most sentences), for the full
    scan costs more than all the rest."""
    if not sentence.isascii():  # ignoring case, 'ı' and 'İ' match 'i': no shortcut
        return _INCIDENTAL
    lowered = sentence.lower()
    if "after" in lowered or "before" in lowered:
        return _INCIDENTAL_PLAIN if is_plain_ascii(sentence) else _INCIDENTAL
    if any(map(lowered.__contains__, _UNTIMED_WORDS)) or _COMMA_AS.search(sentence):
        return _INCIDENTAL_UNTIMED
    return None
