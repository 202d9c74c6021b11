"""The WSGI module gunicorn would import; loads the URL conf too, as the first request would."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
application = get_wsgi_application()

from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
