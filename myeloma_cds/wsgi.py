"""WSGI entry point (gunicorn myeloma_cds.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myeloma_cds.settings")

application = get_wsgi_application()
