"""The A/A comparison of measuring methods (benchmarks/measure/methods.py, methods_report.py) and duet pairs
(paired.take_pair together): in-process fakes on a drifting host's clock, and the choice the committed
comparison supports."""
from __future__ import annotations

import json

import pytest

from benchmarks import REPO_ROOT
from benchmarks.measure import methods, paired, runner
from benchmarks.outputs import methods_report
from benchmarks.core.run_folder import RunFolder
from tests.test_paired import PROFILE, Host, fake_launcher

COMMITTED = REPO_ROOT / "results" / "aa-methods"



def test_a_duet_asks_both_sides_before_reading_either_and_pins_each_to_its_own_core():
    host = Host()
    launch, servers = fake_launcher(host, {"torch": {"mlp": 1.0}})
    raw = paired.measure(methods.aa_cells(["mlp"], [1]), PROFILE, 4, 0, launch=launch, duet=True)
    steps = [kind for kind, _ in host.log]
    assert steps == ["ask", "ask", "answer", "answer"] * (len(steps) // 4) and steps  # both run at once
    base, other = servers
    assert base.cpus == [runner.USABLE[0]] and other.cpus == [runner.USABLE[-1]]
    pairs = next(r for r in raw if r.get("role") is None and r["task"] == "train")["pair_ms"]
    assert all(a == pytest.approx(b) for a, b in pairs)  # the same host state on both sides: A/A is exact


def test_in_turn_pairs_neither_pin_nor_overlap():
    host = Host()
    launch, servers = fake_launcher(host, {"torch": {"mlp": 1.0}})
    paired.measure(methods.aa_cells(["mlp"], [1]), PROFILE, 2, 0, launch=launch)
    assert [kind for kind, _ in host.log[:4]] == ["ask", "answer", "ask", "answer"]
    assert all(s.cpus in (None, runner.USABLE[:1]) for s in servers)  # each trial on the workers' own core


def test_on_a_drifting_host_sequential_aa_ratios_stray_from_one_and_paired_and_duet_ones_do_not():
    host = Host()
    launch, _ = fake_launcher(host, {"torch": {"mlp": 1.0, "lenet5": 3.0}})
    found = []
    methods.compare(methods.aa_cells(["mlp", "lenet5"], [1]), PROFILE, rounds=4, worker_sets=2, repeats=2,
                    launch=launch, on_record=found.append)
    assert {(r["method"], r["repeat"]) for r in found} == {(m, n) for m in methods.METHODS for n in (1, 2)}
    assert len(found) == 3 * 2 * 6  # methods x repeats x (2 models x 3 tasks)
    sequential, pair, duet = (methods_report.figures(found, m, 1) for m in methods.METHODS)
    # a pair on this fast-drifting host errs by the drift between its two trials, + or - by which went
    # first; the trimmed mean (stats.paired_ratio) cancels those a little less fully than a plain mean would
    assert sequential["p90"] > 0.05 and sequential["p90"] > 1.5 * pair["p90"]
    assert duet["p90"] < 1e-9 and duet["holds_one"] == 1.0
    assert methods_report.chosen(found)[1] in ("paired", "duet")


def test_a_two_thread_setting_on_two_cores_has_no_duet():
    assert methods.methods_for(1, 2) == ["sequential", "paired", "duet"]
    assert methods.methods_for(2, 2) == ["sequential", "paired"]


def figure(method, width, minutes, holds=1.0, coverage=(0.95, 0.95)):
    return {"method": method, "width": width, "minutes": minutes, "holds_one": holds, "coverage": coverage}


def test_the_narrowest_intervals_that_hold_win_and_a_near_tie_goes_to_the_faster_method():
    narrow_but_wrong = figure("sequential", 0.05, 1.0, coverage=(0.70, 0.75))
    assert methods_report.choose([narrow_but_wrong, figure("paired", 0.20, 3.0), figure("duet", 0.30, 2.0)])["method"] == "paired"
    assert methods_report.choose([figure("paired", 0.20, 3.0), figure("duet", 0.21, 2.0)])["method"] == "duet"
    # none holds: the one that comes nearest
    assert methods_report.choose([figure("paired", 0.1, 1, holds=0.8), figure("duet", 0.1, 1, holds=0.85)])["method"] == "duet"


def test_a_comparison_is_written_read_back_checked_and_resumed(tmp_path):
    host = Host()
    launch, _ = fake_launcher(host, {"torch": {"mlp": 1.0}})
    folder = RunFolder.new(tmp_path / "aa")
    folder.write_meta({"methods_comparison": {"rounds": 3, "worker_sets": 1, "repeats": 2}})
    cells = methods.aa_cells(["mlp"], [1])
    methods.compare(cells, PROFILE, rounds=3, worker_sets=1, repeats=1, launch=launch, on_record=folder.append_aa)
    done = {(r["repeat"], r["threads"], r["method"]) for r in folder.aa()}
    assert len(done) == 3
    taken = []
    methods.compare(cells, PROFILE, rounds=3, worker_sets=1, repeats=2, launch=launch, done=done,
                    on_record=taken.append)
    assert {r["repeat"] for r in taken} == {2}  # repeat 1 is not taken again
    text = methods_report.write(folder).read_text()
    assert "Chosen at 1 thread" in text and "| sequential |" in text
    (folder.path / "aa.jsonl").write_text(json.dumps({"method": "paired", "ratio": "fast"}) + "\n")
    with pytest.raises(Exception, match="not a methods comparison's record"):
        folder.aa()



def test_paired_runs_take_duets_where_the_committed_comparison_chose_them():
    """The default a paired run uses at each thread setting is the one results/aa-methods supports."""
    folder = RunFolder.existing(COMMITTED)
    picks = methods_report.chosen(folder.aa())
    assert picks, "results/aa-methods holds no comparison"
    assert sorted(t for t, m in picks.items() if m == "duet") == sorted(paired.DUET_THREADS)
