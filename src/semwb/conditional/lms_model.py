"""The latent moderated structural equation that LMS fits, read from lavaan syntax.

One structural equation ``Y ~ X + W + X:W`` (or ``X:X`` / ``I(X^2)`` for a latent quadratic):
``Y`` a latent outcome and every predictor an exogenous latent, each measured by observed
continuous indicators (``=~``, the first loading fixed at 1 as lavaan's default). Other latents
measured in the syntax are exogenous and covary freely with the predictors. Written

    x = nu + Lambda_x xi + delta,   y = nu_y + lambda_y eta + eps,
    eta = gamma' xi + sum_p omega_p xi_a(p) xi_b(p) + zeta,    xi ~ N(0, Phi),

with ``eta``'s intercept fixed at 0 and every indicator's intercept free (lavaan's mean
structure), so with every ``omega`` at 0 this is lavaan's linear model. The free parameters are
held in one vector in the order of :meth:`LmsModel.rows`; :meth:`LmsModel.unpack` gives the
matrices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from semwb.errors import SpecError

if TYPE_CHECKING:
    import numpy as np

    from semwb.sem.syntax import ParsedSyntax


@dataclass(frozen=True)
class LmsMatrices:
    """The model at one parameter vector (``k`` exogenous latents, ``p`` indicators)."""

    loadings: np.ndarray      # (p, k + 1): columns xi_1..xi_k, eta
    intercepts: np.ndarray    # (p,)
    residuals: np.ndarray     # (p,) indicator residual variances
    phi: np.ndarray           # (k, k)
    gamma: np.ndarray         # (k,)
    omega: np.ndarray         # (number of products,)
    psi: float                # residual variance of eta


@dataclass(frozen=True)
class LmsModel:
    """A latent moderated structural equation.

    Attributes
    ----------
    outcome
        The latent outcome ``eta``.
    latents
        The exogenous latents, those of the nonlinear terms first (the quadrature runs over
        them; see :mod:`semwb.conditional.lms`).
    indicators
        Per latent (the outcome included) its indicators in syntax order; the first is the
        marker.
    predictors
        The latents with a linear path to the outcome.
    products
        The nonlinear terms as index pairs into ``latents`` (``(i, i)`` for a quadratic).
    terms
        The nonlinear terms as written (``"XPR:RC"``), in the order of ``products``.
    """

    outcome: str
    latents: tuple[str, ...]
    indicators: dict[str, tuple[str, ...]]
    predictors: tuple[str, ...]
    products: tuple[tuple[int, int], ...]
    terms: tuple[str, ...]

    @property
    def nonlinear(self) -> int:
        """How many latents the nonlinear terms involve (the quadrature's dimension)."""
        return len({i for pair in self.products for i in pair})

    @property
    def observed(self) -> tuple[str, ...]:
        """Every indicator: the exogenous latents' in order, then the outcome's."""
        return tuple(x for f in (*self.latents, self.outcome) for x in self.indicators[f])

    def rows(self) -> list[tuple[str, str, str]]:
        """The free parameters as lavaan rows ``(lhs, op, rhs)``, in vector order."""
        out = [(f, "=~", x) for f in (*self.latents, self.outcome)
               for x in self.indicators[f][1:]]
        out += [(self.outcome, "~", f) for f in self.predictors]
        out += [(self.outcome, "~", term) for term in self.terms]
        out += [(x, "~~", x) for x in self.observed]
        out.append((self.outcome, "~~", self.outcome))
        out += [(a, "~~", b) for i, a in enumerate(self.latents) for b in self.latents[i:]]
        out += [(x, "~1", "") for x in self.observed]
        return out

    def unpack(self, theta: np.ndarray) -> LmsMatrices:
        """The matrices at the parameter vector ``theta`` (order of :meth:`rows`)."""
        import numpy as np

        observed = self.observed
        k, p = len(self.latents), len(observed)
        factors = (*self.latents, self.outcome)
        position = {x: i for i, x in enumerate(observed)}
        loadings = np.zeros((p, k + 1), dtype=theta.dtype)
        at = 0
        for col, f in enumerate(factors):
            loadings[position[self.indicators[f][0]], col] = 1.0
            for x in self.indicators[f][1:]:
                loadings[position[x], col] = theta[at]
                at += 1
        gamma = np.zeros(k, dtype=theta.dtype)
        for f in self.predictors:
            gamma[self.latents.index(f)] = theta[at]
            at += 1
        omega = theta[at:at + len(self.products)]
        at += len(self.products)
        residuals = theta[at:at + p]
        psi = theta[at + p]
        at += p + 1
        phi = np.zeros((k, k), dtype=theta.dtype)
        for i in range(k):
            for j in range(i, k):
                phi[i, j] = phi[j, i] = theta[at]
                at += 1
        return LmsMatrices(loadings, theta[at:at + p], residuals, phi, gamma, omega, psi)


def _nonlinear_pair(rhs: str) -> tuple[str, str] | None:
    """``X:W`` -> (X, W); ``X:X`` and ``I(X^2)`` -> (X, X); a linear name -> None."""
    from semwb.sem.terms import parse_term

    term = parse_term(rhs)
    if term is None:
        return None
    if len(term.factors) != 2:
        raise SpecError(f"'{rhs}': LMS fits two-way interactions and quadratic terms only")
    return term.factors[0], term.factors[1]


def lms_model(parsed: ParsedSyntax, *, source: str) -> LmsModel:
    """Read the latent moderated structural equation of ``parsed``.

    Raises
    ------
    SpecError
        When the syntax is not one structural equation of a latent outcome on measured exogenous
        latents and their products (what LMS fits here), naming the source and what to change.
    """
    latents = set(parsed.latents)
    indicators: dict[str, list[str]] = {}
    problems: list[str] = []
    for t in parsed.terms:
        if t.op == "=~":
            if t.rhs in latents:
                problems.append(f"'{t.lhs} =~ {t.rhs}' is a second-order factor")
            indicators.setdefault(t.lhs, []).append(t.rhs)
        elif t.op != "~" or t.fixed is not None:
            problems.append(f"line {t.line}: '{t.lhs} {t.op} {t.rhs}' (only =~ lines and one "
                            "free ~ equation)")
    equations = [t for t in parsed.terms if t.op == "~"]
    outcomes = {t.lhs for t in equations}
    if len(outcomes) != 1 or not outcomes <= latents:
        problems.append("one structural equation with a latent outcome is needed, got "
                        f"{', '.join(sorted(outcomes)) or 'none'}")
    if parsed.definitions or parsed.constraints:
        problems.append("':=' definitions and constraints")
    predictors: list[str] = []
    pairs: list[tuple[str, str]] = []
    terms: list[str] = []
    for t in equations:
        try:
            pair = _nonlinear_pair(t.rhs)
        except SpecError as exc:
            problems.append(str(exc))
            continue
        named = pair if pair is not None else (t.rhs,)
        strays = [n for n in named if n not in latents or n in outcomes]
        if strays:
            problems.append(f"'{t.rhs}' needs exogenous latents; {', '.join(strays)} is not one")
        elif pair is None:
            predictors.append(t.rhs)
        else:
            pairs.append(pair)
            terms.append(t.rhs)
    if not pairs and not problems:
        problems.append("no latent interaction or quadratic term (X:W, X:X or I(X^2))")
    if problems:
        raise SpecError(f"{source}: LMS cannot fit this model: {'; '.join(problems)}. LMS here "
                        "fits 'Y ~ X + W + X:W' with latent Y, X, W measured by observed "
                        "items; use 'latent_interaction: dmc' (product indicators) otherwise.")
    outcome = next(iter(outcomes))
    involved = list(dict.fromkeys(n for pair in pairs for n in pair))
    order = (*involved, *(f for f in indicators if f not in involved and f != outcome))
    return LmsModel(
        outcome=outcome, latents=order,
        indicators={f: tuple(xs) for f, xs in indicators.items()},
        predictors=tuple(predictors),
        products=tuple((order.index(a), order.index(b)) for a, b in pairs),
        terms=tuple(terms))
