"""Language choice: zh-hans unless the person chose English with the language switcher.

Pages ignore the browser's Accept-Language (a county platform speaks Chinese by default; a
visitor switches with the selector, stored in the language cookie). API clients may still ask
for English with ``Accept-Language``, as HTTP APIs usually allow.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

API_PREFIXES = ("/api/", "/open311/")


class PlatformLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith(API_PREFIXES):
            super().process_request(request)
            return
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
