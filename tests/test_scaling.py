"""The size sweep: the fit recovers a known overhead and throughput, flags a jump, finds the
crossover; the sweep's plan and plot."""
import numpy as np
import pytest

from benchmarks.analysis import scaling
from benchmarks.core import plan
from benchmarks.core.plan import SWEEP, TASKS


def synthetic(fw: str, mode: str, overhead_us: float, gflops: float, noise: float = 0.02, jump_at=None) -> list:
    rng = np.random.default_rng(len(fw))
    out = []
    for (hidden, batch) in SWEEP:
        for kind in ("train", "infer"):
            flops = (3 if kind == "train" else 1) * 2 * batch * (784 * hidden + hidden * 10)
            ms = overhead_us / 1000 + flops / (gflops * 1e6)
            if jump_at and flops >= jump_at:
                ms *= 3
            ms *= 1 + noise * rng.standard_normal()
            out.append({"framework": fw, "model": "mlp", "mode": mode, "threads": 1, "tuning": "default",
                        "task": f"scale_{kind}_h{hidden}_b{batch}", "time_ms": ms, "flops_per_step": flops,
                        "status": "ok"})
    return out


def test_fit_recovers_known_overhead_and_throughput():
    records = synthetic("torch", "eager", overhead_us=40, gflops=80) + synthetic("mindspore", "eager", 4000, 60)
    fits = scaling.fits(records)
    torch, ms = fits[("torch", "eager")], fits[("mindspore", "eager")]
    assert torch.overhead_us == pytest.approx(40, rel=0.15) and torch.gflops == pytest.approx(80, rel=0.1)
    assert ms.overhead_us == pytest.approx(4000, rel=0.1) and ms.gflops == pytest.approx(60, rel=0.15)
    assert torch.overhead_ci[0] <= 40 <= torch.overhead_ci[1] and torch.gflops_ci[0] <= 80 <= torch.gflops_ci[1]
    assert not torch.poor
    # MindSpore's 4 ms overhead fades with size, but its lower throughput keeps it >10% behind: no crossover
    span = (1e5, 1e10)
    assert scaling.crossover(ms, [torch, ms], span) is None
    faster_engine = scaling.fit([1e6, 1e7, 1e8, 1e9], [4 + f / 80e6 for f in (1e6, 1e7, 1e8, 1e9)])
    cross = scaling.crossover(faster_engine, [torch, faster_engine], span)
    assert cross is not None and 1e7 < cross < 1e10  # within 10% once 4 ms is small next to the work


def test_a_jump_in_cost_is_shown_not_hidden():
    f = scaling.fits(synthetic("paddle", "eager", 100, 50, noise=0.0, jump_at=5e8))[("paddle", "eager")]
    assert f.poor and f.worst_flops >= 5e8 * 0.1
    rows = scaling.table(synthetic("paddle", "eager", 100, 50, noise=0.0, jump_at=5e8), 100.0)
    assert "not linear" in rows[0][-1]


def test_the_sweep_plan_covers_every_size_for_each_framework_as_shipped_and_compiled():
    assert plan.available_models("scaling") == ["mlp"]
    names = plan.SUITES["scaling"]
    assert len(names) == 2 * len(SWEEP) and all(TASKS[n].suite == "scaling" for n in names)
    assert {TASKS[n].hidden for n in names} == {32, 128, 512, 2048, 4096}
    assert {TASKS[n].batch for n in names} == {1, 8, 64, 256, 1024}


def test_scaling_plot_renders(tmp_path):
    from benchmarks.outputs import plots

    records = synthetic("torch", "eager", 40, 80) + synthetic("jax", "compiled", 30, 90)
    paths = plots.scaling_plots(records, {"peak_gflops": {"1": 100.0}}, tmp_path)
    assert {p.name for p in paths} == {"scaling_as_shipped.png"}  # JAX ships compiled, PyTorch eager
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 20_000 for p in paths)


def test_scoreboard_gains_the_fitted_numbers_when_the_run_has_a_sweep():
    from benchmarks.analysis import scoreboard

    speed = [{"framework": fw, "model": "mlp", "task": "train", "mode": "eager", "threads": 1, "tuning": "default",
              "status": "ok", "time_ms": ms, "time_ci95_ms": [ms * 0.9, ms * 1.1], "samples_ms": [ms, ms]}
             for fw, ms in (("torch", 1.0), ("paddle", 2.0))]
    assert "GFLOP/s (size sweep)" not in scoreboard.header(speed)
    records = speed + synthetic("torch", "eager", 40, 80) + synthetic("paddle", "eager", 400, 40)
    header = scoreboard.header(records)
    rows = {row[header.index("Framework")].text: row for row in scoreboard.rows(records, {}, 1)}
    overhead = rows["PaddlePaddle"][header.index("Overhead µs/step (size sweep)")]
    gflops = rows["PaddlePaddle"][header.index("GFLOP/s (size sweep)")]
    assert float(overhead.text) == pytest.approx(400, rel=0.15) and overhead.ratio == pytest.approx(10, rel=0.25)
    assert float(gflops.text) == pytest.approx(40, rel=0.15) and gflops.ratio == pytest.approx(2, rel=0.25)


def test_the_sweep_defaults_to_one_pinned_thread_and_one_process():
    from benchmarks import cli
    from benchmarks.commands.common import thread_settings
    from benchmarks.commands.run import selection_plan

    sweep = selection_plan(cli.parser().parse_args(["run", "--task", "scaling"]))
    assert {c.threads for c in sweep.cells} == {1} and sweep.profile.processes == 1
    assert {c.suite for c in sweep.cells} == {"scaling"}
    speed = selection_plan(cli.parser().parse_args(["run", "--sequential"]))
    assert speed.profile.processes == 3 and len({c.threads for c in speed.cells}) == len(thread_settings())


def test_an_overhead_only_resample_gives_an_unbounded_interval_not_nan():
    flops = np.array([1e4, 1e5, 1e6, 1e7])
    ms = np.array([1.0, 1.01, 0.99, 1.0])  # flat: the FLOPs term is zero within noise
    f = scaling.fit(flops, ms)
    assert not any(np.isnan(v) for v in (*f.gflops_ci, *f.overhead_ci))
    assert f.gflops_ci[1] == np.inf and f.overhead_us == pytest.approx(1000, rel=0.05)


def test_throughput_above_numpys_sgemm_is_said_to_beat_the_yardstick():
    records = synthetic("torch", "eager", 50, 200) + synthetic("paddle", "eager", 500, 40)
    text = scaling.beyond_yardstick(records, 150.0)
    assert "yardstick, not this CPU's limit" in text and "1 framework(s)" in text and "torch" in text
    assert scaling.beyond_yardstick(records, 500.0) == ""


def test_every_sweep_size_trains_well_conditioned_parity_steps():
    """At the spec's LR, hidden 4096 diverges and batch 1 memorises its sample (loss exactly 0), where a
    relative loss tolerance cannot hold: the sweep's rate keeps every size's losses between those."""
    from models.mlp import spec

    assert spec.lr_for(spec.CONFIG, spec.BATCH) == spec.LR  # the spec's own size is unchanged
    for hidden, batch in SWEEP:
        config = dict(spec.CONFIG, n_hidden=hidden)
        x, y = spec.make_batch(batch, 1)
        losses = spec.reference_losses(spec.init_params(0, config), x, y, spec.lr_for(config, batch))
        assert max(losses) <= losses[0] * 1.01 and min(losses) > 0.05, (hidden, batch, losses)


def test_two_sweeps_fit_agreement_measures_how_far_the_fits_moved_and_readme_says_it(tmp_path):
    import json

    from benchmarks.outputs import readme
    from benchmarks.core.schema import REQUIRED_KEYS

    a = synthetic("torch", "eager", 40, 130, noise=0.0) + synthetic("paddle", "eager", 100, 120, noise=0.0)
    b = synthetic("torch", "eager", 40, 130, noise=0.0) + synthetic("paddle", "eager", 100, 120, noise=0.0)
    for r in b:
        r["time_ms"] *= 1.1 if r["framework"] == "paddle" else 1.0  # paddle 10% slower at every size
    found = scaling.fit_agreement(a, b)
    assert found["overhead"]["n"] == found["throughput"]["n"] == 4  # 2 frameworks x (train, infer)
    assert found["points"]["n"] == len(a) and found["points"]["median"] == pytest.approx(0.05)  # half moved 10%
    assert found["overhead"]["p90"] == pytest.approx(0.1) and found["throughput"]["p90"] == pytest.approx(1 - 1 / 1.1)
    assert scaling.fit_agreement(a, [r for r in b if r["framework"] == "jax"]) is None
    for name, recs, noise in (("a", a, 0.12), ("b", b, 0.01)):
        (tmp_path / name).mkdir()
        on_disk = [dict(dict.fromkeys(REQUIRED_KEYS), **r) for r in recs]  # a run's records carry every required key
        (tmp_path / name / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in on_disk))
        (tmp_path / name / "meta.json").write_text(json.dumps(
            {"cpu_model": "Some CPU", "cores": 2, "git_commit": "abc", "noise": {"cv": noise, "verdict": "noisy" if
                                                                                 noise > 0.03 else "quiet"}}))
    text = readme.sweep_markdown(tmp_path / "a", tmp_path / "b")
    assert "Some CPU with 2 cores" in text and "Taken on a noisy machine" in text and "Taken again as" in text
    assert "overhead 5.0% / 10.0% over 4 fits" in text
    assert "Taken on a noisy machine" not in readme.sweep_markdown(tmp_path / "b")
