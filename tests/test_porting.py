"""The scoreboard, the API-equivalence table, the layout table, the pitfalls file and the Rosetta
stone's highlighting: each read from its source, not retyped."""
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks import REPO_ROOT
from benchmarks.analysis import porting, rosetta, scoreboard
from benchmarks.outputs import report
from benchmarks.frameworks import all_frameworks, get_framework
from benchmarks.measure.loc import api_uses, impl_path


def test_api_uses_resolve_names_decorators_and_bases_with_their_lines():
    source = ("import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n"
              "        self.fc = nn.Linear(2, 3)\n\n    def forward(self, x):\n        return self.fc(x)\n\n\n"
              "@torch.no_grad()\ndef predict(model, x):\n    model.eval()\n    return model(x)\n")
    uses = api_uses(source, ("torch",))
    assert ("torch.nn.Module", 5) in uses and ("torch.nn.Linear", 7) in uses and ("torch.no_grad", 13) in uses
    assert (".eval", 15) in uses  # a method on an object
    assert not any(name == ".fc" for name, _ in uses)  # the model's own layers are not API


def test_api_table_points_at_real_lines_of_every_framework():
    frameworks = list(all_frameworks())
    table = porting.api_table(frameworks, ["mlp", "lenet5"])
    for concept in ("Dense layer", "Cross-entropy loss", "SGD optimizer", "Tensor from numpy"):
        for fw in frameworks:
            uses = table[concept][fw]
            assert uses, (concept, fw)
            for u in uses:
                line = (REPO_ROOT / u.path).read_text().splitlines()[u.line - 1].strip()
                assert line == u.code and u.name.rsplit(".", 1)[-1] in line, (concept, fw, u)
    assert [u.name for u in table["Dense layer"]["mindspore"]] == ["mindspore.nn.Dense"]
    assert [u.name for u in table["Tensor from numpy"]["torch"]] == ["torch.from_numpy"]
    assert table["Convolution"]["jax"][0].model == "lenet5"


def test_every_call_a_framework_names_for_a_concept_is_made_by_its_model_files():
    """The table shows what each framework declares (benchmarks/frameworks/<name>/__init__.py), backed by the
    model files: a declared call that no file makes is a stale declaration."""
    frameworks = list(all_frameworks())
    table = porting.api_table(frameworks, porting.model_order())
    for fw in frameworks:
        for concept, names in get_framework(fw).concepts.items():
            assert sorted(u.name for u in table[concept][fw]) == sorted(names), (fw, concept)
    assert [u.name for u in table["Pooling"]["tensorflow"]][:1] == ["keras.layers.GlobalAveragePooling1D"]  # first use first


def test_a_framework_naming_an_unknown_concept_is_refused():
    from benchmarks.frameworks.framework import Framework
    from benchmarks.frameworks.install import Install
    from benchmarks.frameworks.runtime import Runtime

    with pytest.raises(ValueError, match="unknown API concepts"):
        Framework("x", "X", 50, Runtime, Install("x"), concepts={"Dense layers": ("x.Linear",)})


def test_layouts_are_read_from_each_frameworks_weight_layout(monkeypatch):
    rows = dict(porting.layouts(["torch", "tensorflow", "mindspore"]))
    assert rows["Dense weight"] == {"torch": "[out, in]", "tensorflow": "[in, out]", "mindspore": "[out, in]"}
    assert rows["Integer labels"]["mindspore"] == "int32" and rows["Integer labels"]["torch"] == "int64"
    assert "one bias" in rows["LSTM weights"]["tensorflow"] and "two biases" in rows["LSTM weights"]["torch"]
    assert rows["Attention projections"]["torch"].startswith("packed")
    monkeypatch.setattr(get_framework("torch"), "layout", replace(get_framework("torch").layout, dense_layout="in_out"))
    assert dict(porting.layouts(["torch"]))["Dense weight"] == {"torch": "[in, out]"}


def test_every_pitfall_is_complete_and_points_at_a_file():
    entries = porting.pitfalls()
    assert len(entries) >= 5
    for p in entries:
        assert all(p.get(k, "").strip() for k in ("framework", "differs", "symptom", "remedy", "where")), p
        assert (REPO_ROOT / p["where"]).exists(), p["where"]
    rows = porting.pitfall_rows("../../")
    assert rows[0][-1] == f"[`{entries[0]['where']}`](../../{entries[0]['where']})"


def test_highlighted_lines_are_the_source_lines():
    import html
    import re

    for model in ("mlp", "transformer"):
        source = impl_path(model, "mxnet").read_text()  # a file that starts with a comment block
        lines = rosetta.highlight_lines(source)
        plain = [html.unescape(re.sub(r"<[^>]+>", "", line)) for line in lines]
        assert plain == source.splitlines()


def _record(fw: str, model: str, task: str, ms: float, mode: str = "eager") -> dict:
    return {"framework": fw, "model": model, "task": task, "mode": mode, "threads": 1, "tuning": "default",
            "status": "ok", "time_ms": ms, "time_ci95_ms": [ms * 0.95, ms * 1.05], "samples_ms": [ms, ms],
            "first_step_ms": ms * 10, "import_s": 1.0, "peak_rss_mb": 100.0, "loc": 20}


@pytest.fixture
def synthetic():
    records = []
    for model in ("mlp", "lenet5"):
        for task in ("train", "infer_b1", "infer_b64"):
            records += [_record("torch", model, task, 1.0), _record("paddle", model, task, 2.0),
                        _record("jittor", model, task, 0.5), _record("tensorflow", model, task, 4.0, "compiled"),
                        _record("tensorflow", model, task, 1.0, "eager")]  # TF ships compiled: eager is not "as shipped"
    return records


def _board(records, threads=1):
    header = scoreboard.header(records)
    rows = scoreboard.rows(records, {}, threads)
    return header, rows, {row[header.index("Framework")].text: row for row in rows}


def test_scoreboard_rows_carry_the_ratios_they_are_coloured_by(synthetic):
    header, _, rows = _board(synthetic)
    assert set(rows) == {"PyTorch", "TensorFlow", "PaddlePaddle", "Jittor", "PyTorch, ms"}
    col = header.index("mlp train")
    assert rows["PaddlePaddle"][col].ratio == pytest.approx(2.0) and rows["Jittor"][col].ratio == pytest.approx(0.5)
    assert rows["TensorFlow"][header.index("Mode")].text == "compiled" and rows["TensorFlow"][col].ratio == pytest.approx(4.0)
    assert str(rows["PaddlePaddle"][col]).startswith("2.00× [")
    assert rows["PaddlePaddle"][header.index("Geomean all tasks")].ratio == pytest.approx(2.0)
    assert rows["TensorFlow"][header.index("Best view, all tasks")].ratio == pytest.approx(1.0)  # its eager cells
    assert header.index("Geomean all tasks") < col and header.index("mlp infer b1") < header.index("mlp infer b64")


def test_scoreboard_is_in_rank_order_with_ties_marked_and_pytorch_times_last(synthetic):
    tied = synthetic + [dict(r, framework="mxnet", time_ms=r["time_ms"] * 2.05 / 2,
                             time_ci95_ms=[r["time_ms"] * 0.98, r["time_ms"] * 1.1]) for r in synthetic
                        if r["framework"] == "paddle"]
    header, rows, by_name = _board(tied)
    names = [row[header.index("Framework")].text for row in rows]
    assert names == ["Jittor", "PyTorch", "PaddlePaddle", "MXNet", "TensorFlow", "PyTorch, ms"]
    assert [row[0].text for row in rows] == ["1", "2", "3", "=3", "5", ""]  # MXNet: its interval overlaps PaddlePaddle's
    assert by_name["PyTorch, ms"][header.index("lenet5 train")].text == "1 ms"
    assert by_name["PyTorch, ms"][header.index("Geomean all tasks")].text == ""


def test_fastest_grid_names_the_fastest_and_who_it_cannot_be_told_from(synthetic):
    grid = scoreboard.fastest_grid(synthetic, 1)
    assert grid.header == ["Model", "train", "infer b1", "infer b64"]
    assert grid.rows[0] == ["lenet5"] + ["Jittor 0.50×"] * 3
    level = synthetic + [dict(r, framework="mxnet", time_ms=0.51) for r in synthetic if r["framework"] == "jittor"]
    assert scoreboard.fastest_grid(level, 1).rows[0][1] == "Jittor 0.50× (level with MXNet)"


def test_lead_paragraph_ranks_fastest_first(synthetic):
    text = scoreboard.lead_paragraph(synthetic, [{"id": "C1", "verdict": "mixed"}], 1)
    shipped = text.split("geometric mean over the models: ")[1]
    assert shipped.index("Jittor 0.50×") < shipped.index("PyTorch 1.00×") < shipped.index("PaddlePaddle 2.00×")
    assert "C1 mixed" in text
    alone = scoreboard.lead_paragraph([r for r in synthetic if r["framework"] != "torch"], [], 1)
    assert "no framework has a ratio to PyTorch" in alone and "-f torch" in alone  # not a sentence with nothing after its colon


def test_readme_blocks_and_docs_pages_are_generated():
    from benchmarks.outputs import readme

    text = (REPO_ROOT / "README.md").read_text()
    for start, end in (readme.ANSWER_BLOCK, readme.RESULTS, readme.TIMING):
        assert text.index(start) < text.index(end)
    porting_page = (REPO_ROOT / "docs" / "porting.md").read_text()
    for p in porting.pitfalls():
        assert p["differs"].replace("|", "\\|") in porting_page  # the page renders the data file, all of it
    assert text.index(readme.ANSWER_BLOCK[0]) < text.index("## Quick start") < text.index(readme.RESULTS[0])
    assert Path(REPO_ROOT / "results" / "reference" / "summary.md").read_text().count("### Scoreboard") >= 1
    for page in ("porting.md", "reproducibility.md", "size-sweep.md"):
        assert (REPO_ROOT / "docs" / page).read_text().startswith("<!-- generated by `fwbench report")


def test_a_newcomer_finds_the_answer_the_claims_and_the_two_commands_in_the_first_60_lines():
    head = "\n".join((REPO_ROOT / "README.md").read_text().splitlines()[:60])
    assert "![answer_t1](results/reference/plots/answer_t1.png)" in head  # the headline picture
    for claim in ("C1", "C2", "C3", "C4"):
        assert f"**{claim}**" in head
    assert head.count("Omdia") >= 3 and "国产开源框架越来越多" in head  # each claim with its source
    assert "make run" in head and "make test" in head and " min (" in head  # the two commands, with times
    assert "How far to trust the numbers" in head
    assert len((REPO_ROOT / "README.md").read_text().splitlines()) < 250


def test_the_reproducibility_page_says_which_frameworks_reproduce_and_whether_intervals_hold():
    from benchmarks.analysis import reproducibility
    from benchmarks.outputs import render

    pair = reproducibility.pair(Path("results/reference"), Path("results/reference-repeat"), REPO_ROOT)
    section = reproducibility.section(Path("results/reference"), Path("results/reference-repeat"), pair["a"],
                                      pair["b"], pair["raws"])
    text = render.markdown([section], REPO_ROOT / "docs", level=2)
    header = "| Framework | 1 thread: median / 90th percentile | 2 threads: median / 90th percentile | Moved most |"
    # the estimators table (a header; the paired ratio the tables show, then 3 rows) and the frameworks table
    # (a header, 8 rows: PyTorch divides)
    assert header in text and text.count("\n| ") == (1 + 1 + 3) + (1 + 8)
    assert "| paired ratio (tables) |" in text
    assert "By how far a cell's median sample lay above its fastest" in text
    assert "falls inside the other run's printed 95% interval" in text
    assert text in (REPO_ROOT / "docs" / "reproducibility.md").read_text()  # the page shows it


def test_every_ratio_axis_reads_in_times_and_says_lower_is_faster(synthetic, tmp_path, monkeypatch):
    """Each plot that shows a ratio to PyTorch: log ticks written 1×, 2×, ..., and the direction in its label."""
    from benchmarks.outputs import plots

    seen = []
    save = plots._save

    def keep(fig, path, meta):
        fig.canvas.draw()
        for ax in fig.axes:
            for axis, label in ((ax.xaxis, ax.get_xlabel()), (ax.yaxis, ax.get_ylabel())):
                ticks = [t.get_text() for t in axis.get_ticklabels() if t.get_text()]
                seen.append((path.name, label, ticks))
        return save(fig, path, meta)

    monkeypatch.setattr(plots, "_save", keep)
    plots.make_plots(synthetic, {}, tmp_path)
    ratio_axes = [(name, label, ticks) for name, label, ticks in seen if "relative to PyTorch" in label]
    assert {name for name, _, _ in ratio_axes} >= {"answer_t1.png", "speed_mlp_t1.png", "speed_lenet5_t1.png"}
    for name, label, ticks in ratio_axes:
        assert ticks and all(t.endswith("×") for t in ticks), (name, ticks)
        assert "lower is faster" in label, (name, label)


def test_every_table_divides_by_pytorch_as_shipped(synthetic):
    """The per-task tables and the long table use the scoreboard's baseline: TensorFlow's compiled cell has
    a ratio although PyTorch's compiled mode did not run (against PyTorch in the same mode it had none)."""
    header, rows = report.pivot(synthetic, "mlp", "train", 1)
    tf = next(row for row in rows if row[0] == "TensorFlow")
    assert tf[header.index("compiled vs PyTorch as shipped")] == "4.00×"
    assert tf[header.index("eager vs PyTorch as shipped")] == "1.00×"
    long = {(row[0], row[4], row[3], row[2]): row for row in report.table_rows(synthetic)}
    assert long[("TensorFlow", "compiled", "train", "mlp")][list(report.COLUMNS).index("Time vs PyTorch as shipped")] == "4.00×"


def test_unsteady_cells_are_counted_per_framework_with_the_cause_its_framework_names(synthetic):
    from benchmarks.outputs import report

    marked = [dict(r, unsteady=r["framework"] in ("mindspore", "jittor") and r["task"] == "train",
                   process_spread=0.3 if r["task"] == "train" else 0.02) for r in synthetic]
    marked += [dict(r, framework="mindspore", unsteady=True, process_spread=0.5) for r in synthetic[:1]]
    rows = {row[0]: row for row in report.unsteady_rows(marked)}
    assert set(rows) == {"Jittor", "MindSpore"}  # the steady frameworks have no row
    assert rows["Jittor"][2:] == ["2 of 6", "±30%", "not found"]  # no cause known: it says so
    assert rows["MindSpore"][2] == "1 of 1" and "pipeline queue" in rows["MindSpore"][4]
    assert report.unsteady_rows([dict(r, unsteady=False, process_spread=0.0) for r in synthetic]) == []
    # where the processes mapped memory afresh at different rates, the allocator is named first
    faulting = [dict(r, unsteady=True, process_spread=0.2, process_page_faults=[48.0, 4758.0]) for r in synthetic[:1]]
    faulting += [dict(r, unsteady=True, process_spread=0.2, process_page_faults=[300.0, 700.0]) for r in synthetic[1:2]]
    cause = report.unsteady_rows(faulting)[0][4]
    first = f"{synthetic[0]['model']} {synthetic[0]['task']}"
    assert cause.startswith(f"{first}: its processes mapped 48 to 4,758 pages afresh") and "glibc" in cause  # 300-700: alike


def test_workers_that_died_by_a_signal_are_counted_per_cell_with_the_cause_its_framework_names(synthetic):
    from benchmarks.outputs import report

    died = "1 of 2 processes: worker killed by signal 11 while preparing: E1207 oneflow"
    crashed = [dict(r, framework="oneflow", mode="compiled", threads=2, status="failed", reason=died,
                    warnings=["retried 2 process(es): worker killed by signal 11 while preparing"]) for r in synthetic[:3]]
    crashed += [dict(r, framework="oneflow", mode="compiled", threads=2, status="ok", reason="",
                     warnings=["retried 1 process(es): worker killed by signal 6 after 44 trials"]) for r in synthetic[3:5]]
    crashed += [dict(r, framework="jittor", status="failed", reason="worker killed by signal 9: oom") for r in synthetic[:1]]
    crashed += [dict(r, framework="paddle", status="failed", reason="parity: forward 1e-2") for r in synthetic[:1]]
    rows = report.crash_rows(crashed + synthetic)
    assert [row[:6] for row in rows] == [["Jittor", synthetic[0]["mode"], str(synthetic[0]["threads"]), "1", "0", "SIGKILL"],
                                         ["OneFlow", "compiled", "2", "3", "2", "SIGABRT, SIGSEGV"]]
    assert rows[0][6] == "not found" and "DequeueNNGraph" in rows[1][6]  # a parity failure is no crash
    assert report.crash_rows(synthetic) == []
