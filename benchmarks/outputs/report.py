"""Tables from records alone: the terminal table and summary.md."""
from __future__ import annotations

import re
import signal
from typing import Dict, List, Optional

from benchmarks import REPO_ROOT
from benchmarks.analysis import scaling
from benchmarks.core import records as rec
from benchmarks.frameworks import all_frameworks, framework_display
from benchmarks.frameworks.framework import knob_text
from benchmarks.core.plan import BASELINE, TASKS, TUNINGS, Cell, suite_of, task_order
from benchmarks.core.records import shipped_ratio
from benchmarks.outputs.render import markdown_table as markdown
from benchmarks.core.stats import ESTIMATOR, UNSTEADY_SPREAD

COLUMNS = ("Framework", "Version", "Model", "Task", "Mode", "Thr", "Time ms [95% CI]",
           "Time vs PyTorch as shipped", "First step ms", "Parity fwd / loss", "Status", "LOC")


def _fmt(value: Optional[float], digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def sort_key(record: Dict) -> tuple:
    order = list(all_frameworks())
    fw = order.index(record["framework"]) if record["framework"] in order else len(order)
    return (record["model"], record["task"], record["mode"], record["threads"], fw)


def interval_text(r: Dict, scale: float = 1.0) -> str:
    """The 95% interval as [lo, hi], or why there is none (a single sample has no spread to bootstrap)."""
    if not r.get("time_ci95_ms") or len(r.get("samples_ms") or []) < 2:
        return "[one sample: no interval]"
    lo, hi = r["time_ci95_ms"]
    return f"[{lo * scale:.3g}, {hi * scale:.3g}]"


def estimator_text(records: List[Dict]) -> str:
    """Which estimator the records' headline times are ("Minimum"; "Median" for records older than the
    choice), named once for the tables that follow."""
    names = sorted({r["estimator"] for r in records if r.get("estimator")})
    return (" / ".join(names) or ESTIMATOR).capitalize()


def time_text(r: Dict) -> str:
    if r.get("time_ms") is None:
        return f"{r['status']}: {r.get('reason', '')}"[:60]
    text = f"{r['time_ms']:.3g} {interval_text(r)}" + (
        f" unsteady ±{r['process_spread']:.0%}" if r.get("unsteady") else "")
    if r.get("threads_verified") is False:
        text += f" ⚠ cpu×{r['cpu_wall_ratio']:.1f}"
    return text


def table_rows(records: List[Dict]) -> List[List[str]]:
    """Every cell, one row each (the long table)."""
    cells = rec.by_cell(records)
    names = {k: a.display for k, a in all_frameworks().items()}
    rows = []
    for r in sorted(records, key=sort_key):
        ratio = shipped_ratio(r, cells)
        parity = "–" if r.get("parity_forward_max_abs") is None else (
            f"{r['parity_forward_max_abs']:.1e} / {r['parity_loss_max_rel']:.1e}")
        status = r["status"] if r["status"] == "ok" else f"{r['status']}: {r.get('reason', '')}"[:80]
        rows.append([names.get(r["framework"], r["framework"]), str(r.get("framework_version") or "–"),
                     r["model"], r["task"], r["mode"], str(r["threads"]), time_text(r) if r.get("time_ms") else "–",
                     "–" if ratio is None else f"{ratio:.2f}×", _fmt(r.get("first_step_ms")), parity,
                     status, str(r.get("loc", "–"))])
    return rows


def pivot_groups(records: List[Dict]) -> List[tuple]:
    """(model, task, threads) groups in reading order: train first, 1 thread first."""
    keys = {(r["model"], r["task"], r["threads"]) for r in records if suite_of(r["task"]) != "scaling"}
    return sorted(keys, key=lambda k: (k[0], task_order(k[1]), k[2]))


def tuning_label(record: Dict) -> str:
    """' + MS_DEV_HOST_BLOCKING_RUN=1 (documented)' for a tuned record, '' for an untuned one."""
    if record.get("tuning", "default") == "default":
        return ""
    return f" + {knob_text(record.get('knobs') or {})} ({record['tuning']} tuning)"


def pivot(records: List[Dict], model: str, task: str, threads: int, compact: bool = False) -> tuple:
    """Header and rows: one row per framework (and tuning level), one column per mode, ratios against
    PyTorch; "(default)" marks the mode each framework ships with."""
    chosen = [r for r in records if (r["model"], r["task"], r["threads"]) == (model, task, threads)]
    cells = rec.by_cell(records)
    modes = [m for m in ("eager", "compiled", "xla") if any(r["mode"] == m for r in chosen)]
    header = (["Framework", "Version"] + [f"{m} ms [95% CI]" for m in modes]
              + ([] if compact else [f"{m} vs PyTorch as shipped" for m in modes])
              + ["First step ms (" + " / ".join(modes) + ")", "Peak RSS MB", "LOC"])
    rows = []
    for (key, framework), tuning in ((item, t) for item in all_frameworks().items() for t in TUNINGS):
        mine = {r["mode"]: r for r in chosen if r["framework"] == key and r.get("tuning", "default") == tuning}
        if not mine:
            continue
        any_r = next(iter(mine.values()))
        name = framework.display + tuning_label(any_r)
        ratios = [shipped_ratio(mine[m], cells) if m in mine else None for m in modes]
        rss = [r["peak_rss_mb"] for r in mine.values() if r.get("peak_rss_mb")]
        ratio_texts = ["–" if x is None else f"{x:.2f}×" for x in ratios]
        medians = [time_text(mine[m]) if m in mine else "n/a" for m in modes]
        if compact:
            medians = [f"{m} {r}" if m != "n/a" else m for m, r in zip(medians, ratio_texts)]
        medians = [f"{m} (default)" if mode == framework.default_mode and tuning == "default" and m != "n/a" else m
                   for m, mode in zip(medians, modes)]
        rows.append([name, str(any_r.get("framework_version") or "–")] + medians
                    + ([] if compact else ratio_texts)
                    + [" / ".join(_fmt(mine[m].get("first_step_ms")) if m in mine else "n/a" for m in modes),
                       _fmt(max(rss)) if rss else "–", str(any_r.get("loc", "–"))])
    return header, rows


def views_table(records: List[Dict], threads: int) -> tuple:
    """Per framework, as shipped and at its best: geometric-mean time vs PyTorch's same view."""
    from benchmarks.analysis import views

    header = ["Framework", "As shipped: mode", "train vs PyTorch", "all tasks vs PyTorch",
              "Best: modes; tuning", "train vs PyTorch", "all tasks vs PyTorch"]
    shipped, best = (views.ratios(records, v, threads) for v in views.VIEWS)

    def text(entries: List[Dict], task=None) -> str:
        g = views.geomean_of(entries or [], task)
        return "–" if g is None else f"{g[0]:.2f}× [{g[1]:.2f}, {g[2]:.2f}]"

    rows = []
    for key, framework in all_frameworks().items():
        if key not in shipped and key not in best:
            continue
        rows.append([framework.display, framework.default_mode, text(shipped.get(key), "train"), text(shipped.get(key)),
                     views.settings_text(best.get(key, [])) or "–", text(best.get(key), "train"), text(best.get(key))])
    return header, rows


def anatomy_table(records: List[Dict], model: str, threads: int) -> tuple:
    """Where a training step's CPU time goes, per framework, mode and tuning: main thread vs helpers."""
    header = ["Framework", "Mode", "Step ms", "Main thread CPU ms", "Helper threads CPU ms (largest)",
              "Context switches per step (voluntary / involuntary)"]
    rows = []
    for r in sorted(records, key=sort_key):
        anatomy = r.get("thread_cpu_ms_per_step")
        if (r["model"], r["task"], r["threads"]) != (model, "train", threads) or not anatomy or not r.get("time_ms"):
            continue
        helpers = {k: v for k, v in anatomy.items() if k != "main"}
        largest = ", ".join(f"{k} {v:.2g}" for k, v in sorted(helpers.items(), key=lambda kv: -kv[1])[:3])
        switches = r.get("ctx_switches_per_step") or {}
        rows.append([framework_display(r["framework"]) + tuning_label(r), r["mode"], f"{r['time_ms']:.3g}",
                     _fmt(anatomy.get("main")), f"{sum(helpers.values()):.3g}" + (f" ({largest})" if largest else ""),
                     f"{switches.get('voluntary', 0):.3g} / {switches.get('involuntary', 0):.3g}"])
    return header, rows


def _threads_text(threads: int) -> str:
    return f"{threads} thread{'s' if threads > 1 else ''}"


def view_sections(records: List[Dict]) -> List[tuple]:
    """(title, text, header, rows) of the as-shipped and best views, one per thread setting."""
    from benchmarks.analysis.views import thread_settings

    return [(f"Each framework as shipped and at its best, {_threads_text(t)}", VIEWS_TEXT, *views_table(records, t))
            for t in thread_settings(records)]


def anatomy_sections(records: List[Dict]) -> List[tuple]:
    """(title, text, header, rows) of the step anatomy of the MLP (the most overhead-bound model)."""
    from benchmarks.analysis.views import thread_settings

    model = "mlp" if any(r["model"] == "mlp" for r in records) else min((r["model"] for r in records), default="")
    out = []
    for t in thread_settings(records):
        header, rows = anatomy_table(records, model, t)
        if rows:
            out.append((f"Anatomy of a {model} training step, {_threads_text(t)}", ANATOMY_TEXT, header, rows))
    return out


def code_friction_table(records: List[Dict], meta: Dict) -> tuple:
    """Per framework: code metrics summed over models, and its environment's install friction."""
    header = ["Framework", "LOC", "Tokens", "API calls", "Similarity to PyTorch", "Env MB", "Install s",
              "Newest release", "Wheels (newest)", "Extra install steps"]
    rows = []
    for key, framework in all_frameworks().items():
        mine = {r["model"]: r for r in records if r["framework"] == key}
        if not mine:
            continue
        env = (meta.get("environments") or {}).get(key) or {}
        reg = env.get("registry") or {}
        total = lambda k: sum(r.get(k) or 0 for r in mine.values())  # noqa: E731
        sims = [r["similarity_to_pytorch"] for r in mine.values() if r.get("similarity_to_pytorch") is not None]
        size = (env.get("size_mb") or 0) + (env.get("cache_mb") or 0)
        rows.append([framework.display, str(total("loc")), str(total("tokens")), str(total("api_calls")),
                     f"{sum(sims) / len(sims):.2f}" if sims else "–", f"{size:.0f}" if size else "–",
                     _fmt(env.get("install_s")),
                     f"{reg.get('newest_release', '?')} ({reg.get('newest_release_date', '?')})" if reg else "–",
                     ", ".join(reg.get("wheels_newest_release") or []) or ("source only" if reg else "–"),
                     "; ".join(env.get("install_notes") or []) or "none"])
    return header, rows


def tta_table(records: List[Dict]) -> tuple:
    header = ["Framework", "Model", "Mode", "Threads", "Seconds to target [95% CI]", "Epochs", "Final accuracy",
              "Curve vs reference (max abs)", "Status"]
    rows = []
    for r in sorted((r for r in records if r["task"] == "tta"), key=sort_key):
        seconds = "–" if not r.get("time_ms") else f"{r['time_ms'] / 1000:.3g} {interval_text(r, 1 / 1000)}"
        rows.append([framework_display(r["framework"]), r["model"], r["mode"], str(r["threads"]), seconds,
                     str(r.get("epochs_to_target") or "–"), _fmt(r.get("final_accuracy")),
                     _fmt(r.get("parity_accuracy_max_abs")),
                     r["status"] if r["status"] == "ok" else f"{r['status']}: {r.get('reason', '')}"])
    return header, rows


def tta_summary(records: List[Dict], threads: int = 1) -> tuple:
    """(header, rows): per framework and model, seconds of training to the target accuracy as shipped and at
    its best (fastest mode), each relative to PyTorch's same view; fastest as shipped first."""
    from benchmarks.frameworks import default_mode

    tta = [r for r in records if r["task"] == "tta" and r["threads"] == threads and r.get("tuning", "default") == "default"]
    models = sorted({r["model"] for r in tta})
    ok = [r for r in tta if r["status"] == "ok" and r.get("time_ms")]
    shipped = {(r["framework"], r["model"]): r for r in ok if r["mode"] == default_mode(r["framework"])}
    best: Dict[tuple, Dict] = {}
    for r in ok:
        key = (r["framework"], r["model"])
        if key not in best or r["time_ms"] < best[key]["time_ms"]:
            best[key] = r

    def cell(view: Dict[tuple, Dict], fw: str, model: str) -> str:
        r, base = view.get((fw, model)), view.get((BASELINE, model))
        if not r:
            failed = next((x for x in tta if (x["framework"], x["model"]) == (fw, model) and x["status"] != "ok"), None)
            return failed["status"] if failed else "–"
        ratio = f", {r['time_ms'] / base['time_ms']:.2f}×" if base else ""
        return f"{r['time_ms'] / 1000:.2f} s{ratio} ({r['mode']}, {r.get('epochs_to_target')} epochs)"

    frameworks = sorted({r["framework"] for r in tta}, key=lambda fw: min(
        (shipped[(fw, m)]["time_ms"] / shipped[(BASELINE, m)]["time_ms"] for m in models
         if (fw, m) in shipped and (BASELINE, m) in shipped), default=float("inf")))
    header = ["Framework"] + [f"{m} {view}" for m in models for view in ("as shipped", "best")]
    rows = [[framework_display(fw)] + [cell(view, fw, m) for m in models for view in (shipped, best)] for fw in frameworks]
    return header, rows


def pivot_title(model: str, task: str, threads: int) -> str:
    what = TASKS[task].title if task in TASKS else task
    return f"{model}: {what}, {threads} thread{'s' if threads > 1 else ''}"


def print_table(records: List[Dict], console, meta: Optional[Dict] = None) -> None:
    """The size sweep's fits and the per-task pivots, as rich tables (per machine, for a merged run)."""
    from benchmarks.analysis.machines import split

    tables = []
    for label, recs, machine_meta in split(records, meta or {}):
        where = f" — on {label}" if label else ""
        tables += [(section.title + where, section.blocks[-1].header, section.blocks[-1].rows)
                   for section in scaling.sections(recs, machine_meta)]
        tables += [(pivot_title(m, t, n) + " — ms, lower is better; × = vs PyTorch as shipped" + where,
                    *pivot(recs, m, t, n, compact=True)) for m, t, n in pivot_groups(recs)]
    for title, header, rows in tables:
        print_rows(title, header, rows, console)


def print_rows(title: str, header: List[str], rows: List[List[str]], console) -> None:
    from rich.table import Table

    table = Table(title=title)
    for name in header:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


VERDICT_COLOURS = {"supported": "green", "refuted": "red", "mixed": "yellow"}


def print_claims(verdicts: List[Dict], console) -> None:
    for c in verdicts:
        console.print(f"[bold]{c['id']}[/] {c['claim']} → [{VERDICT_COLOURS.get(c['verdict'], 'white')}]{c['verdict']}[/]",
                      highlight=False)
        for part in c.get("parts", []):
            console.print(f"    {part['statement']}: [{VERDICT_COLOURS.get(part['verdict'], 'white')}]{part['verdict']}[/] "
                          f"({'; '.join(part['why'])})", highlight=False)
        if not c.get("parts"):
            for line in c["evidence"]:
                console.print(f"    {line}", highlight=False)


MODES_HEADER = ["Framework", "Modes", "Ships in (its getting-started guide)", "Tuning knobs (level: setting, source)"]


def modes_rows() -> List[List[str]]:
    """Per framework: what each of its modes is, the one it ships in and why we say so, its knobs."""
    return [[a.display, "; ".join(f"{m}: {what}" for m, what in a.modes.items()),
             f"{a.default_mode} ({a.default_mode_source})",
             "; ".join(f"{k.level}: {k.label()}{k.where()} ({k.effect}; {k.source})"
                       for k in a.knobs) or "none"]
            for a in all_frameworks().values()]


VIEWS_TEXT = ("*As shipped*: each framework in the mode its own getting-started guide trains in (marked "
              "“(default)” in the tables below; TensorFlow and JAX ship compiled) with no tuning. *Best*: per model and "
              "task, the fastest of the framework's modes and tuning levels in this run (a minimum over settings, so "
              "slightly flattering). Geometric means over models and tasks of the time ratio against PyTorch's same "
              "view; below 1.00× is faster.")
ANATOMY_TEXT = ("CPU time per training step over the sampling window, from /proc/self/task: the Python (main) thread "
                "and the framework's helper threads by name, and the process's context switches per step. Helper "
                "time beyond the step's own work is threads waiting in busy loops; on a kernel without preemption "
                "they keep a core until the next tick (see `fwbench doctor`).")


def processes_text(meta: Dict) -> str:
    """'3 worker processes per cell', and PyTorch's count where it has more."""
    profile = meta.get("plan", {}).get("profile", {})
    processes, factor = profile.get("processes", "?"), profile.get("baseline_factor", 1)
    baseline = (f"; PyTorch's, the baseline's, {processes * factor}, its minimum the one {processes} of them would "
                f"show: the median over every {processes}" if factor > 1 and processes != "?" else "")
    return f"{processes} worker process{'es' if processes != 1 else ''} per cell{baseline}"


def commit_text(meta: Dict) -> str:
    """The run's commit in backticks, and what its checkout changed when git found it dirty."""
    from benchmarks.core.run_folder import code_changes

    commit = str(meta.get("git_commit") or "?")
    if not commit.endswith("-dirty"):
        return f"`{commit[:12]}`"
    changed = code_changes(meta)
    if meta.get("changed_files") and not changed:
        return f"`{commit[:12]}` (its checkout differed only in run folders under results/)"
    return f"`{commit[:12]}` with changes to tracked files (" + (
        ", ".join(f"`{f}`" for f in changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        if changed else "which, the run did not record") + ")"


def run_context(meta: Dict) -> str:
    """One sentence: where, when and how the run was taken."""
    peaks = ", ".join(f"{float(v):.0f} GFLOP/s at {k} thread(s)" for k, v in meta.get("peak_gflops", {}).items())
    return (f"Run of {meta.get('date', '?')} on {meta.get('cpu_model', '?')} ({meta.get('cpu_vendor', '?')}, "
            f"{meta.get('cores', '?')} cores), {meta.get('os', '?')}; commit {commit_text(meta)}; "
            f"profile `{meta.get('profile', '?')}` ({processes_text(meta)}); wall time {meta.get('wall_s', '?')} s; load average before/after "
            f"{_load(meta.get('loadavg_before'))} / {_load(meta.get('loadavg_after'))}; numpy sgemm peak {peaks or '?'}."
            + (f" Note recorded with the run: {meta['note']}" if meta.get("note") else "")
            + (f" {merged_text(meta)}" if meta.get("merged_from") else ""))


MACHINES_TEXT = ("Each framework as it ships, time relative to PyTorch on the same machine (geometric mean over "
                 "models and tasks, with conservative 95% intervals): a ratio that moves between machines is the "
                 "hardware changing the answer. Below, what tells the machines apart, then each machine's own report.")


def merged_text(meta: Dict) -> str:
    """Where a merged run's parts come from: one clause per source folder."""
    sources = meta.get("merged_from") or []
    text = "Merged from " + "; ".join(
        f"{s['run']} ({s['machine']}, {s['cells']} cells" + (f", shard {s['shard']['index']}/{s['shard']['count']}"
                                                            if s.get("shard") else "")
        + f", {s.get('date') or '?'}, commit {str(s.get('git_commit') or '?')[:12]})" for s in sources) + "."
    if meta.get("missing_shards"):
        text += f" Missing shards: {', '.join(meta['missing_shards'])}."
    return text


def machines_markdown(parts: List[tuple], meta: Dict, verdicts: Dict[str, List[Dict]], link_root: str) -> str:
    """A run from several machines as Markdown: the machines side by side, then each machine's summary."""
    from benchmarks.analysis import machines

    out = [merged_text(meta), "", "### Machines side by side", "", MACHINES_TEXT, "",
           markdown(*machines.side_by_side(parts)), "", markdown(*machines.facts_table(parts)), ""]
    for label, recs, machine_meta in parts:
        out += [f"## On {label}", "", summary_markdown(recs, machine_meta, verdicts[label], link_root=link_root), ""]
    return "\n".join(out)


def measurement_name(r: Dict) -> str:
    """framework/model/mode/t<threads>/task, as lists of measurements name them."""
    return f"{r['framework']}/{r['model']}/{r['mode']}/t{r['threads']}/{r['task']}"


def partial_text(records: List[Dict], meta: Dict) -> str:
    """'**Partial run: ...** ' when shards are missing or the plan is not done (interrupted, or cells without
    records); '' for a complete run."""
    planned = {Cell(**c) for c in meta.get("plan", {}).get("cells", [])}
    done = {Cell.of(r) for r in records}
    text = ""
    if meta.get("missing_shards"):
        text = f"**Partial run: shards {', '.join(meta['missing_shards'])} are missing.** "
    if planned and (meta.get("interrupted") or not planned <= done):
        text = (f"**Partial run: {len(planned & done)} of {len(planned)} planned cells have records"
                f"{' (interrupted)' if meta.get('interrupted') else ''}.** " + text)
    return text


def completeness(records: List[Dict], meta: Dict) -> str:
    """How much of the plan has records and how much of it is ok; says "partial" when the plan is not done."""
    bad = [r for r in records if r["status"] != "ok"]
    text = (f"{len(records) - len(bad)} of {len(records)} measurements ok (a measurement is one task of one cell; "
            f"a cell is one framework × model × mode × thread setting)")
    if bad:
        text += "; not ok: " + "; ".join(f"{measurement_name(r)}: {r['status']}" for r in bad[:20])
    text = partial_text(records, meta) + text
    text += noisy_machine_text(meta)
    from benchmarks.measure.guard import BUSY_CORES, STEAL_CORES, busy

    noisy_machine = list({measurement_name(r).rsplit("/", 1)[0]: r for r in records if busy(r)}.values())
    if noisy_machine:
        text += (f". **Measured on a busy machine** ({len(noisy_machine)} cells: other processes used more than "
                 f"{BUSY_CORES} of a core, or the hypervisor stole more than {STEAL_CORES}, while their workers ran): "
                 + "; ".join(f"{measurement_name(r).rsplit('/', 1)[0]} {r.get('background_cpu') or 0:.2f} cores busy, "
                             f"{r.get('steal') or 0:.2f} stolen" for r in noisy_machine[:10])
                 + ". Their times may be inflated: stop other work and take the run again")
    text += host_slow_text(records, meta.get("host_retakes"))
    text += flaky_text(records)
    return text + "."


def data_quality_line(records: List[Dict], meta: Dict) -> str:
    """completeness() in one line (README): a partial run and the measurements that are not ok in full, the
    cells measured in poor conditions counted, each of them named in the run's summary.md."""
    from benchmarks.measure.guard import busy, host_slow
    from benchmarks.measure.peak import QUIET_CV

    bad = [r for r in records if r["status"] != "ok"]
    text = f"{len(records) - len(bad)} of {len(records)} measurements ok"
    if bad:
        text += " (not ok: " + "; ".join(f"{measurement_name(r)}: {r['status']}" for r in bad[:10]) + ")"
    text = partial_text(records, meta) + text
    cells = lambda keep: len({measurement_name(r).rsplit("/", 1)[0] for r in records if keep(r)})  # noqa: E731
    checks = [(when, meta[key]) for when, key in (("before", "noise"), ("after", "noise_after")) if meta.get(key)]
    flags, counted = [], False
    if any(n.get("verdict") == "noisy" for _, n in checks):
        flags.append("a noisy host (a fixed numpy kernel varied by " + " and ".join(f"CV {n['cv']:.1%} {when}"
                     for when, n in checks) + f" the run; quiet is below {QUIET_CV:.0%})")
    for count, what in ((cells(busy), "measured while other work ran"), (cells(host_slow), "on a slow host"),
                        (cells(lambda r: r.get("warnings")), "with a worker process retried or lost")):
        if count:
            flags.append(f"{count} cell{'s' if count > 1 else ''} {what}")
            counted = True
    named = " (each named in the run's summary.md)" if counted else ""
    return text + (". Data quality: " + "; ".join(flags) + named if flags else "") + "."


def flaky_text(records: List[Dict]) -> str:
    """The cells whose worker processes were retried or lost, grouped by what happened (the warning's first
    line: one crashed shared process names every cell it measured, and its stderr once)."""
    reasons: Dict[str, List[str]] = {}
    for r in records:
        if r.get("warnings"):
            cells = reasons.setdefault(r["warnings"][0].split(" | ")[0], [])
            cell = measurement_name(r).rsplit("/", 1)[0]
            if cell not in cells:
                cells.append(cell)
    if not reasons:
        return ""
    return ". Flaky (a worker process was retried or lost): " + "; ".join(
        f"{reason} ({len(cells)} cell{'s' if len(cells) > 1 else ''}: {', '.join(cells[:6])}"
        + (f" and {len(cells) - 6} more" if len(cells) > 6 else "") + ")" for reason, cells in reasons.items())


def noisy_machine_text(meta: Dict) -> str:
    """A warning when the machine's own noise check (before the run, and after it) said noisy: host noise
    that no process in the machine shows, so that the busy-machine guard cannot see it."""
    from benchmarks.measure.peak import QUIET_CV

    checks = [(when, meta[key]) for when, key in (("before", "noise"), ("after", "noise_after")) if meta.get(key)]
    if not any(n.get("verdict") == "noisy" for _, n in checks):
        return ""
    return (". **Taken on a noisy machine**: a fixed numpy kernel pinned to one core varied by "
            + " and ".join(f"CV {n['cv']:.1%} {when} the run" for when, n in checks)
            + f" (quiet is below {QUIET_CV:.0%}), with nothing else running in the machine: its host was busy. "
              "Times and ratios may move between runs by more than their intervals; take runs to rely on with "
              "`fwbench run --require-quiet`")


def host_slow_text(records: List[Dict], retakes: Optional[Dict] = None) -> str:
    """How many worker processes were taken again because the host ran their cores slow, why retaking
    stopped (`retakes`: the run's guard.RetakeBudget summary), and the cells whose kept processes were
    still taken on a slow host."""
    from benchmarks.measure.guard import HOST_SLOW, host_slow

    cell = lambda r: measurement_name(r).rsplit("/", 1)[0]  # noqa: E731 (a cell's tasks count once)
    again = sum({cell(r): r.get("host_retried") or 0 for r in records}.values())
    slow = list({cell(r): r for r in records if host_slow(r)}.values())
    text = (f". {again} cell-processes (a shared worker process counts once per cell it measured) were taken again "
            f"because a probe of the worker's cores just before or after "
            f"it ran more than {HOST_SLOW - 1:.0%} slower than the run's fastest (a busy host), and the faster "
            "attempt counts") if again else ""
    if retakes and retakes.get("skipped"):
        why = (f"its budget, {retakes['share']:.0%} of the first pass's {retakes['first_pass_s'] / 60:.0f} min, was spent"
               if retakes["stopped"] == "budget" else
               f"only {retakes['full_speed']} of {retakes['taken']} retakes had found the host at full speed")
        text += (f". {retakes['skipped']} more slow-host worker processes were not taken again: {why} "
                 f"({retakes['taken']} retaken in {retakes['spent_s'] / 60:.1f} min, worst first)")
    if slow:
        text += (f". **Measured on a slow host** ({len(slow)} cells, even after that: "
                 + "; ".join(f"{cell(r)} ×{r['host_slowdown']:.2f}" for r in slow[:10])
                 + "). Their times may be inflated; take the run again on a quieter host")
    return text


def parity_text(records: List[Dict]) -> str:
    """What the parity gate says about the timed cells, counted from the records."""
    timed = [r for r in records if r.get("time_ms") is not None and r.get("forward_tol") is not None]
    passed = [r for r in timed if r["parity_forward_max_abs"] <= r["forward_tol"]
              and r["parity_loss_max_rel"] <= r["loss_tol"]]
    tols = sorted({(r["forward_tol"], r["loss_tol"]) for r in timed})
    tol_text = "; ".join(f"forward ≤ {f:g}, loss ≤ {l:g}" for f, l in tols)
    steps = sorted({r["parity_steps"] for r in timed if r.get("parity_steps")})
    span = "–".join(map(str, dict.fromkeys([steps[0], steps[-1]]))) if steps else ""
    over = f", the loss over the first {span} SGD steps" if steps else ""
    return f"{len(passed)} of {len(timed)} timed step and inference measurements passed the parity gate ({tol_text}{over})."


def porting_sections(records: List[Dict], meta: Dict, link_root: str) -> list:
    """The API-equivalence table, the layout conventions and the porting pitfalls, linked to the code."""
    from benchmarks.analysis import porting
    from benchmarks.core.document import Paragraph, Section, Table

    names, table = porting.for_run(records, meta)
    layouts = [[name, *(by_fw.get(fw, "") for fw in names)] for name, by_fw in porting.layouts(list(names))]
    return [Section("The same concept in each framework", [
                Paragraph(porting.API_TEXT.replace(" in the Rosetta stone above", "")),
                Table(["Concept", *names.values()], porting.api_markdown_rows(table, list(names), link_root))]),
            Section("Layout conventions the harness converts", [
                Paragraph(porting.LAYOUT_TEXT), Table(["Convention", *names.values()], layouts)]),
            Section("Porting pitfalls the parity gate caught", [
                Paragraph(porting.PITFALL_TEXT), Table(porting.PITFALL_HEADER, porting.pitfall_rows(link_root))])]


def reading_text(records: List[Dict]) -> str:
    return (f"{estimator_text(records)} time per call in ms with its 95% confidence interval (bootstrap over processes "
            "and samples; none where there is one sample). "
            "*vs PyTorch* is the ratio of those times in this run against PyTorch as shipped (eager, no tuning), the "
            "one baseline of every table and plot (a paired run: the paired ratio): below 1.00× is faster. "
            f"`unsteady ±N%` marks a cell whose worker processes' own estimates lie more than {UNSTEADY_SPREAD:.0%} "
            "apart (the framework settles into different states from one process to the next; such cells reproduce "
            "worst between runs); `⚠ cpu×N` marks a worker that used more cores than its thread setting. Train = "
            f"forward + backward + SGD update with the loss read back. {parity_text(records)} LOC = code lines of the "
            "model file (pygount).")


def detail_sections(records: List[Dict], meta: Dict) -> list:
    """Every table beyond the scoreboard and the claims, one section each: the views, one per model x task
    x threads, the step anatomy, the size sweep, time to accuracy, code metrics, modes, where the run's time
    went, first and later processes, every cell. summary.md shows them in full, report.html folded."""
    from benchmarks.core.document import Paragraph, Section, Table

    out = [Section(title, [Paragraph(text), Table(header, rows)]) for title, text, header, rows in view_sections(records)]
    out += [Section(pivot_title(m, t, n), [Table(*pivot(records, m, t, n))]) for m, t, n in pivot_groups(records)]
    out += [Section(title, [Paragraph(text), Table(header, rows)]) for title, text, header, rows in anatomy_sections(records)]
    unsteady = unsteady_rows(records)
    if unsteady:
        out.append(Section("Unsteady cells and their causes", [Paragraph(UNSTEADY_TEXT), Table(UNSTEADY_HEADER, unsteady)]))
    crashed = crash_rows(records)
    if crashed:
        out.append(Section("Crashed workers and their causes", [Paragraph(CRASH_TEXT), Table(CRASH_HEADER, crashed)]))
    out += scaling.sections(records, meta)
    tta_rows = tta_table(records)
    if tta_rows[1]:
        out.append(Section("Time to accuracy (digits): epochs and final accuracy", [Table(*tta_rows)]))
    out += [Section("Code metrics and install friction", [Table(*code_friction_table(records, meta))]),
            Section("What each mode is, the one each framework ships in, and its tuning knobs",
                    [Table(MODES_HEADER, modes_rows(), css="modes")])]
    if meta.get("time_breakdown_s"):
        from benchmarks.analysis import breakdown

        out.append(breakdown.section(meta["time_breakdown_s"]))
    if meta.get("later_shift"):
        from benchmarks.analysis.compare import later_shift_text

        out.append(Section("First and later processes", [Paragraph(later_shift_text(meta["later_shift"]))]))
    out.append(Section("Every cell", [Table(list(COLUMNS), table_rows(records))]))
    return out


UNSTEADY_HEADER = ["Framework", "Threads", "Unsteady cells", "Widest spread", "Cause"]
UNSTEADY_TEXT = (f"Cells whose worker processes' own estimates lie more than {UNSTEADY_SPREAD:.0%} apart (`unsteady ±N%` "
                 "in the tables): the framework settled into different speeds from one process to the next, so a "
                 "rerun can land on either, and the cell's interval, which counts how far its processes settle "
                 "apart, is wide for it. The cause is the framework's, where it was found (each framework folder's "
                 "`unsteady_cause`).")


def framework_order(fw: str) -> int:
    """Where a framework comes in tables (its folder's `order`; after the known ones if it has no folder)."""
    from benchmarks.frameworks import get_framework

    return get_framework(fw).order if fw in all_frameworks() else 99


def framework_cause(fw: str, kind: str) -> str:
    """The cause a framework's folder names for `kind` ("unsteady_cause", "crash_cause"), or "not found"."""
    from benchmarks.frameworks import get_framework

    return (getattr(get_framework(fw), kind) if fw in all_frameworks() else "") or "not found"


def unsteady_rows(records: List[Dict]) -> List[List[str]]:
    """Per framework and thread setting with unsteady cells: how many of its timed cells, the widest spread,
    and the cause its framework names ("not found" where none is known)."""
    groups: Dict[tuple, List[Dict]] = {}
    for r in records:
        if r.get("time_ms") is not None and r.get("unsteady") is not None:
            groups.setdefault((r["framework"], r["threads"]), []).append(r)
    rows = []
    for (fw, threads), group in sorted(groups.items(), key=lambda kv: (framework_order(kv[0][0]), kv[0][1])):
        flagged = [r for r in group if r["unsteady"]]
        if flagged:
            rows.append([framework_display(fw), str(threads), f"{len(flagged)} of {len(group)}",
                         f"±{max(r['process_spread'] for r in flagged):.0%}", unsteady_cause(fw, flagged)])
    return rows


def unsteady_cause(fw: str, flagged: List[Dict]) -> str:
    """The framework's cause, and before it the allocator's where some of its unsteady cells' processes
    mapped memory afresh at different rates (stats.faults_apart), naming those cells."""
    from benchmarks.core.stats import faults_apart

    apart = [r for r in flagged if faults_apart(r)]
    cause = framework_cause(fw, "unsteady_cause")
    if not apart:
        return cause
    names = ", ".join(f"{r['model']} {r['task']}" for r in apart[:4]) + (" and more" if len(apart) > 4 else "")
    lows, highs = min(min(r["process_page_faults"]) for r in apart), max(max(r["process_page_faults"]) for r in apart)
    return (f"{names}: its processes mapped {lows:,.0f} to {highs:,.0f} pages afresh per call, by the state its "
            f"allocator reached (glibc's dynamic mmap threshold; docs/experiments/2026-12-08-pair-order.md)"
            + ("" if cause == "not found" else f". Otherwise: {cause}"))


CRASH_HEADER = ["Framework", "Mode", "Threads", "Measurements failed", "Measurements retried", "Signals", "Cause"]
CRASH_TEXT = ("Cells whose worker process died by a signal: its measurements failed where the relaunch died too, and "
              "were retried where a relaunch took them. The cause is the framework's, where it was found in its own "
              "code (each framework folder's `crash_cause`).")
SIGNAL = re.compile(r"killed by signal (\d+)")


def crash_rows(records: List[Dict]) -> List[List[str]]:
    """Per framework, mode and thread setting whose workers died by a signal: how many measurements failed and how
    many were retried, the signals, and the cause its framework names ("not found" where none is known)."""
    groups: Dict[tuple, Dict] = {}
    for r in records:
        failed = SIGNAL.findall(r.get("reason") or "") if r["status"] != "ok" else []
        retried = SIGNAL.findall(" ".join(r.get("warnings") or []))
        if failed or retried:
            group = groups.setdefault((r["framework"], r["mode"], r["threads"]), {"failed": 0, "retried": 0, "signals": set()})
            group["failed"] += bool(failed)
            group["retried"] += bool(retried) and not failed
            group["signals"] |= set(failed + retried)
    return [[framework_display(fw), mode, str(threads), str(g["failed"]), str(g["retried"]),
             ", ".join(signal.Signals(int(n)).name for n in sorted(g["signals"], key=int)),
             framework_cause(fw, "crash_cause")]
            for (fw, mode, threads), g in sorted(groups.items(), key=lambda kv: (framework_order(kv[0][0]), kv[0][1:]))]


def summary_document(records: List[Dict], meta: Dict, verdicts: List[Dict], link_root: str = "../../") -> list:
    """The run as one document: its context, the scoreboards, how to read the tables, every table, the
    claims and the porting tables. `link_root`: the page's path to the repository."""
    from benchmarks.analysis import scoreboard
    from benchmarks.core.document import Paragraph, Section, prose
    from benchmarks.analysis.views import thread_settings

    tables = detail_sections(records, meta)
    at = next((i for i, sec in enumerate(tables) if sec.title.startswith("What each mode")), len(tables))
    return (prose(run_context(meta), completeness(records, meta), *aa_lines(records, meta))
            + [scoreboard.section(records, meta, verdicts, t) for t in thread_settings(records)]
            + [Section("How to read the tables below", [Paragraph(reading_text(records))])]
            + tables[:at] + [Section("The published claims", claims_document(verdicts))] + tables[at:at + 1]
            + porting_sections(records, meta, link_root) + tables[at + 1:])


def summary_markdown(records: List[Dict], meta: Dict, verdicts: List[Dict], link_root: str = "../../") -> str:
    """summary.md: `summary_document` as Markdown."""
    from benchmarks.outputs.render import markdown as render_markdown

    return render_markdown(summary_document(records, meta, verdicts, link_root), REPO_ROOT)


def aa_lines(records: List[Dict], meta: Dict) -> List[str]:
    """The run's A/A test (compare.aa_text, put in `aa_test` by outputs.build from the run's raw records), as
    lines of prose; [] without one."""
    return [meta["aa_test"]] if meta.get("aa_test") else []


PARTS_HEADER = ["Statement", "Verdict", "What decides it"]


def claim_parts_rows(claim: Dict) -> List[List[str]]:
    return [[p["statement"], p["verdict"], "; ".join(p["why"])] for p in claim.get("parts", [])]


def claims_table(verdicts: List[Dict]) -> tuple:
    """(header, rows): each claim, where it was published in its own words, its verdict and its statements'."""
    rows = [[f"**{c['id']}** {c['claim']}", f"“{c['quote']}” ({c['source']})", f"**{c['verdict']}**",
             "; ".join(f"{p['statement']}: {p['verdict']}" for p in c.get("parts", [])) or "; ".join(c["evidence"])]
            for c in verdicts]
    return ["Claim", "Published as", "Verdict", "Its statements"], rows


def claims_document(verdicts: List[Dict]) -> list:
    """Each claim as a section: its verdict, where it was published in its own words, its statements with
    what decides each, and (folded in HTML) the rule and the evidence."""
    from benchmarks.core.document import Bullets, Paragraph, Section, Table

    return [Section(f"{c['id']}: {c['claim']}", [
        Paragraph(f"Verdict: **{c['verdict']}**. Published as: “{c['quote']}” ({c['source']})."),
        *([Table(PARTS_HEADER, claim_parts_rows(c))] if c.get("parts") else []),
        Section("Rule and evidence", [Paragraph(f"Rule: {c['rule']}"), Bullets(list(c["evidence"]))], folded=True)])
        for c in verdicts]


def claims_markdown(verdicts: List[Dict]) -> str:
    from benchmarks.outputs.render import markdown as render_markdown

    return render_markdown(claims_document(verdicts), REPO_ROOT, level=4)


def _load(values: Optional[List[float]]) -> str:
    return "?" if not values else " ".join(f"{v:.2f}" for v in values)
