import numpy as np
import pytest

from benchmarks.stats import NOISY_CV, bootstrap_median_ci, ratio_ci, summarize


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
    a = {"median_ms": 2.0, "ci95_ms": [1.9, 2.1]}
    b = {"median_ms": 1.0, "ci95_ms": [0.95, 1.05]}
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
