"""Every fixed string of a report, in English and Chinese.

Templates read headings and labels as ``t.key`` (``t`` is the table of one language; a missing key
is an error under ``StrictUndefined``). Interpretation sentences have ``{placeholders}`` that
:func:`sentence` fills with numbers already formatted by :mod:`semwb.report.filters`. User text is
never part of these strings, so nothing here is markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from semwb.errors import OptionError
from semwb.report.i18n_fit import FIT_STRINGS

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")

_STRINGS: dict[str, tuple[str, str]] = {
    # document
    "report_title": ("Structural equation model report", "结构方程模型分析报告"),
    "index_title": ("Model results overview", "模型结果总览"),
    "contents": ("Contents", "目录"),
    "generated_from": ("Results created", "结果生成时间"),
    # summary
    "summary": ("Summary", "分析概要"),
    "key_results": ("Key results", "主要结果"),
    "hypotheses_count": ("{supported} of {total} hypotheses supported.",
                         "{total} 项假设中 {supported} 项得到支持。"),
    "model": ("Model", "模型"),
    "data_file": ("Data file", "数据文件"),
    "n_used": ("N used", "有效样本量"),
    "n_excluded": ("Cases excluded", "剔除样本数"),
    "group_sizes": ("Groups", "各组样本量"),
    "group_size": ("{group} (n = {n})", "{group}（n = {n}）"),
    "exclusion_reasons": ("Reasons for exclusion", "剔除原因"),
    "reason": ("Reason", "原因"),
    # why a row was left out of the fit (``code`` of ``Results.exclusions``, per missing rule)
    "exclusion_missing_listwise": ("missing value in a model column (listwise)",
                                   "模型变量存在缺失值（成列删除）"),
    "exclusion_missing_fiml": ("no value in any model column, or a fixed.x covariate missing "
                               "(FIML, as lavaan)",
                               "所有模型变量均缺失，或固定外生协变量（fixed.x）缺失"
                               "（FIML，同 lavaan）"),
    "count": ("Cases", "样本数"),
    "estimator": ("Estimator", "估计方法"),
    "missing": ("Missing data", "缺失值处理"),
    "converged": ("Converged", "是否收敛"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "bootstrap": ("Bootstrap", "Bootstrap 抽样"),
    "no_bootstrap": ("not run (Wald / delta-method intervals)",
                     "未进行（Wald / Delta 法置信区间）"),
    "draws": ("draws", "次"),
    "succeeded": ("succeeded", "成功"),
    "seed": ("seed", "随机种子"),
    "ci_type": ("CI type", "置信区间类型"),
    "not_given": ("not recorded", "未记录"),
    # estimators and missing-data rules
    "est_ML": ("Maximum likelihood (ML)", "极大似然估计（ML）"),
    "engine_semopy": (", fitted by the semopy engine", "，由 semopy 引擎拟合"),
    "est_MLR": ("Robust maximum likelihood (MLR)", "稳健极大似然估计（MLR）"),
    "est_MLM": ("Maximum likelihood, Satorra-Bentler (MLM)",
                "极大似然估计，Satorra-Bentler 校正（MLM）"),
    "est_GLS": ("Generalized least squares (GLS)", "广义最小二乘（GLS）"),
    "est_ULS": ("Unweighted least squares (ULS)", "未加权最小二乘（ULS）"),
    "est_WLSMV": ("Diagonally weighted least squares (WLSMV)", "稳健加权最小二乘（WLSMV）"),
    "miss_listwise": ("Listwise deletion", "成列删除"),
    "miss_fiml": ("Full-information maximum likelihood (FIML)", "全信息极大似然（FIML）"),
    "miss_auxiliary": ("; auxiliary variables (saturated correlates, Graham 2003): {names}",
                       "；辅助变量（饱和相关，Graham 2003）：{names}"),
    "ci_percentile": ("percentile", "百分位法"),
    "ci_bc": ("bias-corrected", "偏差校正法"),
    "ci_bca": ("bias-corrected and accelerated (BCa)", "偏差校正加速法（BCa）"),
    # diagram and charts
    "diagram": ("Path diagram", "路径图"),
    "diagram_note": ("Standardized estimates. Solid: p < .05; dashed: not significant. "
                     "* p < .05, ** p < .01, *** p < .001.",
                     "图中为标准化估计值。实线：p < .05；虚线：不显著。"
                     "* p < .05，** p < .01，*** p < .001。"),
    "diagram_aria": ("Path diagram of the model", "模型路径图"),
    "loadings_chart": ("Standardized loadings", "标准化因子载荷"),
    "loadings_chart_note": ("The line marks the .60 guideline; bars below it are shaded.",
                            "竖线为 .60 的参考标准；低于该值的条形以浅色显示。"),
    "distribution": ("Bootstrap distribution", "Bootstrap 分布"),
    "distribution_note": ("Shaded: the {level} {ci} interval; solid line: the estimate; "
                          "grey line: zero.",
                          "阴影：{level} {ci}置信区间；实线：点估计；灰线：零。"),
    # measurement
    "measurement": ("Measurement model", "测量模型"),
    "construct": ("Construct", "构念"),
    "item": ("Item", "题项"),
    "item_text": ("Item text", "题项内容"),
    "reverse_mark": ("(R)", "（反向）"),
    "group": ("Group", "组"),
    "all_groups_equal": ("all groups (held equal)", "各组（等同约束）"),
    "n_groups": ("{n} groups by {column}", "按 {column} 分为 {n} 组"),
    "groups_measurement_note": ("Loadings are estimated in each group; reliability is computed "
                                "on all respondents. = (with its label): the loading is held "
                                "equal across the groups, by a label several groups share or by "
                                "group_equal.",
                                "载荷在各组分别估计；信度基于全部样本计算。“=”（及其标签）表示该载荷"
                                "在各组间取值相等：各组共用同一标签，或由 group_equal 约束。"),
    "groups_shared_note": ("All groups are estimated in one multiple-group model. = after a "
                           "label: the parameter is held equal across the groups, by a label "
                           "several groups share or by group_equal.",
                           "各组参数在同一多组模型中估计。标签后的“=”表示该参数在各组间取值相等："
                           "各组共用同一标签，或由 group_equal 约束。"),
    "reverse_note": ("(R) reverse-worded item, reverse-coded before analysis.",
                     "（反向）为反向题项，分析前已反向计分。"),
    "loading_std": ("λ (std.)", "标准化载荷 λ"),
    "est_unstd": ("B", "B"),
    "se": ("SE", "SE"),
    "p": ("p", "p"),
    "reliability": ("Reliability and convergent validity", "信度与收敛效度"),
    "alpha": ("Cronbach's α", "Cronbach's α"),
    "omega": ("McDonald's ω", "McDonald's ω"),
    "cr": ("CR", "组合信度 CR"),
    "ave": ("AVE", "平均方差抽取量 AVE"),
    "threshold": ("Threshold", "标准"),
    "below_threshold": ("below threshold", "未达标准"),
    "reliability_note": ("Thresholds: α ≥ .70, CR ≥ .70, AVE ≥ .50, loadings ≥ .60 "
                         "(Fornell & Larcker, 1981; Hair et al., 2019). Values below are marked ✗.",
                         "标准：α ≥ .70，CR ≥ .70，AVE ≥ .50，载荷 ≥ .60"
                         "（Fornell & Larcker, 1981；Hair et al., 2019）。未达标准者标 ✗。"),
    "reliability_ok": ("All constructs meet the reliability and convergent-validity thresholds.",
                       "所有构念均达到信度与收敛效度标准。"),
    "reliability_bad": ("Below threshold: {list}.", "未达标准：{list}。"),
    "derived_note": ("No instrument: CR and AVE come from the model's own standardized loadings; "
                     "α and ω need the item data through an instrument (fit with --instrument).",
                     "未提供问卷定义：CR 与 AVE 由模型自身的标准化载荷计算；"
                     "α 与 ω 需通过问卷定义读取题项数据（以 --instrument 拟合）。"),
    "second_order_note": ("Second-order factors: CR is the share of the composite of all their "
                          "items due to the second-order factor (semTools compRelSEM(higher =)) "
                          "and AVE the mean squared standardized second-order loading, both from "
                          "the measurement model as a CFA.",
                          "二阶因子：CR 为其全部题项合成分数中由二阶因子解释的比例（semTools "
                          "compRelSEM(higher =)），AVE 为二阶标准化载荷平方的均值，均由测量模型"
                          "（CFA）计算。"),
    "no_quality": ("Reliability statistics were not computed for this run.",
                   "本次分析未计算信度指标。"),
    # validity
    "validity": ("Discriminant validity", "区分效度"),
    "htmt": ("Heterotrait-monotrait ratio (HTMT)", "异质-单质比（HTMT）"),
    "htmt_note": ("HTMT below .85 supports discriminant validity (Henseler et al., 2015); "
                  "values of .85 or more are marked ✗.",
                  "HTMT 小于 .85 支持区分效度（Henseler et al., 2015）；大于等于 .85 者标 ✗。"),
    "htmt_ok": ("All HTMT ratios are below .85.", "所有 HTMT 值均小于 .85。"),
    "htmt_bad": ("HTMT of .85 or more: {list}.", "HTMT 大于等于 .85：{list}。"),
    "fornell_larcker": ("Fornell-Larcker criterion", "Fornell-Larcker 准则"),
    "fl_note": ("Diagonal (bold): √AVE; below it: latent (CFA) correlations between constructs. "
                "√AVE should exceed each correlation in its row and column.",
                "对角线（加粗）为 AVE 的平方根，其下为构念间潜变量（CFA）相关系数。"
                "对角线值应大于其所在行与列的相关系数。"),
    "fl_ok": ("Each construct's √AVE exceeds its correlations with the others.",
              "各构念的 AVE 平方根均大于其与其他构念的相关系数。"),
    "fl_bad": ("√AVE does not exceed the correlation for: {list}.",
               "以下构念对的 AVE 平方根未大于其相关系数：{list}。"),
    # descriptives
    "covariances": ("Covariances", "协方差"),
    "fixed_x_note": ("– : not estimated. The variances and covariances of exogenous observed "
                     "covariates are fixed at their sample values (fixed.x, as lavaan), so they "
                     "have no SE, p or CI.",
                     "–：未估计。外生观测协变量的方差与协方差固定为样本值（fixed.x，同 lavaan），"
                     "故没有标准误、p 值和置信区间。"),
    "descriptives": ("Descriptive statistics and correlations", "描述性统计与相关分析"),
    "descriptives_plain": ("Descriptive statistics of the composite scores",
                           "构念合成得分的描述统计"),
    "mean": ("M", "均值"),
    "sd": ("SD", "标准差"),
    "descriptives_note": ("Means, standard deviations and (below the diagonal) Pearson "
                          "correlations of the composite scores (item means). Latent (CFA) "
                          "correlations are in the Fornell-Larcker table.",
                          "构念合成得分（题项均值）的均值、标准差与 Pearson 相关系数"
                          "（对角线下方）。潜变量（CFA）相关系数见 Fornell-Larcker 表。"),
    "descriptives_plain_note": ("Means and standard deviations of the composite scores (item "
                                "means). Correlations between constructs: the latent (CFA) "
                                "correlations of the Fornell-Larcker table.",
                                "构念合成得分（题项均值）的均值与标准差。构念间相关："
                                "见 Fornell-Larcker 表中的潜变量（CFA）相关系数。"),
    # common method
    "cmb": ("Common method bias", "共同方法偏差检验"),
    "harman": ("Harman's single-factor test", "Harman 单因素检验"),
    "harman_ok": ("The first unrotated factor explains {share} of the variance, below the "
                  "{limit} guideline: a single factor does not dominate.",
                  "未旋转的第一个因子解释了 {share} 的方差，低于 {limit} 的标准，"
                  "不存在单一因子主导。"),
    "harman_bad": ("The first unrotated factor explains {share} of the variance, not below the "
                   "{limit} guideline: common method variance may be a concern.",
                   "未旋转的第一个因子解释了 {share} 的方差，未低于 {limit} 的标准，"
                   "可能存在共同方法偏差。"),
    "single_factor_cfa": ("Single-factor CFA against the measurement model",
                          "单因子模型与测量模型的比较"),
    "single_factor_note": ("A single-factor model that fits much worse (significant Δχ²) argues "
                           "against one common method factor.",
                           "单因子模型拟合显著变差（Δχ² 显著）说明不存在单一的共同方法因子。"),
    "item_descriptives": ("Item statistics", "题项描述统计"),
    "citc": ("CITC", "CITC"),
    "alpha_if_deleted": ("α if deleted", "删除后 α"),
    "n": ("n", "n"),
    "kmo": ("KMO", "KMO"),
    "bartlett": ("Bartlett's test of sphericity", "Bartlett 球形检验"),
    **FIT_STRINGS,  # the fit section's strings (report/i18n_fit.py)
    "r2": ("Explained variance (R²)", "解释方差（R²）"),
    "variable": ("Variable", "变量"),
    # paths
    "paths": ("Structural paths", "结构路径"),
    "path": ("Path", "路径"),
    "label": ("Label", "标签"),
    "beta": ("β", "β"),
    "ci": ("CI", "置信区间"),
    "paths_note": ("B: unstandardized; β: completely standardized. {ci_source}",
                   "B：非标准化系数；β：完全标准化系数。{ci_source}"),
    "ci_boot": ("SE and {level} CI from {draws} bootstrap draws; interval: {ci}.",
                "SE 与 {level} 置信区间来自 {draws} 次 Bootstrap 抽样；区间方法：{ci}。"),
    "ci_wald": ("SE and {level} CI are Wald (normal-theory) values; for defined effects, by "
                "the delta method.",
                "SE 与 {level} 置信区间为 Wald（正态理论）估计；定义效应采用 Delta 法。"),
    "ci_robust": ("SE and {level} CI are Wald values from robust (sandwich) standard errors "
                  "({estimator}); for defined effects, by the delta method.",
                  "SE 与 {level} 置信区间为基于稳健（三明治）标准误的 Wald 估计（{estimator}）；"
                  "定义效应采用 Delta 法。"),
    "no_paths": ("The model has no structural paths.", "模型不含结构路径。"),
    # effects
    "effects": ("Indirect and defined effects", "中介效应与定义参数"),
    "effect": ("Effect", "效应"),
    "definition": ("Path and definition", "路径与定义"),
    "effect_sig": ("{name} = {est}, {level} CI {ci}: the interval excludes zero, so the effect "
                   "is significant.",
                   "{name} = {est}，{level} 置信区间 {ci} 不包含零，效应显著。"),
    "effect_ns": ("{name} = {est}, {level} CI {ci}: the interval includes zero, so the effect "
                  "is not significant.",
                  "{name} = {est}，{level} 置信区间 {ci} 包含零，效应不显著。"),
    "effect_location": ("{name} = {est}, {level} CI {ci}: a ratio of coefficients (a location "
                        "such as a turning point), not an effect; it gets no significance verdict.",
                        "{name} = {est}，{level} 置信区间 {ci}：系数之比（如拐点位置），"
                        "并非效应，不作显著性判断。"),
    "rule_boot": ("Significance: a regression path by its p value (p < .05); a defined effect "
                  "by its {level} bootstrap {ci} CI, significant when it excludes zero.",
                  "显著性判断：回归路径以 p 值（p < .05）判断；定义效应以 {level} Bootstrap "
                  "{ci}置信区间判断，不包含零即显著。"),
    "rule_wald": ("Significance: every estimate by its p value (p < .05); its Wald {level} CI "
                  "agrees.",
                  "显著性判断：各估计值以 p 值（p < .05）判断，与其 Wald {level} 置信区间一致。"),
    "disagree_note": ("† p and CI disagree; the verdict follows the rule in the summary.",
                      "† p 值与置信区间结论不一致；以概要中所述规则为准。"),
    "no_effects": ("The model defines no effects (no := lines).", "模型未定义效应（无 := 语句）。"),
    # hypotheses
    "hypotheses": ("Hypothesis tests", "假设检验"),
    "hypothesis": ("Hypothesis", "假设"),
    "expected": ("Expected", "预期"),
    "result": ("Result", "结论"),
    "exp_positive": ("positive", "正向"),
    "exp_negative": ("negative", "负向"),
    "exp_nonzero": ("non-zero", "非零"),
    "supported": ("Supported", "支持"),
    "not_supported": ("Not supported", "不支持"),
    "no_verdict": ("No verdict (a location, not an effect)", "不作判断（位置参数，非效应）"),
    "not_evaluated": ("Not evaluated (path not in the model)", "无法检验（模型中无此路径）"),
    "hypotheses_note": ("A hypothesis is supported when its estimate has the expected sign and "
                        "is significant by the rule stated in the summary.",
                        "当估计值方向与预期一致且按概要所述规则显著时，假设得到支持。"),
    # warnings
    "warnings": ("Warnings", "警告"),
    "no_warnings": ("No warnings.", "无警告。"),
    "not_converged": ("The estimator did not converge: the estimates below are not trustworthy.",
                      "估计未收敛：以下估计结果不可信。"),
    "failed_draws": ("{failed} of {draws} bootstrap draws failed and were dropped.",
                     "{draws} 次 Bootstrap 抽样中有 {failed} 次失败并被剔除。"),
    "inadmissible_draws": ("{count} of the {draws} kept bootstrap draws had an inadmissible "
                           "solution (a negative variance or a correlation beyond 1).",
                           "保留的 {draws} 次 Bootstrap 抽样中有 {count} 次出现不可接受解"
                           "（负方差或相关系数绝对值大于 1）。"),
    "reverse_worded": ("{item} has a negative standardized loading ({value}) on {construct}: it "
                       "looks reverse-worded. Mark it 'reverse: true' in the instrument and fit "
                       "with --instrument, or check how it was coded.",
                       "{item} 在 {construct} 上的标准化载荷为负（{value}），疑似反向题项："
                       "请在问卷定义中将其标为 'reverse: true' 并以 --instrument 重新拟合，"
                       "或检查其编码。"),
    "heywood": ("Heywood case: the standardized loading of {item} is {value} (beyond 1).",
                "Heywood 现象：{item} 的标准化载荷为 {value}（绝对值大于 1）。"),
    # provenance
    "provenance": ("Provenance and reproduction", "来源与复现"),
    "spec_file": ("Model spec", "模型设定文件"),
    "sha256": ("SHA-256", "SHA-256"),
    "versions": ("Versions", "软件版本"),
    "reproduce": ("Reproduce with", "复现命令"),
    "rerender": ("Re-create this report with", "重新生成本报告"),
    "syntax": ("Model syntax (lavaan)", "模型语法（lavaan）"),
    # index
    "models": ("Models", "模型"),
    "report_link": ("Report", "报告"),
    "open": ("open", "打开"),
    "key_effects": ("Key effects", "主要效应"),
    "failed": ("failed", "失败"),
    "legend_sig": ("Effect [CI]: significant (the CI excludes zero)",
                   "效应 [置信区间]：显著（区间不含零）"),
    "legend_ns": ("greyed: not significant (the CI includes zero)",
                  "灰色：不显著（区间包含零）"),
    "comparison": ("Model comparison", "模型比较"),
    "comparison_note": ("Each restricted model is compared with the model it is nested in: "
                        "χ² difference test (ML), with differences in AIC, BIC and the "
                        "sample-size adjusted BIC2 (negative favours the restricted model).",
                        "嵌套模型与其所属的较一般模型比较：χ² 差异检验（ML），"
                        "以及 AIC、BIC 与样本量校正 BIC2 之差（负值支持受限模型）。"),
    "restricted": ("Restricted model", "受限模型"),
    "general": ("General model", "一般模型"),
    "delta_chisq": ("Δχ²", "Δχ²"),
    "delta_df": ("Δdf", "Δdf"),
    "delta_aic": ("ΔAIC", "ΔAIC"),
    "delta_bic": ("ΔBIC", "ΔBIC"),
    "delta_bic2": ("ΔBIC2", "ΔBIC2"),
    "scaled_needed": ("needs a scaled difference test ({estimator})",
                      "需使用校正的差异检验（{estimator}）"),
    "no_models": ("No results found.", "未找到结果。"),
    "table": ("Table", "表"),
    "note_label": ("Note.", "注："),
    "download_tables": ("Every table of this report", "本报告的全部表格"),
    "download_docx": ("Word (.docx)", "Word（.docx）"),
    "download_xlsx": ("Excel (.xlsx)", "Excel（.xlsx）"),
    "ci_lower": ("lower", "下限"),
    "ci_upper": ("upper", "上限"),
    "list_sep": (", ", "、"),
    "colon": (": ", "："),
    "semicolon": ("; ", "；"),
}


def check_lang(lang: str) -> Lang:
    """Return ``lang`` if reports can be written in it, else raise :class:`OptionError`."""
    if lang == "en":
        return "en"
    if lang == "zh":
        return "zh"
    raise OptionError(f"The report language must be one of en, zh; got '{lang}'.")


def in_language(table: Mapping[str, tuple[str, str]], lang: str) -> dict[str, str]:
    """One language's column of a bilingual table ``key -> (English, Chinese)``.

    Raises
    ------
    OptionError
        For a language reports are not written in.
    """
    column = LANGS.index(check_lang(lang))
    return {key: pair[column] for key, pair in table.items()}


def strings(lang: Lang) -> dict[str, str]:
    """Return every fixed string of a report in ``lang``, keyed as templates read them."""
    return in_language(_STRINGS, lang)


def sentence(lang: Lang, key: str, **values: str) -> str:
    """Return the interpretation sentence ``key`` in ``lang`` with its placeholders filled."""
    return strings(lang)[key].format(**values)


def group_sizes(groups: Iterable[tuple[str, int | None]], lang: Lang) -> str:
    """Groups with their rows as every report, page and terminal line writes them.

    ``groups`` holds each group's title (``Labels.group_title``: ``"own = 3"``) and its rows, or
    None when they are not known (a ladder written before they were recorded): ``own = 3 (n =
    106), own = 2 (n = 81)``; in Chinese ``外资（own = 3）（n = 106）、...``.
    """
    t = strings(lang)
    return t["list_sep"].join(title if n is None else t["group_size"].format(group=title,
                                                                           n=f"{n:,}")
                              for title, n in groups)


def exclusion_reason(entry: Mapping[str, Any], t: Mapping[str, str]) -> str:
    """Why a row was left out, in the report's language: by its ``code``; a results.json written
    before codes holds the English sentence as ``reason``, which is worded again when known."""
    code = entry.get("code")
    if code is None:
        english = {v: k for k, v in strings("en").items() if k.startswith("exclusion_")}
        code = english.get(str(entry.get("reason")), "")[len("exclusion_"):] or None
    if code is not None and f"exclusion_{code}" in t:
        return t[f"exclusion_{code}"]
    return str(entry.get("reason") or entry.get("rule") or entry)
