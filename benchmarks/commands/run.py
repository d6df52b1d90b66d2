"""`fwbench run`: the plan from the command line, the quiet-machine wait, the run and its answer."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Iterable, List, Optional, Sequence

from benchmarks import REPO_ROOT
from benchmarks.core import plan, records
from benchmarks.measure import envs
from benchmarks.frameworks import all_frameworks, get_framework
from benchmarks.core.errors import UserError
from benchmarks.core.plan import Plan
from benchmarks.measure.process_group import strays, strays_line
from benchmarks.core.run_folder import RunFolder
from benchmarks.commands.common import RESULTS, choose, console, thread_settings
from benchmarks.commands.setup import ensure_envs




def takes_pairs(args) -> bool:
    """Whether a new run measures in paired trials: the default of the full step-and-inference run (the
    method results/aa-methods supports: its intervals hold a rerun's ratio). --sequential, --quick (a first
    look, one process per cell), another --task, --shard and --one-cell-per-process run sequentially."""
    paired = bool(getattr(args, "paired", False))
    if paired and args.task != "speed":
        raise UserError("--paired times the step and inference tasks: drop --task, or drop --paired")
    if paired and (args.shard or args.one_cell_per_process):
        raise UserError("--shard and --one-cell-per-process are for sequential runs: drop them, or drop --paired")
    sequential = (getattr(args, "sequential", False) or args.quick or args.task != "speed" or args.shard
                  or args.one_cell_per_process)
    return paired or not sequential


def selection_plan(args) -> Plan:
    """The plan of a new run from the command line's selection."""
    suite = args.task
    frameworks = choose("framework", args.frameworks, list(all_frameworks()))
    models = choose("model", args.models, plan.available_models(suite))
    modes = choose("mode", args.modes, [m for m in plan.MODES if any(m in a.modes for a in all_frameworks().values())])
    # the default matrix: both thread settings; --quick and the size sweep: one pinned thread
    default_threads = ["1"] if args.quick or suite == "scaling" else thread_settings()
    threads = [int(t) for t in choose("thread setting", args.threads or default_threads, thread_settings())]
    name = "quick" if args.quick else "default"
    processes = args.processes or (1 if suite == "scaling" else None)  # the sweep: one process measures every size
    paired = takes_pairs(args)
    if paired:  # worker sets, each with its own baseline worker
        processes = args.processes or (1 if args.quick else PAIRED_WORKER_SETS)
    profile = plan.with_options(plan.PROFILES[name], timeout_s=args.timeout, processes=processes,
                                retries=args.retries, max_wait_s=args.max_wait,
                                baseline_factor=None if suite == "speed" and not paired else 1,  # speed only
                                shared_processes=False if args.one_cell_per_process else None)
    tunings = choose("tuning level", args.tuning or ["default"], list(plan.TUNINGS))
    from benchmarks.core.hardware import cpu_traits

    cpu = cpu_traits()
    def modes_of(fw: str) -> Iterable[str]:
        framework = get_framework(fw)
        if args.modes:
            return framework.modes
        if suite == "scaling":  # the size sweep: each framework as shipped and compiled
            return [m for m in framework.modes if m in (framework.default_mode, "compiled")]
        if args.quick and suite == "speed":  # a first look: each framework as shipped (the scoreboard's row)
            return [framework.default_mode]
        return framework.modes

    cells = plan.build_cells(frameworks, models, modes, threads, suite, modes_of, tunings,
                             lambda fw, tuning: get_framework(fw).knobs_for(tuning, cpu))
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
    from benchmarks.measure.peak import QUIET_CV, noise

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
    from benchmarks.core.hardware import machine_meta

    if args.task == "releases":
        return run_releases(args)
    if args.task == "methods":
        return run_methods(args)
    existing = args.resume or args.append or args.retry_failed
    if existing and args.shard:
        raise UserError("--shard starts a new run; a shard's folder is finished with --resume alone")
    if existing and (getattr(args, "rounds", None) or getattr(args, "paired", False)):
        raise UserError("--paired and --rounds start a new run: drop --resume, --append or --retry-failed")
    if existing:
        run_dir = Path(existing)
        meta = RunFolder.existing(run_dir).run_meta()
        if meta.get("paired") and not args.resume:
            raise UserError(f"{run_dir} is a paired run: --resume finishes its missing worker sets; --append and "
                            "--retry-failed are for sequential runs")
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
        if takes_pairs(args):
            from benchmarks.measure.paired import DUET_THREADS, TRIAL_ALONE_S, TRIAL_BUDGET_S, TRIAL_SAMPLES

            meta["paired"] = {"rounds": args.rounds or PAIRED_ROUNDS, "duet_threads": list(DUET_THREADS),
                              "trial": {"samples": TRIAL_SAMPLES, "budget_s": TRIAL_BUDGET_S, "alone_s": TRIAL_ALONE_S}}
    ensure_envs(list(dict.fromkeys(run_plan.frameworks + ([plan.BASELINE] if meta.get("paired") else []))))
    if "peak_gflops" not in meta:
        from benchmarks.measure.peak import peak_gflops
        from benchmarks.measure.runner import cpus_for

        meta["peak_gflops"] = {str(t): peak_gflops(cpus_for(t)) for t in sorted({c.threads for c in run_plan.cells})}
    if "noise" not in meta:
        from benchmarks.measure.peak import noise

        meta["noise"] = noise()
    meta["environments"] = {fw: envs.load_spec(fw).marker() for fw in run_plan.frameworks}
    RunFolder(run_dir).write_meta(meta)
    return execute(run_dir, run_plan, meta, retry_failed=bool(args.retry_failed))


# paired defaults: 6 rounds took the full matrix to about 32 min here (16 of them at 1 thread); with two
# worker sets the interval's largest term is how far the sets settle apart, which rounds do not narrow
PAIRED_WORKER_SETS, PAIRED_ROUNDS = 2, 5


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

    from benchmarks.measure import runner

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


def paired_minutes(run_plan: Plan, rounds: int) -> Optional[float]:
    """About how many minutes a paired run will take: the committed paired run of its profile, scaled by calls
    and worker sets, its trials (all but its workers' preparation) also by rounds (None without one)."""
    source = paired_source(run_plan)
    meta = source.meta() if source.meta_path.exists() else {}
    if not meta.get("paired") or not meta.get("wall_s") or meta.get("interrupted"):
        return None
    then = Plan.from_meta(meta)
    calls = lambda p: sum(len(c.tasks) for c in p.cells) * p.profile.processes  # noqa: E731
    prepared_s = min(preparation_s(source.raw()), meta["wall_s"])
    trials_s = (meta["wall_s"] - prepared_s) * rounds / meta["paired"].get("rounds", rounds)
    return (prepared_s + trials_s) / 60 * calls(run_plan) / max(1, calls(then))


def preparation_s(raw: List[dict]) -> float:
    """The seconds a paired run's workers spent preparing (import, build, parity), by its raw records: each
    worker once, two that prepared side by side on the two cores as one."""
    workers = {(r["framework"], r["mode"], r.get("tuning"), r["threads"], r["process"], r.get("attempt")):
               r["worker_prepare_s"] / (2 if r.get("prepared_beside") else 1)
               for r in raw if r.get("worker_prepare_s") is not None}
    return sum(workers.values())


def paired_source(run_plan: Plan) -> RunFolder:
    return RunFolder(RESULTS / ESTIMATE_FROM.get((run_plan.name, "speed"), "reference"))


def paired_estimate(run_plan: Plan, rounds: int) -> str:
    """`paired_minutes` as the start line says it ('' without a committed run to judge by)."""
    minutes = paired_minutes(run_plan, rounds)
    if minutes is None:
        return ""
    return (f"; about {max(1, round(minutes))} min (judging by results/{paired_source(run_plan).path.name}; a busy or "
            "slower host takes longer)")


def time_left(minutes: Optional[float], elapsed_s: float) -> str:
    """The progress line's estimate of the time left ('' without an estimate)."""
    if minutes is None:
        return ""
    left = minutes - elapsed_s / 60
    return f"; about {round(left)} min left" if left >= 1 else "; under a minute left by the estimate"


def run_paired(run_dir: Path, run_plan: Plan, meta: dict) -> bool:
    """The paired protocol (benchmarks/measure/paired.py) over the plan; True when interrupted."""
    from benchmarks.measure import paired

    rounds = meta["paired"]["rounds"]
    console().print(f"fwbench: {len(run_plan.cells)} cells in paired trials: {run_plan.profile.processes} worker "
                    f"set(s) per thread setting, {rounds} rounds each{paired_estimate(run_plan, rounds)}", highlight=False)
    minutes, began = paired_minutes(run_plan, rounds), time.time()
    try:
        with console().status("starting") as status:
            paired.run(run_dir, run_plan.cells, run_plan.profile, rounds, duet_threads=meta["paired"]["duet_threads"],
                       on_progress=lambda text: status.update(text + time_left(minutes, time.time() - began)))
    except KeyboardInterrupt:
        return True
    return False


def finish(run_dir: Path, meta: dict, started: float, interrupted: bool) -> int:
    """After the measurements: the machine's state, meta.json, the derived files, the table and the answer."""
    from benchmarks.outputs import report, run_outputs as outputs

    if not interrupted:  # the machine may have turned noisy while the run took
        from benchmarks.measure.peak import noise

        meta["noise_after"] = noise()
    meta["loadavg_after"] = list(os.getloadavg())
    left = strays()  # none, unless a framework's helper left its worker's process group
    meta["strays_after"] = len(left)
    if left:
        print(f"warning: {strays_line(left)}", file=sys.stderr)
    meta["wall_s"] = round(meta.get("wall_s", 0) + time.time() - started, 1)
    meta["interrupted"] = interrupted
    from benchmarks.measure.worker import peak_rss_mb

    meta["harness_peak_rss_mb"] = round(peak_rss_mb(), 1)  # the harness's own memory, workers not included
    from benchmarks.analysis import breakdown
    from benchmarks.outputs import render

    spent = breakdown.of_run(run_dir)
    if spent:
        render.terminal([breakdown.section(spent, f"Where the time went ({meta['wall_s'] / 60:.1f} min of wall time)")],
                        console())
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
    from benchmarks.analysis import scoreboard
    from benchmarks.outputs import report
    from benchmarks.analysis.views import thread_settings

    for threads in thread_settings(results):
        console().print(f"[bold]The answer, {threads} thread{'s' if threads > 1 else ''}:[/] "
                        + scoreboard.lead_paragraph(results, [], threads), highlight=False)
    report.print_claims(verdicts, console())


def run_releases(args) -> int:
    """`fwbench run --task releases`: the release sweep (benchmarks/measure/release_sweep.py), resumable."""
    from benchmarks.measure import release_sweep
    from benchmarks.core.hardware import machine_meta

    if args.append or args.retry_failed or args.shard or getattr(args, "paired", False) or args.quick:
        raise UserError("the release sweep takes --frameworks, --models, --rounds, --cap-gb, --out and --resume only")
    frameworks = choose("framework", args.frameworks, list(all_frameworks()))
    if args.resume:
        folder = RunFolder.existing(args.resume)
        meta = folder.meta()
        if "release_sweep" not in meta:
            raise UserError(f"{folder.path} is not a release sweep: resume it without --task releases")
        frameworks = meta["release_sweep"]["frameworks"]
    else:
        noise = quiet_enough(args.require_quiet)
        folder = RunFolder.new(args.out or RESULTS / time.strftime("releases-%Y%m%d-%H%M%S"))
        meta = dict(machine_meta(), noise=noise, command="fwbench " + " ".join(sys.argv[1:]),
                    release_sweep={"frameworks": frameworks, "rounds": args.rounds or release_sweep.ROUNDS,
                                   "cap_gb": release_sweep.CAP_GB if args.cap_gb is None else args.cap_gb,
                                   "models": choose("model", args.models, plan.available_models()),
                                   "timed_models": list(release_sweep.SPEED_MODELS),
                                   "timed_tasks": list(release_sweep.SPEED_TASKS)})
    ensure_envs(list(dict.fromkeys(frameworks)))
    meta["environments"] = {fw: envs.load_spec(fw).marker() for fw in frameworks}
    from benchmarks.core.friction import registry_facts

    meta["release_facts"] = {fw: registry_facts(get_framework(fw).install.package) for fw in frameworks}  # pip's own index
    folder.write_meta(meta)
    sweep = meta["release_sweep"]
    interrupted = timed_side_run(folder, meta, lambda progress: release_sweep.sweep(
        folder, frameworks, sweep["rounds"], sweep["cap_gb"], models=sweep["models"], on_progress=progress))
    from benchmarks.outputs import release_report

    release_report.write(folder)
    console().print(release_report.terminal_text(folder))
    return side_run_end(folder, meta, interrupted, "releases", "measured releases")


def run_methods(args) -> int:
    """`fwbench run --task methods`: the A/A comparison of measuring methods (benchmarks/measure/methods.py), resumable
    by (repeat, thread setting, method)."""
    from benchmarks.measure import methods
    from benchmarks.outputs import methods_report
    from benchmarks.core.hardware import machine_meta
    from benchmarks.measure.runner import USABLE

    if args.append or args.retry_failed or args.shard or getattr(args, "paired", False) or args.frameworks:
        raise UserError("the methods comparison takes --models, --threads, --rounds, --processes, --out and --resume only")
    if args.resume:
        folder = RunFolder.existing(args.resume)
        meta = folder.meta()
        if "methods_comparison" not in meta:
            raise UserError(f"{folder.path} is not a methods comparison: resume it without --task methods")
    else:
        noise = quiet_enough(args.require_quiet)
        folder = RunFolder.new(args.out or RESULTS / time.strftime("methods-%Y%m%d-%H%M%S"))
        threads = [int(t) for t in choose("thread setting", args.threads or thread_settings(), thread_settings())]
        meta = dict(machine_meta(), noise=noise, command="fwbench " + " ".join(sys.argv[1:]),
                    methods_comparison={"models": choose("model", args.models, plan.available_models()),
                                        "threads": threads, "rounds": args.rounds or methods.ROUNDS,
                                        "worker_sets": args.processes or methods.WORKER_SETS,
                                        "repeats": methods.REPEATS})
    ensure_envs([plan.BASELINE])
    meta["environments"] = {plan.BASELINE: envs.load_spec(plan.BASELINE).marker()}
    folder.write_meta(meta)
    setup = meta["methods_comparison"]
    done = {(r["repeat"], r["threads"], r["method"]) for r in folder.aa()}
    profile = plan.with_options(plan.PROFILES["default"], processes=1, baseline_factor=1)
    interrupted = timed_side_run(folder, meta, lambda progress: methods.compare(
        methods.aa_cells(setup["models"], setup["threads"]), profile, setup["rounds"], setup["worker_sets"],
        setup["repeats"], cores=len(USABLE), done=done, on_record=folder.append_aa, on_progress=progress))
    methods_report.write(folder)
    from benchmarks.outputs import render

    render.terminal(methods_report.document(folder.aa(), meta), console())
    return side_run_end(folder, meta, interrupted, "methods", "finished methods")


def timed_side_run(folder: RunFolder, meta: dict, work) -> bool:
    """A release sweep's or methods comparison's measuring, `work(progress)`, under a status line; its wall
    time, whether it was interrupted, the load and the noise after it kept in meta. True when interrupted."""
    started, interrupted = time.time(), False
    try:
        with console().status("starting") as status:
            work(lambda text: status.update(text))
    except KeyboardInterrupt:
        interrupted = True
    meta["wall_s"] = round(meta.get("wall_s", 0) + time.time() - started, 1)
    meta["interrupted"] = interrupted
    meta["loadavg_after"] = list(os.getloadavg())
    if not interrupted:
        from benchmarks.measure.peak import noise

        meta["noise_after"] = noise()
    folder.write_meta(meta)
    return interrupted


def side_run_end(folder: RunFolder, meta: dict, interrupted: bool, task: str, kept: str) -> int:
    """The last line of a `--task releases` or `--task methods` run, and its exit status."""
    if interrupted:
        print(f"fwbench: interrupted; {kept} are kept. Finish with: fwbench run --task {task} "
              f"--resume {folder.path}", file=sys.stderr)
        return 130
    print(f"results: {folder.path} ({meta['wall_s']:.0f} s): {folder.path / 'summary.md'}")
    return 0
