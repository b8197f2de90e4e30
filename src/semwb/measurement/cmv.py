"""Common-method variance beyond Harman: the marker variable and the CFA marker technique, ULMC.

- **Marker variable** (Lindell & Whitney 2001): a construct theoretically unrelated to the
  substantive ones; its smallest correlation with them, ``r_M``, estimates the method
  correlation; each correlation is corrected as ``r_A = (r - r_M) / (1 - r_M)`` and tested with
  ``t = r_A / sqrt((1 - r_A²) / (N - 3))``.
- **CFA marker technique** (Williams, Hartman & Cavazotte 2010), latent variables scaled by unit
  variances: the *CFA* model (all factors correlated, marker included) gives the marker's
  loadings and residual variances; *baseline* fixes them at those values with the marker
  orthogonal to the substantive factors; *method-C* adds equal marker loadings on every
  substantive item; *method-U* frees them; *method-R* is the better of C and U with the
  substantive factor correlations fixed at their baseline values. Baseline vs C tests method
  variance, C vs U its equality, R vs C/U whether it biases the substantive correlations.
- **ULMC** (unmeasured latent method construct, "common latent factor", Podsakoff et al. 2003):
  the substantive CFA plus an orthogonal factor loading equally on every item.

The method share of an item's variance is its squared standardized method loading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from semwb.distributions import t_sf
from semwb.errors import OptionError
from semwb.sem.compare import chisq_difference
from semwb.sem.estimate import fit_model
from semwb.sem.spec import spec_from_syntax

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult

__all__ = ["CfaMarker", "cfa_marker", "cmv_summary", "marker_correction", "method_share", "ulmc"]

METHOD = "METHOD"


def marker_correction(scores: pd.DataFrame, marker: str, *,
                      r_m: float | None = None) -> pd.DataFrame:
    """Lindell & Whitney's marker-variable correction of every correlation among ``scores``.

    Parameters
    ----------
    scores
        Construct scores (one column per construct) including the ``marker`` column; rows with
        a missing value are left out.
    marker
        The marker construct's column.
    r_m
        The method correlation (default: the smallest correlation of the marker with another
        construct, as Lindell & Whitney suggest; refused when it is negative).

    Returns
    -------
    pandas.DataFrame
        ``a``, ``b``, ``r``, ``r_adjusted``, ``t``, ``pvalue`` (two-sided, N - 3 df) per pair of
        substantive constructs, and ``r_m`` and ``n``.
    """
    if marker not in scores.columns:
        raise OptionError(f"no marker column '{marker}'; the columns are "
                          f"{', '.join(map(str, scores.columns))}.")
    data = scores.dropna()
    corr = data.corr()
    others = [c for c in data.columns if c != marker]
    _two_constructs(others)
    if r_m is None:
        lowest = corr.loc[marker, others]
        r_m = float(lowest.min())
        if r_m < 0:  # the correction would inflate every correlation instead of deflating it
            raise OptionError(
                f"the marker {marker} correlates negatively with {lowest.idxmin()} (r = "
                f"{r_m:.3f}); Lindell & Whitney's correction takes the smallest correlation as "
                "the (positive) method correlation: choose a marker unrelated to the "
                "substantive constructs, or give r_m.")
    n = len(data)
    rows = []
    for a, b in combinations(others, 2):
        r = float(corr.loc[a, b])
        adjusted = (r - r_m) / (1 - r_m)
        t = adjusted / np.sqrt((1 - adjusted ** 2) / (n - 3))
        rows.append({"a": a, "b": b, "r": r, "r_adjusted": adjusted, "t": t,
                     "pvalue": float(2 * t_sf(abs(t), n - 3))})
    out = pd.DataFrame(rows)
    out["r_m"] = r_m
    out["n"] = n
    return out


def _two_constructs(constructs: Sequence[str] | Mapping[str, Sequence[str]]) -> None:
    """Method variance is judged on the correlations among substantive constructs: two or more."""
    if len(constructs) < 2:
        raise OptionError(f"common-method variance is judged on the correlations among "
                          f"substantive constructs; got {len(constructs)} ("
                          f"{', '.join(map(str, constructs)) or 'none'}) besides the marker: "
                          "name two or more.")


def _lines(constructs: Mapping[str, Sequence[str]]) -> list[str]:
    if METHOD in constructs:
        raise OptionError(f"a construct is named {METHOD}, the name of the method factor; "
                          "rename it.")
    return [f"{c} =~ {' + '.join(items)}" for c, items in constructs.items()]


def _number(value: float) -> str:
    return f"{value:.12g}"


def _fit(lines: list[str], name: str, data: pd.DataFrame) -> FitResult:
    return fit_model(spec_from_syntax("\n".join(lines), name=name, std_lv=True), data,
                     data_name="responses")


def method_share(fit: FitResult, method: str, items: Sequence[str]) -> pd.DataFrame:
    """Standardized loading of each item on the method factor and its square (the share)."""
    p = fit.parameters
    rows = p[(p["op"] == "=~") & (p["lhs"] == method) & p["rhs"].isin(items)]
    return pd.DataFrame({"item": rows["rhs"].to_numpy(), "loading": rows["std_all"].to_numpy(),
                         "share": rows["std_all"].to_numpy() ** 2})


@dataclass(frozen=True)
class CfaMarker:
    """The models of the CFA marker technique, their comparisons and the method variance.

    ``tests`` rows: ``comparison``, ``chisq_diff``, ``df_diff``, ``pvalue``; ``chosen`` is
    ``"method_u"`` when U fits significantly better than C, else ``"method_c"``; ``share`` the
    method loadings of the chosen model.
    """

    models: dict[str, FitResult]
    tests: pd.DataFrame
    chosen: str
    share: pd.DataFrame


def _test(rows: list[dict[str, object]], label: str, free: FitResult,
          restricted: FitResult) -> float:
    diff = chisq_difference(free, restricted)
    rows.append({"comparison": label, "chisq_diff": diff.chisq, "df_diff": diff.df,
                 "pvalue": diff.pvalue})
    return diff.pvalue


def cfa_marker(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]],
               marker: Sequence[str], *, alpha: float = 0.05) -> CfaMarker:
    """Williams, Hartman & Cavazotte's (2010) CFA marker technique.

    Parameters
    ----------
    data
        Item answers (reverse-coded).
    constructs
        ``{construct: items}`` of the substantive constructs.
    marker
        The marker construct's items (at least 2).
    alpha
        Level of the C-vs-U test that picks the model for method-R.
    """
    if len(marker) < 2:
        raise OptionError("the CFA marker technique needs a marker construct of at least 2 "
                          "items.")
    _two_constructs(constructs)
    items = [i for c in constructs.values() for i in c]
    columns = [*items, *marker]
    frame = data[columns].dropna()
    cfa = _fit([*_lines(constructs), f"{METHOD} =~ {' + '.join(marker)}"], "cfa", frame)
    p = cfa.parameters
    load = {r.rhs: r.est for r in p[(p["op"] == "=~") & (p["lhs"] == METHOD)].itertuples()}
    resid = {r.lhs: r.est for r in p[(p["op"] == "~~") & p["lhs"].isin(list(marker))
                                     & (p["lhs"] == p["rhs"])].itertuples()}
    fixed = [f"{METHOD} =~ " + " + ".join(f"{_number(load[m])}*{m}" for m in marker),
             *(f"{m} ~~ {_number(resid[m])}*{m}" for m in marker),
             f"{METHOD} ~~ " + " + ".join(f"0*{c}" for c in constructs)]
    base_lines = [*_lines(constructs), *fixed]
    baseline = _fit(base_lines, "baseline", frame)
    equal = f"{METHOD} =~ " + " + ".join(f"mc*{i}" for i in items)
    free = f"{METHOD} =~ " + " + ".join(items)
    method_c = _fit([*base_lines, equal], "method_c", frame)
    method_u = _fit([*base_lines, free], "method_u", frame)
    rows: list[dict[str, object]] = []
    _test(rows, "baseline vs method-C", method_c, baseline)
    chosen = "method_u" if _test(rows, "method-C vs method-U", method_u, method_c) < alpha \
        else "method_c"
    pb = baseline.parameters
    fixed_r = [f"{r.lhs} ~~ {_number(r.est)}*{r.rhs}" for r in pb[
        (pb["op"] == "~~") & pb["lhs"].isin(list(constructs)) & pb["rhs"].isin(list(constructs))
        & (pb["lhs"] != pb["rhs"])].itertuples()]
    method_r = _fit([*base_lines, free if chosen == "method_u" else equal, *fixed_r],
                    "method_r", frame)
    models = {"cfa": cfa, "baseline": baseline, "method_c": method_c, "method_u": method_u,
              "method_r": method_r}
    _test(rows, f"method-{chosen[-1].upper()} vs method-R", models[chosen], method_r)
    return CfaMarker(models, pd.DataFrame(rows), chosen,
                     method_share(models[chosen], METHOD, items))


def ulmc(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]]
         ) -> tuple[dict[str, FitResult], pd.DataFrame, pd.DataFrame]:
    """The unmeasured latent method construct against the substantive CFA.

    Returns the two fits (``cfa``, ``ulmc``), the chi-square difference test (one row) and the
    method loadings and shares of the items.
    """
    _two_constructs(constructs)
    items = [i for c in constructs.values() for i in c]
    frame = data[items].dropna()
    cfa = _fit(_lines(constructs), "cfa", frame)
    method = _fit([*_lines(constructs), f"{METHOD} =~ " + " + ".join(f"u*{i}" for i in items),
                   f"{METHOD} ~~ " + " + ".join(f"0*{c}" for c in constructs)], "ulmc", frame)
    rows: list[dict[str, object]] = []
    _test(rows, "CFA vs ULMC", method, cfa)
    return {"cfa": cfa, "ulmc": method}, pd.DataFrame(rows), method_share(method, METHOD, items)


_SUMMARY = {
    "en": {
        "marker": "Marker variable (Lindell & Whitney 2001): with {marker} as marker, r_M = "
                  "{r_m:.3f}; {kept} of {pairs} substantive correlations remain significant "
                  "after the correction (p < .05).",
        "cfa": "CFA marker technique (Williams, Hartman & Cavazotte 2010): method-C {improved} "
               "the baseline model, Δχ²({df}) = {chisq:.2f}, p {p}; {which} was retained; fixing "
               "the substantive correlations at their baseline values (method-R) "
               "{bias}, Δχ²({rdf}) = {rchisq:.2f}, p {rp}. The marker factor accounts for "
               "{share:.1%} of the substantive items' variance on average.",
        "improved_yes": "fitted significantly better than",
        "improved_no": "did not fit significantly better than",
        "bias_yes": "worsened the fit: method variance biases them",
        "bias_no": "did not worsen the fit: no evidence that method variance biases them",
        "ulmc": "Unmeasured latent method construct: Δχ²({df}) = {chisq:.2f}, p {p}; the "
                "method factor accounts for {share:.1%} of the items' variance on average.",
        "ulmc_failed": "Unmeasured latent method construct: not estimable on these data; its "
                       "equal method loading is not identified (an estimate at zero, i.e. no "
                       "common method factor beyond the substantive factors, or one the factor "
                       "correlations absorb).",
    },
    "zh": {
        "marker": "标记变量法（Lindell & Whitney 2001）：以 {marker} 为标记变量，r_M = {r_m:.3f}；"
                  "校正后 {pairs} 个实质相关中有 {kept} 个仍显著（p < .05）。",
        "cfa": "CFA 标记变量法（Williams, Hartman & Cavazotte 2010）："
               "method-C 模型{improved}基线模型，Δχ²({df}) = {chisq:.2f}，p {p}；保留 {which}；"
               "将实质构念间相关固定为基线值"
               "（method-R）{bias}，Δχ²({rdf}) = {rchisq:.2f}，p {rp}。标记因子平均解释实质题项"
               "方差的 {share:.1%}。",
        "improved_yes": "显著优于",
        "improved_no": "未显著优于",
        "bias_yes": "使拟合变差：共同方法变异使这些相关产生偏差",
        "bias_no": "未使拟合变差：没有证据表明共同方法变异使这些相关产生偏差",
        "ulmc": "未测量潜在方法因子：Δχ²({df}) = {chisq:.2f}，p {p}；方法因子平均解释题项方差的"
                "{share:.1%}。",
        "ulmc_failed": "未测量潜在方法因子：在本数据上无法估计，其等值方法载荷不可识别"
                       "（估计值为零，即在实质因子之外没有共同方法因子，或该因子被因子间相关"
                       "吸收）。",
    },
}


def _p(value: float) -> str:
    return "< .001" if value < 0.001 else f"= {value:.3f}".replace("0.", ".", 1)


def cmv_summary(*, lang: str = "en", marker_name: str | None = None,
                corrected: pd.DataFrame | None = None, marker: CfaMarker | None = None,
                latent: tuple[pd.DataFrame, pd.DataFrame] | None = None,
                latent_failed: bool = False) -> str:
    """A paragraph a reviewer can be given, in English or Chinese, of whatever was run.

    ``corrected`` is :func:`marker_correction`'s table, ``marker`` :func:`cfa_marker`'s result,
    ``latent`` the test and shares of :func:`ulmc`; ``latent_failed`` says that the ULMC was
    tried and could not be estimated (a sentence instead of ``latent``'s).
    """
    words = _SUMMARY["zh" if lang == "zh" else "en"]
    parts = []
    if corrected is not None and len(corrected):
        parts.append(words["marker"].format(
            marker=marker_name, r_m=float(corrected["r_m"].iloc[0]), pairs=len(corrected),
            kept=int((corrected["pvalue"] < 0.05).sum())))
    if marker is not None:
        t = marker.tests.set_index("comparison")
        first, last = t.iloc[0], t.iloc[-1]
        parts.append(words["cfa"].format(
            df=int(first["df_diff"]), chisq=first["chisq_diff"], p=_p(first["pvalue"]),
            improved=words["improved_yes" if first["pvalue"] < 0.05 else "improved_no"],
            which=f"method-{marker.chosen[-1].upper()}", rdf=int(last["df_diff"]),
            rchisq=last["chisq_diff"], rp=_p(last["pvalue"]),
            bias=words["bias_yes" if last["pvalue"] < 0.05 else "bias_no"],
            share=float(marker.share["share"].mean())))
    if latent is not None:
        test, share = latent
        parts.append(words["ulmc"].format(df=int(test["df_diff"].iloc[0]),
                                          chisq=test["chisq_diff"].iloc[0],
                                          p=_p(test["pvalue"].iloc[0]),
                                          share=float(share["share"].mean())))
    elif latent_failed:
        parts.append(words["ulmc_failed"])
    return ("" if lang == "zh" else " ").join(parts)
