"""Open311 GeoReport v2 routes, mounted at ``/open311/v2/`` (see :mod:`yiwang.hotline.open311`)."""

from django.urls import re_path

from yiwang.hotline.open311 import discovery, lookup, updates

app_name = "open311"

_FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + _FMT, discovery.discovery, name="discovery"),
    re_path(r"^services" + _FMT, discovery.services, name="services"),
    re_path(r"^services/(?P<service_code>[A-Za-z0-9_\-.]{1,30}?)" + _FMT, discovery.service_definition,
            name="service"),
    re_path(r"^requests" + _FMT, lookup.requests_view, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[A-Za-z0-9_\-]{1,40})" + _FMT, lookup.request_detail,
            name="request"),
    re_path(r"^tokens/(?P<token>[A-Za-z0-9_\-]{1,60})" + _FMT, lookup.token_detail, name="token"),
    re_path(r"^servicerequestupdates" + _FMT, updates.service_request_updates, name="updates"),
]
