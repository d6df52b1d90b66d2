"""Test-only fake frameworks that fail on purpose (segfault, hang, import error, junk output, wrong
numbers), for the fault-injection tests. Enabled with FWBENCH_EXTRA_FRAMEWORKS=tests.fakefw."""
from tests.fakefw.fake_framework import FRAMEWORKS  # noqa: F401
