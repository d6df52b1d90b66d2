"""The frameworks: one folder each (`benchmarks/frameworks/<key>/`), holding its description, runtime,
weight layout, install facts, pinned requirements and earlier releases' recipes. Adding a framework is
one such folder plus its model files (models/<model>/<key>_impl.py).

Nothing here imports a framework: runtimes import theirs inside a worker.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

from benchmarks.frameworks.framework import Framework

EXTRA_ENV = "FWBENCH_EXTRA_FRAMEWORKS"  # more packages to read FRAMEWORKS from, e.g. the tests' fault-injecting fakes


@lru_cache(maxsize=None)
def all_frameworks() -> Dict[str, Framework]:
    """Every framework by key, in display order: each folder's FRAMEWORK, then the FRAMEWORKS of the packages
    named by FWBENCH_EXTRA_FRAMEWORKS."""
    found: List[Framework] = []
    for info in pkgutil.iter_modules(__path__):
        if info.ispkg:
            package = importlib.import_module(f"{__name__}.{info.name}")
            package.FRAMEWORK.home = Path(package.__file__).parent
            found.append(package.FRAMEWORK)
    for name in filter(None, os.environ.get(EXTRA_ENV, "").split(",")):
        found += importlib.import_module(name).FRAMEWORKS
    return {f.key: f for f in sorted(found, key=lambda f: f.order)}


def get_framework(key: str) -> Framework:
    return all_frameworks()[key]


def framework_display(key: str) -> str:
    """A framework's name as its users write it ("PaddlePaddle"), or the key when none has it."""
    frameworks = all_frameworks()
    return frameworks[key].display if key in frameworks else key


def default_mode(key: str) -> str:
    """The mode a framework's own getting-started guide trains in ("eager" for one no folder describes)."""
    frameworks = all_frameworks()
    return frameworks[key].default_mode if key in frameworks else "eager"
