"""The machine as a dimension: a merged run from several machines is read one machine at a time, and
side by side (each framework's ratio to PyTorch on each machine, and what tells the machines apart)."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from benchmarks.analysis import views


def split(records: List[Dict], meta: Dict) -> List[Tuple[Optional[str], List[Dict], Dict]]:
    """(machine, its records, its meta) per machine; one (None, records, meta) for an ordinary run."""
    labels = list(dict.fromkeys(r["machine"] for r in records if r.get("machine")))
    if not labels:
        return [(None, records, meta)]
    return [(label, [r for r in records if r.get("machine") == label], (meta.get("machines") or {}).get(label, {}))
            for label in labels]


def side_by_side(parts: List[Tuple[Optional[str], List[Dict], Dict]]) -> Tuple[List[str], List[List[str]]]:
    """Per framework, per machine and thread setting: the geometric mean over models and tasks of its
    time relative to PyTorch on that machine, each framework as shipped."""
    from benchmarks.frameworks import all_frameworks

    columns = [(label, recs, t) for label, recs, _ in parts for t in views.thread_settings(recs)]
    header = ["Framework"] + [f"{label}, {t} thread{'s' if t > 1 else ''}" for label, _, t in columns]
    rows = []
    for key, framework in all_frameworks().items():
        cells = []
        for _, recs, t in columns:
            g = views.geomean_of(views.ratios(recs, views.VIEWS[0], t).get(key, []))
            cells.append("–" if g is None else f"{g[0]:.2f}× [{g[1]:.2f}, {g[2]:.2f}]")
        if any(c != "–" for c in cells):
            rows.append([framework.display] + cells)
    return header, rows


def facts_table(parts: List[Tuple[Optional[str], List[Dict], Dict]]) -> Tuple[List[str], List[List[str]]]:
    """What tells the machines apart: CPU and its vector extensions, cores, memory, the measured GEMM
    peak and noise, and which math libraries each framework ran its kernels with there."""
    from benchmarks.frameworks import all_frameworks

    header = ["Fact"] + [label or meta.get("cpu_model") or "this machine" for label, _, meta in parts]

    def fact(name: str, value) -> List[str]:
        return [name] + [value(recs, meta) for _, recs, meta in parts]

    def noise(meta: Dict) -> str:
        n = meta.get("noise") or {}
        return f"CV {n['cv']:.1%} ({n['verdict']})" if n.get("cv") is not None else "–"

    rows = [fact("CPU", lambda r, m: f"{m.get('cpu_model', '?')} ({m.get('machine') or '?'})"),
            fact("Vector extensions", lambda r, m: " ".join(m.get("cpu_flags") or []) or "–"),
            fact("Cores (usable)", lambda r, m: f"{m.get('cores', '?')} ({m.get('usable_cores', '?')})"),
            fact("Memory GB", lambda r, m: str(m.get("memory_gb", "?"))),
            fact("numpy sgemm peak GFLOP/s", lambda r, m: ", ".join(
                f"{float(v):.0f} at {k} thr" for k, v in (m.get("peak_gflops") or {}).items()) or "–"),
            fact("numpy BLAS", lambda r, m: m.get("numpy_blas") or "–"),
            fact("Noise (pinned numpy kernel)", lambda r, m: noise(m))]
    for key, framework in all_frameworks().items():
        libs = fact(f"{framework.display} kernels", lambda r, m: ", ".join(
            next((x["kernel_libraries"] for x in r if x["framework"] == key and x.get("kernel_libraries")), [])) or "–")
        if any(v != "–" for v in libs[1:]):
            rows.append(libs)
    return header, rows
