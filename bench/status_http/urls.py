"""The platform's URLs plus ``/bench/bare-status/``: the fair baseline for the status query.

It goes through the same middleware stack and does what a minimal status lookup must do: one
indexed SELECT of the case by its number (the status and the stored query code), a constant-time
code comparison, and a small JSON answer. No cache, no clock, no timeline.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from yiwang.cases.models import Case
from yiwang.core.crypto import constant_time_equal
from yiwang.urls import urlpatterns as platform_urls


def bare_status(request: HttpRequest) -> JsonResponse:
    row = (Case.objects.filter(number=request.GET.get("number", "")).order_by()
           .values("status", "query_code").first())
    if row is None or not constant_time_equal(row["query_code"], request.GET.get("code", "")):
        return JsonResponse({"code": "not_found"}, status=404)
    return JsonResponse({"status": row["status"]})


urlpatterns = [path("bench/bare-status/", bare_status), *platform_urls]
