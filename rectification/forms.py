"""Forms of the rectification pages: shape and types only; the services judge the rest."""
from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import Unit

from .models import CaseEntry, RectificationCase
from .services import PROBLEM_MAX_LENGTH, VISIT_GRADES

Status = RectificationCase.Status


class CaseFilterForm(forms.Form):
    campaign = forms.SlugField(label=_("Campaign"), required=False)
    kind = forms.ChoiceField(label=_("Unit kind"), required=False, choices=[("", "—"), *Unit.Kind.choices])
    unit = forms.CharField(label=_("Unit code"), required=False, max_length=32)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "—"), *Status.choices])


def _grades():
    return [(value, label) for value, (label, _score) in VISIT_GRADES.items()]


class RateForm(forms.Form):
    grade = forms.ChoiceField(label=_("How satisfied are you with the rectification?"), choices=_grades,
                              widget=forms.RadioSelect)


class VisitForm(RateForm):
    number = forms.CharField(label=_("Confirmation number of your objection"), max_length=20)


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=[(k, CaseEntry.Kind(k).label) for k in
                                                         (CaseEntry.Kind.PLAN, CaseEntry.Kind.MEASURES,
                                                          CaseEntry.Kind.REPORT)])
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}), max_length=PROBLEM_MAX_LENGTH)
    file = forms.FileField(label=_("Attachment (PDF, PNG, JPEG, DOCX or XLSX)"), required=False)


class ReviewForm(forms.Form):
    to = forms.ChoiceField(label=_("Decision"), choices=[(Status.VERIFIED, _("Verify the rectification")),
                                                         (Status.IN_PROGRESS, _("Return for more work")),
                                                         (Status.REJECTED, _("Reject the case"))])
    text = forms.CharField(label=_("Note or reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CaseForm(forms.Form):
    campaign = forms.SlugField(label=_("Campaign"))
    unit = forms.CharField(label=_("Unit code"), max_length=32, required=False,
                           help_text=_("Not needed when the case upholds an objection (its unit is used)."))
    objection = forms.CharField(label=_("Upheld objection (confirmation number)"), max_length=20, required=False)
    problem = forms.CharField(label=_("Problem (e.g. an anonymous comment, copied)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}), max_length=PROBLEM_MAX_LENGTH)
