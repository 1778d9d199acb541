"""The notice's plain-language note on method (section 四, `templates/publicity/_method_note.html`).

Built from the run's own parameters and declared methods, in fixed Chinese like the rest of the
notice (see `publicity.document`): every method that produced a printed number is named — the
variance method of each group, the rule for strata with a single ballot, the intervals of
scores and shares, the kind of rank interval, and the rounding rule the grades follow.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scoring.results import RunResult

    from .document import GroupInfo

VARIANCE_TEXT = {
    "calibrate-raking": "误差按校准加权（raking）的线性化方法估计，与 R 语言 survey 包 calibrate(calfun=\"raking\") 一致",
    "poststratify": "误差按事后分层的线性化方法估计，与 R 语言 survey 包 postStratify 一致",
    "stratified": "误差按分层抽样的线性化方法估计，与 R 语言 survey 包 svydesign(strata=…, fpc=…) 一致",
    "srs": "误差按简单随机抽样估计，与 R 语言 survey 包 svydesign(id=~1) 一致",
}
LONELY_PSU_TEXT = {
    "adjust": "某一评议主体的某个分层只有1张评议票、无法单独估计误差时，该层按总体均值计算误差"
              "（与 R 语言 survey 包 options(survey.lonely.psu = \"adjust\") 一致）。",
    "fail": "某一评议主体的某个分层只有1张评议票、无法单独估计误差时，不予计算"
            "（与 R 语言 survey 包 options(survey.lonely.psu = \"fail\") 一致）。",
}


def method_paragraphs(*, result: RunResult, parameters: dict, groups: list[GroupInfo], questions: list[tuple[str, float]],
                      grades: list[tuple[str, float]], min_ballots: int, threshold: float) -> list[str]:
    """The paragraphs of the note, from the run's result (its `methods`) and parameters."""
    level = f"{round(100 * result.level)}%"
    variance = {g.key: g.variance for g in result.groups}
    paragraphs = []
    if questions:
        items = "、".join(f"“{text}”占{weight * 100:g}%" for text, weight in questions)
        scale = "、".join(f"“{label}”计{score:g}分" for label, score in grades)
        paragraphs.append(f"每张评议票对一个单位的评价折算为百分制得分：{items}；" + (f"{scale}。" if scale else "。"))
    paragraphs.append("各评议主体的得分分别计算，并按人口结构加权，使结果代表该群体的总体意见：" + "；".join(
        f"{g.name}，{g.design}" + (f"，{VARIANCE_TEXT[variance[g.key]]}" if variance.get(g.key) in VARIANCE_TEXT else "")
        for g in groups) + "。")
    lonely = parameters.get("lonely_psu")
    if lonely in LONELY_PSU_TEXT:
        paragraphs.append(LONELY_PSU_TEXT[lonely])
    weights = "、".join(f"{g.name}{g.weight_label}" for g in groups)
    paragraphs.append(f"综合得分是各评议主体得分的加权平均，权重为{weights}；"
                      "只由部分评议主体评议的单位，按这些主体的权重比例折算。")
    paragraphs.append(f"由于评议只覆盖部分群众，每个得分都有抽样误差。表中“{level}置信区间”的含义是："
                      f"如果用同样的方法反复抽样评议，约{level}的区间会包含全体群众评价的真实值。区间越窄，结果越精确；"
                      "两个单位的区间大部分重叠时，得分的差别可能只是抽样误差。得分的置信区间为得分加减相应倍数的标准误"
                      "（正态近似），综合得分的标准误由各评议主体的标准误按权重合成。")
    paragraphs.append(_rank_paragraph(parameters))
    label = next((lbl for lbl, score in grades if abs(score - threshold) < 1e-9), None)
    paragraphs.append(f"满意率是评价得分达到{threshold:g}分" + (f"（“{label}”）" if label else "")
                      + "及以上的评议票所占的比例（加权计算）。满意率的置信区间按 logit 方法计算；全部评议票都达到或都未达到"
                      "满意时（按票数判断），或抽样误差无法由数据估计时，按 Korn–Graubard 方法以评议票数为有效样本量计算；"
                      "多个评议主体合成的满意率，按各主体有效样本量的加权合并值计算。因此区间总是包含满意率本身。")
    bands = parameters.get("grade_bands") or []
    if bands:
        paragraphs.append(_grade_paragraph(bands))
    paragraphs.append(f"任一评议主体的有效评议票少于{min_ballots}张的单位，得分误差过大，列为“样本不足”，不排名、不定等次。")
    paragraphs.append(f"本文件附有全部计算结果（附件 results.json，第{result.run}次计算，"
                      f"方法版本 {result.method}，所用方法逐项列于其中的 methods 部分），"
                      "可据此复核本文件中的每一个数字。")
    return paragraphs


def _rank_paragraph(parameters: dict) -> str:
    draws = parameters.get("rank_draws")
    rank_level = f"{round(100 * parameters.get('rank_level', 0.95))}%"
    if parameters.get("rank_method") == "simultaneous":
        return (f"名次区间为同类全部单位的联合{rank_level}置信集（Mogstad、Romano、Shaikh、Wilhelm 的方法，"
                f"对所有两两差异同时检验，模拟{draws}次）：有{rank_level}的把握所有单位的名次同时落在各自区间内。"
                "只有检验确认一个单位得分高于另一个时，两者才分先后；名次区间相互重叠的单位不能认定有差别，"
                "图中同一底色带内的单位在统计上难以区分。")
    if draws:
        return (f"名次区间根据得分的抽样误差模拟{draws}次得出，表示该单位的名次有{rank_level}的把握落在此区间内"
                "（逐个单位而言，并非所有单位同时成立）。名次区间相互重叠的单位不宜认定有实质差别；"
                "图中同一底色带内的单位在统计上难以区分。")
    return f"名次区间表示该单位的名次有{rank_level}的把握落在此区间内；名次区间相互重叠的单位不宜认定有实质差别。"


def _grade_paragraph(bands) -> str:
    parts = []
    for i, (low, name) in enumerate(bands):
        if i == 0:
            parts.append(f"{low:g}分及以上为“{name}”")
        elif low > 0:
            parts.append(f"{low:g}分至{bands[i - 1][0]:g}分（不含）为“{name}”")
        else:
            parts.append(f"{bands[i - 1][0]:g}分以下为“{name}”")
    return ("等次按综合得分划分：" + "，".join(parts) + "。得分和置信区间四舍五入保留一位小数，等次按保留一位小数后的"
            "得分确定，因此表中得分相同的单位等次相同。置信区间跨越等次分界的单位，在等次后注明“（临界）”："
            "其真实等次可能是区间所跨的相邻等次。")
