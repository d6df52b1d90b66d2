"""`fwbench` command line: parse, call, print. Errors are one line on stderr, exit 2."""
from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import time
from pathlib import Path
from typing import Iterable, List, Optional, Sequence

from benchmarks import REPO_ROOT, envs, plan, records
from benchmarks.adapters import all_adapters, get_adapter
from benchmarks.errors import UserError
from benchmarks.plan import Plan
from benchmarks.process_group import strays, strays_line
from benchmarks.run_folder import RunFolder

RESULTS = REPO_ROOT / "results"


def choose(kind: str, given: Optional[Sequence[str]], valid: Sequence[str]) -> List[str]:
    """Validate names (comma-separated or repeated); unknown ones name the valid choices."""
    if not given:
        return list(valid)
    names = [n.strip() for item in given for n in item.split(",") if n.strip()]
    for name in names:
        if name not in valid:
            close = difflib.get_close_matches(name, valid, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UserError(f"unknown {kind} '{name}'{hint}; valid: {', '.join(valid)}")
    return list(dict.fromkeys(names))


def console():
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 200)


def cmd_setup(args) -> int:
    frameworks = choose("framework", args.frameworks, list(all_adapters()))
    ensure_envs(frameworks)
    return 0


def ensure_envs(frameworks: Sequence[str]) -> None:
    """Create every missing environment; one failing framework does not stop the others."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    failures = []
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console()) as bar:
        for fw in frameworks:
            spec = envs.load_spec(fw)
            if spec.marker():
                envs.backfill_friction(spec)
                bar.console.print(f"[green]ready[/] {fw} ({spec.path})")
            else:
                task = bar.add_task(f"{fw}: starting")
                try:
                    marker = envs.create(spec, lambda line: bar.update(task, description=f"{fw}: {line[:100]}"))
                    bar.update(task, description=f"[green]built[/] {fw} {marker['framework_version']} "
                                                 f"in {marker['install_s']:.0f} s, {marker['size_mb']:.0f} MB")
                except (RuntimeError, OSError) as exc:
                    bar.update(task, description=f"[red]failed[/] {fw}")
                    failures.append(f"{fw}: {exc}")
                bar.stop_task(task)
            warm_caches(spec, bar)
    if failures:
        for failure in failures:
            print(failure, file=sys.stderr)
        raise UserError(f"setup failed for {', '.join(f.split(':')[0] for f in failures)} (details above)")


def warm_caches(spec: envs.EnvSpec, bar) -> None:
    """Once per environment whose framework keeps compiled kernels on disk: compile every model's, so that
    runs start from what a user has from their second run on. A failure here is reported, not fatal: the
    run's parity gate will say more."""
    from benchmarks.installs import install_of
    from benchmarks.runner import warm_caches as warm

    marker, modes = spec.marker(), install_of(spec.framework).warm_modes
    if not marker or not modes or "warm_pass_s" in marker:
        return
    task = bar.add_task(f"{spec.framework}: compiling every model once ({', '.join(modes)}), for its on-disk cache")
    facts = warm(spec.framework, modes, [int(t) for t in thread_settings()])
    envs.update_marker(spec, facts)
    failed = facts["warm_pass_failures"]
    bar.update(task, description=f"[green]warmed[/] {spec.framework}'s kernel cache in {facts['warm_pass_s']:.0f} s"
                                 + (f" ([red]{len(failed)} failed[/]: {failed[0][:120]})" if failed else ""))
    bar.stop_task(task)


def cmd_doctor(args) -> int:
    from rich.table import Table

    from benchmarks.installs import install_of

    table = Table(title=f"fwbench environments under {envs.cache_root() / 'envs'}")
    for col in ("Framework", "Status", "Python", "Version", "Size MB", "Install s", "Kernel cache", "Path"):
        table.add_column(col)
    for key, adapter in all_adapters().items():
        spec = envs.load_spec(key)
        m = spec.marker()
        if m:
            cache = "–" if not install_of(key).warm_modes else (
                f"filled in {m['warm_pass_s']:.0f} s" if "warm_pass_s" in m else "[yellow]empty: run fwbench setup")
            table.add_row(adapter.display, "[green]ready", m["python"], m["framework_version"],
                          f"{m['size_mb']:.0f}", f"{m['install_s']:.0f}", cache, str(spec.path))
        else:
            table.add_row(adapter.display, "[red]missing", f"({spec.python})", "–", "–", "–", "–",
                          f"run: fwbench setup {key}")
    console().print(table)
    report_strays()
    from benchmarks.hardware import scheduler_facts
    from benchmarks.peak import QUIET_CV, noise

    n = noise()
    console().print(f"Noise: a fixed numpy kernel pinned to core {n['cpu']} varied by CV {n['cv']:.1%} over "
                    f"{n['samples']} samples (p90/p10 {n['p90_over_p10']:.2f}): [{'green' if n['verdict'] == 'quiet' else 'red'}]"
                    f"{n['verdict']}[/]" + ("" if n["verdict"] == "quiet" else
                    f" (quiet is below {QUIET_CV:.0%}; stop other work before a committed run)"), highlight=False)
    facts = scheduler_facts()
    console().print(f"Scheduler: kernel {facts['kernel']}, preemption model {facts['preempt_model'] or 'unknown'}, "
                    f"tick {facts['tick_hz'] or '?'} Hz, virtual machine: {facts['virtual_machine']}.", highlight=False)
    if facts["spinning_penalised"]:
        tick = f"{1000 / facts['tick_hz']:.0f} ms" if facts["tick_hz"] else "one tick"
        console().print(f"[yellow]warning:[/] without kernel preemption a thread that busy-waits keeps its core until "
                        f"the next tick ({tick} here); on {os.cpu_count()} cores, frameworks whose runtimes spin "
                        "(MindSpore's PyNative pipeline, MegEngine's workers) are penalised. Their tuning knobs "
                        "(`fwbench run --tuning documented,all`) show by how much.", highlight=False)
    return 0


def report_strays() -> None:
    """Warn about processes of past runs still alive (a worker or what it forked)."""
    found = strays()
    console().print(f"[red]warning:[/] {strays_line(found)}" if found else "Processes of past runs: none alive.",
                    highlight=False)


def cmd_list(args) -> int:
    print("frameworks:", ", ".join(all_adapters()))
    for key, adapter in all_adapters().items():
        print(f"  {key}: " + "; ".join(f"{m} = {what}" for m, what in adapter.modes.items())
              + f"; default: {adapter.default_mode}")
        for knob in adapter.knobs:
            print(f"    tuning {knob.level}: {knob.label()} ({knob.effect}; {knob.source})")
    print("thread settings:", ", ".join(thread_settings()))
    print("models:", ", ".join(plan.available_models()))
    return 0


def thread_settings() -> List[str]:
    """1 thread pinned to one core, and all usable cores."""
    return list(dict.fromkeys(["1", str(len(os.sched_getaffinity(0)))]))


def selection_plan(args) -> Plan:
    """The plan of a new run from the command line's selection."""
    suite = args.task
    frameworks = choose("framework", args.frameworks, list(all_adapters()))
    models = choose("model", args.models, plan.available_models(suite))
    modes = choose("mode", args.modes, [m for m in plan.MODES if any(m in a.modes for a in all_adapters().values())])
    # the default matrix: both thread settings; --quick and the size sweep: one pinned thread
    default_threads = ["1"] if args.quick or suite == "scaling" else thread_settings()
    threads = [int(t) for t in choose("thread setting", args.threads or default_threads, thread_settings())]
    name = "quick" if args.quick else "default"
    processes = args.processes or (1 if suite == "scaling" else None)  # the sweep: one process measures every size
    paired = getattr(args, "paired", False)
    if paired and suite != "speed":
        raise UserError("--paired times the step and inference tasks: drop --task, or drop --paired")
    if paired:  # worker sets, each with its own baseline worker
        processes = args.processes or (1 if args.quick else PAIRED_WORKER_SETS)
    profile = plan.with_options(plan.PROFILES[name], timeout_s=args.timeout, processes=processes,
                                retries=args.retries, max_wait_s=args.max_wait,
                                baseline_factor=None if suite == "speed" and not paired else 1,  # speed only
                                shared_processes=False if args.one_cell_per_process else None)
    tunings = choose("tuning level", args.tuning or ["default"], list(plan.TUNINGS))
    from benchmarks.hardware import cpu_traits

    cpu = cpu_traits()
    def modes_of(fw: str) -> Iterable[str]:
        adapter = get_adapter(fw)
        if args.modes:
            return adapter.modes
        if suite == "scaling":  # the size sweep: each framework as shipped and compiled
            return [m for m in adapter.modes if m in (adapter.default_mode, "compiled")]
        if args.quick and suite == "speed":  # a first look: each framework as shipped (the scoreboard's row)
            return [adapter.default_mode]
        return adapter.modes

    cells = plan.build_cells(frameworks, models, modes, threads, suite, modes_of, tunings,
                             lambda fw, tuning: get_adapter(fw).knobs_for(tuning, cpu))
    if not cells:
        raise UserError(f"no framework among {', '.join(frameworks)} has mode {', '.join(modes)}: see `fwbench list`")
    return Plan(cells, profile, name)


def previous_costs(run_dir: Path) -> dict:
    """Seconds each cell took in an earlier run (its worker processes together), for balancing shards."""
    out = {}
    for r in RunFolder.existing(run_dir).records():
        if r.get("worker_s"):
            out.setdefault(plan.Cell.of(r), r["worker_s"] * r.get("processes", 1))
    return out


def sharded(full: Plan, index: int, count: int, costs_from: Optional[str]) -> tuple:
    """Shard `index` of `count` of the plan, balanced by expected cost, and its record for meta.json."""
    previous = previous_costs(Path(costs_from)) if costs_from else None
    cost = lambda c: plan.expected_cost(c, previous)  # noqa: E731
    cells = plan.shard(full.cells, index, count, cost)
    if not cells:
        raise UserError(f"shard {index}/{count} holds no cell of this {len(full.cells)}-cell plan: use fewer shards")
    return Plan(cells, full.profile, full.name), {
        "index": index, "count": count, "plan_cells": len(full.cells), "plan_digest": plan.plan_digest(full.cells),
        "expected_s": round(sum(map(cost, cells)), 1), "costs_from": costs_from or "static estimate"}


def shard_spec(text: str) -> tuple:
    """argparse type of --shard: 'K/N' with 1 <= K <= N."""
    try:
        index, count = (int(v) for v in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not K/N; give e.g. 1/4 (shard 1 of 4)")
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"{text}: K must be between 1 and N, e.g. 1/4 .. 4/4")
    return index, count


QUIET_RECHECK_S = 15.0  # --require-quiet MIN: how often a noisy machine is checked again


def quiet_enough(wait_min: Optional[float]) -> dict:
    """The machine's noise before a new run. With --require-quiet (`wait_min` not None), a noisy machine stops
    the run, after checking again every QUIET_RECHECK_S for up to `wait_min` minutes; the noise that let the
    run start then records the checks that refused it (`refused_cvs`)."""
    from benchmarks.peak import QUIET_CV, noise

    deadline, refused = time.monotonic() + (wait_min or 0.0) * 60, []
    while True:
        found = noise()
        if wait_min is None or found["verdict"] == "quiet":
            return dict(found, refused_cvs=refused) if refused else found
        refused.append(found["cv"])
        if time.monotonic() + QUIET_RECHECK_S > deadline:
            waited = f" for {wait_min:g} min ({len(refused)} checks, CV {min(refused):.1%}–{max(refused):.1%})" \
                if len(refused) > 1 else ""
            raise UserError(f"this machine is noisy{waited}: a fixed numpy kernel on one core varied by CV "
                            f"{found['cv']:.1%} (quiet is below {QUIET_CV:.0%}); stop other work or use a quieter "
                            f"machine, wait for it (--require-quiet MIN), or drop --require-quiet to measure anyway "
                            f"(every table will say so)")
        print(f"noisy (CV {found['cv']:.1%}): checking again in {QUIET_RECHECK_S:g} s "
              f"({(deadline - time.monotonic()) / 60:.1f} min left)", file=sys.stderr, flush=True)
        time.sleep(QUIET_RECHECK_S)


def cmd_run(args) -> int:
    from benchmarks.hardware import machine_meta

    existing = args.resume or args.append or args.retry_failed
    if existing and args.shard:
        raise UserError("--shard starts a new run; a shard's folder is finished with --resume alone")
    if existing and (getattr(args, "rounds", None) or getattr(args, "paired", False)):
        raise UserError("--paired and --rounds start a new run: drop --resume, --append or --retry-failed")
    if existing:
        run_dir = Path(existing)
        meta = RunFolder.existing(run_dir).run_meta()
        if meta.get("paired"):
            raise UserError(f"{run_dir} is a paired run, which is not resumed: take it again with --paired")
        run_plan = Plan.from_meta(meta)
        run_plan.profile = plan.with_options(run_plan.profile, timeout_s=args.timeout, retries=args.retries,
                                             max_wait_s=args.max_wait)
        if args.append:
            run_plan = run_plan.extended(selection_plan(args).cells)
            meta["plan"] = run_plan.to_meta()
    else:
        run_plan = selection_plan(args)
        shard = None
        if args.shard:
            run_plan, shard = sharded(run_plan, *args.shard, args.costs_from)
        machine_noise = quiet_enough(args.require_quiet)
        run_dir = RunFolder.new(args.out or RESULTS / time.strftime("%Y%m%d-%H%M%S")).path
        meta = machine_meta()
        meta["noise"] = machine_noise
        meta["command"] = "fwbench " + " ".join(sys.argv[1:])
        meta["profile"] = run_plan.name
        meta["plan"] = run_plan.to_meta()
        if shard:
            meta["shard"] = shard
        meta["records_schema"] = records.SCHEMA_VERSION
        if getattr(args, "paired", False):
            meta["paired"] = {"rounds": args.rounds or PAIRED_ROUNDS}
    ensure_envs(list(dict.fromkeys(run_plan.frameworks + ([plan.BASELINE] if meta.get("paired") else []))))
    if "peak_gflops" not in meta:
        from benchmarks.peak import peak_gflops
        from benchmarks.runner import cpus_for

        meta["peak_gflops"] = {str(t): peak_gflops(cpus_for(t)) for t in sorted({c.threads for c in run_plan.cells})}
    if "noise" not in meta:
        from benchmarks.peak import noise

        meta["noise"] = noise()
    meta["environments"] = {fw: envs.load_spec(fw).marker() for fw in run_plan.frameworks}
    RunFolder(run_dir).write_meta(meta)
    return execute(run_dir, run_plan, meta, retry_failed=bool(args.retry_failed))


PAIRED_WORKER_SETS, PAIRED_ROUNDS = 2, 6  # --paired's defaults


# The committed run whose worker times estimate a new run's length, by sampling profile and suite.
ESTIMATE_FROM = {("default", "speed"): "reference", ("quick", "speed"): "quick", ("default", "tta"): "tta",
                 ("default", "scaling"): "scaling"}


def plan_line(run_plan: Plan, todo: Sequence[tuple]) -> str:
    """What a run will do before it starts: its cells, worker processes and an estimate of its length from a
    committed run's worker times (a static guess for cells that run has not measured)."""
    suite = plan.suite_of(run_plan.cells[0].tasks[0]) if run_plan.cells else "speed"
    source = RESULTS / ESTIMATE_FROM.get((run_plan.name, suite), "reference")
    folder = RunFolder(source)
    measured = folder.records() if folder.has_records() else []
    known = {plan.Cell.of(r): r["worker_s"] for r in measured if r.get("worker_s")}  # one worker process of the cell
    imports = {plan.Cell.of(r): r.get("import_s") or 0.0 for r in measured}
    # a process that measures several cells imports its framework once
    seconds = sum(plan.expected_cost(c, known) - (imports.get(c, 0.0) if i else 0.0)
                  for group, *_ in todo for i, c in enumerate(group))
    how = (f"judging by {source.relative_to(REPO_ROOT).as_posix()}'s worker times"
           if any(c in known for group, *_ in todo for c in group) else "a rough guess")
    return (f"fwbench: {len(run_plan.cells)} cells, {len(todo)} worker processes; about {max(1, round(seconds / 60))} min "
            f"({how}; a busy or slower host takes longer)")


def execute(run_dir: Path, run_plan: Plan, meta: dict, retry_failed: bool = False) -> int:
    """Run (or finish, or retry the failed processes of) the plan, then write meta.json and the
    derived files and print the table."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from benchmarks import runner

    started = time.time()
    interrupted = False
    if meta.get("paired"):
        return finish(run_dir, meta, started, run_paired(run_dir, run_plan, meta))
    if retry_failed:
        todo = runner.failed_jobs(run_dir, run_plan.cells)
    else:
        todo = runner.remaining_jobs(run_dir, run_plan.cells, run_plan.profile)
    console().print(plan_line(run_plan, todo), highlight=False)
    try:  # refreshed only between workers: the harness stays idle while one samples
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TimeRemainingColumn(), console=console(), auto_refresh=False) as bar:
            task = bar.add_task("starting", total=len(todo))

            def on_job(cells, rep, finished, total):
                first = cells[0]
                bar.update(task, completed=finished, total=total, description=f"{first.framework} "
                           f"{'+'.join(c.model for c in cells)} {first.mode} t{first.threads} p{rep + 1}")
                bar.refresh()

            def on_busy(cores, waited):
                bar.update(task, description=f"[yellow]machine busy[/]: other processes use {cores:.2f} cores; "
                                             f"waiting ({waited:.0f} of at most {run_plan.profile.max_wait_s:.0f} s)")
                bar.refresh()

            meta["host_retakes"] = runner.run_matrix(run_dir, run_plan.profile, todo, on_job=on_job,
                                                     peaks=meta["peak_gflops"], commit=runner.run_commit(meta),
                                                     on_busy=on_busy)
            bar.update(task, completed=bar.tasks[0].total, description="done")
            bar.refresh()
    except KeyboardInterrupt:
        interrupted = True
    return finish(run_dir, meta, started, interrupted)


def run_paired(run_dir: Path, run_plan: Plan, meta: dict) -> bool:
    """The paired protocol (benchmarks/paired.py) over the plan; True when interrupted."""
    from benchmarks import paired

    rounds = meta["paired"]["rounds"]
    console().print(f"fwbench: {len(run_plan.cells)} cells in paired trials: {run_plan.profile.processes} worker "
                    f"set(s) per thread setting, {rounds} rounds each", highlight=False)
    try:
        with console().status("starting") as status:
            paired.run(run_dir, run_plan.cells, run_plan.profile, rounds,
                       on_progress=lambda text: status.update(text))
    except KeyboardInterrupt:
        return True
    return False


def finish(run_dir: Path, meta: dict, started: float, interrupted: bool) -> int:
    """After the measurements: the machine's state, meta.json, the derived files, the table and the answer."""
    from benchmarks import outputs, report

    if not interrupted:  # the machine may have turned noisy while the run took
        from benchmarks.peak import noise

        meta["noise_after"] = noise()
    meta["loadavg_after"] = list(os.getloadavg())
    left = strays()  # none, unless a framework's helper left its worker's process group
    meta["strays_after"] = len(left)
    if left:
        print(f"warning: {strays_line(left)}", file=sys.stderr)
    meta["wall_s"] = round(meta.get("wall_s", 0) + time.time() - started, 1)
    meta["interrupted"] = interrupted
    from benchmarks.worker import peak_rss_mb

    meta["harness_peak_rss_mb"] = round(peak_rss_mb(), 1)  # the harness's own memory, workers not included
    from benchmarks.breakdown import of_run, table

    spent = of_run(run_dir)
    if spent:
        report.print_rows(f"Where the time went (worker processes, {meta['wall_s'] / 60:.1f} min of wall time)",
                          *table(spent), console())
    RunFolder(run_dir).write_meta(meta)
    if interrupted:
        print(f"fwbench: interrupted; finished cells are kept. Finish with: fwbench run --resume {run_dir}",
              file=sys.stderr)
        return 130
    results, verdicts = outputs.build(run_dir)
    report.print_table(results, console(), meta)
    print_answer(results, verdicts)
    print(f"results: {run_dir} ({meta['wall_s']:.0f} s): tables in {run_dir / 'summary.md'}, "
          f"the report in {run_dir / 'report.html'}")
    return 0 if all(r["status"] == "ok" for r in results) else 1


def print_answer(results: List[dict], verdicts: List[dict]) -> None:
    """The answer at the end of a run: who is fast at each thread setting, and the claims' verdicts."""
    from benchmarks import report, scoreboard
    from benchmarks.views import thread_settings

    for threads in thread_settings(results):
        console().print(f"[bold]The answer, {threads} thread{'s' if threads > 1 else ''}:[/] "
                        + scoreboard.lead_paragraph(results, [], threads), highlight=False)
    report.print_claims(verdicts, console())


def cmd_report(args) -> int:
    from benchmarks import outputs, report

    folder = RunFolder.existing(args.run)
    run_dir = folder.path
    if args.reaggregate:
        from benchmarks import runner

        meta = folder.run_meta()
        runner.reaggregate(run_dir, meta)
        for fw, marker in (meta.get("environments") or {}).items():
            spec = envs.load_spec(fw)
            if marker and spec.marker() and spec.marker().get("spec_digest") == marker.get("spec_digest"):
                envs.backfill_friction(spec)
                meta["environments"][fw] = {**spec.marker(), **marker}  # new facts only: the run's own stay
        folder.write_meta(meta)
    results, verdicts = outputs.build(run_dir)
    report.print_table(results, console(), report.load_run(run_dir)[1])
    report.print_claims(verdicts, console())
    print(f"wrote {run_dir / 'summary.md'}")
    if args.readme:
        from benchmarks.readme import update_readme

        relative = lambda path: Path(path).resolve().relative_to(REPO_ROOT) if path else None  # noqa: E731
        update_readme(REPO_ROOT / "README.md", relative(run_dir), relative(args.repeat), relative(args.sweep),
                      relative(args.quick_run), relative(args.sweep_repeat), relative(args.tta_run))
        print("updated README.md")
    return 0


def cmd_loc(args) -> int:
    """Code metrics of every model file, straight from the sources (no run needed)."""
    from rich.table import Table

    from benchmarks.loc import metrics

    models = choose("model", args.models, plan.available_models())
    table = Table(title="Model files: code lines (pygount), tokens, distinct framework API calls, similarity to PyTorch")
    for col in ("Framework", "Model", "LOC", "Tokens", "API calls", "Similarity"):
        table.add_column(col)
    for key, adapter in all_adapters().items():
        for model in models:
            m = metrics(model, key)
            table.add_row(adapter.display, model, str(m["loc"]), str(m["tokens"]), str(m["api_calls"]),
                          f"{m['similarity_to_pytorch']:.2f}")
    console().print(table)
    return 0


def cmd_compare(args) -> int:
    from benchmarks import machines, render, reproducibility
    from benchmarks.compare import compare_records, read_raw
    from benchmarks.report import load_run

    if args.run_b:
        a, b = load_run(Path(args.run_a)), load_run(Path(args.run_b))
        names, raws = (args.run_a, args.run_b), (read_raw(Path(args.run_a)), read_raw(Path(args.run_b)))
    else:  # one merged run: its first two machines
        parts = machines.split(*load_run(Path(args.run_a)))
        if len(parts) < 2:
            raise UserError(f"{args.run_a} holds one machine: name two runs, or a run merged from two machines")
        (name_a, a_recs, a_meta), (name_b, b_recs, b_meta) = parts[:2]
        a, b, names, raws = (a_recs, a_meta), (b_recs, b_meta), (name_a, name_b), None
    rows = compare_records(a[0], b[0])
    if not rows:
        raise UserError(f"{names[0]} and {names[1]} share no cell: compare runs of the same frameworks and models")
    print_compare(rows, *names)
    render.terminal(reproducibility.document(a, b, names, raws), console())
    return 0


def print_compare(rows: List[dict], name_a: str, name_b: str) -> None:
    from rich.table import Table

    table = Table(title=f"{name_b} vs {name_a}: time ratio B/A (below 1 = B faster); significant when the 95% interval excludes 1")
    for col in ("Cell", "A ms", "B ms", "B/A", "95% interval", "Verdict", "Versions"):
        table.add_column(col)
    for r in rows:
        fmt = lambda v: "–" if v is None else f"{v:.3g}"  # noqa: E731
        interval = "–" if not r["ratio_ci"] else f"[{r['ratio_ci'][0]:.3f}, {r['ratio_ci'][1]:.3f}]"
        versions = r["a_version"] if r["a_version"] == r["b_version"] else f"{r['a_version']} → {r['b_version']}"
        style = {"slower": "red", "faster": "green"}.get(r["verdict"])
        table.add_row(r["cell"], fmt(r["a_ms"]), fmt(r["b_ms"]), fmt(r["ratio"]), interval, r["verdict"],
                      str(versions), style=style)
    console().print(table)


def print_table(title: str, header: List[str], rows: List[List[str]]) -> None:
    from rich.table import Table

    if rows:
        table = Table(*header, title=title)
        for row in rows:
            table.add_row(*row)
        console().print(table)


def cmd_merge(args) -> int:
    from benchmarks import outputs, report
    from benchmarks.merge import merge

    out = merge([Path(r) for r in args.runs], Path(args.out))
    results, _ = outputs.build(out)
    report.print_table(results, console(), report.load_run(out)[1])
    print(f"merged {len(args.runs)} runs into {out}")
    return 0


def cmd_validate(args) -> int:
    from benchmarks.validate import compare

    ensure_envs(["torch"])
    result = compare(rounds=args.rounds)
    print(json.dumps(result, indent=1))
    print(f"harness median {result['harness_ms']:.3f} ms vs bare loop {result['bare_ms']:.3f} ms: "
          f"ratio {result['ratio']:.3f}")
    return 0


class Parser(argparse.ArgumentParser):
    """Usage errors are one line naming the fix, exit status 2 (argparse's own prints the usage too)."""

    def error(self, message: str):
        self.exit(2, f"fwbench: error: {message}\n")


def number(kind: type, low: float, strict: bool = False):
    """An argparse type: a `kind` number >= low (> low when strict), or a one-line error naming the range."""
    bound = f"{'>' if strict else '>='} {low:g}"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a{'n integer' if kind is int else ' number'}; "
                                             f"give one {bound}")
        if value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(f"{text} is out of range; give a value {bound}")
        return value

    parse.__name__ = kind.__name__
    return parse


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="fwbench", description=__doc__)
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("setup", help="create missing framework environments")
    s.add_argument("frameworks", nargs="*")
    s.set_defaults(func=cmd_setup)
    sub.add_parser("doctor", help="list environments: ready or not").set_defaults(func=cmd_doctor)
    sub.add_parser("list", help="list frameworks and models").set_defaults(func=cmd_list)
    r = sub.add_parser("run", help="set up what is missing, run the benchmark, print the table")
    r.add_argument("--frameworks", "-f", action="append", help="e.g. torch,paddle")
    r.add_argument("--models", "-m", action="append")
    r.add_argument("--modes", action="append", help="eager, compiled, xla (default: every mode a framework has; with --quick: each framework's own default mode)")
    r.add_argument("--threads", "-t", action="append",
                   help="1 (one thread pinned to one core) and/or the core count, e.g. -t 1,2 (default: both; "
                        "with --quick: 1)")
    r.add_argument("--tuning", action="append",
                   help="default (as shipped), documented (knobs the framework's own docs list), all (undocumented "
                        "ones too); e.g. --tuning default,documented,all. A level adds cells only where it sets a knob")
    r.add_argument("--quick", action="store_true",
                   help="a first look: each framework as shipped (its default mode), one pinned thread, one process, few samples")
    r.add_argument("--require-quiet", nargs="?", const=0.0, type=number(float, 0), metavar="MIN",
                   help="refuse to start on a noisy machine (fwbench doctor's noise check): for committed runs; "
                        f"with MIN, check again every {QUIET_RECHECK_S:g} s for up to MIN minutes before refusing")
    r.add_argument("--task", choices=tuple(plan.SUITES), default="speed",
                   help="speed: step and inference timings (default); tta: time to accuracy on the digits data; scaling: the MLP swept from overhead-bound to compute-bound sizes")
    r.add_argument("--out", help="run folder (default results/<timestamp>)")
    existing = r.add_mutually_exclusive_group()
    existing.add_argument("--resume", metavar="RUN", help="finish an interrupted run: only its missing cells run")
    existing.add_argument("--append", metavar="RUN", help="add this selection's cells to an existing run and run them")
    existing.add_argument("--retry-failed", metavar="RUN",
                   help="rerun only the failed and timed-out worker processes of an existing run, then re-aggregate")
    r.add_argument("--shard", type=shard_spec, metavar="K/N",
                   help="run shard K of N of the plan (cells balanced by expected cost), e.g. a job array's "
                        "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT; join the folders with `fwbench merge`")
    r.add_argument("--costs-from", metavar="RUN", help="balance --shard by the cells' times in this earlier run")
    r.add_argument("--processes", type=number(int, 1),
                   help="worker processes per cell (default 3, and twice as many for PyTorch's cells, the baseline; "
                        "1 with --quick and --task scaling)")
    r.add_argument("--timeout", type=number(float, 0, strict=True),
                   help="seconds a worker process may take per cell it measures (default 900)")
    r.add_argument("--one-cell-per-process", action="store_true",
                   help="every worker process measures one cell (default: a cell's later processes each measure "
                        "every model of its framework, mode and thread setting in turn, one import for all)")
    r.add_argument("--max-wait", type=number(float, 0),
                   help="seconds to wait before a worker while other processes keep the machine busy (default 120; "
                        "30 with --quick); the cell is then measured anyway and flagged")
    r.add_argument("--retries", type=number(int, 0),
                   help="relaunches of a worker process that died by a signal or timed out, in a later round (default 1)")
    r.add_argument("--paired", action="store_true",
                   help="paired trials: long-lived workers, each call timed in short trials next to PyTorch's same call, "
                        "in random order round after round; ratios and intervals from the pairs, and an A/A test of "
                        "PyTorch against itself (docs/method.md, Paired trials). --processes: worker sets (default 2, "
                        "1 with --quick)")
    r.add_argument("--rounds", type=number(int, 1),
                   help="with --paired: rounds of trial pairs per worker set (default 6)")
    r.set_defaults(func=cmd_run)
    lc = sub.add_parser("loc", help="code metrics of the per-framework model files")
    lc.add_argument("--models", "-m", action="append")
    lc.set_defaults(func=cmd_loc)
    c = sub.add_parser("compare", help="per-cell ratios between two runs (or the two machines of a merged run), "
                                          "how far the ratios to PyTorch moved, and whether the claims' verdicts agree")
    c.add_argument("run_a")
    c.add_argument("run_b", nargs="?", help="omit to compare the machines of one merged run")
    c.set_defaults(func=cmd_compare)
    mg = sub.add_parser("merge", help="join run folders: shards of one plan, or runs from several machines")
    mg.add_argument("runs", nargs="+", metavar="RUN")
    mg.add_argument("--out", required=True, help="the new merged run folder")
    mg.set_defaults(func=cmd_merge)
    v = sub.add_parser("validate", help="compare the harness's timing of one cell with a bare hand-written loop")
    v.add_argument("--rounds", type=number(int, 1), default=5)
    v.set_defaults(func=cmd_validate)
    rep = sub.add_parser("report", help="rebuild the table and summary.md from a run's records")
    rep.add_argument("run")
    rep.add_argument("--readme", action="store_true", help="also rewrite README's results block from this run")
    rep.add_argument("--repeat", metavar="RUN", help="with --readme: the same command taken again, to show how well it reproduces")
    rep.add_argument("--sweep", metavar="RUN", help="with --readme: the size sweep's run (fwbench run --task scaling)")
    rep.add_argument("--sweep-repeat", metavar="RUN", help="with --sweep: the sweep taken again, to show how well its fits reproduce")
    rep.add_argument("--quick-run", metavar="RUN", help="with --readme: a `fwbench run --quick` run, for how long it took")
    rep.add_argument("--tta-run", metavar="RUN", help="with --readme: a `fwbench run --task tta` run, for time to accuracy")
    rep.add_argument("--reaggregate", action="store_true",
                     help="rebuild records.jsonl from raw.jsonl with the current statistics and metrics")
    rep.set_defaults(func=cmd_report)
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        if args.debug:
            raise
        print(f"fwbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fwbench: interrupted; finished records are kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
