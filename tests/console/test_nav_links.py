"""Every link in the console navigation opens for the position that sees it: no link to a 403."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["clerk_a", "clerk_b", "supervisor"])
def test_console_nav_links_open(client, request, persona):
    user = request.getfixturevalue(persona)
    login(client, user)
    home = client.get("/console/")
    assert home.status_code == 200
    nav = re.search(r'<nav[^>]*>(.*?)</nav>', home.content.decode(), re.S)
    assert nav is not None
    links = set(re.findall(r'href="(/[^"]+)"', nav.group(1)))
    assert links
    for href in sorted(links):
        response = client.get(href)
        assert response.status_code in (200, 302), f"{persona}: {href} → {response.status_code}"


@pytest.mark.parametrize("persona", ["clerk_a", "supervisor"])
def test_hotline_nav_links_open(client, request, persona):
    user = request.getfixturevalue(persona)
    login(client, user)
    page = client.get("/hotline/")
    assert page.status_code == 200
    nav = re.search(r'<nav class="subnav"[^>]*>(.*?)</nav>', page.content.decode(), re.S)
    assert nav is not None
    for href in sorted(set(re.findall(r'href="(/[^"]+)"', nav.group(1)))):
        response = client.get(href)
        assert response.status_code in (200, 302), f"{persona}: {href} → {response.status_code}"
