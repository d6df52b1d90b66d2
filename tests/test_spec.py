import importlib

import numpy as np
import pytest

from benchmarks.frameworks import get_framework
from benchmarks.frameworks.layout import BASIC_KINDS, model_weights
from benchmarks.core.plan import available_models
from models.common import cross_entropy

MODELS = available_models()


@pytest.fixture(params=MODELS)
def spec(request):
    return importlib.import_module(f"models.{request.param}.spec")


def test_weights_and_data_are_deterministic_float32(spec):
    a, b = spec.init_params(0), spec.init_params(0)
    assert set(a) == set(spec.PARAM_KINDS)
    for name in a:
        assert a[name].dtype == np.float32
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(spec.init_params(1)[next(iter(a))], a[next(iter(a))])
    x1, y1 = spec.make_batch(8, 3)
    x2, y2 = spec.make_batch(8, 3)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert x1.dtype == np.float32 and y1.dtype == np.int64


def test_mlp_gradients_match_finite_differences():
    from models.mlp import spec

    params = {k: v.astype(np.float64) for k, v in spec.init_params(0).items()}
    x, y = spec.make_batch(4, 1)
    _, grads = spec.loss_and_grads(params, x, y)
    rng = np.random.default_rng(0)
    eps = 1e-6
    for name, value in params.items():
        for _ in range(5):
            idx = tuple(rng.integers(0, n) for n in value.shape)
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][idx] += eps
            minus[name][idx] -= eps
            numeric = (spec.loss_and_grads(plus, x, y)[0] - spec.loss_and_grads(minus, x, y)[0]) / (2 * eps)
            assert grads[name][idx] == pytest.approx(numeric, rel=1e-5, abs=1e-8), name


def test_reference_training_lowers_the_loss(spec):
    params = spec.init_params(0)
    x, y = spec.make_batch(spec.BATCH, 1)
    losses = spec.reference_losses(params, x, y)
    assert len(losses) == spec.PARITY_STEPS
    assert losses[-1] < losses[0]
    assert np.all(np.isfinite(losses))


def test_mlp_forward_hand_worked():
    from models.mlp import spec

    params = {
        "fc1.weight": np.array([[1.0, -1.0], [2.0, 0.5]]),  # [in=2, out=2]
        "fc1.bias": np.array([0.0, 1.0]),
        "fc2.weight": np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 1.0]]),  # [in=2, out=3]
        "fc2.bias": np.array([0.1, 0.2, 0.3]),
    }
    x = np.array([[1.0, 1.0]])
    # hidden = relu([1+2, -1+0.5+1]) = [3, 0.5]; logits = [3+0.1, 1+0.2, -3+0.5+0.3]
    np.testing.assert_allclose(spec.forward(params, x), [[3.1, 1.2, -2.2]])


def test_cross_entropy_hand_worked():
    logits = np.array([[0.0, 0.0], [np.log(3.0), 0.0]])
    # p(label) = 1/2 and 3/4
    assert cross_entropy(logits, np.array([1, 0])) == pytest.approx(-(np.log(0.5) + np.log(0.75)) / 2)


def test_autograd_reference_agrees_with_hand_backprop():
    """The autograd path (used by the conv/recurrent/attention models) on the MLP."""
    from models.common import autograd_sgd_losses
    from models.mlp import spec

    params = spec.init_params(0)
    x, y = spec.make_batch(16, 1)

    def forward(xp, p, xx):
        return xp.maximum(xx @ p["fc1.weight"] + p["fc1.bias"], 0.0) @ p["fc2.weight"] + p["fc2.bias"]

    np.testing.assert_allclose(autograd_sgd_losses(forward, params, x, y, 0.1, 5),
                               spec.reference_losses(params, x, y, 0.1, 5), rtol=1e-12)


def test_conv_and_pool_match_naive_loops():
    from models.common import xp_conv2d, xp_maxpool2

    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    for stride, pad in ((1, 0), (2, 1)):
        xp_ = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        ho = (6 + 2 * pad - 3) // stride + 1
        naive = np.zeros((2, 4, ho, ho))
        for n in range(2):
            for o in range(4):
                for i in range(ho):
                    for j in range(ho):
                        patch = xp_[n, :, i * stride:i * stride + 3, j * stride:j * stride + 3]
                        naive[n, o, i, j] = (patch * w[o]).sum() + b[o]
        np.testing.assert_allclose(xp_conv2d(np, x, w, b, stride, pad), naive, rtol=1e-12)
    pooled = xp_maxpool2(np, x)
    assert pooled.shape == (2, 3, 3, 3)
    assert pooled[1, 2, 1, 2] == x[1, 2, 2:4, 4:6].max()


def test_autograd_conv_gradients_match_finite_differences():
    from models.lenet5 import spec

    config = dict(spec.CONFIG, hw=16, channels=(2, 3), hidden=(5, 4))
    params = {k: v.astype(np.float64) for k, v in spec.init_params(0, config).items()}
    x, y = spec.make_batch(3, 1, config)
    import autograd.numpy as anp
    from autograd import grad

    from models.common import xp_cross_entropy

    def loss(p):
        return xp_cross_entropy(anp, spec.forward_xp(anp, p, x.astype(np.float64), config), y)

    grads = grad(loss)(params)
    rng = np.random.default_rng(1)
    for name in ("conv1.weight", "conv2.bias", "fc1.weight"):
        idx = tuple(rng.integers(0, n) for n in params[name].shape)
        plus, minus = dict(params), dict(params)
        plus[name], minus[name] = params[name].copy(), params[name].copy()
        plus[name][idx] += 1e-6
        minus[name][idx] -= 1e-6
        numeric = (loss(plus) - loss(minus)) / 2e-6
        assert grads[name][idx] == pytest.approx(numeric, rel=1e-5, abs=1e-9), name


def test_flops_scale_with_batch(spec):
    assert spec.flops(64)["forward"] == 64 * spec.flops(1)["forward"]
    assert spec.flops(64)["train"] > spec.flops(64)["forward"]


# ---- the spec contract: what every models/<m>/spec.py provides (README, "Adding a model") ----
REQUIRED = {"CONFIG": dict, "BATCH": int, "LR": float, "PARITY_STEPS": int, "FORWARD_TOL": float, "LOSS_TOL": float,
            "PARAM_KINDS": dict}
FUNCTIONS = ("init_params", "make_batch", "forward", "reference_losses", "flops")


def test_every_spec_provides_the_contract(spec):
    for name, kind in REQUIRED.items():
        assert isinstance(getattr(spec, name, None), kind), f"{spec.__name__}.{name} must be a {kind.__name__}"
    for name in FUNCTIONS:
        assert callable(getattr(spec, name, None)), f"{spec.__name__}.{name}() is missing"
    params = spec.init_params(0)
    x, _ = spec.make_batch(2, 1)
    assert spec.forward(params, x).shape[0] == 2
    counts = spec.flops(4)
    assert counts["train"] > counts["forward"] > 0
    weights = model_weights(spec.__name__.split(".")[1])
    grouped = {k for k in spec.PARAM_KINDS.values() if not (k in BASIC_KINDS or k[0] == "flatten_dense")}
    assert not grouped or weights is not None, f"kinds {grouped} need a weights.py beside the spec"
    if weights is not None and hasattr(weights, "reference_variant"):
        for key in weights.reference_variant(get_framework("torch").layout):
            assert key in spec.reference_losses.__code__.co_varnames, f"variant {key} is not a reference_losses argument"


@pytest.mark.parametrize("model", available_models("tta"))
def test_tta_specs_take_their_config_everywhere(model):
    """A spec with TTA settings initialises and runs its forward at the TTA config."""
    spec = importlib.import_module(f"models.{model}.spec")
    config, shape = spec.TTA["config"], spec.TTA["input_shape"]
    params = spec.init_params(0, config)
    assert set(params) == set(spec.param_kinds(config))
    x = np.zeros((3, *shape), dtype=np.float32)
    assert spec.forward_xp(np, params, x, config).shape == (3, 10)


def test_the_tta_suite_covers_the_specs_with_tta_settings():
    assert available_models("tta") == ["lenet5", "mlp"]


def test_a_two_step_parity_gate_catches_a_weight_gradient_a_tenth_of_a_percent_off():
    """--quick checks the loss over 2 SGD steps, not 10: the second loss follows one update, so a weight
    gradient 0.1% off (either layer of the MLP) still moves it past the tolerance."""
    from benchmarks.core.plan import PROFILES
    from models.mlp import spec

    steps = PROFILES["quick"].first_parity_steps
    params = {k: v.astype(np.float64) for k, v in spec.init_params(0).items()}
    x, y = spec.make_batch(spec.BATCH, 1)

    def losses(layer, scale):
        p, out = dict(params), []
        for _ in range(steps):
            loss, grads = spec.loss_and_grads(p, x, y)
            out.append(loss)
            p = {k: v - spec.LR * grads[k] * (scale if k == layer else 1.0) for k, v in p.items()}
        return np.array(out)

    right = losses(None, 1.0)
    assert np.allclose(right, spec.reference_losses(spec.init_params(0), x, y, steps=steps), rtol=1e-5)
    for layer in ("fc1.weight", "fc2.weight"):
        assert np.max(np.abs(losses(layer, 0.999) - right) / np.abs(right)) > spec.LOSS_TOL
