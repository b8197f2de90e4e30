"""From the prepared responses to the columns a spec's model is fitted on (its data keys).

In this order, each step only when the spec asks for it (docs/models.md "Data keys"):

0. ``estimator: WLSMV`` without ``ordered:``: the items the instrument marks ordinal;
1. ``unit:`` several respondents per firm: agreement (ICC(1), ICC(2), rwg(j)) of the spec's
   constructs, then one row per firm (:mod:`semwb.explore.aggregation`);
2. ``portfolio:`` alliance-portfolio measures computed from a partner list and joined by firm id
   (:mod:`semwb.portfolio`), every unmatched firm named in a warning;
3. ``composites:`` construct scores (mean of the reverse-coded items) as observed columns;
4. product and power terms of the syntax (``x:w``, ``I(x^2)``), their variables centered as
   ``centering:`` says (:mod:`semwb.conditional.products`); a ``process:`` spec gets its ``:=``
   lines at the probed moderator values.

:func:`conditional_results` then probes the fitted model's product terms for ``results.json``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from semwb.errors import SemwbError, SpecError

if TYPE_CHECKING:
    import pandas as pd

    from semwb.conditional.latent_products import LatentProduct
    from semwb.conditional.lms_model import LmsModel
    from semwb.conditional.products import Center, ProductData
    from semwb.sem.estimate import FitResult
    from semwb.sem.spec import ModelSpec
    from semwb.survey.instrument import Instrument


@dataclass(frozen=True)
class ModelData:
    """A spec's data after its data keys, and what each step recorded.

    Attributes
    ----------
    spec
        The spec to fit: the one given, or (``process:``) with ``:=`` lines at moderator values.
    data
        The columns to fit on (all columns kept; the fit picks the model's).
    products
        The product terms of observed variables and their centering, or None.
    latent_products
        The latent interactions built from product indicators.
    lms
        The latent moderated structural equation to fit by LMS (``latent_interaction: lms``),
        or None.
    aggregation
        ``results.json -> aggregation`` (``unit``, ``respondents``, ``firms``, ``null``,
        ``agreement`` records), or None.
    portfolio
        ``results.json -> portfolio`` (the partner list, window, measures' descriptives and the
        unmatched firms), or None.
    warnings
        Sentences for the results' warnings.
    """

    spec: ModelSpec
    data: pd.DataFrame
    products: ProductData | None = None
    latent_products: tuple[LatentProduct, ...] = ()
    lms: LmsModel | None = None
    aggregation: dict[str, Any] | None = None
    portfolio: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)


def _number(value: Any) -> float | None:
    """A number for ``results.json``: NaN (e.g. the SD of one value) becomes None (JSON null)."""
    number = float(value)
    return None if math.isnan(number) else number


def _constructs(spec: ModelSpec, data: pd.DataFrame,
                instrument: Instrument) -> dict[str, list[str]]:
    """The instrument constructs the spec uses (latents and composites) with items in ``data``."""
    wanted = [*spec.parsed.latents, *spec.composites]
    return {c: list(instrument.constructs[c].item_ids) for c in dict.fromkeys(wanted)
            if c in instrument.constructs
            and set(instrument.constructs[c].item_ids) <= set(data.columns)}


def aggregate_units(spec: ModelSpec, data: pd.DataFrame, *, instrument: Instrument | None,
                    data_name: str) -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    """``unit:``: agreement per construct, then one row per firm (mean of numeric columns).

    Returns the firm rows, the ``aggregation`` block and warnings. Without an instrument there is
    no scale for rwg(j)'s uniform null, so agreement is left out with a warning.
    """
    import pandas as pd

    from semwb.explore.aggregation import aggregate, agreement

    unit = str(spec.unit)
    missing = [c for c in [unit, *spec.firm_level] if c not in data.columns]
    if missing:
        raise SpecError(f"{spec.source}: 'unit'/'firm_level' name column(s) {', '.join(missing)}"
                        f", which {data_name} does not have; its columns start "
                        f"{', '.join(map(str, data.columns[:8]))}.")
    if data[unit].isna().any():
        row = data.index[data[unit].isna()][0]
        raise SpecError(f"{data_name}, row {row}, column {unit}: no firm id; every respondent "
                        "needs one when the spec says 'unit'.")
    skip = {unit, *spec.firm_level}
    columns = [c for c in data.columns
               if c not in skip and pd.api.types.is_numeric_dtype(data[c])]
    try:
        firms = aggregate(data, unit, columns, firm_level=spec.firm_level)
    except SemwbError as exc:
        raise SpecError(f"{spec.source}, key 'unit': {exc}") from exc
    warnings = []
    records: list[dict[str, Any]] = []
    constructs = _constructs(spec, data, instrument) if instrument is not None else {}
    if instrument is None:
        warnings.append("aggregation: no instrument, so agreement (ICC, rwg(j)) was not "
                        "computed; name the instrument in the spec to see it.")
    elif constructs:
        points = int(instrument.scale.max - instrument.scale.min + 1)
        table = agreement(data, unit, constructs, points=points, null=spec.rwg_null)
        records = [{"construct": c, **{k: _number(v) for k, v in row.items()}}
                   for c, row in table.iterrows()]
    block = {"unit": unit, "respondents": len(data), "firms": len(firms),
             "null": spec.rwg_null, "firm_level": list(spec.firm_level), "agreement": records}
    return firms, block, warnings  # rows numbered by firm (1, 2, ...) in order of appearance


def join_portfolio(spec: ModelSpec, data: pd.DataFrame,
                   ) -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    """``portfolio:``: compute the measures from the partner list and join them by firm id."""
    from semwb.errors import OptionError, ResponseDataError
    from semwb.files import display_path
    from semwb.portfolio.join import join_measures
    from semwb.portfolio.measures import describe_measures, portfolio_measures, windows_past_data
    from semwb.portfolio.reader import check_ties, read_partners, read_ties
    from semwb.year_windows import parse_windows

    options = spec.portfolio
    assert options is not None
    try:
        partners = read_partners(options.partners, sheet=options.sheet)
        ties = None if options.ties is None else read_ties(options.ties)
        windows = parse_windows(options.window or "")
        measures = portfolio_measures(partners, by=options.by, ties=ties, windows=windows)
    except OptionError as exc:
        raise SpecError(f"{spec.source}, key 'portfolio': {exc}") from exc
    computed = [c for c in measures.columns if c not in ("firm_id", "window")]
    unknown = [m for m in options.names if m not in computed]
    if unknown:
        raise SpecError(f"{spec.source}, key 'portfolio.names': {', '.join(unknown)} is not a "
                        f"measure of this block; its measures are {', '.join(computed)}.")
    try:
        joined = join_measures(data, measures.rename(columns=options.names),
                               firm_id=options.firm_id)
    except ResponseDataError as exc:
        raise SpecError(f"{spec.source}, key 'portfolio' (firm_id: {options.firm_id}): {exc}",
                        ) from exc
    notes = windows_past_data(partners, windows)
    if ties is not None and options.ties is not None:
        notes += check_ties(partners, ties, source=display_path(options.ties))
    described = describe_measures(measures).drop(columns="window").to_dict(orient="records")
    block = {
        "partners": display_path(options.partners), "firm_id": options.firm_id,
        "window": options.window or "all", "by": list(options.by),
        "ties": None if options.ties is None else display_path(options.ties),
        "measures": [{"measure": str(row["measure"]), "as": options.names.get(str(row["measure"])),
                      **{k: _number(v) for k, v in row.items() if k != "measure"}}
                     for row in described],
        "missing_measures": joined.missing_measures,
        "missing_responses": joined.missing_responses,
        "no_partners": joined.no_partners,
    }
    return joined.data, block, [f"portfolio: {w}" for w in [*joined.warnings, *notes]]


def add_composites(spec: ModelSpec, data: pd.DataFrame, *,
                   instrument: Instrument | None) -> pd.DataFrame:
    """``composites:``: each named construct's score (mean of its items) as a column."""
    from semwb.survey.scoring import compute_composites

    if instrument is None:
        raise SpecError(f"{spec.source}: 'composites' needs the instrument that defines the "
                        "constructs; add 'instrument: <id or file>' to the spec.")
    problems = [f"'{c}' is not a construct of instrument {instrument.instrument}"
                for c in spec.composites if c not in instrument.constructs]
    problems += [f"'{c}' is already a column of the data; rename it or drop it from "
                 "'composites'" for c in spec.composites if c in data.columns]
    if problems:
        raise SpecError(f"{spec.source}, key 'composites': {'; '.join(problems)}.")
    scores = compute_composites(data, instrument)
    absent = [c for c in spec.composites if c not in scores.columns]
    if absent:
        raise SpecError(f"{spec.source}, key 'composites': the data lack items of "
                        f"{', '.join(absent)}, so no score can be computed.")
    out = data.copy()
    for construct in spec.composites:
        out[construct] = scores[construct]
    return out


def _label(text: str) -> str:
    """A moderator value's label as a ``:=`` name part: ``-1 SD`` -> ``m1sd``, ``p16``."""
    return re.sub(r"\W", "", text.replace("-", "m").replace("+", "p").replace(".", "_")).lower()


def product_terms(spec: ModelSpec) -> list[str]:
    """The product and power terms the spec's syntax names right of ``~`` (``x:w``, ``I(x^2)``)."""
    from semwb.sem.terms import parse_term

    return list(dict.fromkeys(t.rhs for t in spec.parsed.terms
                              if t.op == "~" and parse_term(t.rhs) is not None))


def add_latent_interactions(spec: ModelSpec, data: pd.DataFrame,
                            ) -> tuple[ModelSpec, pd.DataFrame, tuple[LatentProduct, ...]]:
    """Latent ``F:G`` terms as product latents with double-mean-centred matched-pair indicators
    (:mod:`semwb.conditional.latent_products`); the spec's syntax is rewritten to use them."""
    from semwb.sem.terms import parse_term

    parsed = spec.parsed
    latents = set(parsed.latents)
    terms = [p for p in (parse_term(t.rhs) for t in parsed.terms if t.op == "~")
             if p is not None and latents & set(p.factors)]
    if not terms:
        return spec, data, ()
    from semwb.conditional.latent_products import add_latent_products

    syntax, out, made = add_latent_products(spec.syntax, parsed, data, list(dict.fromkeys(terms)),
                                            source=spec.source)
    return spec.model_copy(update={"syntax": syntax}), out, made


def add_products(spec: ModelSpec, data: pd.DataFrame) -> tuple[ModelSpec, ProductData | None]:
    """Product and power terms of the syntax, centered as the spec says.

    A ``process:`` spec's syntax is written again with its ``:=`` lines at the probed moderator
    values (the ``probe:`` rule, on the model's centered scale).
    """
    from semwb.sem.terms import parse_term

    parsed = spec.parsed
    terms = [t.rhs for t in parsed.terms if t.op == "~"]
    products = [p for p in (parse_term(t) for t in terms) if p is not None]
    if not products:
        return spec, None
    from semwb.conditional.probing import moderator_values
    from semwb.conditional.products import add_product_terms
    from semwb.sem.spec_options import process_syntax_for

    factors = {f for p in products for f in p.factors}
    stray = sorted(set(spec.probe.values) - factors)
    if stray:
        raise SpecError(f"{spec.source}: 'probe.values' names {', '.join(stray)}, which no "
                        f"product term of the syntax has (its variables: "
                        f"{', '.join(sorted(factors))}); fix the name.")
    centering = spec.centering if isinstance(spec.centering, dict) else {}
    default: Center = "mean" if isinstance(spec.centering, dict) else spec.centering
    try:
        made = add_product_terms(data, terms, centering=centering, default=default)
    except SpecError as exc:
        raise SpecError(f"{spec.source}, syntax and 'centering': {exc}") from exc
    process = spec.process
    if process is None or process.w is None:
        return spec, made
    center = made.center_of(process.w).center
    given = spec.probe.values.get(process.w, [])
    values = ([(f"{v:g}", v - center) for v in given] if given else
              moderator_values(made.data[process.w].to_numpy(dtype=float),
                               rule="sd" if spec.probe.rule == "values" else spec.probe.rule))
    syntax = process_syntax_for(process, source=spec.source,
                                w_values=tuple((_label(label), round(value, 10))
                                               for label, value in values))
    return spec.model_copy(update={"syntax": syntax}), made


def model_data(spec: ModelSpec, prepared: pd.DataFrame, *, instrument: Instrument | None = None,
               data_name: str = "data") -> ModelData:
    """Carry out a spec's data keys on the prepared (reverse-coded) responses.

    Raises
    ------
    SpecError
        For a data key that does not fit the data, naming the spec file and the key.
    ResponseDataError
        For a partner list that breaks its rules (file, row, column).
    """
    from semwb.sem.ordinal.spec import with_instrument_items

    spec = with_instrument_items(spec, instrument.ordinal_items if instrument is not None else (),
                                 instrument=instrument.instrument if instrument else None)
    data, aggregation, portfolio, warnings = prepared, None, None, []
    if spec.unit is not None:
        data, aggregation, notes = aggregate_units(spec, data, instrument=instrument,
                                                   data_name=data_name)
        warnings += notes
    if spec.portfolio is not None:
        data, portfolio, notes = join_portfolio(spec, data)
        warnings += notes
    if spec.composites:
        data = add_composites(spec, data, instrument=instrument)
    from semwb.conditional.lms_fit import lms_for_spec

    fitted, data, latent = add_latent_interactions(spec, data)
    fitted, products = add_products(fitted, data)
    return ModelData(spec=fitted, data=data if products is None else products.data,
                     products=products, latent_products=latent,
                     lms=lms_for_spec(spec, bool(latent)), aggregation=aggregation,
                     portfolio=portfolio, warnings=warnings)


def conditional_results(prepared: ModelData, fit: FitResult, *, level: float,
                        draws: pd.DataFrame | None = None) -> dict[str, Any] | None:
    """``results.json -> conditional``: every two-way product and quadratic term probed.

    Moderator values, observed ranges and the U-test's minimum and maximum are those of the rows
    the model was fitted on (listwise deletion can drop the extreme ones). None without product
    terms. Simple slopes use the spec's ``probe:`` rule; a ``process:`` spec
    records its model number. With the bootstrap's ``draws`` (``"lhs op rhs"`` columns) every
    turning point also gets its bootstrap interval
    (:func:`semwb.conditional.curve_bootstrap.bootstrap_turning_points`).
    """
    spec = prepared.spec
    names = list(fit.vcov.index)  # ``param`` is a free row's position in the covariance
    parameters = fit.parameters.assign(
        vcov_name=[names[i] if i >= 0 else None for i in fit.parameters["param"]])
    if prepared.products is None:
        block: dict[str, Any] | None = (
            {"terms": {}, "centering": {}, "moderations": [], "curves": []}
            if prepared.latent_products else None)
    else:
        from semwb.conditional.analysis import conditional_block

        # Probing values and the U-test's range come from the rows the model was fitted on.
        used = replace(prepared.products, data=fit.data)
        block = conditional_block(parameters, fit.vcov, used, key="vcov_name",
                                  level=level, rule=spec.probe.rule, given=spec.probe.values)
    if block is not None and spec.process is not None:
        block["process"] = spec.process.model_dump()
    if block is not None and prepared.latent_products:
        block["latent_products"] = [_latent_block(p, parameters, fit.vcov, level)
                                    for p in prepared.latent_products]
    if block is not None and draws is not None and block["curves"]:
        from semwb.conditional.curve_bootstrap import bootstrap_turning_points

        block = bootstrap_turning_points(block, draws, level=level)
    if block is not None and prepared.lms is not None:
        from semwb.conditional.lms_fit import fit_latent_interactions

        block["lms"] = fit_latent_interactions(prepared.lms, fit.data, source=spec.source,
                                               level=level)[1]
    return block


def _latent_block(product: LatentProduct, parameters: pd.DataFrame, vcov: pd.DataFrame,
                  level: float) -> dict[str, Any]:
    """A latent interaction's record: per outcome its path (est, se, z, p, CI) and, when the
    moderator is exogenous, the simple slopes at its mean and +-1 SD and the Johnson-Neyman
    probe over +-2 SD (``probe``, :func:`semwb.conditional.latent_probe.probe_latent`), or for a
    square the ``turning_point`` (:func:`~semwb.conditional.latent_probe.latent_turning_point`).
    """
    from semwb.conditional.analysis import regression_coefficients
    from semwb.conditional.latent_probe import latent_turning_point, probe_latent
    from semwb.conditional.latent_products import latent_slopes

    focal, moderator = product.factors
    variance = parameters[(parameters["op"] == "~~") & (parameters["lhs"] == moderator)
                          & (parameters["rhs"] == moderator)]["est"]
    exogenous = not ((parameters["op"] == "~") & (parameters["lhs"] == moderator)).any()
    rows = parameters[(parameters["op"] == "~") & (parameters["rhs"] == product.latent)]
    keys = ("est", "se", "z", "pvalue", "ci_lower", "ci_upper")
    paths = []
    for _, row in rows.iterrows():
        slopes = probe = point = None
        coefs = regression_coefficients(parameters, vcov, str(row["lhs"]), key="vcov_name")
        if exogenous and len(variance) == 1 and float(variance.iloc[0]) > 0:
            sd = math.sqrt(float(variance.iloc[0]))
            if focal == moderator and focal in coefs.names:  # a square: its turning point
                point = latent_turning_point(coefs, predictor=focal, quadratic=product.latent,
                                             sd=sd, level=level)
            elif focal != moderator:
                slopes = latent_slopes(coefs, product, sd=sd, level=level)
                probe = probe_latent(coefs, focal=focal, moderator=moderator,
                                     interaction=product.latent, sd=sd, level=level,
                                     outcome=str(row["lhs"]))
        paths.append({"outcome": str(row["lhs"]), "slopes": slopes, "probe": probe,
                      "turning_point": point, **{k: _number(row[k]) for k in keys}})
    return {**product.to_dict(), "moderator": moderator, "paths": paths}
