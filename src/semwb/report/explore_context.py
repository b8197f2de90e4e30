"""Context of the report section ``_explore.html``: EFA, firm-level agreement, MI beside FIML,
out-of-sample prediction (docs/explore.md).

Built from the JSON the commands write (``efa.json``, ``agreement.csv`` rows, ``mi.json``,
``prediction.json``), so a report can show them without refitting. Its words, English and
Chinese, are kept here until the section joins :mod:`semwb.report.i18n`. Numbers are formatted
by the template's filters, never here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from semwb.report.i18n import check_lang

WORDS: dict[str, tuple[str, str]] = {
    "explore": ("Exploratory analyses", "探索性分析"),
    "efa": ("Exploratory factor analysis", "探索性因子分析"),
    "efa_design": ("{method} extraction, {rotation} rotation, {k} factor(s), n = {n}",
                   "{method} 提取，{rotation} 旋转，{k} 个因子，n = {n}"),
    "n_factors": ("Suggested number of factors: parallel analysis {pa}, MAP {map}, "
                  "eigenvalues above 1: {kaiser}.",
                  "建议因子数：平行分析 {pa}，MAP {map}，特征值大于 1：{kaiser}。"),
    "item": ("Item", "题项"),
    "h2": ("h²", "共同度"),
    "flags": ("Flags", "提示"),
    "cross_loading": ("cross-loading", "交叉载荷"),
    "weak_loading": ("weak loading", "载荷偏低"),
    "low_communality": ("low communality", "共同度偏低"),
    "loadings_note": ("Pattern loadings; |loading| ≥ .32 in bold. Cross-loading: two or more "
                      "loadings ≥ .32; weak: largest below .40; low communality: below .20 "
                      "(Tabachnick & Fidell, 2013).",
                      "模式载荷；|载荷| ≥ .32 加粗。交叉载荷：两个及以上载荷 ≥ .32；载荷偏低："
                      "最大载荷低于 .40；共同度偏低：低于 .20（Tabachnick & Fidell, 2013）。"),
    "factor_correlations": ("Factor correlations", "因子相关"),
    "agreement": ("Agreement within firms", "企业内一致性"),
    "construct": ("Construct", "构念"),
    "rwg_mean": ("rwg(j) mean", "rwg(j) 均值"),
    "rwg_share": ("Share ≥ .70", "≥ .70 比例"),
    "units": ("Firms", "企业数"),
    "agreement_note": ("Thresholds: rwg(j) ≥ .70 (James et al., 1984), ICC(1) ≥ .05 with a "
                       "significant F (Bliese, 2000), ICC(2) ≥ .70 (Glick, 1985).",
                       "判断标准：rwg(j) ≥ .70（James 等, 1984），ICC(1) ≥ .05 且 F 检验显著"
                       "（Bliese, 2000），ICC(2) ≥ .70（Glick, 1985）。"),
    "mi": ("Multiple imputation beside FIML", "多重插补与 FIML 对照"),
    "mi_design": ("{m} imputations (seed {seed}); D2 pooled test F({df1}, {df2}) = {f}, p {p}.",
                  "插补 {m} 次（随机种子 {seed}）；D2 合并检验 F({df1}, {df2}) = {f}，p {p}。"),
    "mi_design_saturated": ("{m} imputations (seed {seed}); the model is saturated (df 0).",
                            "插补 {m} 次（随机种子 {seed}）；模型为饱和模型（df 0）。"),
    "mi_largest": ("Rubin's rules: estimate = mean over imputations, SE² = within + (1 + 1/m) "
                   "between variance, df by Barnard & Rubin, FMI the fraction of missing "
                   "information. The estimate furthest from FIML's is {parameter}, {diff} FIML "
                   "standard errors away; MI and FIML estimate the same quantities under MAR "
                   "and should agree within Monte Carlo error.",
                   "Rubin 规则：估计值为各插补估计的均值，SE² = 插补内方差 + (1 + 1/m) × 插补间"
                   "方差，自由度按 Barnard 与 Rubin 校正，FMI 为缺失信息比例。与 FIML 相差最大的"
                   "是 {parameter}，相差 {diff} 个 FIML 标准误；在 MAR 假设下两种方法估计同一参数，"
                   "应在蒙特卡洛误差范围内一致。"),
    "parameter": ("Parameter", "参数"),
    "fmi": ("FMI", "缺失信息比例"),
    "mi_est": ("MI estimate", "MI 估计"),
    "fiml_est": ("FIML estimate", "FIML 估计"),
    "prediction": ("Out-of-sample prediction", "样本外预测"),
    "prediction_design": ("{folds}-fold cross-validation repeated {repeats} times (seed {seed}), "
                          "n = {n}; benchmark: linear regression on {predictors}.",
                          "{folds} 折交叉验证，重复 {repeats} 次（随机种子 {seed}），n = {n}；"
                          "基准：对 {predictors} 的线性回归。"),
    "indicator": ("Indicator", "指标"),
    "lm_rmse": ("LM RMSE", "LM RMSE"),
    "model_better": ("Model better", "模型更优"),
    "power": ("The model predicts {better} of {total} indicators with a lower RMSE than the "
              "linear benchmark: {level} predictive power (Shmueli et al., 2019: all high, a "
              "majority medium, a minority low, none no power beyond the benchmark).",
              "模型对 {total} 个指标中的 {better} 个的预测 RMSE 低于线性基准：预测能力{level}"
              "（Shmueli 等, 2019：全部为高，多数为中，少数为低，没有则不超过基准）。"),
    "power_high": ("high", "高"),
    "power_medium": ("medium", "中"),
    "power_low": ("low", "低"),
    "power_none": ("no", "无"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
}


def _words(lang: str) -> dict[str, str]:
    position = 0 if check_lang(lang) == "en" else 1
    return {key: pair[position] for key, pair in WORDS.items()}


def _efa(efa: Mapping[str, Any], t: Mapping[str, str]) -> dict[str, Any]:
    factors = list(next(iter(efa["loadings"].values())))
    rows = []
    for item, loadings in efa["loadings"].items():
        flags = efa["item_flags"][item]
        rows.append({"item": item, "loadings": [loadings[f] for f in factors],
                     "h2": efa["communalities"][item],
                     "flags": ", ".join(t[name] for name in ("cross_loading", "weak_loading",
                                                             "low_communality") if flags[name])})
    oblique = efa["rotation"] in ("promax", "oblimin") and len(factors) > 1
    return {
        "design": t["efa_design"].format(method=efa["method"], rotation=efa["rotation"],
                                         k=efa["n_factors"], n=efa["n_obs"]),
        "n_factors": t["n_factors"].format(pa=efa["parallel"]["n_factors"],
                                           map=efa["map"]["n_factors"],
                                           kaiser=efa["parallel"]["kaiser"]),
        "factors": factors, "rows": rows,
        "phi": [[efa["phi"][a][b] for b in factors] for a in factors] if oblique else None,
    }


def _mi_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """One parameter: pooled estimate, SE, FMI and FIML's estimate and SE (None without FIML)."""
    return {"parameter": f"{row['lhs']} {row['op']} {row['rhs']}",
            "est_mi": row.get("est_mi", row.get("est")), "se_mi": row.get("se_mi", row.get("se")),
            "fmi": row["fmi"], "est_fiml": row.get("est_fiml"), "se_fiml": row.get("se_fiml")}


def _mi(mi: Mapping[str, Any], t: Mapping[str, str]) -> dict[str, Any]:
    """The MI part: design sentence (D2 test unless saturated), rows, the largest difference."""
    c = mi["chisq"]
    design = (t["mi_design"].format(
        m=mi["m"], seed=mi["seed"], df1=round(c["df1"]), df2=f"{c['df2']:.1f}", f=f"{c['F']:.3f}",
        p="< .001" if c["pvalue"] < 0.001 else f"= {c['pvalue']:.3f}") if c
        else t["mi_design_saturated"].format(m=mi["m"], seed=mi["seed"]))
    largest = mi.get("largest_difference")
    return {"design": design,
            "rows": [_mi_row(row) for row in mi.get("comparison") or mi["parameters"]],
            "largest": t["mi_largest"].format(parameter=largest["parameter"],
                                              diff=f"{abs(largest['diff_se']):.2f}")
            if largest else None}


def explore_context(*, efa: Mapping[str, Any] | None = None,
                    agreement: Sequence[Mapping[str, Any]] | None = None,
                    mi: Mapping[str, Any] | None = None,
                    prediction: Mapping[str, Any] | None = None,
                    lang: str = "en") -> dict[str, Any]:
    """The ``explore`` variable of ``_explore.html`` (every key present; absent parts None).

    Parameters
    ----------
    efa
        ``efa.json`` (:meth:`semwb.explore.efa.EFAResult.to_dict`).
    agreement
        ``agreement.csv`` as records with a ``construct`` key.
    mi
        ``mi.json`` as ``semwb impute`` writes it (with its ``comparison``).
    prediction
        ``prediction.json``.
    lang
        ``en`` or ``zh``.
    """
    t = _words(lang)
    out: dict[str, Any] = {"t": t, "efa": _efa(efa, t) if efa else None,
                           "agreement": list(agreement) if agreement else None,
                           "mi": None, "prediction": None}
    if mi:
        out["mi"] = _mi(mi, t)
    if prediction:
        out["prediction"] = {
            "design": t["prediction_design"].format(
                folds=prediction["folds"], repeats=prediction["repeats"],
                seed=prediction["seed"], n=prediction["n_obs"],
                predictors=", ".join(prediction["exogenous"])),
            "rows": [{"indicator": k, **v} for k, v in prediction["indicators"].items()],
            "power": t["power"].format(better=prediction["better"],
                                       total=len(prediction["indicators"]),
                                       level=t["power_" + prediction["power"]])
            if "power" in prediction else None}
    return out
