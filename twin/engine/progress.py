"""Progress of long work: a rich progress bar on a terminal, plain log lines elsewhere."""
from __future__ import annotations

import sys
import time

from twin.constants import SECONDS_PER_DAY

UPDATE_EVERY_S = 0.1   # the bar is drawn at most this often: a run's ticks take microseconds


class Progress:
    """Simulated time done, satellite-steps per second and the time left.

    On a terminal a rich bar; otherwise a plain line every ``log_every_s`` of wall time."""

    def __init__(self, total_s: float, n_sats: int, enabled: bool = True, log=print,
                 log_every_s: float = 30.0, start_s: float = 0.0, dt_s: float = 1.0):
        self.total_s, self.n_sats, self.log, self.dt_s = total_s, n_sats, log, dt_s
        self.start_s = start_s
        self.enabled, self.log_every_s = enabled, log_every_s
        self.start = time.perf_counter()
        self._last_log = self.start
        self._last_update = -float("inf")
        self._bar = None
        if enabled and sys.stderr.isatty():
            from rich.progress import (BarColumn, Progress as RichProgress, TextColumn,
                                       TimeRemainingColumn)
            self._bar = RichProgress(TextColumn("[bold]twin run"), BarColumn(),
                                     TextColumn("{task.fields[sim]}"), TextColumn("{task.fields[rate]}"),
                                     TimeRemainingColumn(), transient=False)
            self._bar.start()
            self._task = self._bar.add_task("run", total=total_s, completed=start_s, sim="", rate="")

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def update(self, sim_s: float) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last_update < UPDATE_EVERY_S and sim_s < self.total_s:
            return
        self._last_update = now
        wall = now - self.start
        steps_per_s = self.n_sats * (sim_s - self.start_s) / self.dt_s / max(wall, 1e-9)
        sim_text = f"{sim_s / SECONDS_PER_DAY:.2f}/{self.total_s / SECONDS_PER_DAY:.2f} d"
        rate_text = f"{steps_per_s / 1e3:,.0f} k sat-steps/s"
        if self._bar is not None:
            self._bar.update(self._task, completed=sim_s, sim=sim_text, rate=rate_text)
            return
        if now - self._last_log >= self.log_every_s:
            self._last_log = now
            left = wall * (self.total_s - sim_s) / max(sim_s - self.start_s, 1e-9)
            self.log(f"progress: {100 * sim_s / self.total_s:5.1f} %  {sim_text}  {rate_text}  eta {left:,.0f} s")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
