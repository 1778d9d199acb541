"""Settings for the test suite: fast hashing, a throw-away media folder."""
import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")

from .base import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="minping-test-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="minping-test-static-")
MINPING_UPLOAD_DIR = tempfile.mkdtemp(prefix="minping-test-uploads-")
# The test client's host and the one schemathesis calls the WSGI app with, besides the environment's.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver", "localhost"]  # noqa: F405
STORAGES = {**STORAGES, "uploads": {**STORAGES["uploads"], "OPTIONS": {"location": MINPING_UPLOAD_DIR}}}  # noqa: F405

# Jobs run at once, inside the request that starts them; tests/jobs/ run the real queue and workers.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
