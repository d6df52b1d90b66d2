import os

import pytest

from benchmarks.measure.envs import load_spec

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# A test that launches fwbench, real framework workers or a browser: generous, since a cold or busy host
# is slow, and still well inside CI's own limit. Unit tests keep pyproject's `timeout` (60 s).
PROCESS_TIMEOUT_S = 900


def pytest_collection_modifyitems(items):
    for item in items:
        launches = item.get_closest_marker("integration") or item.get_closest_marker("processes") \
            or "fake_env" in getattr(item, "fixturenames", ())
        if launches and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(PROCESS_TIMEOUT_S))


def require_env(framework: str):
    """The framework's environment, or skip locally / fail in CI (where setup ran first)."""
    spec = load_spec(framework)
    if spec.marker() is None:
        message = f"{framework} environment missing: run `fwbench setup {framework}`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return spec
