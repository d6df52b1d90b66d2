"""What a release sweep found (benchmarks/measure/release_sweep.py), as a document: the compatibility matrix, the
speed of each release relative to the newest, the release facts, and the upkeep figures claim C4 uses."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

from benchmarks.outputs import render
from benchmarks.frameworks import framework_display
from benchmarks.core.document import Bullets, Figure, Paragraph, Section, Table, ratio_cell
from benchmarks.measure.release_sweep import fix_hint
from benchmarks.analysis.releases import (REGRESSION, RUNS_SHARE_LOW, YEARS, release_date, release_name, release_wheels,
                                 runs_everywhere, speed_geomean, troubles, upkeep)
from benchmarks.core.run_folder import RunFolder

MODEL_NAMES = {"lenet5": "LeNet-5", "mlp": "MLP", "resnet": "ResNet", "lstm": "LSTM", "transformer": "Transformer"}
CALL_NAMES = {"mlp:train": "MLP step", "mlp:infer_b64": "MLP b64", "resnet:train": "ResNet step",
              "resnet:infer_b64": "ResNet b64"}


def upkeep_table(records: List[Dict], meta: Dict) -> Table:
    rows = []
    for fw, f in upkeep(records, meta).items():
        trend = f["trend"]
        none = "no release" if f["releases_recent"] == 0 else "none swept"
        rows.append([framework_display(fw), f"{f['recent_runs']} of {f['recent']}" if f["recent"] else none,
                     f"{f['swept_runs']} of {f['swept']}", str(f["releases_recent"] if f["releases_recent"] is not None else "–"),
                     "–" if f["median_days_between"] is None else f"{f['median_days_between']:.0f}",
                     ratio_cell(*trend) if trend else "–", f["trend_from"] or "–",
                     {True: "yes", False: "no", None: "–"}[f["new_python"]], "; ".join(troubles(f)) or "none"])
    return Table(["Framework", f"Runs unchanged, earlier releases of the last {YEARS} years", "Runs unchanged, all swept",
                  f"Releases, last {YEARS} years", "Median days between", "Earliest timed release vs newest (time)",
                  "Earliest timed", "Wheel for CPython ≥ 3.12", "Upkeep trouble (C4's rule)"], rows, heat=False)


def outcome_text(outcome: Dict, note: Optional[int]) -> str:
    text = outcome["outcome"]
    return text if note is None else f"{text} [{note}]"


def matrix(records: List[Dict], meta: Dict) -> tuple:
    """The compatibility matrix (a row per framework release, a column per model) and its footnotes."""
    notes: Dict[str, int] = {}
    footnotes: List[str] = []
    rows = []
    models = list(dict.fromkeys(m for r in records for m in r["models"]))
    for r in records:
        row = [framework_display(r["framework"]), release_name(r), release_date(meta, r) or "–",
               release_wheels(meta, r), r.get("python", "–")]
        for model in models:
            o = r["models"].get(model, {"outcome": "–"})
            note = None
            if o["outcome"] != "runs" and o.get("error"):
                text = o["error"] + (f" (at `{o['at']}`: `{o['code']}`)" if o.get("at") else "")
                key = f"{r['framework']}|{r['release']}|{text}"
                if key not in notes:
                    notes[key] = len(notes) + 1
                    hint = fix_hint(o) if o["outcome"] == "API break" else ""
                    footnotes.append(f"[{notes[key]}] {framework_display(r['framework'])} {release_name(r)}: "
                                     f"{text}" + (f". {hint}" if hint else ""))
                note = notes[key]
            row.append(outcome_text(o, note))
        rows.append(row)
    return Table(["Framework", "Release", "Date", "CPython wheels", "Python here"]
                 + [MODEL_NAMES.get(m, m) for m in models], rows), footnotes


def kernel_difference(record: Dict, newest: Optional[Dict]) -> str:
    """The kernel libraries this release runs with that the newest does not (+) and the reverse (-): a
    speed change's first suspect (MXNet's 1.6.0 wheel has no oneDNN)."""
    if not newest:
        return "–"
    def libraries(r: Dict) -> set:  # Jittor also lists the kernels it compiled itself (`..._hash..._op`): left out
        return {k for k in r.get("kernel_libraries") or [] if "hash" not in k}

    mine, theirs = libraries(record), libraries(newest)
    diff = [f"+{k}" for k in sorted(mine - theirs)] + [f"−{k}" for k in sorted(theirs - mine)]
    return ", ".join(diff) or "same"


def speed_table(records: List[Dict]) -> Table:
    rows = []
    for r in records:
        speed = r.get("speed")
        if not speed:
            continue
        newest = next((n for n in records if n["framework"] == r["framework"] and n.get("newest")), None)
        cells = [ratio_cell(s["ratio"], *s["ci"]) if s else "–" for s in (speed.get(c) for c in CALL_NAMES)]
        g = speed_geomean(r)
        rows.append([framework_display(r["framework"]), release_name(r)] + cells + [ratio_cell(*g) if g else "–",
                                                                                   kernel_difference(r, newest)])
    return Table(["Framework", "Release"] + list(CALL_NAMES.values()) + ["Geometric mean",
                                                                         "Kernel libraries vs the newest"], rows, heat=True)


def costs_text(records: List[Dict], meta: Dict) -> str:
    built = [r for r in records if r.get("size_mb")]
    size = sum(r["size_mb"] for r in built) / 1024
    install = sum(r.get("install_s") or 0 for r in built) / 60
    biggest = max(built, key=lambda r: r["size_mb"], default=None)
    text = (f"The sweep built {len(built)} environments of earlier releases here: {size:.1f} GB in all "
            f"(largest: {framework_display(biggest['framework'])} {biggest['release']}, {biggest['size_mb'] / 1024:.1f} GB), "
            f"{install:.0f} min of installing." if biggest else "")
    if meta.get("wall_s"):
        text += f" The measuring took {meta['wall_s'] / 60:.0f} min"
        cap = (meta.get("release_sweep") or {}).get("cap_gb")
        text += f", never holding more than {cap:g} GB of release environments." if cap else "."
    return text.strip()


def quality_text(records: List[Dict], meta: Dict) -> str:
    """How busy the machine was while the sweep's pairs were taken, and its noise check before and after."""
    from benchmarks.measure.guard import busy

    timed = [s for r in records for s in (r.get("speed") or {}).values()]
    if not timed:
        return ""
    tainted = sum(busy(s) for s in timed)
    noise = [f"CV {meta[k]['cv'] * 100:.1f}% {when}" for k, when in (("noise", "before"), ("noise_after", "after"))
             if isinstance(meta.get(k), dict) and meta[k].get("cv") is not None]
    return (f"Data quality: {tainted} of {len(timed)} timed calls were taken while other work used more than 0.1 core "
            f"on average" + (f"; the machine's noise check (a fixed numpy kernel, quiet below 3%): {', '.join(noise)}"
                             if noise else "") + ".")


def status_text(records: List[Dict], meta: Dict) -> str:
    planned = (meta.get("release_sweep") or {}).get("frameworks") or []
    done = list(dict.fromkeys(r["framework"] for r in records))
    missing = [fw for fw in planned if fw not in done]
    if meta.get("interrupted") or missing:
        return (f"**Partial sweep**: {'interrupted; ' if meta.get('interrupted') else ''}"
                f"{len(done)} of {len(planned)} frameworks measured"
                + (f" (missing: {', '.join(map(framework_display, missing))})" if missing else "") + ".")
    return ""


def speed_plot(records: List[Dict], meta: Dict, out_dir: Path) -> Optional[Path]:
    """Each framework's releases left to right (oldest first), time relative to its newest, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from benchmarks.outputs.plots import _save, _times_axis

    frameworks = [fw for fw in dict.fromkeys(r["framework"] for r in records)
                  if any(r.get("speed") for r in records if r["framework"] == fw)]
    if not frameworks:
        return None
    fig, ax = plt.subplots(figsize=(9, 4.2))
    for i, fw in enumerate(frameworks):
        mine = [r for r in records if r["framework"] == fw]
        for j, r in enumerate(mine):
            g = speed_geomean(r) or ((1.0, 1.0, 1.0) if r.get("newest") else None)
            x = i + (j - (len(mine) - 1) / 2) * 0.18
            if g is None:
                ax.plot(x, 1.0, marker="x", color="#C44E52", ms=6)
                continue
            ax.errorbar(x, g[0], yerr=[[g[0] - g[1]], [g[2] - g[0]]], fmt="o", color="#4C72B0" if not r.get("newest")
                        else "black", ms=4, capsize=2, elinewidth=0.8)
            ax.annotate(release_name(r).replace(" (pinned)", ""), (x, g[2]), fontsize=6, rotation=90, ha="center",
                        va="bottom", xytext=(0, 2), textcoords="offset points")
    _times_axis(ax, "y")
    ax.set_xticks(range(len(frameworks)), [framework_display(fw) for fw in frameworks])
    ax.set_ylabel("time relative to the newest release\n(lower is faster)")
    ax.set_title("Speed across releases: MLP and ResNet step and batch-64 inference, 1 thread, as shipped\n"
                 "(geometric mean, 95% interval; x: a release today's code does not run on)", fontsize=9)
    low, high = ax.get_ylim()
    ax.set_ylim(low, high * 1.6)  # room for the labels above the highest interval
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, out_dir / PLOT, meta)


PLOT = "releases_speed.png"


def document(folder: RunFolder) -> List:
    """The sweep's blocks; its speed plot, where write() made one."""
    records, meta = folder.releases(), folder.meta()
    table, footnotes = matrix(records, meta)
    status = status_text(records, meta)
    lead = [Paragraph(status)] if status else []
    plot = folder.path / PLOT if (folder.path / PLOT).exists() else None
    speed = speed_table(records)
    blocks = lead + [Paragraph(headline(records, meta), lead=True),
        Paragraph("Today's model files, unchanged, on each framework's earlier releases. Every model goes through "
                  "the parity gate on every release: it *runs* (parity holds), meets an *API break* (the line of the "
                  "model file that raised), a *numeric change* (runs, fails parity), or the release *cannot install* "
                  "here; a *harness break* is a failure in fwbench's own weight-loading glue, not the model's code."),
        table]
    if footnotes:
        blocks.append(Bullets(footnotes))
    blocks += [Section("Speed across releases", ([Figure(plot)] if plot else []) + [
        Paragraph("Time of each release relative to the newest (pinned) one, from paired trials of the two side by "
                  "side in time, as shipped, 1 thread; lower is faster. Only the models that run on a release are timed. "
            + quality_text(records, meta)),
        speed] if speed.rows else [Paragraph("No release ran the timed models.")]),
        Section("Upkeep, per framework (claim C4)", [
            Paragraph(f"A framework shows upkeep trouble when it has had no release in {YEARS} years, when today's code "
                      f"runs unchanged on fewer than {RUNS_SHARE_LOW:.0%} of its earlier releases of the last {YEARS} years "
                      f"(code written for one release breaks on most of the others users still have), when its newest release is over {REGRESSION - 1:.0%} "
                      "slower than an earlier one (interval clear of it), or when its newest release has no binary wheel "
                      "for CPython ≥ 3.12 (users on a current Python cannot install it)."),
            upkeep_table(records, meta)]),
        Paragraph(costs_text(records, meta))]
    return blocks


def write(folder: RunFolder) -> Path:
    """summary.md of a release sweep's folder."""
    speed_plot(folder.releases(), folder.meta(), folder.path)
    blocks = document(folder)
    path = folder.path / "summary.md"
    path.write_text("# Release sweep\n\n" + render.markdown(blocks, folder.path, level=2))
    return path


def headline(records: List[Dict], meta: Dict) -> str:
    """The sweep in a few sentences: how much of today's code runs on earlier releases, who breaks it, who got
    faster or slower, and who shows upkeep trouble."""
    earlier = [r for r in records if not r.get("newest")]
    ran = [r for r in earlier if runs_everywhere(r)]
    facts = upkeep(records, meta)
    breaking = [fw for fw in facts if any(not runs_everywhere(r) and r.get("installed") for r in earlier
                                          if r["framework"] == fw)]
    moved = []
    for fw, f in facts.items():
        if f["trend"] and (f["trend"][2] < 1 or f["trend"][1] > 1):
            ratio, old = f["trend"][0], f"{framework_display(fw)} {f['trend_from']}"
            moved.append(f"{old} took {ratio:.2f}× the newest release's time" if ratio > 1 else
                         f"{old} took {ratio:.2f}× the newest release's time (the newest is {1 / ratio:.1f}× slower)")
    troubled = [f"{framework_display(fw)} ({'; '.join(troubles(f))})" for fw, f in facts.items() if troubles(f)]
    text = (f"Today's model files run unchanged, every model through the parity gate, on {len(ran)} of the "
            f"{len(earlier)} earlier releases swept ({len(facts)} frameworks).")
    if breaking:
        text += f" Earlier releases of {', '.join(map(framework_display, breaking))} do not run some of today's code."
    if moved:
        text += " Across releases: " + "; ".join(moved) + "."
    text += (" Upkeep trouble by C4's rule: " + "; ".join(troubled) + "." if troubled
             else " No framework shows upkeep trouble by C4's rule.")
    return text


def terminal_text(folder: RunFolder) -> str:
    """A short text for the end of `fwbench run --task releases`."""
    records = folder.releases()
    ran = sum(runs_everywhere(r) for r in records)
    return f"{len(records)} framework releases checked; today's code runs unchanged on {ran}."
