"""Commitment pages: the public list (/commitments/<campaign>/), the unit contact's entry page and the
staff approval page. Thin: the rules are in `surveys.commitments`; each page checks who may see it."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from . import commitments as c
from .commitment_forms import CommitmentForm, ReviewForm
from .models import Campaign, Commitment
from .roles import require_evaluation_staff


def _opened_campaign(slug: str) -> Campaign:
    """A campaign whose commitments are public: it exists and has opened (404 otherwise, so that a
    draft's existence is not given away)."""
    campaign = get_object_or_404(Campaign, slug=slug)
    if campaign.status == Campaign.Status.DRAFT:
        raise Http404
    return campaign


@require_safe
def public_commitments(request, campaign: str):
    campaign = _opened_campaign(campaign)
    return render(request, "surveys/commitments_public.html",
                  {"campaign": campaign, "sections": c.commitments_by_kind(campaign)})


# --- The unit contact's page ------------------------------------------------------------------------

CONTACT_ACTIONS = {"submit": c.commitment_submit, "delete": c.commitment_delete}


@login_required
def contact_commitments(request):
    """A contact's units, per campaign: their commitments, to enter, change and submit while the
    campaign is a draft."""
    units = c.contact_units(request.user)
    if not units:
        raise PermissionDenied
    error, status = "", 200
    if request.method == "POST":
        try:
            _contact_post(request, units)
            return redirect("commitments-mine", permanent=False)
        except c.CommitmentRefused as refused:
            error, status = str(refused), 400
    return render(request, "surveys/commitments_contact.html",
                  {"entries": c.commitments_for_units(units), "error": error, "form": CommitmentForm()}, status=status)


def _contact_post(request, units) -> None:
    action = request.POST.get("action", "")
    if action == "add":
        campaign = Campaign.objects.filter(slug=request.POST.get("campaign", "")).first()
        unit = next((u for u in units if u.code == request.POST.get("unit")), None)
        if campaign is None or unit is None:
            raise c.CommitmentRefused(_("Choose one of your units and a campaign."))
        form = _valid(CommitmentForm(request.POST))
        c.commitment_create(campaign=campaign, unit=unit, actor=request.user, **form.cleaned_data)
        return
    commitment = _own_commitment(request, units)
    if action == "update":
        form = _valid(CommitmentForm(request.POST))
        c.commitment_update(commitment=commitment, actor=request.user, **form.cleaned_data)
    elif action in CONTACT_ACTIONS:
        CONTACT_ACTIONS[action](commitment=commitment, actor=request.user)
    else:
        raise c.CommitmentRefused(_("Unknown action."))


def _own_commitment(request, units) -> Commitment:
    pk = request.POST.get("commitment", "")
    commitment = Commitment.objects.filter(pk=int(pk), unit__in=units).first() if pk.isdigit() else None
    if commitment is None:
        raise c.CommitmentRefused(_("That commitment is not one of your units'."))
    return commitment


def _valid(form):
    if not form.is_valid():
        raise c.CommitmentRefused(" ".join(f"{form.fields[name].label}: {' '.join(errors)}"
                                           if name in form.fields else " ".join(errors)
                                           for name, errors in form.errors.items()))
    return form


# --- The staff page -------------------------------------------------------------------------------

@login_required
def review_commitments(request):
    """Submitted commitments of campaigns not yet open, to approve or reject with a reason."""
    require_evaluation_staff(request.user)
    error, status = "", 200
    if request.method == "POST":
        form = ReviewForm(request.POST)
        try:
            _valid(form)
            commitment = c.commitments_to_review().filter(pk=form.cleaned_data["commitment"]).first()
            if commitment is None:
                raise c.CommitmentRefused(_("That commitment is not waiting for review."))
            if form.cleaned_data["action"] == "approve":
                c.commitment_approve(commitment=commitment, actor=request.user)
            else:
                c.commitment_reject(commitment=commitment, reason=form.cleaned_data["reason"], actor=request.user)
            return redirect("commitments-review", permanent=False)
        except c.CommitmentRefused as refused:
            error, status = str(refused), 400
    return render(request, "surveys/commitments_review.html",
                  {"pending": c.commitments_to_review(), "error": error}, status=status)


# --- The API ---------------------------------------------------------------------------------------

class UnitRef(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CommitmentOut(serializers.ModelSerializer):
    unit = UnitRef(read_only=True)

    class Meta:
        model = Commitment
        fields = ["id", "unit", "text", "target", "due_on"]


class CountNextPagination(PageNumberPagination):
    """{"count", "next", "results"}: the shape the integration APIs share."""

    page_size = 100

    def get_paginated_response(self, data):
        return Response({"count": self.page.paginator.count, "next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        full = super().get_paginated_response_schema(schema)
        full["properties"].pop("previous", None)
        full["required"] = ["count", "next", "results"]
        return full


class CampaignCommitmentsAPIView(ListAPIView):
    """A campaign's approved commitments (承诺事项), public once the campaign has opened."""

    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = CommitmentOut
    pagination_class = CountNextPagination

    def get_queryset(self):
        return c.commitments_public(_opened_campaign(self.kwargs["slug"]))

    @extend_schema(responses={
        200: CommitmentOut(many=True),
        404: OpenApiResponse(inline_serializer("CommitmentsNotFound", {"detail": serializers.CharField()}),
                             description="no such campaign, it has not opened yet, or no such page")})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
