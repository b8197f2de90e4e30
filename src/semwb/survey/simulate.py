"""Draw realistic raw survey responses from a population model written in lavaan syntax.

The population model uses three operators, each term with a numeric premultiplier:

- ``F =~ 0.8*x1 + 0.7*x2`` — standardized loadings; a latent on the right makes a second-order
  factor (``APMC =~ 0.8*PRO``: PRO = 0.8 APMC + residual).
- ``Y ~ 0.5*X + -0.3*X:X + 0.1*X:Z`` — standardized paths; ``X:Z`` is a centred product term
  (so ``X:X`` is a quadratic effect).
- ``X ~~ 0.3*Z`` — correlation between two exogenous variables.

Every latent and observed variable is standardized: exogenous ones are multivariate normal with
unit variance, an endogenous one gets residual variance ``1 -`` the sample variance of its
predicted part. Continuous item scores are then cut into the Likert scale (answers lean to agree,
as survey answers do), reverse-worded items are written reversed (raw), numeric controls are
mapped linearly onto their range, and categorical controls are cut into equal-share levels.
A share of careless respondents (half straight-liners, half random answerers, all fast) and
missing answers completely at random are added; every draw comes from the one ``rng``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter

import numpy as np
import pandas as pd

from semwb.distributions import norm_ppf
from semwb.errors import OptionError, SpecError, join_problems
from semwb.rng import as_generator
from semwb.survey.instrument import Check, Instrument, Item

_TERM = re.compile(r"^\s*(?:([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*\*\s*)?([A-Za-z_][\w:]*)\s*$")
_OPS = ("=~", "~~", "~")


@dataclass
class Population:
    """A parsed population model."""

    loadings: dict[str, dict[str, float]] = field(default_factory=dict)
    paths: dict[str, dict[tuple[str, ...], float]] = field(default_factory=dict)
    correlations: dict[tuple[str, str], float] = field(default_factory=dict)

    @property
    def latents(self) -> set[str]:
        """Variables defined with ``=~``."""
        return set(self.loadings)


def parse_population(syntax: str, *, source: str = "<population>") -> Population:
    """Parse a population model (see the module docstring).

    Raises
    ------
    SpecError
        Listing every bad line: unknown operator, a term without a numeric coefficient where one
        is needed, a loading or correlation outside (-1, 1).
    """
    pop = Population()
    problems = []
    for number, line in enumerate(syntax.splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        op = next((o for o in _OPS if o in text), None)
        if op is None:
            problems.append(f"{source}, line {number}: no =~, ~ or ~~ in '{text}'")
            continue
        lhs, rhs = (part.strip() for part in text.split(op, 1))
        for term in rhs.split("+"):
            match = _TERM.match(term)
            if not match or match.group(1) is None or not lhs.isidentifier():
                problems.append(f"{source}, line {number}: '{term.strip()}' must be "
                                "coefficient*name (e.g. 0.7*ar1)")
                continue
            value, name = float(match.group(1)), match.group(2)
            if op in ("=~", "~~") and not -1 < value < 1:
                problems.append(f"{source}, line {number}: {value:g} for {name} must lie "
                                "strictly between -1 and 1 (standardized)")
            elif op == "=~":
                pop.loadings.setdefault(lhs, {})[name] = value
            elif op == "~":
                pop.paths.setdefault(lhs, {})[tuple(name.split(":"))] = value
            else:
                pop.correlations[(lhs, name)] = value
    if problems:
        raise SpecError(join_problems(f"{source} has {len(problems)} problems", problems))
    return pop


def _structure(pop: Population) -> tuple[dict[str, dict[tuple[str, ...], float]], list[str]]:
    """Every variable's structural equation (second-order loadings included) and exogenous set."""
    equations = {lhs: dict(terms) for lhs, terms in pop.paths.items()}
    for factor, indicators in pop.loadings.items():
        for name, value in indicators.items():
            if name in pop.latents:
                equations.setdefault(name, {})[(factor,)] = value
    predictors = {v for terms in equations.values() for t in terms for v in t}
    correlated = {v for pair in pop.correlations for v in pair}
    exogenous = sorted((predictors | correlated | pop.latents) - set(equations))
    return equations, exogenous


def _draw_latents(pop: Population, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    equations, exogenous = _structure(pop)
    graph = {lhs: {v for t in terms for v in t} for lhs, terms in equations.items()}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise SpecError(f"The population model has a feedback loop ({' -> '.join(exc.args[1])}); "
                        "simulation needs a recursive model.") from exc
    index = {v: i for i, v in enumerate(exogenous)}
    corr = np.eye(len(exogenous))
    for (a, b), r in pop.correlations.items():
        if a in index and b in index:
            corr[index[a], index[b]] = corr[index[b], index[a]] = r
    if np.linalg.eigvalsh(corr).min() <= 0:
        raise SpecError("The population model's exogenous correlations (~~) are not a valid "
                        "correlation matrix (not positive definite); lower some of them.")
    draws = rng.multivariate_normal(np.zeros(len(exogenous)), corr, size=n, method="cholesky")
    values = {v: draws[:, i] for v, i in index.items()}
    for name in order:
        if name not in equations:
            continue
        predicted = np.zeros(n)
        for term, coef in equations[name].items():
            product = np.prod([values[v] for v in term], axis=0)
            predicted += coef * (product - product.mean() if len(term) > 1 else product)
        residual_sd = np.sqrt(max(1.0 - predicted.var(), 0.05))
        values[name] = predicted + residual_sd * rng.standard_normal(n)
    return values


def likert_cuts(low: int, high: int) -> np.ndarray:
    """Thresholds on a standard normal that give answers leaning to agree.

    Category probabilities: 90 % binomial(k-1, 0.6) plus 10 % uniform, k = number of points.
    """
    from scipy import stats

    k = high - low + 1
    probs = 0.9 * stats.binom.pmf(np.arange(k), k - 1, 0.6) + 0.1 / k
    return np.asarray(norm_ppf(np.cumsum(probs)[:-1]))


def _to_answers(score: np.ndarray, item: Item, instrument: Instrument) -> np.ndarray:
    low, high = instrument.scale.min, instrument.scale.max
    if item.type == "likert":
        answers = low + np.searchsorted(likert_cuts(low, high), score).astype(float)
        return (low + high - answers) if item.reverse else answers
    if item.type == "numeric" and item.min is not None and item.max is not None:
        mid, half = (item.min + item.max) / 2, (item.max - item.min) / 2
        value = np.clip(mid + half * score / 3, item.min, item.max)
        return np.round(value, 2 if item.max - item.min <= 1 else 0)
    codes = sorted((item.levels or {}).keys())
    cuts = norm_ppf(np.arange(1, len(codes)) / len(codes))
    return np.asarray(codes, dtype=float)[np.searchsorted(cuts, score)]


def simulate_responses(population: str, instrument: Instrument, *, n: int,
                       rng: int | np.random.Generator | None = None, missing: float = 0.01,
                       careless: float = 0.04, squares: Sequence[str] = ()) -> pd.DataFrame:
    """Draw ``n`` raw respondents from a population model.

    Parameters
    ----------
    population
        Population model in lavaan syntax (see the module docstring).
    instrument
        Every Likert item must be an indicator in ``population``; attention checks are answered
        as expected by attentive respondents (97 %); controls absent from the model are drawn
        uniformly.
    n
        Number of respondents.
    rng
        Seed or Generator; the same seed gives the same file.
    missing
        Share of Likert answers of attentive respondents left empty (completely at random).
    careless
        Share of careless respondents (straight-liners and random answerers, fast completion).
    squares
        Numeric columns to add ``<name>_sq`` (the squared value) for, for quadratic terms in
        model syntax (lavaan syntax has no ``I(x^2)``); uncentred, so that the turning point is
        ``-b1 / (2 b2)``.

    Returns
    -------
    pandas.DataFrame
        Columns ``rid`` (R0001, ...), ``duration_sec``, the instrument's items in questionnaire
        order (construct items, checks, controls), then the ``_sq`` columns.
    """
    if n < 10:
        raise OptionError(f"n must be at least 10 respondents; got {n}.")
    for name, share in (("missing", missing), ("careless", careless)):
        if not 0 <= share < 0.5:
            raise OptionError(f"{name} must be a share in [0, 0.5); got {share}.")
    gen = as_generator(rng)
    pop = parse_population(population)
    indicator_of = {x: f for f, xs in pop.loadings.items() for x in xs if x not in pop.latents}
    absent = [i for i in instrument.likert_items if i not in indicator_of]
    if absent:
        raise SpecError(f"The population model gives no loading for item(s) {', '.join(absent)}; "
                        "add them to a '=~' line.")
    latents = _draw_latents(pop, n, gen)
    out: dict[str, np.ndarray] = {}
    for item in instrument.all_items:
        if isinstance(item, Check):  # attentive respondents answer as expected 97 % of the time
            attentive = gen.random(n) < 0.97
            other = gen.integers(instrument.scale.min, instrument.scale.max + 1, n)
            out[item.id] = np.where(attentive, item.expect[0], other).astype(float)
            continue
        if item.id in indicator_of:
            lam = pop.loadings[indicator_of[item.id]][item.id]
            noise = np.sqrt(1 - lam**2) * gen.standard_normal(n)
            score = lam * latents[indicator_of[item.id]] + noise
        elif item.id in latents:
            score = latents[item.id]
        else:
            score = gen.standard_normal(n)
        out[item.id] = _to_answers(score, item, instrument)
    frame = pd.DataFrame(out)
    likert = instrument.likert_items + [c.id for c in instrument.checks]
    is_careless = gen.random(n) < careless
    low, high = instrument.scale.min, instrument.scale.max
    for row in np.flatnonzero(is_careless):
        if gen.random() < 0.5:
            frame.loc[row, likert] = float(gen.integers(low, high + 1))
        else:
            frame.loc[row, likert] = gen.integers(low, high + 1, len(likert)).astype(float)
    holes = (gen.random((n, len(instrument.likert_items))) < missing) & ~is_careless[:, None]
    frame[instrument.likert_items] = frame[instrument.likert_items].mask(holes)
    per_item = np.where(is_careless, 1.5, 7.0) * len(likert)
    duration = np.round(per_item * np.exp(0.35 * gen.standard_normal(n)))
    for name in squares:
        if name not in frame.columns:
            raise OptionError(f"Cannot square '{name}': not a column of the simulated data.")
        frame[f"{name}_sq"] = np.round(frame[name] ** 2, 4)
    frame.insert(0, "duration_sec", duration.astype(int))
    frame.insert(0, "rid", [f"R{i:04d}" for i in range(1, n + 1)])
    return frame
