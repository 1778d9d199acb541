"""Printed invitation slips: A4 sheets of eight cut-out slips, each with its code and a QR code.

Codes are issued and rendered in one transaction: if the PDF cannot be written, no code is
issued, since a code that was never printed could never be used.
"""
from dataclasses import dataclass
from pathlib import Path

import segno
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from minping.pdf import render_pdf

from .models import EvaluatorGroup
from .services import ballot_url, invitations_issue


@dataclass(frozen=True)
class Slip:
    code: str
    url: str
    qr_svg: str
    name: str = ""
    organisation: str = ""


def render_slips_pdf(group: EvaluatorGroup, slips: list[Slip]) -> bytes:
    html = render_to_string("surveys/slips.html", {"campaign": group.campaign, "group": group, "slips": slips})
    return render_pdf(html)


def make_slip(code: str, name: str = "", organisation: str = "") -> Slip:
    url = ballot_url(code)
    qr = segno.make(url, error="m").svg_inline(scale=3, border=0)
    return Slip(code=code, url=url, qr_svg=qr, name=name, organisation=organisation)


def invitation_slips(*, group: EvaluatorGroup, out: Path, actor, count: int | None = None, roster: bool = False) -> int:
    """Issue invitations and write their slips to `out` (which must not exist); returns the count.

    With `roster`, one slip per named evaluator of the group's roster, with the name printed;
    the pairing of name and code exists only on paper.
    """
    people = list(group.roster.order_by("name").values_list("name", "organisation")) if roster else None
    if roster and not people:
        raise ValueError(_("Group “%(group)s” has no roster entries.") % {"group": group.name})
    wanted = len(people) if roster else count
    with transaction.atomic():
        codes = invitations_issue(group=group, count=wanted, actor=actor)
        names = people or [("", "")] * len(codes)
        pdf = render_slips_pdf(group, [make_slip(code, *person) for code, person in zip(codes, names, strict=True)])
        with out.open("xb") as handle:
            handle.write(pdf)
    return wanted
