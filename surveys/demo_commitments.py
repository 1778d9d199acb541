"""The demo city's commitments (一事一诺): every unit of `demo-2026` makes one or two, entered,
submitted and approved through the services before the campaign opens; the simulated ballots grade
some of them (兑现情况), a few units having kept theirs worse than their work in general.

Its own random generators (spawned from the demo's), so the rest of the simulation draws what it
drew before commitments existed."""
import numpy as np

from minping.lib.bulk import insert_rows

from . import commitments
from .models import Answer, Campaign, Unit

ACTOR = "manage.py seed_demo"
# (commitment, measurable target) by unit kind
PROMISES = {
    Unit.Kind.STREET_OFFICE: (
        ("老旧小区加装电梯申请，街道一站式受理、全程代办。", "受理后 20 个工作日内答复"),
        ("群众来电来信来访，首问负责、限时办结。", "5 个工作日内办结率 95%"),
        ("每月开展一次“街巷长”入户走访，收集并公示问题清单。", "每月公示一次"),
    ),
    Unit.Kind.COMMUNITY: (
        ("社区服务站工作日延时服务至 19:00，周六上午不打烊。", "全年无休息日空岗"),
        ("独居老人每周上门探访一次，建立台账。", "探访覆盖率 100%"),
        ("小区环境卫生问题接报后 24 小时内处置。", "24 小时处置率 95%"),
    ),
    Unit.Kind.WINDOW: (
        ("高频事项“一次告知、一次办好”，材料清单网上公开。", "一次办结率 98%"),
        ("窗口平均等候时间不超过 15 分钟。", "15 分钟"),
        ("企业开办全流程 1 个工作日内办结。", "1 个工作日"),
    ),
    Unit.Kind.CITY_ORGAN: (
        ("12345 热线转办件按期办结，办理结果当面或电话回复。", "按期办结率 98%"),
        ("涉企行政检查“无事不扰”，年度检查计划向社会公开。", "计划公开率 100%"),
        ("重大民生决策事项公开征求意见不少于 30 日。", "30 日"),
    ),
}


def demo_commitments_create(*, campaign: Campaign, rng: np.random.Generator) -> None:
    """One or two commitments for every unit the campaign rates, approved (the campaign is a draft)."""
    units = Unit.objects.filter(evaluator_groups__campaign=campaign).distinct().order_by("kind", "code")
    for unit in units:
        choices = PROMISES.get(unit.kind, PROMISES[Unit.Kind.WINDOW])
        for i in sorted(rng.choice(len(choices), size=int(rng.integers(1, 3)), replace=False)):
            text, target = choices[i]
            made = commitments.commitment_create(campaign=campaign, unit=unit, text=text, target=target, actor=ACTOR)
            commitments.commitment_submit(commitment=made, actor=ACTOR)
            commitments.commitment_approve(commitment=made, actor=ACTOR)


class DemoFulfilment:
    """Grades a rated unit's commitments on a simulated ballot; rows written with the demo's flush."""

    ANSWERED = 0.6      # share of ballots that grade a commitment of a unit they rate
    DONT_KNOW = 0.15    # of those, 不了解

    def __init__(self, *, campaign: Campaign, rng: np.random.Generator, scale, options: dict, cuts):
        self.rng, self.scale, self.options, self.cuts = rng, scale, options, cuts
        self.by_unit: dict[int, list[int]] = {}
        for pk, unit_id in (campaign.commitments.filter(status=commitments.Status.APPROVED)
                            .order_by("id").values_list("id", "unit_id")):
            self.by_unit.setdefault(unit_id, []).append(pk)
        # How much better or worse than its work in general each commitment was kept.
        self.kept = {pk: float(rng.normal(-2, 6)) for pks in self.by_unit.values() for pk in pks}
        self.rows: list[tuple] = []

    def rate(self, ballot, unit: Unit, latent: float) -> int:
        """Grade some of `unit`'s commitments; return how many answers were added."""
        added = 0
        for pk in self.by_unit.get(unit.id, ()):
            if self.rng.random() >= self.ANSWERED:
                continue
            value = ("dk" if self.rng.random() < self.DONT_KNOW else
                     next(v for cut, v in self.cuts if latent + self.kept[pk] + self.rng.normal(0, 6) >= cut))
            self.rows.append((ballot, self.scale.id, unit.id, self.options[value].id, "", pk))
            added += 1
        return added

    def flush(self) -> None:
        insert_rows(Answer, ("ballot_id", "question_id", "unit_id", "option_id", "text", "commitment_id"), self.rows)
        self.rows = []
