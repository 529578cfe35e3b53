"""The zoo's minimal Django project: what every settings module starts from
(the broken one, settings_allow_all.py, and the fixed one the test writes
from corsair's snippet)."""

SECRET_KEY = "corsair-zoo-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "api.example.test"]
ROOT_URLCONF = "urls"
USE_TZ = True
