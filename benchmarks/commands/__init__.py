"""The subcommands of `fwbench`, one module each (asv-style); benchmarks/cli.py only parses and dispatches."""
