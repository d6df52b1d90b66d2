"""The release sweep (benchmarks/measure/release_sweep.py) with the fake framework at three earlier releases, each a
real environment: numpy 0.0.1 (no such release: cannot install), numpy 1.26.4 (no `np.astype`, which the fake
model file uses: an API break) and numpy 2.0.2 (runs), against its pinned numpy 2.4.6."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from benchmarks import REPO_ROOT
from benchmarks.analysis import releases
from benchmarks.core.run_folder import RunFolder

pytestmark = pytest.mark.processes


@pytest.fixture(scope="module")
def sweep_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("fwbench-home")
    env = dict(os.environ, FWBENCH_HOME=str(home), FWBENCH_EXTRA_FRAMEWORKS="tests.fakefw")
    out_dir = tmp_path_factory.mktemp("runs") / "releases"
    cmd = [sys.executable, "-m", "benchmarks.cli", "run", "--task", "releases", "-f", "fake_ok", "-m", "mlp",
           "--rounds", "3", "--cap-gb", "0", "--out", str(out_dir)]
    out = subprocess.run(cmd, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return env, home, RunFolder(out_dir), out


def by_release(folder: RunFolder) -> dict:
    return {r["release"]: r for r in folder.releases()}


def test_every_release_has_one_outcome_per_model_oldest_first(sweep_run):
    _, _, folder, _ = sweep_run
    assert [r["release"] for r in folder.releases()] == ["0.1", "1.26.4", "2.0.2", "pinned"]
    found = by_release(folder)
    assert found["pinned"]["newest"] and found["pinned"]["installed"] == "2.4.6"
    assert {r: found[r]["models"]["mlp"]["outcome"] for r in found} == {
        "0.1": "cannot install", "1.26.4": "API break", "2.0.2": "runs", "pinned": "runs"}


def test_cannot_install_is_one_line_naming_the_requirement(sweep_run):
    error = by_release(sweep_run[2])["0.1"]["install_error"]
    assert "\n" not in error and "numpy==0.0.1" in error and error.startswith("ERROR:")


def test_an_api_break_names_the_model_files_line(sweep_run):
    mlp = by_release(sweep_run[2])["1.26.4"]["models"]["mlp"]
    assert mlp["error"].startswith("AttributeError: module 'numpy' has no attribute 'astype'")
    path, line = mlp["at"].rsplit(":", 1)
    assert path == "tests/fakefw/numpy_impl.py"
    assert "np.astype" in (REPO_ROOT / path).read_text().splitlines()[int(line) - 1] and "np.astype" in mlp["code"]
    assert "`astype` does not exist in this release" in release_sweep_hint(mlp)


def release_sweep_hint(outcome: dict) -> str:
    from benchmarks.measure.release_sweep import fix_hint

    return fix_hint(outcome)


def test_a_release_that_runs_is_timed_in_pairs_against_the_pinned_one(sweep_run):
    found = by_release(sweep_run[2])
    speed = found["2.0.2"]["speed"]
    assert set(speed) == {"mlp:train", "mlp:infer_b64"}
    for s in speed.values():
        assert s["pairs"] == 3 and s["ci"][0] <= s["ratio"] <= s["ci"][1]
    assert not found["1.26.4"].get("speed") and "speed" not in found["pinned"]  # only what runs is timed


def test_environments_past_the_cap_are_removed_once_measured(sweep_run):
    _, home, _, _ = sweep_run
    assert not list((home / "releases").glob("fake_ok-*")), "cap 0 GB: each release's environment goes once measured"
    assert list((home / "envs").glob("fake-*")), "the pinned environment stays"


def test_summary_shows_the_matrix_the_footnote_and_the_speed(sweep_run):
    _, _, folder, out = sweep_run
    text = (folder.path / "summary.md").read_text()
    assert "| fake_ok | 1.26.4 |" in text and "API break [2]" in text and "| CPython wheels | Python here |" in text
    assert "[2] fake_ok 1.26.4: AttributeError: module 'numpy' has no attribute 'astype'" in text
    assert "| fake_ok | 2.0.2 |" in text and "×" in text.split("## Speed across releases")[1]
    assert (folder.path / "releases_speed.png").exists()
    assert "4 framework releases checked; today's code runs unchanged on 2." in out.stdout


def test_resume_takes_nothing_again(sweep_run):
    env, _, folder, _ = sweep_run
    before = folder.releases_path.read_text()
    out = subprocess.run([sys.executable, "-m", "benchmarks.cli", "run", "--task", "releases", "--resume",
                          str(folder.path)], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert folder.releases_path.read_text() == before
    assert json.loads(folder.meta_path.read_text())["release_sweep"]["models"] == ["mlp"]


def test_upkeep_rule_counts_recent_releases_that_run_and_flags_a_regression():
    meta = {"date": "2026-12-01", "release_facts": {"fw": {
        "releases": [{"version": v, "date": d} for v, d in (("1.0", "2023-01-01"), ("2.0", "2025-06-01"),
                                                            ("3.0", "2026-01-01"), ("4.0", "2026-10-01"))],
        "releases_recent": 3, "median_days_between": 100, "wheels_newest_release": ["3.11", "3.12"]}}}
    runs = {"mlp": {"outcome": "runs"}}
    broken = {"mlp": {"outcome": "API break", "error": "AttributeError: x"}}
    fast = {"mlp:train": {"ratio": 0.8, "ci": [0.75, 0.85], "pairs": 6}}
    records = [dict(framework="fw", release="1.0", models=runs, speed=fast),
               dict(framework="fw", release="2.0", models=broken),
               dict(framework="fw", release="3.0", models=broken),
               dict(framework="fw", release="pinned", newest=True, installed="4.0", models=runs)]
    fact = releases.upkeep(records, meta)["fw"]
    assert (fact["recent"], fact["recent_runs"]) == (2, 0)  # 2.0 and 3.0: the newest is not counted
    trouble = releases.troubles(fact)
    assert any("runs unchanged on 0 of its 2 earlier releases" in t for t in trouble)
    assert any("its newest release takes 1.2× the time of 1.0" in t for t in trouble)
    records[0]["speed"] = {"mlp:train": {"ratio": 0.95, "ci": [0.85, 1.05], "pairs": 6}}  # within noise of level
    assert not any("the time of" in t for t in releases.troubles(releases.upkeep(records, meta)["fw"]))
