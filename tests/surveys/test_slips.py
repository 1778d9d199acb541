"""Invitation slips: printed codes that work, exist nowhere else, in a real PDF read back."""
import io
import re
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from surveys.codes import hash_code, normalize_code
from surveys.models import AuditEvent, Invitation, RosterEntry

pytestmark = pytest.mark.django_db
CODE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}")


def _slips(tmp_path, *args):
    out = tmp_path / "slips.pdf"
    call_command("invitation_slips", "open-2026", "--group", "delegates", *args, "--out", str(out), stdout=io.StringIO())
    return out


def test_eight_slips_a_page_each_code_printed_once_and_valid(tmp_path, open_campaign):
    pdf = _slips(tmp_path, "--count", "10")
    reader = PdfReader(pdf)
    assert len(reader.pages) == 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    codes = CODE.findall(text)
    printed = {c for c in codes}
    assert len(printed) == 10
    for code in printed:
        assert Invitation.objects.filter(code_hash=hash_code(normalize_code(code))).exists()
    assert Invitation.objects.count() == 10
    assert "测试评议" in text and text.count("/b/") == 10
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width * 25.4 / 72), round(height * 25.4 / 72)) == (210, 297)
    group = open_campaign.groups.get(key="delegates")
    assert AuditEvent.objects.get(action="invitation.issue", object_id=str(group.pk)).data == {"count": 10}


def test_fonts_are_embedded(tmp_path, open_campaign):
    fonts = subprocess.run(["pdffonts", str(_slips(tmp_path, "--count", "1"))], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts


def test_roster_slips_name_each_delegate(tmp_path, open_campaign):
    group = open_campaign.groups.get(key="delegates")
    for name, organisation in (("张三", "市人大代表"), ("李四", "市政协委员"), ("王五", "")):
        RosterEntry.objects.create(campaign=open_campaign, group=group, name=name, organisation=organisation)
    text = "\n".join(p.extract_text() for p in PdfReader(_slips(tmp_path, "--roster")).pages)
    for name in ("张三", "李四", "王五"):
        assert name in text
    assert "市人大代表" in text and Invitation.objects.count() == 3
    # Nothing stored ties a name to a code.
    assert {f.name for f in RosterEntry._meta.concrete_fields} == {"id", "campaign", "group", "name", "organisation",
                                                                   "contact"}


def test_roster_without_entries_is_refused(tmp_path, open_campaign):
    with pytest.raises(CommandError, match="没有名单"):
        _slips(tmp_path, "--roster")
    assert not Invitation.objects.exists()


def test_no_code_is_issued_when_the_pdf_cannot_be_rendered(tmp_path, open_campaign, monkeypatch):
    import surveys.slips

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(surveys.slips, "render_slips_pdf", broken)
    with pytest.raises(RuntimeError):
        _slips(tmp_path, "--count", "3")
    assert not Invitation.objects.exists() and not (tmp_path / "slips.pdf").exists()


def test_an_existing_file_is_never_overwritten(tmp_path, open_campaign):
    (tmp_path / "slips.pdf").write_bytes(b"%PDF old")
    with pytest.raises(CommandError):
        _slips(tmp_path, "--count", "1")
    assert (tmp_path / "slips.pdf").read_bytes() == b"%PDF old" and not Invitation.objects.exists()


def test_rendering_fetches_nothing_but_data_urls(tmp_path):
    from weasyprint.urls import FatalURLFetchingError

    from minping.pdf import render_pdf

    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for the pdf")
    for url in ("http://127.0.0.1:9/x.png", secret.as_uri()):
        with pytest.raises(FatalURLFetchingError):
            render_pdf(f'<img src="{url}">')
    pixel = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
             "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
    assert render_pdf(f'<img src="{pixel}">').startswith(b"%PDF")
