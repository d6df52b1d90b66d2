"""Beyond one machine: shards of a plan, merging them, runs from two machines in one report, and the
job-array recipes (Slurm, Kubernetes) run here as far as one machine allows."""
import json
import os
import shutil
import subprocess

import pytest
import yaml

from benchmarks import REPO_ROOT
from benchmarks.analysis import machines
from benchmarks.core import records
from benchmarks.core.plan import Cell, expected_cost, jobs, plan_digest, process_group, shard
from tests.test_faults import fake_env, fwbench  # noqa: F401 (the fixture)
from tests.test_html_report import chromium, dump_dom

pytestmark = pytest.mark.processes

ALL_CORES = str(len(os.sched_getaffinity(0)))
CELLS = [Cell(fw, m, mode, t) for fw in ("torch", "paddle", "jax") for m in ("mlp", "resnet", "lstm")
         for mode in ("eager", "compiled") for t in (1, 2)]


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_shards_partition_the_plan_and_balance_its_cost(count):
    parts = [shard(CELLS, k, count, expected_cost) for k in range(1, count + 1)]
    flat = [c for part in parts for c in part]
    assert sorted(flat, key=str) == sorted(CELLS, key=str) and len(set(flat)) == len(CELLS)
    for part in parts:  # each shard keeps the plan's order
        assert part == [c for c in CELLS if c in part]
    loads = [sum(map(expected_cost, part)) for part in parts]
    assert max(loads) - min(loads) <= max(map(expected_cost, CELLS))  # greedy longest-first bound
    assert parts == [shard(CELLS, k, count, expected_cost) for k in range(1, count + 1)]  # deterministic


def test_a_cells_first_process_is_its_own_and_its_later_ones_share_one_per_framework_mode_and_threads():
    planned = jobs(CELLS, 3, shared=True)
    for rep in range(3):
        mine = [cells for cells, r in planned if r == rep]
        assert sorted(map(str, (c for cells in mine for c in cells))) == sorted(map(str, CELLS))  # each once a round
        if rep == 0:
            assert all(len(cells) == 1 for cells in mine)  # import, first step and memory of a fresh process
        else:
            assert all(len({process_group(c) for c in cells}) == 1 and len(cells) == 3 for cells in mine)
    first = {[c.model for c in cells][0] for cells, r in planned if r > 0 and cells[0].framework == "torch"
             and cells[0].mode == "eager" and cells[0].threads == 1}
    assert len(first) == 2  # the order of the models turns from one process to the next
    assert jobs(CELLS, 2) == [((c,), r) for r in (0, 1) for c in CELLS[r:] + CELLS[:r]]  # unshared: one cell each


def test_pytorchs_cells_take_more_processes_and_keep_the_same_layout():
    planned = jobs(CELLS, 3, shared=True, baseline_factor=2)
    rounds = {c: sorted(r for cells, r in planned if c in cells) for c in CELLS}
    assert all(rounds[c] == (list(range(6)) if c.framework == "torch" else [0, 1, 2]) for c in CELLS)
    assert all(len(cells) == 1 for cells, r in planned if r == 0)  # still a fresh process first
    assert all(len(cells) == 3 and cells[0].framework == "torch" for cells, r in planned if r >= 3)
    assert jobs(CELLS, 3, shared=True, baseline_factor=1) == jobs(CELLS, 3, shared=True)


def test_a_previous_runs_costs_decide_the_shards():
    slow = {c: (100.0 if c.framework == "jax" else 1.0) for c in CELLS}
    parts = [shard(CELLS, k, 2, lambda c: expected_cost(c, slow)) for k in (1, 2)]
    jax_per_shard = [sum(c.framework == "jax" for c in part) for part in parts]
    assert jax_per_shard == [6, 6]
    assert plan_digest(CELLS) == plan_digest(list(CELLS)) != plan_digest(CELLS[1:])


def cells_of(run_dir):
    return sorted(records.cell_key(r) for r in records.read(run_dir / "records.jsonl"))


@pytest.fixture(scope="module")
def shard_runs(fake_env, tmp_path_factory):  # noqa: F811
    root = tmp_path_factory.mktemp("shards")
    selection = ["--sequential", "-f", "fake_ok", "--quick", "--modes", "eager,compiled", "-m", "mlp", "-t", f"1,{ALL_CORES}"]
    whole = fwbench(fake_env, "run", *selection, "--out", str(root / "whole"))
    assert whole.returncode == 0, whole.stderr
    for k in (1, 2):
        out = fwbench(fake_env, "run", *selection, "--shard", f"{k}/2", "--out", str(root / f"shard{k}"))
        assert out.returncode == 0, out.stderr
    return root


def test_two_shards_merged_are_exactly_the_unsharded_plan(fake_env, shard_runs):  # noqa: F811
    metas = [json.loads((shard_runs / f"shard{k}" / "meta.json").read_text()) for k in (1, 2)]
    assert [m["shard"]["index"] for m in metas] == [1, 2]
    assert metas[0]["shard"]["plan_digest"] == metas[1]["shard"]["plan_digest"]
    assert all(len(m["plan"]["cells"]) == 2 for m in metas)  # four cells, two each
    merged = shard_runs / "merged"
    out = fwbench(fake_env, "merge", str(shard_runs / "shard1"), str(shard_runs / "shard2"), "--out", str(merged))
    assert out.returncode == 0, out.stderr
    assert cells_of(merged) == cells_of(shard_runs / "whole")
    assert {r["source"] for r in records.read(merged / "records.jsonl")} == {"shard1", "shard2"}
    meta = json.loads((merged / "meta.json").read_text())
    assert "machines" not in meta and "missing_shards" not in meta and len(meta["plan"]["cells"]) == 4
    assert "Partial run" not in (merged / "summary.md").read_text()


def test_a_missing_shard_marks_the_merge_partial(fake_env, shard_runs, tmp_path):  # noqa: F811
    other = tmp_path / "other"  # a one-cell plan's first of three shards: not in shard 1 of the first plan
    assert fwbench(fake_env, "run", "--sequential", "-f", "fake_ok", "--quick", "-m", "mlp", "-t", ALL_CORES, "--modes", "eager",
                   "--shard", "1/3", "--out", str(other)).returncode == 0
    merged = tmp_path / "merged"
    out = fwbench(fake_env, "merge", str(shard_runs / "shard1"), str(other), "--out", str(merged))
    assert out.returncode == 0, out.stderr
    summary = (merged / "summary.md").read_text()
    assert "Partial run: shards " in summary and "2/2 of plan" in summary and "2/3 of plan" in summary


def test_merge_refuses_overlapping_cells_and_mixed_versions(fake_env, shard_runs, tmp_path):  # noqa: F811
    out = fwbench(fake_env, "merge", str(shard_runs / "shard1"), str(shard_runs / "whole"), "--out", str(tmp_path / "a"))
    assert out.returncode == 2 and "is in both" in out.stderr and len(out.stderr.splitlines()) == 1
    bumped = tmp_path / "bumped"
    shutil.copytree(shard_runs / "shard2", bumped)
    meta = json.loads((bumped / "meta.json").read_text())
    meta["environments"]["fake_ok"]["framework_version"] = "9.9.9"
    (bumped / "meta.json").write_text(json.dumps(meta))
    out = fwbench(fake_env, "merge", str(shard_runs / "shard1"), str(bumped), "--out", str(tmp_path / "b"))
    assert out.returncode == 2 and "9.9.9" in out.stderr and "fwbench setup" in out.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.fixture(scope="module")
def two_machines(fake_env, shard_runs):  # noqa: F811
    """The unsharded run, and a copy of it described as an Arm server (this machine is the only one here)."""
    arm = shard_runs / "arm"
    shutil.copytree(shard_runs / "whole", arm)
    meta = json.loads((arm / "meta.json").read_text())
    meta.update(cpu_model="Ampere Altra Q80-30", cpu_vendor="ARM", cpu_flags=["asimd", "asimddp"], machine="aarch64")
    (arm / "meta.json").write_text(json.dumps(meta))
    merged = shard_runs / "two-machines"
    out = fwbench(fake_env, "merge", str(shard_runs / "whole"), str(arm), "--out", str(merged))
    assert out.returncode == 0, out.stderr
    return merged


def test_runs_from_two_machines_keep_the_machine_as_a_dimension(fake_env, two_machines):  # noqa: F811
    recs = records.read(two_machines / "records.jsonl")
    labels = {r["machine"] for r in recs}
    assert len(labels) == 2 and any("Ampere Altra" in label for label in labels)
    parts = machines.split(recs, json.loads((two_machines / "meta.json").read_text()))
    assert [len(p[1]) for p in parts] == [len(recs) // 2] * 2
    summary = (two_machines / "summary.md").read_text()
    assert "### Machines side by side" in summary and summary.count("## On ") == 2 and "asimddp" in summary
    assert (two_machines / "summary.csv").read_text().startswith("machine,framework")
    out = fwbench(fake_env, "compare", str(two_machines))
    assert out.returncode == 0, out.stderr
    assert "Ratio to PyTorch" not in out.stdout or "moved" in out.stdout  # no PyTorch cells in this fake run
    assert "claims' verdicts" in out.stdout


def test_a_two_machine_report_renders_in_chromium(two_machines, tmp_path):
    dom = dump_dom(chromium(), (two_machines / "report.html").as_uri(), tmp_path / "profile")
    assert 'data-images-ok="true"' in dom
    assert dom.count('<h2 class="machine">On ') == 2 and "Machines side by side" in dom and "Ampere Altra" in dom


def run_recipe(script: str, env: dict, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", script], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_slurm_and_kubernetes_recipes_run_their_shards_and_merge(fake_env, tmp_path):  # noqa: F811
    """Each recipe's own command, with the scheduler's variables set as the scheduler sets them."""
    import sys

    base = dict(fake_env, FWBENCH=f"{sys.executable} -m benchmarks.cli", PYTHONPATH=str(REPO_ROOT),
                FWBENCH_ARGS="-f fake_ok --quick --modes eager,compiled -m mlp -t 1")
    slurm = (REPO_ROOT / "examples" / "slurm-array.sh").read_text()
    for task in ("1", "2"):
        env = dict(base, SLURM_ARRAY_TASK_ID=task, SLURM_ARRAY_TASK_COUNT="2",
                   FWBENCH_SHARDS_DIR=str(tmp_path / "slurm"))
        out = run_recipe(slurm, env, REPO_ROOT)
        assert out.returncode == 0, out.stderr
    manifest = yaml.safe_load((REPO_ROOT / "examples" / "k8s-indexed-job.yaml").read_text())
    pod = manifest["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert manifest["spec"]["completionMode"] == "Indexed" and container["command"][:2] == ["bash", "-c"]
    for index in range(manifest["spec"]["completions"] // 2):  # two of its shards, here
        env = dict(base, **{e["name"]: e["value"] for e in container["env"]})
        env.update(JOB_COMPLETION_INDEX=str(index), SHARDS="2", RESULTS=str(tmp_path / "k8s"),
                   FWBENCH_ARGS=base["FWBENCH_ARGS"])
        out = run_recipe(container["command"][2], env, REPO_ROOT)
        assert out.returncode == 0, out.stderr
    for name in ("slurm", "k8s"):
        shards = sorted(str(p) for p in (tmp_path / name / "shards" if name == "k8s" else tmp_path / name).iterdir())
        assert len(shards) == 2
        out = fwbench(fake_env, "merge", *shards, "--out", str(tmp_path / f"{name}-merged"))
        assert out.returncode == 0, out.stderr
        assert len({records.cell_key(r) for r in records.read(tmp_path / f"{name}-merged" / "records.jsonl")}) == 6
    assert os.access(REPO_ROOT / "examples" / "slurm-array.sh", os.X_OK)


def test_a_knob_applies_only_on_the_cpus_it_names():
    from benchmarks.frameworks import get_framework

    amd_avx2 = {"cpu_vendor": "AuthenticAMD", "cpu_flags": ["avx2", "fma"]}
    intel_avx512 = {"cpu_vendor": "GenuineIntel", "cpu_flags": ["avx2", "avx512f"]}
    env = lambda fw, cpu: {k: v for knob in get_framework(fw).knobs_for("all", cpu) for k, v in knob.env.items()}
    assert env("paddle", amd_avx2) == {"MKL_DEBUG_CPU_TYPE": "5"} and env("paddle", intel_avx512) == {}
    assert env("oneflow", {"cpu_vendor": "GenuineIntel", "cpu_flags": ["sse4_2"]}) == {}  # no AVX2 kernels to take
    assert "ONEDNN_MAX_CPU_ISA" in env("mindspore", intel_avx512)
    assert env("mindspore", amd_avx2) == {"MS_DEV_HOST_BLOCKING_RUN": "1"}  # no AVX-512: oneDNN's pick is fine
    assert [k.label() for k in get_framework("mindspore").knobs_for("documented", intel_avx512)] == [
        "MS_DEV_HOST_BLOCKING_RUN=1"]
