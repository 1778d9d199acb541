"""Admin: published notices are read-only; objections are answered here (through the service).

Access is the evaluation staff role (`surveys.roles.is_evaluation_staff`), checked here rather than
through model permissions, so that the role needs no extra set-up for this app.
"""
from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from surveys.roles import is_evaluation_staff

from . import services
from .models import DocumentSeries, Notice, Objection


class StaffOnlyMixin:
    def has_module_permission(self, request):
        return is_evaluation_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return is_evaluation_staff(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(StaffOnlyMixin, admin.ModelAdmin):
    list_display = ("sequence", "document_number", "title", "kind", "issued_on", "objection_deadline", "short_sha",
                    "signed")
    list_filter = ("kind", "signed")
    search_fields = ("title", "sha256", "campaign__slug")
    readonly_fields = ("public_page",)

    def has_change_permission(self, request, obj=None):
        return False  # published notices never change

    @admin.display(description=_("SHA-256"))
    def short_sha(self, obj):
        return obj.sha256[:16] + "…"

    @admin.display(description=_("public page"))
    def public_page(self, obj):
        url = reverse("publicity:detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)


class ObjectionAnswerForm(forms.ModelForm):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(Objection.Status.ANSWERED, Objection.Status.ANSWERED.label),
                 (Objection.Status.DISMISSED, Objection.Status.DISMISSED.label)],
    )
    reply = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 6}),
                            help_text=_("Shown to anyone with the confirmation number; for a dismissal, the reason."))

    class Meta:
        model = Objection
        fields = ("status", "reply")


@admin.register(Objection)
class ObjectionAdmin(StaffOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "notice", "unit", "status", "received_at", "answered_at")
    list_filter = ("status", "notice")
    search_fields = ("number", "text", "unit__name")
    form = ObjectionAnswerForm
    filed = ("number", "notice", "unit", "text", "contact", "received_at")
    answered = ("status", "reply", "answered_at", "answered_by_label")

    def has_change_permission(self, request, obj=None):
        # An answered objection is answered for good: shown read-only, and a re-save is refused (403)
        # instead of reaching the service without a reply.
        return is_evaluation_staff(request.user) and (obj is None or obj.is_open)

    def get_fields(self, request, obj=None):
        return self.filed + self.answered if obj is None or not obj.is_open else self.filed + ("status", "reply")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_open:
            return self.filed + self.answered  # answered once, for good
        return self.filed

    def save_model(self, request, obj, form, change):
        try:
            services.objection_answer(objection=obj, reply=form.cleaned_data["reply"],
                                      status=form.cleaned_data["status"], actor=request.user)
        except services.ObjectionRefused as refused:
            messages.error(request, str(refused))


@admin.register(DocumentSeries)
class DocumentSeriesAdmin(StaffOnlyMixin, admin.ModelAdmin):
    """Staff set an organ's 发文字号 prefix (before its first notice, or change it for the next ones)."""

    list_display = ("organ", "prefix")
    fields = ("organ", "prefix")

    def has_add_permission(self, request, obj=None):
        return is_evaluation_staff(request.user)

    def has_change_permission(self, request, obj=None):
        return is_evaluation_staff(request.user)

    def get_readonly_fields(self, request, obj=None):
        return ("organ",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        services.document_series_save(organ=obj.organ, prefix=obj.prefix, actor=request.user)
