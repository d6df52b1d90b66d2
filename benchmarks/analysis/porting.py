"""What a reader porting between frameworks needs, read from the code and one data file:

- the API-equivalence table: concept x framework, each cell the calls that framework's model files
  make for it (resolved through their imports, with the line), so every entry is backed by the
  parity gate that those files pass;
- the layout conventions each framework's weight layout and the models' weights modules convert;
- the porting pitfalls, from models/pitfalls.toml (the one hand-written source).
"""
from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from benchmarks import REPO_ROOT
from benchmarks.frameworks.framework import CONCEPTS
from benchmarks.measure.loc import api_uses, impl_path, read_source

PITFALLS = REPO_ROOT / "models" / "pitfalls.toml"

TENSOR_CONCEPT = "Tensor from numpy"  # read from each runtime's tensor(), not from the model files


API_TEXT = ("Per concept, the calls each framework's model files make for it, resolved through their imports "
            "(`.name()` is a method called on an object); each links to its first use in the Rosetta stone above "
            "(hover for the line). Every entry is backed by the parity gate: the files that make these calls match "
            "the numpy reference. “–”: no single call for it in these files (composed from smaller ones, or not "
            "needed, as no-grad in functional JAX). Each framework names its calls for a concept in its folder "
            "(benchmarks/frameworks/<name>/__init__.py); a call it names that no model file makes is not shown. Tensors "
            "are made from numpy by the harness's runtime for that framework, whose call is shown.")
LAYOUT_TEXT = ("Read from each framework's weight layout (benchmarks/frameworks/<name>) and the models' weights modules: what loading the "
               "canonical weights (dense [in, out], conv OIHW, images NCHW) into each framework converts.")
PITFALL_TEXT = ("From models/pitfalls.toml, the one hand-written file behind these pages: where a framework "
                "differs from PyTorch in a way that a naive port gets wrong, what that looks like, and what the "
                "implementation here does about it.")


@dataclass(frozen=True)
class Use:
    name: str
    model: str
    line: int
    path: str  # relative to the repository
    code: str  # the source line


def model_order() -> List[str]:
    """Models, simplest first (by the length of PyTorch's file), so a concept links to its plainest use."""
    from benchmarks.core.plan import available_models

    return sorted(available_models("speed"), key=lambda m: len((read_source(impl_path(m, "torch")) or "").splitlines()))


def _model_uses(framework: str, models: Sequence[str], commit: Optional[str]) -> List[Use]:
    from benchmarks.frameworks import get_framework

    out = []
    for model in models:
        path = impl_path(model, framework)
        source = read_source(path, commit) or read_source(path)
        if not source:
            continue
        lines = source.splitlines()
        rel = path.relative_to(REPO_ROOT).as_posix()
        out += [Use(n, model, line, rel, lines[line - 1].strip())
                for n, line in api_uses(source, get_framework(framework).api_packages)]
    return out


def _tensor_use(framework: str) -> Optional[Use]:
    """The call in the runtime's tensor(): `self.fw.from_numpy(...)` is the framework's `torch.from_numpy`."""
    from benchmarks.frameworks import get_framework

    runtime = get_framework(framework).runtime
    lines, start = inspect.getsourcelines(type(runtime).tensor)
    tree = ast.parse(textwrap.dedent("".join(lines)))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func).startswith("self.")]
    if not calls:
        return None
    call = min(calls, key=lambda c: (c.lineno, c.col_offset))
    name = ast.unparse(call.func).replace("self.fw.", runtime.module + ".").replace("self.", "")
    path = Path(inspect.getsourcefile(type(runtime))).resolve().relative_to(REPO_ROOT.resolve()).as_posix()
    return Use(name, "", start + call.lineno - 1, path, lines[call.lineno - 1].strip())


def api_table(frameworks: Sequence[str], models: Sequence[str], commit: Optional[str] = None) -> Dict[str, Dict[str, List[Use]]]:
    """concept -> framework -> the distinct names it uses for it, each at its first use (models in the
    order given, so the simplest model's line comes first)."""
    from benchmarks.frameworks import get_framework

    table: Dict[str, Dict[str, List[Use]]] = {c: {} for c in CONCEPTS}
    table[TENSOR_CONCEPT] = {}
    for fw in frameworks:
        uses = _model_uses(fw, models, commit)
        declared = get_framework(fw).concepts
        for concept in CONCEPTS:
            seen: Dict[str, Use] = {}
            for u in uses:
                if u.name in declared.get(concept, ()) and u.name not in seen:
                    seen[u.name] = u
            table[concept][fw] = list(seen.values())
        tensor = _tensor_use(fw)
        table[TENSOR_CONCEPT][fw] = [tensor] if tensor else []
    return table


def for_run(records: List[Dict], meta: Dict) -> tuple:
    """{framework: display name} of the frameworks with model files, and the API table of the run's
    models as their files were at the run's commit."""
    from benchmarks.frameworks import all_frameworks
    from benchmarks.analysis.rosetta import frameworks_with_files
    from benchmarks.core.run_folder import run_commit

    names = {k: a.display for k, a in all_frameworks().items() if frameworks_with_files("mlp", [k])}
    models = [m for m in model_order() if any(r["model"] == m for r in records)] or model_order()
    return names, api_table(list(names), models, run_commit(meta))


def display_name(name: str) -> str:
    """`torch.nn.Linear` stays; a method reads `model.hybridize()`-style as `.hybridize()`."""
    return name + "()" if name.startswith(".") else name


def layouts(frameworks: Sequence[str]) -> List[tuple]:
    """(convention, {framework: text}) rows, read from each framework's weight layout and the models' weights
    modules."""
    from benchmarks.frameworks import get_framework
    from models.lstm import weights as lstm
    from models.transformer import weights as attention

    layouts = {fw: get_framework(fw).layout for fw in frameworks}
    return [
        ("Dense weight", {fw: "[out, in]" if a.dense_layout == "out_in" else "[in, out]" for fw, a in layouts.items()}),
        ("Images; conv kernels; flatten order",
         {fw: "NHWC; HWIO; H, W, C" if a.image_layout == "NHWC" else "NCHW; OIHW; C, H, W" for fw, a in layouts.items()}),
        ("LSTM weights", {fw: lstm.describe(a) for fw, a in layouts.items()}),
        ("Attention projections", {fw: attention.describe(a) for fw, a in layouts.items()}),
        ("Integer labels", {fw: a.label_dtype for fw, a in layouts.items()}),
        ("Parameter names", {fw: ", ".join(f"{k} → {v}" for k, v in a.param_names.items() if k != v) or "as PyTorch"
                             for fw, a in layouts.items()}),
    ]


def pitfalls() -> List[Dict[str, str]]:
    """The entries of models/pitfalls.toml, in file order."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    return tomllib.loads(PITFALLS.read_text())["pitfall"]


PITFALL_HEADER = ["Framework", "What differs from PyTorch", "Symptom", "What the implementation does", "Where"]


def pitfall_rows(link_root: str = "") -> List[List[str]]:
    """Markdown rows; `where` links to the file, relative to `link_root` (the page's path to the repository)."""
    return [[p["framework"], p["differs"], p["symptom"], p["remedy"], f"[`{p['where']}`]({link_root}{p['where']})"]
            for p in pitfalls()]


def api_markdown_rows(table: Dict[str, Dict[str, List[Use]]], frameworks: Sequence[str], link_root: str = "") -> List[List[str]]:
    """One row per concept: each framework's names, linked to the line of their first use."""
    rows = []
    for concept, by_fw in table.items():
        cells = [", ".join(f"[`{display_name(u.name)}`]({link_root}{u.path}#L{u.line})" for u in by_fw.get(fw, []))
                 or "–" for fw in frameworks]
        rows.append([concept] + cells)
    return rows
