"""Public notice pages, verification, the objection form; the staff preview and publish pages.

Thin: reads come from `publicity.selectors`, writes from `publicity.services`. Staff pages check
the role themselves (anonymous → login, others → 403). Publishing asks for confirmation and then
runs as a background job (`publicity.jobs`); previews carry a "预览 — 未发布" watermark.
"""
import hashlib

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from jobs.services import job_enqueue
from minping.lib import ratelimit
from surveys.models import Campaign, Unit
from surveys.roles import require_evaluation_staff

from . import anchoring, document, results, selectors, services, signing
from .forms import ObjectionForm, PublishForm, ResultsFilterForm, VerifyForm
from .jobs import publish_notice
from .models import Notice, Objection
from .signals import objection_looked_up

# --- Public ------------------------------------------------------------------------------------

def notice_list(request):
    return render(request, "publicity/list.html", {"notices": selectors.notices_published()})


def notice_detail(request, pk: int):
    notice = get_object_or_404(Notice.objects.select_related("campaign", "run"), pk=pk)
    context = {"notice": notice, "accepts_objections": selectors.notice_accepts_objections(notice),
               "previous": Notice.objects.filter(sha256=notice.previous_sha256).first(),
               "next": Notice.objects.filter(previous_sha256=notice.sha256).first(),
               "problems": selectors.notice_problems(notice),
               "timestamped": selectors.notice_timestamp(notice) is not None}
    return render(request, "publicity/detail.html", context)


@require_safe
def notice_results(request, pk: int):
    """The published notice's results as an HTML page (the PDF stays the official record)."""
    notice = get_object_or_404(Notice.objects.select_related("campaign", "run"), pk=pk)
    choices = results.notice_result_choices(notice)
    form = ResultsFilterForm(request.GET or None, kinds=choices.kinds, districts=choices.districts)
    if form.is_bound and not form.is_valid():
        return render(request, "publicity/results.html", {"notice": notice, "form": form}, status=400)
    wanted = form.cleaned_data if form.is_bound else {}
    sort = wanted.get("sort") or "score"
    context = {"notice": notice, "form": form, "sort": sort, "sort_links": _sort_links(request),
               "results": results.notice_results(notice, kind=wanted.get("kind", ""),
                                                 district=wanted.get("district", ""), sort=sort)}
    return render(request, "publicity/results.html", context)


def _sort_links(request) -> list[tuple[str, str, str]]:
    """(key, label, address) of each order, keeping the filter chosen."""
    links = []
    for key, label in ResultsFilterForm.base_fields["sort"].choices:
        query = request.GET.copy()
        query["sort"] = key
        links.append((key, label, "?" + query.urlencode()))
    return links


@require_safe
def unit_history(request, code: str):
    """A unit's published results across campaigns."""
    unit = get_object_or_404(Unit, code=code)
    history = results.unit_history(unit)
    return render(request, "publicity/unit.html", {"unit": unit, "history": history,
                                                   "svg": results.unit_history_svg(history, unit)})


# --- The record outside the database: anyone may fetch, mirror and check these --------------------

def _download(data: bytes | None, content_type: str, filename: str) -> HttpResponse:
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-cache"  # it grows with every notice
    return response


@require_safe
def chain_file(request):
    return _download(anchoring.chain_bytes(), "application/x-ndjson; charset=utf-8", "chain.jsonl")


@require_safe
def chain_signature(request):
    return _download(anchoring.signature_bytes(), "application/pkcs7-signature", "chain.jsonl.p7s")


@require_safe
def signing_certificate(request):
    return _download(anchoring.certificate_pem(), "application/x-pem-file", "signing-certificate.pem")


@require_safe
def notice_timestamp(request, pk: int):
    notice = get_object_or_404(Notice, pk=pk)
    return _download(selectors.notice_timestamp(notice), "application/octet-stream",
                     f"{notice.campaign.slug}-{notice.kind}-{notice.sha256[:12]}.tsr")


def notice_pdf(request, pk: int):
    notice = get_object_or_404(Notice, pk=pk)
    if not default_storage.exists(notice.file.name):
        raise Http404
    filename = f"{notice.campaign.slug}-{notice.kind}-{notice.sha256[:12]}.pdf"
    return FileResponse(default_storage.open(notice.file.name, "rb"), as_attachment=True, filename=filename,
                        content_type="application/pdf")


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """Upload a PDF or paste a hash: is it a notice this site published, unchanged?"""
    result = None
    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "GET" and request.GET.get("sha256"):
        form = VerifyForm({"sha256": request.GET["sha256"]})
    if form.is_bound:
        client = ratelimit.client_fingerprint(request)
        if ratelimit.over_limit("notice-verify", client, settings.MINPING_VERIFY_LIMIT):
            return render(request, "publicity/verify.html", {"form": VerifyForm(), "limited": True}, status=429)
        ratelimit.hit("notice-verify", client, settings.MINPING_VERIFY_WINDOW)
        if form.is_valid():
            result = _verify_result(form.cleaned_data)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "publicity/verify.html", {"form": form, "result": result}, status=status)


def _verify_result(data: dict) -> dict:
    upload = data.get("file")
    sigs = []
    if upload:
        digest, content = hashlib.sha256(), bytearray()
        for chunk in upload.chunks():
            digest.update(chunk)
            content += chunk
        sha256 = digest.hexdigest()
        sigs = signing.signatures(bytes(content))
    else:
        sha256 = data["sha256"]
    notice = selectors.notice_by_sha256(sha256)
    # "Authentic" / "recorded" only while the record holds: the stored file still has this hash, and the
    # public chain file agrees. A hash the chain file knows but the database lost is reported too.
    problems = selectors.notice_problems(notice) if notice else []
    in_chain = selectors.chain_entry_by_sha256(sha256) if notice is None else None
    return {"sha256": sha256, "notice": notice, "problems": problems, "in_chain": in_chain,
            "uploaded": bool(upload), "signatures": sigs}


def _units_of(notice: Notice) -> list[tuple[str, str]]:
    return [(u.code, u.name) for _kind, units in notice.run.outcome.units_by_kind()
            for u in sorted(units, key=lambda u: u.code)]


@never_cache
@require_http_methods(["GET", "POST"])
def objection_form(request, campaign: str):
    """The public objection form of a campaign's publicity notice (the URL printed in the notice)."""
    target = get_object_or_404(Campaign, slug=campaign)
    notice = selectors.notice_publicity(target)
    if notice is None:
        raise Http404
    if not selectors.notice_accepts_objections(notice):
        return render(request, "publicity/objection_closed.html", {"notice": notice}, status=410)
    form = ObjectionForm(request.POST or None, units=_units_of(notice))
    if request.method == "POST":
        client = ratelimit.client_fingerprint(request)
        if ratelimit.over_limit("objections", client, settings.MINPING_OBJECTIONS_LIMIT):
            message = _("Too many objections from this connection. Try again later, or call or write to us.")
            return render(request, "publicity/objection_form.html",
                          {"notice": notice, "form": form, "limited": message}, status=429)
        ratelimit.hit("objections", client, settings.MINPING_OBJECTIONS_WINDOW)
        if form.is_valid():
            code = form.cleaned_data["unit"]
            unit = Unit.objects.filter(code=code).first() if code else None
            try:
                objection = services.objection_file(notice=notice, unit=unit, text=form.cleaned_data["text"],
                                                    contact=form.cleaned_data["contact"])
            except services.ObjectionRefused as refused:
                form.add_error(None, str(refused))
            else:
                return render(request, "publicity/objection_done.html", {"notice": notice, "objection": objection})
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "publicity/objection_form.html", {"notice": notice, "form": form}, status=status)


@never_cache
def objection_status(request):
    """Look up an objection by its confirmation number: status and reply (never the contact)."""
    number = request.GET.get("number", "").strip()
    objection, looked_up = None, bool(number)
    if number:
        client = ratelimit.client_fingerprint(request)
        if ratelimit.over_limit("objection-status", client, settings.MINPING_VERIFY_LIMIT):
            return render(request, "publicity/objection_status.html", {"number": number, "limited": True}, status=429)
        ratelimit.hit("objection-status", client, settings.MINPING_VERIFY_WINDOW)
        objection = selectors.objection_by_number(number)
    follow_up = [line for _receiver, lines in objection_looked_up.send(sender=Objection, objection=objection)
                 for line in lines or []] if objection is not None else []
    return render(request, "publicity/objection_status.html",
                  {"number": number, "objection": objection, "looked_up": looked_up, "follow_up": follow_up},
                  status=404 if looked_up and objection is None else 200)


# --- Staff -------------------------------------------------------------------------------------


def _kind(kind: str) -> str:
    if kind not in Notice.RESULT_KINDS:
        raise Http404
    return kind


@login_required
def staff_index(request):
    require_evaluation_staff(request.user)
    rows = []
    for campaign in Campaign.objects.exclude(status=Campaign.Status.DRAFT).order_by("-year", "slug"):
        rows.append({"campaign": campaign, "notices": list(campaign.notices.order_by("sequence")),
                     "kinds": [{"kind": k, "label": label,
                                "problems": services.publish_problems(campaign=campaign, kind=k)}
                               for k, label in Notice.Kind.choices if k in Notice.RESULT_KINDS]})
    return render(request, "publicity/staff.html", {"rows": rows})


def _staff_target(request, campaign: str, kind: str) -> tuple[Campaign, str]:
    require_evaluation_staff(request.user)
    return get_object_or_404(Campaign, slug=campaign), _kind(kind)


def _draft(target: Campaign, kind: str, data: dict) -> services.Rendered | None:
    """The notice as it would be published now with `data`'s title and 导语 (empty: the campaign's
    defaults), without its PDF; None when there is nothing to show yet (not scored …)."""
    try:
        return services.notice_render(campaign=target, kind=kind, title=data.get("title", ""),
                                      body=data.get("body", ""), pdf=False)
    except services.PublishRefused:
        return None


@never_cache
@login_required
@require_safe
def staff_notice(request, campaign: str, kind: str):
    """One notice of one campaign: its title and 导语, pre-filled from the campaign and editable; the
    previews; the way to publish it — or what still stands in the way (the final report waits for
    the end of the publicity period and for every objection to be answered)."""
    target, kind = _staff_target(request, campaign, kind)
    draft = _draft(target, kind, request.GET)   # back from the confirmation page: the edited text
    form = PublishForm(initial={"title": draft.data.title, "body": draft.data.body} if draft else {})
    return render(request, "publicity/staff_notice.html", {
        "campaign": target, "kind": kind, "kind_label": Notice.Kind(kind).label, "form": form, "draft": draft,
        "problems": services.publish_problems(campaign=target, kind=kind),
        "published": target.notices.filter(kind=kind).first()})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def staff_publish(request, campaign: str, kind: str):
    """GET: what will become public, and that it cannot be undone; POST (that page's button): publish.
    Rendering and storing a notice takes seconds: a background job, whose page shows its progress."""
    target, kind = _staff_target(request, campaign, kind)
    problems = services.publish_problems(campaign=target, kind=kind)
    if problems:
        for reason in problems:
            messages.error(request, reason)
        return redirect("publicity:staff-notice", campaign=target.slug, kind=kind)
    form = PublishForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return render(request, "publicity/staff_notice.html", {
            "campaign": target, "kind": kind, "kind_label": Notice.Kind(kind).label, "form": form,
            "draft": _draft(target, kind, {}), "problems": [], "published": None}, status=400)
    if request.method == "GET":
        draft = _draft(target, kind, form.cleaned_data)
        return render(request, "publicity/publish_confirm.html", {
            "campaign": target, "kind": kind, "kind_label": Notice.Kind(kind).label, "form": form, "draft": draft,
            "units": len(draft.run.outcome.units), "ballots": draft.data.ballot_total})
    job = job_enqueue(handler=publish_notice, actor=request.user,
                      params={"campaign_id": target.pk, "kind": kind, "title": form.cleaned_data["title"],
                              "body": form.cleaned_data["body"]},
                      title_args={"kind": Notice.Kind(kind).label, "campaign": target.title})
    return redirect("jobs:detail", pk=job.pk)


def _staff_render(request, campaign: str, kind: str, *, pdf: bool):
    target, kind = _staff_target(request, campaign, kind)
    try:
        return services.notice_render(campaign=target, kind=kind, title=request.GET.get("title", ""),
                                      body=request.GET.get("body", ""), pdf=pdf)
    except services.PublishRefused as refused:
        messages.error(request, str(refused))
        return None


# The preview is the PDF's template, whose styles are inline (WeasyPrint's page rules); only this
# staff page allows inline styles, never inline script.
@csp_update({"style-src": [UNSAFE_INLINE]})
@login_required
def staff_preview(request, campaign: str, kind: str):
    """The notice as HTML in the browser: the same template as the PDF, watermarked as a preview."""
    rendered = _staff_render(request, campaign, kind, pdf=False)
    if rendered is None:
        return redirect("publicity:staff")
    return HttpResponse(document.notice_html(rendered.data, preview=True))


@login_required
def staff_preview_pdf(request, campaign: str, kind: str):
    rendered = _staff_render(request, campaign, kind, pdf=True)
    if rendered is None:
        return redirect("publicity:staff")
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{campaign}-{kind}-preview.pdf"'
    return response
