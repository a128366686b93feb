"""Console navigation: each link shows only for positions holding the page's permission."""

from __future__ import annotations

import pytest

from tests.conftest import login, make_position, make_user
from yiwang.console.templatetags.console_nav import perms_of

pytestmark = pytest.mark.django_db

LINKS = {
    "acceptance": "/cases/console/acceptance/",
    "inbox": "/cases/console/inbox/",
    "station": "/cases/console/filed/",
    "catalog": "/services/manage/",
    "process": "/workflow/",
    "registry": "/licences/registry/",
    "hotline": "/hotline/",
    "audit": "/console/audit/",
}


def _nav(client, user) -> str:
    login(client, user)
    body = client.get("/console/").content.decode()
    return body.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]


@pytest.mark.parametrize(("role", "shown", "hidden"), [
    ("window_clerk", {"acceptance", "inbox", "station", "registry", "hotline"}, {"catalog", "process", "audit"}),
    ("reviewer", {"inbox", "catalog", "hotline"}, {"acceptance", "station", "process", "registry", "audit"}),
    ("village_agent", {"station", "hotline"}, {"acceptance", "inbox", "catalog", "process", "registry", "audit"}),
    ("administrator", {"catalog", "process", "registry", "hotline", "audit"}, {"acceptance", "inbox", "station"}),
    ("supervisor", {"hotline", "audit"}, {"acceptance", "inbox", "station", "catalog", "process", "registry"}),
])
def test_nav_links_follow_position_permissions(client, county, role, shown, hidden):
    user = make_user(f"nav_{role}")
    department = county.approval_bureau if role in ("window_clerk", "reviewer") else None
    division = county.village_b1 if role == "village_agent" else county.county
    make_position(user, role, division, department)
    nav = _nav(client, user)
    for key in shown:
        assert f'href="{LINKS[key]}"' in nav, key
    for key in hidden:
        assert f'href="{LINKS[key]}"' not in nav, key


def test_agent_sees_village_station_label(client, county):
    user = make_user("nav_agent")
    make_position(user, "village_agent", county.village_b1)
    assert "村级代办站" in _nav(client, user)


def test_perms_of_inactive_position_is_empty(county):
    user = make_user("nav_inactive")
    position = make_position(user, "window_clerk", county.county, county.approval_bureau)
    assert "case.accept" in perms_of(position)
    position.is_active = False
    assert perms_of(position) == frozenset()
    assert perms_of(None) == frozenset()
