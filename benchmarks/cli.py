"""`fwbench` command line: parse and dispatch to benchmarks/commands/. Errors are one line on stderr, exit 2."""
from __future__ import annotations

import argparse
import signal
import sys
from typing import Optional, Sequence

from benchmarks.commands.results import cmd_compare, cmd_loc, cmd_merge, cmd_report, cmd_validate
from benchmarks.commands.run import QUIET_RECHECK_S, cmd_run, shard_spec
from benchmarks.commands.setup import cmd_doctor, cmd_list, cmd_releases, cmd_setup
from benchmarks.core import plan
from benchmarks.core.errors import UserError


class Parser(argparse.ArgumentParser):
    """Usage errors are one line naming the fix, exit status 2 (argparse's own prints the usage too)."""

    def error(self, message: str):
        self.exit(2, f"fwbench: error: {message}\n")


def number(kind: type, low: float, strict: bool = False):
    """An argparse type: a `kind` number >= low (> low when strict), or a one-line error naming the range."""
    bound = f"{'>' if strict else '>='} {low:g}"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a{'n integer' if kind is int else ' number'}; "
                                             f"give one {bound}")
        if value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(f"{text} is out of range; give a value {bound}")
        return value

    parse.__name__ = kind.__name__
    return parse


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="fwbench", description=__doc__)
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("setup", help="create missing framework environments")
    s.add_argument("frameworks", nargs="*")
    s.add_argument("--releases", action="store_true",
                   help="build the earlier releases' environments (benchmarks/frameworks/<name>/releases/), up to the sweep's disk cap")
    s.set_defaults(func=cmd_setup)
    sub.add_parser("doctor", help="list environments: ready or not").set_defaults(func=cmd_doctor)
    sub.add_parser("list", help="list frameworks and models").set_defaults(func=cmd_list)
    sub.add_parser("releases", help="each framework's releases on pip's configured index: newest, cadence, "
                                    "CPython wheels").set_defaults(func=cmd_releases)
    r = sub.add_parser("run", help="set up what is missing, run the benchmark, print the table")
    r.add_argument("--frameworks", "-f", action="append", help="e.g. torch,paddle")
    r.add_argument("--models", "-m", action="append")
    r.add_argument("--modes", action="append", help="eager, compiled, xla (default: every mode a framework has; with --quick: each framework's own default mode)")
    r.add_argument("--threads", "-t", action="append",
                   help="1 (one thread pinned to one core) and/or the core count, e.g. -t 1,2 (default: both; "
                        "with --quick: 1)")
    r.add_argument("--tuning", action="append",
                   help="default (as shipped), documented (knobs the framework's own docs list), all (undocumented "
                        "ones too); e.g. --tuning default,documented,all. A level adds cells only where it sets a knob")
    r.add_argument("--quick", action="store_true",
                   help="a first look: each framework as shipped (its default mode), one pinned thread, one process, few samples")
    r.add_argument("--require-quiet", nargs="?", const=0.0, type=number(float, 0), metavar="MIN",
                   help="refuse to start on a noisy machine (fwbench doctor's noise check): for committed runs; "
                        f"with MIN, check again every {QUIET_RECHECK_S:g} s for up to MIN minutes before refusing")
    r.add_argument("--task", choices=tuple(plan.SUITES) + ("releases", "methods"), default="speed",
                   help="speed: step and inference timings (default); tta: time to accuracy on the digits data; scaling: the MLP "
                        "swept from overhead-bound to compute-bound sizes; releases: today's model files on each "
                        "framework's earlier releases; methods: an A/A test of the measuring methods (sequential, "
                        "paired, duet) with PyTorch against itself (neither is part of `make run`)")
    r.add_argument("--out", help="run folder (default results/<timestamp>)")
    existing = r.add_mutually_exclusive_group()
    existing.add_argument("--resume", metavar="RUN", help="finish an interrupted run: only its missing cells run")
    existing.add_argument("--append", metavar="RUN", help="add this selection's cells to an existing run and run them")
    existing.add_argument("--retry-failed", metavar="RUN",
                   help="rerun only the failed and timed-out worker processes of an existing run, then re-aggregate")
    r.add_argument("--shard", type=shard_spec, metavar="K/N",
                   help="run shard K of N of the plan (cells balanced by expected cost), e.g. a job array's "
                        "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT; join the folders with `fwbench merge`")
    r.add_argument("--costs-from", metavar="RUN", help="balance --shard by the cells' times in this earlier run")
    r.add_argument("--processes", type=number(int, 1),
                   help="worker processes per cell (default 3, and twice as many for PyTorch's cells, the baseline; "
                        "1 with --quick and --task scaling)")
    r.add_argument("--timeout", type=number(float, 0, strict=True),
                   help="seconds a worker process may take per cell it measures (default 900)")
    r.add_argument("--one-cell-per-process", action="store_true",
                   help="every worker process measures one cell (default: a cell's later processes each measure "
                        "every model of its framework, mode and thread setting in turn, one import for all)")
    r.add_argument("--max-wait", type=number(float, 0),
                   help="seconds to wait before a worker while other processes keep the machine busy (default 120; "
                        "30 with --quick); the cell is then measured anyway and flagged")
    r.add_argument("--retries", type=number(int, 0),
                   help="relaunches of a worker process that died by a signal or timed out, in a later round (paired: at "
                        "once, while preparing) (default 1)")
    method = r.add_mutually_exclusive_group()
    method.add_argument("--paired", action="store_true",
                        help="paired trials (the default, but for --quick): long-lived workers, each call timed in short "
                             "trials next to PyTorch's same call, in random order round after round; ratios and "
                             "intervals from the pairs, and an A/A test of PyTorch against itself (docs/method.md, "
                             "Paired trials). --processes: worker sets (default 2, 1 with --quick)")
    method.add_argument("--sequential", action="store_true",
                        help="the sequential method (--quick's, and --task's other than speed): each cell in worker "
                             "processes of its own, one after the other (--processes per cell, default 3)")
    r.add_argument("--rounds", type=number(int, 1),
                   help="with --paired: rounds of trial pairs per worker set (default 5); with --task releases: rounds per release "
                        "(6); with --task methods: rounds per worker set (6)")
    r.set_defaults(func=cmd_run)
    r.add_argument("--cap-gb", type=number(float, 0),
                   help="--task releases: the most disk the earlier releases' environments may hold (default 30 GB); "
                        "each measured one past it is removed")
    lc = sub.add_parser("loc", help="code metrics of the per-framework model files")
    lc.add_argument("--models", "-m", action="append")
    lc.set_defaults(func=cmd_loc)
    c = sub.add_parser("compare", help="per-cell ratios between two runs (or the two machines of a merged run), "
                                          "how far the ratios to PyTorch moved, and whether the claims' verdicts agree")
    c.add_argument("run_a")
    c.add_argument("run_b", nargs="?", help="omit to compare the machines of one merged run")
    c.set_defaults(func=cmd_compare)
    mg = sub.add_parser("merge", help="join run folders: shards of one plan, or runs from several machines")
    mg.add_argument("runs", nargs="+", metavar="RUN")
    mg.add_argument("--out", required=True, help="the new merged run folder")
    mg.set_defaults(func=cmd_merge)
    v = sub.add_parser("validate", help="compare the harness's timing of one cell with a bare hand-written loop")
    v.add_argument("--rounds", type=number(int, 1), default=5)
    v.set_defaults(func=cmd_validate)
    rep = sub.add_parser("report", help="rebuild the table and summary.md from a run's records")
    rep.add_argument("run")
    rep.add_argument("--readme", action="store_true", help="also rewrite README's results block from this run")
    rep.add_argument("--repeat", metavar="RUN", help="with --readme: the same command taken again, to show how well it reproduces")
    rep.add_argument("--sweep", metavar="RUN", help="with --readme: the size sweep's run (fwbench run --task scaling)")
    rep.add_argument("--sweep-repeat", metavar="RUN", help="with --sweep: the sweep taken again, to show how well its fits reproduce")
    rep.add_argument("--quick-run", metavar="RUN", help="with --readme: a `fwbench run --quick` run, for how long it took")
    rep.add_argument("--tta-run", metavar="RUN", help="with --readme: a `fwbench run --task tta` run, for time to accuracy")
    rep.add_argument("--paired-pair", nargs=2, metavar=("RUN", "REPEAT"),
                     help="with --readme: a `fwbench run --paired` run and its repeat, compared in docs/reproducibility.md")
    rep.add_argument("--releases-run", metavar="RUN",
                     help="the release sweep (fwbench run --task releases) C4's upkeep half is judged on; kept in the run's meta")
    rep.add_argument("--reaggregate", action="store_true",
                     help="rebuild records.jsonl from raw.jsonl with the current statistics and metrics")
    rep.set_defaults(func=cmd_report)
    return p


def interrupted_by_sigterm(signum: int, frame) -> None:
    """SIGTERM (kill, a scheduler's time limit) ends a run as Ctrl-C does: records kept, no worker left behind."""
    raise KeyboardInterrupt


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, interrupted_by_sigterm)
    try:
        return args.func(args)
    except UserError as exc:
        if args.debug:
            raise
        print(f"fwbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fwbench: interrupted; finished records are kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
