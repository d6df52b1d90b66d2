"""How many parity steps a worker process checks: a cell's first process the spec's full count, its later ones
and a quick run's two (their training warm-up), with the fake framework."""
from benchmarks.core import records
from tests.test_faults import fake_env, fwbench  # noqa: F401 (the fixture)


def test_a_cells_first_process_checks_parity_in_full_and_its_later_ones_warm_up_on_two_steps(fake_env, tmp_path):  # noqa: F811
    from models.mlp import spec

    run_dir = tmp_path / "three"
    out = fwbench(fake_env, "run", "--sequential", "-f", "fake_ok", "--processes", "3", "-m", "mlp", "--modes", "eager",
                  "-t", "1", "--max-wait", "5", "--out", str(run_dir))
    assert out.returncode == 0, out.stderr
    steps = {r["process"]: r["parity_steps"] for r in records.read(run_dir / "raw.jsonl")}
    assert steps == {0: spec.PARITY_STEPS, 1: 2, 2: 2}
    recs = records.read(run_dir / "records.jsonl")
    assert all(r["parity_steps"] == spec.PARITY_STEPS and r["estimator"] == "minimum" for r in recs)
    assert all(r["time_ms"] == min(r["samples_ms"]) for r in recs)
    assert f"the loss over the first {spec.PARITY_STEPS} SGD steps" in (run_dir / "summary.md").read_text()



def test_a_quick_run_checks_parity_over_two_steps_and_says_so(fake_env, tmp_path):  # noqa: F811
    run_dir = tmp_path / "quick"
    out = fwbench(fake_env, "run", "--sequential", "-f", "fake_ok", "--quick", "-m", "mlp", "--out", str(run_dir))
    assert out.returncode == 0, out.stderr
    assert {r["parity_steps"] for r in records.read(run_dir / "raw.jsonl")} == {2}
    assert "the loss over the first 2 SGD steps" in (run_dir / "summary.md").read_text()
