"""The demo city: regions, units, the campaign `demo-2026` and simulated ballots.

The simulation has real structure so that weighting and intervals visibly matter: units differ,
the elderly are more satisfied and answer more often, small districts are over-sampled, a few
units are rated too rarely to be published. Everything is drawn from one seeded generator, so
the same seed gives the same database content.
"""
import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from minping.lib.bulk import insert_rows

from . import record, services
from .ballots import SCORE_COLUMNS, cell_ids, cell_key
from .commitments import grade_scale
from .demo_commitments import DemoFulfilment, demo_commitments_create
from .models import (
    Answer,
    Ballot,
    BallotUnitScore,
    Campaign,
    CensusMargin,
    Commitment,
    EvaluatorGroup,
    Question,
    Region,
    Unit,
    UnitContact,
)
from .roles import EVALUATION_STAFF, UNIT_CONTACTS
from .scores import weighted_unit_score

CAMPAIGN_SLUG = "demo-2026"
CAMPAIGN_TITLE = "2026年度群众满意度评议"
STAFF_USERNAME = "staff"
STAFF_PASSWORD = "minping-demo"
CONTACT_USERNAME = "contact"

# (code, name, adult population, street offices, communities)
DISTRICTS = (
    ("D1", "中心区", 820_000, 10, 14),
    ("D2", "东城区", 640_000, 8, 12),
    ("D3", "西城区", 510_000, 7, 11),
    ("D4", "南湖区", 300_000, 6, 10),
    ("D5", "北山区", 110_000, 5, 7),
    ("D6", "新港区", 70_000, 4, 6),
)
STREET_NAMES = (
    "和平 建设 解放 人民 新华 朝阳 光明 胜利 红旗 长江 黄河 东风 文化 友谊 幸福 团结 前进 民主 振兴 育才 "
    "兴华 湖滨 滨江 青山 翠园 金桥 银河 龙泉 凤凰 桃园 梅林 松柏 柳岸 荷塘 枫林 槐荫 杏坛 竹园 兰亭 菊香"
).split()
COMMUNITY_SUFFIXES = ("东", "西", "南", "北", "中", "花园")
WINDOW_NAMES = (
    "不动产登记", "出入境办证", "社会保险", "医疗保障", "住房公积金", "税务办理", "企业开办", "户籍办理",
    "车驾管业务", "婚姻登记", "人才服务", "建设工程审批", "水电气联办", "残疾人服务", "公证服务",
    "医师执业注册", "教育入学服务", "规划许可", "城管审批", "12345 热线受理",
)
ORGAN_NAMES = (
    "市发展和改革委员会", "市教育局", "市科学技术局", "市工业和信息化局", "市公安局", "市民政局", "市司法局",
    "市财政局", "市人力资源和社会保障局", "市自然资源和规划局", "市生态环境局", "市住房和城乡建设局",
    "市交通运输局", "市水务局", "市农业农村局", "市商务局", "市文化广电旅游局", "市卫生健康委员会",
    "市退役军人事务局", "市应急管理局", "市审计局", "市国有资产监督管理委员会", "市市场监督管理局", "市体育局",
    "市统计局", "市医疗保障局", "市城市管理局", "市政务服务数据管理局", "市信访局", "市林业局", "市人民防空办公室",
    "市机关事务管理局", "市地方金融管理局", "市税务局", "市供销合作社", "市总工会", "共青团市委", "市妇女联合会",
    "市残疾人联合会", "市住房公积金管理中心",
)
COMMENTS = (
    "办事流程还可以再简化。", "工作人员态度很好，点赞！", "希望延长周末办公时间。", "小区停车难问题希望重视。",
    "网上办理很方便。", "电话经常打不通。", "老旧小区改造进度慢。", "窗口排队时间太长。",
)
UNIT_COMMENTS = ("材料一次告知，很省心。", "咨询电话没人接。", "窗口人员业务熟练。", "回复群众诉求太慢。")
AGE_SHARES = {"18-34": 0.30, "35-59": 0.45, "60+": 0.25}
SEX_SHARES = {"M": 0.505, "F": 0.495}
AGE_EFFECT = {"18-34": -6.0, "35-59": 0.0, "60+": 5.0}
# Elderly residents answer more often than the young: the sample over-represents them.
AGE_RESPONSE = {"18-34": 0.7, "35-59": 1.0, "60+": 1.9}
GROUP_LENIENCY = {"residents": 0.0, "service_users": 1.0, "delegates": 4.0, "grassroots": 1.5}
GRADE_CUTS = ((90, "5"), (75, "4"), (58, "3"), (42, "2"), (-1e9, "1"))


@dataclass
class SeedResult:
    campaign: Campaign
    ballots: int
    answers: int
    ballot_link: str
    by_group: dict = field(default_factory=dict)


class DemoExists(Exception):
    pass


def demo_exists() -> bool:
    return Campaign.objects.filter(slug=CAMPAIGN_SLUG).exists()


def seed_demo(*, ballots: int = 20_000, seed: int = 2026, base_url: str, today: dt.date | None = None,
              reset: bool = False) -> SeedResult:
    """Build the demo city and campaign with `ballots` simulated ballots, in one transaction."""
    if ballots < 0:
        raise ValueError("ballots must be zero or more")
    today = today or timezone.localdate()
    with transaction.atomic():
        if demo_exists():
            if not reset:
                raise DemoExists(CAMPAIGN_SLUG)
            delete_demo()
        rng = np.random.default_rng(seed)
        city = _build_city()
        campaign = _build_campaign(city, today)
        demo_commitments_create(campaign=campaign, rng=rng.spawn(1)[0])   # approved before it opens
        # Opened at its scheduled opening: the simulated ballots arrive from that day on.
        services.campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="manage.py seed_demo",
                                     now=campaign.opens_at)
        simulator = _Simulator(rng, campaign, city, today)
        counts = simulator.run(ballots)
        link = demo_invitation(campaign, base_url)
        _demo_users(city)
    return SeedResult(campaign=campaign, ballots=sum(counts.values()), answers=simulator.answer_count,
                      ballot_link=link, by_group=counts)


def delete_demo() -> None:
    """Remove the demo campaign, its ballots and the demo city (audit events stay)."""
    campaign = Campaign.objects.get(slug=CAMPAIGN_SLUG)
    record.campaign_purge_allow(campaign)
    # `ballot_id IN (ballots of the campaign)` rather than a join: PostgreSQL then deletes by the
    # ballot_id index whatever its statistics say (a join delete went quadratic in tests).
    ballots = Ballot.objects.filter(campaign=campaign).values("id")
    BallotUnitScore.objects.filter(ballot_id__in=ballots).purge()
    Answer.objects.filter(ballot_id__in=ballots).purge()
    Ballot.objects.filter(campaign=campaign).purge()
    questionnaire = campaign.questionnaire
    Commitment.objects.filter(campaign=campaign).delete()
    campaign.delete()
    if not questionnaire.campaigns.exists():
        questionnaire.delete()
    UnitContact.objects.filter(unit__code__startswith="DEMO-").delete()
    for kind_prefix in ("DEMO-CM", "DEMO-SO", "DEMO-W", "DEMO-O"):
        Unit.objects.filter(code__startswith=kind_prefix).delete()
    for level in (Region.Level.COMMUNITY, Region.Level.STREET):
        Region.objects.filter(code__startswith="DEMO-", level=level).delete()
    Region.objects.filter(parent__code="DEMO", level=Region.Level.DISTRICT).delete()
    Region.objects.filter(code="DEMO").delete()


# --- The city -----------------------------------------------------------------------------

@dataclass
class _City:
    districts: list[Region]
    street_offices: list[Unit]
    communities: list[Unit]
    windows: list[Unit]
    organs: list[Unit]
    district_of: dict[int, str]           # unit id → district code
    street_of_community: dict[int, int]   # community id → street office id


def _build_city() -> _City:
    city = Region.objects.create(code="DEMO", name="民评市", level=Region.Level.CITY,
                                 population=sum(d[2] for d in DISTRICTS))
    names = iter(STREET_NAMES)
    districts, street_offices, communities, district_of, street_of = [], [], [], {}, {}
    for code, name, population, n_streets, n_communities in DISTRICTS:
        district = Region.objects.create(code=code, name=name, level=Region.Level.DISTRICT, parent=city,
                                         population=population)
        districts.append(district)
        offices = []
        for s in range(n_streets):
            street_name = next(names)
            street = Region.objects.create(code=f"DEMO-{code}-S{s + 1:02d}", name=f"{street_name}街道",
                                           level=Region.Level.STREET, parent=district)
            office = Unit.objects.create(code=f"DEMO-SO-{len(street_offices) + 1:02d}", name=f"{street_name}街道办事处",
                                         kind=Unit.Kind.STREET_OFFICE, region=street)
            offices.append((office, street_name))
            street_offices.append(office)
            district_of[office.id] = code
        for c in range(n_communities):
            office, street_name = offices[c % n_streets]
            suffix = COMMUNITY_SUFFIXES[c // n_streets]
            region = Region.objects.create(code=f"DEMO-{code}-C{c + 1:02d}", name=f"{street_name}{suffix}社区",
                                           level=Region.Level.COMMUNITY, parent=office.region)
            community = Unit.objects.create(code=f"DEMO-CM-{len(communities) + 1:02d}", name=f"{street_name}{suffix}社区",
                                            kind=Unit.Kind.COMMUNITY, region=region, parent=office)
            communities.append(community)
            district_of[community.id] = code
            street_of[community.id] = office.id
    windows = [Unit.objects.create(code=f"DEMO-W-{i + 1:02d}", name=f"市政务服务中心{name}窗口", kind=Unit.Kind.WINDOW,
                                   region=city) for i, name in enumerate(WINDOW_NAMES)]
    organs = [Unit.objects.create(code=f"DEMO-O-{i + 1:02d}", name=name, kind=Unit.Kind.CITY_ORGAN, region=city)
              for i, name in enumerate(ORGAN_NAMES)]
    return _City(districts, street_offices, communities, windows, organs, district_of, street_of)


def _build_campaign(city: _City, today: dt.date) -> Campaign:
    questionnaire = services.questionnaire_create_standard(
        name=f"{CAMPAIGN_TITLE}测评表", actor="manage.py seed_demo",
        districts=[(d.code, d.name) for d in city.districts],
    )
    tz = timezone.get_current_timezone()
    campaign = Campaign.objects.create(
        slug=CAMPAIGN_SLUG, title=CAMPAIGN_TITLE, year=2026, questionnaire=questionnaire, min_ballots=30,
        instructions="请根据您的亲身感受，对下列单位的工作作出评价。评议实行无记名方式，每人一票。",
        opens_at=dt.datetime.combine(today - dt.timedelta(days=20), dt.time(8), tz),
        closes_at=dt.datetime.combine(today + dt.timedelta(days=30), dt.time(18), tz),
    )
    total = sum(d[2] for d in DISTRICTS)
    margins = {"district": {d[0]: d[2] for d in DISTRICTS},
               "age": _integer_shares(AGE_SHARES, total), "sex": _integer_shares(SEX_SHARES, total)}
    CensusMargin.objects.bulk_create(
        CensusMargin(campaign=campaign, variable=variable, level=level, population=population)
        for variable, levels in margins.items() for level, population in levels.items()
    )
    groups = (
        dict(key="residents", name="辖区居民", weight=Decimal("0.4"), population_size=total,
             units=city.street_offices + city.communities, stratify_by="district",
             rake_on=["district", "age", "sex"], unit_scope=EvaluatorGroup.UnitScope.RESIDENCE),
        dict(key="service_users", name="办事群众", weight=Decimal("0.3"), units=city.windows,
             access=EvaluatorGroup.Access.OPEN),
        dict(key="delegates", name="两代表一委员", weight=Decimal("0.2"), population_size=500, units=city.organs),
        dict(key="grassroots", name="基层党员群众代表", weight=Decimal("0.1"), population_size=3000,
             units=city.organs + city.windows),
    )
    for order, spec in enumerate(groups):
        units = spec.pop("units")
        group = EvaluatorGroup.objects.create(campaign=campaign, order=order, **spec)
        group.units.set(units)
    return campaign


def _integer_shares(shares: dict[str, float], total: int) -> dict[str, int]:
    """Split `total` by `shares` into integers that add up to exactly `total`."""
    counts = {level: int(round(share * total)) for level, share in shares.items()}
    last = list(counts)[-1]
    counts[last] += total - sum(counts.values())
    return counts


# --- Simulated ballots ----------------------------------------------------------------------

class _Simulator:
    """Draws ballots group by group and writes them with bulk inserts."""

    BATCH = 5000

    def __init__(self, rng: np.random.Generator, campaign: Campaign, city: _City, today: dt.date):
        self.rng = rng
        self.campaign = campaign
        self.city = city
        self.today = today
        self.groups = {g.key: g for g in campaign.groups.all()}
        self.design_keys = {g.id: g.design_keys() for g in self.groups.values()}
        self.questions = list(campaign.questionnaire.questions.prefetch_related("options"))
        self.per_unit = [q for q in self.questions if q.per_unit and q.is_scored]
        self.overall = next(q for q in self.per_unit if not q.is_dimension)
        self.dimensions = [q for q in self.per_unit if q.is_dimension]
        self.profile = {q.key: q for q in self.questions if not q.per_unit and q.kind == Question.Kind.CHOICE}
        self.comment = next((q for q in self.questions if q.kind == Question.Kind.TEXT and not q.per_unit), None)
        self.unit_comment = next((q for q in self.questions if q.kind == Question.Kind.TEXT and q.per_unit), None)
        self.options = {q.id: {o.value: o for o in q.options.all()} for q in self.questions}
        units = city.street_offices + city.communities + city.windows + city.organs
        # Each unit's true quality, and each dimension's deviation from it.
        self.quality = {u.id: float(np.clip(rng.normal(80, 7), 55, 97)) for u in units}
        self.dim_effect = {(u.id, q.id): float(rng.normal(0, 4)) for u in units for q in self.dimensions}
        self.district_effect = {d.code: float(rng.normal(0, 3)) for d in city.districts}
        # A few units are rarely visited: too few ballots to publish their score.
        self.popularity = {u.id: 1.0 for u in units}
        for i in rng.choice(len(city.communities), size=3, replace=False):
            self.popularity[city.communities[i].id] = 0.02
        for i in rng.choice(len(city.windows), size=2, replace=False):
            self.popularity[city.windows[i].id] = 0.01
        # Rows as tuples, written by `insert_rows` (model instances would dominate the run time).
        self.pending_ballots: list[tuple] = []
        self.pending_answers: list[tuple] = []
        self.pending_scores: list[tuple] = []
        self.cells: dict[tuple[int, str], int] = {}   # (group id, cell key) → WeightingCell id
        self.answer_count = 0
        scale = grade_scale(self.questions)
        self.fulfilment = DemoFulfilment(campaign=campaign, rng=rng.spawn(1)[0], scale=scale,
                                         options=self.options[scale.id], cuts=GRADE_CUTS)

    def run(self, total: int) -> dict[str, int]:
        delegates = min(int(total * 0.0225), int(self.groups["delegates"].population_size * 0.9))
        grassroots = min(int(total * 0.1275), int(self.groups["grassroots"].population_size * 0.9))
        residents = int(total * 0.6)
        counts = {"residents": residents, "service_users": total - residents - delegates - grassroots,
                  "delegates": delegates, "grassroots": grassroots}
        for key, count in counts.items():
            for _ in range(count):
                self._ballot(self.groups[key])
        self._flush()
        return counts

    def _ballot(self, group: EvaluatorGroup) -> None:
        rng = self.rng
        profile = self._profile(group)
        ballot = uuid.UUID(bytes=rng.bytes(16), version=4)
        channel = Ballot.Channel.PAPER if rng.random() < 0.15 else Ballot.Channel.ONLINE
        received_on = self.today - dt.timedelta(days=int(rng.integers(0, 20)))
        self.pending_ballots.append((ballot, self.campaign.id, group.id, channel, received_on, profile))
        for key, value in profile.items():
            question = self.profile[key]
            self._answer(ballot, question, None, option=self.options[question.id][value])
        person = (AGE_EFFECT[profile["age"]] + (1.0 if profile["sex"] == "F" else 0.0)
                  + self.district_effect[profile["district"]] + GROUP_LENIENCY[group.key] + rng.normal(0, 6))
        answer_dimensions = group.key == "delegates" or rng.random() < 0.5
        cell = self._cell_id(group, profile)
        for unit in self._units_rated(group, profile):
            self._rate(ballot, group, unit, person, answer_dimensions, cell)
        if self.comment is not None and rng.random() < 0.05:
            self._answer(ballot, self.comment, None, text=COMMENTS[int(rng.integers(len(COMMENTS)))])
        if len(self.pending_answers) >= self.BATCH:
            self._flush()

    def _cell_id(self, group: EvaluatorGroup, profile: dict) -> int:
        key = cell_key(self.design_keys[group.id], profile)
        if (group.id, key) not in self.cells:
            self.cells[(group.id, key)] = cell_ids(group.id, [key])[key]
        return self.cells[(group.id, key)]

    def _profile(self, group: EvaluatorGroup) -> dict[str, str]:
        rng = self.rng
        codes = [d.code for d in self.city.districts]
        if group.key == "residents":
            # Small districts are over-sampled: allocation by the square root of the population.
            sizes = np.sqrt([d.population for d in self.city.districts])
        else:
            sizes = np.array([d.population for d in self.city.districts], dtype=float)
        district = codes[rng.choice(len(codes), p=sizes / sizes.sum())]
        ages = list(AGE_SHARES)
        age_p = np.array([AGE_SHARES[a] * AGE_RESPONSE[a] for a in ages])
        age = ages[rng.choice(len(ages), p=age_p / age_p.sum())]
        sex = "F" if rng.random() < 0.53 else "M"
        return {"district": district, "age": age, "sex": sex}

    def _units_rated(self, group: EvaluatorGroup, profile: dict) -> list[Unit]:
        city, rng = self.city, self.rng
        if group.key == "residents":
            offices = [u for u in city.street_offices if city.district_of[u.id] == profile["district"]]
            office = offices[int(rng.integers(len(offices)))]
            communities = [u for u in city.communities if city.street_of_community[u.id] == office.id]
            weights = np.array([self.popularity[u.id] for u in communities])
            community = communities[rng.choice(len(communities), p=weights / weights.sum())]
            return [office, community]
        if group.key == "service_users":
            return self._pick(city.windows, int(rng.integers(1, 4)))
        if group.key == "delegates":
            return city.organs
        return self._pick(city.organs, 12) + self._pick(city.windows, 4)

    def _pick(self, units: list[Unit], k: int) -> list[Unit]:
        weights = np.array([self.popularity[u.id] for u in units])
        chosen = self.rng.choice(len(units), size=k, replace=False, p=weights / weights.sum())
        return [units[i] for i in sorted(chosen)]

    def _rate(self, ballot: Ballot, group, unit: Unit, person: float, answer_dimensions: bool, cell: int) -> None:
        rng = self.rng
        latent = self.quality[unit.id] + person + rng.normal(0, 9)
        pairs = [self._grade(ballot, unit, self.overall, latent)]
        if answer_dimensions:
            for question in self.dimensions:
                value = latent + self.dim_effect[(unit.id, question.id)] + rng.normal(0, 6)
                pairs.append(self._grade(ballot, unit, question, value))
        self.pending_scores.append((ballot, group.id, unit.id, weighted_unit_score(pairs), cell))
        self.answer_count += self.fulfilment.rate(ballot, unit, latent)
        if self.unit_comment is not None and rng.random() < 0.01:
            self._answer(ballot, self.unit_comment, unit, text=UNIT_COMMENTS[int(rng.integers(len(UNIT_COMMENTS)))])

    def _grade(self, ballot: Ballot, unit: Unit, question: Question, latent: float) -> tuple[float, float]:
        value = next(v for cut, v in GRADE_CUTS if latent >= cut)
        option = self.options[question.id][value]
        self._answer(ballot, question, unit, option=option)
        return float(question.weight), float(option.score)

    def _answer(self, ballot, question, unit, option=None, text="") -> None:
        self.pending_answers.append((ballot, question.id, unit.id if unit else None, option.id if option else None, text))
        self.answer_count += 1

    def _flush(self) -> None:
        insert_rows(Ballot, ("id", "campaign_id", "group_id", "channel", "received_on", "profile"), self.pending_ballots)
        insert_rows(Answer, ("ballot_id", "question_id", "unit_id", "option_id", "text"), self.pending_answers)
        insert_rows(BallotUnitScore, SCORE_COLUMNS, self.pending_scores)
        self.fulfilment.flush()
        self.pending_ballots, self.pending_answers, self.pending_scores = [], [], []


def demo_invitation(campaign: Campaign, base_url: str) -> str:
    """One new delegates' invitation (40 city organs), so the demo prints a ballot link that works."""
    code = services.invitations_issue(group=campaign.groups.get(key="delegates"), count=1, actor="manage.py seed_demo")[0]
    return f"{base_url}/b/{code}/"


def _demo_users(city: _City) -> None:
    users = get_user_model()
    staff, _created = users.objects.get_or_create(username=STAFF_USERNAME, defaults={"is_staff": True})
    staff.is_staff = True
    staff.set_password(STAFF_PASSWORD)
    staff.save()
    staff.groups.add(Group.objects.get(name=EVALUATION_STAFF))
    contact, _created = users.objects.get_or_create(username=CONTACT_USERNAME)
    contact.set_password(STAFF_PASSWORD)
    contact.save()
    contact.groups.add(Group.objects.get(name=UNIT_CONTACTS))
    UnitContact.objects.get_or_create(user=contact, unit=city.street_offices[0])
