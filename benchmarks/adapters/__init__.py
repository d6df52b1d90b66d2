"""Framework adapters (the runtime back-ends), discovered by file name: adding a framework adds one
`<key>_adapter.py`, its install facts in benchmarks/installs.py and its envs/<key>.txt.

Adapter modules import only the standard library and numpy at top level, so the harness can
read their metadata without the framework; the framework itself is imported inside a worker.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
from functools import lru_cache
from typing import Dict

from benchmarks.adapters.base import Adapter

EXTRA_ENV = "FWBENCH_EXTRA_ADAPTERS"  # more packages to search, e.g. the tests' fault-injecting adapters


@lru_cache(maxsize=None)
def adapter_modules() -> tuple:
    """Every `*_adapter` module, here and in the packages named by FWBENCH_EXTRA_ADAPTERS."""
    packages = [__name__] + [p for p in os.environ.get(EXTRA_ENV, "").split(",") if p]
    return tuple(importlib.import_module(f"{package}.{info.name}") for package in packages
                 for info in pkgutil.iter_modules(importlib.import_module(package).__path__)
                 if info.name.endswith("_adapter"))


def discovered(attribute: str) -> Dict:
    """The merged dicts that adapter modules export under `attribute` (e.g. the test fakes' INSTALLS)."""
    out: Dict = {}
    for module in adapter_modules():
        out.update(getattr(module, attribute, {}))
    return out


@lru_cache(maxsize=None)
def all_adapters() -> Dict[str, Adapter]:
    """Every adapter by key, in display order."""
    found = [a for m in adapter_modules() for a in getattr(m, "ADAPTERS", [getattr(m, "ADAPTER", None)]) if a]
    return {a.key: a for a in sorted(found, key=lambda a: a.order)}


def get_adapter(key: str) -> Adapter:
    return all_adapters()[key]


def framework_display(key: str) -> str:
    """A framework's name as its users write it ("PaddlePaddle"), or the key when no adapter has it."""
    adapters = all_adapters()
    return adapters[key].display if key in adapters else key
