import os

import pytest

from benchmarks.envs import load_spec

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_env(framework: str):
    """The framework's environment, or skip locally / fail in CI (where setup ran first)."""
    spec = load_spec(framework)
    if spec.marker() is None:
        message = f"{framework} environment missing: run `fwbench setup {framework}`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return spec
