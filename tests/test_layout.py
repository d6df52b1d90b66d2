"""The harness's import graph, counting the imports made inside functions: no circles, and every import goes
down the layers (core, frameworks, measure, analysis, outputs, commands) or stays within its own layer."""
import ast
from pathlib import Path
from typing import Dict, List, Set

import pytest

from benchmarks import REPO_ROOT


def import_graph(package: Path) -> Dict[str, Set[str]]:
    """Module -> the package's modules it imports, at top level or inside functions."""
    graph = {}
    for path in package.rglob("*.py"):
        name = ".".join((package.name,) + path.relative_to(package).with_suffix("").parts).removesuffix(".__init__")
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == package.name:
                found |= {f"{node.module}.{a.name}" for a in node.names} | {node.module}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.split(".")[0] == package.name}
        graph[name] = found
    return {name: {d for d in deps if d in graph and d != name} for name, deps in graph.items()}


def circles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """One path for each module that can reach itself."""
    found = []
    for start in sorted(graph):
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for dep in sorted(graph[node]):
                if dep == start:
                    found.append(path + [start])
                    stack = []
                    break
                if dep not in seen:
                    seen.add(dep)
                    stack.append((dep, path + [dep]))
    return found


def test_no_module_of_the_harness_imports_itself_round_a_circle():
    graph = import_graph(REPO_ROOT / "benchmarks")
    # a package imports its own submodules (benchmarks.frameworks): only circles through other modules count
    graph = {m: {d for d in deps if not d.startswith(m + ".") and not m.startswith(d + ".")} for m, deps in graph.items()}
    assert circles(graph) == []


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})[0] == ["a", "b", "c", "a"]
    assert circles({"a": {"b"}, "b": set()}) == []


LAYERS = ("core", "frameworks", "measure", "analysis", "outputs", "commands")


def layer_of(module: str) -> str:
    """benchmarks.<layer>.<module> -> layer; the entry point benchmarks.cli is a command."""
    parts = module.split(".")
    if module == "benchmarks.cli":
        return "commands"
    if len(parts) < 2 or parts[1] not in LAYERS:
        raise AssertionError(f"{module} sits in no layer: put it in one of benchmarks/{{{','.join(LAYERS)}}}/")
    return parts[1]


def upward_imports(graph: Dict[str, Set[str]]) -> List[str]:
    """'a -> b' for each import of a module in a higher layer than the importer's."""
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    found = []
    for module, deps in sorted(graph.items()):
        if module == "benchmarks":
            continue
        for dep in sorted(deps - {"benchmarks"}):
            if rank[layer_of(dep)] > rank[layer_of(module)]:
                found.append(f"{module} ({layer_of(module)}) -> {dep} ({layer_of(dep)})")
    return found


def test_every_module_sits_in_a_layer_and_imports_only_its_own_layer_or_lower_ones():
    graph = import_graph(REPO_ROOT / "benchmarks")
    for module in graph:
        if module != "benchmarks":
            layer_of(module)
    assert upward_imports(graph) == []


def test_the_layer_check_finds_an_upward_import_and_a_module_outside_the_layers():
    graph = {"benchmarks.core.plan": {"benchmarks.outputs.report"}, "benchmarks.outputs.report": {"benchmarks.core.plan"}}
    assert upward_imports(graph) == ["benchmarks.core.plan (core) -> benchmarks.outputs.report (outputs)"]
    with pytest.raises(AssertionError, match="sits in no layer"):
        layer_of("benchmarks.report")
