"""Integration: the real worker in each framework's own environment matches the numpy reference."""
import pytest

from benchmarks.core import records
from benchmarks.frameworks import all_frameworks
from benchmarks.core.plan import SUITES, Cell, Profile, available_models
from benchmarks.measure.runner import aggregate, launch
from tests.conftest import require_env

TINY = Profile(processes=1, samples=3, min_samples=3, max_seconds=0.1, warmup=1, min_sample_ms=0.5, timeout_s=900)


CASES = [(fw, mode) for fw, framework in all_frameworks().items() for mode in framework.modes]


@pytest.mark.integration
@pytest.mark.parametrize("model", available_models())
@pytest.mark.parametrize("framework,mode", CASES)
def test_worker_matches_reference_and_writes_complete_records(framework, mode, model):
    require_env(framework)
    tasks = SUITES["speed"] if model == "mlp" else ("train",)  # the inference tasks of the other models add only time
    raw = launch(Cell(framework, model, mode, 1), TINY, tasks)
    assert [r["task"] for r in raw] == list(tasks)
    for r in raw:
        assert r["status"] == "ok", r.get("reason")
        assert r["parity_forward_max_abs"] <= r["forward_tol"]
        assert r["parity_loss_max_rel"] <= r["loss_tol"]
        assert len(r["samples_ms"]) >= 3 and min(r["samples_ms"]) > 0
        assert r["first_step_ms"] > 0 and r["import_s"] > 0
        record = aggregate([dict(r, process=0)], processes=1)
        assert records.missing_keys(record) == []
        assert record["framework_version"]
