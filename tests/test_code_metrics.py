import textwrap

import pytest

from benchmarks.measure.loc import api_calls, code_tokens, metrics, similarity, source_lines

SOURCE = textwrap.dedent('''
    """A docstring that is not code."""
    import torch
    from torch import nn as tnn
    import numpy as np


    # a comment
    def f(x):
        y = tnn.Linear(2, 3)(x)   # trailing comment
        z = torch.relu(y) + np.ones(3)
        return torch.relu(z)
''')


def test_source_lines_counts_code_only(tmp_path):
    path = tmp_path / "impl.py"
    path.write_text(SOURCE)
    assert source_lines(path.read_text()) == 7  # 3 imports, def, 3 body lines


def test_tokens_ignore_layout_and_comments():
    assert code_tokens("x = f( 1 )  # hi\n\n") == ["x", "=", "f", "(", "1", ")"]
    assert len(code_tokens(SOURCE)) == len(code_tokens(SOURCE.replace("    ", "        ")))


def test_api_calls_resolve_through_imports():
    assert api_calls(SOURCE, ("torch",)) == ["torch.nn.Linear", "torch.relu"]
    assert api_calls(SOURCE, ("numpy",)) == ["numpy.ones"]


def test_similarity_bounds():
    assert similarity(["a", "b"], ["a", "b"]) == 1.0
    assert similarity(["a"], ["b"]) == 0.0


def test_metrics_of_the_real_files_are_complete():
    for fw in ("torch", "paddle", "megengine"):
        m = metrics("mlp", fw)
        assert m["loc"] > 15 and m["tokens"] > 100 and m["api_calls"] >= 4
        assert 0 < m["similarity_to_pytorch"] <= 1
    assert metrics("mlp", "torch")["similarity_to_pytorch"] == 1.0
    assert "torch.nn.Linear" in metrics("mlp", "torch")["api_call_names"]


def test_metrics_at_a_commit_read_that_commit_not_the_working_tree():
    """report --reaggregate pairs old timings with the code they timed: the first commit's MLP file."""
    import subprocess

    from benchmarks import REPO_ROOT

    first = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                           text=True).stdout.split()
    old_file = subprocess.run(["git", "show", f"{first[0]}:models/mlp/torch_impl.py"], cwd=REPO_ROOT,
                              capture_output=True, text=True) if first else None
    if not first or old_file.returncode != 0:
        pytest.fail("needs the git history (a full clone) to read an old commit")
    old = metrics("mlp", "torch", first[0])
    assert old["loc"] == source_lines(old_file.stdout)
    assert old["tokens"] == len(code_tokens(old_file.stdout))
    assert old["tokens"] != metrics("mlp", "torch")["tokens"]  # the file has changed since
