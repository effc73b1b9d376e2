"""Shared helpers for benchmarks: record results in the DESIGN.md format and print them as a table.

A result file var/bench/<name>.json looks like:
{"benchmark": "geo", "when": "2025-01-01T00:00:00+00:00", "params": {...},
 "results": {"<metric>": number, ...}, "baseline": {"<metric>": number, ...},
 "goals": [{"metric": "...", "op": ">=", "target": number, "value": number, "met": true}]}
`baseline[m]` is what the baseline implementation, measured in the same run, achieved on metric m.
"""

from __future__ import annotations

import json
import math
import operator
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}

Goal = tuple[str, str, float] | Mapping[str, Any]


def bench_dir() -> Path:
    """var/bench (settings.VAR_DIR when Django is configured)."""
    from django.conf import settings

    var = Path(settings.VAR_DIR) if settings.configured else Path(__file__).resolve().parents[1] / "var"
    return var / "bench"


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """(fn(), seconds it took)."""
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def evaluate_goals(goals: Iterable[Goal], results: Mapping[str, float]) -> list[dict[str, Any]]:
    """Each goal as {"metric", "op", "target", "value", "met"}; a goal whose metric is missing is not met."""
    out: list[dict[str, Any]] = []
    for goal in goals:
        if isinstance(goal, Mapping):
            metric, op, target = goal["metric"], goal["op"], goal["target"]
        else:
            metric, op, target = goal
        if op not in OPS:
            raise ValueError(f"unknown goal operator {op!r}")
        value = results.get(metric)
        met = (
            value is not None
            and not (isinstance(value, float) and math.isnan(value))
            and OPS[op](value, target)
        )
        out.append({"metric": metric, "op": op, "target": target, "value": value, "met": bool(met)})
    return out


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value == 0 or math.isnan(value) or math.isinf(value):
            return str(value)
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.4g}"
    return str(value)


def format_table(name: str, doc: Mapping[str, Any]) -> str:
    """metric | value | baseline | ratio rows, then the goals with met / NOT MET."""
    results, baseline = doc["results"], doc["baseline"]
    rows = [("metric", "value", "baseline", "ratio")]
    for metric, value in results.items():
        base = baseline.get(metric)
        ratio = "-"
        if isinstance(base, int | float) and isinstance(value, int | float) and base:
            ratio = f"{value / base:.2f}x"
        rows.append((metric, _fmt(value), _fmt(base), ratio))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"== {name} ({doc['when']}) " + " ".join(f"{k}={v}" for k, v in doc["params"].items())]
    for n, row in enumerate(rows):
        lines.append(
            f"{row[0]:<{widths[0]}} | {row[1]:>{widths[1]}} | {row[2]:>{widths[2]}} | {row[3]:>{widths[3]}}"
        )
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    if doc["goals"]:
        lines.append("goals:")
        for g in doc["goals"]:
            status = "met" if g["met"] else "NOT MET"
            lines.append(f"  {g['metric']} {g['op']} {_fmt(g['target'])}: {_fmt(g['value'])}  {status}")
    return "\n".join(lines)


def write_result(
    name: str,
    params: Mapping[str, Any],
    results: Mapping[str, float],
    baseline: Mapping[str, float],
    goals: Iterable[Goal],
    directory: Path | None = None,
) -> dict[str, Any]:
    """Write var/bench/<name>.json (DESIGN.md convention 10), print the table, return the document."""
    doc: dict[str, Any] = {
        "benchmark": name,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": dict(params),
        "results": dict(results),
        "baseline": dict(baseline),
        "goals": evaluate_goals(goals, results),
    }
    target = directory or bench_dir()
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    tmp.replace(path)
    print(format_table(name, doc))
    print(f"(written to {path})")
    return doc


# The same benchmark on the single-machine default (SQLite) and on the production path (PostgreSQL, the cluster).
PAIRS = (("sos", "cluster"), ("seed", "seed-postgres"), ("privacy", "privacy-postgres"), ("crisis", "crisis-cluster"))


def side_by_side(directory: Path | None = None) -> str:
    """For each pair whose two result files exist: the metrics they share, SQLite beside PostgreSQL."""
    target = directory or bench_dir()
    out: list[str] = []
    for left, right in PAIRS:
        a, b = target / f"{left}.json", target / f"{right}.json"
        if not (a.exists() and b.exists()):
            continue
        da, db = json.loads(a.read_text()), json.loads(b.read_text())
        shared = [m for m in da["results"] if m in db["results"]]
        rows = [("metric", f"{left} (SQLite)", f"{right} (PostgreSQL)")]
        rows += [(m, _fmt(da["results"][m]), _fmt(db["results"][m])) for m in shared]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        out.append(f"== side by side: {left} ({da['when']}) and {right} ({db['when']})")
        for n, row in enumerate(rows):
            out.append(f"{row[0]:<{widths[0]}} | {row[1]:>{widths[1]}} | {row[2]:>{widths[2]}}")
            if n == 0:
                out.append("-+-".join("-" * w for w in widths))
    return "\n".join(out)
