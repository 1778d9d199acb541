"""The staff admin: where the evaluation office works. State changes call `surveys.services`."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from import_export.admin import ImportExportModelAdmin

from accounts.views import contact_password
from jobs.services import job_enqueue

from . import jobs as surveys_jobs
from . import paper, resources, selectors, services
from .audit import action_label
from .exports import write_codes
from .models import (
    Answer,
    AuditEvent,
    Ballot,
    Campaign,
    CensusMargin,
    EvaluatorGroup,
    Invitation,
    Option,
    PaperImport,
    Question,
    Questionnaire,
    Region,
    RosterEntry,
    Unit,
    UnitContact,
)
from .selectors import campaigns_with_ballot_counts


class ReadOnlyAdminMixin:
    """Records that are written only by services (ballots, audit events): view, never edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FrozenQuestionnaireMixin:
    """A questionnaire in use by a campaign that has opened cannot change (ballots refer to it)."""

    def _questionnaire_of(self, obj):
        raise NotImplementedError

    def _is_frozen(self, obj) -> bool:
        return obj is not None and self._questionnaire_of(obj).is_frozen

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._is_frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._is_frozen(obj)


class FrozenQuestionnaireInlineMixin(FrozenQuestionnaireMixin):
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self._is_frozen(obj)


class AuditedImportExportAdmin(ImportExportModelAdmin):
    """django-import-export's screens, reachable only with the model's import/export permission
    (settings.IMPORT_EXPORT_*_PERMISSION_CODE); the confirmed import runs as the audited service, and
    every export is recorded."""

    def process_dataset(self, dataset, form, request, **kwargs):
        file_name = kwargs.pop("file_name", None) or form.cleaned_data.get("original_file_name") or ""
        return services.reference_data_import(resource_class=self.choose_import_resource_class(form, request),
                                              dataset=dataset, actor=request.user, file_name=file_name)

    def process_result(self, result, request):
        if not result.ok:  # the data changed since the checked preview: nothing was imported
            for problem in result.problems[:20]:
                self.message_user(request, problem, messages.ERROR)
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        return super().process_result(result.result, request)

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        services.reference_data_export_record(model=self.model, rows=len(dataset), actor=request.user,
                                              destination="admin")
        return dataset


@admin.register(Region)
class RegionAdmin(AuditedImportExportAdmin):
    resource_classes = [resources.RegionResource]
    list_display = ("code", "name", "level", "parent", "population")
    list_filter = ("level",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)


class UnitContactInline(admin.TabularInline):
    model = UnitContact
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Unit)
class UnitAdmin(AuditedImportExportAdmin):
    resource_classes = [resources.UnitResource]
    list_display = ("code", "name", "kind", "region", "active")
    list_filter = ("kind", "active", "region__level")
    search_fields = ("code", "name", "region__name")
    autocomplete_fields = ("region", "parent")
    inlines = (UnitContactInline,)

    def get_deleted_objects(self, objs, request):
        # The delete page and the bulk action's confirmation list why pending ballots keep a unit, as
        # they list protected objects: nothing is deleted (and the service would refuse anyway).
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = [*protected, *filter(None, map(services.unit_delete_problem, objs))]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        services.unit_delete(unit=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for unit in queryset:
                services.unit_delete(unit=unit, actor=request.user)


@admin.register(UnitContact)
class UnitContactAdmin(admin.ModelAdmin):
    list_display = ("user", "unit")
    search_fields = ("user__username", "unit__code", "unit__name")
    autocomplete_fields = ("user", "unit")

    def get_urls(self):
        # "Reset password" on a contact's page: evaluation staff only, audited (accounts.views).
        custom = [path("<int:pk>/password/", self.admin_site.admin_view(contact_password),
                       name="surveys_unitcontact_password")]
        return custom + super().get_urls()


class QuestionInline(FrozenQuestionnaireInlineMixin, admin.TabularInline):
    model = Question
    extra = 0
    show_change_link = True
    fields = ("order", "key", "text", "kind", "per_unit", "is_dimension", "required", "weight")

    def _questionnaire_of(self, obj):
        return obj


class StandardQuestionnaireForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)


@admin.register(Questionnaire)
class QuestionnaireAdmin(FrozenQuestionnaireMixin, admin.ModelAdmin):
    list_display = ("name", "question_count", "frozen", "created_at")
    search_fields = ("name",)
    inlines = (QuestionInline,)
    change_list_template = "admin/surveys/questionnaire/change_list.html"

    def _questionnaire_of(self, obj):
        return obj

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_question_count=Count("questions"))

    @admin.display(description=gettext_lazy("questions"), ordering="_question_count")
    def question_count(self, obj):
        return obj._question_count

    @admin.display(description=gettext_lazy("frozen"), boolean=True)
    def frozen(self, obj):
        return obj.is_frozen

    def get_urls(self):
        custom = [
            path(
                "create-standard/",
                self.admin_site.admin_view(self.create_standard_view),
                name="surveys_questionnaire_create_standard",
            )
        ]
        return custom + super().get_urls()

    def create_standard_view(self, request):
        """Create the built-in standard satisfaction questionnaire, then edit it."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StandardQuestionnaireForm(request.POST or None, initial={"name": services.STANDARD_TEMPLATE_NAME})
        if request.method == "POST" and form.is_valid():
            questionnaire = services.questionnaire_create_standard(name=form.cleaned_data["name"], actor=request.user)
            self.message_user(request, _("Questionnaire created from the standard template; adjust it as needed."))
            return HttpResponseRedirect(reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("New questionnaire from the standard template"),
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/surveys/questionnaire/create_standard.html", context)


class OptionInline(FrozenQuestionnaireInlineMixin, admin.TabularInline):
    model = Option
    extra = 0
    fields = ("order", "value", "label", "score")

    def _questionnaire_of(self, obj):
        return obj.questionnaire


@admin.register(Question)
class QuestionAdmin(FrozenQuestionnaireMixin, admin.ModelAdmin):
    list_display = ("key", "text", "questionnaire", "kind", "per_unit", "required", "weight")
    list_filter = ("kind", "per_unit", "required", "questionnaire")
    search_fields = ("key", "text", "questionnaire__name")
    inlines = (OptionInline,)

    def _questionnaire_of(self, obj):
        return obj.questionnaire


class CampaignDraftOnlyInlineMixin:
    """Groups and margins define what ballots mean; they are fixed once the campaign opens."""

    def _editable(self, obj) -> bool:
        return obj is None or obj.status == Campaign.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(obj)


class EvaluatorGroupInline(CampaignDraftOnlyInlineMixin, admin.StackedInline):
    model = EvaluatorGroup
    extra = 0
    autocomplete_fields = ("units",)
    fields = (
        ("key", "name", "order"), ("weight", "population_size", "access"), "unit_scope", "units",
        ("stratify_by", "poststratify_by", "rake_on"), "turnout",
    )
    readonly_fields = ("turnout",)

    @admin.display(description=gettext_lazy("invitations used / issued"))
    def turnout(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        used, issued = selectors.invitation_turnout(group=obj)
        return f"{used} / {issued}"


class CensusMarginInline(CampaignDraftOnlyInlineMixin, admin.TabularInline):
    model = CensusMargin
    extra = 0


class IssueInvitationsForm(forms.Form):
    group = forms.ModelChoiceField(label=gettext_lazy("Evaluator group"), queryset=EvaluatorGroup.objects.none())
    count = forms.IntegerField(label=gettext_lazy("Number of invitations"), min_value=1,
                               max_value=services.MAX_INVITATIONS_PER_CALL)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = campaign.groups.filter(access=EvaluatorGroup.Access.INVITATION)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "year", "status", "closes_at", "ballot_count")
    list_filter = ("status", "year")
    search_fields = ("title", "slug")
    readonly_fields = ("status", "created_at")
    prepopulated_fields = {"slug": ("title",)}
    inlines = (EvaluatorGroupInline, CensusMarginInline)
    actions = ("open_campaigns", "close_campaigns")
    fieldsets = (
        (None, {"fields": ("title", "slug", "year", "status", "questionnaire", "instructions")}),
        (gettext_lazy("Period"), {"fields": ("opens_at", "closes_at")}),
        (gettext_lazy("Scoring"), {"fields": ("min_ballots", "confidence_level", "satisfied_threshold", "grade_bands",
                                                  "results_for_contacts", "lonely_psu", "rank_method")}),
    )

    change_form_template = "admin/surveys/campaign/change_form.html"

    def get_queryset(self, request):
        return campaigns_with_ballot_counts(super().get_queryset(request))

    def get_urls(self):
        custom = [path("<int:pk>/issue-invitations/", self.admin_site.admin_view(self.issue_invitations_view),
                       name="surveys_campaign_issue_invitations")]
        return custom + super().get_urls()

    def issue_invitations_view(self, request, pk):
        """Issue codes and hand them over as a CSV download: the only copy that will ever exist."""
        campaign = get_object_or_404(Campaign, pk=pk)
        if not self.has_change_permission(request, campaign):
            raise PermissionDenied
        form = IssueInvitationsForm(request.POST or None, campaign=campaign)
        if request.method == "POST" and form.is_valid():
            group, count = form.cleaned_data["group"], form.cleaned_data["count"]
            try:
                codes = services.invitations_issue(group=group, count=count, actor=request.user)
            except ValueError as refused:
                form.add_error(None, str(refused))
            else:
                response = HttpResponse(content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-{group.key}-codes.csv"'
                response["Cache-Control"] = "no-store"
                response.write("\ufeff")  # BOM: Excel then reads the file as UTF-8
                write_codes(response, codes)
                return response
        context = {**self.admin_site.each_context(request), "title": _("Issue invitations"), "form": form,
                   "opts": self.model._meta, "original": campaign}
        return render(request, "admin/surveys/campaign/issue_invitations.html", context)

    @admin.display(description=gettext_lazy("ballots"), ordering="ballot_total")
    def ballot_count(self, obj):
        return obj.ballot_total

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if obj is None or obj.status == Campaign.Status.DRAFT else {}

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Campaign.Status.DRAFT:
            # What a ballot means must not change under it.
            return (*self.readonly_fields, "slug", "questionnaire", "min_ballots", "confidence_level",
                    "satisfied_threshold", "grade_bands", "lonely_psu", "rank_method")
        return self.readonly_fields

    def _move(self, request, queryset, status):
        moved = 0
        for campaign in queryset:
            try:
                services.campaign_set_status(campaign=campaign, status=status, actor=request.user)
                moved += 1
            except services.TransitionRefused as refused:
                self.message_user(
                    request, _("“%(campaign)s” was not changed: %(reasons)s") % {
                        "campaign": campaign, "reasons": "；".join(refused.reasons)},
                    messages.ERROR,
                )
        if moved:
            self.message_user(
                request, ngettext("%(n)d campaign changed.", "%(n)d campaigns changed.", moved) % {"n": moved},
                messages.SUCCESS,
            )

    @admin.action(description=gettext_lazy("Open the selected campaigns for evaluation"), permissions=["change"])
    def open_campaigns(self, request, queryset):
        self._move(request, queryset, Campaign.Status.OPEN)

    @admin.action(description=gettext_lazy("Close the selected campaigns"), permissions=["change"])
    def close_campaigns(self, request, queryset):
        self._move(request, queryset, Campaign.Status.CLOSED)


@admin.register(CensusMargin)
class CensusMarginAdmin(AuditedImportExportAdmin):
    resource_classes = [resources.CensusMarginResource]
    list_display = ("campaign", "variable_in_words", "level_in_words", "population")
    list_filter = ("campaign", "variable")
    search_fields = ("campaign__slug", "variable", "level")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("campaign")

    @admin.display(description=gettext_lazy("variable"), ordering="variable")
    def variable_in_words(self, margin):
        question = margin.campaign.questionnaire.questions.filter(key=margin.variable).first()
        return f"{question.text} ({margin.variable})" if question else margin.variable

    @admin.display(description=gettext_lazy("level"), ordering="level")
    def level_in_words(self, margin):
        option = Option.objects.filter(question__questionnaire_id=margin.campaign.questionnaire_id,
                                       question__key=margin.variable, value=margin.level).first()
        return f"{option.label} ({margin.level})" if option else margin.level

    def has_change_permission(self, request, obj=None):
        editable = obj is None or obj.campaign.status == Campaign.Status.DRAFT
        return super().has_change_permission(request, obj) and editable

    def has_delete_permission(self, request, obj=None):
        editable = obj is None or obj.campaign.status == Campaign.Status.DRAFT
        return super().has_delete_permission(request, obj) and editable


@admin.register(RosterEntry)
class RosterEntryAdmin(AuditedImportExportAdmin):
    resource_classes = [resources.RosterResource]
    list_display = ("name", "organisation", "group", "campaign")
    list_filter = ("campaign", "group")
    search_fields = ("name", "organisation")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Whether an invitation was used is not known without its code: turnout is per group (the group inline).
    list_display = ("id", "campaign", "group", "created_on")
    list_filter = ("campaign", "group")
    list_select_related = ("campaign", "group__campaign")


class AnswerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Answer
    fields = ("question", "unit", "option", "number", "text", "choices")
    readonly_fields = fields
    extra = 0


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "campaign", "group", "channel", "received_on")
    list_filter = ("campaign", "group", "channel")
    list_select_related = ("campaign", "group__campaign")
    search_fields = ("id",)
    inlines = (AnswerInline,)
    show_full_result_count = False


class AuditActionFilter(admin.SimpleListFilter):
    """The actions by their labels (the stored keys stay in the URL)."""
    title = gettext_lazy("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
        return [(action, action_label(action)) for action in actions]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "actor_label", "action_in_words", "object_type", "object_repr")
    list_filter = (AuditActionFilter, "object_type")
    search_fields = ("actor_label", "action", "object_repr", "object_id")
    date_hierarchy = "at"
    fields = ("at", "actor", "actor_label", "action_in_words", "action", "object_type", "object_id", "object_repr",
              "data")
    readonly_fields = ("action_in_words",)

    @admin.display(description=gettext_lazy("action"), ordering="action")
    def action_in_words(self, event):
        return action_label(event.action)


class PaperImportForm(forms.Form):
    group = forms.ModelChoiceField(
        label=gettext_lazy("Evaluator group"),
        queryset=EvaluatorGroup.objects.filter(campaign__status__in=paper.IMPORTABLE_STATUSES).select_related("campaign"),
    )
    file = forms.FileField(label=gettext_lazy("Filled-in workbook (.xlsx or .csv)"))
    force = forms.BooleanField(label=gettext_lazy("Import even if this file was imported before"), required=False)


@admin.register(PaperImport)
class PaperImportAdmin(admin.ModelAdmin):
    """Imports done so far (read-only), and the screen to check and import a new file."""

    list_display = ("filename", "campaign", "group", "ballots", "imported_on", "actor_label", "sha256")
    list_filter = ("campaign", "group")
    change_list_template = "admin/surveys/paperimport/change_list.html"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        custom = [path("upload/", self.admin_site.admin_view(self.upload_view), name="surveys_paperimport_upload")]
        return custom + super().get_urls()

    def upload_view(self, request):
        """Step 1: upload; a background job checks the whole file and lists every problem.
        Step 2: confirm on the job's page; another job imports exactly the checked file."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if "confirm" in request.POST:
            return self._confirm(request)
        form = PaperImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            group, upload, force = form.cleaned_data["group"], form.cleaned_data["file"], form.cleaned_data["force"]
            params = {"group_id": group.pk, "name": paper.store_upload(upload), "force": force,
                      "filename": upload.name}
            job = job_enqueue(handler=surveys_jobs.check_paper_ballots, params=params, actor=request.user,
                              title_args={"filename": upload.name})
            return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
        context = {**self.admin_site.each_context(request), "title": _("Import paper ballots"), "form": form,
                   "opts": self.model._meta}
        return render(request, "admin/surveys/paperimport/upload.html", context)

    def _confirm(self, request):
        try:
            pending = paper.pending_import(request.POST.get("token", ""))
        except paper.PaperImportError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:surveys_paperimport_upload"))
        group = pending.pop("group")
        job = job_enqueue(handler=surveys_jobs.import_paper_ballots, params={"group_id": group.pk, **pending},
                          actor=request.user, title_args={"filename": pending["filename"]})
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
