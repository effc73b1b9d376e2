"""Prometheus metrics (GET /metrics; alert rules in deploy/prometheus/alerts.yml, docs/operations.md).

Two kinds:
- measured in this process as requests are served: the SOS latency histogram and requests by status class
  (each app node is scraped on its own; with several processes per node set PROMETHEUS_MULTIPROC_DIR and
  the numbers of every process on the node are added up);
- read from the database (and Redis) when scraped, the same from any node: queue depth and the oldest
  waiting task's age, outbox backlog and lag per channel, the worker's last heartbeat, open crises, open and
  escalated SOS cases, complaints past their service level. Every query is a count or a minimum over an index.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from functools import cache

from django.conf import settings
from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from embassy.common.models import Marker
from embassy.complaints.models import Complaint
from embassy.crises.models import Crisis
from embassy.notify.models import Message
from embassy.sos import fastpath as sos_fastpath
from embassy.sos.models import Case

SOS_SECONDS = Histogram(
    "embassy_sos_request_seconds",
    "Time to answer a raised SOS (POST /api/v1/sos/alerts and the panic page), in this app node.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REQUESTS = Counter("embassy_http_requests", "Requests answered by this app node, by status class.", ["status"])
_CLASSES = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}


@cache
def sos_paths() -> frozenset[str]:
    return frozenset({sos_fastpath.PATH, reverse("sos:panic")})


def observe(*, method: str, path: str, status: int, seconds: float) -> None:
    REQUESTS.labels(_CLASSES.get(status // 100, "other")).inc()
    if method == "POST" and path in sos_paths():
        SOS_SECONDS.observe(seconds)


def _age(now: dt.datetime, then: dt.datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then else 0.0


def _tasks_waiting(now: dt.datetime) -> dict[str, tuple[int, float]]:
    """Per queue: tasks ready to run and the age of the oldest."""
    if settings.TASKS_BACKEND == "rq":
        import django_rq  # installed with the rq backend (deploy/)

        waiting = {}
        for name in settings.TASKS["default"]["QUEUES"]:
            queue = django_rq.get_queue(name)
            oldest = queue.fetch_job(queue.get_job_ids(0, 1)[0]) if queue.count else None
            enqueued = oldest.enqueued_at.replace(tzinfo=dt.UTC) if oldest and oldest.enqueued_at else None
            waiting[name] = (queue.count, _age(now, enqueued))
        return waiting
    if settings.TASKS_BACKEND != "database":
        return {}
    from django_tasks_db.models import DBTaskResult

    rows = (DBTaskResult.objects.ready().values("queue_name")
            .annotate(n=Count("id"), oldest=Min("enqueued_at")).order_by())
    return {r["queue_name"]: (r["n"], _age(now, r["oldest"])) for r in rows}


class DatabaseCollector(Collector):
    """What the platform is waiting on, read from the database when Prometheus scrapes."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        yield from self._queue(now)
        yield from self._outbox(now)
        yield from self._casework(now)

    def _queue(self, now: dt.datetime) -> Iterator[Metric]:
        depth = GaugeMetricFamily("embassy_task_queue_depth", "Tasks ready to run, per queue.", labels=["queue"])
        age = GaugeMetricFamily("embassy_task_oldest_age_seconds", "Age of the oldest task ready to run, per queue.",
                                labels=["queue"])
        for queue, (n, oldest) in sorted(_tasks_waiting(now).items()):
            depth.add_metric([queue], n)
            age.add_metric([queue], oldest)
        beat = Marker.objects.filter(key="worker.heartbeat").values_list("value", flat=True).first()
        beat_at = dt.datetime.fromisoformat(beat["at"]) if beat else None
        yield depth
        yield age
        yield GaugeMetricFamily("embassy_worker_heartbeat_age_seconds",
                                "Seconds since a worker last ran the heartbeat task (every minute when all is well; "
                                "-1 before the first).", value=_age(now, beat_at) if beat_at else -1)

    def _outbox(self, now: dt.datetime) -> Iterator[Metric]:
        pending = GaugeMetricFamily("embassy_outbox_pending", "Messages queued or being sent, per channel.",
                                    labels=["channel"])
        lag = GaugeMetricFamily("embassy_outbox_lag_seconds",
                                "How long the most overdue message has been due and not yet sent, per channel.",
                                labels=["channel"])
        rows = (Message.objects.filter(status__in=[Message.Status.QUEUED, Message.Status.SENDING])
                .values("channel").annotate(n=Count("id"), due=Min("next_attempt_at")).order_by())
        for row in sorted(rows, key=lambda r: r["channel"]):
            pending.add_metric([row["channel"]], row["n"])
            lag.add_metric([row["channel"]], _age(now, row["due"]) if row["due"] and row["due"] <= now else 0.0)
        yield pending
        yield lag

    def _casework(self, now: dt.datetime) -> Iterator[Metric]:
        crises = GaugeMetricFamily("embassy_crises_open", "Crises proposed or active.", labels=["status"])
        counts = dict(Crisis.objects.filter(status__in=[Crisis.Status.PROPOSED, Crisis.Status.ACTIVE])
                      .values_list("status").annotate(n=Count("id")).order_by())
        for status in (Crisis.Status.PROPOSED, Crisis.Status.ACTIVE):
            crises.add_metric([status.value], counts.get(status, 0))
        yield crises
        sos = GaugeMetricFamily("embassy_sos_open", "Open SOS cases by status and escalation level "
                                "(0 duty officer, 1 mission, 2 headquarters).", labels=["status", "level"])
        for status, level, n in (Case.objects.filter(status__in=Case.OPEN).values_list("status", "escalation_level")
                                 .annotate(n=Count("id")).order_by("status", "escalation_level")):
            sos.add_metric([status, str(level)], n)
        yield sos
        yield GaugeMetricFamily("embassy_complaints_overdue", "Complaints past their service level (red).",
                                value=Complaint.objects.filter(due_at__lte=now).count())
        yield GaugeMetricFamily(
            "embassy_sos_escalations_last_hour", "SOS cases escalated in the last hour.",
            value=Case.objects.filter(escalated_at__gte=now - dt.timedelta(hours=1)).count())


_DATABASE = DatabaseCollector()


def exposition() -> bytes:
    """The text format Prometheus scrapes: this process's (or, in multi-process mode, this node's) measurements
    and the database's figures."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(_DATABASE)
    return generate_latest(registry)


class _ProcessMetrics(Collector):
    """The default registry's metrics (this process's histograms, counters, and Python/process figures)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
