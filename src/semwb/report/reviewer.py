"""Pages for what reviewers ask after the main model: model comparison, modification indices.

Each page is self-contained HTML (the report's stylesheet, no network) rendered from a
comparison table (the ``table`` and ``method`` of :class:`semwb.sem.compare.Comparison`) or a
modification-index table (:func:`semwb.sem.modindices.modification_indices`), in English or
Chinese. :func:`modindices_section` gives the same table to the model's report
(``_modindices.html``) from ``Results.modindices``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from semwb.report.environment import get_environment
from semwb.report.i18n import in_language

if TYPE_CHECKING:
    import pandas as pd

_STRINGS: dict[str, tuple[str, str]] = {
    "comparison_title": ("Model comparison", "模型比较"),
    "model": ("Model", "模型"),
    "against": ("Nested in", "嵌套于"),
    "equivalent": ("Equivalent to", "等价于"),
    "delta": ("Δχ² (Δdf)", "Δχ² (Δdf)"),
    "comparison_note": (
        "Models in order of their degrees of freedom. Each is tested against the nearest model "
        "above it in which it is nested (checked by the NET procedure, Bentler & Satorra 2010); "
        "models nested in none are compared by AIC, BIC and sample-size adjusted BIC only "
        "(smaller is better). Test: {method}.",
        "模型按自由度排序。每个模型与其上方最近的、它嵌套于其中的模型比较"
        "（嵌套关系由 NET 方法检验，Bentler & Satorra 2010）；"
        "不嵌套的模型仅以 AIC、BIC 和样本量校正 BIC 比较（越小越好）。"
        "检验：{method}。"),
    "mi_title": ("Modification indices", "修正指数"),
    "mi_note": (
        "Score tests of freeing one fixed parameter (lavaan's modindices()): MI is the expected "
        "drop in χ² (1 df), EPC the expected change of the parameter, sEPC its standardized "
        "value. Indices above {minimum} shown, largest first. Free a parameter only when theory "
        "supports it; each index assumes every other parameter stays as it is.",
        "释放单个固定参数的得分检验（lavaan 的 modindices()）："
        "MI 为 χ² 的预期下降（1 个自由度），"
        "EPC 为参数的预期变化，sEPC 为其标准化值。仅显示大于 {minimum} 的指数，按大小排序。"
        "只有在理论支持时才释放参数；每个指数都假定其他参数保持不变。"),
    "none": ("No index above the threshold.", "没有超过阈值的指数。"),
    "mi_count": ("{shown} of the {above} indices above {minimum}{ops} ({candidates} candidates).",
                 "共 {candidates} 个候选参数，{above} 个指数大于 {minimum}{ops}，"
                 "显示 {shown} 个。"),
    "mi_ops": (", operators {ops}", "（运算符 {ops}）"),
}


def page_strings(lang: str) -> dict[str, str]:
    """The reviewer pages' words in ``lang`` (their templates read them as ``tr``)."""
    return in_language(_STRINGS, lang)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return list(frame.astype(object).where(frame.notna(), None).to_dict(orient="records"))


def render_comparison(table: pd.DataFrame, method: str, *, lang: str = "en") -> str:
    """The model-comparison page."""
    t = page_strings(lang)
    note = t["comparison_note"].format(method=method or "—")
    return get_environment().get_template("comparison.html").render(
        lang=lang, tr=t, note=note, rows=_records(table))


def render_modindices(table: pd.DataFrame, *, model: str, minimum: float,
                      lang: str = "en") -> str:
    """The modification-index page of one model (rows already filtered and sorted)."""
    t = page_strings(lang)
    return get_environment().get_template("modindices.html").render(
        lang=lang, tr=t, model=model, note=t["mi_note"].format(minimum=f"{minimum:g}"),
        rows=_records(table))


def modindices_section(modindices: Mapping[str, Any] | None,
                       lang: str) -> dict[str, Any] | None:
    """The report's modification-index section (``Results.modindices``), or None without it."""
    if modindices is None:
        return None
    t = page_strings(lang)
    minimum = f"{modindices['minimum']:g}"
    ops = t["mi_ops"].format(ops=" ".join(modindices["op"])) if modindices["op"] else ""
    count = t["mi_count"].format(shown=len(modindices["rows"]), above=modindices["above"],
                                 minimum=minimum, ops=ops, candidates=modindices["candidates"])
    return {"tr": t, "rows": modindices["rows"],
            "note": f"{count} {t['mi_note'].format(minimum=minimum)}"}
