"""The client address behind load balancers: X-Forwarded-For is believed only from trusted proxies."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from yiwang.core.context import client_ip, request_client_ip
from yiwang.core.middleware import RequestContextMiddleware


def meta(remote: str, forwarded: str | None = None) -> dict:
    data = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        data["HTTP_X_FORWARDED_FOR"] = forwarded
    return data


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(meta("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("10.0.0.5", "198.51.100.7", "198.51.100.7"),  # one balancer
        ("10.0.0.5", "198.51.100.7, 10.0.0.9", "198.51.100.7"),  # two proxy hops, both trusted
        ("10.0.0.5", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # a forged leftmost entry is not believed
        ("10.0.0.5", "", "10.0.0.5"),  # no header: the proxy itself
        ("10.0.0.5", "not-an-ip", "10.0.0.5"),  # a malformed chain falls back to the socket
        ("10.0.0.5", "2001:db8::1", "2001:db8::1"),
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # the header from an untrusted peer
    ],
)
def test_trusted_proxies_are_skipped_from_the_right(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]
    assert client_ip(meta(remote, forwarded)) == expected


def test_two_citizens_behind_one_balancer_get_two_addresses(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    factory = RequestFactory()
    seen = []
    middleware = RequestContextMiddleware(lambda request: seen.append(request.ip) or None)
    for citizen in ("198.51.100.7", "198.51.100.8"):
        request = factory.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=citizen)
        try:
            middleware(request)
        except AttributeError:
            pass  # the stub view returns None; only request.ip matters here
        assert request_client_ip(request) == citizen
    assert seen == ["198.51.100.7", "198.51.100.8"]


@pytest.mark.django_db
def test_status_query_throttle_buckets_per_citizen_behind_the_balancer(settings, client):
    """Behind the load balancer every citizen has their own bucket, not one shared by all."""
    from django.core.cache import cache

    QUERY_LIMIT = settings.RATE_LIMITS["cases.status_query"][0]  # noqa: N806
    cache.clear()
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    url = "/api/v1/cases/status?number=NOPE&code=000000"
    for _ in range(QUERY_LIMIT):
        response = client.get(url, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
        assert response.status_code == 404
    assert client.get(url, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    # another citizen through the same balancer is not throttled
    assert client.get(url, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 404
    # and a client that forges the header without the balancer is counted by its own address
    assert client.get(url, REMOTE_ADDR="203.0.113.1", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 404
    cache.clear()
