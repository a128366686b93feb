from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "DEMO_MODE": settings.DEMO_MODE,
        "large_font": request.COOKIES.get("yw_large_font") == "1",
        "current_position": getattr(request, "position", None),
        "user_positions": getattr(request, "positions", []),
    }
