"""One owner for a run folder and its files: nothing else names them.

A run folder holds `meta.json` (what was run, where, with which environments), `raw.jsonl` (one record per
worker process, task and attempt, appended as each exists) and `records.jsonl` (one aggregated record per
cell and task); a release sweep's folder holds `releases.jsonl` instead (one record per framework release),
a methods comparison's `aa.jsonl` (one A/A record per method, repeat and call).
Reading a damaged file is one line naming the file, the line and the fix (UserError, exit 2).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Union

from benchmarks.core import records as rec
from benchmarks.core import schema
from benchmarks.core.errors import UserError

RECORDS, RAW, META = "records.jsonl", "raw.jsonl", "meta.json"
RELEASES = "releases.jsonl"  # a release sweep's records: one per framework release (release_sweep.py)
AA = "aa.jsonl"  # a methods comparison's records: one per method, repeat and call (methods.py)


def code_changes(meta: Dict) -> List[str]:
    """The tracked files a run's checkout changed besides run folders (older runs recorded those too)."""
    from benchmarks.core.hardware import is_output

    return [path for path in meta.get("changed_files") or [] if not is_output(path)]


def run_commit(meta: Dict) -> Optional[str]:
    """The commit a run was taken at, when its code is known exactly (a tree clean but for run folders)."""
    commit = str(meta.get("git_commit") or "")
    if commit.endswith("-dirty") and meta.get("changed_files") and not code_changes(meta):
        commit = commit[: -len("-dirty")]
    return commit if commit and "dirty" not in commit and commit != "?" else None


class RunFolder:
    """A run folder on disk; `RunFolder.new` makes one, `RunFolder.existing` opens one."""

    def __init__(self, path: Union[str, Path]):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    @classmethod
    def new(cls, path: Union[str, Path]) -> "RunFolder":
        """Create the folder; it must not exist yet and must be writable."""
        folder = cls(path)
        try:
            folder.path.mkdir(parents=True, exist_ok=False)
            probe = folder.path / ".write-test"
            probe.touch()
            probe.unlink()
        except FileExistsError:
            raise UserError(f"{folder.path} exists: pass a new folder with --out, or finish it with --resume {folder.path}")
        except OSError as exc:
            raise UserError(f"cannot write results to {folder.path} ({exc.strerror}): pass a writable folder with --out")
        return folder

    @classmethod
    def existing(cls, path: Union[str, Path]) -> "RunFolder":
        folder = cls(path)
        if not folder.path.is_dir():
            raise UserError(f"no run folder {folder.path}: pass a folder under results/, e.g. results/reference")
        return folder

    @property
    def records_path(self) -> Path:
        return self.path / RECORDS

    @property
    def raw_path(self) -> Path:
        return self.path / RAW

    @property
    def meta_path(self) -> Path:
        return self.path / META

    def records(self) -> List[Dict]:
        """The aggregated records, checked against the declared schema (a torn last line is skipped with a
        warning)."""
        found = rec.read(self.records_path)
        for number, record in enumerate(found, 1):
            wrong = schema.record_problems(record)
            if wrong:
                raise UserError(f"{self.records_path}: record {number} does not fit schema {schema.SCHEMA_VERSION} "
                                f"({'; '.join(wrong[:3])}): is this a fwbench records.jsonl? Rebuild it from raw.jsonl "
                                f"with `fwbench report {self.path} --reaggregate`")
        return found

    def has_records(self) -> bool:
        return self.records_path.exists()

    def has_raw(self) -> bool:
        return self.raw_path.exists()

    def raw(self) -> List[Dict]:
        """The per-process records; none for a run that has not launched a worker yet (or an old run)."""
        return rec.read(self.raw_path) if self.has_raw() else []

    def meta(self) -> Dict:
        """meta.json ({} when there is none: records copied without it)."""
        if not self.meta_path.exists():
            return {}
        try:
            meta = json.loads(self.meta_path.read_text())
        except json.JSONDecodeError as exc:
            raise UserError(f"{self.meta_path}:{exc.lineno} is not valid JSON ({exc.msg}): restore it "
                            f"(`git checkout -- {self.meta_path}`) or take the run again")
        except OSError as exc:
            raise UserError(f"cannot read {self.meta_path} ({exc.strerror}): check the folder's permissions")
        wrong = schema.meta_problems(meta) if isinstance(meta, dict) else ["not a JSON object"]
        if wrong:
            raise UserError(f"{self.meta_path} does not fit its schema ({'; '.join(wrong[:3])}): is this a fwbench "
                            f"run folder? Restore it (`git checkout -- {self.meta_path}`)")
        return meta

    def run_meta(self) -> Dict:
        """meta.json with the plan a resumed or merged run needs; a folder without one is not a run."""
        meta = self.meta()
        plan = meta.get("plan")
        if not isinstance(plan, dict) or "cells" not in plan or "profile" not in plan:
            raise UserError(f"{self.path} is not a fwbench run folder (no usable {META}): start a new run instead")
        return meta

    def write_meta(self, meta: Dict) -> None:
        rec.write_atomic(self.meta_path, json.dumps(meta, indent=1))

    def append_raw(self, record: Dict) -> None:
        rec.append(self.raw_path, record)

    def append_record(self, record: Dict) -> None:
        rec.append(self.records_path, record)

    def write_records(self, records: List[Dict]) -> None:
        rec.write_atomic(self.records_path, "".join(json.dumps(r) + "\n" for r in records))

    def write_raw(self, records: List[Dict]) -> None:
        rec.write_atomic(self.raw_path, "".join(json.dumps(r) + "\n" for r in records))

    @property
    def releases_path(self) -> Path:
        return self.path / RELEASES

    def is_release_sweep(self) -> bool:
        return self.releases_path.exists()

    def releases(self) -> List[Dict]:
        """A release sweep's records (none yet: []), checked against the declared schema."""
        return _checked(self.releases_path, schema.RELEASE_KEYS, "a release sweep's record")

    def append_release(self, record: Dict) -> None:
        rec.append(self.releases_path, record)

    @property
    def aa_path(self) -> Path:
        return self.path / AA

    def is_methods_comparison(self) -> bool:
        return self.aa_path.exists()

    def aa(self) -> List[Dict]:
        """A methods comparison's A/A records (none yet: []), checked against the declared schema."""
        return _checked(self.aa_path, schema.AA_KEYS, "a methods comparison's record")

    def append_aa(self, record: Dict) -> None:
        rec.append(self.aa_path, record)


def _checked(path: Path, fields: Dict, what: str) -> List[Dict]:
    """The records of a JSON-lines file (none yet: []), each checked against its declared fields."""
    found = rec.read(path) if path.exists() else []
    for number, record in enumerate(found, 1):
        wrong = schema.problems(record, fields)
        if wrong:
            raise UserError(f"{path}: record {number} is not {what} ({'; '.join(wrong[:3])}): restore it "
                            f"(`git checkout -- {path}`)")
    return found


def load_run(run_dir: Path) -> tuple:
    """(records, meta) of a run folder: a damaged meta.json is one line naming it (UserError)."""
    folder = RunFolder(run_dir)
    return folder.records(), folder.meta()
