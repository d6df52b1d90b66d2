"""The stopping rule of benchmarks.measure.worker.time_calls, on an injected clock: a call takes the seconds it
advances the clock by, so no test here depends on how busy the host is (as pyperf tests its calibration)."""
import statistics

import numpy as np
import pytest

from benchmarks.measure.worker import median_halfwidth, merge_rounds, time_calls


REQUEST = {"max_seconds": 0.3, "warmup": 2, "min_sample_ms": 0.0, "samples": 200, "min_samples": 3,
           "target_ci": 0.02, "tight_after": 10}


def test_the_median_interval_is_distribution_free_and_shrinks_with_n():
    rng = np.random.default_rng(0)
    small, large = rng.normal(10, 1, 20).tolist(), rng.normal(10, 1, 2000).tolist()
    assert median_halfwidth(large) < median_halfwidth(small)
    assert median_halfwidth([5.0] * 15) == 0.0
    covered = 0  # the interval covers the true median about 95% of the time
    for seed in range(300):
        x = sorted(np.random.default_rng(seed).exponential(1.0, 41))
        m, h = statistics.median(x), median_halfwidth(x) * statistics.median(x)
        covered += m - h <= np.log(2) <= m + h
    assert 0.85 <= covered / 300 <= 0.995


class Clock:
    """Injected time: a call "takes" the seconds it advances the clock by, whatever the host is doing."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def call(self, seconds):
        """A call that takes `seconds` (a number, or a function giving each call's)."""
        def fn():
            self.now += seconds() if callable(seconds) else seconds
        return fn


def test_a_steady_call_stops_on_its_interval_and_a_noisy_one_on_its_budget():
    clock = Clock()
    steady = time_calls(clock.call(0.002), REQUEST, clock=clock)
    assert steady["stop"] == "interval" and len(steady["samples_ms"]) == REQUEST["tight_after"]
    rng = np.random.default_rng(1)
    noisy = time_calls(clock.call(lambda: 0.001 * rng.choice([1, 4])), REQUEST, clock=clock)
    assert noisy["stop"] == "budget" and noisy["sampling_s"] >= REQUEST["max_seconds"]
    assert len(noisy["samples_ms"]) < REQUEST["samples"]


def test_a_slow_call_takes_the_fewest_samples_past_its_budget():
    clock = Clock()
    slow = time_calls(clock.call(0.12), REQUEST, clock=clock)
    assert len(slow["samples_ms"]) == REQUEST["min_samples"] and slow["stop"] == "budget"
    assert slow["warmup_s"] == pytest.approx(0.12)  # one warm-up call for a call longer than half the budget
    assert time_calls(clock.call(0.12), REQUEST, warmup=0, clock=clock)["warmup_s"] == pytest.approx(0.12)
    assert time_calls(clock.call(0.01), REQUEST, clock=clock)["warmup_s"] == pytest.approx(0.03)  # 2 and 1 more


def test_a_training_step_calibrates_on_its_last_parity_step_and_makes_no_untimed_call():
    clock, calls, request = Clock(), [], dict(REQUEST, min_sample_ms=1.0)
    step = clock.call(0.0002)
    timing = time_calls(lambda: calls.append(step()), request, warmup=0, once=0.0002, clock=clock)
    assert len(calls) == len(timing["samples_ms"]) * timing["loops"]  # every call is in a sample
    assert timing["loops"] == 5 and timing["warmup_s"] == 0.0  # 1 ms samples of 0.2 ms calls


def test_rounds_of_one_call_merge_into_one_timing_weighted_by_calls():

    first = {"samples_ms": [2.0, 2.0], "loops": 3, "cpu_wall_ratio": 1.0, "stop": "budget", "warmup_s": 0.1,
             "sampling_s": 1.0, "thread_cpu_ms_per_step": {"main": 2.0}, "ctx_switches_per_step": {"voluntary": 0.0}}
    second = dict(first, samples_ms=[1.0] * 6, cpu_wall_ratio=0.5, stop="interval", warmup_s=0.0, sampling_s=3.0,
                  thread_cpu_ms_per_step={"main": 1.0, "helper": 0.5}, ctx_switches_per_step={"voluntary": 4.0})
    merged = merge_rounds([first, second])
    assert merged["samples_ms"] == [2.0, 2.0] + [1.0] * 6 and merged["rounds"] == 2 and merged["stop"] == "interval"
    assert merged["cpu_wall_ratio"] == pytest.approx(0.625) and merged["sampling_s"] == 4.0  # weighted by time
    assert merged["thread_cpu_ms_per_step"] == {"main": 1.25, "helper": 0.375}  # weighted by calls: 6 and 18
    assert merged["ctx_switches_per_step"] == {"voluntary": 3.0}


class LazyRuntime:
    """A runtime like Jittor's: a step returns its loss after the forward pass; its backward pass runs
    at the next sync, which any model's call makes (so a call of another model can run it)."""
    FORWARD_S, BACKWARD_S = 0.002, 0.004

    def __init__(self):
        self.pending, self.clock = 0, Clock()

    def step(self):
        self.clock.now += self.pending * self.BACKWARD_S + self.FORWARD_S  # the sync: what was pending, then this forward
        self.pending = 1


def test_a_later_round_settles_pending_work_before_it_samples():
    runtime = LazyRuntime()
    request = dict(REQUEST, max_seconds=0.1, min_samples=3, samples=3)
    first = time_calls(runtime.step, request, warmup=0, clock=runtime.clock)
    runtime.step()  # another size's round: runs this model's pending backward outside its timings
    runtime.pending = 0
    later = time_calls(runtime.step, request, warmup=0, loops=first["loops"], clock=runtime.clock)
    whole = (LazyRuntime.FORWARD_S + LazyRuntime.BACKWARD_S) * 1000
    assert min(later["samples_ms"]) == pytest.approx(whole)  # no sample holds a forward pass alone
    assert later["warmup_s"] == pytest.approx(LazyRuntime.FORWARD_S)  # the settling call is counted as warm-up

