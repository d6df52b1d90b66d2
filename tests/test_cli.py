import subprocess
import sys

import pytest

from benchmarks import REPO_ROOT
from benchmarks.cli import main
from benchmarks.core import records


def fwbench(*args):
    return subprocess.run([sys.executable, "-m", "benchmarks.cli", *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=120)


def test_unknown_framework_is_one_line_listing_valid_names():
    out = fwbench("run", "--frameworks", "pytorch")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "unknown framework 'pytorch'" in lines[0]
    assert "did you mean torch?" in lines[0]
    for name in ("torch", "paddle", "tensorflow", "megengine"):
        assert name in lines[0]
    assert "Traceback" not in out.stderr


def test_unknown_model_is_one_line_listing_valid_names():
    out = fwbench("run", "-f", "torch", "--models", "resnet9000")
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
    assert "unknown model 'resnet9000'" in out.stderr and "mlp" in out.stderr


def test_report_on_missing_run_names_the_fix(tmp_path):
    out = fwbench("report", str(tmp_path / "nope"))
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"fwbench: error: no run folder {tmp_path / 'nope'}: pass a folder under results/, e.g. results/reference"]


def test_list_names_all_nine_frameworks(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("torch", "tensorflow", "jax", "mxnet", "paddle", "mindspore", "jittor", "oneflow", "megengine"):
        assert name in out


def test_loc_prints_every_framework(capsys):
    assert main(["loc", "-m", "mlp"]) == 0
    out = capsys.readouterr().out
    for name in ("PyTorch", "MindSpore", "MegEngine"):
        assert name in out


def test_quick_takes_each_framework_as_shipped_unless_modes_are_given():
    from benchmarks import cli
    from benchmarks.commands.run import selection_plan
    from benchmarks.frameworks import all_frameworks

    def cells(*argv):
        return selection_plan(cli.parser().parse_args(["run", *argv])).cells

    quick = cells("--quick")
    assert {(c.framework, c.mode) for c in quick} == {(k, a.default_mode) for k, a in all_frameworks().items()}
    assert {c.threads for c in quick} == {1} and len(quick) == len(all_frameworks()) * len({c.model for c in quick})
    assert {c.mode for c in cells("--quick", "-f", "tensorflow", "--modes", "eager,compiled,xla")} == {"eager", "compiled", "xla"}
    assert len({c.mode for c in cells("-f", "tensorflow")}) > 1  # the default matrix: every mode


def test_paired_trials_are_the_default_of_a_full_run_and_refused_where_only_the_sequential_runner_goes():
    from benchmarks import cli
    from benchmarks.commands.run import selection_plan, takes_pairs

    def args(*argv):
        return cli.parser().parse_args(["run", *argv])

    assert takes_pairs(args()) and takes_pairs(args("--paired")) and takes_pairs(args("--paired", "--quick"))
    assert selection_plan(args()).profile.processes == 2 == selection_plan(args("--paired")).profile.processes
    assert selection_plan(args("--paired", "--quick")).profile.processes == 1
    for sequential in (["--sequential"], ["--quick"], ["--task", "tta"], ["--shard", "1/2"], ["--one-cell-per-process"]):
        assert not takes_pairs(args(*sequential)), sequential
    assert selection_plan(args("--sequential")).profile.processes == 3
    for wrong in (["--paired", "--task", "scaling"], ["--paired", "--shard", "1/2"]):
        with pytest.raises(Exception, match="--paired"):
            takes_pairs(args(*wrong))
    out = fwbench("run", "--paired", "--sequential")
    assert out.returncode == 2 and "not allowed with argument" in out.stderr


def test_a_paired_run_estimates_its_length_from_the_committed_paired_run_scaled_by_calls_and_rounds(tmp_path, monkeypatch):
    import json

    from benchmarks import cli
    from benchmarks.core import plan
    from benchmarks.commands import run

    def plan_of(*argv):
        return run.selection_plan(cli.parser().parse_args(["run", "--paired", *argv]))

    monkeypatch.setattr(run, "RESULTS", tmp_path)
    assert run.paired_estimate(plan_of("--quick"), 6) == ""  # no committed run to judge by
    then = plan_of("--quick", "-m", "mlp")
    (tmp_path / "quick").mkdir()
    meta = {"paired": {"rounds": 6}, "wall_s": 60.0, "plan": then.to_meta(), "profile": "quick"}
    (tmp_path / "quick" / "meta.json").write_text(json.dumps(meta))
    models = len(plan.available_models())
    found = run.paired_estimate(plan_of("--quick"), 6)  # five models' calls where the committed run had one's
    assert f"about {models} min" in found and "judging by" in found
    assert run.time_left(run.paired_minutes(plan_of("--quick"), 6), 60.0) == f"; about {models - 1} min left"
    assert "under a minute" in run.time_left(1.0, 59.0) and run.time_left(None, 10.0) == ""
    assert run.paired_minutes(plan_of("--quick"), 3) == pytest.approx(models / 2)  # no preparation on record: all trials
    # 20 s of preparation alone and 2 x 20 s side by side (20 s of the wall): 40 s of its 60 are not trials
    workers = [dict(framework="fake", mode="eager", tuning="default", threads=t, process=p, attempt=0,
                    worker_prepare_s=20.0, prepared_beside=t == 1) for t, p in ((2, 0), (1, 0), (1, 1))]
    (tmp_path / "quick" / "raw.jsonl").write_text("".join(json.dumps(dict(w, task=task)) + "\n"
                                                          for w in workers for task in ("train", "infer_b1")))
    assert run.preparation_s(records.read(tmp_path / "quick" / "raw.jsonl")) == 40.0
    assert run.paired_minutes(plan_of("--quick"), 3) == pytest.approx((40 + 20 * 3 / 6) / 60 * models)
    (tmp_path / "quick" / "meta.json").write_text(json.dumps(dict(meta, interrupted=True)))
    assert run.paired_estimate(plan_of("--quick"), 6) == ""
