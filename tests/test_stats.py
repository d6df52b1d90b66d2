import numpy as np
import pytest

from benchmarks.core.stats import (ESTIMATOR, ESTIMATORS, NOISY_CV, UNSTEADY_SPREAD, bootstrap_ci, bootstrap_median_ci,
                             headline, minimum_of_k, paired_ratio, process_spread, ratio_ci, settling, summarize,
                             trimmed_mean, winsorized_variance)


def test_median_and_cv_of_known_samples():
    s = summarize([[1.0, 2.0, 3.0, 4.0, 100.0]])
    assert s["median_ms"] == 3.0
    assert s["n_samples"] == 5
    assert s["cv"] == pytest.approx(np.std([1, 2, 3, 4, 100], ddof=1) / 22.0)
    assert s["noisy"] is True


def test_constant_samples_are_quiet_and_ci_collapses():
    s = summarize([[2.0] * 20, [2.0] * 20])
    assert s["cv"] == 0.0 and s["noisy"] is False
    assert s["ci95_ms"] == [2.0, 2.0]


def test_ci_covers_true_median_about_95_percent():
    rng = np.random.default_rng(42)
    true_median = 10.0
    trials, hits = 200, 0
    for i in range(trials):
        samples = rng.normal(true_median, 1.0, size=60)
        lo, hi = bootstrap_median_ci([samples], resamples=400, seed=i)
        hits += lo <= true_median <= hi
    assert 0.88 <= hits / trials <= 0.99


def test_process_to_process_variance_widens_the_interval():
    rng = np.random.default_rng(1)
    same = [rng.normal(10, 0.1, 50) for _ in range(3)]
    shifted = [rng.normal(mu, 0.1, 50) for mu in (9.0, 10.0, 11.0)]
    width = lambda groups: np.diff(bootstrap_median_ci(groups))[0]  # noqa: E731
    assert width(shifted) > 5 * width(same)


def test_ratio_interval_brackets_ratio():
    a = {"time_ms": 2.0, "time_ci95_ms": [1.9, 2.1]}
    b = {"time_ms": 1.0, "time_ci95_ms": [0.95, 1.05]}
    lo, hi = ratio_ci(a, b)
    assert lo < 2.0 < hi
    assert lo == pytest.approx(1.9 / 1.05)


def test_noise_threshold_matches_pyperf():
    """pyperf warns when the standard deviation reaches 10% of the mean: the flag follows that rule."""
    assert not summarize([[10.0, 10.9, 9.1, 10.0]])["noisy"]  # CV 7%
    assert summarize([[10.0, 12.0, 8.0, 10.0]])["noisy"]  # CV 16%
    assert NOISY_CV == 0.10


def test_no_samples_is_an_error_not_an_interval():
    with pytest.raises(ValueError):
        bootstrap_median_ci([[]])


def test_low_estimators_sit_below_the_median():
    s = summarize([[1.0, 2.0, 3.0, 4.0, 100.0], [1.5, 2.5]])
    assert s["min_ms"] == 1.0
    assert s["min_ms"] <= s["p10_ms"] <= s["median_ms"]
    assert s["p10_ms"] == pytest.approx(1.3)  # numpy's linear interpolation over 7 pooled samples


def test_headline_is_the_chosen_estimator_with_its_own_interval():
    rng = np.random.default_rng(3)
    groups = [5.0 + rng.exponential(0.5, 80) for _ in range(3)]  # noise that only adds time
    s = summarize(groups)
    field = ESTIMATORS[ESTIMATOR][0]
    assert s["estimator"] == ESTIMATOR and s["time_ms"] == s[field]
    lo, hi = s["time_ci95_ms"]
    assert lo <= s["time_ms"] <= hi
    assert s["time_ci95_ms"] != s["ci95_ms"]  # the median's interval is kept beside it, not reused


def test_bootstrap_of_the_minimum_stays_within_the_samples():
    groups = [[3.0, 3.5, 4.0], [3.2, 3.3, 5.0]]
    lo, hi = bootstrap_ci(groups, ESTIMATORS["minimum"][1])
    assert 3.0 <= lo <= hi <= 3.3  # a resample's minimum is one of the samples, at most the largest group minimum


def test_processes_that_settle_differently_mark_the_cell_unsteady():
    agree = summarize([[10.0, 10.4], [10.2, 10.6], [10.1, 11.0]])
    apart = summarize([[10.0, 10.4], [13.0, 13.3], [10.1, 11.0]])
    assert agree["process_spread"] == pytest.approx(0.02) and not agree["unsteady"]
    assert apart["process_spread"] == pytest.approx(0.30) and apart["unsteady"]
    assert UNSTEADY_SPREAD == 0.10
    assert summarize([[1.0, 9.0]])["process_spread"] == 0.0  # one process: nothing to disagree with


def test_records_older_than_the_estimator_read_as_their_median():
    old = headline({"median_ms": 4.0, "ci95_ms": [3.9, 4.1]})
    assert (old["time_ms"], old["time_ci95_ms"], old["estimator"]) == (4.0, [3.9, 4.1], "median")
    new = {"median_ms": 4.0, "time_ms": 3.5, "estimator": "minimum"}
    assert headline(new) is new


@pytest.mark.parametrize("n,k", [(1, 3), (3, 3), (4, 2), (5, 3), (6, 3), (9, 3), (7, 1)])
def test_the_minimum_of_k_processes_is_the_median_over_every_k_of_them(n, k):
    from itertools import combinations

    rng = np.random.default_rng(n * 10 + k)
    groups = [rng.normal(10, 1, 5).tolist() for _ in range(n)]
    brute = np.median([min(min(groups[i]) for i in chosen) for chosen in combinations(range(n), min(k, n))])
    assert minimum_of_k(groups, k) == pytest.approx(brute)
    if n <= k:  # as many processes as the others, or fewer: the plain minimum, interval and all
        assert minimum_of_k(groups, k) == min(map(min, groups))
        assert bootstrap_ci(groups, np.nanmin, over_processes=k) == bootstrap_ci(groups, np.nanmin)
    lo, hi = bootstrap_ci(groups, np.nanmin, over_processes=k)
    assert min(map(min, groups)) <= lo <= minimum_of_k(groups, k) <= hi


def test_a_cell_with_more_processes_is_judged_unsteady_as_if_it_had_k():
    minima = [1.0, 1.0, 1.0, 1.0, 1.0, 1.15]  # one slow process in six: every triple holding it spreads 15%
    groups = [[m, m * 1.2] for m in minima]
    assert process_spread(groups) == pytest.approx(0.15)
    assert process_spread(groups, k=3) == pytest.approx(0.075)  # half the 20 triples hold it: the median of 0 and 15%
    assert summarize(groups)["unsteady"] and not summarize(groups, over_processes=3)["unsteady"]
    assert process_spread(groups[:3], k=3) == process_spread(groups[:3])  # k processes or fewer: unchanged


def test_a_stray_pair_barely_moves_the_paired_ratio():
    """One trial pair of ten caught by a burst of other work (3x on one side) moves the trimmed ratio by
    under 2%; the plain geometric mean would move by 12%."""
    pairs = [[2.0 * f, 1.0] for f in (0.98, 0.99, 1.0, 1.0, 1.01, 1.02, 0.99, 1.01, 1.0)] + [[6.0, 1.0]]
    ratio, lo, hi = paired_ratio([pairs])
    assert ratio == pytest.approx(2.0, rel=0.02) and lo < 2.0 < hi
    assert np.exp(np.mean(np.log([a / b for a, b in pairs]))) > 2.2


def test_the_trimmed_mean_and_winsorized_variance_of_known_values():
    assert trimmed_mean([1, 2, 3, 4, 100]) == 3.0  # 20% of 5: one value off each end
    assert trimmed_mean([1, 2, 3, 4]) == 2.5  # 20% of 4 is no whole value: nothing trimmed
    assert winsorized_variance([1, 2, 3, 4, 100]) == pytest.approx(np.var([2, 2, 3, 4, 4], ddof=1))
    assert winsorized_variance([5.0]) == 0.0


def test_a_cell_keeps_its_own_settling_only_where_its_processes_lie_surely_farther_apart_than_pooled():
    rng = np.random.default_rng(3)

    def cell(offsets):
        return [[[2.0 * np.exp(o + rng.normal(0, 0.03)), 1.0] for _ in range(10)] for o in offsets]

    apart = settling(cell([0.0, 0.4]), between=0.001)  # a bimodal framework's two worker sets
    assert apart == pytest.approx(0.4 ** 2 / 2, rel=0.3)
    assert settling(cell([0.0, 0.01]), between=0.001) == 0.001  # within what the pairs' scatter explains
    assert settling([cell([0.0])[0]], between=0.002) == 0.002  # one process: the pooled figure


def test_processes_whose_page_faults_lie_far_apart_are_told_from_those_alike():
    from benchmarks.core import stats

    assert stats.faults_apart({"process_page_faults": [48.0, 4758.0]})
    assert not stats.faults_apart({"process_page_faults": [7280.0, 7000.0]})  # both map afresh: alike
    assert not stats.faults_apart({"process_page_faults": [16212.6, 12395.4]})
    assert not stats.faults_apart({"process_page_faults": [0.0, stats.FAULTS_APART - 1]})
    assert not stats.faults_apart({"process_page_faults": [5000.0]}) and not stats.faults_apart({})
