"""Claim rules on synthetic records whose verdicts are known by construction."""
from benchmarks.analysis import claims

FRAMEWORKS = ("torch", "tensorflow", "jax", "mxnet", "paddle", "mindspore", "jittor", "oneflow", "megengine")


def records(times, tokens=None, modes=("eager", "compiled"), compiled=None):
    """Every framework's train records; `compiled` overrides the compiled mode's times."""
    out = []
    for fw in FRAMEWORKS:
        for mode in modes:
            for model in ("mlp", "lenet5"):
                t = (compiled or {}).get(fw, times[fw]) if mode == "compiled" else times[fw]
                out.append({"framework": fw, "model": model, "task": "train", "mode": mode, "threads": 1,
                            "status": "ok", "time_ms": t, "time_ci95_ms": [t * 0.98, t * 1.02],
                            "tokens": (tokens or {}).get(fw, 200)})
    return out


def test_c1_supported_when_leaders_lead_and_followers_are_close():
    times = dict(torch=1.0, tensorflow=1.1, paddle=1.3, mindspore=1.4, jax=2, mxnet=2, jittor=3, oneflow=3, megengine=3)
    c = claims.claim_c1(records(times))
    assert c["verdict"] == "supported", c


def test_c1_refuted_when_leaders_trail_and_followers_are_far():
    times = dict(torch=5.0, tensorflow=6.0, paddle=20, mindspore=30, jax=1, mxnet=1, jittor=1, oneflow=1, megengine=1)
    assert claims.claim_c1(records(times))["verdict"] == "refuted"


def test_c1_mixed_when_only_one_half_holds():
    times = dict(torch=1.0, tensorflow=1.1, paddle=1.2, mindspore=50, jax=2, mxnet=2, jittor=3, oneflow=3, megengine=3)
    assert claims.claim_c1(records(times))["verdict"] == "mixed"


def test_a_claim_splits_into_statements_each_with_its_verdict_and_the_number_that_decides_it():
    times = dict(torch=1.0, tensorflow=1.1, paddle=1.2, mindspore=50, jax=2, mxnet=2, jittor=3, oneflow=3, megengine=3)
    parts = {p["statement"]: p for p in claims.claim_c1(records(times))["parts"]}
    lead = parts["PyTorch and TensorFlow lead (both among the 3 fastest)"]
    assert lead["verdict"] == "supported" and "TensorFlow 2nd (1.10× PyTorch)" in lead["why"][0]
    assert parts["PaddlePaddle follows closely (within 1.5× of the slower leader)"]["verdict"] == "supported"
    mindspore = parts["MindSpore follows closely (within 1.5× of the slower leader)"]
    assert mindspore["verdict"] == "refuted"
    assert mindspore["why"] == ["as shipped, 1 thread: 50.00× PyTorch, 45.45× TensorFlow",
                                "best, 1 thread: 50.00× PyTorch, 45.45× TensorFlow"]
    c3 = {p["statement"]: p["verdict"] for p in claims.claim_c3(records(times))["parts"]}
    assert c3 == {"MindSpore is faster than MXNet and JAX": "refuted", "PaddlePaddle is faster than MXNet and JAX": "supported"}


def test_every_claim_quotes_its_source_in_the_original_words():
    times = {fw: 1.0 for fw in FRAMEWORKS}
    meta = {"date": "2026-11-23", "environments": {fw: {"install_notes": []} for fw in FRAMEWORKS}}
    for c in claims.evaluate(records(times), meta):
        assert c["source"] and c["quote"] and c["claim"]
    assert "Omdia" in claims.claim_c1(records(times))["source"] and "紧随其后" in claims.claim_c1(records(times))["quote"]


def test_c3_needs_non_overlapping_intervals():
    fast = dict(torch=1, tensorflow=1, paddle=1.0, mindspore=1.1, jax=2, mxnet=2, jittor=1, oneflow=1, megengine=1)
    slow = dict(fast, paddle=3.0, mindspore=3.0)
    tie = dict(fast, paddle=2.0, mindspore=2.0)
    assert claims.claim_c3(records(fast))["verdict"] == "supported"
    assert claims.claim_c3(records(slow))["verdict"] == "refuted"
    assert claims.claim_c3(records(tie))["verdict"] == "mixed"


def test_c2_uses_code_size():
    times = {fw: 1.0 for fw in FRAMEWORKS}
    short = {fw: 300 for fw in FRAMEWORKS} | {"torch": 100, "tensorflow": 105, "paddle": 110, "mindspore": 112}
    assert claims.claim_c2(records(times, short))["verdict"] == "supported"
    long = {fw: 100 for fw in FRAMEWORKS} | {"torch": 300, "tensorflow": 310, "paddle": 500, "mindspore": 600}
    assert claims.claim_c2(records(times, long))["verdict"] == "refuted"


def test_c4_weighs_working_frameworks_against_upkeep_signals():
    times = {fw: 1.0 for fw in FRAMEWORKS}
    stale = {"registry": {"newest_release": "0.9", "newest_release_date": "2022-01-01",
                          "wheels_newest_release": ["3.9"]}, "install_notes": ["Python 3.9"]}
    fresh = {"registry": {"newest_release": "2.0", "newest_release_date": "2026-10-01",
                          "wheels_newest_release": ["3.12"]}, "install_notes": []}
    meta = {"date": "2026-11-23", "environments": {fw: stale if fw in ("oneflow", "megengine", "mxnet") else fresh
                                                   for fw in FRAMEWORKS}}
    assert claims.claim_c4(records(times), meta)["verdict"] == "supported"
    meta_fresh = {"date": "2026-11-23", "environments": {fw: fresh for fw in FRAMEWORKS}}
    assert claims.claim_c4(records(times), meta_fresh)["verdict"] == "refuted"
    broken = records(times)
    for r in broken[: len(broken) // 2 + 2]:
        r["status"] = "failed"
    assert claims.claim_c4(broken, meta)["verdict"] == "refuted"
    assert claims.upkeep_signals(stale, claims.date(2026, 11, 23))[0].startswith("newest release 0.9 is 4.9 years")


def test_c4_is_no_data_for_a_run_missing_frameworks_it_set_up_or_with_too_few():
    """A run left with one PyTorch record used to read "supported", listing frameworks that were not in it."""
    stale = {"registry": {"newest_release": "0.9", "newest_release_date": "2022-01-01"}, "install_notes": ["x"]}
    meta = {"date": "2026-11-23", "environments": {fw: stale for fw in FRAMEWORKS}}
    one = [r for r in records({fw: 1.0 for fw in FRAMEWORKS}) if r["framework"] == "torch"][:1]
    c = claims.claim_c4(one, meta)
    assert c["verdict"] == "no data" and "megengine" in c["evidence"][0] and len(c["evidence"]) == 1
    pair = {"date": "2026-11-23", "environments": {"torch": stale, "paddle": stale}}
    two = [r for r in records({fw: 1.0 for fw in FRAMEWORKS}) if r["framework"] in pair["environments"]]
    assert claims.claim_c4(two, pair)["verdict"] == "no data"


def test_c1_is_judged_as_shipped_and_at_best_and_says_which_view_flips():
    # TensorFlow and JAX ship compiled: a slow debugging-mode eager row must not count against them as shipped;
    # MindSpore is close only when compiled, which is its best, not what it ships (PyNative).
    times = dict(torch=1.0, tensorflow=9.0, paddle=1.3, mindspore=9.0, jax=9, mxnet=2, jittor=3, oneflow=3, megengine=3)
    compiled = dict(torch=1.0, tensorflow=1.1, paddle=1.3, mindspore=1.4, jax=1.2)
    c = claims.claim_c1(records(times, compiled=compiled))
    assert c["verdict"] == "mixed"
    assert c["evidence"][0] == "By view: as shipped, 1 thread: mixed; best, 1 thread: supported."


def test_best_takes_the_fastest_mode_and_tuning_per_cell():
    from benchmarks.analysis import views

    recs = records(dict.fromkeys(FRAMEWORKS, 2.0), compiled={"paddle": 1.0})
    recs.append(dict(recs[0], framework="mindspore", mode="eager", tuning="documented", time_ms=0.5,
                     time_ci95_ms=[0.49, 0.51]))
    best = views.chosen(recs, "best", 1)
    assert best[("paddle", "mlp", "train")]["mode"] == "compiled"
    assert best[("mindspore", "mlp", "train")]["tuning"] == "documented"
    shipped = views.chosen(recs, "as shipped", 1)
    assert shipped[("mindspore", "mlp", "train")]["time_ms"] == 2.0  # untuned PyNative
    assert shipped[("tensorflow", "mlp", "train")]["mode"] == "compiled"



def test_c4_with_a_release_sweep_judges_upkeep_on_it():
    """With a sweep, a framework whose snapshot signals say "stale" but whose releases all run today's code is
    judged on the sweep; frameworks whose code breaks on most recent releases count as troubled."""
    times = {fw: 1.0 for fw in FRAMEWORKS}
    fresh = {"registry": {"newest_release": "2.0", "newest_release_date": "2026-10-01",
                          "wheels_newest_release": ["3.12"]}, "install_notes": []}
    meta = {"date": "2026-11-23", "environments": {fw: fresh for fw in FRAMEWORKS}}
    assert claims.claim_c4(records(times), meta)["verdict"] == "refuted"  # no snapshot trouble
    facts = {"releases": [{"version": "1.0", "date": "2026-01-01"}, {"version": "2.0", "date": "2026-10-01"}],
             "releases_recent": 2, "median_days_between": 270, "wheels_newest_release": ["3.12"],
             "newest_release": "2.0", "newest_release_date": "2026-10-01"}
    broken = {m: {"outcome": "API break", "error": "AttributeError: x"} for m in ("mlp", "resnet")}
    runs = {m: {"outcome": "runs"} for m in ("mlp", "resnet")}
    sweep_records = [dict(framework=fw, release="1.0", models=broken if fw in ("jax", "paddle", "mindspore") else runs)
                     for fw in FRAMEWORKS]
    sweep_records += [dict(framework=fw, release="pinned", newest=True, installed="2.0", models=runs) for fw in FRAMEWORKS]
    sweep_meta = {"date": "2026-11-23", "release_facts": {fw: facts for fw in FRAMEWORKS}}
    c = claims.claim_c4(records(times), meta, (sweep_records, sweep_meta))
    assert c["verdict"] == "supported"
    assert "release sweep" in c["rule"]
    assert any(e.startswith("JAX: today's code runs unchanged on 0 of its 1 earlier") for e in c["evidence"])
    assert any(e.startswith("PyTorch (release sweep): today's code runs unchanged on 1 of 1") for e in c["evidence"])
