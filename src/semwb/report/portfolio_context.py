"""``results.json -> portfolio`` -> the context of ``_portfolio.html``, in English or Chinese.

The measures a ``portfolio:`` spec computed from its partner list (docs/portfolio.md): which list,
window and attributes, each measure's descriptives beside its formula and source, and the firms
that could not be matched. Numbers stay numbers for the template's filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from semwb.report.i18n import Lang, in_language
from semwb.results import JOIN_WARNING

STRINGS: dict[str, tuple[str, str]] = {
    "portfolio": ("Alliance-portfolio measures", "联盟组合测量"),
    "design": ("Computed from {partners} for window {window} and joined to the survey by {firm_id}"
               "{ties}; diversity by {by}.",
               "由 {partners} 计算（时间窗 {window}），按 {firm_id} 与问卷数据合并{ties}；"
               "多样性按 {by} 计算。"),
    "with_ties": (", ego networks from {ties}", "，自我中心网络来自 {ties}"),
    "measure": ("Measure", "指标"),
    "formula": ("Formula", "公式"),
    "min": ("Min", "最小值"),
    "max": ("Max", "最大值"),
    "source": ("Source", "来源"),
    "missing_measures": ("{n} survey firm(s) have no partner data (kept, measures missing): "
                         "{firms}.", "{n} 家问卷企业没有伙伴数据（保留，指标缺失）：{firms}。"),
    "missing_responses": ("{n} firm(s) of the partner list did not answer the survey: {firms}.",
                          "伙伴名单中有 {n} 家企业未参与问卷：{firms}。"),
    "no_partners": ("{n} survey firm(s) had no alliance active in the window (n_partners 0, "
                    "other measures empty, left out of a model that uses them): {firms}.",
                    "{n} 家问卷企业在该时间窗内没有活跃联盟（n_partners 为 0，其余指标缺失，"
                    "使用这些指标的模型不含这些企业）：{firms}。"),
    "note": ("p_k: share of the partners in category k; K: categories in the whole list; f, g: "
             "IPC class vectors of the firm and its partners; n: partners; t: ties among them; "
             "p_ij: proportional tie strength. n (first column): firms of the partner list with "
             "a value. A measure is empty (NaN, never 0) where it is undefined: every measure "
             "but n_partners for a firm without an active alliance; density with fewer than two "
             "partners; knowledge heterogeneity with fewer than two partners with IPC classes; "
             "Jaffe distance without the firm's own classes.",
             "p_k：类别 k 的伙伴占比；K：整个名单中的类别数；f、g：企业及其伙伴的 IPC 分类向量；"
             "n：伙伴数；t：伙伴间联系数；p_ij：联系强度占比。"
             "第一列 n：伙伴名单中有该指标值的企业数。"
             "指标无定义时为缺失（NaN，而非 0）：没有活跃联盟的企业除 n_partners 外的所有指标；"
             "伙伴少于两个时的密度；有 IPC 分类的伙伴少于两个时的知识异质性；"
             "缺少企业自身 IPC 分类时的 Jaffe 距离。"),
}

#: Measure (or suffix of one) -> (formula, source), as docs/portfolio.md gives them; a formula
#: in words is an (English, Chinese) pair.
FORMULAS: tuple[tuple[str, str | tuple[str, str], str], ...] = (
    ("n_partners", ("n (distinct active partners)", "n（不同的活跃伙伴数）"), ""),
    ("n_alliances", ("active alliances", "活跃联盟数"), ""),
    ("repeat_share", ("share of partners with ≥ 2 alliances", "有 ≥ 2 次联盟的伙伴占比"),
     "Goerzen (2007)"),
    ("_blau", "1 − Σ p_k²", "Blau (1977)"),
    ("_entropy_norm", "−Σ p_k ln p_k / ln K", "Pielou (1966)"),
    ("_entropy", "−Σ p_k ln p_k", "Shannon (1948)"),
    ("jaffe_distance", "1 − f·g / (‖f‖ ‖g‖)", "Jaffe (1986)"),
    ("knowledge_heterogeneity", ("mean over partner pairs of 1 − cos(g_i, g_j)",
                                 "伙伴两两之间 1 − cos(g_i, g_j) 的均值"),
     "Rodan & Galunic (2004)"),
    ("density", "t / (n(n − 1)/2)", "Burt (1992)"),
    ("effective_size", "n − 2t/n", "Burt (1992); Borgatti (1997)"),
    ("efficiency", ("effective size / n", "有效规模 / n"), "Burt (1992)"),
    ("constraint", "Σ_j (p_ij + Σ_q p_iq p_qj)²", "Burt (1992)"),
)
LISTED = 20


def _formula(measure: str, lang: Lang) -> tuple[str, str]:
    for key, formula, source in FORMULAS:
        if measure == key or (key.startswith("_") and measure.endswith(key)):
            return (formula if isinstance(formula, str) else formula[lang == "zh"]), source
    return "", ""


def _firms(ids: list[str]) -> str:
    more = f" (+{len(ids) - LISTED})" if len(ids) > LISTED else ""
    return ", ".join(ids[:LISTED]) + more


def portfolio_section(block: Mapping[str, Any] | None, lang: Lang) -> dict[str, Any] | None:
    """The context of ``_portfolio.html``, or None when the spec had no ``portfolio:`` key.

    Returns
    -------
    dict or None
        ``tp`` (the strings), ``design`` (a sentence), ``rows`` (``measure, n, mean, sd, min,
        max, formula, source``) and ``unmatched`` (sentences naming the firms).
    """
    if not block:
        return None
    tp = in_language(STRINGS, lang)
    ties = tp["with_ties"].format(ties=block["ties"]) if block.get("ties") else ""
    design = tp["design"].format(partners=block["partners"], window=block["window"],
                                 firm_id=block["firm_id"], ties=ties, by=", ".join(block["by"]))
    rows = [{**row, **dict(zip(("formula", "source"), _formula(str(row["measure"]), lang),
                               strict=True))} for row in block["measures"]]
    unmatched = [tp[key].format(n=len(block[key]), firms=_firms(block[key]))
                 for key in ("missing_measures", "missing_responses", "no_partners")
                 if block.get(key)]  # no_partners: absent from results.json before 2026-12
    return {"tp": tp, "design": design, "rows": rows, "unmatched": unmatched}


def portfolio_warnings(warnings: list[str], block: Mapping[str, Any] | None,
                       lang: Lang) -> list[str]:
    """``results.warnings`` with the join's English sentences (unmatched firms) replaced by the
    portfolio section's, in the report's language."""
    section = portfolio_section(block, lang)
    if section is None:
        return list(warnings)
    kept = [w for w in warnings if not JOIN_WARNING.match(w)]
    return kept + [f"{section['tp']['portfolio']}: {s}" for s in section["unmatched"]]
