"""Which texts the rules can read: English (Latin script) only, for now.

A text mostly in another script (Korean, Japanese, Chinese, Russian) yields no event, and the
caller says so instead of returning a silent empty list.
"""

from __future__ import annotations

import re

# the share of letters in scripts the rules don't read above which a text is not read at all
UNCOVERED_SCRIPT_SHARE = 0.3
_SAMPLE_CHARS = 4000
_SCRIPTS = (  # checked in this order: kana decides Japanese even where kanji outnumber it
    ("Japanese", "ja", re.compile("[\u3040-\u30ff]")),
    ("Korean", "ko", re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")),
    ("Chinese", "zh", re.compile("[\u4e00-\u9fff]")),
    ("Russian", "ru", re.compile("[\u0400-\u04ff]")),
)
_UNCOVERED = re.compile(
    "[\u0400-\u04ff\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u4e00-\u9fff\uac00-\ud7af]"
)
_LETTER = re.compile(r"[^\W\d_]")


def uncovered_language(title: str, text: str) -> str | None:
    """'Korean (ko)' when the text is mostly in a script the rules don't cover, else None."""
    sample = f"{title} {text}"[:_SAMPLE_CHARS]
    if sample.isascii():
        return None
    uncovered = len(_UNCOVERED.findall(sample))
    if not uncovered:  # curly quotes and accents: the common case, settled in one pass
        return None
    letters = len(_LETTER.findall(sample))
    if uncovered / max(letters, 1) < UNCOVERED_SCRIPT_SHARE:
        return None
    counts = [(len(pattern.findall(sample)), name, code) for name, code, pattern in _SCRIPTS]
    _count, name, code = counts[0] if counts[0][0] else max(counts[1:])
    return f"{name} ({code})"
