"""`fwbench merge`: run folders into one run. Shards of one plan taken on one kind of machine become an
ordinary run (every cell once, its source folder kept per record); runs from different machines
become one run in which the machine is a dimension (each record names its machine)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from benchmarks.core.errors import UserError
from benchmarks.core.hardware import machine_label
from benchmarks.core.plan import Cell
from benchmarks.core.run_folder import RunFolder

# Facts that describe a machine (kept per machine in a multi-machine run's meta.json).
MACHINE_KEYS = ("cpu_model", "cpu_vendor", "cpu_flags", "machine", "cores", "usable_cores", "memory_gb", "os",
                "numpy_blas", "scheduler", "peak_gflops", "noise", "environments", "date", "git_commit",
                "loadavg_before", "loadavg_after", "wall_s", "interrupted", "profile", "note")


def load(run_dir: Path) -> Tuple[Dict, List[Dict], List[Dict]]:
    """(meta, records, raw records) of a finished or partial run folder."""
    folder = RunFolder.existing(run_dir)
    return folder.run_meta(), folder.records(), folder.raw()


def versions(meta: Dict) -> Dict[str, str]:
    return {fw: m.get("framework_version") for fw, m in (meta.get("environments") or {}).items() if m}


def check_one_machine(runs: Sequence[Tuple[Path, Dict, List[Dict]]]) -> None:
    """Runs merged into one machine's run: one framework version each, one profile, no cell twice."""
    seen_versions: Dict[str, Tuple[str, Path]] = {}
    owner: Dict[Cell, Path] = {}
    profiles = {json.dumps(meta["plan"]["profile"], sort_keys=True) for _, meta, _ in runs}
    if len(profiles) > 1:
        raise UserError("the runs used different sampling profiles: merge runs taken with the same options")
    for path, meta, _ in runs:
        for fw, version in versions(meta).items():
            other = seen_versions.setdefault(fw, (version, path))
            if other[0] != version:
                raise UserError(f"{fw} {other[0]} in {other[1]} but {version} in {path}: merge runs of one "
                                "framework version (rebuild with `fwbench setup`), or compare them with `fwbench compare`")
        for cell in {Cell(**c) for c in meta["plan"]["cells"]}:
            if cell in owner:
                raise UserError(f"{cell.framework}/{cell.model}/{cell.mode}/t{cell.threads} is in both {owner[cell]} "
                                f"and {path}: merge shards of one plan, not overlapping runs")
            owner[cell] = path


def shard_gaps(metas: Sequence[Dict]) -> List[str]:
    """Shards of a plan that are not among the merged runs, as 'K/N of plan D'."""
    gaps = []
    for digest in sorted({m["shard"]["plan_digest"] for m in metas if m.get("shard")}):
        mine = [m["shard"] for m in metas if (m.get("shard") or {}).get("plan_digest") == digest]
        count = mine[0]["count"]
        gaps += [f"{k}/{count} of plan {digest}" for k in range(1, count + 1) if k not in {s["index"] for s in mine}]
    return gaps


def merged_meta(runs: Sequence[Tuple[Path, Dict, List[Dict]]], labels: List[str]) -> Dict:
    metas = [meta for _, meta, _ in runs]
    first = metas[0]
    cells = [c for meta in metas for c in meta["plan"]["cells"]]
    cells = [json.loads(c) for c in dict.fromkeys(json.dumps(c, sort_keys=True) for c in cells)]
    sources = [{"run": path.name, "machine": label, "shard": meta.get("shard"), "date": meta.get("date"),
                "git_commit": meta.get("git_commit"), "wall_s": meta.get("wall_s"), "cells": len(meta["plan"]["cells"])}
               for (path, meta, _), label in zip(runs, labels)]
    out = {"merged_from": sources, "plan": dict(first["plan"], cells=cells), "profile": first.get("profile"),
           "records_schema": first.get("records_schema"), "interrupted": any(m.get("interrupted") for m in metas),
           "wall_s": round(sum(m.get("wall_s") or 0 for m in metas), 1)}
    gaps = shard_gaps(metas)
    if gaps:
        out["missing_shards"] = gaps
    if len(set(labels)) == 1:  # one machine: an ordinary run's meta
        environments = {fw: m for meta in metas for fw, m in (meta.get("environments") or {}).items()}
        return dict({k: v for k, v in first.items() if k not in ("shard", "wall_s")}, **out, environments=environments,
                    loadavg_after=metas[-1].get("loadavg_after"))
    machines: Dict[str, Dict] = {}
    for meta, label in zip(metas, labels):
        facts = machines.setdefault(label, dict({k: meta.get(k) for k in MACHINE_KEYS}, plan=dict(meta["plan"], cells=[])))
        facts["environments"] = dict(facts.get("environments") or {}, **(meta.get("environments") or {}))
        facts["plan"]["cells"] += meta["plan"]["cells"]
    commits = {m.get("git_commit") for m in metas}
    return dict(out, machines=machines, date=max(str(m.get("date")) for m in metas),
                git_commit=commits.pop() if len(commits) == 1 else "several (see machines)")


def merge(run_dirs: Sequence[Path], out: Path) -> Path:
    """Write the merged run into `out` (a new folder): meta.json, records.jsonl, raw.jsonl."""
    if len(run_dirs) < 2:
        raise UserError("name two or more run folders to merge, e.g. fwbench merge results/shard-* --out results/all")
    loaded = [(Path(d), *load(Path(d))) for d in run_dirs]
    runs, raws = [(path, meta, recs) for path, meta, recs, _ in loaded], [raw for *_, raw in loaded]
    labels = [machine_label(meta) for _, meta, _ in runs]
    for label in dict.fromkeys(labels):
        check_one_machine([run for run, lab in zip(runs, labels) if lab == label])
    several = len(set(labels)) > 1
    meta = merged_meta(runs, labels)
    if out.exists():
        raise UserError(f"{out} exists: pass a new folder with --out")
    folder = RunFolder.new(out)

    def tagged(rs: List[Dict], path: Path, label: str) -> List[Dict]:
        extra = {"source": path.name, **({"machine": label} if several else {})}
        return [dict(r, **extra) for r in rs]

    folder.write_records([r for (p, _, rs), lab in zip(runs, labels) for r in tagged(rs, p, lab)])
    folder.write_raw([r for (p, _, _), rs, lab in zip(runs, raws, labels) for r in tagged(rs, p, lab)])
    folder.write_meta(meta)
    return out
