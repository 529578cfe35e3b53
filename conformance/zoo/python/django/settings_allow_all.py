"""Mistake: django-cors-headers told to allow every origin, with
credentials: it echoes any Origin with Access-Control-Allow-Credentials.

Run: DJANGO_SETTINGS_MODULE=settings_allow_all PYTHONPATH=conformance/zoo/python/django \
     python3 -m django runserver --noreload 127.0.0.1:PORT
"""

from base_settings import *  # noqa: F401,F403

INSTALLED_APPS = ["corsheaders"]
MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
]
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = True
