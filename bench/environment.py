"""Django for a benchmark process: base settings, DEBUG off, a throw-away key and var folder."""
import os
import secrets
import tempfile


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minping.settings.base")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("MINPING_VAR_DIR", tempfile.mkdtemp(prefix="minping-bench-"))
    os.environ["DEBUG"] = "0"  # query logging would distort time and memory

    import django

    django.setup()
