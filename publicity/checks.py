"""System checks for the record outside the database (publicity/anchoring.py)."""
from pathlib import Path

from django.conf import settings
from django.core import checks


@checks.register()
def timestamp_authority(app_configs=None, **kwargs):
    """A TSA whose tokens cannot be checked would mark every notice as broken: name its certificates."""
    if not settings.MINPING_TSA_URL:
        return []
    if not settings.MINPING_TSA_CERTIFICATES:
        return [checks.Error("MINPING_TSA_URL is set but MINPING_TSA_CERTIFICATES is empty: name the timestamp "
                             "authority's certificates (PEM files), or its tokens cannot be verified.",
                             id="publicity.E001")]
    return [checks.Error(f"MINPING_TSA_CERTIFICATES names no file: {path}", id="publicity.E002")
            for path in settings.MINPING_TSA_CERTIFICATES if not Path(path).is_file()]
