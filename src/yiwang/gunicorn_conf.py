"""gunicorn settings for ``manage.py serve`` (``gunicorn -c python:yiwang.gunicorn_conf``).

gunicorn writes ``Server: gunicorn`` on every answer and has no setting to turn it off;
telling the world which server (and so which known flaws) answers helps only an attacker.
This file, loaded by the master before it forks the workers, drops that header line.
"""

from __future__ import annotations

from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _default_headers_without_server(self: wsgi.Response) -> list[str]:
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


wsgi.Response.default_headers = _default_headers_without_server  # type: ignore[method-assign]
