"""Time to accuracy on scikit-learn's digits: a deterministic pipeline, and real frameworks reaching the target."""
import numpy as np
import pytest

from benchmarks.measure import tta
from benchmarks.core.plan import available_models
from benchmarks.core.plan import Cell, Profile
from benchmarks.measure.runner import launch
from tests.conftest import require_env

ONE = Profile(processes=1, samples=1, min_samples=1, max_seconds=0.1, warmup=0, min_sample_ms=0.1, timeout_s=900)


def test_the_data_pipeline_is_deterministic(tmp_path):
    a = np.load(tta.prepare(tmp_path / "a.npz"))
    b = np.load(tta.prepare(tmp_path / "b.npz"))
    for key in ("x_train", "y_train", "x_test", "y_test", "order"):
        np.testing.assert_array_equal(a[key], b[key])
    assert len(a["x_train"]) + len(a["x_test"]) == 1797
    assert a["order"].shape == (tta.MAX_EPOCHS, len(a["x_train"]) // tta.BATCH, tta.BATCH)
    assert not np.array_equal(a["order"][0], a["order"][1])  # a new shuffle every epoch
    train_share = np.bincount(a["y_train"]) / len(a["y_train"])
    test_share = np.bincount(a["y_test"]) / len(a["y_test"])
    assert np.abs(train_share - test_share).max() < 0.01  # stratified
    assert abs(a["x_train"].mean()) < 1e-3  # standardised with training statistics


def test_reference_reaches_the_target():
    for model in available_models("tta"):
        curve = tta.reference_curve(model)["accuracy"]
        assert max(curve) >= tta.TARGET_ACCURACY, model


@pytest.mark.integration
@pytest.mark.parametrize("framework", ["torch", "paddle", "jax"])
@pytest.mark.parametrize("model", available_models("tta"))
def test_frameworks_reach_the_target_on_the_reference_curve(framework, model):
    require_env(framework)
    (record,) = launch(Cell(framework, model, "eager", 1, "tta"), ONE)
    assert record["status"] == "ok", record["reason"]
    assert record["final_accuracy"] >= tta.TARGET_ACCURACY
    assert record["parity_accuracy_max_abs"] <= tta.CURVE_TOL
    assert record["epochs_to_target"] == len(record["accuracy_curve"])
    assert record["seconds_to_target"] > 0


def test_time_to_accuracy_reads_as_shipped_and_at_best_against_pytorchs_same_view():
    from benchmarks.outputs import report

    def tta(fw, mode, seconds, status="ok"):
        return {"framework": fw, "model": "mlp", "mode": mode, "threads": 1, "task": "tta", "status": status,
                "time_ms": seconds * 1000 if status == "ok" else None, "epochs_to_target": 5}

    recs = [tta("torch", "eager", 2.0), tta("torch", "compiled", 1.0), tta("tensorflow", "compiled", 3.0),
            tta("tensorflow", "eager", 1.5), tta("mindspore", "eager", 0, "parity-failed")]
    header, rows = report.tta_summary(recs)
    assert header == ["Framework", "mlp as shipped", "mlp best"]
    assert rows[0] == ["PyTorch", "2.00 s, 1.00× (eager, 5 epochs)", "1.00 s, 1.00× (compiled, 5 epochs)"]
    assert rows[1] == ["TensorFlow", "3.00 s, 1.50× (compiled, 5 epochs)", "1.50 s, 1.50× (eager, 5 epochs)"]
    assert rows[2] == ["MindSpore", "parity-failed", "parity-failed"]
