"""WSGI entry for the status benchmark (the platform with the bare baseline URL)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.status_http.settings")
application = get_wsgi_application()
