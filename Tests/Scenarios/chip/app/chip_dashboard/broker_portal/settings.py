# chip_dashboard (seed 004) for Steward's deploy tests: everything secret or host-specific comes from the
# environment (the unit's EnvironmentFile).
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.staticfiles", "core"]
MIDDLEWARE = []
ROOT_URLCONF = "broker_portal.urls"
WSGI_APPLICATION = "broker_portal.wsgi.application"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["DATABASE_PATH"]}}
STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT")
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
