"""``results.json -> conditional`` -> the context of ``_conditional.html``, in English or Chinese.

A pure function, as :mod:`semwb.report.context`: numbers stay numbers for the template's filters;
sentences are built here from numbers formatted by :mod:`semwb.report.filters`. The fixed strings
of this section live in :data:`STRINGS` (to be merged into :mod:`semwb.report.i18n` later); the
template reads them as ``tc.key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from semwb.report.filters import fmt_ci, fmt_est, fmt_level, fmt_p_eq
from semwb.report.i18n import Lang, in_language

STRINGS: dict[str, tuple[str, str]] = {
    "conditional": ("Moderation and curvilinear effects", "调节效应与曲线效应"),
    "simple_slopes": ("Simple slopes", "简单斜率"),
    "moderator_value": ("Moderator value", "调节变量取值"),
    "slope": ("Slope", "斜率"),
    "jn_plot": ("Johnson-Neyman plot", "Johnson-Neyman 图"),
    "jn_note": ("Slope of {focal} with its {level} confidence band over {moderator}; grey: "
                "{range}; dashed red: Johnson-Neyman bounds; red strip: where the slope "
                "is significant.",
                "{focal} 的斜率及其 {level} 置信带随 {moderator} 的变化；灰色：{range}；"
                "红色虚线：Johnson-Neyman 临界值；红色条：斜率显著的区间。"),
    "observed_range": ("the observed range of {moderator}", "{moderator} 的观测范围"),
    "latent_range": ("±2 SD of the latent {moderator}", "潜变量 {moderator} 的 ±2 个标准差"),
    "slope_of": ("slope of {focal}", "{focal} 的斜率"),
    "interaction": ("{focal} × {moderator} → {outcome}", "{focal} × {moderator} → {outcome}"),
    "jn_parts": ("Within {range} ({low} to {high}), the slope of {focal} is significant for "
                 "{moderator} {parts}.",
                 "在{range}（{low} 至 {high}）内，当 {moderator} {parts}时，{focal} 的斜率显著。"),
    "jn_part": ("from {low} to {high}", "介于 {low} 与 {high} 之间"),
    "jn_and": (" and ", "或"),
    "jn_all": ("The slope of {focal} is significant across the whole of {range} ({low} to "
               "{high}).",
               "在{range}（{low} 至 {high}）内，{focal} 的斜率均显著。"),
    "jn_none": ("The slope of {focal} is not significant anywhere in {range} ({low} to "
                "{high}).",
                "在{range}（{low} 至 {high}）内，{focal} 的斜率均不显著。"),
    "jn_bounds": ("Johnson-Neyman bounds: {bounds}.", "Johnson-Neyman 临界值：{bounds}。"),
    "jn_no_bounds": ("The Johnson-Neyman equation has no real bounds.",
                     "Johnson-Neyman 方程无实数解。"),
    "curve": ("{shape} effect of {predictor} on {outcome}",
              "{predictor} 对 {outcome} 的{shape}效应"),
    "inverted_u": ("Inverted U", "倒 U 型"),
    "u": ("U-shaped", "U 型"),
    "turning_point": ("Turning point", "拐点"),
    "delta_ci": ("delta CI", "Delta 法置信区间"),
    "fieller_ci": ("Fieller CI", "Fieller 置信区间"),
    "slope_low": ("Slope at min (t)", "最小值处斜率（t）"),
    "slope_high": ("Slope at max (t)", "最大值处斜率（t）"),
    "u_test_p": ("U-test p", "U 检验 p"),
    "unbounded": ("unbounded", "无界"),
    "curve_plot": ("Fitted curve", "拟合曲线"),
    "curve_note": ("Fitted {outcome} over the observed range of {predictor} with {level} "
                   "confidence bands; dotted lines: turning points.",
                   "{predictor} 观测范围内 {outcome} 的拟合值及 {level} 置信带；点线：拐点。"),
    "curve_ok": ("{shape} supported (Haans, Pieters & He, 2016){where}: the quadratic term is "
                 "significant, the slope is {first} at the lowest {predictor} ({low}) and {second} "
                 "at the highest ({high}), Lind-Mehlum test p {p}, and the turning point {point} "
                 "(Fieller {level} CI {ci}) lies within the data range.",
                 "{shape}关系得到支持（Haans, Pieters & He, 2016）{where}：二次项显著，"
                 "{predictor} 最小值处斜率{first}（{low}）、最大值处斜率{second}（{high}），"
                 "Lind-Mehlum 检验 p {p}，拐点 {point}"
                 "（Fieller {level} 置信区间 {ci}）位于数据范围内。"),
    "curve_fail": ("{shape} not supported (Haans, Pieters & He, 2016){where}: {failed}. "
                   "Lind-Mehlum test p {p}; turning point {point}.",
                   "{shape}关系未得到支持（Haans, Pieters & He, 2016）{where}：{failed}。"
                   "Lind-Mehlum 检验 p {p}；拐点 {point}。"),
    "fail_quadratic": ("the quadratic term is not significant", "二次项不显著"),
    "fail_slopes": ("the slopes at the ends of the data range are not both significant with "
                    "opposite signs", "数据范围两端的斜率并非均显著且方向相反"),
    "fail_inside": ("the turning point or its Fieller interval lies outside the data range",
                    "拐点或其 Fieller 置信区间超出数据范围"),
    "at_w": (" at {moderator} = {value} ({label})", "（{moderator} = {value}，{label}）"),
    "positive": ("positive", "为正"),
    "negative": ("negative", "为负"),
    "shift": ("As {moderator} rises by one unit, the turning point moves by {est} ({level} CI "
              "{ci}) at {label}.",
              "{moderator} 每增加一个单位，拐点移动 {est}（{level} 置信区间 {ci}；{label}）。"),
    "flatten": ("The {moderator} × {predictor}² term is {est} (p {p}): higher {moderator} "
                "{verb} the curve.",
                "{moderator} × {predictor}² 项为 {est}（p {p}）：{moderator} 越高，曲线越{verb}。"),
    "flatten_ns": ("The {moderator} × {predictor}² term is {est} (p {p}): its interval includes "
                   "zero, so {moderator} does not change the curvature significantly.",
                   "{moderator} × {predictor}² 项为 {est}（p {p}）：其置信区间包含 0，"
                   "{moderator} 对曲率的影响不显著。"),
    "tp_boot": ("Bootstrap percentile {level} interval of the turning point{label}: {ci} "
                "({draws} draws; {share} % of them curve the other way).",
                "拐点{label}的 bootstrap 百分位 {level} 置信区间：{ci}（{draws} 次抽样；其中 "
                "{share}% 的曲率方向相反）。"),
    "flattens": ("flattens", "平缓"),
    "steepens": ("steepens", "陡峭"),
    "latent": ("Latent interaction {term} → {outcome}: B = {est}, p {p}, {level} CI {ci}. "
               "The product latent {latent} is measured by {n} double-mean-centred matched-pair "
               "product indicators ({indicators}; Marsh, Wen & Hau, 2004; Lin et al., 2010).",
               "潜变量交互 {term} → {outcome}：B = {est}，p {p}，{level} 置信区间 {ci}。乘积潜变量 "
               "{latent} 由 {n} 个双重均值中心化、配对的乘积指标测量（{indicators}；Marsh, Wen & "
               "Hau, 2004；Lin 等, 2010）。"),
    "dmc_why": ("Method: product indicators (semwb's default, 'latent_interaction: dmc'), which "
                "keep the model's chi-square and fit indices; 'latent_interaction: lms' adds the "
                "distribution-analytic LMS estimate.",
                "方法：乘积指标（semwb 默认，'latent_interaction: dmc'），保留模型的卡方与"
                "拟合指数；设 'latent_interaction: lms' 可另得分布分析法 LMS 的估计。"),
    "lms": ("Latent {kind} {term} → {outcome} by LMS (latent moderated structural equations, "
            "Klein & Moosbrugger, 2000; maximum likelihood, {nodes} Gauss-Hermite points per "
            "latent, N = {n}): B = {est}, SE = {se}, p {p}, {level} CI {ci}. Likelihood-ratio "
            "test of the nonlinear terms against the linear model: χ²({df}) = {chisq}, p {lrp}.",
            "潜变量{kind} {term} → {outcome}，LMS 估计（潜调节结构方程，Klein & Moosbrugger, "
            "2000；最大似然，每个潜变量 {nodes} 个 Gauss-Hermite 积分点，N = {n}）：B = {est}，"
            "SE = {se}，p {p}，{level} 置信区间 {ci}。非线性项对线性模型的似然比检验："
            "χ²({df}) = {chisq}，p {lrp}。"),
    "lms_why": ("Method: LMS, as the spec asks ('latent_interaction: lms'): it models the "
                "non-normal distribution of a product of latents by maximum likelihood without "
                "product indicators, the method reviewers prefer. LMS has no chi-square test of "
                "fit, so the fit indices, the parameter table and the hypothesis checks of this "
                "report are those of the product-indicator model.",
                "方法：LMS（spec 设 'latent_interaction: lms'）：以最大似然直接刻画潜变量乘积的"
                "非正态分布，无需乘积指标，为审稿人偏好的方法。LMS 没有卡方拟合检验，故本报告的"
                "拟合指数、参数表与假设检验来自乘积指标模型。"),
    "lms_unconverged": ("The LMS optimiser stopped before meeting its convergence criterion; "
                        "treat these LMS numbers with caution.",
                        "LMS 优化未达到收敛标准即停止；请谨慎对待这些 LMS 结果。"),
    "latent_tp": ("{shape} in the latent {predictor}: turning point at {predictor} = {est} "
                  "({in_sd} SD from its mean; delta {level} CI {ci}; Fieller {fieller}). A "
                  "latent has no observed range, so no Lind-Mehlum test is given; a turning "
                  "point beyond about ±2 SD lies outside most of the latent's values.",
                  "潜变量 {predictor} 的{shape}关系：拐点位于 {predictor} = {est}（距均值 {in_sd} "
                  "个标准差；Delta 法 {level} 置信区间 {ci}；Fieller {fieller}）。潜变量没有观测"
                  "范围，故不做 Lind-Mehlum 检验；拐点若超出约 ±2 个标准差，则位于潜变量大部分"
                  "取值之外。"),
    "interaction_kind": ("interaction", "交互"),
    "quadratic_kind": ("quadratic term", "二次项"),
    "latent_slopes": ("Simple slopes of {focal} at the latent {moderator}'s mean (0) and ±1 SD "
                      "(as semTools' probe2WayMC)", "{focal} 在潜变量 {moderator} 均值（0）及 ±1 "
                      "个标准差处的简单斜率（同 semTools 的 probe2WayMC）"),
    "slopes_note": ("SE, p and CI of each slope are Wald (delta method, from the fit's covariance "
                    "of the coefficients), also when the paths' intervals are bootstrapped.",
                    "各简单斜率的标准误、p 值与置信区间均为 Wald 法"
                    "（Delta 法，基于模型系数的协方差），即使路径的置信区间来自 Bootstrap。"),
    "lms_slopes": ("Simple slopes of {focal} at the latent {moderator}'s mean (0) and ±1 SD, "
                   "from the LMS estimates", "{focal} 在潜变量 {moderator} 均值（0）及 ±1 "
                   "个标准差处的简单斜率（基于 LMS 估计）"),
}


def conditional_strings(lang: Lang) -> dict[str, str]:
    """Every fixed string of the conditional section in ``lang`` (the template's ``tc``)."""
    return in_language(STRINGS, lang)


def _moderation(probe: Mapping[str, Any], tc: Mapping[str, str]) -> dict[str, Any]:
    from semwb.report.conditional_charts import johnson_neyman_svg  # only with product terms

    names = {"focal": probe["focal"], "moderator": probe["moderator"]}
    names["range"] = tc["latent_range" if probe.get("range") == "latent"
                        else "observed_range"].format(moderator=probe["moderator"])
    jn = probe["jn"]
    low, high = (fmt_est(v, 2) for v in jn["observed"])
    parts = jn["significant"]
    if not parts:
        verdict = tc["jn_none"].format(low=low, high=high, **names)
    elif parts == [jn["observed"]]:
        verdict = tc["jn_all"].format(low=low, high=high, **names)
    else:
        shown = tc["jn_and"].join(tc["jn_part"].format(low=fmt_est(a, 2), high=fmt_est(b, 2))
                                  for a, b in parts)
        verdict = tc["jn_parts"].format(low=low, high=high, parts=shown, **names)
    bounds = (tc["jn_bounds"].format(bounds=", ".join(fmt_est(b, 3) for b in jn["bounds"]))
              if jn["bounds"] else tc["jn_no_bounds"])
    level = fmt_level(probe["level"])
    return {
        "heading": tc["interaction"].format(outcome=probe["outcome"], **names),
        "slopes": probe["slopes"], "level": probe["level"],
        "sentence": f"{verdict} {bounds}",
        "chart": johnson_neyman_svg(probe, title=tc["jn_plot"], x_label=probe["moderator"],
                                    y_label=tc["slope_of"].format(focal=probe["focal"])),
        "chart_note": tc["jn_note"].format(level=level, **names),
    }


def _curve_sentence(curve: Mapping[str, Any], block: Mapping[str, Any],
                    tc: Mapping[str, str]) -> str:
    test, verdict, fieller = block["u_test"], block["verdict"], block["fieller"]
    shape = tc[verdict["shape"]]
    where = (tc["at_w"].format(moderator=curve["moderator"], value=fmt_est(block["w"], 2),
                               label=block["label"]) if curve["moderator"] else "")
    point = fmt_est(block["turning_point"]["est"], 2)
    p = fmt_p_eq(test["pvalue"])
    if verdict["supported"]:
        rising = verdict["shape"] == "inverted_u"
        return tc["curve_ok"].format(
            shape=shape, where=where, predictor=curve["predictor"],
            first=tc["positive" if rising else "negative"],
            second=tc["negative" if rising else "positive"],
            low=f"{fmt_est(test['slope_low'])}, t = {fmt_est(test['t_low'], 2)}",
            high=f"{fmt_est(test['slope_high'])}, t = {fmt_est(test['t_high'], 2)}",
            p=p, point=point, level=fmt_level(curve["level"]),
            ci=fmt_ci((fieller["lower"], fieller["upper"]), 2))
    failed = [tc[key] for key, ok in (("fail_quadratic", verdict["quadratic_significant"]),
                                      ("fail_slopes", verdict["slopes_opposite"]),
                                      ("fail_inside", verdict["point_inside"])) if not ok]
    return tc["curve_fail"].format(shape=shape, where=where, failed="; ".join(failed), p=p,
                                   point=point)


def _curve(curve: Mapping[str, Any], tc: Mapping[str, str]) -> dict[str, Any]:
    from semwb.report.conditional_charts import curves_svg  # only with power terms

    level = fmt_level(curve["level"])
    blocks = curve["at"]
    shape = tc[blocks[0]["verdict"]["shape"]] if blocks else ""
    sentences = [_curve_sentence(curve, block, tc) for block in blocks]
    for block in blocks:
        boot = block["turning_point"].get("bootstrap")
        if boot is not None:
            sentences.append(tc["tp_boot"].format(
                level=level, label=f" ({block['label']})" if block["label"] else "",
                ci=fmt_ci((boot["ci_lower"], boot["ci_upper"]), 2), draws=boot["draws"],
                share=f"{100 * boot['opposite_curvature']:.1f}"))
        shift = block["shift"]
        if shift is not None:
            sentences.append(tc["shift"].format(
                moderator=curve["moderator"], est=fmt_est(shift["est"]), level=level,
                ci=fmt_ci((shift["ci_lower"], shift["ci_upper"])), label=block["label"]))
    by = curve.get("curvature_by")
    if by is not None:
        significant = not by["ci_lower"] <= 0 <= by["ci_upper"]
        sentences.append(tc["flatten" if significant else "flatten_ns"].format(
            moderator=curve["moderator"], predictor=curve["predictor"], est=fmt_est(by["est"]),
            p=fmt_p_eq(by["pvalue"]), verb=tc["flattens" if by["flattens"] else "steepens"]))
    legend = [f"{curve['moderator']} {b['label']}" for b in blocks] if curve["moderator"] else []
    return {
        "heading": tc["curve"].format(shape=shape, predictor=curve["predictor"],
                                      outcome=curve["outcome"]),
        "rows": [{"label": b["label"], "w": b["w"] if curve["moderator"] else None,
                  "point": b["turning_point"]["est"],
                  "delta_ci": (b["turning_point"]["ci_lower"], b["turning_point"]["ci_upper"]),
                  "fieller": (b["fieller"]["lower"], b["fieller"]["upper"]),
                  "fieller_bounded": b["fieller"]["kind"] == "bounded", "test": b["u_test"],
                  "supported": b["verdict"]["supported"]} for b in blocks],
        "level": curve["level"], "sentences": sentences,
        "chart": curves_svg(curve, title=tc["curve_plot"], x_label=curve["predictor"],
                            y_label=curve["outcome"], legend=legend),
        "chart_note": tc["curve_note"].format(outcome=curve["outcome"],
                                              predictor=curve["predictor"], level=level),
    }


def conditional_section(block: Mapping[str, Any] | None, lang: Lang) -> dict[str, Any] | None:
    """The context of ``_conditional.html``, or None when the results have no such block.

    Parameters
    ----------
    block
        ``results.json -> conditional``: ``moderations`` (from
        :func:`semwb.conditional.summary.probe_moderation`) and ``curves`` (from
        :func:`semwb.conditional.summary.probe_curve`), either possibly empty.
    lang
        The report's language.

    Returns
    -------
    dict or None
        ``tc`` (the strings), ``moderations`` and ``curves`` (headings, table rows, sentences,
        inline SVG charts and their captions), ``latent`` (per LMS term, then per latent
        interaction by product indicators and outcome: ``sentence``, ``slopes``, ``level``,
        ``caption``, ``probe`` -- a moderation's context for the Johnson-Neyman chart, or None).
    """
    if not block or not (block.get("moderations") or block.get("curves")
                         or block.get("latent_products")):
        return None
    tc = conditional_strings(lang)
    lms: Mapping[str, Any] = block.get("lms") or {}
    return {"tc": tc,
            "moderations": [_moderation(p, tc) for p in block.get("moderations", [])],
            "curves": [_curve(c, tc) for c in block.get("curves", []) if c["at"]],
            "latent": [*(_lms(lms, term, tc) for term in lms.get("terms", {})),
                       *(_latent(p, path, tc, lms=bool(lms))
                         for p in block.get("latent_products", []) for path in p["paths"])]}


def _turning_point(point: Mapping[str, Any] | None, tc: Mapping[str, str]) -> str:
    """The sentence of a latent curve's turning point, or "" without one."""
    if point is None:
        return ""
    fieller = point["fieller"]
    return " " + tc["latent_tp"].format(
        shape=tc[point["shape"]], predictor=point["predictor"], est=fmt_est(point["est"], 2),
        in_sd=fmt_est(point["in_sd"], 2), level=fmt_level(0.95),
        ci=fmt_ci((point["ci_lower"], point["ci_upper"]), 2),
        fieller=(fmt_ci((fieller["lower"], fieller["upper"]), 2)
                 if fieller["kind"] == "bounded" else tc["unbounded"]))


def _lms(lms: Mapping[str, Any], term: str, tc: Mapping[str, str]) -> dict[str, Any]:
    """One nonlinear term fitted by LMS: its sentence, the method's reason, slopes and chart."""
    row, test = lms["terms"][term], lms["lr_test"]
    focal, moderator = term.split(":") if ":" in term else (term, term)
    quadratic = focal == moderator or term.startswith("I(")
    sentence = tc["lms"].format(
        kind=tc["quadratic_kind" if quadratic else "interaction_kind"],
        term=term.replace(":", " × "), outcome=lms["outcome"], nodes=lms["nodes"],
        n=lms["n_obs"], est=fmt_est(row["est"]), se=fmt_est(row["se"]),
        p=fmt_p_eq(row["pvalue"]), level=fmt_level(lms.get("level", 0.95)),
        ci=fmt_ci((row["ci_lower"], row["ci_upper"])), df=test["df"],
        chisq=fmt_est(test["chisq"], 2), lrp=fmt_p_eq(test["pvalue"]))
    probe = next((p for p in lms.get("probes", []) if p["interaction"] == term), None)
    sentence += _turning_point(probe.get("turning_point") if probe else None, tc)
    if probe is not None and "turning_point" in probe:
        probe = None
    if not lms["converged"]:
        sentence = f"{sentence} {tc['lms_unconverged']}"
    return {"sentence": f"{sentence} {tc['lms_why']}",
            "slopes": probe["slopes"] if probe else None, "level": 0.95,
            "caption": tc["lms_slopes"].format(focal=focal, moderator=moderator),
            "probe": _moderation(probe, tc) if probe else None}


def _latent(product: Mapping[str, Any], path: Mapping[str, Any],
            tc: Mapping[str, str], *, lms: bool = False) -> dict[str, Any]:
    """One latent interaction's path (Wald test of the fit): its sentence, the method's reason
    (unless LMS was asked for, whose sentence gives it), simple slopes and Johnson-Neyman
    chart."""
    focal, moderator = product.get("factors") or product["term"].split(":")
    sentence = tc["latent"].format(
        term=f"{focal}²" if focal == moderator else f"{focal} × {moderator}",
        outcome=path["outcome"],
        est=fmt_est(path["est"]), p=fmt_p_eq(path["pvalue"]), level=fmt_level(0.95),
        ci=fmt_ci((path["ci_lower"], path["ci_upper"])), latent=product["latent"],
        n=len(product["indicators"]), indicators=", ".join(product["indicators"]))
    probe = path.get("probe")
    sentence += _turning_point(path.get("turning_point"), tc)
    return {"sentence": sentence if lms else f"{sentence} {tc['dmc_why']}",
            "slopes": path.get("slopes"), "level": 0.95,
            "caption": tc["latent_slopes"].format(focal=focal, moderator=moderator),
            "probe": _moderation(probe, tc) if probe else None}
