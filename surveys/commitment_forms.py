"""Forms of the commitment pages: they check the shape of the input; the rules are the services'."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .commitments import REASON_MAX, TARGET_MAX, TEXT_MAX


class CommitmentForm(forms.Form):
    text = forms.CharField(label=_("Commitment"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What the unit will do, in plain words (at most 500 characters)."))
    target = forms.CharField(label=_("Measurable target"), max_length=TARGET_MAX, required=False,
                             help_text=_("Optional, e.g. “within 3 working days”."))
    due_on = forms.DateField(label=_("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ReviewForm(forms.Form):
    commitment = forms.IntegerField(min_value=1)
    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason for rejecting"), max_length=REASON_MAX, required=False)
