"""Which texts the rules can read: English (Latin script) only, for now.

A text mostly in another script (Korean, Japanese, Chinese, Russian) yields no event, and the
caller says so instead of returning a silent empty list.
"""

from __future__ import annotations

# the share of letters in scripts the rules don't read above which a text is not read at all
UNCOVERED_SCRIPT_SHARE = 0.3
_SCRIPTS = (
    ("Korean", "ko", ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF))),
    ("Japanese", "ja", ((0x3040, 0x30FF),)),
    ("Chinese", "zh", ((0x4E00, 0x9FFF),)),
    ("Russian", "ru", ((0x0400, 0x04FF),)),
)


def uncovered_language(title: str, text: str) -> str | None:
    """'Korean (ko)' when the text is mostly in a script the rules don't cover, else None."""
    sample = f"{title} {text}"[:4000]
    if sample.isascii():
        return None
    letters = 0
    counts = dict.fromkeys(range(len(_SCRIPTS)), 0)
    for char in sample:
        if not char.isalpha():
            continue
        letters += 1
        code = ord(char)
        for n, (_, _, ranges) in enumerate(_SCRIPTS):
            if any(low <= code <= high for low, high in ranges):
                counts[n] += 1
                break
    if not letters:
        return None
    uncovered = sum(counts.values())
    if uncovered / letters < UNCOVERED_SCRIPT_SHARE:
        return None
    japanese = 1
    # kana decides Japanese even where kanji outnumber it
    best = japanese if counts[japanese] else max(counts, key=lambda n: counts[n])
    name, code, _ = _SCRIPTS[best]
    return f"{name} ({code})"
