"""The second opinion (app/extraction/fallback.py): word statistics for articles the rules find
nothing in. Written cases only; the real-text corpus measures it (scripts/eval_extraction.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

from app.extraction import extract_article, fallback
from app.extraction.claims import UNSOURCED
from app.extraction.schemas import ArticleInput

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "app" / "extraction" / "data" / "category_model.json"

HUNGER = ArticleInput(
    id="h",
    title="Relief groups say children in the northeast go without enough to eat",
    text="International relief organisations said children in North Hamgyong province were "
    "going without enough to eat after a poor harvest, and called on donors to send more help.",
    published=dt.datetime(2026, 5, 27, tzinfo=dt.UTC),
    source="NK News",
)


def test_an_article_no_pattern_matches_gets_the_models_category_with_its_reasons() -> None:
    assert extract_article(HUNGER, second_opinion=False) == []  # no pattern fires here
    [event] = extract_article(HUNGER)
    assert event.category == "humanitarian"
    # built by the same rules as any event: place and claim from the text
    assert event.location is not None and event.location.name == "North Hamgyong Province"
    assert event.claim_status == "reported"
    [reason] = event.reasons["category"]
    assert reason.startswith("no pattern matched; word statistics")
    words = re.findall(r"'([^']+)'", reason)
    assert words and all(w in f"{HUNGER.title} {HUNGER.text}".lower() for w in words), reason
    assert event.confidence <= fallback.CONFIDENCE_CAP


def test_a_story_about_something_else_stays_without_an_event() -> None:
    subway = ArticleInput(
        id="s",
        title="Seoul opens new subway line to commuters",
        text="A new subway line linking the south of Seoul with the airport opened to commuters "
        "on Saturday, the city government said.",
        published=dt.datetime(2026, 5, 27, tzinfo=dt.UTC),
    )
    assert extract_article(subway) == []


def test_the_second_opinion_never_changes_what_the_rules_found() -> None:
    launch = ArticleInput(
        id="l",
        title="North Korea fires ballistic missile into the East Sea",
        text="North Korea fired a short-range ballistic missile on Tuesday, the Joint Chiefs of "
        "Staff said; aid groups meanwhile asked donors to help children after a poor harvest.",
        published=dt.datetime(2026, 5, 27, tzinfo=dt.UTC),
    )
    with_opinion = [(e.category, e.confidence) for e in extract_article(launch)]
    assert with_opinion == [
        (e.category, e.confidence) for e in extract_article(launch, second_opinion=False)
    ]
    assert [c for c, _ in with_opinion] == ["missile_test"]


def test_the_shipped_model_was_trained_on_the_dev_split_only() -> None:
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    assert "dev split" in model["trained_on"]
    sys.path.insert(0, str(ROOT / "scripts"))
    import eval_extraction

    dev = [r for r in eval_extraction.load_realtext() if r["split"] == "dev"]
    assert model["trained_on"].endswith(f"{len(dev)} items"), (
        "retrain: python scripts/train_category_model.py"
    )
    assert set(model["log_prior"]) >= {"none", "missile_test", "humanitarian"}


def test_the_training_script_reports_cross_validation_and_writes_nothing_with_check() -> None:
    before = MODEL.stat().st_mtime_ns
    done = subprocess.run(
        [sys.executable, "scripts/train_category_model.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.splitlines()[-1])["cross_validation"]
    chosen = figures[str(fallback.MIN_PROBABILITY)]
    # at the shipped threshold the model names more missed events than it invents
    assert chosen["named_right"] > chosen.get("false_alarms", 0) + chosen.get("named_wrong", 0)
    assert MODEL.stat().st_mtime_ns == before


# --- claim status ---------------------------------------------------------------------------

CLAIM_MODEL = ROOT / "app" / "extraction" / "data" / "claim_model.json"
ORDER = ArticleInput(
    id="o",
    title="Executive order targets trade with North Korea",
    text="The president signed an executive order on Thursday targeting companies and banks "
    "that trade with North Korea.",
    published=dt.datetime(2026, 5, 27, tzinfo=dt.UTC),
)


def test_where_no_sourcing_rule_decides_the_claim_model_may_with_its_words() -> None:
    [by_rules] = extract_article(ORDER, second_opinion=False)
    assert (by_rules.category, by_rules.claim_status) == ("sanctions", "reported")
    assert by_rules.reasons["claim_status"] == [UNSOURCED]
    [event] = extract_article(ORDER)
    assert event.claim_status == "confirmed"  # an order a government signs is its own act
    [reason] = event.reasons["claim_status"]
    assert reason.startswith("no sourcing rule applies; word statistics favour confirmed")
    assert "'executive order'" in reason


def test_the_claim_model_never_overrides_a_sourcing_rule() -> None:
    said = ArticleInput(
        id="k",
        title="Executive order targets trade with North Korea, KCNA says",
        text="The president signed an executive order on Thursday targeting banks that trade "
        "with North Korea, the Korean Central News Agency said.",
        published=dt.datetime(2026, 5, 27, tzinfo=dt.UTC),
    )
    with_opinion = [(e.claim_status, e.reasons["claim_status"]) for e in extract_article(said)]
    rules_only = [
        (e.claim_status, e.reasons["claim_status"])
        for e in extract_article(said, second_opinion=False)
    ]
    assert with_opinion == rules_only and rules_only[0][1] != [UNSOURCED]


def test_the_claim_model_is_trained_on_dev_events_and_only_below_its_threshold_silent() -> None:
    model = json.loads(CLAIM_MODEL.read_text(encoding="utf-8"))
    sys.path.insert(0, str(ROOT / "scripts"))
    import eval_extraction

    dev_events = [
        r
        for r in eval_extraction.load_realtext()
        if r["split"] == "dev" and r["label"]["category"] != "none" and r["label"]["claim_status"]
    ]
    assert model["trained_on"].endswith(f"{len(dev_events)} events"), (
        "retrain: python scripts/train_claim_model.py"
    )
    assert set(model["log_prior"]) == {"confirmed", "reported", "claimed"}
    unsure = fallback.claim_opinion("Talks", "Officials met on Tuesday.", "diplomacy")
    assert unsure is None or unsure.probability >= fallback.MIN_CLAIM_PROBABILITY


def test_the_claim_training_script_shows_the_model_beats_the_default_held_out() -> None:
    before = CLAIM_MODEL.stat().st_mtime_ns
    done = subprocess.run(
        [sys.executable, "scripts/train_claim_model.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    chosen = json.loads(done.stdout.splitlines()[-1])["cross_validation"][
        str(fallback.MIN_CLAIM_PROBABILITY)
    ]
    assert chosen["with_model_right"] > chosen["rules_right"]
    assert CLAIM_MODEL.stat().st_mtime_ns == before


def test_a_tokens_best_rival_is_read_from_its_two_weightiest_classes() -> None:
    """`weightiest` reads each token's best rival from `Model.rivals`: the same as looking at
    every other class (its weight of the token, or its unseen weight where it never saw it)."""
    for trained in (fallback.model(), fallback.claim_model()):
        assert trained is not None
        likelihood, unseen = trained.log_likelihood, trained.log_unseen
        for token in sorted(trained.vocabulary)[::50]:
            first, best, runner_up = trained.rivals[token]
            for category in trained.log_prior:
                rest = max(
                    likelihood[c].get(token, unseen[c]) for c in trained.log_prior if c != category
                )
                assert (runner_up if first == category else best) == rest, (token, category)
