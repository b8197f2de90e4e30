"""The invariance ladder in a report: its section's words (English, Chinese) and its own page.

``templates/_invariance.html`` reads the ladder's JSON form
(:func:`semwb.sem.invariance_json.ladder_json`) as ``inv`` and these words as ``it``; the model
report shows it when ``results.invariance`` is set, ``templates/invariance.html`` is the
self-contained page ``semwb invariance`` writes (autoescaped, no network).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from semwb.report.environment import get_environment
from semwb.report.i18n import check_lang, group_sizes, in_language

#: The section's words: key -> (English, Chinese).
_TEXT: dict[str, tuple[str, str]] = {
    "page": ("Measurement invariance", "测量不变性"),
    "title": ("Measurement invariance across", "跨组测量不变性："),
    "groups": ("Groups", "组别"),
    "fails_at": ("Invariance fails at the step", "不变性在此步骤不成立："),
    "all_hold": ("Every step holds.", "各步骤均成立。"),
    "caption": ("Fit of the invariance ladder and the change from the step below",
                "不变性检验各步骤的拟合及相对上一步骤的变化"),
    "step": ("Step", "步骤"),
    "verdict": ("Verdict", "结论"),
    "holds": ("holds", "成立"),
    "fails": ("fails", "不成立"),
    "baseline": ("baseline", "基准"),
    "free": ("free", "放开"),
    "configural": ("configural", "形态不变"),
    "thresholds": ("thresholds", "阈值不变"),
    "metric": ("metric", "弱不变（载荷）"),
    "scalar": ("scalar", "强不变（截距）"),
    "strict": ("strict", "严格不变（残差）"),
    "partial": ("partial", "部分"),
    "note": ("A step holds when CFI drops by less than {cfi} (Cheung & Rensvold, 2002) and "
             "Chen's (2007) rule does not signal non-invariance (a CFI drop of at least {cfi} "
             "with an RMSEA rise of at least {rmsea} or an SRMR rise of at least {srmr_l} for "
             "loadings, {srmr_o} for intercepts and residuals). The chi-square difference test "
             "is reported but not used: with large samples it rejects trivial differences.",
             "当 CFI 下降小于 {cfi}（Cheung & Rensvold, 2002），且未达到 Chen (2007) 的不变性"
             "不成立标准（CFI 下降至少 {cfi}，同时 RMSEA 上升至少 {rmsea}，或 SRMR 上升至少 "
             "{srmr_l}（载荷）/ {srmr_o}（截距与残差））时，该步骤成立。卡方差异检验仅作报告："
             "大样本下它会拒绝微小差异。"),
    "robust_note": ("Robust estimator: χ² is the scaled statistic, CFI, TLI and RMSEA are the "
                    "robust ones (their changes too), and Δχ² is the Satorra-Bentler (2001) "
                    "scaled difference (lavaan's lavTestLRT).",
                    "稳健估计：χ² 为校正后的统计量，CFI、TLI 与 RMSEA（及其变化）为稳健值，Δχ² 为 "
                    "Satorra-Bentler (2001) 校正卡方差异（lavaan lavTestLRT）。"),
    "wlsmv_note": ("WLSMV (ordinal items): χ² is the scaled-shifted statistic, CFI, TLI and RMSEA "
                   "the scaled ones (their changes too), and Δχ² is lavaan's lavTestLRT for "
                   "WLSMV (Satorra, 2000, scaled and shifted). The steps follow Wu & Estabrook "
                   "(2016): thresholds before loadings, then intercepts; residual variances are "
                   "not parameters under the delta parameterization, so there is no strict step.",
                   "WLSMV（有序题项）：χ² 为均值方差校正（scaled-shifted）统计量，"
                   "CFI、TLI 与 RMSEA（及其变化）为校正值，"
                   "Δχ² 为 lavaan lavTestLRT 对 WLSMV 的差异检验（Satorra, 2000，校正并平移）。"
                   "步骤依照 Wu & Estabrook (2016)：先阈值、再载荷、再截距；"
                   "delta 参数化下残差方差不是参数，因此没有严格不变步骤。"),
    "wlsmv_no_scores": ("Score tests for releasing constraints and a partial step are not "
                        "offered with WLSMV: lavaan 0.6.14's lavTestScore has no robust score "
                        "test for WLSMV (it warns and falls back to the ordinary one, which "
                        "does not hold under DWLS). Inspect the failing step's items, or locate "
                        "non-invariant items with the ladder by MLR on the items as continuous.",
                        "WLSMV 下不提供用于放开约束的得分检验与部分不变模型：lavaan 0.6.14 的 "
                        "lavTestScore 没有适用于 WLSMV 的稳健得分检验（它会发出警告并退回普通"
                        "得分检验，而后者在 DWLS 下不成立）。请检查不成立步骤的题项，"
                        "或将题项视为连续变量以 MLR 运行不变性检验来定位不等同的题项。"),
    "release": ("Constraints to release, by score test", "按得分检验排序的可放开约束"),
    "release_caption": ("Univariate score tests (lavaan's lavTestScore) of the failing step's "
                        "constraints", "不成立步骤中各约束的单变量得分检验（lavaan lavTestScore）"),
    "all_constraints": ("all constraints together", "全部约束"),
    "parameter": ("Parameter", "参数"),
    "group": ("Group", "组"),
    "means": ("Latent mean differences (the first group's means fixed at 0)",
              "潜变量均值差异（第一组均值固定为 0）"),
    "latent": ("Latent", "潜变量"),
    "estimate": ("Estimate", "估计值"),
    "standardized": ("Standardized", "标准化"),
    "paths": ("Structural paths across groups", "结构路径的跨组比较"),
    "paths_caption": ("Wald tests that each path is equal in every group, in the model",
                      "各路径在所有组中相等的 Wald 检验，所用模型："),
    "path": ("Path", "路径"),
}


def invariance_text(lang: str) -> dict[str, str]:
    """The section's words in ``lang`` (``en`` or ``zh``)."""
    return in_language(_TEXT, lang)


def ladder_groups(ladder: Mapping[str, Any], titles: Mapping[str, str], lang: str) -> str:
    """A ladder's groups by title with their rows (:func:`~semwb.report.i18n.group_sizes`), as
    its page, the model report's section and the ``semwb invariance`` line write them."""
    counts = {str(g): n for g, n in (ladder.get("group_n") or {}).items()}
    return group_sizes(((titles.get(str(g), str(g)), counts.get(str(g))) for g in ladder["groups"]),
                       check_lang(lang))


def render_invariance(ladder: dict[str, Any], *, lang: str = "en",
                      group_titles: Mapping[str, str] | None = None) -> str:
    """The self-contained HTML page of a ladder (:func:`semwb.sem.invariance_json.ladder_json`);
    ``group_titles`` names each group value as readers know it (``Labels.group_title``)."""
    template = get_environment().get_template("invariance.html")
    titles = dict(group_titles or {})
    return template.render(inv=ladder, it=invariance_text(lang), lang=lang, gt=titles,
                           inv_groups=ladder_groups(ladder, titles, lang))
