"""The HTML report in a real headless Chromium: tables and images render, key figures appear."""
import shutil
import subprocess

import pytest

from benchmarks import REPO_ROOT, outputs, records
from tests.conftest import IN_CI

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
    from benchmarks.html_report import _table

    assert "&lt;script&gt;" in _table(["a"], [["<script>alert(1)</script>"]])


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
    assert f"{torch_train['median_ms']:.3g} [" in dom  # the headline figure is on the page
    for name in ("PyTorch", "PaddlePaddle", "MindSpore", "Jittor", "OneFlow", "MegEngine"):
        assert name in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    subprocess.run([browser, *FLAGS, *profile, "--window-size=1400,2200", f"--screenshot={shot}", url],
                   capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000
