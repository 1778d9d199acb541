"""One hash chain over all of the site's notices, checked by `verify_notices`."""
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from publicity.models import GENESIS_SHA256
from publicity.services import notice_publish

from .factories import AFTER_PERIOD, as_database_administrator


@pytest.fixture
def chain(published):
    """The publicity notice and the final report: a chain of two."""
    second = notice_publish(campaign=published.campaign, kind="final", actor="tests", now=AFTER_PERIOD)
    return [published, second]


def _verify() -> str:
    out = io.StringIO()
    call_command("verify_notices", stdout=out)
    return out.getvalue()


def test_notices_form_one_chain(chain):
    first, second = chain
    assert first.previous_sha256 == GENESIS_SHA256
    assert second.previous_sha256 == first.sha256 and second.sequence == 2
    assert "已校验 2 份公告" in _verify()


def test_an_altered_file_breaks_the_chain_at_that_notice(chain):
    first = chain[0]
    with default_storage.open(first.file.name, "rb") as handle:
        data = bytearray(handle.read())
    data[len(data) // 2] ^= 0x01
    default_storage.delete(first.file.name)
    default_storage.save(first.file.name, ContentFile(bytes(data)))
    with pytest.raises(CommandError, match=r"#1 .*存储文件的 SHA-256"):
        _verify()


def test_an_altered_stored_hash_breaks_the_chain(chain):
    second = chain[1]
    as_database_administrator("UPDATE publicity_notice SET sha256 = %s WHERE id = %s", ["f" * 64, second.pk])
    with pytest.raises(CommandError, match=r"#2 .*记录的哈希值为 f{64}"):
        _verify()


def test_an_altered_previous_hash_breaks_the_link(chain):
    second = chain[1]
    as_database_administrator("UPDATE publicity_notice SET previous_sha256 = %s WHERE id = %s", ["e" * 64, second.pk])
    with pytest.raises(CommandError, match=r"#2 .*上一份哈希值 e{64}"):
        _verify()
