"""Summary statistics for timing samples grouped by worker process."""
from __future__ import annotations

from typing import Dict, List, Sequence

import numpy as np

NOISY_CV = 0.10  # pyperf warns when the standard deviation reaches 10% of the mean


def bootstrap_median_ci(
    groups: Sequence[Sequence[float]], confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> List[float]:
    """Percentile-bootstrap CI of the median, resampling processes, then samples within each.

    Resampling whole processes first keeps process-to-process variance in the interval.
    """
    groups = [np.asarray(g, dtype=float) for g in groups if len(g)]
    if not groups:
        raise ValueError("no samples")
    rng = np.random.default_rng(seed)
    medians = np.empty(resamples)
    for i in range(resamples):
        picked = rng.integers(0, len(groups), size=len(groups)) if len(groups) > 1 else [0]
        pooled = np.concatenate([rng.choice(groups[j], size=len(groups[j])) for j in picked])
        medians[i] = np.median(pooled)
    alpha = (1 - confidence) / 2
    return [float(np.quantile(medians, alpha)), float(np.quantile(medians, 1 - alpha))]


def summarize(groups: Sequence[Sequence[float]]) -> Dict[str, object]:
    """median, 95% CI, coefficient of variation, a noise flag, and the minimum and 10th percentile
    (noise on a busy machine only adds time, so low estimators may reproduce better)."""
    pooled = np.concatenate([np.asarray(g, dtype=float) for g in groups])
    cv = float(pooled.std(ddof=1) / pooled.mean()) if len(pooled) > 1 else 0.0
    return {
        "median_ms": float(np.median(pooled)),
        "ci95_ms": bootstrap_median_ci(groups),
        "cv": cv,
        "noisy": cv >= NOISY_CV,
        "n_samples": int(len(pooled)),
        "min_ms": float(pooled.min()),  # estimators beside the median, for choosing by evidence (#12)
        "p10_ms": float(np.quantile(pooled, 0.10)),
    }


def geomean(values: Sequence[float]) -> float:
    """Geometric mean: the average of ratios."""
    return float(np.exp(np.mean(np.log(np.asarray(values, dtype=float)))))


def ratio_ci(a: Dict, b: Dict) -> List[float]:
    """Conservative interval for median(a)/median(b) from the two medians' CIs."""
    (a_lo, a_hi), (b_lo, b_hi) = a["ci95_ms"], b["ci95_ms"]
    return [a_lo / b_hi, a_hi / b_lo]
