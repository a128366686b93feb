"""Statistics and report routes under ``/hotline/`` (namespace ``hotline_stats``)."""

from django.urls import path, re_path

from yiwang.hotline import reports, stats

app_name = "hotline_stats"

urlpatterns = [
    path("stats/", stats.stats_page, name="page"),
    path("stats/data.json", stats.stats_data, name="data"),
    re_path(r"^reports/(?P<period>week|month)\.(?P<fmt>xlsx|pdf)$", reports.report_download, name="report"),
]
