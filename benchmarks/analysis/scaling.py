"""The size sweep's two-number model: step time = overhead + FLOPs / throughput, per framework and mode.

The fit minimises relative residuals (a 20 us step and a 20 ms step count alike), robustly: Huber
weights on the residuals, iterated. Intervals come from a bootstrap over the sizes. The crossover
is the smallest step (in FLOPs) from which the framework's fitted time stays within 10% of the
fastest framework's fitted time in the same mode kind. Where the line does not fit (a framework
whose cost jumps at some size), the worst point is reported instead of hidden.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from benchmarks.core.document import Paragraph, Section, Table
from benchmarks.core.plan import TASKS, suite_of

HUBER_K = 1.345  # in units of the residuals' robust scale
POOR_FIT = 0.25  # a point off the line by more than this (relative) makes the fit "poor"
WITHIN = 1.10  # the crossover's "within 10% of the fastest"


@dataclass
class Fit:
    overhead_us: float
    gflops: float  # asymptotic throughput, GFLOP/s
    overhead_ci: Tuple[float, float]
    gflops_ci: Tuple[float, float]
    max_residual: float  # largest |relative residual| over the points
    worst_flops: float  # where it is
    points: int

    def time_ms(self, flops) -> np.ndarray:
        return (self.overhead_us / 1000) + np.asarray(flops, dtype=float) / (self.gflops * 1e6)

    @property
    def poor(self) -> bool:
        return self.max_residual > POOR_FIT


def _irls(flops: np.ndarray, ms: np.ndarray, iterations: int = 20) -> Tuple[float, float]:
    """(a, b) of ms = a + b * flops, minimising Huber-weighted relative residuals."""
    weights = np.ones_like(ms)
    a = b = 0.0
    for _ in range(iterations):
        w = np.sqrt(weights) / ms  # relative residuals: each equation divided by its own time
        design = np.stack([w, w * flops], axis=1)
        (a, b), *_ = np.linalg.lstsq(design, w * ms, rcond=None)
        if a < 0:  # no negative overhead: the line through the origin instead
            a, b = 0.0, float(np.sum(w * w * flops * ms) / np.sum((w * flops) ** 2))
        residual = (ms - a - b * flops) / ms
        scale = max(1.4826 * np.median(np.abs(residual - np.median(residual))), 1e-3)
        u = np.abs(residual) / (HUBER_K * scale)
        weights = np.where(u <= 1, 1.0, 1.0 / np.maximum(u, 1e-12))
    return float(a), float(b)


def fit(flops: Sequence[float], ms: Sequence[float], resamples: int = 300, seed: int = 0) -> Optional[Fit]:
    """The two-number model from (FLOPs per step, ms per step) points; None with fewer than 3 sizes."""
    flops, ms = np.asarray(flops, dtype=float), np.asarray(ms, dtype=float)
    if len(flops) < 3:
        return None
    a, b = _irls(flops, ms)
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(resamples):
        pick = rng.integers(0, len(flops), len(flops))
        if len(set(flops[pick])) >= 2:
            boot.append(_irls(flops[pick], ms[pick], iterations=8))
    boot_a = np.array([x[0] for x in boot]) * 1000
    boot_g = np.array([1 / x[1] / 1e6 if x[1] > 0 else np.inf for x in boot])
    residual = (ms - a - b * flops) / ms
    worst = int(np.argmax(np.abs(residual)))
    # no interpolation between resamples: a resample with no FLOPs term has unbounded throughput (inf)
    ends = lambda v: (float(np.quantile(v, 0.025, method="inverted_cdf")),  # noqa: E731
                      float(np.quantile(v, 0.975, method="inverted_cdf")))
    return Fit(overhead_us=a * 1000, gflops=1 / b / 1e6 if b > 0 else float("inf"),
               overhead_ci=ends(boot_a), gflops_ci=ends(boot_g),
               max_residual=float(abs(residual[worst])), worst_flops=float(flops[worst]), points=len(flops))


def sweep_records(records: List[Dict]) -> List[Dict]:
    return [r for r in records if suite_of(r["task"]) == "scaling" and r.get("time_ms")]


def mode_kind(framework: str, mode: str) -> str:
    """'as shipped' for the framework's own default mode, else 'compiled' (the two lines per framework)."""
    from benchmarks.frameworks import default_mode

    return "as shipped" if mode == default_mode(framework) else "compiled"


def fits(records: List[Dict], kind: str = "train") -> Dict[Tuple[str, str], Fit]:
    """(framework, mode) -> the fit of its training steps (kind "train") or inference calls."""
    groups: Dict[Tuple[str, str], List[Dict]] = {}
    for r in sweep_records(records):
        if TASKS[r["task"]].kind == kind:
            groups.setdefault((r["framework"], r["mode"]), []).append(r)
    out = {}
    for key, group in groups.items():
        f = fit([r["flops_per_step"] for r in group], [r["time_ms"] for r in group])
        if f:
            out[key] = f
    return out


def fit_agreement(a_records: List[Dict], b_records: List[Dict]) -> Optional[Dict]:
    """How far two sweeps' fitted numbers moved, over every (framework, mode, kind) both fit: median and
    90th percentile of |B / A - 1| for the overhead and the throughput, and the same for the points."""
    moved: Dict[str, List[float]] = {"overhead": [], "throughput": []}
    for kind in ("train", "infer"):
        fa, fb = fits(a_records, kind), fits(b_records, kind)
        for key in set(fa) & set(fb):
            moved["overhead"].append(abs(fb[key].overhead_us / fa[key].overhead_us - 1))
            moved["throughput"].append(abs(fb[key].gflops / fa[key].gflops - 1))
    a = {(r["framework"], r["mode"], r["task"]): r["time_ms"] for r in sweep_records(a_records)}
    b = {(r["framework"], r["mode"], r["task"]): r["time_ms"] for r in sweep_records(b_records)}
    moved["points"] = [abs(b[k] / a[k] - 1) for k in set(a) & set(b)]
    if not moved["overhead"]:
        return None
    return {name: {"n": len(v), "median": float(np.median(v)), "p90": float(np.quantile(v, 0.9))}
            for name, v in moved.items()}


def agreement_text(found: Dict) -> str:
    """'overhead moved 4.2% (median) / 15.7% (90th percentile) over 30 fits, ...'."""
    return "; ".join(f"{name} {f['median']:.1%} / {f['p90']:.1%} over {f['n']} {'fits' if name != 'points' else 'sizes'}"
                     for name, f in found.items())


def crossover(mine: Fit, others: Sequence[Fit], span: Tuple[float, float]) -> Optional[float]:
    """Smallest FLOPs per step in `span` from which `mine` stays within 10% of the fastest of `others`
    (itself included); None when it never does in the span."""
    grid = np.logspace(np.log10(span[0]), np.log10(span[1]), 200)
    fastest = np.min([f.time_ms(grid) for f in others], axis=0)
    inside = mine.time_ms(grid) <= WITHIN * fastest
    if not inside[-1]:
        return None
    outside = np.nonzero(~inside)[0]
    return float(grid[outside[-1] + 1] if len(outside) else grid[0])


HEADER = ["Framework", "Mode", "Overhead µs/step [95% CI]", "Throughput GFLOP/s [95% CI]", "% of numpy sgemm",
          "Within 10% of the fastest from (FLOPs/step)", "Fit"]


def beyond_yardstick(records: List[Dict], peak_gflops: Optional[float], kind: str = "train") -> str:
    """A sentence when a fitted throughput exceeds numpy's sgemm rate: that rate is a yardstick (one BLAS,
    one size), not the CPU's limit, and the frameworks' own GEMM libraries can beat it."""
    found = {k: f for k, f in fits(records, kind).items() if peak_gflops and np.isfinite(f.gflops)}
    over = sorted(((f.gflops, fw) for (fw, _), f in found.items() if f.gflops > peak_gflops), reverse=True)
    if not over:
        return ""
    return (f" numpy's sgemm ({peak_gflops:.0f} GFLOP/s on this thread setting) is a yardstick, not this CPU's limit: "
            f"{len({fw for _, fw in over})} framework(s) fit above it (up to {over[0][0]:.0f} GFLOP/s, {over[0][1]}), "
            "with their own GEMM libraries (oneDNN, MKL) and extrapolated from the sweep's largest sizes.")


def table(records: List[Dict], peak_gflops: Optional[float], kind: str = "train") -> List[List[str]]:
    """One row per framework and mode: the fitted overhead and throughput, the crossover, the fit's quality."""
    from benchmarks.frameworks import all_frameworks

    found = fits(records, kind)
    flops = [r["flops_per_step"] for r in sweep_records(records) if TASKS[r["task"]].kind == kind]
    if not found or not flops:
        return []
    span = (min(flops), max(flops))
    order = list(all_frameworks())
    rows = []
    for (fw, mode), f in sorted(found.items(), key=lambda kv: (order.index(kv[0][0]) if kv[0][0] in order else 99, kv[0][1])):
        same_kind = [g for (ofw, om), g in found.items()
                     if mode_kind(ofw, om) == mode_kind(fw, mode)]
        cross = crossover(f, same_kind, span)
        quality = (f"max {f.max_residual:.0%} off the line at {f.worst_flops:.3g} FLOPs: cost is not linear there"
                   if f.poor else f"within {f.max_residual:.0%} at {f.points} sizes")
        name = all_frameworks()[fw].display if fw in all_frameworks() else fw
        rows.append([name, f"{mode} ({mode_kind(fw, mode)})",
                     f"{f.overhead_us:.3g} [{f.overhead_ci[0]:.3g}, {f.overhead_ci[1]:.3g}]",
                     f"{f.gflops:.3g} [{f.gflops_ci[0]:.3g}, {f.gflops_ci[1]:.3g}]",
                     f"{100 * f.gflops / peak_gflops:.0f}%" if peak_gflops else "–",
                     "never in the sweep" if cross is None else f"{cross:.3g}", quality])
    return rows


TEXT = ("The MLP swept from tiny to compute-bound (hidden 32 to 4096 at batch 64; batch 1 to 1024 at hidden 512), "
        "1 pinned thread, each framework as shipped and compiled, every size behind the parity gate. Each line "
        "fits step time = overhead + FLOPs / throughput (robust, relative residuals; 95% intervals by bootstrap "
        "over the sizes). Overhead is what every step pays whatever the model; throughput is what a large model "
        "gets. The crossover is the step size from which the framework is within 10% of the fastest one in the "
        "same mode kind: above it, the framework choice costs little; below it, overhead dominates.")


def sections(records: List[Dict], meta: Dict) -> List[Section]:
    """The size sweep's fits as a document: a section per kind (training step, then inference), each its
    text and its table."""
    threads = next((r["threads"] for r in sweep_records(records)), 1)
    peak = (meta.get("peak_gflops") or {}).get(str(threads))
    peak = float(peak) if peak else None
    out = []
    for kind, what in (("train", "training step"), ("infer", "inference")):
        rows = table(records, peak, kind)
        if rows:
            out.append(Section(f"Size sweep: overhead and throughput per {what}",
                               [Paragraph(TEXT + beyond_yardstick(records, peak, kind)), Table(HEADER, rows)]))
    return out
