"""Each framework's train/predict builders are repeated in its five model files on purpose: they are what
a user writes, and the code-size claim counts them. This keeps the copies in step: within a framework
every model file uses the same builders, except that models with train/eval-dependent layers
(BatchNorm, and modules with dropout) switch the model's mode, which is the one allowed second form."""
import ast
import re
from pathlib import Path

import pytest

from benchmarks.frameworks import all_frameworks
from benchmarks.measure.loc import impl_path
from benchmarks.core.plan import available_models

BUILDERS = ("build_trainer", "build_predictor", "loss_fn", "TrainGraph", "EvalGraph")
MODE_SWITCH = re.compile(r"\.(train|eval|set_train)\(")


def builders(path: Path) -> str:
    """The source of the file's training and inference builders, in file order."""
    source = path.read_text()
    tree = ast.parse(source)
    return "\n".join(ast.get_source_segment(source, node) for node in tree.body
                     if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in BUILDERS)


@pytest.mark.parametrize("framework", list(all_frameworks()))
def test_the_builders_are_the_same_in_every_model_file(framework):
    forms = {}
    for model in available_models():
        code = builders(impl_path(model, framework))
        assert "def build_trainer" in code and "def build_predictor" in code, f"{model}: builders missing"
        forms.setdefault(bool(MODE_SWITCH.search(code)), {}).setdefault(code, []).append(model)
    for switches, variants in forms.items():
        assert len(variants) == 1, (
            f"{framework}: the {'mode-switching' if switches else 'plain'} builders differ between model files "
            f"{list(variants.values())}: change them together")
