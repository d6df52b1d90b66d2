"""`fwbench setup`, `doctor` and `list`: the framework environments and what they hold."""
from __future__ import annotations

import os
import sys
from typing import Sequence

from benchmarks.core import plan
from benchmarks.measure import envs
from benchmarks.frameworks import all_frameworks, get_framework
from benchmarks.core.errors import UserError
from benchmarks.measure.process_group import strays, strays_line
from benchmarks.commands.common import choose, console, thread_settings


def cmd_setup(args) -> int:
    frameworks = choose("framework", args.frameworks, list(all_frameworks()))
    ensure_envs(frameworks)
    if getattr(args, "releases", False):
        return build_releases(frameworks)
    return 0


def build_releases(frameworks: Sequence[str]) -> int:
    """Every earlier release's environment, while the releases' environments stay under the sweep's cap
    (the sweep builds the rest as it goes); one line for each that cannot be built."""
    from benchmarks.measure import release_sweep

    for fw in frameworks:
        for release in release_sweep.releases_of(fw)[:-1]:
            name = f"{fw} {release.version}"
            if release.spec.marker() is None and release_sweep.releases_gb() > release_sweep.CAP_GB:
                console().print(f"[yellow]left for the sweep[/] {name}: releases' environments hold more than "
                                f"{release_sweep.CAP_GB:g} GB")
                continue
            with console().status(f"{name}: building") as status:
                marker = release_sweep.build(release, lambda line: status.update(f"{name}: {line[:100]}"))
            if "install_error" in marker:
                console().print(f"[red]cannot install[/] {name}: {marker['install_error']}", highlight=False)
            else:
                console().print(f"[green]ready[/] {name} ({marker.get('framework_version')}, "
                                f"{marker.get('size_mb', 0):.0f} MB)", highlight=False)
    return 0  # a release that cannot be built is a finding, said above, not a failure of setup


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
    from benchmarks.measure.runner import warm_caches as warm

    marker, modes = spec.marker(), get_framework(spec.framework).install.warm_modes
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


    from benchmarks.core.friction import index_url

    index = index_url()
    table = Table(title=f"fwbench environments under {envs.cache_root() / 'envs'}; releases from {index}")
    for col in ("Framework", "Status", "Python", "Version", "Newer on the index", "Size MB", "Install s",
                "Kernel cache", "Path"):
        table.add_column(col)
    for key, framework in all_frameworks().items():
        spec = envs.load_spec(key)
        m = spec.marker()
        if m:
            cache = "–" if not get_framework(key).install.warm_modes else (
                f"filled in {m['warm_pass_s']:.0f} s" if "warm_pass_s" in m else "[yellow]empty: run fwbench setup")
            table.add_row(framework.display, "[green]ready", m["python"], m["framework_version"],
                          newer_text(get_framework(key).install.package, m["framework_version"], index, m["python"]),
                          f"{m['size_mb']:.0f}", f"{m['install_s']:.0f}", cache, str(spec.path))
        else:
            table.add_row(framework.display, "[red]missing", f"({spec.python})", "–", "–", "–", "–", "–",
                          f"run: fwbench setup {key}")
    console().print(table)
    report_strays()
    from benchmarks.core.hardware import scheduler_facts
    from benchmarks.measure.peak import QUIET_CV, noise

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


def newer_text(package: str, pinned: str, index: str, python: str) -> str:
    """'3.4.0 (2026-11-20)' when the index has a newer release that installs here on the environment's CPython,
    '–' when it has none (naming a newer one that needs another CPython), or why it could not tell."""
    from benchmarks.core.friction import newer_release, registry_facts

    facts = registry_facts(package, index, timeout=15)
    if facts.get("registry_error"):
        return f"[yellow]unknown[/] ({facts['registry_error'][:60]})"
    newer = newer_release(pinned, facts, python)
    if newer:
        when = next((r["date"] for r in facts.get("releases", []) if r["version"] == newer), "")
        return f"[yellow]{newer}[/] ({when})"
    other = newer_release(pinned, facts)
    return f"– ({other} needs another CPython)" if other else "–"


def cmd_releases(args) -> int:
    """Each framework's releases on the index pip is configured with: the newest, the cadence, its wheels."""
    from benchmarks.outputs import render
    from benchmarks.core.document import Paragraph, Table
    from benchmarks.core.friction import index_url, registry_facts, releases_table

    index = index_url()
    rows = []
    for key, framework in all_frameworks().items():
        marker = envs.load_spec(key).marker() or {}
        package = get_framework(key).install.package
        rows.append((framework.display, package, marker.get("framework_version", "–"), registry_facts(package, index)))
    render.terminal([Paragraph(f"Releases on {index} (pip's configured index), final and not yanked:"),
                     Table(*releases_table(rows))], console())
    return 0


def report_strays() -> None:
    """Warn about processes of past runs still alive (a worker or what it forked)."""
    found = strays()
    console().print(f"[red]warning:[/] {strays_line(found)}" if found else "Processes of past runs: none alive.",
                    highlight=False)


def cmd_list(args) -> int:
    print("frameworks:", ", ".join(all_frameworks()))
    for key, framework in all_frameworks().items():
        print(f"  {key}: " + "; ".join(f"{m} = {what}" for m, what in framework.modes.items())
              + f"; default: {framework.default_mode}")
        for knob in framework.knobs:
            print(f"    tuning {knob.level}: {knob.label()} ({knob.effect}; {knob.source})")
    print("thread settings:", ", ".join(thread_settings()))
    print("models:", ", ".join(plan.available_models()))
    return 0
