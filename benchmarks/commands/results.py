"""`fwbench report`, `compare`, `merge`, `loc` and `validate`: what is made from runs and sources."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List

from benchmarks import REPO_ROOT
from benchmarks.core import plan, run_folder
from benchmarks.measure import envs
from benchmarks.frameworks import all_frameworks
from benchmarks.core.errors import UserError
from benchmarks.core.run_folder import RunFolder
from benchmarks.commands.common import choose, console
from benchmarks.commands.setup import ensure_envs


def cmd_report(args) -> int:
    from benchmarks.outputs import report, run_outputs as outputs

    folder = RunFolder.existing(args.run)
    run_dir = folder.path
    if folder.is_release_sweep():  # a release sweep's folder: its summary alone
        from benchmarks.outputs import release_report

        release_report.write(folder)
        console().print(release_report.terminal_text(folder))
        print(f"wrote {run_dir / 'summary.md'}")
        return 0
    if folder.is_methods_comparison():  # an A/A comparison of measuring methods: its summary alone
        from benchmarks.outputs import methods_report, render

        methods_report.write(folder)
        render.terminal(methods_report.document(folder.aa(), folder.meta()), console())
        print(f"wrote {run_dir / 'summary.md'}")
        return 0
    if args.reaggregate:
        from benchmarks.measure import runner

        meta = folder.run_meta()
        runner.reaggregate(run_dir, meta)
        for fw, marker in (meta.get("environments") or {}).items():
            spec = envs.load_spec(fw)
            if marker and spec.marker() and spec.marker().get("spec_digest") == marker.get("spec_digest"):
                envs.backfill_friction(spec)
                meta["environments"][fw] = {**spec.marker(), **marker}  # new facts only: the run's own stay
        folder.write_meta(meta)
    if args.releases_run:  # the release sweep this run's C4 is judged on, kept in its meta
        sweep = RunFolder.existing(args.releases_run)
        if not sweep.is_release_sweep():
            raise UserError(f"{sweep.path} holds no release sweep: take one with `fwbench run --task releases`")
        meta = folder.meta()
        meta["release_sweep_run"] = str(sweep.path.resolve().relative_to(REPO_ROOT))
        folder.write_meta(meta)
    results, verdicts = outputs.build(run_dir)
    report.print_table(results, console(), run_folder.load_run(run_dir)[1])
    report.print_claims(verdicts, console())
    print(f"wrote {run_dir / 'summary.md'}")
    if args.readme:
        from benchmarks.outputs.readme import update_readme

        relative = lambda path: Path(path).resolve().relative_to(REPO_ROOT) if path else None  # noqa: E731
        update_readme(REPO_ROOT / "README.md", relative(run_dir), relative(args.repeat), relative(args.sweep),
                      relative(args.quick_run), relative(args.sweep_repeat), relative(args.tta_run),
                      tuple(relative(p) for p in args.paired_pair) if args.paired_pair else None)
        print("updated README.md")
    return 0


def cmd_loc(args) -> int:
    """Code metrics of every model file, straight from the sources (no run needed)."""
    from rich.table import Table

    from benchmarks.measure.loc import metrics

    models = choose("model", args.models, plan.available_models())
    table = Table(title="Model files: code lines (pygount), tokens, distinct framework API calls, similarity to PyTorch")
    for col in ("Framework", "Model", "LOC", "Tokens", "API calls", "Similarity"):
        table.add_column(col)
    for key, framework in all_frameworks().items():
        for model in models:
            m = metrics(model, key)
            table.add_row(framework.display, model, str(m["loc"]), str(m["tokens"]), str(m["api_calls"]),
                          f"{m['similarity_to_pytorch']:.2f}")
    console().print(table)
    return 0


def cmd_merge(args) -> int:
    from benchmarks.outputs import report, run_outputs as outputs
    from benchmarks.core.merge import merge

    out = merge([Path(r) for r in args.runs], Path(args.out))
    results, _ = outputs.build(out)
    report.print_table(results, console(), run_folder.load_run(out)[1])
    print(f"merged {len(args.runs)} runs into {out}")
    return 0


def cmd_validate(args) -> int:
    from benchmarks.measure.validate import compare

    ensure_envs(["torch"])
    result = compare(rounds=args.rounds)
    print(json.dumps(result, indent=1))
    print(f"harness median {result['harness_ms']:.3f} ms vs bare loop {result['bare_ms']:.3f} ms: "
          f"ratio {result['ratio']:.3f}")
    return 0


def cmd_compare(args) -> int:
    from benchmarks.analysis import machines, reproducibility
    from benchmarks.outputs import render
    from benchmarks.analysis.compare import compare_records, read_raw
    from benchmarks.core.run_folder import load_run

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
