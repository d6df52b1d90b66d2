"""Test-only fake frameworks that fail on purpose (segfault, hang, import error, junk output, wrong
numbers), for the fault-injection tests. Enabled with FWBENCH_EXTRA_ADAPTERS=tests.fakefw."""
