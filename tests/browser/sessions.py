"""Switching the browser between personas in the journeys.

Staff sessions are made server-side with password and TOTP passed (the TOTP screen has its own
journey in ``test_login_totp.py``); citizens sign in through the login page.
"""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.conftest import login


def as_staff(page: Any, live_server: Any, user: Any) -> None:
    """Switch the browser to ``user``: a server-side session with password and TOTP passed."""
    client = login(Client(), user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def as_citizen(page: Any, live_server: Any, username: str, password: str) -> None:
    """Sign a citizen in through the login page (no second factor for the public)."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="登录").last.click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url


def flash(page: Any) -> str:
    return page.locator(".messages").inner_text()
