"""The statistics that judge the new colour against the old one, proven by simulation.

Every simulation uses fixed seeds (random.Random) so a run is reproducible;
each assertion message reports the observed rate. The error counts are drawn
by inverting the exact binomial CDF (an independent sampler written here, not
the library's), so the simulated data are exactly binomial.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import random
from bisect import bisect_left
from fractions import Fraction

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.release import stats

ALPHA = 0.05
MIN = stats.DEFAULT_MIN_REQUESTS
SEEDS = (11, 2026, 90210)


@functools.cache
def _binomial_cdf(n: int, p: float) -> tuple[int, list[float]]:
    """Cumulative Binomial(n, p) probabilities over mean ± 14 sd, from lgamma (exact to float precision)."""
    sd = math.sqrt(n * p * (1 - p))
    low, high = max(0, int(n * p - 14 * sd) - 2), min(n, int(n * p + 14 * sd) + 3)
    acc, out = 0.0, []
    for x in range(low, high + 1):
        log_pmf = math.lgamma(n + 1) - math.lgamma(x + 1) - math.lgamma(n - x + 1) + x * math.log(p) + (n - x) * math.log1p(-p)
        acc += math.exp(log_pmf)
        out.append(acc)
    return low, out


def draw(rng: random.Random, n: int, p: float) -> int:
    low, cdf = _binomial_cdf(n, p)
    return low + min(bisect_left(cdf, rng.random() * cdf[-1]), len(cdf) - 1)


def mc_allowance(alpha: float, runs: int) -> float:
    """Three Monte-Carlo standard errors of an observed rate whose truth is alpha."""
    return 3.0 * math.sqrt(alpha * (1 - alpha) / runs)


# --- exactness against known values ---------------------------------------------


def _direct_tail(n1: int, e1: int, n0: int, e0: int, psi: Fraction) -> Fraction:
    k = e1 + e0
    support = range(max(0, k - n0), min(k, n1) + 1)
    weights = {x: math.comb(n1, x) * math.comb(n0, k - x) * psi**x for x in support}
    return sum(w for x, w in weights.items() if x >= e1) / sum(weights.values())


@pytest.mark.parametrize("max_ratio", [1.0, 2.0])
def test_exact_tail_equals_the_direct_sum_for_small_counts(max_ratio):
    for n1, n0 in ((7, 12), (20, 30), (40, 15)):
        for e1, e0 in itertools.product(range(0, 8), range(0, 6)):
            verdict = stats.compare_error_rates(n1, e1, n0, e0, min_requests=1, min_errors=0, max_ratio=max_ratio, interval=False)
            expected = float(_direct_tail(n1, e1, n0, e0, Fraction(max_ratio)))
            assert verdict.p_value == pytest.approx(expected, rel=1e-9, abs=1e-15), (n1, e1, n0, e0)


def test_fishers_tea_tasting_p_value():
    # Fisher's lady tasting tea: 3 of 4 right vs 1 of 4 -> one-sided p = 17/70.
    verdict = stats.compare_error_rates(4, 3, 4, 1, min_requests=1, min_errors=0)
    assert verdict.p_value == pytest.approx(17 / 70, rel=1e-12)
    assert verdict.status == stats.PASS


def test_a_clear_regression_fails_with_its_evidence():
    verdict = stats.compare_error_rates(3000, 60, 3000, 30)
    assert verdict.status == stats.FAIL
    assert verdict.p_value < 0.01
    assert verdict.effect["rate_ratio"] == pytest.approx(2.0)
    assert verdict.effect["rate_difference"] == pytest.approx(0.01)
    assert 1.0 < verdict.interval["lower"] < 2.02 < verdict.interval["upper"]
    assert "60/3000" in verdict.summary and "30/3000" in verdict.summary


def test_the_tolerated_ratio_absorbs_a_small_increase():
    assert stats.compare_error_rates(20000, 260, 20000, 200).status == stats.FAIL
    assert stats.compare_error_rates(20000, 260, 20000, 200, max_ratio=1.5).status == stats.PASS


def test_one_error_against_none_never_fails():
    # A 1 % canary against a huge clean baseline: significant on paper, one request in fact.
    verdict = stats.compare_error_rates(MIN, 1, 1_000_000, 0)
    assert verdict.p_value <= ALPHA
    assert verdict.status == stats.PASS
    assert "min_errors" in verdict.reason


def test_the_absolute_floor_only_removes_fails():
    verdict = stats.compare_error_rates(200_000, 260, 200_000, 200, min_rate_increase=0.001)
    assert verdict.p_value <= ALPHA
    assert verdict.status == stats.PASS


@pytest.mark.parametrize(("n1", "n0"), [(MIN - 1, 10 * MIN), (10 * MIN, MIN - 1), (0, 0), (12, 40)])
def test_under_the_minimum_is_inconclusive_never_pass(n1, n0):
    for errors in (0, min(n1, 5)):
        verdict = stats.compare_error_rates(n1, errors, n0, 0)
        assert verdict.status == stats.INCONCLUSIVE
        assert "too few requests" in verdict.reason
        assert verdict.p_value is None


def test_zero_errors_on_both_sides_passes_with_a_sensible_interval():
    verdict = stats.compare_error_rates(MIN, 0, MIN, 0)
    assert verdict.status == stats.PASS
    assert verdict.p_value == 1.0
    assert verdict.interval["lower"] == 0.0 and verdict.interval["upper"] is None
    # The rule of three: 0 errors in n requests bounds the rate near 3/n.
    assert verdict.interval["canary_rate_upper"] == pytest.approx(-math.expm1(math.log(ALPHA) / MIN))
    assert 2.9 / MIN < verdict.interval["canary_rate_upper"] < 3.1 / MIN
    json.dumps(verdict.as_dict(), allow_nan=False)


def test_huge_counts_are_finite():
    verdict = stats.compare_error_rates(10**7, 50_800, 10**7, 50_000)
    record = verdict.as_dict()
    json.dumps(record, allow_nan=False)
    assert verdict.status == stats.FAIL
    assert 0.0 < verdict.p_value < ALPHA
    assert 1.0 < record["interval"]["lower"] < record["interval"]["upper"] < 1.05
    quiet = stats.compare_error_rates(10**7, 50_000, 10**7, 50_100)
    assert quiet.status == stats.PASS and 0.5 < quiet.p_value < 1.0
    # A far tail is reported, not rounded to zero.
    extreme = stats.compare_error_rates(10**7, 60_000, 10**7, 50_000, interval=False)
    assert 0.0 < extreme.p_value < 1e-100


def test_invalid_counts_are_refused():
    with pytest.raises(ValueError, match="errors <= requests"):
        stats.compare_error_rates(10, 11, 10, 0)
    with pytest.raises(ValueError, match="alpha"):
        stats.compare_error_rates(10, 1, 10, 0, alpha=0.0)


# --- A/A: the false-rollback rate ----------------------------------------------------

# (true error rate, canary requests, baseline requests): the minimum at 50 % and
# 10 % canary shares, and ten times the minimum.
AA_CASES = [(rate, n1, n0) for rate in (0.001, 0.01, 0.05) for n1, n0 in ((MIN, MIN), (MIN, 9 * MIN), (10 * MIN, 10 * MIN))]
AA_RUNS = 2400


@pytest.mark.parametrize(("rate", "n1", "n0"), AA_CASES)
def test_aa_false_fail_rate_is_at_most_alpha(rate, n1, n0):
    fails = 0
    for seed in SEEDS:
        rng = random.Random(f"{seed}-{rate}-{n1}-{n0}")
        for _run in range(AA_RUNS // len(SEEDS)):
            e1, e0 = draw(rng, n1, rate), draw(rng, n0, rate)
            fails += stats.compare_error_rates(n1, e1, n0, e0, interval=False).status == stats.FAIL
    observed = fails / AA_RUNS
    assert observed <= ALPHA, f"A/A at {rate:.1%}, {n1} vs {n0} requests: false FAIL rate {observed:.4f} > {ALPHA} ({AA_RUNS} steps)"


@pytest.mark.parametrize(("rate", "n1", "n0"), [(0.001, MIN, MIN), (0.01, MIN, MIN), (0.05, MIN, MIN), (0.01, MIN, 9 * MIN), (0.05, MIN, 9 * MIN)])
def test_aa_exact_false_fail_rate_is_at_most_alpha(rate, n1, n0):
    size = stats.exact_power(n1, n0, rate, rate)
    assert 0.0 < size <= ALPHA, f"exact false FAIL rate {size:.4f} at {rate:.1%}, {n1} vs {n0}"


# --- power at the catalogue's minimum sample -----------------------------------------

SPLITS = [(MIN, MIN), (MIN, 9 * MIN), (9 * MIN, MIN)]  # canary share 50 %, 10 %, 90 %; each colour >= MIN


@pytest.mark.parametrize(("n1", "n0"), SPLITS)
def test_doubled_error_rate_is_caught_at_the_minimum(n1, n0):
    runs, fails = 1200, 0
    for seed in SEEDS:
        rng = random.Random(f"power-{seed}-{n1}-{n0}")
        for _run in range(runs // len(SEEDS)):
            fails += stats.compare_error_rates(n1, draw(rng, n1, 0.02), n0, draw(rng, n0, 0.01), interval=False).status == stats.FAIL
    observed = fails / runs
    assert observed >= 0.9, f"1 % -> 2 % at {n1} vs {n0} requests caught in {observed:.3f} of {runs} steps"
    assert stats.exact_power(n1, n0, 0.01, 0.02) >= 0.9


def test_the_default_minimum_is_what_the_power_calculation_asks_for():
    needed = stats.min_requests_for_power(0.01, 0.02, canary_share=0.5)
    assert needed <= MIN < 1.5 * needed
    assert stats.exact_power(needed, needed, 0.01, 0.02) >= 0.9
    # Half the minimum is clearly not enough: the minimum is not arbitrary.
    assert stats.exact_power(MIN // 2, MIN // 2, 0.01, 0.02) < 0.75
    # A 10 % canary share needs fewer canary requests, because the baseline holds nine times more.
    assert stats.min_requests_for_power(0.01, 0.02, canary_share=0.1) < needed


# --- the interval ----------------------------------------------------------------------


def test_odds_ratio_interval_covers_the_truth():
    p0, p1, n = 0.01, 0.02, 1500
    truth = p1 * (1 - p0) / (p0 * (1 - p1))
    rngs = [random.Random(f"odds-{seed}") for seed in SEEDS]
    runs = 600
    below = above = 0
    for _run in range(runs):
        rng = rngs[_run % len(rngs)]
        verdict = stats.compare_error_rates(n, draw(rng, n, p1), n, draw(rng, n, p0), min_requests=1)
        lower, upper = verdict.interval["lower"], verdict.interval["upper"]
        below += lower > truth
        above += upper is not None and upper < truth
    # Each bound is conservative (exact coverage 0.964 and 0.963 here, summed below), so the
    # observed coverage may still dip under 0.95 by chance: three Monte-Carlo standard errors.
    bound = 1 - ALPHA - mc_allowance(ALPHA, runs)
    assert 1 - below / runs >= bound, f"lower bound coverage {1 - below / runs:.3f} < {bound:.3f}"
    assert 1 - above / runs >= bound, f"upper bound coverage {1 - above / runs:.3f} < {bound:.3f}"


def test_odds_ratio_interval_exact_coverage():
    """Coverage summed over both binomial distributions (no sampling noise): each bound >= 1 - alpha."""
    p0, p1, n = 0.01, 0.02, 1500
    log_truth = math.log(p1 * (1 - p0) / (p0 * (1 - p1)))
    start, cdf = _binomial_cdf(n, p1)
    pmf1 = [b - a for a, b in zip([0.0, *cdf[:-1]], cdf, strict=True)]
    start0, cdf0 = _binomial_cdf(n, p0)
    pmf0 = [b - a for a, b in zip([0.0, *cdf0[:-1]], cdf0, strict=True)]
    lower_covers = upper_covers = 0.0
    for i, prob0 in enumerate(pmf0):
        for j, prob1 in enumerate(pmf1):
            e0, e1 = start0 + i, start + j
            table = stats._table(n, n, e0 + e1, log_truth)
            # The lower bound is above the truth exactly when P_truth(X >= e1) < alpha, and so on.
            lower_covers += prob0 * prob1 * (table.sf(e1) >= ALPHA)
            upper_covers += prob0 * prob1 * (table.cdf(e1) >= ALPHA)
    assert lower_covers >= 1 - ALPHA - 1e-9, lower_covers
    assert upper_covers >= 1 - ALPHA - 1e-9, upper_covers
    assert 0.95 <= lower_covers < 0.99 and 0.95 <= upper_covers < 0.99, "the bounds are conservative, not vacuous"


def test_the_test_and_its_interval_agree():
    rng = random.Random(3)
    for _run in range(60):
        n1, n0 = rng.randint(500, 5000), rng.randint(500, 5000)
        verdict = stats.compare_error_rates(n1, draw(rng, n1, 0.03), n0, draw(rng, n0, 0.02), min_requests=1, min_errors=0)
        assert (verdict.status == stats.FAIL) == (verdict.interval["lower"] > 1.0), verdict.summary


# --- latency ----------------------------------------------------------------------------


def _brute_force_mw_p(new, old):
    """P(U >= observed) by enumerating every split of the pooled values (no ties)."""
    pooled = new + old
    observed = sum(a > b for a in new for b in old)
    hits = total = 0
    for chosen in itertools.combinations(range(len(pooled)), len(new)):
        group = [pooled[i] for i in chosen]
        rest = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        hits += sum(a > b for a in group for b in rest) >= observed
        total += 1
    return hits / total


def test_mann_whitney_exact_p_values_match_enumeration():
    # Hand case: both new values above both old ones -> U = 4, p = 1 / C(4, 2).
    two = stats.compare_latency([3.0, 4.0], [1.0, 2.0], tolerance=0.0, min_datapoints=2)
    assert two.statistic["exact"] and two.statistic["value"] == 4
    assert two.p_value == pytest.approx(1 / 6)
    rng = random.Random(5)
    for m, n in ((3, 4), (5, 5), (4, 7)):
        for _case in range(4):
            new = [rng.lognormvariate(0.1, 0.3) for _i in range(m)]
            old = [rng.lognormvariate(0.0, 0.3) for _i in range(n)]
            verdict = stats.compare_latency(new, old, tolerance=0.0, min_datapoints=2)
            assert verdict.p_value == pytest.approx(_brute_force_mw_p(new, old), rel=1e-12)


def test_mann_whitney_normal_approximation_is_close_to_exact():
    rng = random.Random(8)
    new = [rng.lognormvariate(0.15, 0.3) for _i in range(40)]
    old = [rng.lognormvariate(0.0, 0.3) for _i in range(40)]
    exact = stats.compare_latency(new, old, tolerance=0.0)
    approx = stats.compare_latency(new + [9.0] * 2, old + [9.0] * 2, tolerance=0.0)  # ties force the approximation
    assert exact.statistic["exact"] and not approx.statistic["exact"]
    assert approx.p_value == pytest.approx(exact.p_value, abs=0.02)


def test_latency_under_the_minimum_falls_back_to_the_fixed_limit():
    verdict = stats.compare_latency([120.0] * 5, [100.0] * 50)
    assert verdict.status == stats.INCONCLUSIVE
    assert "fall back to the fixed limit" in verdict.reason


def test_latency_regression_and_tolerated_slowdown():
    rng = random.Random(21)
    old = [rng.lognormvariate(math.log(100), 0.2) for _i in range(40)]
    slow = [x * 1.5 for x in old]
    assert stats.compare_latency(slow, old).status == stats.FAIL
    assert stats.compare_latency([x * 1.05 for x in old], old).status == stats.PASS
    verdict = stats.compare_latency(slow, old)
    assert verdict.effect["hodges_lehmann_ratio"] == pytest.approx(1.5)
    assert verdict.interval["lower"] <= 1.5 <= verdict.interval["upper"]


LATENCY_AA_RUNS = 2400


@pytest.mark.parametrize(("m", "n"), [(stats.DEFAULT_MIN_DATAPOINTS, stats.DEFAULT_MIN_DATAPOINTS), (30, 90), (150, 150)])
@pytest.mark.parametrize("tolerance", [0.0, stats.DEFAULT_LATENCY_TOLERANCE])
def test_latency_aa_false_fail_rate(m, n, tolerance):
    fails = 0
    exact = None
    for seed in SEEDS:
        rng = random.Random(f"latency-{seed}-{m}-{n}-{tolerance}")
        for _run in range(LATENCY_AA_RUNS // len(SEEDS)):
            new = [rng.lognormvariate(4.6, 0.4) for _i in range(m)]
            old = [rng.lognormvariate(4.6, 0.4) for _i in range(n)]
            verdict = stats.compare_latency(new, old, tolerance=tolerance, interval=False)
            exact = verdict.statistic["exact"]
            fails += verdict.status == stats.FAIL
    observed = fails / LATENCY_AA_RUNS
    # tolerance 0 is the edge of H0, where the size is ~alpha and the rate observed in
    # simulation scatters around it; the allowance is three Monte-Carlo standard errors.
    bound = ALPHA + mc_allowance(ALPHA, LATENCY_AA_RUNS)
    assert observed <= bound, f"latency A/A {m} vs {n}, tolerance {tolerance}: false FAIL {observed:.4f} > {bound:.4f} (exact={exact})"
    if tolerance > 0:  # well inside H0: a slowdown of up to 10 % is tolerated, so A/A almost never fails
        assert observed <= ALPHA / 5, f"latency A/A with tolerance {tolerance}: {observed:.4f}"


def test_exact_mann_whitney_size_is_at_most_alpha():
    m = n = stats.DEFAULT_MIN_DATAPOINTS
    critical = stats._mw_exact_critical(m, n, ALPHA)
    assert stats._mw_exact_sf(m, n, critical) <= ALPHA < stats._mw_exact_sf(m, n, critical - 1)


def test_latency_regression_is_caught_at_the_minimum():
    # Per-period averages spread with sigma 0.2 on the log scale; the new colour 30 % slower.
    runs, fails = 1200, 0
    m = stats.DEFAULT_MIN_DATAPOINTS
    for seed in SEEDS:
        rng = random.Random(f"latency-power-{seed}")
        for _run in range(runs // len(SEEDS)):
            new = [1.3 * rng.lognormvariate(4.6, 0.2) for _i in range(m)]
            old = [rng.lognormvariate(4.6, 0.2) for _i in range(m)]
            fails += stats.compare_latency(new, old, interval=False).status == stats.FAIL
    observed = fails / runs
    assert observed >= 0.9, f"+30 % latency at {m} datapoints a colour caught in {observed:.3f} of {runs} steps"


def test_latency_interval_covers_the_true_ratio():
    # The Moses bounds are exact for continuous data (each misses with probability
    # P(U >= critical) = 0.0498 at 30 vs 30), so the observed coverage scatters around
    # 0.95: the allowance is three Monte-Carlo standard errors.
    runs, below, above = 1500, 0, 0
    for seed in SEEDS:
        rng = random.Random(f"moses-{seed}")
        for _run in range(runs // len(SEEDS)):
            new = [1.2 * rng.lognormvariate(4.6, 0.3) for _i in range(30)]
            old = [rng.lognormvariate(4.6, 0.3) for _i in range(30)]
            verdict = stats.compare_latency(new, old)
            below += verdict.interval["lower"] > 1.2
            above += verdict.interval["upper"] < 1.2
    bound = 1 - ALPHA - mc_allowance(ALPHA, runs)
    assert 1 - below / runs >= bound, f"lower bound coverage {1 - below / runs:.3f} < {bound:.3f}"
    assert 1 - above / runs >= bound, f"upper bound coverage {1 - above / runs:.3f} < {bound:.3f}"


# --- combining and the ledger's form -----------------------------------------------------


def test_combine_rule():
    assert stats.combine(stats.PASS, stats.INCONCLUSIVE, stats.FAIL) == stats.FAIL
    assert stats.combine(stats.PASS, stats.INCONCLUSIVE) == stats.INCONCLUSIVE
    assert stats.combine(stats.PASS, stats.PASS) == stats.PASS
    assert stats.combine() == stats.INCONCLUSIVE
    verdicts = [stats.compare_error_rates(MIN, 0, MIN, 0), stats.compare_latency([1.0] * 3, [1.0] * 3)]
    assert stats.combine(*verdicts) == stats.INCONCLUSIVE
    assert stats.combine(*(v.as_dict() for v in verdicts)) == stats.INCONCLUSIVE
    with pytest.raises(ValueError, match="unknown verdict status"):
        stats.combine("OK")


def test_recompute_gives_back_the_same_verdict_byte_for_byte():
    rng = random.Random(42)
    for _case in range(40):
        n1, n0 = rng.choice([50, MIN, 20_000]), rng.choice([MIN - 1, MIN, 50_000])
        verdict = stats.compare_error_rates(n1, draw(rng, n1, 0.02), n0, draw(rng, n0, 0.01), max_ratio=rng.choice([1.0, 1.2]))
        m, n = rng.choice([10, 30, 60]), rng.choice([30, 45])
        latency = stats.compare_latency(
            [rng.lognormvariate(4.7, 0.3) for _i in range(m)], [rng.lognormvariate(4.6, 0.3) for _i in range(n)], tolerance=rng.choice([0.0, 0.1])
        )
        for item in (verdict, latency):
            record = item.as_dict()
            text = json.dumps(record, sort_keys=True, allow_nan=False)
            stored = json.loads(text)
            assert stats.recompute(stored) == item
            assert json.dumps(stats.recompute(stored).as_dict(), sort_keys=True, allow_nan=False) == text
            assert stats.recomputed_matches(stored)


def test_a_tampered_record_no_longer_matches():
    stored = json.loads(json.dumps(stats.compare_error_rates(MIN, 60, MIN, 30).as_dict()))
    assert stats.recomputed_matches(stored)
    stored["inputs"]["canary_errors"] = 40
    assert not stats.recomputed_matches(stored)
