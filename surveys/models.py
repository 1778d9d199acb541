"""The collection side of Minping: who rates whom, on what questionnaire, and the ballots.

Models hold data and the invariants the database can enforce; every change of state
(opening a campaign, casting a ballot) goes through `surveys.services`.
"""
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from minping.lib.immutable import Immutable


class Region(models.Model):
    """A node of the administrative tree city → district → street → community."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        STREET = "street", _("Street")
        COMMUNITY = "community", _("Community")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent region"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        permissions = [("import_region", _("Can import regions")), ("export_region", _("Can export regions"))]

    def __str__(self):
        return self.name


class Unit(models.Model):
    """A body being evaluated (被评议单位)."""

    class Kind(models.TextChoices):
        STREET_OFFICE = "street_office", _("Street office")
        COMMUNITY = "community", _("Community")
        WINDOW = "window", _("Window service unit")
        CITY_ORGAN = "city_organ", _("City organ")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="units",
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "code"]
        permissions = [("import_unit", _("Can import units")), ("export_unit", _("Can export units"))]

    def __str__(self):
        return f"{self.code} {self.name}"


class UnitContact(models.Model):
    """Ties a user of the 'unit contacts' role to the units whose results they may see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="unit_contacts",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="contacts")

    class Meta:
        verbose_name = _("unit contact")
        verbose_name_plural = _("unit contacts")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="unique_unit_contact")]

    def __str__(self):
        return f"{self.user} → {self.unit}"


class Questionnaire(models.Model):
    """A set of questions; frozen (not editable) once a campaign using it has opened."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-created_at"]

    def __str__(self):
        return self.name

    @property
    def is_frozen(self) -> bool:
        return self.campaigns.exclude(status=Campaign.Status.DRAFT).exists()


class Question(models.Model):
    class Kind(models.TextChoices):
        GRADE = "grade", _("Grade (satisfaction levels)")
        SCALE = "scale", _("Scale (numeric)")
        CHOICE = "choice", _("Single choice")
        MULTI = "multi", _("Multiple choice")
        TEXT = "text", _("Free text")

    SCORED_KINDS = (Kind.GRADE, Kind.SCALE)

    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.CASCADE, related_name="questions",
    )
    key = models.SlugField(_("key"), max_length=40, help_text=_("Machine name used in files and the API."))
    text = models.CharField(_("question text"), max_length=300)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    per_unit = models.BooleanField(
        _("asked per unit"), default=False,
        help_text=_("Asked once for every unit the group rates; otherwise once per ballot (profile, comments)."),
    )
    is_dimension = models.BooleanField(
        _("dimension"), default=False,
        help_text=_("A detail dimension (e.g. service attitude), shown folded under the unit's overall grade."),
    )
    required = models.BooleanField(_("required"), default=True)
    weight = models.DecimalField(
        _("weight in the unit score"), max_digits=6, decimal_places=4, default=0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Share of this question in a ballot's score for a unit (grade and scale questions only)."),
    )
    min_value = models.IntegerField(_("minimum"), null=True, blank=True)
    max_value = models.IntegerField(_("maximum"), null=True, blank=True)
    max_length = models.PositiveIntegerField(_("maximum length"), default=500)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="unique_question_key"),
            models.CheckConstraint(condition=Q(weight__gte=0) & Q(weight__lte=1), name="question_weight_range"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(min_value__lt=F("max_value")),
                name="question_scale_range",
            ),
        ]

    def __str__(self):
        return f"{self.key}: {self.text}"

    def clean(self):
        if self.questionnaire_id and self.questionnaire.is_frozen:
            raise ValidationError(_("The questionnaire is in use by an opened campaign and cannot change."))
        if self.kind == self.Kind.SCALE and (self.min_value is None or self.max_value is None):
            raise ValidationError(_("A scale question needs a minimum and a maximum."))
        if self.weight and self.kind not in self.SCORED_KINDS:
            raise ValidationError({"weight": _("Only grade and scale questions carry a weight.")})
        if self.weight and not self.per_unit:
            raise ValidationError({"weight": _("Only questions asked per unit count towards a unit's score.")})

    @property
    def is_scored(self) -> bool:
        return self.kind in self.SCORED_KINDS


class Option(models.Model):
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="options")
    value = models.CharField(_("value"), max_length=40)
    label = models.CharField(_("label"), max_length=100)
    score = models.DecimalField(
        _("score"), max_digits=6, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0–100; empty for the one “don't know” option of a grade question (not a vote)."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="unique_option_value"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)), name="option_score_range",
            ),
        ]

    def __str__(self):
        return self.label

    def clean(self):
        if self.question_id and self.question.questionnaire.is_frozen:
            raise ValidationError(_("The questionnaire is in use by an opened campaign and cannot change."))
        if (self.question_id and self.question.kind == Question.Kind.GRADE and self.score is None
                and self.question.options.filter(score__isnull=True).exclude(pk=self.pk).exists()):
            raise ValidationError({"score": _("A grade question has at most one option without a score "
                                              "(“don't know”, not a vote).")})


def default_grade_bands():
    return [[90, "满意"], [80, "比较满意"], [60, "基本满意"], [0, "不满意"]]


class Campaign(models.Model):
    """An evaluation campaign (评议活动). Its status changes only through services."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        SCORED = "scored", _("Scored")
        PUBLICIZED = "publicized", _("Publicized")
        FINAL = "final", _("Final")

    class ContactResults(models.TextChoices):
        PUBLISHED = "published", _("Once the publicity notice is published")
        SCORED = "scored", _("As soon as the campaign is scored")

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False)
    instructions = models.TextField(_("instructions for evaluators"), blank=True)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    # What happened, as opposed to the schedule above: set by `campaign_set_status` only. Notices
    # state the period that ran (a campaign closed early must not claim its scheduled end).
    opened_at = models.DateTimeField(_("first opened at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("last closed at"), null=True, blank=True, editable=False)
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.PROTECT, related_name="campaigns",
    )
    min_ballots = models.PositiveIntegerField(
        _("minimum ballots per unit"), default=30,
        help_text=_("Units with fewer ballots in any group are reported as insufficient sample, not ranked."),
    )
    confidence_level = models.DecimalField(
        _("confidence level"), max_digits=4, decimal_places=3, default=0.95,
        validators=[MinValueValidator(0.5), MaxValueValidator(0.999)],
    )
    satisfied_threshold = models.DecimalField(
        _("satisfied threshold"), max_digits=5, decimal_places=2, default=60,
        help_text=_("A ballot counts as satisfied with a unit when its score is at least this (e.g. 基本满意 = 60)."),
    )
    grade_bands = models.JSONField(
        _("grade bands"), default=default_grade_bands,
        help_text=_('Lower bounds and names, highest first, e.g. [[90, "满意"], [80, "比较满意"], [60, "基本满意"], [0, "不满意"]].'),
    )
    results_for_contacts = models.CharField(
        _("unit contacts see results"), max_length=12, choices=ContactResults.choices,
        default=ContactResults.PUBLISHED,
        help_text=_("By default a unit's contacts see its results once the publicity notice is out."),
    )

    class LonelyPsu(models.TextChoices):
        # R's options(survey.lonely.psu = …), the rule scoring applies and declares (issue 14).
        ADJUST = "adjust", _("Adjust: centre a stratum's single ballot at the overall mean (R's “adjust”)")
        FAIL = "fail", _("Fail: refuse to score while a stratum has a single ballot (R's default “fail”)")

    class RankMethod(models.TextChoices):
        MARGINAL = "marginal", _("Marginal: each unit's rank interval holds on its own")
        SIMULTANEOUS = "simultaneous", _("Simultaneous: all units' rank intervals hold together (csranks)")

    lonely_psu = models.CharField(
        _("strata with a single ballot"), max_length=12, choices=LonelyPsu.choices, default=LonelyPsu.ADJUST,
        help_text=_("What scoring does when a weighting stratum of a group has only one ballot."),
    )
    rank_method = models.CharField(
        _("rank intervals"), max_length=12, choices=RankMethod.choices, default=RankMethod.MARGINAL,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-year", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence_level__gte=0.5) & Q(confidence_level__lt=1), name="campaign_confidence_range",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(opens_at__lt=F("closes_at")),
                name="campaign_opens_before_closes",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "closed", "scored", "publicized", "final"]),
                name="campaign_status_valid",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        from .grades import validate_grade_bands

        validate_grade_bands(self.grade_bands)
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": _("The closing time must be after the opening time.")})


class EvaluatorGroup(models.Model):
    """An evaluator group (评议主体) of a campaign, with its weight and weighting design."""

    class Access(models.TextChoices):
        INVITATION = "invitation", _("Invitation codes")
        OPEN = "open", _("Open link (rate limited)")

    class UnitScope(models.TextChoices):
        ALL = "all", _("All the group's units")
        RESIDENCE = "residence", _("The units where the person lives")

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="groups")
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(
        _("weight in the composite score"), max_digits=5, decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    population_size = models.PositiveIntegerField(
        _("population size"), null=True, blank=True,
        help_text=_("Number of people in the group, if known (finite population correction)."),
    )
    units = models.ManyToManyField(Unit, verbose_name=_("units rated"), related_name="evaluator_groups", blank=True)
    access = models.CharField(_("access"), max_length=12, choices=Access.choices, default=Access.INVITATION)
    unit_scope = models.CharField(
        _("unit scope"), max_length=12, choices=UnitScope.choices, default=UnitScope.ALL,
        help_text=_("Residence: the ballot first asks where the person lives (district, street, community) and "
                    "shows only the units there, plus the group's city-wide units."),
    )
    stratify_by = models.SlugField(
        _("strata"), max_length=40, blank=True,
        help_text=_("Key of the profile question whose answers are the strata (population sizes from the census margins)."),
    )
    poststratify_by = models.SlugField(
        _("post-stratification cells"), max_length=40, blank=True,
        help_text=_("Key of the profile question whose answers are the post-stratification cells."),
    )
    rake_on = models.JSONField(
        _("raking margins"), default=list, blank=True,
        help_text=_('Keys of the profile questions to rake to census margins, e.g. ["district", "age", "sex"].'),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("evaluator group")
        verbose_name_plural = _("evaluator groups")
        ordering = ["campaign", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="unique_group_key"),
            models.CheckConstraint(condition=Q(weight__gte=0) & Q(weight__lte=1), name="group_weight_range"),
            models.CheckConstraint(
                condition=Q(population_size__isnull=True) | Q(population_size__gt=0), name="group_population_positive",
            ),
        ]

    def __str__(self):
        # People read this (admin lists and choices): the names, never the keys.
        return f"{self.campaign.title} · {self.name}"

    def clean(self):
        if not isinstance(self.rake_on, list) or not all(isinstance(k, str) and k for k in self.rake_on):
            raise ValidationError({"rake_on": _("Raking margins must be a list of question keys.")})
        if self.poststratify_by and self.rake_on:
            raise ValidationError(_("Use either post-stratification or raking, not both."))

    def design_keys(self) -> list[str]:
        """The profile question keys this group's weighting design uses."""
        keys = [self.stratify_by, self.poststratify_by, *self.rake_on]
        return list(dict.fromkeys(k for k in keys if k))


class CensusMargin(models.Model):
    """Population count of one level of a profile variable (e.g. district D1: 180 000)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="margins")
    variable = models.SlugField(_("variable"), max_length=40, help_text=_("Key of a profile question."))
    level = models.CharField(_("level"), max_length=40, help_text=_("An option value of that question."))
    population = models.PositiveIntegerField(_("population"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("census margin")
        verbose_name_plural = _("census margins")
        ordering = ["campaign", "variable", "level"]
        permissions = [("import_censusmargin", _("Can import census margins")),
                       ("export_censusmargin", _("Can export census margins"))]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "variable", "level"], name="unique_census_margin"),
            models.CheckConstraint(condition=Q(population__gt=0), name="census_population_positive"),
        ]

    def __str__(self):
        return f"{self.variable}={self.level}: {self.population}"


class Invitation(models.Model):
    """A one-time code. Only its hash is stored, and nothing about its use: the cast never writes
    this row (a SpentTag marks the code used), so neither the row's transaction id nor its place
    on disk changes when it is used. Issued in random order, so its id says nothing about whom it
    was printed for."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="invitations")
    group = models.ForeignKey(EvaluatorGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="invitations")
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True, editable=False)
    created_on = models.DateField(_("issued on"), auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.group} #{self.pk}"


class SpentTag(models.Model):
    """The mark that an invitation code was used: a keyed hash of the code, HMAC(server secret, code).

    Inserted in the same statement as the ballot's PendingBallot row, under this primary key: one
    ballot per code, atomically. Without the server's secret the tag cannot be matched to an
    invitation, whose row holds another, unkeyed hash of the code. `retry_tag` (a keyed hash of the
    code, the submission's idempotency key and its answers) lets a retried submission get its
    receipt back. Turnout per group is the count of these rows.
    """

    # 128 bits of the HMAC-SHA256 as a UUID column: 16 bytes in PostgreSQL's index, not 64 characters.
    tag = models.UUIDField(_("tag"), primary_key=True, editable=False)
    group = models.ForeignKey(EvaluatorGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="+")
    retry_tag = models.UUIDField(_("retry tag"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("spent tag")
        verbose_name_plural = _("spent tags")


class Ballot(Immutable):
    """One anonymous ballot: random id, no invitation, no IP, no time finer than the date. Append-only."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper")
        KIOSK = "kiosk", _("Kiosk")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="ballots")
    group = models.ForeignKey(EvaluatorGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="ballots")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    received_on = models.DateField(_("received on"))
    profile = models.JSONField(
        _("profile"), default=dict, blank=True,
        help_text=_("The ballot's answers to profile questions, by question key (used as weighting cells)."),
    )
    suspected_duplicate = models.BooleanField(
        _("suspected duplicate"), default=False, db_default=False,
        help_text=_("Open-access ballot from a client that had already voted recently: flagged, not blocked."),
    )

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        # Listing order must not reveal insertion order: order by the random id.
        ordering = ["id"]

    def __str__(self):
        return str(self.id)


class PendingBallot(models.Model):
    """A ballot cast online, waiting to be written out as a Ballot with its Answer and score rows.

    Casting stores this one row in the statement that inserts the code's SpentTag: writing a
    ballot's ~250 answer and score rows (each with its foreign-key checks) would cost it twenty
    times a trivial request. `surveys.ballots.ballots_settle` turns pending rows into ballots in
    shuffled batches, deletes them and vacuums this table. The row shares its transaction id
    (PostgreSQL's xmin) with its spent tag, which only the server's secret ties to a code; the
    Ballot row is written later, in another transaction, under a new random id.
    The ballot is complete from the moment it is cast: settling changes its form, not its content.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(EvaluatorGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=8, choices=Ballot.Channel.choices)
    received_on = models.DateField(_("received on"))
    profile = models.JSONField(_("profile"), default=dict, blank=True)
    suspected_duplicate = models.BooleanField(_("suspected duplicate"), default=False)
    # Packed answers, as `surveys.ballots.validation.CleanBallot` has them: [question id, unit id, option id, …],
    # as compact JSON text. Nothing queries inside them, and PostgreSQL parsing them into jsonb
    # cost a fifth of its time per cast.
    answers = models.TextField(_("answers"))

    class Meta:
        verbose_name = _("pending ballot")
        verbose_name_plural = _("pending ballots")


class Answer(Immutable):
    """One answer of a ballot; per-unit answers name the unit. Append-only."""

    ballot = models.ForeignKey(Ballot, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="answers")
    option = models.ForeignKey(Option, verbose_name=_("option"), null=True, blank=True, on_delete=models.PROTECT, related_name="answers")
    number = models.FloatField(_("number"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    choices = models.JSONField(_("choices"), null=True, blank=True, help_text=_("Option values of a multiple-choice answer."))
    # A 兑现情况 answer: how well the unit kept this commitment, on the scale of the grade question
    # `question` (`surveys.commitments`). Not part of the ballot's score for the unit.
    # Indexed only where set (`answer_commitment`): the other answers, nearly all of them, then cost
    # no index entry when settling writes them.
    commitment = models.ForeignKey("Commitment", verbose_name=_("commitment"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="answers", db_index=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "unit", "question"], condition=Q(unit__isnull=False, commitment__isnull=True),
                name="unique_answer_per_unit",
            ),
            models.UniqueConstraint(
                fields=["ballot", "commitment"], condition=Q(commitment__isnull=False), name="unique_answer_per_commitment",
            ),
            models.UniqueConstraint(
                fields=["ballot", "question"], condition=Q(unit__isnull=True), name="unique_answer_per_ballot",
            ),
        ]
        indexes = [models.Index(fields=["commitment"], condition=Q(commitment__isnull=False), name="answer_commitment")]

    def __str__(self):
        return f"{self.question.key}@{self.unit_id or '-'}"


class WeightingCell(models.Model):
    """One weighting cell of a group: its key is a ballot's profile answers to the group's design
    keys (`surveys.ballots.cell_key`). Score rows point at it by id: PostgreSQL groups tens of
    millions of rows by a bigint a quarter faster than by a text key."""

    group = models.ForeignKey(EvaluatorGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="cells")
    key = models.TextField(_("key"), blank=True)

    class Meta:
        verbose_name = _("weighting cell")
        verbose_name_plural = _("weighting cells")
        constraints = [models.UniqueConstraint(fields=["group", "key"], name="unique_weighting_cell")]

    def __str__(self):
        return f"{self.group_id}:{self.key!r}"


class BallotUnitScore(Immutable):
    """A ballot's score for one unit, computed when the ballot is written (imported, or settled). Append-only.

    Ballots and the frozen questionnaire never change, so the weighted mean of a ballot's
    grade/scale answers for a unit is computed once; scoring then reads this narrow table.
    """

    # No index of their own for `ballot` and `group`: the unique (ballot, unit) and the (group, unit)
    # index begin with them and serve their lookups. Every index is written for each of the rows
    # settling writes (40 a delegate's ballot), so none is kept twice.
    ballot = models.ForeignKey(Ballot, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="unit_scores",
                               db_index=False)
    group = models.ForeignKey(EvaluatorGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="+",
                              db_index=False)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("score"), validators=[MinValueValidator(0), MaxValueValidator(100)])
    # The ballot's weighting cell in its group, stored with the score so that scoring groups this table
    # alone (DESIGN.md §4). A group's design is frozen once its campaign opens and ballots exist only
    # from then on, so a stored cell stays right; scoring still refuses cells that no ballot has under
    # the current design. No index: only scoring reads it, in full scans.
    cell = models.ForeignKey(WeightingCell, verbose_name=_("weighting cell"), on_delete=models.PROTECT,
                             related_name="+", db_index=False, editable=False)

    class Meta:
        verbose_name = _("ballot unit score")
        verbose_name_plural = _("ballot unit scores")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "unit"], name="unique_ballot_unit_score"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="ballot_unit_score_range"),
        ]
        indexes = [models.Index(fields=["group", "unit"], name="ballot_unit_score_group_unit")]


class PaperImport(models.Model):
    """A spreadsheet of paper ballots that was imported; its digest detects a second import."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(EvaluatorGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    filename = models.CharField(_("file name"), max_length=255)
    ballots = models.PositiveIntegerField(_("ballots"))
    imported_on = models.DateField(_("imported on"), auto_now_add=True)
    actor_label = models.CharField(_("imported by"), max_length=150)

    class Meta:
        verbose_name = _("paper ballot import")
        verbose_name_plural = _("paper ballot imports")
        ordering = ["-imported_on", "-id"]

    def __str__(self):
        return f"{self.filename} ({self.ballots})"


class RosterEntry(models.Model):
    """A named evaluator (e.g. a deputy) who gets a personal invitation slip.

    Names and contacts are kept only to deliver slips: nothing links an entry to an
    invitation code, let alone to a ballot.
    """

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="roster")
    group = models.ForeignKey(EvaluatorGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="roster")
    name = models.CharField(_("name"), max_length=100)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster")
        ordering = ["group", "name"]
        permissions = [("import_rosterentry", _("Can import rosters")), ("export_rosterentry", _("Can export rosters"))]

    def __str__(self):
        return self.name


class AuditEvent(Immutable):
    """Who did what to which object, when. Written in the same transaction as the change."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    actor_label = models.CharField(
        _("actor"), max_length=150, help_text=_("User name at the time, or the command that acted."),
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class Commitment(models.Model):
    """A public commitment (承诺事项, 一事一诺) a unit makes for a campaign: entered by the unit's
    contact, approved by staff before the campaign opens, frozen while it is open. Ballots ask
    whether it was kept (兑现情况); rectification cases may start from a poorly rated one."""

    MAX_PER_UNIT = 3

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="commitments")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="commitments")
    text = models.TextField(_("commitment"), max_length=500)
    target = models.CharField(_("measurable target"), max_length=200, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False)
    review_note = models.CharField(_("reviewer's note"), max_length=500, blank=True, editable=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Who did what, besides the audit trail: the pages show it next to the commitment.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", editable=False)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["campaign", "unit__code", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "approved", "rejected"]), name="commitment_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.unit.name}: {self.text[:40]}"
