"""URL patterns of the crisis report and alerts.

`report_patterns` go in the console's list (namespace "console", under /konsol/); `public_patterns` (the
public CAP documents, no sign-in) go in the site's root list."""

from django.urls import URLPattern, path

from embassy.crises.report import views as report_views

report_patterns: list[URLPattern] = [
    path("krisis/<int:crisis_id>/laporan/", report_views.crisis_report, name="crisis-report"),
    path("krisis/<int:crisis_id>/laporan.pdf", report_views.crisis_report_pdf_view, name="crisis-report-pdf"),
    path("krisis/<int:crisis_id>/cap/", report_views.crisis_cap, name="crisis-cap"),
    path("krisis/<int:crisis_id>/cap/<int:event_id>.xml", report_views.crisis_cap_xml, name="crisis-cap-xml"),
    path("krisis/<int:crisis_id>/level/", report_views.crisis_raise_level, name="crisis-raise-level"),
]

public_patterns: list[URLPattern] = [
    path("krisis/cap/<str:identifier>.xml", report_views.crisis_cap_public, name="crisis-cap-public"),
]
