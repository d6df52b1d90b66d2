"""The scoreboard, the API-equivalence table, the layout table, the pitfalls file and the Rosetta
stone's highlighting: each read from its source, not retyped."""
from pathlib import Path

import pytest

from benchmarks import REPO_ROOT, porting, report, rosetta, scoreboard
from benchmarks.adapters import all_adapters, get_adapter
from benchmarks.loc import api_uses, impl_path


def test_api_uses_resolve_names_decorators_and_bases_with_their_lines():
    source = ("import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n"
              "        self.fc = nn.Linear(2, 3)\n\n    def forward(self, x):\n        return self.fc(x)\n\n\n"
              "@torch.no_grad()\ndef predict(model, x):\n    model.eval()\n    return model(x)\n")
    uses = api_uses(source, ("torch",))
    assert ("torch.nn.Module", 5) in uses and ("torch.nn.Linear", 7) in uses and ("torch.no_grad", 13) in uses
    assert (".eval", 15) in uses  # a method on an object
    assert not any(name == ".fc" for name, _ in uses)  # the model's own layers are not API


def test_api_table_points_at_real_lines_of_every_framework():
    frameworks = list(all_adapters())
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


def test_layouts_are_read_from_the_adapters(monkeypatch):
    rows = dict(porting.layouts(["torch", "tensorflow", "mindspore"]))
    assert rows["Dense weight"] == {"torch": "[out, in]", "tensorflow": "[in, out]", "mindspore": "[out, in]"}
    assert rows["Integer labels"]["mindspore"] == "int32" and rows["Integer labels"]["torch"] == "int64"
    assert "one bias" in rows["LSTM weights"]["tensorflow"] and "two biases" in rows["LSTM weights"]["torch"]
    assert rows["Attention projections"]["torch"].startswith("packed")
    monkeypatch.setattr(type(get_adapter("torch")), "dense_layout", "in_out")
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


def test_scoreboard_rows_carry_the_ratios_they_are_coloured_by(synthetic):
    header = scoreboard.header(synthetic)
    rows = {row[0].text: row for row in scoreboard.rows(synthetic, {}, 1)}
    assert set(rows) == {"PyTorch", "TensorFlow", "PaddlePaddle", "Jittor"}
    col = header.index("mlp train")
    assert rows["PaddlePaddle"][col].ratio == pytest.approx(2.0) and rows["Jittor"][col].ratio == pytest.approx(0.5)
    assert rows["TensorFlow"][1].text == "compiled" and rows["TensorFlow"][col].ratio == pytest.approx(4.0)
    assert str(rows["PaddlePaddle"][col]).startswith("2.00× [")
    assert rows["PaddlePaddle"][header.index("Geomean all tasks")].ratio == pytest.approx(2.0)
    assert rows["TensorFlow"][header.index("Best view, all tasks")].ratio == pytest.approx(1.0)  # its eager cells


def test_lead_paragraph_ranks_fastest_first(synthetic):
    text = scoreboard.lead_paragraph(synthetic, [{"id": "C1", "verdict": "mixed"}], 1)
    shipped = text.split("geometric mean over the models: ")[1]
    assert shipped.index("Jittor 0.50×") < shipped.index("PyTorch 1.00×") < shipped.index("PaddlePaddle 2.00×")
    assert "C1 mixed" in text


def test_readme_blocks_are_generated(tmp_path):
    from benchmarks import readme

    text = (REPO_ROOT / "README.md").read_text()
    for start, end in (readme.RESULTS, readme.PITFALLS):
        assert text.index(start) < text.index(end)
    block = text[text.index(readme.PITFALLS[0]):text.index(readme.PITFALLS[1])]
    for p in porting.pitfalls():
        assert p["differs"].replace("|", "\\|") in block  # README renders the data file, all of it
    assert text.index(readme.RESULTS[0]) < text.index("## Quick start")  # the answer leads
    assert Path(REPO_ROOT / "results" / "reference" / "summary.md").read_text().count("### Scoreboard") >= 1


def test_readme_says_which_frameworks_reproduce_and_how_the_host_spread_the_samples():
    from benchmarks import readme

    records, meta = report.load_run(REPO_ROOT / "results" / "reference")
    text = readme.reproducibility_markdown(Path("results/reference"), Path("results/reference-repeat"), records, meta)
    header = "| Framework | 1 thread: median / 90th percentile | 2 threads: median / 90th percentile | Moved most |"
    # the estimators table (a header, 3 rows) and the frameworks table (a header, 8 rows: PyTorch divides)
    assert header in text and text.count("\n| ") == (1 + 3) + (1 + 8)
    assert "By how far a cell's median sample lay above its fastest" in text
    assert header in (REPO_ROOT / "README.md").read_text()  # README shows it
