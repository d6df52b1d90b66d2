"""What the harness, the tables and the plan read about a framework (the description's audience): its
names, modes and where its default mode is documented, its tuning knobs, the causes found for its
unsteady cells and the calls its model files make for each API concept. Its runtime, weight layout
and install facts hang off it, one object each."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Mapping, Optional, Tuple

from benchmarks.core.plan import TUNINGS  # each level adds its knobs to the lower ones
from benchmarks.frameworks.install import Install
from benchmarks.frameworks.layout import WeightLayout

# the API concepts the porting table has a row for, in its order; each framework names its calls for them
CONCEPTS = ("Model base class", "Dense layer", "Convolution", "Pooling", "Batch norm", "LSTM",
            "Attention (or a whole encoder layer)", "Cross-entropy loss", "SGD optimizer", "Backward and update",
            "Compile / trace", "No-grad inference")


def knob_text(env: Dict[str, str]) -> str:
    """Knob variables as a user would set them: 'NAME=value NAME2=value2'."""
    return " ".join(f"{k}={v}" for k, v in env.items())


@dataclass(frozen=True)
class Knob:
    """A setting that makes a framework faster here without changing its results (the parity gate
    still applies), with where it comes from and what it does."""
    env: Dict[str, str]  # environment variables set before the framework is imported
    level: str  # "documented": the framework's own documentation lists it; "all": undocumented too
    source: str
    effect: str
    cpu_vendor: Optional[str] = None  # applies only on this vendor's CPUs (e.g. "AuthenticAMD")
    cpu_flag: Optional[str] = None  # applies only on CPUs that report this flag (e.g. "avx512f")

    def label(self) -> str:
        return knob_text(self.env)

    def where(self) -> str:
        """On which CPUs it applies, as tables say it ("" for every CPU)."""
        return (f" on {self.cpu_vendor}" if self.cpu_vendor else "") + (f" on CPUs with {self.cpu_flag}"
                                                                         if self.cpu_flag else "")

    def applies_on(self, cpu: Mapping) -> bool:
        """Whether it applies on a CPU described as hardware.cpu_traits() does."""
        return (self.cpu_vendor in (None, cpu.get("cpu_vendor"))
                and (self.cpu_flag is None or self.cpu_flag in cpu.get("cpu_flags", ())))


DEFAULT_MODES = {"eager": "eager (define-by-run)", "compiled": "compiled"}


class Framework:
    """One framework: its description here, `runtime` (the worker's side), `layout` (its weight and input
    conventions) and `install` (its environment's facts)."""

    def __init__(self, key: str, display: str, order: int, runtime: Callable[["Framework"], object], install: Install,
                 layout: WeightLayout = WeightLayout(), api_packages: Tuple[str, ...] = (),
                 modes: Dict[str, str] = DEFAULT_MODES, default_mode: str = "eager", default_mode_source: str = "",
                 knobs: Tuple[Knob, ...] = (), unsteady_cause: str = "", crash_cause: str = "",
                 concepts: Mapping[str, Tuple[str, ...]] = {}):
        self.key = key  # short name: the folder, the impl file prefix, the CLI value
        self.display = display  # name shown in tables
        self.order = order  # display position
        self.api_packages = api_packages  # top-level modules whose calls count as this framework's API
        self.modes = modes  # mode name -> what it means in this framework
        self.default_mode = default_mode  # the mode its own getting-started guide trains in
        self.default_mode_source = default_mode_source  # that guide
        self.knobs = knobs  # tuning beyond the defaults, by level (see TUNINGS)
        # why its cells settle into different speeds from one worker process to the next, where that was found
        # (tables name it beside the cells flagged unsteady); "" where no cause is known
        self.unsteady_cause = unsteady_cause
        # why its workers die by a signal (SIGSEGV, SIGABRT) where that was found in its own code; "" where not
        self.crash_cause = crash_cause
        # API concept -> the calls (resolved names; ".name" a method) its model files make for it
        unknown = set(concepts) - set(CONCEPTS)
        if unknown:
            raise ValueError(f"{key}: unknown API concepts {sorted(unknown)}; the porting table has {CONCEPTS}")
        self.concepts = dict(concepts)
        self.install = install
        self.layout = layout
        self.runtime = runtime(self)
        self.home: Optional[Path] = None  # its folder under benchmarks/frameworks, set when discovered there

    @property
    def module(self) -> str:
        """The framework's import name."""
        return self.runtime.module

    def knobs_for(self, tuning: str, cpu: Mapping = {}) -> Tuple[Knob, ...]:
        """The knobs a tuning level applies on this CPU (hardware.cpu_traits()): "documented" ones, and
        with "all" the rest."""
        levels = TUNINGS[1:TUNINGS.index(tuning) + 1]
        return tuple(k for k in self.knobs if k.level in levels and k.applies_on(cpu))

    def impl_module(self, model: str) -> str:
        """The module holding this framework's implementation of `model`."""
        return f"models.{model}.{self.key}_impl"

    def spec_file(self) -> Path:
        """Its pinned requirements."""
        return self.install.spec_file if self.install.spec_file != Path() else self.home / "requirements.txt"

    def releases_dir(self) -> Path:
        """The folder of its earlier releases' recipes (`<version>.txt`)."""
        return self.install.releases_dir if self.install.releases_dir != Path() else self.home / "releases"

    def env_name(self) -> str:
        return self.install.env_name or self.key
