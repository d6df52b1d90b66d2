"""README's generated blocks, rewritten from a run and the pitfalls file (never edited by hand)."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from benchmarks import REPO_ROOT, claims, porting, report
from benchmarks.records import write_atomic

RESULTS = ("<!-- results:start -->", "<!-- results:end -->")
PITFALLS = ("<!-- pitfalls:start -->", "<!-- pitfalls:end -->")
TIMING = ("<!-- timing:start -->", "<!-- timing:end -->")
ANSWER = ("answer_t1.png", "answer_t2.png")  # the headline picture, first in the block
PLOTS = ("speed_mlp_t1.png", "speed_resnet_t1.png", "accuracy_lenet5.png")  # training speed, accuracy curves


def readme_plots(run_dir: Path, names: tuple = PLOTS) -> List[Path]:
    """The plots README shows, those of them that the run has."""
    plots = REPO_ROOT / run_dir / "plots"
    return [plots / n for n in names if (plots / n).exists()]


def images(pngs: List[Path]) -> str:
    return "".join(f"\n![{png.stem}]({png.relative_to(REPO_ROOT).as_posix()})\n" for png in pngs)


def _replace(text: str, markers: tuple, block: str) -> str:
    start, end = text.index(markers[0]) + len(markers[0]), text.index(markers[1])
    return text[:start] + block + text[end:]


def reproducibility_markdown(run_dir: Path, repeat: Path, records: List[dict], meta: dict) -> str:
    """How well the run and its repeat agree: per estimator, how far the ratios to PyTorch moved, and
    whether every claim's verdict is the same."""
    from benchmarks import compare

    again, again_meta = report.load_run(REPO_ROOT / repeat)
    matches = compare.verdicts_match(claims.evaluate(records, meta), claims.evaluate(again, again_meta))
    same = all(m[3] for m in matches)
    by_processes = compare.process_count_text(compare.read_raw(REPO_ROOT / run_dir), compare.read_raw(REPO_ROOT / repeat))
    share = compare.baseline_share_text(compare.baseline_share(records, again))
    speeds = compare.host_speed_text(meta, again_meta, compare.compare_records(records, again),
                                    ("this run", "the repeat"))
    by_threads = compare.thread_agreement_text(compare.thread_agreement(records, again))
    by_skew = compare.skew_agreement_text(compare.skew_agreement(records, again))
    no_steady = compare.no_steady_text(records, again, ("this run", "the repeat"))
    by_framework = compare.framework_agreement_table(compare.framework_agreement(records, again))
    verdicts = (f"The claims' verdicts: {'all the same' if same else 'not all the same'} ("
                + "; ".join(f"{cid} {va}" + ("" if ok else f" → {vb}") for cid, va, vb, ok in matches) + ").")
    return (f"\n### Does it reproduce?\n\n`{repeat.as_posix()}` is the same command taken again "
            f"({again_meta.get('date', '?')}; this run: {meta.get('date', '?')}). `fwbench compare {run_dir.as_posix()} "
            f"{repeat.as_posix()}`: for every step and inference cell, how far its time ratio to PyTorch moved "
            f"between the two runs (|ratio in the repeat / ratio here − 1|), by estimator:\n\n"
            + report.markdown(compare.REPRO_HEADER, compare.reproducibility_rows(records, again)) + "\n\n"
            + "".join(f"- {line}\n" for line in (verdicts, by_threads, by_skew, no_steady, by_processes, share,
                                                   speeds) if line)
            + (f"\nBy framework, how far its ratios to PyTorch moved (median / 90th percentile, cells), best reproduced "
               f"first:\n\n{report.markdown(*by_framework)}\n" if by_framework[1] else ""))



def tta_markdown(run: Path) -> str:
    """Time to accuracy, from its own run: the table as shipped and at best, and the accuracy curves."""
    from benchmarks.tta import TARGET_ACCURACY

    records, meta = report.load_run(REPO_ROOT / run)
    header, rows = report.tta_summary(records)
    if not rows:
        return ""
    plots = [p for p in sorted((REPO_ROOT / run / "plots").glob("accuracy_*.png"))]
    processes = (meta.get("plan") or {}).get("profile", {}).get("processes", "?")
    return (f"\n### Time to {TARGET_ACCURACY:.0%} test accuracy on the digits\n\n"
            f"From `{run.as_posix()}` ({meta.get('date', '?')[:10]}, {meta.get('cpu_model', '?')}, 1 thread, "
            f"{processes} process(es) per cell, `{meta.get('command', 'fwbench run --task tta')}`)"
            f"{report.noisy_machine_text(meta)}. {report.data_quality_line(records, meta)} Seconds of training (evaluation not "
            "counted) until the test accuracy first reaches the target, each framework's accuracy curve within "
            "3 points of the float64 reference's; the ratio is to PyTorch's same view; fastest as shipped first.\n\n"
            + report.markdown(header, rows) + "\n"
            + images(plots))


def sweep_markdown(sweep: Path, repeat: Optional[Path] = None) -> str:
    """The size sweep's training fits and its plot, from the sweep's own run (its machine named, a noisy one
    said so), and how far its fits moved in `repeat`, the sweep taken again."""
    from benchmarks import scaling

    records, meta = report.load_run(REPO_ROOT / sweep)
    sections = report.scaling_sections(records, meta)[:1]
    plot = REPO_ROOT / sweep / "plots" / "scaling_as_shipped.png"
    source = (f"From `{sweep.as_posix()}` ({meta.get('date', '?')}, {(meta.get('wall_s') or 0) / 60:.0f} min, "
              f"{meta.get('cpu_model', '?')} with {meta.get('cores', '?')} cores, commit "
              f"`{(meta.get('git_commit') or '?')[:12]}`){report.noisy_machine_text(meta)}.")
    if repeat:
        again = report.load_run(REPO_ROOT / repeat)[0]
        found = scaling.fit_agreement(records, again)
        if found:
            source += (f" Taken again as `{repeat.as_posix()}`, its numbers moved by (median / 90th percentile, "
                       f"`fwbench compare {sweep.as_posix()} {repeat.as_posix()}`): {scaling.agreement_text(found)}.")
    return "".join(f"\n### {title}\n\n{source} {text}\n\n{report.markdown(header, rows)}\n"
                   for title, text, header, rows in sections) + (
        f"\n![scaling_as_shipped]({plot.relative_to(REPO_ROOT).as_posix()})\n\n{SWEEP_READING}\n" if plot.exists() else "")


SWEEP_READING = ("How to read it: where a framework's line lies above PyTorch's at the left (small steps) but meets "
                 "it at the right, its gap is fixed overhead per step, which a larger model hides; a line that stays "
                 "above at the right is slower arithmetic, which a larger model does not hide.")


def timing_text(runs: List[Path]) -> str:
    """How long each given run took, with its command, and where the first one's time went."""
    from benchmarks.breakdown import PHASES, of_run

    parts = []
    for run in runs:
        meta = report.load_run(REPO_ROOT / run)[1]
        plan = meta.get("plan", {})
        parts.append(f"`{meta.get('command', 'fwbench run')}` took {(meta.get('wall_s') or 0) / 60:.1f} min "
                     f"({len(plan.get('cells', []))} cells × {plan.get('profile', {}).get('processes', '?')} processes"
                     f"{', interrupted' if meta.get('interrupted') else ''}; `{run.as_posix()}`)")
    text = "; ".join(parts) + "."
    first = of_run(REPO_ROOT / runs[0])
    if first:
        totals = {p: sum(f[p] for f in first.values()) for p in PHASES}
        grand = sum(totals.values()) or 1
        slowest = sorted(first.items(), key=lambda kv: -sum(kv[1].values()))[:3]
        text += (" Of the worker time in the first: " + ", ".join(f"{p} {totals[p] / grand:.0%}" for p in PHASES)
                 + "; the slowest frameworks: " + ", ".join(f"{fw} {sum(v.values()) / 60:.1f} min" for fw, v in slowest)
                 + " (per phase in its summary.md)")
    return text + "."


def update_readme(readme: Path, run_dir: Path, repeat: Optional[Path] = None, sweep: Optional[Path] = None,
                  quick: Optional[Path] = None, sweep_repeat: Optional[Path] = None, tta: Optional[Path] = None) -> None:
    """Replace README's results block with the answer from `run_dir` (a path relative to the repo), with
    its agreement with `repeat` and the size sweep of `sweep` when given, and its pitfalls block with
    models/pitfalls.toml; the timing line gives how long each of them, and the `--quick` run `quick`, took."""
    records, meta = report.load_run(REPO_ROOT / run_dir)
    run = run_dir.as_posix()
    options = "".join(f" --{name} {path.as_posix()}" for name, path in
                      (("repeat", repeat), ("sweep", sweep), ("sweep-repeat", sweep_repeat), ("quick-run", quick),
                       ("tta-run", tta))
                      if path)
    results = (f"\n<!-- generated by `fwbench report {run} --readme{options}`; do not edit -->\n"
               + images(readme_plots(run_dir, ANSWER)) + "\n"
               + report.summary_markdown(records, meta, claims.evaluate(records, meta), full=False)
               + (reproducibility_markdown(run_dir, repeat, records, meta) if repeat else "")
               + (sweep_markdown(sweep, sweep_repeat) if sweep else "")
               + (tta_markdown(tta) if tta else "")
               + images(readme_plots(run_dir))
               + f"\nEvery table of the run (per model and task, as shipped and at best, step anatomy, code metrics, "
                 f"the API-equivalence table): [`{run}/summary.md`]({run}/summary.md); the same as one page with a "
                 f"heat map and the implementations side by side: `{run}/report.html` (open it in a browser).\n")
    pitfalls = (f"\n<!-- generated from models/pitfalls.toml by `fwbench report {run} --readme{options}`; do not edit -->\n"
                + report.markdown(porting.PITFALL_HEADER, porting.pitfall_rows()) + "\n")
    text = _replace(_replace(readme.read_text(), RESULTS, results), PITFALLS, pitfalls)
    text = _replace(text, TIMING, timing_text([r for r in (run_dir, repeat, sweep, quick, tta) if r]))
    write_atomic(readme, text)
