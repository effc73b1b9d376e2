"""Weekly and monthly reports, for the ministry (every account of the ministry, the minister and the missions)
and for each mission (its own accounts): the period against the one before, the best posts, the charts and
what to do next. Shown as a page, printed as a PDF (the same SVG charts), and sent to the team by e-mail
through the outbox when a period ends."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from fpdf.enums import XPos, YPos

from embassy.accounts.zones import hq_zone
from embassy.common.pdf import ReportPDF, clean
from embassy.missions.models import Mission
from embassy.social import charts, metrics, peers
from embassy.social.advice import Suggestion, suggestions_for
from embassy.social.models import Account, AccountDay, Post

PERIODS = ("week", "month")


def period_bounds(period: str, today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The last complete period before `today` (UTC days): the ISO week Monday–Sunday, or the calendar month."""
    if period == "week":
        end = today - dt.timedelta(days=today.weekday())
        start = end - dt.timedelta(days=7)
    else:
        end = today.replace(day=1)
        start = (end - dt.timedelta(days=1)).replace(day=1)
    return (dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC), dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC))


def report_accounts(unit: Mission | None) -> QuerySet[Account]:
    accounts = Account.objects.filter(active=True).exclude(owner="peer").select_related("unit")
    return accounts.filter(unit=unit) if unit is not None else accounts


@dataclass
class ReportRow:
    row: peers.Row
    previous: metrics.Totals
    advice: list[Suggestion] = field(default_factory=list)

    @property
    def followers_change(self) -> int | None:
        now, before = self.row.totals.followers_end, self.previous.followers_end
        return None if now is None or before is None else now - before


@dataclass
class Report:
    title: str
    unit: Mission | None
    period: str
    start: dt.datetime
    end: dt.datetime
    rows: list[ReportRow]
    totals: metrics.Totals
    previous: metrics.Totals
    top_posts: list[Post]
    followers_svg: str
    posts_svg: str

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(days=1)).date()


def report_for(*, unit: Mission | None, period: str, today: dt.date) -> Report:
    start, end = period_bounds(period, today)
    before = start - (end - start) if period == "week" else period_bounds("month", start.date())[0]
    accounts = list(report_accounts(unit))
    ids = [a.pk for a in accounts]
    rows = peers.benchmark(accounts, start=start, end=end)
    previous = metrics.totals_for(ids, start=before, end=start)
    zone = unit.timezone if unit is not None and unit.timezone else hq_zone()
    report_rows = [ReportRow(row=r, previous=previous.get(r.account.pk, metrics.Totals()),
                             advice=suggestions_for(r.account, now=end, zone=zone)) for r in rows]
    interactions = Coalesce(F("likes"), 0) + Coalesce(F("comments"), 0) + Coalesce(F("shares"), 0)
    top: list[Post] = list(Post.objects.filter(account_id__in=ids, published_at__gte=start, published_at__lt=end, is_repost=False)
               .annotate(interactions=interactions).select_related("account").order_by("-interactions")[:5])
    days = list(AccountDay.objects.filter(account_id__in=ids, day__gte=before.date(), day__lt=end.date(),
                                          followers__isnull=False).values_list("day", "followers"))
    by_day: dict[dt.date, float] = {}
    for day, followers in days:
        by_day[day] = by_day.get(day, 0.0) + (followers or 0)
    ordered = sorted(by_day)
    label = unit.name_id if unit is not None else _("Ministry of Foreign Affairs: all accounts")
    kinds = {_("Video"): [float(r.row.totals.videos) for r in report_rows],
             _("Other"): [float(r.row.totals.posts - r.row.totals.videos) for r in report_rows]}
    return Report(
        title=(_("Weekly social-media report: %(scope)s") if period == "week"
               else _("Monthly social-media report: %(scope)s")) % {"scope": label},
        unit=unit, period=period, start=start, end=end, rows=report_rows,
        totals=metrics.combined([r.row.totals for r in report_rows]),
        previous=metrics.combined([r.previous for r in report_rows]),
        top_posts=top,
        followers_svg=charts.line_chart(_("Followers, all accounts of the report"), [d.isoformat() for d in ordered],
                                        [by_day[d] for d in ordered]),
        posts_svg=charts.bar_chart(_("Posts by account"), [r.row.account.handle[:12] for r in report_rows], kinds))


def render_pdf(report: Report) -> bytes:
    pdf = ReportPDF(footer=clean(report.title))
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("helvetica", "B", 14)
    pdf.multi_cell(0, 7, clean(report.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.para(f"{report.start.date().isoformat()} – {report.last_day.isoformat()} (UTC)")
    t, p = report.totals, report.previous
    pdf.heading(_("In short"))
    pdf.grid([_("Measure"), _("This period"), _("The one before")], [
        [_("Posts"), t.posts, p.posts],
        [_("Interactions"), t.interactions, p.interactions],
        [_("Interactions per post"), _fmt(metrics.interactions_per_post(t)), _fmt(metrics.interactions_per_post(p))],
        [_("Followers at the end"), t.followers_end if t.followers_end is not None else "–",
         p.followers_end if p.followers_end is not None else "–"],
    ], (3, 1, 1), ("LEFT", "RIGHT", "RIGHT"))
    for svg in (report.followers_svg, report.posts_svg):
        if "<polyline" in svg or "<rect" in svg:
            pdf.image(io.BytesIO(svg.encode()), w=170)
    pdf.heading(_("Accounts"))
    pdf.grid([_("Account"), _("Posts"), _("Interactions per post"), _("Followers"), _("Change")],
             [[f"{r.row.account.get_platform_display()} {r.row.account.handle}", r.row.totals.posts,
               _fmt(metrics.interactions_per_post(r.row.totals)),
               r.row.totals.followers_end if r.row.totals.followers_end is not None else "–",
               f"{r.followers_change:+d}" if r.followers_change is not None else "–"] for r in report.rows],
             (4, 1, 2, 2, 1), ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"))
    if report.top_posts:
        pdf.heading(_("Best posts"))
        pdf.grid([_("Account"), _("Post"), _("Interactions")],
                 [[p.account.handle, (p.text or p.url)[:90], getattr(p, "interactions", "")] for p in report.top_posts],
                 (2, 6, 1), ("LEFT", "LEFT", "RIGHT"))
    advice = [(r.row.account.handle, s.text) for r in report.rows for s in r.advice]
    if advice:
        pdf.heading(_("What to do next"))
        for handle, text in advice:
            pdf.para(f"{handle}: {text}")
    return bytes(pdf.output())


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"
