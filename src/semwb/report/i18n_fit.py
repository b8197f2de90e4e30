"""The model-fit section's fixed strings (English, Chinese), part of :mod:`semwb.report.i18n`."""

from __future__ import annotations

FIT_STRINGS: dict[str, tuple[str, str]] = {
    "fit": ("Model fit", "模型拟合"),
    "index": ("Index", "指标"),
    "value": ("Value", "数值"),
    "cutoff": ("Cut-off", "标准"),
    "verdict": ("Meets", "是否达标"),
    "chisq_df": ("χ²/df", "χ²/df"),
    "fit_note": ("Cut-offs of Hu & Bentler (1999); RMSEA with its 90% CI. χ² is sensitive to "
                 "sample size.",
                 "判断标准参照 Hu & Bentler (1999)；RMSEA 后为 90% 置信区间。χ² 对样本量敏感。"),
    "fit_note_scaled": ("χ², CFI, TLI and RMSEA are the scaled (mean- and variance-adjusted) "
                        "values of the {estimator} estimator, the ones to report; the standard "
                        "values are in results.json.",
                        "χ²、CFI、TLI 与 RMSEA 为 {estimator} 估计的校正（均值与方差调整）值，"
                        "报告时应使用这些值；未校正的值见 results.json。"),
    "fit_note_shifted": ("χ² is the scaled-shifted (mean- and variance-adjusted) statistic of "
                         "the {estimator} estimator, the one to report; the standard value is in "
                         "results.json.",
                         "χ² 为 {estimator} 估计的校正（均值与方差调整）统计量，报告时应使用该值；"
                         "未校正的值见 results.json。"),
    "fit_good": ("All of CFI, TLI, RMSEA and SRMR meet Hu & Bentler's cut-offs.",
                 "CFI、TLI、RMSEA 与 SRMR 均达到 Hu & Bentler 的标准。"),
    "fit_good_but_tli": ("CFI, RMSEA and SRMR meet Hu & Bentler's cut-offs.",
                         "CFI、RMSEA 与 SRMR 达到 Hu & Bentler 的标准。"),
    "tli_above_one": ("{name} = {value} is above 1 (unlike CFI, TLI is not capped at 1); "
                      "a TLI above 1 signals overfitting (few cases or a saturated "
                      "model) or a data problem such as a missing-value code read as an answer; "
                      "check the data before reading the fit as good.",
                      "{name} = {value} 大于 1（TLI 不像 CFI 那样截断于 1）；"
                      "TLI 大于 1 提示过度拟合（样本少或模型接近饱和）"
                      "或数据问题（如缺失值代码被当作作答），请先检查数据，"
                      "再判断拟合良好。"),
    "fit_some": ("Not meeting Hu & Bentler's cut-offs: {list}.",
                 "未达到 Hu & Bentler 标准的指标：{list}。"),
    "chisq_scaled": ("χ² scaled ({test})", "校正 χ²（{test}）"),
    "robust_suffix": ("(robust)", "（稳健）"),
    "scaled_suffix": ("(scaled)", "（校正）"),
    "robust_index": ("robust (MLR/MLM): CFI, TLI, RMSEA", "稳健（MLR/MLM）：CFI、TLI、RMSEA"),
    "scaled_index": ("scaled (WLSMV): χ², CFI, TLI, RMSEA", "校正（WLSMV）：χ²、CFI、TLI、RMSEA"),
    "fit_robust_note": ("{estimator}: χ² scaled is the {test} statistic (scaling factor "
                        "{factor}). Judge fit by the robust CFI, TLI and RMSEA (Brosseau-Liard & "
                        "Savalei; under FIML with Savalei's correction); the scaled values only "
                        "rescale χ² and are listed for comparison with older software.",
                        "{estimator}：校正 χ² 为 {test} 统计量（校正因子 {factor}）。请以稳健 "
                        "CFI、TLI 与 RMSEA（Brosseau-Liard & Savalei；FIML 下采用 Savalei 校正）"
                        "判断拟合；校正（scaled）值仅对 χ² 作缩放，列出以便与旧软件比较。"),
    "fit_wlsmv_robust_note": ("{estimator}: judge fit by the robust CFI, TLI and RMSEA (Savalei, "
                              "2021: the polychoric correlations' normal-theory discrepancy at the "
                              "estimate, scaled; lavaan's .robust values); the scaled values are "
                              "listed for comparison with older software.",
                              "{estimator}：请以稳健 CFI、TLI 与 RMSEA（Savalei, 2021；lavaan 的 "
                              ".robust 值）判断拟合；校正（scaled）值列出以便与旧软件比较。"),
    "wlsmv_robust_index": ("scaled χ², robust CFI, TLI, RMSEA (WLSMV)",
                           "校正 χ²，稳健 CFI、TLI、RMSEA（WLSMV）"),
    "fit_missing": ("Fit indices are not available for this run.", "本次分析无拟合指标。"),
}
