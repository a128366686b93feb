"""Open311 GeoReport v2 routes, mounted at ``/open311/v2/`` (see :mod:`yiwang.hotline.open311`)."""

from django.urls import re_path

from yiwang.hotline import open311

app_name = "open311"

_FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + _FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + _FMT, open311.services, name="services"),
    re_path(r"^services/(?P<service_code>[A-Za-z0-9_\-.]{1,30}?)" + _FMT, open311.service_definition,
            name="service"),
    re_path(r"^requests" + _FMT, open311.requests_view, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[A-Za-z0-9_\-]{1,40})" + _FMT, open311.request_detail,
            name="request"),
    re_path(r"^tokens/(?P<token>[A-Za-z0-9_\-]{1,60})" + _FMT, open311.token_detail, name="token"),
    re_path(r"^servicerequestupdates" + _FMT, open311.service_request_updates, name="updates"),
]
