import sys

import pytest

from benchmarks.measure import envs
from benchmarks.frameworks import all_frameworks
from benchmarks.core.errors import UserError


def test_every_framework_has_a_pinned_spec():
    from benchmarks.measure.release_sweep import releases_of

    for key in all_frameworks():
        for release in releases_of(key):  # today's pin and every earlier release's recipe
            spec = release.spec
            assert spec.python in ("3.9", "3.10", "3.11", "3.12")
            lines = [ln for ln in spec.file.read_text().splitlines() if ln and not ln.startswith("#")]
            assert lines and all("==" in ln for ln in lines), f"{spec.file} must pin exact versions"


def test_env_path_follows_the_spec_content(tmp_path, monkeypatch):
    monkeypatch.setenv("FWBENCH_HOME", str(tmp_path))
    spec_file = tmp_path / "x.txt"
    spec_file.write_text("# python: 3.11\nnumpy==1.26.4\n")
    spec = envs.EnvSpec("torch", "3.11", spec_file)
    first = spec.path
    assert str(first).startswith(str(tmp_path))
    spec_file.write_text("# python: 3.11\nnumpy==2.0.0\n")
    assert spec.path != first


def test_half_built_environment_is_not_ready(tmp_path, monkeypatch):
    monkeypatch.setenv("FWBENCH_HOME", str(tmp_path))
    spec = envs.load_spec("torch")
    (spec.path / "bin").mkdir(parents=True)
    assert spec.marker() is None
    (spec.path / envs.MARKER).write_text("{torn")
    assert spec.marker() is None
    (spec.path / envs.MARKER).write_text('{"framework": "torch"}')
    assert spec.marker() == {"framework": "torch"}


def test_find_python_finds_this_interpreter_version():
    version = "%d.%d" % sys.version_info[:2]
    assert envs.find_python(version) is not None
    assert envs.find_python("2.5") is None


def test_too_little_disk_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="GB free"):
        envs.check_free_space(tmp_path, need_gb=1e9)


def test_scheduler_facts_are_read_from_the_kernel():
    from benchmarks.core.hardware import kernel_config, scheduler_facts

    facts = scheduler_facts()
    assert set(facts) == {"kernel", "preempt_model", "tick_hz", "virtual_machine", "spinning_penalised"}
    config = kernel_config()
    if config.get("CONFIG_HZ", "").isdigit():
        assert facts["tick_hz"] == int(config["CONFIG_HZ"])
    assert facts["preempt_model"] in (None, "none", "voluntary", "full", "lazy")
