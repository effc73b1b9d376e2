"""Peer benchmarking, Twiplomacy-style: rankings among the ministry's accounts, its missions' and the peer
foreign ministries', the follow graph among them, and the missions' league table normalised by the size of
their audience. The formulas are in docs/social-metrics.md ("Rankings" and "League table")."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

import networkx as nx
from django.db.models import QuerySet

from embassy.citizens.selectors import registered_by_mission
from embassy.social import metrics
from embassy.social.models import Account, Follow, HostAudience

MIN_POSTS = 5  # an account with fewer posts in the period is not ranked on per-post measures


@dataclass(frozen=True)
class Row:
    account: Account
    totals: metrics.Totals
    mutual: int = 0  # mutual follows with other accounts of the registry on its platform
    centrality: float = 0.0  # eigenvector centrality in the mutual-follow graph of its platform


def _graph(accounts: list[Account]) -> nx.Graph:
    """Per platform, an undirected graph of mutual follows among the registry's accounts."""
    by_platform_id = {(a.platform, a.platform_id): a.pk for a in accounts if a.platform_id}
    follows: set[tuple[int, int]] = set()
    for account_id, platform, target in (Follow.objects.filter(account__in=[a.pk for a in accounts])
                                         .values_list("account_id", "account__platform", "target_id")):
        other = by_platform_id.get((platform, target))
        if other is not None and other != account_id:
            follows.add((account_id, other))
    graph = nx.Graph()
    graph.add_nodes_from(a.pk for a in accounts)
    graph.add_edges_from((a, b) for a, b in follows if (b, a) in follows and a < b)
    return graph


def benchmark(accounts: QuerySet[Account] | list[Account], *, start: dt.datetime, end: dt.datetime) -> list[Row]:
    accounts = list(accounts)
    totals = metrics.totals_for([a.pk for a in accounts], start=start, end=end)
    graph = _graph(accounts)
    centrality: dict[int, float] = {}
    for component in nx.connected_components(graph):
        if len(component) > 2:
            sub = graph.subgraph(component)
            try:  # power iteration, pure Python (the numpy variant needs scipy)
                centrality.update(nx.eigenvector_centrality(sub, max_iter=1000, tol=1e-8))
            except nx.PowerIterationFailedConvergence:  # e.g. a bipartite graph: fall back on degree centrality
                centrality.update(nx.degree_centrality(sub))
    return [Row(account=a, totals=totals.get(a.pk, metrics.Totals()), mutual=graph.degree[a.pk],
                centrality=round(float(centrality.get(a.pk, 0.0)), 4)) for a in accounts]


RANKINGS = {
    "most_followed": lambda r: r.totals.followers_end,
    "most_effective": lambda r: metrics.interactions_per_post(r.totals) if r.totals.posts >= MIN_POSTS else None,
    "most_conversational": lambda r: metrics.reply_share(r.totals) if r.totals.posts >= MIN_POSTS else None,
    "most_active": lambda r: metrics.posting_activity(r.totals) if r.totals.posts else None,
    "best_connected": lambda r: (r.mutual, r.centrality) if r.mutual else None,
}


def rankings(rows: list[Row], *, top: int = 10) -> dict[str, list[tuple[Row, object]]]:
    """Each ranking's top accounts with their value; an account the data cannot rank is left out."""
    out: dict[str, list[tuple[Row, object]]] = {}
    for name, key in RANKINGS.items():
        valued = [(row, key(row)) for row in rows]
        kept = [(row, value) for row, value in valued if value is not None]
        out[name] = sorted(kept, key=lambda rv: rv[1], reverse=True)[:top]
    return out


@dataclass
class LeagueRow:
    unit_id: int
    unit_code: str
    accounts: int
    followers: int
    interactions_per_post: float | None
    posts_per_day: float
    community: int  # citizens registered with the mission
    internet_users: int | None  # in the host country
    followers_per_1000_community: float | None
    followers_per_million_internet: float | None
    score: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)


def _percentiles(values: dict[int, float | None]) -> dict[int, float]:
    """Percentile rank (0–100) of each value among the known ones; unknown values get the median rank, 50."""
    known = sorted(v for v in values.values() if v is not None)
    out = {}
    for key, value in values.items():
        if value is None or len(known) < 2:
            out[key] = 50.0
        else:
            below = sum(1 for v in known if v < value)
            equal = sum(1 for v in known if v == value)
            out[key] = (below + (equal - 1) / 2) / (len(known) - 1) * 100
    return out


def league(rows: list[Row]) -> list[LeagueRow]:
    """Missions' accounts summed per mission, normalised by the mission's registered community and its host
    country's internet users; the score is the mean percentile rank of four measures (docs/social-metrics.md)."""
    community = registered_by_mission()
    audience = dict(HostAudience.objects.values_list("country_id", "internet_users"))
    units: dict[int, list[Row]] = {}
    for ranked in rows:
        if ranked.account.owner == "mission" and ranked.account.unit_id:
            units.setdefault(ranked.account.unit_id, []).append(ranked)
    table: list[LeagueRow] = []
    for unit_id, unit_rows in units.items():
        unit = unit_rows[0].account.unit
        assert unit is not None
        together = metrics.combined([r.totals for r in unit_rows])
        followers = together.followers_end or 0
        people, users = community.get(unit_id, 0), audience.get(unit.country_id)
        table.append(LeagueRow(
            unit_id=unit_id, unit_code=unit.code, accounts=len(unit_rows), followers=followers,
            interactions_per_post=metrics.interactions_per_post(together),
            posts_per_day=statistics.fmean(metrics.posting_activity(r.totals) or 0.0 for r in unit_rows),
            community=people, internet_users=users,
            followers_per_1000_community=followers / people * 1000 if people else None,
            followers_per_million_internet=followers / users * 1_000_000 if users else None))
    measures: dict[str, dict[int, float | None]] = {
        "community": {r.unit_id: r.followers_per_1000_community for r in table},
        "internet": {r.unit_id: r.followers_per_million_internet for r in table},
        "effect": {r.unit_id: r.interactions_per_post for r in table},
        "activity": {r.unit_id: r.posts_per_day for r in table},
    }
    ranks = {name: _percentiles(values) for name, values in measures.items()}
    for entry in table:
        entry.parts = {name: round(ranks[name][entry.unit_id], 1) for name in ranks}
        entry.score = round(statistics.fmean(entry.parts.values()), 1)
    return sorted(table, key=lambda r: (-r.score, r.unit_code))
