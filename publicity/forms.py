from django import forms
from django.utils.translation import gettext_lazy as _

from .services import OBJECTION_MAX_LENGTH

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ObjectionForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit concerned"), required=False)
    text = forms.CharField(label=_("Your objection"), widget=forms.Textarea(attrs={"rows": 6}),
                           max_length=OBJECTION_MAX_LENGTH,
                           help_text=_("Which result you object to, and why."))
    contact = forms.CharField(label=_("Contact (optional)"), required=False, max_length=200,
                              help_text=_("Phone or e-mail, if you would like an answer. Leave empty to stay anonymous."))

    def __init__(self, *args, units: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("The notice as a whole"))] + units


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("PDF file"), required=False)
    sha256 = forms.CharField(label=_("or its SHA-256"), required=False, max_length=80)

    def clean_sha256(self):
        value = self.cleaned_data["sha256"].strip().lower()
        if value and (len(value) != 64 or any(c not in "0123456789abcdef" for c in value)):
            raise forms.ValidationError(_("A SHA-256 is 64 hexadecimal characters."))
        return value

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is too large to be a notice."))
        return upload

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("sha256") and not self.errors:
            raise forms.ValidationError(_("Upload a PDF or paste a SHA-256."))
        return data


class PublishForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False, max_length=300)
    body = forms.CharField(label=_("Opening text"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class ResultsFilterForm(forms.Form):
    """The results page's filter and order (a GET form: it works without script)."""

    kind = forms.ChoiceField(label=_("Unit kind"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    sort = forms.ChoiceField(label=_("Order"), required=False,
                             choices=[("score", _("by score")), ("name", _("by name"))])

    def __init__(self, *args, kinds: list[tuple[str, str]], districts: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds"))] + kinds
        self.fields["district"].choices = [("", _("All districts"))] + districts
