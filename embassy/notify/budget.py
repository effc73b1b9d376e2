"""Monthly messaging budgets per mission: the spend is tallied, headquarters and the head of mission are told
at NOTIFY_BUDGET_ALERT_PERCENT (80 %), and a spent budget holds back ordinary messages — never life-safety
ones. Issue 12, "Cost and reach"; docs/messaging.md, "Cost and budgets".

How it works, at queue time (services._queue and notify_bulk call `budget_check`, once per batch):
- every SMS and WhatsApp row gets its estimated cost (notify.costs: the price for the number's country, per
  message; an SMS row is one segment, the outbox fits every SMS to one); a row without a price gets None and
  counts for nothing — no price is guessed;
- for the rows sent for a mission (Message.mission), one query reads the missions' budgets for this month,
  their month-to-date spend (the sum of Message.cost over the notify_msg_spend index, read without touching
  the table) and whether this month's alert went out. Each process keeps what it read for
  NOTIFY_BUDGET_CACHE_SECONDS and adds what it queues meanwhile: so the query runs at most once per batch,
  and a roll-call of 100,000 messages in 1,000 batches reads the growing sum a few times, not 1,000 (the
  spend of other processes is seen at the next read). No mission, no query;
- walking the batch in order, once a mission's spend has reached its amount, rows that are not life-safety
  are held back: stored as dead messages whose last error says why (so they show in the notification log,
  and headquarters can send one again), counted in BudgetMonth.held and logged. Life-safety messages
  (NOTIFY_LIFE_SAFETY_KINDS — the roll-call, crisis notices, SOS acknowledgements — at any priority, and
  anything at SOS priority) always go, and count;
- when the spend reaches the alert line, one alert per mission and month (a compare-and-set on
  BudgetMonth.alerted_at, so two workers cannot both send it) goes by push and e-mail through notify to the
  mission's heads and headquarters' protection analysts and administrators (accounts.staff).

Months are calendar months in UTC. A mission's own row for a month overrides its "every month" row. A budget
in another currency than the price table's is not applied (nothing is converted) and is logged; the admin
refuses one. Spend is an estimate at queue time: a message that fails later still counts."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import DecimalField, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.accounts.staff import Purpose, staff_queryset, staff_to_notify
from embassy.missions.models import Mission, Role
from embassy.notify.costs import PRICED, prices
from embassy.notify.models import BudgetMonth, Message, MissionBudget, Priority

log = logging.getLogger(__name__)

KIND_ALERT = "notify.budget"
HELD_ERROR = "budget: the mission's monthly SMS/WhatsApp budget is spent; not sent"
Tell = Callable[..., Any]  # services.notify_user, passed in by services (which imports this module)
_warned_currency: set[tuple[int, str]] = set()


def month_start(now: dt.datetime | None = None) -> dt.datetime:
    """The first instant (UTC) of the month of `now`."""
    now = (now or timezone.now()).astimezone(dt.UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def alert_percent() -> Decimal:
    return Decimal(str(settings.NOTIFY_BUDGET_ALERT_PERCENT))


def life_safety(kind: str, priority: int) -> bool:
    """Never held back by a budget: a kind of NOTIFY_LIFE_SAFETY_KINDS at any priority (the roll-call's questions
    are queued at BULK priority so that urgent traffic drains first; a budget must never stop a roll-call), or
    any message at SOS priority. Unlike services._life_safety (may it override a STOP?), no country is asked:
    this is our own spending rule, not a law."""
    return priority <= Priority.SOS or kind in settings.NOTIFY_LIFE_SAFETY_KINDS


@dataclass(frozen=True)
class Budget:
    mission_id: int
    amount: Decimal
    currency: str
    spent: Decimal  # month to date, when read
    alerted: bool


def budgets_for(mission_ids: set[int] | list[int], *, now: dt.datetime | None = None) -> dict[int, Budget]:
    """This month's budget of each of these missions that has one, with its spend so far: one query."""
    start = month_start(now)
    spent = (Message.objects.filter(mission_id=OuterRef("mission_id"), created_at__gte=start, cost__isnull=False)
             .order_by().values("mission_id").annotate(total=Sum("cost")).values("total"))
    alerted = BudgetMonth.objects.filter(mission_id=OuterRef("mission_id"), month=start.date(),
                                         alerted_at__isnull=False)
    spend = Subquery(spent, output_field=DecimalField(max_digits=20, decimal_places=5))
    rows = (MissionBudget.objects.filter(Q(month=start.date()) | Q(month__isnull=True), mission_id__in=mission_ids)
            .order_by().annotate(spent=spend, alerted=Exists(alerted))
            .values_list("mission_id", "month", "amount", "currency", "spent", "alerted"))
    found: dict[int, Budget] = {}
    months: set[int] = set()
    for mission_id, month, amount, currency, total, was_alerted in rows:
        if mission_id in months:
            continue  # the month's own budget wins over "every month"
        if month is not None:
            months.add(mission_id)
        found[mission_id] = Budget(mission_id, Decimal(amount), currency, Decimal(total or 0).quantize(
            Decimal("0.00001")), bool(was_alerted))
    return found


# --- The per-process view of this month's budgets -----------------------------------------------------------
@dataclass
class _Entry:
    budget: Budget | None  # None: the mission has no budget this month (or one in another currency)
    spent: Decimal  # the aggregate when read, plus what this process queued since
    alerted: bool
    read_at: float  # time.monotonic()


_cache: dict[tuple[int, dt.date], _Entry] = {}


def budget_invalidate() -> None:
    """Forget the budgets and spends read so far: the next batch reads them again."""
    _cache.clear()


@receiver([post_save, post_delete], sender=MissionBudget)
def _changed(**kwargs: Any) -> None:
    """A budget written (the admin): this process sees it at once; the others within NOTIFY_BUDGET_CACHE_SECONDS."""
    budget_invalidate()


def _entries(missions: set[int], start: dt.datetime, currency: str) -> dict[int, _Entry]:
    """This month's budget and spend of each mission, re-read (one query for all the stale ones) when older than
    NOTIFY_BUDGET_CACHE_SECONDS. Why not per batch: the spend is a sum over the month's rows, so reading it for
    each of a roll-call's 1,000 batches would cost time growing with the square of its size."""
    month, clock, ttl = start.date(), time.monotonic(), float(settings.NOTIFY_BUDGET_CACHE_SECONDS)
    stale = [m for m in missions if (e := _cache.get((m, month))) is None or clock - e.read_at >= ttl]
    if stale:
        for key in [k for k in list(_cache) if k[1] != month]:  # a new month: last month's entries go
            _cache.pop(key, None)
        fresh = budgets_for(stale, now=start)
        for m in stale:
            b = fresh.get(m)
            b = b if b is not None and _same_currency(b, currency) else None
            _cache[(m, month)] = _Entry(b, b.spent if b else Decimal(0), b.alerted if b else False, clock)
    return {m: _cache[(m, month)] for m in missions}


@dataclass
class BudgetCheck:
    """The outcome of a batch: the rows to queue, the rows held back, and the missions whose spend reached
    the alert line without an alert yet. `record` stores the held rows and sends the alerts."""

    queued: list[dict[str, Any]]
    held: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[tuple[Budget, Decimal]] = field(default_factory=list)
    month: dt.date = field(default_factory=lambda: month_start().date())

    def record(self, *, tell: Tell, store: bool = True) -> None:
        """Inside the batch's transaction: the held rows as dead messages (`store`; services._queue stores its
        single message itself), their count per mission, and the alerts."""
        if self.held:
            if store:
                Message.objects.bulk_create([_dead(r) for r in self.held], ignore_conflicts=True)
            now = timezone.now()
            for mission_id, n in Counter(r["mission_id"] for r in self.held).items():
                BudgetMonth.objects.get_or_create(mission_id=mission_id, month=self.month)
                BudgetMonth.objects.filter(mission_id=mission_id, month=self.month).update(
                    held=F("held") + n, last_held_at=now)
                log.warning("notify budget: mission %s has spent its budget for %s; %s messages held back",
                            mission_id, f"{self.month:%Y-%m}", n)
        for budget, spent in self.alerts:
            budget_alert(budget=budget, spent=spent, month=self.month, tell=tell)


def budget_check(rows: list[dict[str, Any]], *, now: dt.datetime | None = None) -> BudgetCheck:
    """Set the estimated "cost" of each SMS and WhatsApp row (rows are services' validated values; the others
    have none) and hold back, in order, the rows of missions whose budget is spent, except life-safety ones.
    At most one query (none without a mission, nor while this process's view of the budgets is fresh)."""
    table = prices()
    unit = table.unit_for
    missions: set[int] = set()
    for r in rows:  # the hot path of a 100,000-message roll-call: kept to a few lookups per row
        channel = r["channel"]
        if channel in PRICED:
            # One SMS segment: services stores every SMS fitted to one (services._sms_text, common.sms.sms_fit).
            r["cost"] = unit(channel, r["address"])
            if (m := r["mission_id"]) is not None:
                missions.add(m)
    start = month_start(now)
    if not missions:
        return BudgetCheck(queued=rows, month=start.date())
    entries = {m: e for m, e in _entries(missions, start, table.currency).items() if e.budget is not None}
    if not entries:
        return BudgetCheck(queued=rows, month=start.date())
    check = BudgetCheck(queued=[], month=start.date())
    for r in rows:
        e = entries.get(r["mission_id"])
        if e is not None and e.budget is not None and r["channel"] in PRICED:
            if e.spent >= e.budget.amount and not life_safety(r["kind"], r["priority"]):
                check.held.append(r)
                continue
            e.spent += r["cost"] or 0
        check.queued.append(r)
    line = alert_percent() / 100
    for e in entries.values():
        if e.budget is not None and not e.alerted and e.budget.amount > 0 and e.spent >= e.budget.amount * line:
            check.alerts.append((e.budget, e.spent))
            e.alerted = True  # a rolled-back batch leaves it unsent: the next re-read says so and it is retried
    return check


def budget_message(message: Message, *, tell: Tell) -> bool:
    """services._queue's check of one unsaved message: sets its cost; True when it is held back, having made
    it a dead message with the reason (the caller stores it like any other, so it shows in the log)."""
    if message.channel not in PRICED:
        return False
    row: dict[str, Any] = {"channel": message.channel, "address": message.address, "body": message.body,
                           "kind": message.kind, "priority": message.priority, "mission_id": message.mission_id}
    check = budget_check([row])
    message.cost = row["cost"]
    check.record(tell=tell, store=False)
    if not check.held:
        return False
    message.status, message.last_error = Message.Status.DEAD, HELD_ERROR
    message.cost = message.fallback_at = None
    return True


def _same_currency(budget: Budget, currency: str) -> bool:
    if budget.currency == currency:
        return True
    if (budget.mission_id, budget.currency) not in _warned_currency:
        _warned_currency.add((budget.mission_id, budget.currency))
        log.warning("notify budget: mission %s's budget is in %s but prices are in %s; it is not applied",
                    budget.mission_id, budget.currency, currency)
    return False


def _dead(r: dict[str, Any]) -> Message:
    return Message(channel=r["channel"], address=r["address"], user_id=r["user_id"],
                   subscription_id=r["subscription_id"], subject=r["subject"], body=r["body"], url=r["url"],
                   data=r["data"], kind=r["kind"], priority=r["priority"], dedupe_key=r["dedupe_key"],
                   topic=r["topic"], mission_id=r["mission_id"], status=Message.Status.DEAD, last_error=HELD_ERROR)


# --- The alert ----------------------------------------------------------------------------------------------
def alert_recipients(mission_id: int) -> list[User]:
    """The mission's heads and headquarters' protection analysts and administrators (active accounts)."""
    heads = staff_queryset(purpose=Purpose.PROTECTION, missions=[mission_id]).filter(
        memberships__mission_id=mission_id, memberships__role=Role.HEAD_OF_MISSION)
    people = {u.pk: u for u in [*heads, *staff_to_notify(purpose=Purpose.HEADQUARTERS)]}
    return [people[pk] for pk in sorted(people)]


def budget_alert(*, budget: Budget, spent: Decimal, month: dt.date, tell: Tell) -> bool:
    """Tell the mission's heads and headquarters that the mission's spend reached the alert line, once per
    mission and month (whoever sets BudgetMonth.alerted_at first sends it). True when this call sent it."""
    BudgetMonth.objects.get_or_create(mission_id=budget.mission_id, month=month)
    claimed = BudgetMonth.objects.filter(mission_id=budget.mission_id, month=month, alerted_at__isnull=True) \
        .update(alerted_at=timezone.now())
    if not claimed:
        return False
    mission = Mission.objects.filter(pk=budget.mission_id).first()
    try:
        url = reverse("admin:notify_missionbudget_changelist")
    except NoReverseMatch:
        url = ""
    percent = int(spent * 100 / budget.amount) if budget.amount else 100
    for user in alert_recipients(budget.mission_id):
        with translation.override(user.language or "id"):
            values = {"mission": mission.name() if mission is not None else budget.mission_id, "percent": percent,
                      "month": f"{month:%Y-%m}", "spent": f"{spent:.2f}", "amount": f"{budget.amount:.2f}",
                      "currency": budget.currency}
            tell(user=user, subject=_("Messaging budget: %(mission)s has used %(percent)s%% for %(month)s") % values,
                 body=_("%(mission)s has spent an estimated %(spent)s of its %(amount)s %(currency)s budget for SMS "
                        "and WhatsApp in %(month)s. Once the budget is spent, messages for this mission that are "
                        "not life-safety messages are no longer sent; life-safety messages always go. "
                        "Headquarters can change the budget in the administration (Messaging budgets).") % values,
                 url=url, channels=("push", "email"), kind=KIND_ALERT, priority=Priority.HIGH,
                 dedupe_key=f"budget:{budget.mission_id}:{month:%Y-%m}")
    log.warning("notify budget: mission %s reached %s%% of its budget for %s; alert sent", budget.mission_id,
                percent, f"{month:%Y-%m}")
    return True
