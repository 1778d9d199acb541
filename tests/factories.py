"""factory_boy factories. `CampaignFactory.ready()` builds a campaign that passes the open checks."""
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from surveys import services
from surveys.models import (
    Campaign,
    CensusMargin,
    EvaluatorGroup,
    Option,
    Question,
    Questionnaire,
    Region,
    Unit,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)   # a second campaign in a test shares the districts

    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}区")
    level = Region.Level.DISTRICT
    population = 100_000


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U-{n:03d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = Unit.Kind.STREET_OFFICE


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire

    name = factory.Sequence(lambda n: f"测评表{n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    key = factory.Sequence(lambda n: f"q{n}")
    text = "问题"
    kind = Question.Kind.GRADE
    per_unit = True
    weight = Decimal("1")


class OptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Option

    question = factory.SubFactory(QuestionFactory)
    value = factory.Sequence(lambda n: str(n))
    label = factory.Sequence(lambda n: f"选项{n}")
    score = Decimal(50)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    slug = factory.Sequence(lambda n: f"campaign-{n}")
    title = factory.Sequence(lambda n: f"评议活动{n}")
    year = 2026
    questionnaire = factory.SubFactory(QuestionnaireFactory)

    @classmethod
    def ready(cls, **kwargs) -> Campaign:
        """A draft campaign with the standard questionnaire, two groups and full census margins."""
        districts = [RegionFactory(code="D1", name="甲区"), RegionFactory(code="D2", name="乙区")]
        questionnaire = services.questionnaire_create_standard(
            name="标准测评表", actor="tests", districts=[(d.code, d.name) for d in districts]
        )
        campaign = cls(questionnaire=questionnaire, **kwargs)
        offices = [UnitFactory(region=d) for d in districts]
        organs = [UnitFactory(kind=Unit.Kind.CITY_ORGAN) for _ in range(3)]
        residents = EvaluatorGroupFactory(
            campaign=campaign, key="residents", weight=Decimal("0.6"), stratify_by="district",
            rake_on=["district", "age", "sex"], population_size=300_000,
        )
        residents.units.set(offices)
        delegates = EvaluatorGroupFactory(campaign=campaign, key="delegates", weight=Decimal("0.4"), population_size=50)
        delegates.units.set(organs)
        margins = {"district": {"D1": 200_000, "D2": 100_000},
                   "age": {"18-34": 90_000, "35-59": 135_000, "60+": 75_000},
                   "sex": {"M": 150_000, "F": 150_000}}
        for variable, levels in margins.items():
            for level, population in levels.items():
                CensusMargin.objects.create(campaign=campaign, variable=variable, level=level, population=population)
        return campaign


class EvaluatorGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluatorGroup

    campaign = factory.SubFactory(CampaignFactory)
    key = factory.Sequence(lambda n: f"group{n}")
    name = factory.Sequence(lambda n: f"评议主体{n}")
    weight = Decimal("0.5")
