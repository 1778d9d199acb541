"""A backup made by scripts/backup.sh restores into a fresh database with scripts/restore.sh, and the
restored record passes `verify_notices` and `score --verify-all`; a damaged backup is refused."""
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from publicity.models import Notice
from publicity.services import notice_publish
from tests.processes import database_url, site_env
from tests.publicity.factories import PUBLISHED_AT, scored_campaign

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_database():
    name = f"minping_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield database_url(name)
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(script: str, *args, env: dict) -> subprocess.CompletedProcess:
    full = site_env(PYTHON=sys.executable, **env)
    return subprocess.run([str(ROOT / "scripts" / script), *map(str, args)], env=full, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def backup(tmp_path):
    """A site with one published notice and its score run, backed up."""
    campaign = scored_campaign()
    notice_publish(campaign=campaign, kind="publicity", actor="tests", now=PUBLISHED_AT)
    made = run("backup.sh", tmp_path / "backup",
               env={"DATABASE_URL": database_url()})
    assert made.returncode == 0, made.stderr
    return tmp_path / "backup"


def test_a_restored_backup_verifies_its_notices_and_runs(backup, empty_database, tmp_path):
    restored = run("restore.sh", backup, env={"DATABASE_URL": empty_database, "MEDIA_ROOT": tmp_path / "restored-media"})
    assert restored.returncode == 0, restored.stdout + restored.stderr
    with translation.override(settings.LANGUAGE_CODE):   # what the commands print, in the site's language
        notices = _("%(count)d notice(s) verified: every file matches its hash, the chain is unbroken, and the public "
                    "chain file agrees.")
        runs = _("%(count)d run(s) verified.")
    assert notices % {"count": 1} in restored.stdout and runs % {"count": 1} in restored.stdout, restored.stdout
    with psycopg.connect(empty_database) as db:
        assert db.execute("select count(*) from publicity_notice").fetchone()[0] == Notice.objects.count() == 1


def test_a_restore_missing_a_notice_file_fails_verification(backup, empty_database, tmp_path):
    """The control: the checks after a restore can fail. The media archive loses the notice's PDF."""
    media = tmp_path / "media-copy"
    media.mkdir()
    subprocess.run(["tar", "-C", media, "-xzf", backup / "media.tar.gz"], check=True)
    for pdf in media.rglob("*.pdf"):
        pdf.write_bytes(pdf.read_bytes() + b"%")   # one byte appended: the file no longer matches its hash
    subprocess.run(["tar", "-C", media, "-czf", backup / "media.tar.gz", "."], check=True)
    (backup / "SHA256SUMS").write_text(subprocess.run(
        ["sha256sum", "database.dump", "media.tar.gz"], cwd=backup, capture_output=True, text=True, check=True).stdout)
    restored = run("restore.sh", backup, env={"DATABASE_URL": empty_database, "MEDIA_ROOT": tmp_path / "restored-media"})
    assert restored.returncode == 1, restored.stdout + restored.stderr


def test_a_damaged_backup_is_refused_before_anything_is_restored(backup, empty_database, tmp_path):
    with open(backup / "database.dump", "r+b") as dump:
        dump.seek(100)
        dump.write(b"\x00\x01")
    restored = run("restore.sh", backup, env={"DATABASE_URL": empty_database, "MEDIA_ROOT": tmp_path / "restored-media"})
    assert restored.returncode == 2 and "damaged" in restored.stderr
    with psycopg.connect(empty_database) as db:
        assert db.execute("select count(*) from pg_tables where schemaname = 'public'").fetchone()[0] == 0


def test_a_backup_never_overwrites_another(backup):
    again = run("backup.sh", backup, env={})
    assert again.returncode == 2 and "not empty" in again.stderr
