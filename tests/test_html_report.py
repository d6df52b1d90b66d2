"""The HTML report in a real headless Chromium: tables and images render, key figures appear."""
import json
import shutil
import subprocess

import pytest

from benchmarks import REPO_ROOT
from benchmarks.core import records
from benchmarks.outputs import run_outputs as outputs
from tests.conftest import IN_CI

pytestmark = pytest.mark.processes

ARTIFACTS = REPO_ROOT / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        message = "Chromium missing: apt-get install chromium"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def built_report(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    for name in ("records.jsonl", "meta.json"):
        shutil.copy(REPO_ROOT / "results" / "reference" / name, run_dir / name)
    outputs.build(run_dir)
    return run_dir


def test_derived_files_come_from_records_alone(built_report):
    for name in ("summary.md", "summary.csv", "report.html"):
        assert (built_report / name).stat().st_size > 0
    pngs = list((built_report / "plots").glob("*.png"))
    assert len(pngs) >= 5 and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    header = (built_report / "summary.csv").read_text().splitlines()[0].split(",")
    assert tuple(header) == outputs.CSV_COLUMNS


def test_report_is_self_contained_and_escaped(built_report):
    page = (built_report / "report.html").read_text()
    import re

    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing loads from the network
    assert "@import" not in page and "url(http" not in page
    assert "<script src" not in page and "<link" not in page
    from benchmarks.outputs.html_report import _table

    assert "&lt;script&gt;" in _table(["a"], [["<script>alert(1)</script>"]])


def test_markdown_prose_reads_as_html_and_stays_escaped():
    from benchmarks.outputs.html_report import inline

    assert inline("**Taken on a noisy machine**: run `fwbench run --require-quiet` <now>") == (
        "<strong>Taken on a noisy machine</strong>: run <code>fwbench run --require-quiet</code> &lt;now&gt;")
    assert inline("last; *best view*: each 2 * 3 × 4") == "last; <em>best view</em>: each 2 * 3 × 4"


def test_report_renders_in_headless_chromium(built_report, tmp_path):
    browser = chromium()
    url = (built_report / "report.html").as_uri()
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    dom = subprocess.run([browser, *FLAGS, *profile, "--virtual-time-budget=5000", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120).stdout
    assert 'data-images-ok="true"' in dom
    assert int(dom.split('data-tables="')[1].split('"')[0]) >= 6
    ref = {(r["framework"], r["mode"], r["threads"], r["task"]): r
           for r in records.read(built_report / "records.jsonl")}
    torch_train = ref[("torch", "eager", 1, "train")]
    assert f"{torch_train['time_ms']:.3g} [" in dom  # the headline figure is on the page
    for name in ("PyTorch", "PaddlePaddle", "MindSpore", "Jittor", "OneFlow", "MegEngine"):
        assert name in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    subprocess.run([browser, *FLAGS, *profile, "--window-size=1400,2200", f"--screenshot={shot}", url],
                   capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000


def dump_dom(browser: str, url: str, profile_dir) -> str:
    profile = ["--user-data-dir=" + str(profile_dir)]
    return subprocess.run([browser, *FLAGS, *profile, "--virtual-time-budget=5000", "--dump-dom", url],
                          capture_output=True, text=True, timeout=120).stdout


def _section(dom: str, start: str, end: str = "</table>") -> str:
    i = dom.index(start)
    return dom[i:dom.index(end, i)]


def test_scoreboard_comes_first_with_every_framework_and_model_and_colours_that_follow_the_ratios(built_report, tmp_path):
    import re

    from benchmarks.frameworks import all_frameworks

    dom = dump_dom(chromium(), (built_report / "report.html").as_uri(), tmp_path / "profile")
    board = _section(dom, '<table class="results scoreboard"')
    order = ['id="answer"', 'class="results scoreboard"', 'id="claims"', 'id="rosetta"', 'id="plots"',
             "Every task, per model", 'id="method"']
    assert [dom.index(mark) for mark in order] == sorted(dom.index(mark) for mark in order)  # reading order
    bar = _section(dom, '<nav class="contents">', "</nav>")
    assert all(f'href="#{anchor}"' in bar for anchor in ("answer", "scoreboard-t1", "claims", "rosetta", "plots"))
    ran = {r["framework"] for r in records.read(built_report / "records.jsonl")}
    for key in ran:
        assert f"<td>{all_frameworks()[key].display}</td>" in board
    for model in ("mlp", "lenet5", "resnet", "lstm", "transformer"):
        assert f">{model} train</th>" in board and f">{model} infer b64</th>" in board
    cells = re.findall(r'data-ratio="([\d.e+-]+)" style="background:rgb\((\d+),(\d+),(\d+)\)"', board)
    assert len(cells) >= 9 * 10
    for ratio, r, g, _ in cells:
        ratio, r, g = float(ratio), int(r), int(g)
        if ratio > 1.05:
            assert r > g, (ratio, r, g)  # slower than PyTorch: red
        elif ratio < 0.95:
            assert g > r, (ratio, r, g)  # faster: green
    reds = [int(g) for ratio, _, g, _ in cells if float(ratio) > 1.05]
    slowest = max(cells, key=lambda c: float(c[0]))
    assert int(slowest[2]) == min(reds)  # the largest ratio is the reddest


def test_rosetta_stone_shows_the_two_chosen_frameworks_side_by_side(built_report, tmp_path):
    dom = dump_dom(chromium(), (built_report / "report.html").as_uri() + "#rosetta=paddle,jittor", tmp_path / "p")
    side = _section(dom, 'data-model="mlp"', "</details>")
    header = _section(side, "<thead>", "</thead>")
    assert "models/mlp/paddle_impl.py" in header and "models/mlp/jittor_impl.py" in header
    assert header.index("paddle_impl") < header.index("jittor_impl")  # left, right
    import re

    numbered = len(re.findall(r'<td class="no">\d+</td>', side))  # every line of both files, once
    from benchmarks.measure.loc import read_source
    from benchmarks.core.run_folder import run_commit

    commit = run_commit(json.loads((built_report / "meta.json").read_text()))  # the files as they were measured
    assert numbered == sum(len(read_source(REPO_ROOT / "models" / "mlp" / f"{fw}_impl.py", commit).splitlines())
                           for fw in ("paddle", "jittor"))
    # the two files' `def build_trainer` lines are aligned on one row

    rows = re.findall(r"<tr data-left=\"(\d+)\" data-right=\"(\d+)\">(.*?)</tr>", side)
    trainer_rows = [row for row in rows if row[2].count("build_trainer") == 2]
    assert len(trainer_rows) == 1
    assert 'class="changed"' in side and 'class="same"' in side  # marks against PyTorch's file


def test_code_panes_scroll_sideways_and_cut_no_line_off(built_report, tmp_path):
    """MindSpore's LeNet-5 file beside PyTorch's: its `has_bias=True` (a porting pitfall) was once cut off."""
    dom = dump_dom(chromium(), (built_report / "report.html").as_uri() + "#rosetta=lenet5:torch,mindspore", tmp_path / "p")
    assert 'data-clipped-code="0"' in dom
    pane = _section(dom, 'data-model="lenet5"', "</details>")
    assert "models/lenet5/mindspore_impl.py" in pane and "has_bias" in pane


def test_api_table_has_the_core_concepts_for_every_framework(built_report, tmp_path):
    import re

    from benchmarks.frameworks import all_frameworks

    dom = dump_dom(chromium(), (built_report / "report.html").as_uri(), tmp_path / "p")
    table = _section(dom, '<table class="api">')
    names = [a.display for a in all_frameworks().values()]
    header = re.findall(r"<th>(.*?)</th>", _section(table, "<thead>", "</thead>"))
    assert header[1:] == names
    for concept in ("Dense layer", "Cross-entropy loss", "SGD optimizer"):
        row = _section(table, f"<th>{concept}</th>", "</tr>")
        cells = re.findall(r"<td>(.*?)</td>", row)
        assert len(cells) == len(names) and all("<code>" in c for c in cells), (concept, cells)
    assert 'href="#rosetta=mlp:torch,paddle:L' in table  # links into the side-by-side view
    pitfalls = _section(dom, '<table class="pitfalls">')
    assert "paddle.jit.to_static" in pitfalls


def test_screenshot_is_not_blank(built_report, tmp_path):
    from PIL import Image
    import numpy as np

    browser = chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-top.png"
    subprocess.run([browser, *FLAGS, "--user-data-dir=" + str(tmp_path / "p"), "--window-size=1400,1200",
                    f"--screenshot={shot}", (built_report / "report.html").as_uri()], capture_output=True, timeout=120)
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
    assert (pixels.min(axis=2) < 200).mean() > 0.02  # text and the heat map, not a white page
    reddish = (pixels[..., 0] - pixels[..., 1] > 60).mean()
    assert reddish > 0.001  # the heat map is on screen
