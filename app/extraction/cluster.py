"""Which views make one event: the canonical merge, in memory.

A view is one article's account of one happening, as extraction found it (an `ExtractedEvent`).
Views become events by a greedy merge in one canonical order (`Order`: publication time, the
entry's hash, the article, the view's place in its article): each view joins the event it
agrees with best (`ClusterIndex.match`, with the rules of merge.py) or starts one, and an event
is the fold of its views in that order (`start_row`, `absorb`, then `refresh` for what depends
on all of them). The events are therefore a function of the set of views alone: the order in
which articles arrive, and the batches they arrive in, change nothing.

`Replay` brings a stored clustering up to date when views arrive or leave, without merging
everything again. It replays, in canonical order, the views of the region the change could
reach. A stored view keeps its stored event without asking the rules when nothing within its
reach has changed by its turn (whatever the rules would answer is what they answered when it
was stored); every other view is merged by the rules. Where the result differs from the stored
clustering, and from when on, is the zone: the caller widens the region until it holds every
view the zone can reach (`ReplayResult.needed`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from app.extraction import merge, rules
from app.extraction.lexicon import category_labels
from app.extraction.schemas import CLAIM_RANK, ExtractedEvent

# published_at, tiebreak (the article's guid_hash), article id, the view's place in its article
Order = tuple[dt.datetime, str, int, int]
Day = tuple[str, dt.date]  # (family, day)
Span = tuple[dt.date, dt.date]

LAUNCH = "launch"  # the family of merge.LAUNCH_FAMILY; every other category is its own family


def family_of(category: str) -> str:
    """Views of different families never merge, so each family can be merged alone."""
    return LAUNCH if category in merge.LAUNCH_FAMILY else category


def day_of(extracted: ExtractedEvent) -> dt.date:
    """The view's date: stored articles always date their events (store._events_or_none)."""
    assert extracted.event_date is not None
    return extracted.event_date


def span_of(extracted: ExtractedEvent) -> Span:
    return merge.date_span(day_of(extracted), extracted.date_precision)


def base_key(extracted: ExtractedEvent) -> str:
    """The key an event started by this view is known by (store.py numbers collisions)."""
    loc = extracted.location
    return f"{extracted.category}:{day_of(extracted).isoformat()}:{loc.id if loc else 'none'}"


@dataclass(slots=True, eq=False)
class View:
    """One article's account of one happening, with what its event's aggregates need."""

    order: Order
    event: ExtractedEvent
    source_id: int
    story: str | None  # the canonical URL: two sources' copies of one story share it
    reliability: str | None
    stored_event: int | None = None  # its event in the stored clustering; None: a new view
    row_id: int | None = None  # mention_views.id; None: not stored yet
    family: str = field(init=False)
    span: Span = field(init=False)

    def __post_init__(self) -> None:
        self.family = family_of(self.event.category)
        self.span = span_of(self.event)

    @property
    def article_id(self) -> int:
        return self.order[2]

    @property
    def published_at(self) -> dt.datetime:
        return self.order[0]


@dataclass(slots=True, eq=False)
class Ghost:
    """A stored view that is gone (its article is being extracted again): it marks where and
    from when the stored clustering no longer holds, and is merged nowhere."""

    order: Order
    family: str
    span: Span
    stored_event: int


Member = View | Ghost


def _order(item: Member) -> Order:
    return item.order


@dataclass(slots=True, eq=False)
class Cluster:
    """An event being built: its first view (`creator`, whose order ranks it among
    candidates like an age), its views in canonical order, and the fold of them (`row`)."""

    creator: View | None  # None: a `summary` of a stored event, its first view not loaded
    row: dict[str, Any]
    members: list[View]
    # When it first differed from the stored event it continues (None: it never did).
    changed_at: Order | None = None
    span: Span = (dt.date.min, dt.date.min)  # the days its date may mean
    buckets: tuple[tuple[str, dt.date], ...] = ()  # where the index holds it
    # A stored event continued from its row and aggregates alone (`Summary`), without its
    # views: `members` then holds only the views added to it.
    summary: Summary | None = None

    @property
    def rank(self) -> Order:
        if self.summary is not None:
            return self.summary.first
        assert self.creator is not None
        return self.creator.order

    @property
    def base(self) -> str:
        """The base key of its first view (store.py numbers events sharing one)."""
        if self.summary is not None:
            return self.summary.base
        assert self.creator is not None
        return base_key(self.creator.event)


# --- the index and the match ----------------------------------------------------------------


class ClusterIndex:
    """Events a view may merge with, bucketed by (category, day) for every day their date's
    span covers (a week-precision event sits in seven buckets), so that a lookup probes only
    the days a view's own span reaches, in its category and the close ones (merge.py)."""

    def __init__(self, window: int, merge_km: float) -> None:
        self.window = window
        self.merge_km = merge_km
        self.buckets: dict[tuple[str, dt.date], list[Cluster]] = defaultdict(list)

    def add(self, cluster: Cluster) -> None:
        row = cluster.row
        cluster.span = merge.date_span(row["event_date"], row["date_precision"])
        days = (cluster.span[1] - cluster.span[0]).days + 1
        cluster.buckets = tuple(
            (row["category"], cluster.span[0] + dt.timedelta(days=n)) for n in range(days)
        )
        for bucket in cluster.buckets:
            self.buckets[bucket].append(cluster)

    def reindex(self, cluster: Cluster) -> None:
        """Move an event whose date (or category) an absorbed view changed."""
        row = cluster.row
        if cluster.span != merge.date_span(row["event_date"], row["date_precision"]) or (
            cluster.buckets and cluster.buckets[0][0] != row["category"]
        ):
            for bucket in cluster.buckets:
                self.buckets[bucket].remove(cluster)
            self.add(cluster)

    def candidates(self, extracted: ExtractedEvent) -> Iterator[tuple[Cluster, int]]:
        """Events of the view's category family whose spans come within the window of the
        view's span, each once with the gap in days between the two spans: in rings (the
        span's own days, then a day further out on each side...), each ring oldest first;
        lazily, because the first ring usually holds the match. An event first met in ring k
        covers a day k days from the span and none nearer: its gap is k."""
        first, last = span_of(extracted)
        categories = merge.family(extracted.category)
        buckets = self.buckets
        seen: set[Cluster] = set()
        for distance in range(self.window + 1):
            if distance == 0:
                days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
            else:
                step = dt.timedelta(days=distance)
                days = [first - step, last + step]
            found = [c for cat in categories for d in days for c in buckets.get((cat, d), ())]
            ring = [c for c in dict.fromkeys(found) if c not in seen]  # a week is in 7 buckets
            seen.update(ring)
            ring.sort(key=_by_rank)
            for cluster in ring:
                yield cluster, distance

    def match(self, extracted: ExtractedEvent) -> Cluster | None:
        """The event this view is part of: the strongest place agreement first (the same
        place or a near one, then a launch's site and sea on one coast, then a coarse place),
        then the nearest date, then the oldest event. Across categories only a place that
        positively agrees (not a coarse one) makes a match."""
        near = merge.PlaceMatch.NEAR
        loc = extracted.location
        loc_id = loc.id if loc is not None else None
        # two points, neither a sea, further apart in latitude alone than merge_km: no rule
        # can join them (the usual candidate: another place's event that day), so skip early
        lat = loc.lat if loc is not None and loc.precision != "sea" else None
        max_dlat = self.merge_km / merge.KM_PER_DEGREE_LAT
        best: Cluster | None = None
        best_key: tuple[int, int, Order] | None = None
        for cluster, gap in self.candidates(extracted):  # the first same or near place wins
            row = cluster.row
            if loc_id is not None and row["location_id"] == loc_id:
                return cluster  # the same place also agrees with the impact area it chose
            if (
                lat is not None
                and row["lat"] is not None
                and abs(lat - row["lat"]) > max_dlat
                and row["location_precision"] != "sea"
            ):
                continue
            agreement = self._agreement(extracted, row)
            if agreement is None:
                continue
            if agreement <= near:
                return cluster
            if agreement > merge.PlaceMatch.COAST and row["category"] != extracted.category:
                continue
            key = (agreement, gap, cluster.rank)
            if best_key is None or key < best_key:
                best, best_key = cluster, key
        return best

    def _agreement(self, extracted: ExtractedEvent, row: dict[str, Any]) -> int | None:
        loc = extracted.location
        mine = (loc.id, loc.precision, loc.lat, loc.lon) if loc else (None, None, None, None)
        launch = extracted.category in merge.LAUNCH_FAMILY and row["category"] in (
            merge.LAUNCH_FAMILY
        )
        theirs = (row["location_id"], row["location_precision"], row["lat"], row["lon"])
        agreement = merge.place_match(mine, theirs, launch=launch, merge_km=self.merge_km)
        impact = impact_id(row["figures"])
        if agreement is None or impact is None or loc is None:
            return agreement
        # a launch with a known impact area: the view must agree with that sea too
        sea = merge.gazetteer_place(impact)
        with_sea = merge.place_match(mine, sea, launch=launch, merge_km=self.merge_km)
        return None if with_sea is None else min(agreement, with_sea)


def _by_rank(cluster: Cluster) -> Order:
    return cluster.rank


# --- the fold ----------------------------------------------------------------------------------


def start_row(extracted: ExtractedEvent) -> dict[str, Any]:
    """An event's row as its first view describes it (aggregates come from `refresh`)."""
    row: dict[str, Any] = {
        "category": extracted.category,
        "title": extracted.title[:1000],
        "summary": extracted.summary,
        "event_date": extracted.event_date,
        "date_precision": extracted.date_precision,
        "actors": list(extracted.actors),
        "weapons": list(extracted.weapons),
        "figures": dict(extracted.figures),
        "severity": extracted.severity,
        "claim_status": extracted.claim_status,
        "confidence": extracted.confidence,
        "corroboration": 1,
        "first_reported_at": None,
        "last_reported_at": None,
    }
    _set_location(row, extracted)
    return row


def _set_location(row: dict[str, Any], extracted: ExtractedEvent) -> None:
    loc = extracted.location
    row["location_id"] = loc.id if loc else None
    row["location_name"] = loc.name if loc else None
    row["location_precision"] = loc.precision if loc else None
    row["lat"] = loc.lat if loc else None
    row["lon"] = loc.lon if loc else None


def absorb(row: dict[str, Any], extracted: ExtractedEvent) -> None:
    """Fold one more view into an event: keep the most precise and the worst (ties broken by
    value, the rest by the canonical order the views are folded in)."""
    row["severity"] = max(row["severity"], extracted.severity)
    row["actors"] = _union(row["actors"], extracted.actors)
    row["weapons"] = _union(row["weapons"], extracted.weapons)
    figures = {**extracted.figures, **(row["figures"] or {})}
    if merge.precedes(extracted.category, row["category"]):
        row["category"] = extracted.category
    seas = _seas(row, figures)
    loc = extracted.location
    if loc is not None and _finer_place(loc, row):
        _set_location(row, extracted)
        row["title"] = extracted.title[:1000]
    if loc is not None and merge.is_sea(loc.id, loc.precision):
        seas.append(loc.id)
    impact = None
    if row["category"] in merge.LAUNCH_FAMILY:
        impact = merge.impact_area(row["location_id"], seas)
    figures.pop(merge.IMPACT, None)
    if impact is not None:
        figures[merge.IMPACT] = merge.impact_record(impact)
    row["figures"] = figures
    row["title"] = _retitled(row["title"], row["category"])
    row["event_date"], row["date_precision"] = merge.finer_date(
        (row["event_date"], row["date_precision"]),
        (day_of(extracted), extracted.date_precision),
    )


def _seas(row: dict[str, Any], figures: dict[str, Any]) -> list[str]:
    """The seas an event already knows of: its impact area, and its place if a sea."""
    seas = []
    impact = impact_id(figures)
    if impact is not None:
        seas.append(impact)
    if merge.is_sea(row["location_id"], row["location_precision"]):
        seas.append(row["location_id"])
    return seas


def impact_id(figures: dict[str, Any] | None) -> str | None:
    impact = (figures or {}).get(merge.IMPACT)
    return impact.get("id") if isinstance(impact, dict) else None


def _finer_place(loc: Any, row: dict[str, Any]) -> bool:
    """Site over city over sea over province over country; of two equally fine, the first
    by gazetteer id (so the place does not depend on the order of the views)."""
    mine = merge.PRECISION_RANK.get(loc.precision, 9)
    theirs = merge.PRECISION_RANK.get(row["location_precision"] or "", 9)
    if mine != theirs:
        return mine < theirs
    return row["location_id"] is not None and loc.id < row["location_id"]


def _retitled(title: str, category: str) -> str:
    """A title ("Missile test: North Korea — Jongju") led by its event's category label."""
    labels = category_labels()
    wanted = labels.get(category)
    if wanted is None or title.startswith(wanted):
        return title
    for other in merge.family(category):
        label = labels.get(other)
        if label and title.startswith(label):
            return (wanted + title[len(label) :])[:1000]
    return title


def _union(old: list[Any] | None, new: list[Any]) -> list[Any]:
    merged = list(old or [])
    merged += [item for item in new if item not in merged]
    return merged


def refresh(row: dict[str, Any], members: list[View]) -> None:
    """What depends on all of an event's views: corroboration (distinct publishers, one
    story's copies counted once), the strongest claim, when it was first and last reported,
    and the confidence those give."""
    apply_fold(row, fold_of(members))


# --- per-event aggregates ------------------------------------------------------------------------
#
# What `refresh` needs of all of an event's views, kept on the event row (`events.fold`,
# `family`, `views_from`, `views_to`), so that a view added after every stored one updates
# it without reading the others (`extend_fold`; store.py's appending merge):
#   first, last   the canonical order of its first and last view
#   base          the base key of its first view
#   groups        its publishers: source ids, grouped where sources share a story URL
#                 (`merge.distinct_publishers` counts the groups)
#   claim         the strongest claim status;   reported  [first, last] publication times
#   grade         the best source reliability
#   evidence      its distinct evidence sentences, at most EVIDENCE_KEPT (confidence only asks
#                 whether there are two)
#   span          the union of its views' date spans, with `family` what finds it by day

EVIDENCE_KEPT = 2


def fold_of(members: list[View]) -> dict[str, Any]:
    """The aggregates of an event from all of its views (in canonical order)."""
    ordered = sorted(members, key=_order)
    support = [(v.source_id, v.story) for v in ordered]
    evidence: list[str] = []
    for view in ordered:
        evidence = _add_evidence(evidence, view.event.evidence)
    published = [v.published_at for v in ordered]
    return {
        "first": _order_json(ordered[0].order),
        "last": _order_json(ordered[-1].order),
        "base": base_key(ordered[0].event),
        "family": ordered[0].family,
        "span": [
            min(v.span[0] for v in ordered).isoformat(),
            max(v.span[1] for v in ordered).isoformat(),
        ],
        "groups": publisher_groups(support),
        "claim": max((v.event.claim_status for v in ordered), key=CLAIM_RANK.__getitem__),
        "reported": [min(published).isoformat(), max(published).isoformat()],
        "grade": min((v.reliability or "F" for v in ordered), default="F"),
        "evidence": evidence,
        "views": len(ordered),
    }


def extend_fold(
    fold: dict[str, Any], added: list[View], shared: dict[str, set[int]]
) -> dict[str, Any]:
    """`fold` with views added after every view it was made of. `shared`: for the added
    views' story URLs, the sources of the event's stored views with that URL (the only thing
    about the stored views the groups need)."""
    ordered = sorted(added, key=_order)
    evidence = list(fold["evidence"])
    for view in ordered:
        evidence = _add_evidence(evidence, view.event.evidence)
    groups = _join_groups(fold["groups"], [(v.source_id, v.story) for v in ordered], shared)
    published = [v.published_at.isoformat() for v in ordered]
    claims = [fold["claim"], *(v.event.claim_status for v in ordered)]
    return {
        **fold,
        "last": _order_json(ordered[-1].order),
        "span": [
            min([fold["span"][0], *(v.span[0].isoformat() for v in ordered)]),
            max([fold["span"][1], *(v.span[1].isoformat() for v in ordered)]),
        ],
        "groups": groups,
        "claim": max(claims, key=CLAIM_RANK.__getitem__),
        "reported": [
            _earliest(fold["reported"][0], published),
            _latest(fold["reported"][1], published),
        ],
        "grade": min([fold["grade"], *(v.reliability or "F" for v in ordered)]),
        "evidence": evidence,
        "views": fold["views"] + len(ordered),
    }


def apply_fold(row: dict[str, Any], fold: dict[str, Any]) -> None:
    """Set what the aggregates decide on an event's row (as `refresh` always did)."""
    row["corroboration"] = len(fold["groups"])
    row["claim_status"] = fold["claim"]
    row["first_reported_at"] = _instant(fold["reported"][0])
    row["last_reported_at"] = _instant(fold["reported"][1])
    row["confidence"], _ = rules.confidence(
        claim_status=row["claim_status"],
        reliability=fold["grade"],
        evidence_count=len(fold["evidence"]),
        location_precision=row["location_precision"],
        date_precision=row["date_precision"],
        corroboration=row["corroboration"],
    )
    row["fold"] = fold
    row["family"] = fold["family"]
    row["views_from"] = dt.date.fromisoformat(fold["span"][0])
    row["views_to"] = dt.date.fromisoformat(fold["span"][1])


def publisher_groups(support: Iterable[tuple[int, str | None]]) -> list[list[int]]:
    """Sources grouped where they published one story under one URL; as many groups as
    `merge.distinct_publishers` counts."""
    return _join_groups([], list(support), {})


def _join_groups(
    groups: list[list[int]],
    support: list[tuple[int, str | None]],
    shared: dict[str, set[int]],
) -> list[list[int]]:
    parent: dict[int, int] = {}

    def root(source: int) -> int:
        while parent[source] != source:
            parent[source] = parent[parent[source]]
            source = parent[source]
        return source

    def join(a: int, b: int) -> None:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        parent[root(a)] = root(b)

    for group in groups:
        for source in group:
            join(source, group[0])
    first_of_story: dict[str, int] = {}
    for source, story in support:
        parent.setdefault(source, source)
        if story is None:
            continue
        for other in shared.get(story, ()):
            join(source, other)
        join(source, first_of_story.setdefault(story, source))
    found: dict[int, list[int]] = defaultdict(list)
    for source in sorted(parent):
        found[root(source)].append(source)
    return sorted(found.values())


def _add_evidence(kept: list[str], sentences: Iterable[str]) -> list[str]:
    for sentence in sentences:
        if len(kept) >= EVIDENCE_KEPT:
            break
        if sentence not in kept:
            kept = [*kept, sentence]
    return kept


def _order_json(order: Order) -> list[Any]:
    return [order[0].isoformat(), order[1], order[2], order[3]]


def order_of(value: list[Any]) -> Order:
    return (_instant(value[0]), value[1], value[2], value[3])


def _instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _earliest(first: str, others: list[str]) -> str:
    return min([first, *others], key=_instant)


def _latest(last: str, others: list[str]) -> str:
    return max([last, *others], key=_instant)


@dataclass(slots=True)
class Summary:
    """A stored event as its row and aggregates describe it, without its views."""

    event_id: int
    fold: dict[str, Any]
    first: Order
    last: Order
    base: str
    # story URL -> sources of the event's stored views with it, for the added views' stories
    shared: dict[str, set[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, event_id: int, fold: dict[str, Any]) -> Summary:
        return cls(event_id, fold, order_of(fold["first"]), order_of(fold["last"]), fold["base"])


@dataclass(slots=True)
class Mention:
    """An article's support for an event: one per (event, article), however many views."""

    sentence: str
    evidence: list[str]
    claim_status: str


def mentions_of(members: Iterable[View]) -> dict[int, Mention]:
    """The mentions of an event, by article: a second view of one article strengthens its
    mention (evidence joined, the strongest claim, the later view's sentence)."""
    found: dict[int, Mention] = {}
    for view in members:
        extracted = view.event
        mention = found.get(view.article_id)
        if mention is None:
            found[view.article_id] = Mention(
                extracted.summary, _union([], extracted.evidence), extracted.claim_status
            )
            continue
        mention.sentence = extracted.summary
        mention.evidence = _union(mention.evidence, extracted.evidence)
        mention.claim_status = max(
            mention.claim_status, extracted.claim_status, key=CLAIM_RANK.__getitem__
        )
    return found


# --- replaying a region ------------------------------------------------------------------------


@dataclass(slots=True)
class ReplayResult:
    clusters: list[Cluster]
    # stored event id -> its stored views in canonical order (the first is its creator)
    stored: dict[int, list[Member]]
    # stored events the result no longer matches, with when they stopped matching
    stored_changed: dict[int, Order]
    # (family, day)s whose views the result depends on: the region must hold all of them
    needed: set[Day]

    @property
    def changed(self) -> list[Cluster]:
        return [c for c in self.clusters if c.changed_at is not None]

    def continued(self, cluster: Cluster) -> int | None:
        """The stored event this cluster continues (the one started by the same view)."""
        if cluster.summary is not None:
            return cluster.summary.event_id
        if cluster.creator is None:
            return None
        stored = cluster.creator.stored_event
        if stored is not None and self.stored[stored][0] is cluster.creator:
            return stored
        return None


class Replay:
    """The canonical merge over one region's views, checked against the stored clustering.

    `views`: the region's stored views (each with its stored event, every view of those
    events included) and the new ones; `ghosts`: stored views that are gone. A stored view
    keeps its stored event unasked when, at its turn, its stored event is unchanged so far and
    no changed event lies within the merge window of its span; every other view is merged by
    the rules. Then it was merged exactly as the full merge of every view would merge it."""

    def __init__(
        self, views: Iterable[View], ghosts: Iterable[Ghost], *, window: int, merge_km: float
    ) -> None:
        self.items: list[Member] = sorted([*views, *ghosts], key=_order)
        self.window = window
        self.merge_km = merge_km
        self.stored: dict[int, list[Member]] = defaultdict(list)
        for item in self.items:  # in order: each event's first member is its creator
            if item.stored_event is not None:
                self.stored[item.stored_event].append(item)
        self.creators = {event: members[0] for event, members in self.stored.items()}
        self._started_by = {
            creator: event for event, creator in self.creators.items() if isinstance(creator, View)
        }
        self._continuing: dict[int, Cluster] = {}  # stored event -> the cluster continuing it
        self._stored_changed: dict[int, Order] = {}
        self._zone: dict[Day, Order] = {}  # day -> from when a changed event covered it
        self._needed: set[Day] = set()
        self._needed_spans: set[tuple[str, Span, int]] = set()  # what _need already added
        self._clusters: list[Cluster] = []
        self._index = ClusterIndex(window, merge_km)

    def run(self) -> ReplayResult:
        for item in self.items:
            if isinstance(item, Ghost):
                self._stored_change(item.stored_event, item.order)
            else:
                self._place(item)
        return ReplayResult(self._clusters, self.stored, self._stored_changed, self._needed)

    def _place(self, view: View) -> None:
        if self._keep_stored(view):
            return
        self._need(view.family, view.span, self.window)  # the rules look this far
        cluster = self._index.match(view.event)
        if cluster is None:
            cluster = self._create(view)
        else:
            self._join(cluster, view)
        stored = view.stored_event
        kept = (
            stored is not None
            and not isinstance(self.creators[stored], Ghost)
            and cluster.creator is self.creators[stored]
        )
        if not kept:
            self._change(cluster, view.order)
            if stored is not None:
                self._stored_change(stored, view.order)

    def _keep_stored(self, view: View) -> bool:
        """Place a stored view in (the continuation of) its stored event, unasked, when
        nothing within its reach has changed by its turn; False: the rules must decide."""
        stored = view.stored_event
        if stored is None or stored in self._stored_changed or self._near_change(view):
            return False
        if self.creators[stored] is view:
            self._create(view)
            return True
        cluster = self._continuing.get(stored)
        if cluster is None or cluster.changed_at is not None:
            return False
        self._join(cluster, view)
        return True

    def _near_change(self, view: View) -> bool:
        reach = dt.timedelta(days=self.window)
        day, last = view.span[0] - reach, view.span[1] + reach
        while day <= last:
            since = self._zone.get((view.family, day))
            if since is not None and since < view.order:
                return True
            day += dt.timedelta(days=1)
        return False

    def _create(self, view: View) -> Cluster:
        cluster = Cluster(creator=view, row=start_row(view.event), members=[view])
        self._index.add(cluster)
        self._clusters.append(cluster)
        stored = self._started_by.get(view)
        if stored is not None:
            self._continuing[stored] = cluster
        return cluster

    def _join(self, cluster: Cluster, view: View) -> None:
        absorb(cluster.row, view.event)
        self._index.reindex(cluster)
        cluster.members.append(view)
        if cluster.changed_at is not None:
            self._mark(view.family, view.span, view.order)

    def _change(self, cluster: Cluster, at: Order) -> None:
        if cluster.changed_at is not None:
            return
        cluster.changed_at = at
        for member in cluster.members:
            self._mark(member.family, member.span, at)
        stored = self._started_by.get(cluster.creator) if cluster.creator is not None else None
        if stored is not None:
            self._stored_change(stored, at)

    def _stored_change(self, stored: int, at: Order) -> None:
        if stored in self._stored_changed:
            return
        self._stored_changed[stored] = at
        for member in self.stored[stored]:
            self._mark(member.family, member.span, at)
        cluster = self._continuing.get(stored)
        if cluster is not None:
            self._change(cluster, at)

    def _mark(self, family: str, span: Span, at: Order) -> None:
        """A changed event covers these days from `at` on: views within the window of them,
        later than `at`, must ask the rules again, and their neighbours must be loaded."""
        day = span[0]
        while day <= span[1]:
            key = (family, day)
            since = self._zone.get(key)
            if since is None or at < since:
                self._zone[key] = at
            day += dt.timedelta(days=1)
        self._need(family, span, 2 * self.window)

    def _need(self, family: str, span: Span, margin: int) -> None:
        asked = (family, span, margin)
        if asked in self._needed_spans:  # most views share a day with many others
            return
        self._needed_spans.add(asked)
        reach = dt.timedelta(days=margin)
        day, last = span[0] - reach, span[1] + reach
        while day <= last:
            self._needed.add((family, day))
            day += dt.timedelta(days=1)
