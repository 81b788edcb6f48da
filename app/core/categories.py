"""The one list of event categories: the taxonomy data file's, in its order.

Read once from `app/extraction/data/taxonomy.toml` (only the table names and labels, none of
its patterns), so API validation, the OGC documents and the methodology's headings all agree
with what extraction can produce (tests/core/test_categories.py checks the headings).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

TAXONOMY = "extraction/data/taxonomy.toml"


@cache
def category_labels() -> dict[str, str]:
    """name -> label, in the taxonomy file's order."""
    # Reached through the `app` package: `resources.files("app.extraction")` would import the
    # extraction package (its rules and gazetteer) into every process that validates a category.
    text = resources.files("app").joinpath(TAXONOMY).read_text("utf-8")
    table = tomllib.loads(text)["categories"]
    return {name: str(entry.get("label", name)) for name, entry in table.items()}


CATEGORIES: tuple[str, ...] = tuple(category_labels())
