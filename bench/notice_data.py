"""A synthetic notice of any size, shaped like a stored run's: for `bench/notice.py` and the tests
that read a long notice back (tests/publicity/test_pdf_structure.py). Needs no database.

Four unit kinds with ranks, intervals and a few units suppressed; unless `long_names=False`, every
fifth window unit has a long name of several words, the kind that must wrap between words in a
table cell (the benchmark leaves them out: they would make its bare-table baseline wrap its columns).
"""
import datetime as dt
import random

from publicity import document, method_note
from publicity.calendar import working_day_period
from scoring.results import RunResult

KINDS = (("street_office", "街道办事处", 0.27), ("community", "社区", 0.33), ("window", "窗口服务中心", 0.2),
         ("city_organ", "局", 0.2))
ISSUED_ON = dt.date(2026, 9, 29)


LONG_WINDOW_NAME = "民评市卫生健康委员会医师执业注册窗口"


def _name(kind: str, suffix: str, i: int, rng: random.Random, long_names: bool) -> str:
    if kind == "city_organ":
        return f"市{rng.choice('甲乙丙丁戊己庚辛')}{i + 1}{suffix}"
    if long_names and kind == "window" and i % 5 == 0:
        return f"{LONG_WINDOW_NAME}{i + 1}号"
    return f"第{i + 1}{suffix}"


def synthetic_result(units: int, long_names: bool = True) -> dict:
    """A run's result in the shape of `score --json`: ranks within kind, a few units suppressed."""
    rng = random.Random(2026)
    out = []
    for kind, suffix, share in KINDS:
        count = max(1, round(units * share)) if kind != KINDS[-1][0] else units - len(out)
        rows = []
        for i in range(count):
            score = min(98.0, max(45.0, rng.gauss(80, 7)))
            se = rng.uniform(0.8, 3.0)
            sat = min(1.0, max(0.3, score / 100 + rng.uniform(-0.05, 0.08)))
            rows.append({"code": f"{kind[:2].upper()}-{i:03d}", "name": _name(kind, suffix, i, rng, long_names), "kind": kind,
                         "n": rng.randint(20, 400), "score": score, "se": se, "ci_low": score - 1.96 * se,
                         "ci_high": score + 1.96 * se,
                         "published": {"score": round(score, 1), "ci_low": round(score - 1.96 * se, 1),
                                       "ci_high": round(score + 1.96 * se, 1)},
                         "grade_low": None, "grade_high": None, "grade": "满意" if score >= 90 else "比较满意" if score >= 80
                         else "基本满意" if score >= 60 else "不满意",
                         "satisfied": {"value": sat, "ci_low": sat - 0.05, "ci_high": min(1.0, sat + 0.04)},
                         "suppressed": i % 37 == 36, "groups": [{"key": "residents", "weight": 1.0, "n": 100,
                                                                "ess": 90.0, "score": score, "se": se,
                                                                "ci_low": score - 1.96 * se,
                                                                "ci_high": score + 1.96 * se}]})
        ranked = sorted((r for r in rows if not r["suppressed"]), key=lambda r: -r["score"])
        for rank, r in enumerate(ranked, start=1):
            spread = max(1, int(r["se"] * 3))
            r.update(rank=rank, rank_low=max(1, rank - spread), rank_high=min(len(ranked), rank + spread))
        for r in rows:
            if r["suppressed"]:
                r.update(rank=None, rank_low=None, rank_high=None, grade=None)
        out += rows
    return {"campaign": "bench", "run": 1, "method": "minping-1", "level": 0.95,
            "groups": [{"key": "residents", "weight": 1.0, "n": 30000, "ess": 26000.0,
                        "design": {"strata": "district", "fpc": {"D1": 1}, "poststratify": None,
                                   "rake": {"district": {}, "age": {}, "sex": {}}}}], "units": out}


def notice_data(units: int, long_names: bool = True) -> document.NoticeData:
    result = RunResult.from_json(synthetic_result(units, long_names))
    groups = [document.GroupInfo("residents", "辖区居民", 1.0, 30000, document.design_text(result.groups[0].design))]
    data = document.NoticeData(
        kind="publicity", title=document.default_title("2026年度群众满意度评议", "publicity"),
        body="根据评议工作安排，组织开展了2026年度群众满意度评议。现将评议结果予以公示，接受社会监督。",
        campaign_title="2026年度群众满意度评议", issuing_organ="民评市群众评议工作办公室", issued_on=ISSUED_ON,
        level=0.95, groups=groups, participation={"residents": {"online": 25000, "paper": 5000}},
        sections=document.result_sections(result),
        method=method_note.method_paragraphs(
            result=result, parameters={"rank_draws": 4000, "rank_level": 0.95,
                                       "grade_bands": [[90, "满意"], [80, "比较满意"], [60, "基本满意"], [0, "不满意"]]},
            groups=groups, questions=[("总体满意度", 0.5), ("服务态度", 0.5)],
            grades=[("非常满意", 100), ("满意", 80), ("基本满意", 60), ("不满意", 40), ("非常不满意", 0)],
            min_ballots=30, threshold=60),
        results_json=document.result_json_text(result), run_number=1, input_digest="0" * 64,
        period=working_day_period(ISSUED_ON, 5), objection_url="http://127.0.0.1:8000/notices/objections/bench/",
        phone="0000-12345678", address="民评市人民路 1 号", previous_sha256="0" * 64,
        document_number="民评办〔2026〕1号",
    )
    data.qr = document.qr_data_url(data.objection_url)
    return data
