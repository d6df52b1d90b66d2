"""The harness's import graph has no circles, counting the imports made inside functions."""
import ast
from pathlib import Path
from typing import Dict, List, Set

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
