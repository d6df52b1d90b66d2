"""The run folder has one owner (benchmarks/core/run_folder.py), and damaged or partial folders read as what they are."""
import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import REPO_ROOT
from benchmarks.core import run_folder
from benchmarks.core.errors import UserError
from benchmarks.core.run_folder import RunFolder

QUICK = REPO_ROOT / "results" / "quick"  # a committed run: nine frameworks, one process per cell


def fwbench(*args):
    return subprocess.run([sys.executable, "-m", "benchmarks.cli", *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=600)


def copy_of(tmp_path, source=QUICK) -> Path:
    folder = tmp_path / source.name
    for name in (run_folder.META, run_folder.RECORDS, run_folder.RAW):
        folder.mkdir(exist_ok=True)
        shutil.copy(source / name, folder / name)
    return folder


def test_no_other_module_names_the_run_folders_files():
    names = {run_folder.META, run_folder.RECORDS, run_folder.RAW}
    found = []
    for path in sorted((REPO_ROOT / "benchmarks").rglob("*.py")):
        if path.name == "run_folder.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.name}:{node.lineno} {node.value}")
    assert found == []


def test_a_damaged_meta_json_is_one_line_naming_the_file_the_line_and_the_fix(tmp_path):
    folder = copy_of(tmp_path)
    text = (folder / run_folder.META).read_text()
    (folder / run_folder.META).write_text(text[: len(text) // 2])  # cut off mid-write
    with pytest.raises(UserError, match=r"meta\.json:\d+ is not valid JSON .*git checkout"):
        RunFolder(folder).meta()
    out = fwbench("report", str(folder))
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "meta.json:" in out.stderr and "Traceback" not in out.stderr


def test_a_folder_that_is_not_a_run_cannot_be_resumed_and_a_new_one_must_not_exist(tmp_path):
    with pytest.raises(UserError, match="not a fwbench run folder"):
        RunFolder.existing(tmp_path).run_meta()
    with pytest.raises(UserError, match="exists: pass a new folder"):
        RunFolder.new(tmp_path)
    with pytest.raises(UserError, match="no run folder"):
        RunFolder.existing(tmp_path / "missing")


def test_a_run_left_with_one_record_is_partial_and_its_claims_are_no_data(tmp_path):
    folder = copy_of(tmp_path)
    first = (folder / run_folder.RECORDS).read_text().splitlines()[0]
    (folder / run_folder.RECORDS).write_text(first + "\n" + first[: len(first) // 2])  # and a torn last line
    out = fwbench("report", str(folder))
    assert out.returncode == 0, out.stderr
    assert "torn last line" in out.stderr
    summary = (folder / "summary.md").read_text()
    assert "**Partial run: 1 of 45 planned cells have records" in summary
    from benchmarks.outputs import report

    line = report.data_quality_line(*run_folder.load_run(folder))
    assert line.startswith("**Partial run: 1 of 45 planned cells have records.** 1 of 1 measurements ok") and "\n" not in line
    for claim in ("C1", "C2", "C3", "C4"):
        assert f"#### {claim}:" in summary and "Verdict: **no data**" in summary.split(f"#### {claim}:")[1].split("\n\n")[1]


def test_records_and_raw_round_trip_through_the_folder(tmp_path):
    folder = RunFolder.new(tmp_path / "run")
    assert folder.raw() == [] and not folder.has_records() and folder.meta() == {}
    folder.append_raw({"framework": "torch", "process": 0})
    record = RunFolder(QUICK).records()[0]
    folder.append_record(record)
    folder.write_meta({"plan": {"cells": [], "profile": {}}})
    assert [r["process"] for r in folder.raw()] == [0]
    assert folder.records() == [record]
    assert folder.run_meta()["plan"]["cells"] == []
    folder.write_records([])
    assert folder.records() == []


def test_the_record_reference_is_generated_from_the_declared_schema():
    from benchmarks.core import schema

    assert (REPO_ROOT / "docs" / "records.md").read_text() == schema.reference_markdown()
    assert len(schema.csv_columns()) == len(set(schema.csv_columns()))


def test_a_record_of_the_wrong_kind_is_one_line_naming_the_fix(tmp_path):
    folder = copy_of(tmp_path)
    lines = (folder / run_folder.RECORDS).read_text().splitlines()
    lines[3] = lines[3].replace('"threads": 1', '"threads": "one"')
    (folder / run_folder.RECORDS).write_text("\n".join(lines) + "\n")
    with pytest.raises(UserError, match=r"record 4 does not fit schema 2 \(`threads` is str, not int\).*--reaggregate"):
        RunFolder(folder).records()
    del lines[3]
    (folder / run_folder.RECORDS).write_text("\n".join(lines) + "\n")
    assert len(RunFolder(folder).records()) == len(lines)


def test_every_committed_run_fits_the_schema():
    for meta in sorted((REPO_ROOT / "results").glob(f"*/{run_folder.META}")):
        folder = RunFolder(meta.parent)
        assert folder.meta() and (folder.releases() if folder.is_release_sweep() else
                                  folder.aa() if folder.is_methods_comparison() else folder.records())


def test_a_run_in_a_changed_checkout_records_the_files_it_changed(tmp_path, monkeypatch):
    from benchmarks.core import hardware

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    git("init", "-q")
    (tmp_path / "spec.py").write_text("BATCH = 64\n")
    git("add", "spec.py")
    git("commit", "-q", "-m", "spec")
    monkeypatch.setattr(hardware, "REPO_ROOT", tmp_path)
    assert hardware.changed_files() == [] and not hardware.git_commit().endswith("-dirty")
    (tmp_path / "spec.py").write_text("BATCH = 32\n")
    (tmp_path / "untracked.txt").write_text("not the code\n")  # untracked files do not count
    assert hardware.changed_files() == ["spec.py"] and hardware.git_commit().endswith("-dirty")
    git("checkout", "-q", "spec.py")
    (tmp_path / "results" / "reference").mkdir(parents=True)
    (tmp_path / "results" / "reference" / "meta.json").write_text("{}\n")
    git("add", "results")
    git("commit", "-q", "-m", "a run")
    (tmp_path / "results" / "reference" / "meta.json").unlink()  # a run folder replaced: outputs, not code
    assert hardware.changed_files() == [] and not hardware.git_commit().endswith("-dirty")
