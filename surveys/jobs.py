"""Paper ballot imports as background jobs: check the whole file, then, once confirmed, import it."""
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jobs.services import job_handler, job_stage

from . import paper
from .models import EvaluatorGroup

SHOWN_PROBLEMS = 200


def _run(job, *, group_id: int, name: str, force: bool, filename: str, dry_run: bool) -> paper.ImportResult:
    group = EvaluatorGroup.objects.select_related("campaign").get(pk=group_id)
    with paper.local_copy(name) as path:
        steps = paper.paper_import_steps(group=group, path=path, actor=job.created_by or "job", dry_run=dry_run,
                                         force=force, filename=filename)
        while True:
            try:
                rows = next(steps)
            except StopIteration as finished:
                return finished.value
            job_stage(job, _("%(n)d rows done …") % {"n": rows})


@job_handler(title=gettext_lazy("Check the paper ballots in “%(filename)s”"))
def check_paper_ballots(job, *, group_id: int, name: str, force: bool, filename: str) -> dict:
    result = _run(job, group_id=group_id, name=name, force=force, filename=filename, dry_run=True)
    if result.ok:
        return {"ok": True,
                "message": ngettext("The file is valid: %(n)d ballot. Confirm to import it.",
                                    "The file is valid: %(n)d ballots. Confirm to import it.", result.ballots)
                % {"n": result.ballots},
                "confirm": {"url": reverse("admin:surveys_paperimport_upload"), "label": _("Import"),
                            "token": paper.pending_import_token(name, group=EvaluatorGroup.objects.get(pk=group_id),
                                                                force=force, filename=filename)}}
    transaction.on_commit(lambda: paper.upload_storage().delete(name))   # nothing to confirm: not kept
    if result.duplicate_of is not None:
        return {"ok": False, "message": _("This file was already imported on %(date)s (%(n)d ballots). Upload it "
                                          "again with “%(force)s” ticked only if it really must be imported twice.")
                % {"date": result.duplicate_of.imported_on, "n": result.duplicate_of.ballots,
                   "force": _("Import even if this file was imported before")}}
    problems = [str(p) for p in result.problems]
    return {"ok": False, "message": ngettext("%(n)d problem; nothing was imported.",
                                             "%(n)d problems; nothing was imported.", len(problems)) % {"n": len(problems)},
            "problems": problems[:SHOWN_PROBLEMS], "more": max(0, len(problems) - SHOWN_PROBLEMS),
            "url": reverse("admin:surveys_paperimport_upload")}


@job_handler(title=gettext_lazy("Import the paper ballots in “%(filename)s”"))
def import_paper_ballots(job, *, group_id: int, name: str, force: bool, filename: str) -> dict:
    result = _run(job, group_id=group_id, name=name, force=force, filename=filename, dry_run=False)
    if not result.ok:   # the database changed since the check (e.g. the same file imported meanwhile)
        raise paper.PaperImportError("；".join(str(p) for p in result.problems[:20])
                                     or _("This file was already imported."))
    transaction.on_commit(lambda: paper.upload_storage().delete(name))
    return {"ok": True, "message": _("%(n)d paper ballots imported.") % {"n": result.ballots},
            "url": reverse("admin:surveys_paperimport_changelist")}
