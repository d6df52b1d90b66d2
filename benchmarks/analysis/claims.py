"""Verdicts on the published claims, derived from a run's records and metadata.

Each claim has a one-sentence rule; the numbers behind it are printed with it, so a reader can
disagree with the rule rather than with the arithmetic. Speed is the geometric mean, over models
and tasks, of each cell's headline time (stats.ESTIMATOR) divided by PyTorch's in the same view and thread setting
(benchmarks/analysis/views.py: as shipped, best), with a conservative 95% interval (the geometric means of
the per-cell interval ends).
"""
from __future__ import annotations

from datetime import date
from typing import Dict, List, Optional

from benchmarks.analysis import views
from benchmarks.core.friction import wheel_for_current_python
from benchmarks.core.stats import geomean

LEADERS, FOLLOWERS, OTHERS = ("torch", "tensorflow"), ("mindspore", "paddle"), ("mxnet", "jax")
CLOSE = 1.5  # "follow closely": within 1.5x of the slower leader
CODE_CLOSE = 1.15

# Where the claims were published, and their words. C1-C3: one survey, as the press reported it.
SURVEY_SOURCE = ("Omdia, \"China AI framework market survey\" (January 2023), as reported by Guancha (guancha.cn), "
                 "\"国产AI框架,如何'弯道超车'?\", 2024-05-08")
SURVEY_EASE = "开发者认为TensorFlow和PyTorch的易用性更好,而本土框架昇思MindSpore和飞桨PaddlePaddle紧随其后"
SURVEY_PERFORMANCE = "性能方面,开发者认为TensorFlow和PyTorch性能更好,昇思MindSpore和飞桨PaddlePaddle同样紧随其后"
SURVEY_AHEAD = "二者在性能评价上已经超过其他主流框架"
UPKEEP_SOURCE = "\"国产开源框架越来越多,抓住产业化的窗口期要靠谁?\""
UPKEEP_QUOTE = "它的难度并不在开发层面……开源深度学习框架的重心在于产业化和长期维护"
C4_MIN_FRAMEWORKS = 3  # "supported" needs at least 3 frameworks showing upkeep trouble


def speed_scores(records: List[Dict], view: str, threads: int) -> Dict[str, Dict]:
    """Per framework: geometric-mean time ratio vs PyTorch in a view (as shipped, best), its interval,
    the cell count and the modes and tunings the view used."""
    out = {}
    for fw, entries in views.ratios(records, view, threads).items():
        ratio, lo, hi = views.geomean_of(entries)
        out[fw] = {"ratio": ratio, "ci": [lo, hi], "cells": len(entries), "settings": views.settings_text(entries)}
    return out


def code_scores(records: List[Dict]) -> Dict[str, float]:
    """Per framework: geometric mean over models of its token count divided by PyTorch's."""
    tokens = {(r["framework"], r["model"]): r["tokens"] for r in records if r.get("tokens")}
    out = {}
    for fw in sorted({f for f, _ in tokens}):
        ratios = [t / tokens[("torch", m)] for (f, m), t in tokens.items() if f == fw and ("torch", m) in tokens]
        if ratios:
            out[fw] = geomean(ratios)
    return out


def _lead_and_follow(scores: Dict[str, float], close: float) -> Optional[tuple]:
    if not all(fw in scores for fw in LEADERS + FOLLOWERS):
        return None
    ranked = sorted(scores, key=scores.get)
    lead = all(ranked.index(fw) < 3 for fw in LEADERS)
    slower_leader = max(scores[fw] for fw in LEADERS)
    follow = all(scores[fw] <= close * slower_leader for fw in FOLLOWERS)
    return lead, follow, ranked


def _combine(verdicts: List[str]) -> str:
    if not verdicts:
        return "no data"
    if all(v == "supported" for v in verdicts):
        return "supported"
    if all(v == "refuted" for v in verdicts):
        return "refuted"
    return "mixed"


def _name(fw: str) -> str:
    from benchmarks.frameworks import framework_display

    return framework_display(fw)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _fmt_scores(scores: Dict[str, Dict]) -> str:
    return ", ".join(f"{_name(fw)} {s['ratio']:.2f}× [{s['ci'][0]:.2f}, {s['ci'][1]:.2f}] ({s['settings']})"
                     for fw, s in sorted(scores.items(), key=lambda kv: kv[1]["ratio"]))


def settings(records: List[Dict]) -> List[tuple]:
    """The views and thread settings a speed claim is judged in."""
    return [(view, t) for view in views.VIEWS for t in views.thread_settings(records)]


def setting_label(view: str, threads: int) -> str:
    return f"{view}, {threads} thread{'s' if threads > 1 else ''}"


def flips(verdicts: List[str], labels: List[str]) -> str:
    """Which view gives which verdict, when they differ."""
    if len(set(verdicts)) <= 1:
        return ""
    return "By view: " + "; ".join(f"{label}: {v}" for label, v in zip(labels, verdicts)) + "."


class Parts:
    """A claim's atomic statements: each gets a verdict in every setting it is judged in, with one sentence
    giving the number that decided it; a statement is supported where it holds in every setting."""

    def __init__(self):
        self.found: Dict[str, List[tuple]] = {}

    def add(self, statement: str, holds: Optional[bool], why: str) -> None:
        """`holds`: True, False, or None where the numbers cannot tell (overlapping intervals)."""
        verdict = "supported" if holds else "refuted" if holds is False else "mixed"
        self.found.setdefault(statement, []).append((verdict, why))

    def rows(self) -> List[Dict]:
        return [{"statement": statement, "verdict": _combine([v for v, _ in found]), "why": [w for _, w in found]}
                for statement, found in self.found.items()]


def claim_c1(records: List[Dict]) -> Dict:
    verdicts, evidence, labels, parts = [], [], [], Parts()
    for view, threads in settings(records):
        scores = speed_scores(records, view, threads)
        found = _lead_and_follow({k: v["ratio"] for k, v in scores.items()}, CLOSE)
        if found is None:
            continue
        lead, follow, ranked = found
        verdicts.append("supported" if lead and follow else "refuted" if not lead and not follow else "mixed")
        labels.append(setting_label(view, threads))
        evidence.append(f"{labels[-1]}: {verdicts[-1]}. Time vs PyTorch: {_fmt_scores(scores)}")
        parts.add("PyTorch and TensorFlow lead (both among the 3 fastest)", lead, f"{labels[-1]}: " + ", ".join(
            f"{_name(fw)} {_ordinal(ranked.index(fw) + 1)} ({scores[fw]['ratio']:.2f}× PyTorch)" for fw in LEADERS))
        slower = max(LEADERS, key=lambda fw: scores[fw]["ratio"])
        for fw in FOLLOWERS:
            over = scores[fw]["ratio"] / scores[slower]["ratio"]
            parts.add(f"{_name(fw)} follows closely (within {CLOSE}× of the slower leader)", over <= CLOSE,
                      f"{labels[-1]}: {scores[fw]['ratio']:.2f}× PyTorch"
                      + (f", {over:.2f}× {_name(slower)}" if slower != "torch" else " (PyTorch is the slower leader)"))
    if flips(verdicts, labels):
        evidence.insert(0, flips(verdicts, labels))
    return {"id": "C1", "claim": "PyTorch and TensorFlow perform best; MindSpore and PaddlePaddle follow closely.",
            "quote": SURVEY_PERFORMANCE, "source": SURVEY_SOURCE,
            "rule": f"In each view (as shipped: each framework's default mode, untuned; best: its fastest mode and "
                    f"tuning per model and task) and thread setting, PyTorch and TensorFlow must both rank in the 3 fastest "
                    f"(geometric-mean time vs PyTorch) and MindSpore and PaddlePaddle must be within {CLOSE}× of "
                    f"the slower of the two; supported if both hold everywhere, refuted if neither holds anywhere.",
            "verdict": _combine(verdicts), "parts": parts.rows(), "evidence": evidence}


def claim_c2(records: List[Dict]) -> Dict:
    scores = code_scores(records)
    found = _lead_and_follow(scores, CODE_CLOSE)
    verdict, evidence, parts = "no data", [], Parts()
    if found:
        lead, follow, ranked = found
        verdict = "supported" if lead and follow else "refuted" if not lead and not follow else "mixed"
        evidence = ["Tokens vs PyTorch: " + ", ".join(f"{_name(fw)} {scores[fw]:.2f}×" for fw in ranked)]
        parts.add("PyTorch and TensorFlow are the easiest (both among the 3 shortest model files)", lead, ", ".join(
            f"{_name(fw)} {_ordinal(ranked.index(fw) + 1)} ({scores[fw]:.2f}× PyTorch's tokens)" for fw in LEADERS))
        longer = max(LEADERS, key=scores.get)
        for fw in FOLLOWERS:
            over = scores[fw] / scores[longer]
            parts.add(f"{_name(fw)} follows (within {CODE_CLOSE}× of the longer leader)", over <= CODE_CLOSE,
                      f"{scores[fw]:.2f}× PyTorch's tokens"
                      + (f", {over:.2f}× {_name(longer)}'s" if longer != "torch" else " (PyTorch's is the longer leader)"))
    return {"id": "C2", "claim": "PyTorch and TensorFlow are easier to use; MindSpore and PaddlePaddle follow closely.",
            "quote": SURVEY_EASE, "source": SURVEY_SOURCE,
            "rule": f"Code size stands in for ease: PyTorch and TensorFlow must rank in the 3 shortest model files "
                    f"(geometric-mean token count vs PyTorch) and MindSpore and PaddlePaddle within {CODE_CLOSE}× "
                    f"of the longer of the two; supported if both hold, refuted if neither does.",
            "verdict": verdict, "parts": parts.rows(), "evidence": evidence}


def claim_c3(records: List[Dict]) -> Dict:
    verdicts, evidence, labels, parts = [], [], [], Parts()
    for view, threads in settings(records):
        s = speed_scores(records, view, threads)
        if not all(fw in s for fw in FOLLOWERS + OTHERS):
            continue
        faster = all(s[a]["ci"][1] < s[b]["ci"][0] for a in FOLLOWERS for b in OTHERS)
        slower = all(s[a]["ci"][0] > s[b]["ci"][1] for a in FOLLOWERS for b in OTHERS)
        verdicts.append("supported" if faster else "refuted" if slower else "mixed")
        labels.append(setting_label(view, threads))
        evidence.append(f"{labels[-1]}: {verdicts[-1]}. " + _fmt_scores({k: s[k] for k in FOLLOWERS + OTHERS}))
        for fw in FOLLOWERS:
            beats = all(s[fw]["ci"][1] < s[b]["ci"][0] for b in OTHERS)
            trails = all(s[fw]["ci"][0] > s[b]["ci"][1] for b in OTHERS)
            others = ", ".join(f"{_name(b)} {s[b]['ratio']:.2f}×" for b in OTHERS)
            how = "faster than both" if beats else "slower than both" if trails else "intervals overlap or it sits between them"
            parts.add(f"{_name(fw)} is faster than MXNet and JAX", True if beats else False if trails else None,
                      f"{labels[-1]}: {s[fw]['ratio']:.2f}× PyTorch against {others}: {how}")
    if flips(verdicts, labels):
        evidence.insert(0, flips(verdicts, labels))
    return {"id": "C3", "claim": "MindSpore and PaddlePaddle already outperform the other mainstream frameworks (MXNet, JAX).",
            "quote": SURVEY_AHEAD, "source": SURVEY_SOURCE,
            "rule": "In each view (as shipped, best) and thread setting, both MindSpore and PaddlePaddle must be faster than both MXNet "
                    "and JAX with non-overlapping 95% intervals; supported if so everywhere, refuted if both are "
                    "slower than both everywhere, mixed otherwise.",
            "verdict": _combine(verdicts), "parts": parts.rows(), "evidence": evidence}


def upkeep_signals(marker: Dict, today: date) -> List[str]:
    signals = []
    reg = marker.get("registry") or {}
    if reg.get("newest_release_date"):
        age = (today - date.fromisoformat(reg["newest_release_date"])).days / 365.25
        if age > 2:
            signals.append(f"newest release {reg['newest_release']} is {age:.1f} years old")
    wheels = reg.get("wheels_newest_release")
    if wheels is not None and not wheel_for_current_python(wheels):
        signals.append("no binary wheel for CPython ≥ 3.12 in its newest release"
                       + ("" if wheels else " (source only)"))
    if marker.get("install_notes"):
        signals.append(f"{len(marker['install_notes'])} extra install step(s)")
    return signals


def sweep_signals(sweep: Optional[tuple], frameworks: List[str]) -> tuple:
    """From a release sweep's (records, meta): each framework's upkeep trouble by the releases module's rule, and
    one line of its figures (what the claims table shows); frameworks the sweep lacks are left out."""
    from benchmarks.analysis import releases

    if not sweep:
        return {}, []
    found = releases.upkeep(*sweep)
    signals = {fw: releases.troubles(f) for fw, f in found.items() if fw in frameworks}
    lines = [f"{_name(fw)} (release sweep): {releases.upkeep_line(found[fw])}" for fw in frameworks if fw in found]
    return signals, lines


def claim_c4(records: List[Dict], meta: Dict, sweep: Optional[tuple] = None) -> Dict:
    """Judged on the frameworks the run has records of, and only when it has records of every framework it
    set up (a partial run is "no data", not a verdict on the frameworks it happened to reach). With a release
    sweep's (records, meta), the upkeep half is judged on it: today's code on earlier releases, cadence,
    speed across releases, Python support (releases.troubles); frameworks it lacks keep the snapshot's
    signals."""
    frameworks = sorted({r["framework"] for r in records})
    planned = {fw: m for fw, m in (meta.get("environments") or {}).items() if m}
    missing = sorted(set(planned) - set(frameworks))
    envs = {fw: m for fw, m in planned.items() if fw in frameworks}
    today = date.fromisoformat(str(meta.get("date", date.today().isoformat()))[:10])
    swept, sweep_lines = sweep_signals(sweep, frameworks)
    signals = {fw: swept[fw] if fw in swept else upkeep_signals(m, today) for fw, m in envs.items()}
    troubled = sorted(fw for fw, s in signals.items() if s)
    broken = sorted({r["framework"] for r in records if r["status"] != "ok"})
    if missing or len(envs) < C4_MIN_FRAMEWORKS:
        verdict = "no data"
    elif not broken and len(troubled) >= 3:
        verdict = "supported"
    elif len(broken) > len(frameworks) / 2 or not troubled:
        verdict = "refuted"
    else:
        verdict = "mixed"
    scores = code_scores(records)
    evidence, parts = [], Parts()
    if verdict == "no data":  # the frameworks it has records of say nothing of the field
        evidence = [f"the run has records of {len(envs)} framework(s) with a recorded environment"
                    + (f" and none of {', '.join(missing)}, which it set up" if missing else "")
                    + f"; judging C4 needs records of every framework the run set up, at least {C4_MIN_FRAMEWORKS}"]
    else:
        parts.add("Building is not the hard part: every framework runs the models and passes the parity gate",
                  not broken, f"{len(frameworks) - len(broken)} of {len(frameworks)} do"
                  + (f"; not: {', '.join(map(_name, broken))}" if broken else ""))
        parts.add("Upkeep is the hard part: at least 3 frameworks show upkeep trouble", len(troubled) >= 3,
                  f"{len(troubled)} do" + (f": {', '.join(map(_name, troubled))}" if troubled else ""))
        if scores:
            evidence.append(f"Model code size, largest over smallest (tokens): {max(scores.values()) / min(scores.values()):.2f}×")
        evidence += [f"{_name(fw)}: " + "; ".join(s) for fw, s in sorted(signals.items()) if s]
        evidence += sweep_lines
    return {"id": "C4", "claim": "Building a deep-learning framework is not the hard part; industrialisation and "
                                 "long-term maintenance are.",
            "quote": UPKEEP_QUOTE, "source": UPKEEP_SOURCE,
            "rule": "Supported when every framework builds the models and passes the parity gate in every cell (the "
                    "framework itself works) while at least 3 show upkeep trouble ("
                    + ("by the release sweep: no release in 2 years, today's code running unchanged on under half of "
                       "its earlier releases of the last 2 years, the newest release over 10% slower than an earlier one, or no "
                       "wheel for CPython ≥ 3.12" if swept else
                       "newest release over 2 years old, no wheel for CPython ≥ 3.12, or extra install steps here")
                    + "); refuted when most frameworks fail "
                    "to run correctly or none shows upkeep trouble; mixed otherwise; no data unless the run has "
                    f"records of every framework it set up, at least {C4_MIN_FRAMEWORKS}.",
            "verdict": verdict, "parts": parts.rows(), "evidence": evidence}


def evaluate(records: List[Dict], meta: Dict, sweep: Optional[tuple] = None) -> List[Dict]:
    """Every claim's verdict; `sweep`: a release sweep's (records, meta), for C4's upkeep half (by default the
    one the run's meta names, if any)."""
    if sweep is None:
        from benchmarks.analysis.releases import linked_sweep

        folder = linked_sweep(meta)
        sweep = (folder.releases(), folder.meta()) if folder else None
    return [claim_c1(records), claim_c2(records), claim_c3(records), claim_c4(records, meta, sweep)]
