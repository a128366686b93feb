from django.conf import settings
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from yiwang.api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    # Browsers and API clients ask for /favicon.ico whatever the page links; the file is in static.
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static_url("yiwang/favicon.svg"))),
    path("accounts/", include("yiwang.accounts.urls")),
    path("console/", include("yiwang.console.urls")),
    path("inbox/", include("yiwang.notify.urls")),
    path("", include("yiwang.calendar.urls")),
    path("services/", include("yiwang.catalog.urls")),
    path("cases/", include("yiwang.cases.urls")),
    path("licences/", include("yiwang.licences.urls")),
    path("workflow/", include("yiwang.workflow.urls")),
    path("hotline/", include("yiwang.hotline.stats_urls")),
    path("hotline/", include("yiwang.hotline.urls")),
    path("supervision/", include("yiwang.supervision.urls")),
    path("ratings/", include("yiwang.evaluation.urls")),
    path("performance/", include("yiwang.performance.urls")),
    path("open311/v2/", include("yiwang.hotline.open311_urls")),
    path("", include("yiwang.portal.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static as static_files

    urlpatterns += static_files(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site.site_header = _("一网 · 系统管理")
admin.site.site_title = _("一网")
handler400 = "yiwang.portal.views.error_400"
handler403 = "yiwang.portal.views.error_403"
handler404 = "yiwang.portal.views.error_404"
handler500 = "yiwang.portal.views.error_500"
