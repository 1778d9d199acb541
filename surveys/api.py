"""The ballot API: GET the ballot of a code, POST the answers. Thin: the work is in surveys.ballots."""
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .ballots import (
    IDEMPOTENCY_KEY_MAX,
    RESIDENCE,
    AnswerIn,
    BallotError,
    BallotInvalid,
    BallotSheet,
    CampaignNotOpen,
    CodeRefused,
    InvitationUsed,
    ballot_cast,
    invitation_gate,
    sheet_for_residence,
)
from .commitments import ballot_payload_commitments
from .models import Ballot, Question, Region

ANSWER_KEYS = {"question", "unit", "value"}
BODY_KEYS = {"answers", RESIDENCE}


# --- Shapes (for validation of the request's structure and for the OpenAPI schema) -----------

class OptionOut(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    score = serializers.FloatField(allow_null=True)


class QuestionOut(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=Question.Kind.values)
    per_unit = serializers.BooleanField()
    required = serializers.BooleanField()
    options = OptionOut(many=True, required=False)
    min = serializers.IntegerField(required=False)
    max = serializers.IntegerField(required=False)
    max_length = serializers.IntegerField(required=False)


class PlaceOut(serializers.Serializer):
    code = serializers.CharField(help_text="the community's region code: the residence to send")
    name = serializers.CharField()
    path = serializers.ListField(child=serializers.CharField(), help_text="district, street, community")
    units = serializers.ListField(child=serializers.CharField(), help_text="the unit codes rated by people living here")


class BallotOut(serializers.Serializer):
    unit_scope = serializers.ChoiceField(choices=["all", "residence"], help_text=(
        "residence: the ballot rates only the units where the person lives; send `residence` with the answers"))
    residence = serializers.CharField(allow_null=True, help_text="the residence the units are listed for")
    residences = PlaceOut(many=True, required=False, help_text="residence groups without ?residence=: every "
                                                                "community and its units")
    campaign = inline_serializer("BallotCampaign", {"slug": serializers.CharField(), "title": serializers.CharField(),
                                                    "closes_at": serializers.DateTimeField(allow_null=True)})
    group = inline_serializer("BallotGroup", {"key": serializers.CharField(), "name": serializers.CharField()})
    units = inline_serializer("BallotUnit", {"code": serializers.CharField(), "name": serializers.CharField(),
                                             "kind": serializers.CharField()}, many=True)
    questions = QuestionOut(many=True)
    commitments = inline_serializer("BallotCommitment", {
        "key": serializers.CharField(help_text="the question to answer: commitment:<id>"),
        "id": serializers.IntegerField(), "unit": serializers.CharField(help_text="unit code"),
        "text": serializers.CharField(), "target": serializers.CharField(allow_blank=True),
        "due_on": serializers.DateField(allow_null=True),
        "scale": serializers.CharField(help_text="the grade question whose option values rate it (with 不了解)"),
    }, many=True, help_text="the units' approved commitments (承诺事项): 兑现情况, optional, one answer each")


class AnswerInSerializer(serializers.Serializer):
    question = serializers.CharField(help_text="question key")
    unit = serializers.CharField(allow_null=True, required=False, help_text="unit code, null for per-ballot questions")
    value = serializers.JSONField(help_text="option value (grade, choice), number (scale), list of option values "
                                            "(multi) or text")


class BallotIn(serializers.Serializer):
    residence = serializers.CharField(required=False, help_text="where the person lives (a community's code): "
                                                                "required for groups whose unit scope is residence")
    answers = AnswerInSerializer(many=True)


ERRORS_OUT = inline_serializer("BallotErrors", {"errors": inline_serializer(
    "BallotErrorItem", {"question": serializers.CharField(allow_null=True), "unit": serializers.CharField(allow_null=True),
                        "message": serializers.CharField()}, many=True)})
DETAIL_OUT = inline_serializer("Detail", {"detail": serializers.CharField()})
RECEIPT_OUT = inline_serializer("Receipt", {"receipt": serializers.CharField()})
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description=f"Any unique string (1–{IDEMPOTENCY_KEY_MAX} characters, e.g. a UUID) chosen by the client for this "
                "submission. Sending the same ballot again with the same key — because the answer to the first "
                "attempt was lost — returns the first attempt's receipt with 200 instead of 409 “already used”.")


def ballot_payload(sheet: BallotSheet) -> dict:
    campaign = sheet.campaign
    payload = {
        "unit_scope": sheet.group.unit_scope,
        "residence": sheet.residence.code if sheet.residence else None,
        "campaign": {"slug": campaign.slug, "title": campaign.title,
                     "closes_at": campaign.closes_at.isoformat() if campaign.closes_at else None},
        "group": {"key": sheet.group.key, "name": sheet.group.name},
        "units": [{"code": u.code, "name": u.name, "kind": u.kind} for u in sheet.units],
        "questions": [_question_payload(sheet, q) for q in sheet.questions],
        "commitments": ballot_payload_commitments(sheet),
    }
    if sheet.needs_residence:
        payload["residences"] = [
            {"code": place.code, "name": place.name, "units": place.unit_codes,
             "path": [region.name for region in place.path if region.level != Region.Level.CITY]}
            for place in sheet.places.values()]
    return payload


def _question_payload(sheet: BallotSheet, question: Question) -> dict:
    payload = {"key": question.key, "text": question.text, "kind": question.kind, "per_unit": question.per_unit,
               "required": question.required}
    if question.kind in (Question.Kind.GRADE, Question.Kind.CHOICE, Question.Kind.MULTI):
        payload["options"] = [{"value": o.value, "label": o.label, "score": float(o.score) if o.score is not None else None}
                              for o in sheet.options[question.key].values()]
    elif question.kind == Question.Kind.SCALE:
        payload.update(min=question.min_value, max=question.max_value)
    else:
        payload["max_length"] = question.max_length
    return payload


def parse_answers(data) -> list[AnswerIn]:
    """The request body's answers, checked for shape; BallotInvalid on anything unexpected."""
    if (not isinstance(data, dict) or "answers" not in data or not set(data) <= BODY_KEYS
            or not isinstance(data["answers"], list) or not isinstance(data.get(RESIDENCE, ""), str)):
        raise BallotInvalid([BallotError(None, None, _('The body must be {"answers": [...]}, with "residence" '
                                                       'where the group asks for it, and nothing else.'))])
    answers, errors = [], []
    for position, item in enumerate(data["answers"], start=1):
        if not isinstance(item, dict) or not item.keys() <= ANSWER_KEYS or "question" not in item or "value" not in item:
            errors.append(BallotError(None, None, _("Answer %(n)d must have the keys question, unit and value only.")
                                      % {"n": position}))
            continue
        question, unit = item["question"], item.get("unit")
        if not isinstance(question, str) or not (unit is None or isinstance(unit, str)):
            errors.append(BallotError(None, None, _("Answer %(n)d: question and unit must be strings.") % {"n": position}))
            continue
        answers.append(AnswerIn(question, unit, item["value"]))
    if errors:
        raise BallotInvalid(errors)
    return answers


def _body(request):
    try:
        return request.data
    except ParseError:
        raise BallotInvalid([BallotError(None, None, _("The body is not valid JSON."))]) from None


def _detail(message: str, code: int) -> Response:
    return Response({"detail": message}, status=code)


def _used() -> Response:
    return _detail(_("This invitation has already been used. Each invitation can be used once."),
                   status.HTTP_409_CONFLICT)


class BallotAPIView(APIView):
    """The ballot of one invitation code."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def _admitted(self, request, code: str, *, retry: bool = False):
        """((invitation, sheet), None) past the invitation gate, or (None, the Response that says why not)."""
        try:
            return invitation_gate(request, code, allow_used=retry), None
        except CodeRefused as refused:
            response = _detail(refused.message, refused.status)
            if refused.until:
                response["Retry-After"] = str(max(1, int((refused.until - timezone.now()).total_seconds())))
            return None, response

    @extend_schema(parameters=[OpenApiParameter(RESIDENCE, str, description="list the units for this residence "
                                                                           "(residence groups)")],
                   responses={200: BallotOut, 400: ERRORS_OUT, 404: DETAIL_OUT, 409: DETAIL_OUT, 429: DETAIL_OUT})
    def get(self, request, code: str):
        found, refusal = self._admitted(request, code)
        if refusal:
            return refusal
        _invitation, sheet = found
        try:
            sheet = sheet_for_residence(sheet, request.query_params.get(RESIDENCE))
        except BallotInvalid as invalid:
            return Response({"errors": [e.as_dict() for e in invalid.errors]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(ballot_payload(sheet))

    @extend_schema(request=BallotIn, parameters=[IDEMPOTENCY_KEY], responses={
        201: RECEIPT_OUT,
        200: OpenApiResponse(RECEIPT_OUT, description="a repeat (same Idempotency-Key, same answers) of a ballot "
                                                      "already stored: its receipt again; nothing new was stored"),
        400: OpenApiResponse(ERRORS_OUT, description="the ballot is invalid; nothing was stored"),
        404: DETAIL_OUT, 409: DETAIL_OUT, 429: DETAIL_OUT})
    def post(self, request, code: str):
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 0 < len(key) <= IDEMPOTENCY_KEY_MAX:
            return Response({"errors": [BallotError(None, None, _("The Idempotency-Key header must have 1 to %(max)d "
                                                                  "characters.") % {"max": IDEMPOTENCY_KEY_MAX}).as_dict()]},
                            status=status.HTTP_400_BAD_REQUEST)
        found, refusal = self._admitted(request, code, retry=key is not None)
        if refusal:
            return refusal
        invitation, sheet = found
        try:
            body = _body(request)
            answers = parse_answers(body)
            receipt = ballot_cast(sheet=sheet_for_residence(sheet, body.get(RESIDENCE)), answers=answers,
                                  channel=Ballot.Channel.ONLINE, invitation=invitation, idempotency_key=key)
        except BallotInvalid as invalid:
            if invitation.used:   # a retry that is not the stored ballot: the code is used, whatever it says
                return _used()
            return Response({"errors": [e.as_dict() for e in invalid.errors]}, status=status.HTTP_400_BAD_REQUEST)
        except InvitationUsed:
            return _used()
        except CampaignNotOpen as closed:
            return _detail(closed.reason, status.HTTP_409_CONFLICT)
        return Response({"receipt": receipt},
                        status=status.HTTP_200_OK if receipt.repeated else status.HTTP_201_CREATED)


@extend_schema(responses={200: inline_serializer("Ping", {"ok": serializers.BooleanField()})})
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def ping(request):
    """A trivial endpoint: the baseline the ballot benchmark compares against."""
    return Response({"ok": True})
