# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Statistics that judge the new colour (canary) against the old one (baseline).

Pure functions of plain numbers, standard library only, deterministic: the same
inputs give the same verdict, and ``as_dict`` of it is byte-identical, so a
verdict stored in the ledger can be recomputed from its stored inputs.

* ``compare_error_rates`` — one-sided conditional exact test (Fisher's exact
  test, generalised to a tolerated odds ratio through Fisher's noncentral
  hypergeometric distribution) on the two colours' 5xx and request counts.
* ``compare_latency`` — one-sided Mann-Whitney U test of the canary against the
  baseline slowed by the tolerance, Hodges-Lehmann estimate of the latency
  ratio with its distribution-free (Moses) interval.
* ``exact_power`` / ``min_requests_for_power`` — how ``DEFAULT_MIN_REQUESTS``
  was derived.
* ``combine`` — any FAIL fails, else any INCONCLUSIVE, else PASS.
* ``Verdict.as_dict`` / ``recompute`` — the ledger's form and its re-run.

Statuses: PASS, FAIL, INCONCLUSIVE. A comparison that cannot judge (too few
requests or datapoints) is INCONCLUSIVE, never PASS.
"""

from __future__ import annotations

import functools
import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

PASS = "PASS"  # noqa: S105 - a verdict, not a password
FAIL = "FAIL"
INCONCLUSIVE = "INCONCLUSIVE"

DEFAULT_ALPHA = 0.05
# Requests each colour must have served in the window before its error rate is
# judged. min_requests_for_power(0.01, 0.02, canary_share=0.5) gives 2700: the
# fewest per colour at equal traffic (the worst case once both colours hold the
# minimum; more on either side only adds power) with exact power >= 0.9 to catch
# 1 % -> 2 % at alpha 0.05. Rounded up to 3000, where the exact power is 0.931
# (0.995 with a 10 % canary and 9x the baseline, 0.996 with a 90 % canary);
# tests/unit/test_release_stats.py checks these numbers.
DEFAULT_MIN_REQUESTS = 3000
# Canary 5xx needed before an error-rate FAIL: 0 or 1 error never rolls back.
DEFAULT_MIN_ERRORS = 2
# Latency datapoints each colour must have (30 = five minutes of 10-second
# high-resolution datapoints); under it the caller applies the fixed limit.
DEFAULT_MIN_DATAPOINTS = 30
DEFAULT_LATENCY_TOLERANCE = 0.10

_SIGNIFICANT = 6
# Terms of a distribution below this fraction of its mode are left out of the
# bulk tables (the mass left out is far below any alpha used).
_NEGLIGIBLE = 1e-20
# Exact Mann-Whitney null distribution when neither sample has ties and m*n is
# at most this (its cost grows as min(m, n) * m * n).
_EXACT_MW_PAIRS = 2500
# Pairwise differences for the Hodges-Lehmann estimate: each colour is thinned
# to this many evenly spaced order statistics above it (the test uses all).
_HL_POINTS = 400
_LOG_PSI_BOUND = 40.0
_BISECT_STEPS = 52
_SOLVER_STEPS = 100


@dataclass
class Verdict:
    """One comparison of the canary against the baseline.

    ``interval`` holds a two-sided interval at level 1 - 2*alpha, whose lower
    bound is also the one-sided 1 - alpha bound the test is consistent with.
    """

    kind: str
    status: str
    method: str
    alpha: float
    p_value: float | None
    statistic: dict[str, Any]
    effect: dict[str, Any]
    interval: dict[str, Any]
    inputs: dict[str, Any]
    reason: str
    summary: str = field(default="")

    def as_dict(self) -> dict[str, Any]:
        """JSON types only; computed floats rounded to 6 significant digits, inputs exact."""
        return {
            "kind": self.kind,
            "status": self.status,
            "method": self.method,
            "alpha": self.alpha,
            "p_value": _round(self.p_value),
            "statistic": _round(self.statistic),
            "effect": _round(self.effect),
            "interval": _round(self.interval),
            "inputs": _plain(self.inputs),
            "reason": self.reason,
            "summary": self.summary,
        }


def _round(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return float(f"{value:.{_SIGNIFICANT}g}")
    if isinstance(value, dict):
        return {str(key): _round(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_round(item) for item in value]
    raise TypeError(f"not a JSON value: {value!r}")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "∞"
    return f"{value:.{digits}g}"


def _pct(errors: int, requests: int) -> str:
    return f"{100.0 * errors / requests:.3g}%" if requests else "n/a"


def combine(*verdicts: Verdict | dict[str, Any] | str) -> str:
    """Any FAIL -> FAIL; else any INCONCLUSIVE (or nothing judged) -> INCONCLUSIVE; else PASS."""
    statuses = []
    for verdict in verdicts:
        if isinstance(verdict, Verdict):
            statuses.append(verdict.status)
        elif isinstance(verdict, dict):
            statuses.append(verdict["status"])
        else:
            statuses.append(verdict)
    unknown = set(statuses) - {PASS, FAIL, INCONCLUSIVE}
    if unknown:
        raise ValueError(f"unknown verdict status {sorted(unknown)}")
    if FAIL in statuses:
        return FAIL
    if INCONCLUSIVE in statuses or not statuses:
        return INCONCLUSIVE
    return PASS


def _check_alpha(alpha: float) -> None:
    if alpha <= 0.0 or alpha > 0.5:
        raise ValueError(f"alpha must be in (0, 0.5], got {alpha}")


# --- Fisher's noncentral hypergeometric distribution ------------------------
#
# Two colours with n1 and n0 requests and error probabilities p1 and p0; given
# k = e1 + e0 errors in all, the canary's count e1 follows Fisher's noncentral
# hypergeometric distribution with odds ratio psi = p1(1-p0) / (p0(1-p1)):
#     P(e1 = x | k)  ∝  C(n1, x) C(n0, k - x) psi^x.
# It does not depend on the unknown common rate, which is what makes the
# conditional test exact; psi = 1 is Fisher's exact test.


def _lchoose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


@dataclass(frozen=True)
class _Table:
    """The bulk of one conditional distribution: x = start .. start+len-1."""

    n1: int
    n0: int
    k: int
    log_psi: float
    start: int
    upper: tuple[float, ...]  # P(X >= x)
    lower: tuple[float, ...]  # P(X <= x)
    log_norm: float  # log of the normalising sum of C(n1,x) C(n0,k-x) psi^x

    def log_weight(self, x: int) -> float:
        return _lchoose(self.n1, x) + _lchoose(self.n0, self.k - x) + x * self.log_psi

    def sf(self, x: int) -> float:
        """P(X >= x), exact (far tails summed in log space)."""
        index = x - self.start
        if index < 0:
            return 1.0
        if index < len(self.upper):
            return self.upper[index]
        high = min(self.k, self.n1)
        if x > high:
            return 0.0
        return math.exp(_log_sum_walk(self.log_weight, x, high, 1) - self.log_norm)

    def cdf(self, x: int) -> float:
        """P(X <= x)."""
        index = x - self.start
        if index >= len(self.lower):
            return 1.0
        if index >= 0:
            return self.lower[index]
        low = max(0, self.k - self.n0)
        if x < low:
            return 0.0
        return math.exp(_log_sum_walk(self.log_weight, x, low, -1) - self.log_norm)


def _log_sum_walk(log_weight, first: int, last: int, step: int) -> float:
    """log of the sum of weights from ``first`` towards ``last`` (weights decreasing that way)."""
    head = log_weight(first)
    total = 0.0
    x = first
    while True:
        term = math.exp(log_weight(x) - head)
        total += term
        if term < 1e-17 * total or x == last:
            break
        x += step
    return head + math.log(total)


def _build_table(n1: int, n0: int, k: int, log_psi: float) -> _Table:
    low, high = max(0, k - n0), min(k, n1)
    psi = math.exp(log_psi)

    def ratio(x: int) -> float:  # weight(x + 1) / weight(x)
        return (n1 - x) * (k - x) * psi / ((x + 1) * (n0 - k + x + 1))

    lo, hi = low, high  # the mode: the first x whose successor weighs less
    while lo < hi:
        mid = (lo + hi) // 2
        if ratio(mid) < 1.0:
            hi = mid
        else:
            lo = mid + 1
    mode = lo
    above = [1.0]
    weight, x = 1.0, mode
    while x < high:
        weight *= ratio(x)
        x += 1
        if weight < _NEGLIGIBLE:
            break
        above.append(weight)
    below = []
    weight, x = 1.0, mode
    while x > low:
        weight /= ratio(x - 1)
        x -= 1
        if weight < _NEGLIGIBLE:
            break
        below.append(weight)
    weights = below[::-1] + above
    total = math.fsum(weights)
    upper, lower = [0.0] * len(weights), [0.0] * len(weights)
    acc = 0.0
    for i in range(len(weights) - 1, -1, -1):
        acc += weights[i]
        upper[i] = min(1.0, acc / total)
    acc = 0.0
    for i, item in enumerate(weights):
        acc += item
        lower[i] = min(1.0, acc / total)
    log_mode = _lchoose(n1, mode) + _lchoose(n0, k - mode) + mode * log_psi
    return _Table(n1, n0, k, log_psi, mode - len(below), tuple(upper), tuple(lower), log_mode + math.log(total))


# p-values at the tolerated ratio repeat across a window's verdicts and simulations;
# the interval's bisection builds one-off tables and bypasses the cache.
_table = functools.lru_cache(maxsize=1024)(_build_table)


def _solve_log_psi(tail, target: float, start: float) -> float:
    """The log odds ratio where the increasing function ``tail`` reaches ``target``.

    Brackets the root by stepping out from ``start``, then the Illinois variant
    of regula falsi (a handful of evaluations instead of ~40 bisections).
    """
    lo = hi = min(max(start, -_LOG_PSI_BOUND), _LOG_PSI_BOUND)
    f_lo = f_hi = tail(lo) - target
    width = 1.0
    while f_lo > 0.0:
        if lo <= -_LOG_PSI_BOUND:
            return -math.inf
        hi, f_hi = lo, f_lo
        lo = max(lo - width, -_LOG_PSI_BOUND)
        f_lo, width = tail(lo) - target, width * 2.0
    while f_hi < 0.0:
        if hi >= _LOG_PSI_BOUND:
            return math.inf
        lo, f_lo = hi, f_hi
        hi = min(hi + width, _LOG_PSI_BOUND)
        f_hi, width = tail(hi) - target, width * 2.0
    side = 0
    for _step in range(_SOLVER_STEPS):
        if hi - lo < 1e-10 or f_hi == f_lo:
            break
        guess = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        f_guess = tail(guess) - target
        if abs(f_guess) <= 1e-13 * target:
            return guess
        if f_guess < 0.0:
            lo, f_lo = guess, f_guess
            if side == -1:
                f_hi /= 2.0
            side = -1
        else:
            hi, f_hi = guess, f_guess
            if side == 1:
                f_lo /= 2.0
            side = 1
    return (lo + hi) / 2.0


def _odds_ratio_interval(n1: int, e1: int, n0: int, e0: int, alpha: float) -> tuple[float, float | None]:
    """Exact conditional (Cornfield) interval for the odds ratio, each bound one-sided 1 - alpha."""
    k = e1 + e0
    low, high = max(0, k - n0), min(k, n1)
    # Start from the sample log odds ratio (with 1/2 added to each cell, so it is finite).
    start = math.log((e1 + 0.5) * (n0 - e0 + 0.5) / ((e0 + 0.5) * (n1 - e1 + 0.5)))
    if e1 <= low:
        lower = 0.0
    else:
        lower = math.exp(_solve_log_psi(lambda t: _build_table(n1, n0, k, t).sf(e1), alpha, start))
    if e1 >= high:
        upper = None
    else:
        log_upper = _solve_log_psi(lambda t: 1.0 - _build_table(n1, n0, k, t).cdf(e1), 1.0 - alpha, start)
        upper = None if math.isinf(log_upper) else math.exp(log_upper)
    return lower, upper


def _binom_log_pmf(n: int, p: float, x: int) -> float:
    return _lchoose(n, x) + x * math.log(p) + (n - x) * math.log1p(-p)


def _rate_upper_bound(n: int, e: int, alpha: float) -> float:
    """One-sided 1 - alpha Clopper-Pearson upper bound of an error rate: P(Bin(n, p) <= e) = alpha."""
    if e >= n:
        return 1.0
    if e == 0:
        return -math.expm1(math.log(alpha) / n)
    lo, hi = e / n, 1.0
    for _step in range(_BISECT_STEPS):
        mid = (lo + hi) / 2.0
        # P(X <= e) at a rate above e/n: terms grow towards e, so sum downwards from e.
        log_cdf = _log_sum_walk(lambda x, p=mid: _binom_log_pmf(n, p, x), e, 0, -1)
        if log_cdf > math.log(alpha):
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


# --- error rate -----------------------------------------------------------------

ERROR_METHOD = "one-sided conditional exact test (Fisher; noncentral hypergeometric at the tolerated odds ratio)"


def compare_error_rates(
    canary_requests: int,
    canary_errors: int,
    baseline_requests: int,
    baseline_errors: int,
    *,
    alpha: float = DEFAULT_ALPHA,
    max_ratio: float = 1.0,
    min_requests: int = DEFAULT_MIN_REQUESTS,
    min_errors: int = DEFAULT_MIN_ERRORS,
    min_rate_increase: float = 0.0,
    interval: bool = True,
) -> Verdict:
    """Judge the canary's 5xx rate against the baseline's on the same window.

    H0: the canary's odds of an error are at most ``max_ratio`` times the
    baseline's. FAIL when the one-sided exact conditional p-value is <= alpha
    AND the canary has at least ``min_errors`` errors AND its observed rate
    exceeds the baseline's by at least ``min_rate_increase`` (the floors only
    remove FAILs, so the false-alarm rate stays <= alpha). INCONCLUSIVE when
    either colour served fewer than ``min_requests``. ``interval=False`` skips
    the confidence interval (the status never depends on it).
    """
    _check_alpha(alpha)
    for name, value in (("canary", (canary_requests, canary_errors)), ("baseline", (baseline_requests, baseline_errors))):
        if value[1] < 0 or value[1] > value[0]:
            raise ValueError(f"{name}: need 0 <= errors <= requests, got {value[1]} errors in {value[0]} requests")
    if max_ratio < 1.0 or min_requests < 1 or min_errors < 0 or min_rate_increase < 0.0:
        raise ValueError("max_ratio >= 1, min_requests >= 1, min_errors >= 0 and min_rate_increase >= 0 are required")
    n1, e1, n0, e0 = canary_requests, canary_errors, baseline_requests, baseline_errors
    inputs = {
        "canary_requests": n1,
        "canary_errors": e1,
        "baseline_requests": n0,
        "baseline_errors": e0,
        "alpha": alpha,
        "max_ratio": max_ratio,
        "min_requests": min_requests,
        "min_errors": min_errors,
        "min_rate_increase": min_rate_increase,
        "interval": interval,
    }
    rate1 = e1 / n1 if n1 else None
    rate0 = e0 / n0 if n0 else None
    effect: dict[str, Any] = {
        "canary_rate": rate1,
        "baseline_rate": rate0,
        "rate_ratio": (rate1 / rate0) if rate1 is not None and rate0 else None,
        "rate_difference": (rate1 - rate0) if rate1 is not None and rate0 is not None else None,
        "odds_ratio": _odds_ratio(n1, e1, n0, e0),
    }
    judged = f"{n1} requests on the new colour, {n0} on the old"
    if n1 < min_requests or n0 < min_requests:
        short = [f"{name} {count} < {min_requests}" for name, count in (("new", n1), ("old", n0)) if count < min_requests]
        reason = f"too few requests to judge ({', '.join(short)} minimum per colour)"
        return Verdict(
            "error_rate",
            INCONCLUSIVE,
            ERROR_METHOD,
            alpha,
            None,
            {},
            effect,
            {},
            inputs,
            reason,
            f"5xx comparison INCONCLUSIVE: {reason}; {judged}",
        )
    k = e1 + e0
    p_value = _table(n1, n0, k, math.log(max_ratio)).sf(e1)
    statistic = {"name": "canary errors given all errors", "value": e1, "total_errors": k, "expected_at_h0": _expected(n1, n0, k, max_ratio)}
    significant = p_value <= alpha
    floors = []
    if e1 < min_errors:
        floors.append(f"{e1} error(s) on the new colour < min_errors {min_errors}")
    if rate1 - rate0 < min_rate_increase:
        floors.append(f"rate increase {100.0 * (rate1 - rate0):.3g} pp < min_rate_increase {100.0 * min_rate_increase:.3g} pp")
    if significant and not floors:
        status, reason = FAIL, f"the new colour's error rate is significantly higher (p {_fmt(p_value)} <= alpha {alpha})"
    elif significant:
        status, reason = PASS, f"significant (p {_fmt(p_value)}) but under the tolerated floor: {'; '.join(floors)}"
    else:
        status, reason = PASS, f"no significant increase (p {_fmt(p_value)} > alpha {alpha})"
    bounds: dict[str, Any] = {}
    if interval:
        lower, upper = _odds_ratio_interval(n1, e1, n0, e0, alpha)
        bounds = {
            "of": "odds_ratio",
            "level": 1.0 - 2.0 * alpha,
            "lower": lower,
            "upper": upper,
            "one_sided_level": 1.0 - alpha,
            "canary_rate_upper": _rate_upper_bound(n1, e1, alpha),
            "baseline_rate_upper": _rate_upper_bound(n0, e0, alpha),
        }
    ci_text = f", odds ratio {1 - 2 * alpha:.0%} CI {_fmt(bounds['lower'])}–{_fmt(bounds['upper'])}" if bounds else ""
    summary = (
        f"5xx {status}: new {_pct(e1, n1)} ({e1}/{n1}) vs old {_pct(e0, n0)} ({e0}/{n0}), "
        f"ratio {'n/a' if effect['rate_ratio'] is None else _fmt(effect['rate_ratio'])}{ci_text}, "
        f"one-sided exact p {_fmt(p_value)} (alpha {alpha}, tolerated ratio {max_ratio:g})"
    )
    return Verdict("error_rate", status, ERROR_METHOD, alpha, p_value, statistic, effect, bounds, inputs, reason, summary)


def _odds_ratio(n1: int, e1: int, n0: int, e0: int) -> float | None:
    """The sample odds ratio (None where a zero count leaves it undefined or infinite)."""
    denominator = e0 * (n1 - e1)
    return (e1 * (n0 - e0)) / denominator if denominator else None


def _expected(n1: int, n0: int, k: int, max_ratio: float) -> float:
    table = _table(n1, n0, k, math.log(max_ratio))
    total = 0.0
    for i in range(len(table.upper)):
        mass = table.upper[i] - (table.upper[i + 1] if i + 1 < len(table.upper) else 0.0)
        total += (table.start + i) * mass
    return total


# --- power and the minimum sample -------------------------------------------


@functools.lru_cache(maxsize=256)
def _binom_bulk(n: int, p: float) -> tuple[int, tuple[float, ...]]:
    """(start, pmf) over the bulk of Binomial(n, p) (terms under 1e-20 of the mode left out)."""
    if p <= 0.0:
        return 0, (1.0,)
    if p >= 1.0:
        return n, (1.0,)
    mode = min(n, int((n + 1) * p))
    odds = p / (1.0 - p)
    above, weight, x = [1.0], 1.0, mode
    while x < n:
        weight *= (n - x) / (x + 1) * odds
        x += 1
        if weight < _NEGLIGIBLE:
            break
        above.append(weight)
    below, weight, x = [], 1.0, mode
    while x > 0:
        weight *= x / (n - x + 1) / odds
        x -= 1
        if weight < _NEGLIGIBLE:
            break
        below.append(weight)
    weights = below[::-1] + above
    total = math.fsum(weights)
    return mode - len(below), tuple(item / total for item in weights)


def exact_power(
    canary_requests: int,
    baseline_requests: int,
    baseline_rate: float,
    canary_rate: float,
    *,
    alpha: float = DEFAULT_ALPHA,
    max_ratio: float = 1.0,
    min_errors: int = DEFAULT_MIN_ERRORS,
    min_rate_increase: float = 0.0,
) -> float:
    """P(compare_error_rates FAILs) when each colour's errors are Binomial(requests, rate), summed exactly.

    With canary_rate == baseline_rate this is the exact false-alarm rate.
    """
    _check_alpha(alpha)
    n1, n0 = canary_requests, baseline_requests
    start1, pmf1 = _binom_bulk(n1, canary_rate)
    start0, pmf0 = _binom_bulk(n0, baseline_rate)
    log_psi = math.log(max_ratio)
    critical: dict[int, int] = {}

    def first_failing(k: int) -> int:
        if k not in critical:
            table = _table(n1, n0, k, log_psi)
            index = bisect_left([-u for u in table.upper], -alpha)  # upper tails decrease
            x = table.start + index
            x = max(x, min_errors)
            while x <= k and (x / n1 - (k - x) / n0) < min_rate_increase:
                x += 1
            critical[k] = x
        return critical[k]

    total = 0.0
    for i, prob0 in enumerate(pmf0):
        e0 = start0 + i
        inner = 0.0
        for j, prob1 in enumerate(pmf1):
            e1 = start1 + j
            if e1 >= first_failing(e0 + e1):
                inner += prob1
        total += prob0 * inner
    return min(1.0, total)


def min_requests_for_power(
    baseline_rate: float = 0.01,
    canary_rate: float = 0.02,
    *,
    alpha: float = DEFAULT_ALPHA,
    power: float = 0.9,
    canary_share: float = 0.5,
    max_ratio: float = 1.0,
    min_errors: int = DEFAULT_MIN_ERRORS,
    step: int = 50,
    limit: int = 10_000_000,
) -> int:
    """Fewest canary requests (a multiple of ``step``) from which the exact power stays >= ``power``.

    The baseline serves canary_requests * (1 - share) / share (rounded up) on
    the same window. Exact power is not monotone in n (the counts are
    discrete), so the answer is the first n whose power and the power of the
    next four steps all reach the target.
    """
    if canary_share <= 0.0 or canary_share >= 1.0:
        raise ValueError("canary_share must be in (0, 1)")

    def reaches(n1: int) -> bool:
        n0 = math.ceil(n1 * (1.0 - canary_share) / canary_share)
        return exact_power(n1, n0, baseline_rate, canary_rate, alpha=alpha, max_ratio=max_ratio, min_errors=min_errors) >= power

    lo, hi = step, step
    while not reaches(hi):
        lo, hi = hi, hi * 2
        if hi > limit:
            raise ValueError(f"power {power} not reached within {limit} requests")
    while hi - lo > step:  # bisect to the first grid point that reaches the target
        mid = (lo + hi) // 2 // step * step
        if reaches(mid):
            hi = mid
        else:
            lo = mid
    n = hi
    while not all(reaches(n + step * j) for j in range(5)):
        n += step
    return n


# --- latency ----------------------------------------------------------------------

LATENCY_METHOD = "one-sided Mann-Whitney U against the baseline slowed by the tolerance"


@functools.lru_cache(maxsize=64)
def _mw_counts(m: int, n: int) -> tuple[int, ...]:
    """Number of orderings of m canary and n baseline values (no ties) giving U = 0..mn.

    The coefficients of the Gaussian binomial [m+n choose m] in q: the product
    over i = 1..m of (1 - q^(n+i)) / (1 - q^i), all in exact integers.
    """
    size = m * n + 1
    coef = [0] * size
    coef[0] = 1
    for i in range(1, m + 1):
        shift = n + i
        for j in range(size - 1, shift - 1, -1):
            coef[j] -= coef[j - shift]
        for j in range(i, size):
            coef[j] += coef[j - i]
    return tuple(coef)


def _mw_exact_sf(m: int, n: int, u: int) -> float:
    counts = _mw_counts(min(m, n), max(m, n))
    if u <= 0:
        return 1.0
    if u > m * n:
        return 0.0
    return sum(counts[u:]) / math.comb(m + n, m)


def _mw_exact_critical(m: int, n: int, alpha: float) -> int:
    """Smallest u with P(U >= u) <= alpha under H0 (m*n + 1 when there is none)."""
    counts = _mw_counts(min(m, n), max(m, n))
    whole = math.comb(m + n, m)
    tail = 0
    for u in range(m * n, -1, -1):
        tail += counts[u]
        if tail / whole > alpha:
            return u + 1
    return 0


def _ranks(values: list[float]) -> tuple[list[float], list[int]]:
    """Average ranks (1-based) of ``values`` and the sizes of the tie groups."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        average = (i + j) / 2.0 + 1.0
        for position in range(i, j + 1):
            ranks[order[position]] = average
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2.0


def _thin(values: list[float]) -> list[float]:
    ordered = sorted(values)
    if len(ordered) <= _HL_POINTS:
        return ordered
    step = (len(ordered) - 1) / (_HL_POINTS - 1)
    return [ordered[round(i * step)] for i in range(_HL_POINTS)]


def compare_latency(
    canary: Sequence[float],
    baseline: Sequence[float],
    *,
    alpha: float = DEFAULT_ALPHA,
    tolerance: float = DEFAULT_LATENCY_TOLERANCE,
    min_datapoints: int = DEFAULT_MIN_DATAPOINTS,
    interval: bool = True,
) -> Verdict:
    """Judge the canary's latency datapoints against the baseline's.

    H0: the canary is no slower than the baseline slowed by ``tolerance``
    (canary values are not stochastically larger than baseline * (1 +
    tolerance)). FAIL when the one-sided Mann-Whitney p-value is <= alpha.
    Exact null distribution when there are no ties and m*n <= 2500, else the
    normal approximation with tie and continuity corrections. Fewer than
    ``min_datapoints`` on either colour: INCONCLUSIVE, and the caller applies
    the fixed latency limit instead.
    """
    _check_alpha(alpha)
    if tolerance < 0.0 or min_datapoints < 2:
        raise ValueError("tolerance >= 0 and min_datapoints >= 2 are required")
    new, old = [float(x) for x in canary], [float(x) for x in baseline]
    for value in new + old:
        if not math.isfinite(value) or value < 0.0:
            raise ValueError(f"latency datapoints must be finite and >= 0, got {value}")
    m, n = len(new), len(old)
    inputs = {"canary": new, "baseline": old, "alpha": alpha, "tolerance": tolerance, "min_datapoints": min_datapoints, "interval": interval}
    effect: dict[str, Any] = {
        "canary_median": _median(new) if new else None,
        "baseline_median": _median(old) if old else None,
    }
    effect["median_ratio"] = effect["canary_median"] / effect["baseline_median"] if m and n and effect["baseline_median"] else None
    if m < min_datapoints or n < min_datapoints:
        reason = f"too few latency datapoints (new {m}, old {n}; {min_datapoints} needed per colour): fall back to the fixed limit"
        return Verdict("latency", INCONCLUSIVE, LATENCY_METHOD, alpha, None, {}, effect, {}, inputs, reason, f"latency comparison INCONCLUSIVE: {reason}")
    factor = 1.0 + tolerance
    combined = new + [x * factor for x in old]
    ranks, ties = _ranks(combined)
    u_stat = math.fsum(ranks[:m]) - m * (m + 1) / 2.0
    mean = m * n / 2.0
    total = m + n
    variance = m * n / 12.0 * ((total + 1) - sum(t**3 - t for t in ties) / (total * (total - 1)))
    exact = not ties and m * n <= _EXACT_MW_PAIRS
    if exact:
        p_value = _mw_exact_sf(m, n, round(u_stat))
        z_value = None
    elif variance <= 0.0:  # every value tied: no evidence either way
        p_value, z_value = 1.0, 0.0
    else:
        z_value = (u_stat - mean - 0.5) / math.sqrt(variance)
        p_value = 0.5 * math.erfc(z_value / math.sqrt(2.0))
    statistic = {"name": "U (pairs where new > old x (1 + tolerance))", "value": u_stat, "mean_at_h0": mean, "z": z_value, "exact": exact, "ties": sum(ties)}
    if p_value <= alpha:
        status, reason = FAIL, f"the new colour is significantly slower than the old + {tolerance:.0%} (p {_fmt(p_value)} <= alpha {alpha})"
    else:
        status, reason = PASS, f"no significant slowdown beyond {tolerance:.0%} (p {_fmt(p_value)} > alpha {alpha})"
    bounds: dict[str, Any] = {}
    if interval:
        effect["hodges_lehmann_ratio"], lower, upper = _hodges_lehmann(new, old, alpha, exact)
        bounds = {
            "of": "latency ratio new/old (Hodges-Lehmann, Moses interval)",
            "level": 1.0 - 2.0 * alpha,
            "lower": lower,
            "upper": upper,
            "one_sided_level": 1.0 - alpha,
        }
    ci_text = f", {1 - 2 * alpha:.0%} CI {_fmt(bounds['lower'])}–{_fmt(bounds['upper'])}" if bounds else ""
    ratio_text = _fmt(effect.get("hodges_lehmann_ratio", effect["median_ratio"]))
    summary = (
        f"latency {status}: median new {_fmt(effect['canary_median'])} vs old {_fmt(effect['baseline_median'])} "
        f"({m} vs {n} datapoints), ratio {ratio_text}{ci_text}, one-sided Mann-Whitney p {_fmt(p_value)} (alpha {alpha}, tolerated {tolerance:.0%})"
    )
    return Verdict("latency", status, LATENCY_METHOD, alpha, p_value, statistic, effect, bounds, inputs, reason, summary)


def _hodges_lehmann(new: list[float], old: list[float], alpha: float, exact: bool) -> tuple[float, float | None, float | None]:
    """Median of the pairwise log ratios new/old, and its Moses bounds (each one-sided 1 - alpha)."""
    tiny = 1e-9  # a 0 ms datapoint has no logarithm; it stands for the smallest latency
    logs1 = [math.log(max(x, tiny)) for x in _thin(new)]
    logs0 = [math.log(max(x, tiny)) for x in _thin(old)]
    diffs = sorted(a - b for a in logs1 for b in logs0)
    m, n = len(logs1), len(logs0)
    pairs = m * n
    estimate = math.exp(_median(diffs))
    if exact and m == len(new) and n == len(old):
        critical = _mw_exact_critical(m, n, alpha)
    else:
        z_alpha = NormalDist().inv_cdf(1.0 - alpha)
        critical = math.ceil(pairs / 2.0 + 0.5 + z_alpha * math.sqrt(pairs * (m + n + 1) / 12.0))
    if critical > pairs:
        return estimate, None, None
    # P(U >= critical) <= alpha: the lower bound is the (pairs - critical + 1)-th smallest difference.
    lower = math.exp(diffs[pairs - critical])
    upper = math.exp(diffs[critical - 1])
    return estimate, lower, upper


# --- the ledger's form ----------------------------------------------------------


def recompute(stored: dict[str, Any]) -> Verdict:
    """Re-run a comparison from the inputs of its stored ``as_dict`` form (the caller compares)."""
    inputs = dict(stored["inputs"])
    if stored["kind"] == "error_rate":
        return compare_error_rates(
            inputs.pop("canary_requests"), inputs.pop("canary_errors"), inputs.pop("baseline_requests"), inputs.pop("baseline_errors"), **inputs
        )
    if stored["kind"] == "latency":
        return compare_latency(inputs.pop("canary"), inputs.pop("baseline"), **inputs)
    raise ValueError(f"unknown comparison kind {stored['kind']!r}")


def recomputed_matches(stored: dict[str, Any]) -> bool:
    """True when re-running the stored inputs gives the stored verdict byte for byte."""
    return recompute(stored).as_dict() == stored
