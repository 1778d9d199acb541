"""The rectification API: the public list of a campaign's cases, and a staff-token POST that opens a
case from an outside complaint (a 12345 hotline ticket). Thin: the work is in `services`."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from surveys.models import Campaign, Unit
from surveys.roles import is_evaluation_staff

from . import services
from .models import RectificationCase


class UnitOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CaseOut(serializers.Serializer):
    """Public fields only: no problem text's author, no files, no ratings."""
    id = serializers.IntegerField()
    unit = UnitOut()
    source = serializers.ChoiceField(choices=RectificationCase.Source.values)
    status = serializers.ChoiceField(choices=RectificationCase.Status.values)
    opened_on = serializers.DateField()
    due_on = serializers.DateField()
    closed_on = serializers.DateField(allow_null=True)


class ComplaintIn(serializers.Serializer):
    unit = serializers.CharField(max_length=32, help_text="the unit's code")
    problem = serializers.CharField(max_length=services.PROBLEM_MAX_LENGTH, help_text="the complaint, in plain words")
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True,
                                      help_text="the hotline's own ticket number")


class CasePage(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CaseOut(many=True)


class CaseErrorDetail(serializers.Serializer):
    detail = serializers.CharField()


class Pages(PageNumberPagination):
    page_size = 50


class StaffToWrite(BasePermission):
    """Anyone reads; only evaluation staff (with their token) open cases."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or (request.user.is_authenticated and is_evaluation_staff(request.user))


class CampaignRectificationsAPIView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [StaffToWrite]

    @extend_schema(operation_id="campaign_rectifications_list",
                   responses={200: CasePage, 404: OpenApiResponse(CaseErrorDetail, description="no such campaign or page")},
                   summary="The campaign's rectification cases (public fields), 50 per page")
    def get(self, request, slug: str):
        campaign = get_object_or_404(Campaign, slug=slug)
        cases = RectificationCase.objects.filter(campaign=campaign).select_related("unit").order_by("id")
        pages = Pages()
        page = pages.paginate_queryset(cases, request, view=self)
        return pages.get_paginated_response(CaseOut(page, many=True).data)

    @extend_schema(operation_id="campaign_rectifications_create", request=ComplaintIn,
                   responses={201: CaseOut,
                              400: OpenApiResponse(OpenApiTypes.OBJECT, description="{field: [message]} naming the "
                                                   "field (or {detail} for a body that is not JSON); nothing stored"),
                              401: OpenApiResponse(CaseErrorDetail, description="no staff token"),
                              403: OpenApiResponse(CaseErrorDetail, description="not evaluation staff"),
                              404: OpenApiResponse(CaseErrorDetail, description="no such campaign")},
                   summary="Open a case from an outside complaint (evaluation staff's token)")
    def post(self, request, slug: str):
        campaign = get_object_or_404(Campaign, slug=slug)
        complaint = ComplaintIn(data=request.data)
        complaint.is_valid(raise_exception=True)
        data = complaint.validated_data
        unit = Unit.objects.filter(code=data["unit"]).first()
        if unit is None:
            raise ValidationError({"unit": [f"No unit has the code “{data['unit']}”."]})
        try:
            case = services.case_open_by_staff(campaign=campaign, unit=unit, problem=data["problem"],
                                               actor=request.user, source=RectificationCase.Source.HOTLINE,
                                               reference=data.get("reference", ""))
        except services.CaseRefused as refused:
            raise ValidationError({"non_field_errors": [str(refused)]}) from None
        return Response(CaseOut(case).data, status=status.HTTP_201_CREATED)
