"""One category list: the taxonomy data file's. Everything that names categories agrees."""

from __future__ import annotations

from app.assessment import methodology as m
from app.core.categories import CATEGORIES, category_labels
from app.extraction.lexicon import taxonomy
from app.extraction.rules import SEVERITY_BASE
from app.query.events import FILTERS_BY_NAME


def test_the_list_is_the_taxonomy_files_in_its_order() -> None:
    assert tuple(c.name for c in taxonomy()) == CATEGORIES
    assert category_labels() == {c.name: c.label for c in taxonomy()}


def test_severity_bases_methodology_and_api_validation_agree() -> None:
    assert set(SEVERITY_BASE) == set(CATEGORIES)
    assert set(m.CATEGORIES) == set(CATEGORIES)  # every category under one report heading
    assert len(m.CATEGORIES) == len(set(m.CATEGORIES))
    assert set(m.CATEGORY_NOUNS) == set(CATEGORIES)
    assert FILTERS_BY_NAME["category"].schema["enum"] == list(CATEGORIES)
