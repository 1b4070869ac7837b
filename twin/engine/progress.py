"""Progress of long work: a rich progress bar on a terminal or in Jupyter, plain lines elsewhere.

numba compiles a kernel the first time it is called unless its cache has it: on the first run
of an installation that is some seconds (benchmarks/RESULTS.md), spread over the first step, the
first record and the first dispatch. The display says "compiling kernels" while numba compiles (it listens to numba's
``numba:compile`` events), and measures the rate and the time left only over steps during which
nothing compiled, so that a compilation never shows as a run of many hours.
"""
from __future__ import annotations

import importlib.util
import logging
import sys
import threading
import time

from twin.constants import SECONDS_PER_DAY

UPDATE_EVERY_S = 0.1   # the bar is drawn at most this often: a run's ticks take microseconds
COMPILING = "compiling kernels (first run only)…"
STARTING = "starting (compiling kernels if this is the first run)…"
RUNNING = "twin run"

logger = logging.getLogger(__name__)


def display_kind(enabled: bool) -> str:
    """``bar`` (a rich bar: stderr is a terminal, or Jupyter with ipywidgets to draw it in),
    ``notebook`` (Jupyter without ipywidgets: plain lines on stderr, which a notebook shows),
    ``lines`` (log lines) or ``off``."""
    if not enabled:
        return "off"
    if sys.stderr.isatty():
        return "bar"
    if _in_jupyter():
        return "bar" if importlib.util.find_spec("ipywidgets") is not None else "notebook"
    return "lines"


def _in_jupyter() -> bool:
    if "IPython" not in sys.modules:   # rich's own test needs IPython's get_ipython
        return False
    from rich.console import Console

    return Console(stderr=True).is_jupyter


class Progress:
    """Simulated time done, satellite-steps per second and the time left.

    A rich bar (:func:`display_kind`), else a plain line every ``log_every_s`` of wall time
    through ``log`` (a callable taking one line; default the ``twin.engine.progress`` logger).
    ``compiling``: whether the first step will compile numba kernels (True), will not (False), or
    may (None); it names the phase before the first step."""

    def __init__(self, total_s: float, n_sats: int, enabled: bool = True, log=None,
                 log_every_s: float = 30.0, start_s: float = 0.0, dt_s: float = 1.0,
                 compiling: bool | None = False):
        self.total_s, self.n_sats, self.dt_s = total_s, n_sats, dt_s
        self.start_s = start_s
        self.enabled, self.log_every_s = enabled, log_every_s
        self.kind = display_kind(enabled)
        self.say = log or (_stderr_line if self.kind == "notebook" else logger.info)
        self.start = time.perf_counter()
        # (wall, simulated s) whence rates are measured: moved past every compilation
        self._base = (self.start, start_s) if compiling is False else None
        self._last_log = self.start
        self._last_update = -float("inf")
        self._bar = self._listener = None
        self._lock = threading.Lock()
        self._compiles = 0            # compilations under way (nested ones count each)
        self._compiled = False        # a compilation ended since the last update
        self._stepped = False
        logger.debug("numba kernels compile in the first step: %s",
                     {True: "yes", False: "no (cached)", None: "perhaps"}[compiling])
        if self.kind == "off":
            return
        if self.kind == "bar":
            self._start_bar(COMPILING if compiling else STARTING if compiling is None else RUNNING)
        elif compiling:
            self.say(f"{COMPILING.rstrip('…')}: once per installation, cached afterwards")
        self._listen()

    def _start_bar(self, description: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress as RichProgress, SpinnerColumn, TextColumn

        self._bar = RichProgress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                                 TextColumn("{task.fields[sim]}"), TextColumn("{task.fields[rate]}"),
                                 TextColumn("{task.fields[eta]}"), console=Console(stderr=True),
                                 transient=False)
        self._bar.start()
        self._task = self._bar.add_task(description, total=self.total_s, completed=self.start_s,
                                        sim="", rate="", eta="")

    def _listen(self) -> None:
        from numba.core import event

        meter = self

        class CompileListener(event.Listener):   # called in the thread that compiles
            def on_start(self, ev):
                with meter._lock:
                    meter._compiles += 1
                    meter._compiled = True
                if meter._bar is not None:
                    meter._bar.update(meter._task, description=COMPILING)

            def on_end(self, ev):
                with meter._lock:
                    meter._compiles -= 1
                    meter._compiled = True

        self._listener = CompileListener()
        event.register("numba:compile", self._listener)

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def rates(self, sim_s: float, now: float) -> tuple[float, float] | None:
        """(satellite-steps per second, seconds left) over the steps since the last compilation;
        None before there is anything to measure."""
        if self._base is None:
            return None
        wall = now - self._base[0]
        done = sim_s - self._base[1]
        if wall <= 0 or done <= 0:
            return None
        return self.n_sats * done / self.dt_s / wall, wall * (self.total_s - sim_s) / done

    def update(self, sim_s: float) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        with self._lock:
            compiled, self._compiled = self._compiled, False
            compiling = self._compiles > 0
        if not self._stepped:
            self._stepped = True
            logger.debug("first step done after %.1f s of wall time", now - self.start)
        if compiled or compiling or self._base is None:
            self._base = None if compiling else (now, sim_s)   # the steps so far included compiling
            if self._bar is not None:
                self._bar.update(self._task, description=COMPILING if compiling else RUNNING)
        if now - self._last_update < UPDATE_EVERY_S and sim_s < self.total_s:
            return
        self._last_update = now
        measured = self.rates(sim_s, now)
        sim_text = f"{sim_s / SECONDS_PER_DAY:.2f}/{self.total_s / SECONDS_PER_DAY:.2f} d"
        rate_text = f"{measured[0] / 1e3:,.0f} k sat-steps/s" if measured else ""
        eta_text = f"{_clock(measured[1])} left" if measured else ""
        if self._bar is not None:
            self._bar.update(self._task, completed=sim_s, sim=sim_text, rate=rate_text, eta=eta_text)
            return
        if now - self._last_log >= self.log_every_s:
            self._last_log = now
            tail = f"  {rate_text}  eta {measured[1]:,.0f} s" if measured else ""
            self.say(f"progress: {100 * sim_s / self.total_s:5.1f} %  {sim_text}{tail}")

    def close(self) -> None:
        if self._listener is not None:
            from numba.core import event

            event.unregister("numba:compile", self._listener)
            self._listener = None
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _stderr_line(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
