"""Placeholder replaced by the accounts work (login, registration, two-factor)."""

from django.http import HttpRequest, HttpResponse


def two_factor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)
