"""Summary statistics for timing samples grouped by worker process.

Every table, ratio and verdict reads one headline estimate per cell, `time_ms`, with its interval
`time_ci95_ms`; which estimator that is (ESTIMATOR) was chosen by evidence: the one whose ratios to
PyTorch agreed best between two independent full runs (docs/method.md). The median, 10th percentile
and minimum are all kept in every record, so a run can be re-read with another estimator.
"""
from __future__ import annotations

from itertools import combinations
from math import comb
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
from scipy.stats import chi2

NOISY_CV = 0.10  # pyperf warns when the standard deviation reaches 10% of the mean
UNSTEADY_SPREAD = 0.10  # processes whose estimates differ by more than this: the cell's state varies
FAULTS_APART = 500  # minor page faults per call: processes this far apart map memory afresh in one and not the other


def p10(values, axis=None):
    return np.nanquantile(values, 0.10, axis=axis)


# name -> (record field, function of samples along an axis; NaN marks no sample, as in the bootstrap)
ESTIMATORS: Dict[str, tuple] = {"median": ("median_ms", np.nanmedian), "10th percentile": ("p10_ms", p10),
                                "minimum": ("min_ms", np.nanmin)}
ESTIMATOR = "minimum"  # noise on this machine only adds time; see docs/method.md for the evidence


def middle_lowest(n: int, k: int) -> tuple:
    """Positions (lowest first) of the two of n sorted values whose mean is the median, over every k of them, of
    their lowest: the i-th lowest is the lowest of C(n-1-i, k-1) of the C(n, k) choices. With k >= n: (0, 0)."""
    k = max(1, min(k, n))
    total, below = comb(n, k), 0
    for i in range(n):  # the counts add up to C(n, k): the loop returns
        below += comb(n - 1 - i, k - 1)
        if 2 * below >= total:
            return i, (i + 1 if 2 * below == total and i + 1 < n else i)
    raise ValueError("no values")


def minimum_of_k(groups: Sequence[Sequence[float]], k: int) -> float:
    """The minimum a cell would show with k worker processes: the median, over every k of its processes, of
    their lowest sample; with k processes or fewer, simply the lowest sample. A cell with more processes than
    k (PyTorch's, the denominator of every ratio) thus estimates the same quantity as the others, with less
    variance, rather than a lower one (with 6 processes and k = 3: the mean of the two lowest minima)."""
    minima = np.sort([float(np.min(g)) for g in groups if len(g)])
    lo, hi = middle_lowest(len(minima), k)
    return float((minima[lo] + minima[hi]) / 2)


def bootstrap_ci(groups: Sequence[Sequence[float]], estimator: Callable = np.nanmedian, confidence: float = 0.95,
                 resamples: int = 2000, seed: int = 0, over_processes: Optional[int] = None) -> List[float]:
    """Percentile-bootstrap CI of `estimator` of the pooled samples, resampling processes, then samples
    within each. Resampling whole processes first keeps process-to-process variance in the interval.
    `estimator` takes an array and an axis and skips NaN, which marks no sample (as ESTIMATORS' do). Given
    `over_processes` (k), the estimate is `minimum_of_k` instead."""
    groups = [np.asarray(g, dtype=float) for g in groups if len(g)]
    if not groups:
        raise ValueError("no samples")
    rng = np.random.default_rng(seed)
    sizes = np.array([len(g) for g in groups])
    padded = np.full((len(groups), sizes.max()), np.nan)
    for i, g in enumerate(groups):
        padded[i, : len(g)] = g
    picked = rng.integers(0, len(groups), size=(resamples, len(groups))) if len(groups) > 1 else \
        np.zeros((resamples, 1), dtype=int)
    slots = np.arange(sizes.max())
    index = (rng.random((resamples, len(groups), sizes.max())) * sizes[picked][..., None]).astype(int)
    values = padded[picked[..., None], index]
    values[slots >= sizes[picked][..., None]] = np.nan  # a picked process contributes its own count
    if over_processes:
        minima = np.sort(np.nanmin(values, axis=2), axis=1)
        estimates = minima[:, list(middle_lowest(len(groups), over_processes))].mean(axis=1)
    else:
        estimates = estimator(values.reshape(resamples, -1), axis=1)
    alpha = (1 - confidence) / 2
    return [float(np.quantile(estimates, alpha)), float(np.quantile(estimates, 1 - alpha))]


def bootstrap_median_ci(groups: Sequence[Sequence[float]], **options) -> List[float]:
    return bootstrap_ci(groups, np.nanmedian, **options)


def process_spread(groups: Sequence[Sequence[float]], estimator: str = ESTIMATOR, k: Optional[int] = None) -> float:
    """How far the processes' own estimates lie apart: largest over smallest, minus 1 (0 for one process). Given
    k fewer than the processes (PyTorch's cells, which have more), the median of that over every k of them, so
    that a cell with more processes is not flagged unsteady more often for having more."""
    of = ESTIMATORS[estimator][1]
    values = [float(of(np.asarray(g, dtype=float))) for g in groups if len(g)]
    if len(values) < 2 or min(values) <= 0:
        return 0.0
    if k and k < len(values):  # one process has no spread
        return float(np.median([max(c) / min(c) - 1 for c in combinations(values, k)])) if k > 1 else 0.0
    return max(values) / min(values) - 1


def summarize(groups: Sequence[Sequence[float]], over_processes: Optional[int] = None) -> Dict[str, object]:
    """The headline estimate and its 95% interval (`time_ms`, `time_ci95_ms`, `estimator`), how far the
    processes disagree (`process_spread`, `unsteady`), and beside them the median with its interval, the
    10th percentile, the minimum, the coefficient of variation and pyperf's noise flag. Given
    `over_processes` (k, the processes a cell has in its plan; PyTorch's cells may have more), the headline
    minimum is `minimum_of_k` (`over_processes` in the record)."""
    pooled = np.concatenate([np.asarray(g, dtype=float) for g in groups])
    cv = float(pooled.std(ddof=1) / pooled.mean()) if len(pooled) > 1 else 0.0
    out = {field: float(of(pooled)) for field, of in ESTIMATORS.values()}
    spread = process_spread(groups, k=over_processes)
    field, of = ESTIMATORS[ESTIMATOR]
    k = over_processes if ESTIMATOR == "minimum" and over_processes and over_processes < len(groups) else None
    out.update({
        "ci95_ms": bootstrap_median_ci(groups),  # the median's
        "cv": cv,
        "noisy": cv >= NOISY_CV,
        "n_samples": int(len(pooled)),
        "estimator": ESTIMATOR,
        "time_ms": minimum_of_k(groups, k) if k else out[field],
        "time_ci95_ms": bootstrap_ci(groups, of, over_processes=k),
        "over_processes": k or len(groups),
        "process_spread": spread,
        "unsteady": spread > UNSTEADY_SPREAD,
    })
    return out


def headline(record: Dict) -> Dict:
    """The record with its headline estimate: records written before ESTIMATOR existed carry the median
    (and say so in `estimator`)."""
    if "time_ms" not in record and "median_ms" in record:
        record = dict(record, time_ms=record["median_ms"], time_ci95_ms=record.get("ci95_ms"),
                      estimator="median" if record.get("median_ms") is not None else None)
    return record


def geomean(values: Sequence[float]) -> float:
    """Geometric mean: the average of ratios."""
    return float(np.exp(np.mean(np.log(np.asarray(values, dtype=float)))))


def ratio_ci(a: Dict, b: Dict) -> List[float]:
    """Conservative interval for time(a)/time(b) from the two headline estimates' CIs."""
    (a_lo, a_hi), (b_lo, b_hi) = a["time_ci95_ms"], b["time_ci95_ms"]
    return [a_lo / b_hi, a_hi / b_lo]


T_975 = (12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.20, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11, 2.10,
         2.09, 2.09, 2.08, 2.07, 2.07, 2.06, 2.06, 2.06, 2.05, 2.05, 2.05, 2.04)  # Student's t, 97.5%, 1-30 df


TRIM = 0.2  # the paired ratio's trimmed share at each end (Wilcox's usual 20%; docs/method.md)


def _log_groups(processes: Sequence[Sequence[Sequence[float]]]) -> List[np.ndarray]:
    return [np.log([x / b for x, b in pairs]) for pairs in processes if len(pairs)]


def trimmed_mean(values: Sequence[float], trim: float = TRIM) -> float:
    """The mean of the values less the lowest and highest `trim` share of them (floor(trim * n) each end)."""
    x, cut = np.sort(values), int(trim * len(values))
    return float(x[cut:len(x) - cut].mean())


def winsorized_variance(values: Sequence[float], trim: float = TRIM) -> float:
    """The variance once the `trim` share at each end is set to the nearest value kept (Yuen's; 0 for one value)."""
    x, cut = np.sort(values), int(trim * len(values))
    if len(x) < 2:
        return 0.0
    if cut:
        x = np.clip(x, x[cut], x[len(x) - cut - 1])
    return float(np.var(x, ddof=1))


def _kept_count(n: int, trim: float) -> int:
    """How many of n values a trimmed mean keeps."""
    return n - 2 * int(trim * n)


def _kept(n: int, trim: float) -> float:
    """The share of n values a trimmed mean keeps."""
    return _kept_count(n, trim) / n


def _settling_parts(processes: Sequence[Sequence[Sequence[float]]], trim: float = TRIM) -> Optional[tuple]:
    """(the variance of the processes' trimmed mean log ratios, what their pairs' own scatter explains of
    it, the degrees of freedom), or None with fewer than two processes."""
    logs = _log_groups(processes)
    if len(logs) < 2:
        return None
    centres = [trimmed_mean(g, trim) for g in logs]
    explained = _within_variance(logs, trim) * np.mean([1 / len(g) for g in logs])
    return float(np.var(centres, ddof=1)), explained, len(logs) - 1


def _within_variance(logs: List[np.ndarray], trim: float = TRIM) -> float:
    """The pairs' scatter within their own process (winsorized, pooled over processes, over the share the
    trimmed mean keeps squared: the variance of a trimmed mean, as Yuen's; 0 without the degrees of freedom)."""
    pooled = sum(len(g) for g in logs)
    if pooled <= len(logs):
        return 0.0
    scatter = sum(winsorized_variance(g, trim) * (len(g) - 1) for g in logs) / (pooled - len(logs))
    return scatter / _kept(pooled, trim) ** 2


def pooled_settling(cells: Sequence[Sequence[Sequence[Sequence[float]]]]) -> float:
    """How far worker processes settle apart, pooled over cells (each its processes' pairs): paired_ratio's
    `between`, 0.0 when no cell can tell. A median, so that the few cells whose processes settle far apart
    (they keep their own figure in paired_ratio) do not widen every other cell's interval: the median of the
    cells' variances of their processes' centres, each over the median of its chi-square distribution (two
    processes give one degree of freedom, whose median is 0.455 of its mean), less the median of what the
    pairs' own scatter explains; never below zero."""
    found = [p for p in (_settling_parts(processes) for processes in cells) if p]
    if not found:
        return 0.0
    spread = np.median([v / (chi2.median(df) / df) for v, _, df in found])
    return max(0.0, float(spread - np.median([w for _, w, _ in found])))


SETTLED_APART = 0.95  # a cell keeps its own settling figure where its processes lie this surely farther apart


def settling(processes: Sequence[Sequence[Sequence[float]]], between: float = 0.0, trim: float = TRIM) -> float:
    """The settling variance a cell's interval carries: its framework's pooled figure (`between`), or the cell's
    own where its processes lie farther apart than the pooled figure and their pairs' scatter explain (a
    chi-square test at SETTLED_APART: the cell's own figure from two processes has one degree of freedom, and
    taking the larger of it and the pooled one whatever it said widened every interval by chance alone)."""
    pooled, parts = max(between, 0.0), _settling_parts(processes, trim)
    if parts is None:
        return pooled
    spread, explained, df = parts
    apart = spread > (explained + pooled) * chi2.ppf(SETTLED_APART, df) / df
    return max(pooled, spread - explained) if apart else pooled


def paired_ratio(processes: Sequence[Sequence[Sequence[float]]], between: float = 0.0,
                 trim: float = TRIM) -> Optional[tuple]:
    """A time ratio from paired trials: `processes` holds, per worker process, its (this side's trial
    estimate, the baseline's trial estimate next to it) pairs. The ratio is the trimmed geometric mean of
    the per-pair ratios (a pair caught by a burst of other work on one side is a stray the trimming drops;
    docs/experiments/2026-12-07-trimmed-pairs.md has what it did to four runs' agreement). Its interval is
    where a rerun's ratio falls 95% of the time: the estimate's variance is the pairs' winsorized scatter
    over their number (Yuen's) plus how far processes settle apart over the number of processes (`settling`:
    `between`, its framework's figure pooled over its cells, since two processes alone say little, or this
    cell's own where it is surely larger); Student's t over the pairs kept; and sqrt(2) wider, since a
    rerun's estimate varies as much as this one. None without a pair."""
    logs = _log_groups(processes)
    if not logs:
        return None
    pooled = np.concatenate(logs)
    within = (_within_variance(logs, trim) if len(logs) > 1
              else winsorized_variance(pooled, trim) / _kept(len(pooled), trim) ** 2)
    settled = settling(processes, between, trim)
    variance = within / len(pooled) + settled / len(logs)
    kept = _kept_count(len(pooled), trim)
    df = kept - len(logs) if len(logs) > 1 else kept - 1
    t = 1.96 if df > len(T_975) else T_975[max(df, 1) - 1]
    half = t * np.sqrt(2 * variance)
    centre = trimmed_mean(pooled, trim)
    return float(np.exp(centre)), float(np.exp(centre - half)), float(np.exp(centre + half))


def faults_apart(record: Dict) -> bool:
    """Whether the cell's processes map memory afresh at different rates (`process_page_faults` at least
    FAULTS_APART per call and twofold apart): the allocator's state, which a process's history sets, not the
    framework's code (glibc's dynamic mmap threshold: docs/experiments/2026-12-08-pair-order.md)."""
    faults = record.get("process_page_faults") or []
    return len(faults) > 1 and max(faults) - min(faults) >= FAULTS_APART and max(faults) >= 2 * min(faults)
