"""A second opinion for articles the rules find nothing in: word statistics over labelled news.

The rules (taxonomy.toml) are precise but only as wide as their vocabulary; on news they were
not written against, most misses are articles where no pattern fires at all ("forced their way
into the Spanish embassy to seek asylum" before `asylum` was a pattern). For those articles
only, a multinomial naive Bayes model over the words of the title and lede, trained on the
`dev` split of the real-text corpus (scripts/train_category_model.py; `test` stays unseen),
names a category when it is confident, and the event is then built by the same place, date,
claim and severity rules as any other, with a lower confidence and the words that decided it as
its reason. It never overrides or adds to what the rules found, and it can say "none": the
model is trained with the corpus's non-security stories as a class of their own.

The same kind of model gives a second opinion on claim status, where no sourcing rule decided
it (claims.py answers "reported" then, for want of anything better): trained on the dev split's
events (scripts/train_claim_model.py), over the same words plus the event's category, it says
"confirmed", "reported" or "claimed" when it is confident. What an official body signs, sends or
holds is confirmed by the guide even when no sentence says "officials said"; the words that
decided are the reason.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any

# the model names a category only above this posterior probability (and above "none"'s):
# chosen on the dev split's 5-fold cross-validation (scripts/train_category_model.py prints it);
# on 1,919 dev items 0.999 names 33 right and 2 wrong of the rules' 66 misses and makes 5 false
# alarms on 282 non-security stories, against 40, 3 and 7 at 0.99: precision kept over recall
MIN_PROBABILITY = 0.999
# the title and this much of the text are read: the lede carries the news
LEDE_CHARS = 700
# the claim model overrides the rules' default only above this posterior probability: chosen on
# the dev split's 5-fold cross-validation (scripts/train_claim_model.py prints it)
MIN_CLAIM_PROBABILITY = 0.99
# events the model named are less certain than those a pattern found
CONFIDENCE_CAP = 0.45
NONE = "none"

_WORD = re.compile(r"[a-z][a-z\-]{2,}")
_STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "its",
        "their",
        "his",
        "her",
        "they",
        "she",
        "was",
        "were",
        "been",
        "has",
        "have",
        "had",
        "will",
        "would",
        "could",
        "said",
        "says",
        "after",
        "before",
        "over",
        "into",
        "about",
        "than",
        "more",
        "most",
        "also",
        "which",
        "who",
        "what",
        "when",
        "where",
        "while",
        "but",
        "not",
        "new",
        "are",
        "our",
        "its",
    ]
)


@dataclass(frozen=True, slots=True)
class Opinion:
    category: str
    probability: float
    words: tuple[str, ...]  # the words that weighed most for the category


def tokens(title: str, text: str) -> set[str]:
    """Lower-case words of three letters or more (stopwords out) and their adjacent pairs."""
    lowered = f"{title} . {text[:LEDE_CHARS]}".lower()
    words = [w for w in _WORD.findall(lowered) if w not in _STOPWORDS]
    return set(words) | {f"{a}_{b}" for a, b in pairwise(words)}


@dataclass(frozen=True, slots=True)
class Model:
    log_prior: dict[str, float]
    log_likelihood: dict[str, dict[str, float]]  # class -> token -> log P(token | class)
    log_unseen: dict[str, float]  # class -> log P(a known token absent from the class)
    vocabulary: frozenset[str]
    # token -> (class, log P(token | class) - log_unseen[class]) for the classes that saw it:
    # every known token adds each class's unseen weight, and its lift only to those few
    lifts: dict[str, tuple[tuple[str, float], ...]]
    # token -> the class that weighs it most (log P(token | class), or the class's unseen weight
    # where it never saw the token), that weight and the runner-up's: a token's best rival to
    # any class is one of the two, so `weightiest` reads it instead of looking at every class
    rivals: dict[str, tuple[str, float, float]]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        likelihood = {c: dict(tokens) for c, tokens in data["log_likelihood"].items()}
        unseen = data["log_unseen"]
        lifts: dict[str, list[tuple[str, float]]] = {}
        seen: dict[str, list[tuple[str, float]]] = {}
        for name in sorted(likelihood):
            for token, value in likelihood[name].items():
                lifts.setdefault(token, []).append((name, value - unseen[name]))
                seen.setdefault(token, []).append((name, value))
        frozen = {t: tuple(pairs) for t, pairs in lifts.items()}
        by_unseen = tuple(sorted(data["log_prior"], key=lambda c: -unseen[c]))
        rivals = {t: _top_two(pairs, unseen, by_unseen) for t, pairs in seen.items()}
        return cls(data["log_prior"], likelihood, unseen, frozenset(frozen), frozen, rivals)

    def posterior(self, words: set[str]) -> dict[str, float]:
        known = sorted(words & self.vocabulary)  # one order: the same sums
        scores = {c: p + len(known) * self.log_unseen[c] for c, p in self.log_prior.items()}
        lifts = self.lifts
        for word in known:
            for name, lift in lifts[word]:
                scores[name] += lift
        top = max(scores.values())
        total = sum(math.exp(s - top) for s in scores.values())
        return {c: math.exp(s - top) / total for c, s in scores.items()}

    def weightiest(self, category: str, words: set[str], n: int = 5) -> tuple[str, ...]:
        """The words that most favour `category` over the other classes."""
        own, absent = self.log_likelihood[category], self.log_unseen[category]
        lifts: dict[str, float] = {}
        for word in words:
            rival = self.rivals.get(word)
            if rival is None:
                continue  # not in the vocabulary
            first, best, runner_up = rival
            lifts[word] = own.get(word, absent) - (runner_up if first == category else best)
        known = sorted(lifts, key=lambda w: (-lifts[w], w))
        return tuple(w.replace("_", " ") for w in known[:n] if lifts[w] > 0)


def _top_two(
    seen: list[tuple[str, float]], unseen: dict[str, float], by_unseen: tuple[str, ...]
) -> tuple[str, float, float]:
    """The class that weighs a token most, its weight and the next class's weight: the classes
    in `seen` at their weight of the token, the others at their unseen weight (`by_unseen`:
    the classes by that weight, highest first, of which the first two not in `seen` suffice)."""
    saw = {name for name, _ in seen}
    weights = [(value, name) for name, value in seen]
    weights += [(unseen[c], c) for c in [c for c in by_unseen if c not in saw][:2]]
    weights.sort(key=lambda pair: -pair[0])  # stable: on a tie, the first listed stays first
    runner_up = weights[1][0] if len(weights) > 1 else -math.inf
    return weights[0][1], weights[0][0], runner_up


@cache
def model() -> Model | None:
    """The trained category model shipped with the package, or None when none was trained."""
    return _load("category_model.json")


@cache
def claim_model() -> Model | None:
    """The trained claim-status model shipped with the package, or None."""
    return _load("claim_model.json")


def _load(name: str) -> Model | None:
    path = resources.files("app.extraction").joinpath("data", name)
    if not path.is_file():
        return None
    return Model.from_json(json.loads(path.read_text(encoding="utf-8")))


def claim_tokens(title: str, text: str, category: str) -> set[str]:
    """The claim model's features: the words of the title and lede, and the event's category."""
    return tokens(title, text) | {f"category={category}"}


def claim_opinion(title: str, text: str, category: str) -> Opinion | None:
    """The claim status the word statistics are confident of for an event of `category`."""
    trained = claim_model()
    if trained is None:
        return None
    words = claim_tokens(title, text, category)
    posterior = trained.posterior(words)
    best = max(posterior, key=posterior.__getitem__)
    if posterior[best] < MIN_CLAIM_PROBABILITY:
        return None
    shown = {w for w in words if not w.startswith("category=")}
    return Opinion(best, posterior[best], trained.weightiest(best, shown))


def second_opinion(title: str, text: str) -> Opinion | None:
    """The category the word statistics are confident of, or None (none, or not confident)."""
    trained = model()
    if trained is None:
        return None
    words = tokens(title, text)
    posterior = trained.posterior(words)
    best = max(posterior, key=posterior.__getitem__)
    if best == NONE or posterior[best] < MIN_PROBABILITY:
        return None
    return Opinion(best, posterior[best], trained.weightiest(best, words))
