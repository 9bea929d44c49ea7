"""Whether other programs leave a core free, so a question may be embedded on two threads.

On an idle machine two OpenMP threads embed a question in about 18 ms where one takes about 32 ms
(benchmarks/README.md, "A question on a spare core"). Beside a CPU-bound job the second thread is worse
than none: every barrier of the model waits for a thread that shares its core with the other job, and
p95 grows to hundreds of milliseconds. So the second thread is used only while the machine's other
work, measured from ``/proc/stat`` minus this process's own CPU time, stays under half a core.

Without ``/proc/stat`` (not Linux) the answer is always "no": one thread is the safe choice.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Other programs busier than this (in cores) take the second thread away.
OTHERS_LIMIT = 0.5
# How often the machine is sampled: often enough to notice a job starting, rarely enough to cost nothing.
SAMPLE_SECONDS = 0.5
PROC_STAT = Path("/proc/stat")


@dataclass(frozen=True)
class Sample:
    """CPU seconds the whole machine was busy, CPU seconds this process used, and when."""

    machine_busy: float
    own: float
    at: float


def machine_busy_seconds(stat: Path = PROC_STAT) -> float | None:
    """CPU seconds all cores spent on anything but idling since boot; None when unknown."""
    try:
        with stat.open(encoding="ascii") as fh:
            fields = fh.readline().split()
    except OSError:
        return None
    if len(fields) < 5 or fields[0] != "cpu":
        return None
    try:
        # user nice system idle iowait irq softirq steal: guest time is already counted in user.
        ticks = [int(v) for v in fields[1:9]]
    except ValueError:
        return None
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def own_seconds() -> float:
    """CPU seconds this process has used (all its threads)."""
    times = os.times()
    return times.user + times.system


class SpareCores:
    """Tells, cheaply and from any thread, whether other programs leave a core free right now."""

    def __init__(
        self,
        cores: int,
        read_machine: Callable[[], float | None] = machine_busy_seconds,
        read_own: Callable[[], float] = own_seconds,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cores = cores
        self._read_machine, self._read_own, self._clock = read_machine, read_own, clock
        self._lock = threading.Lock()
        self._last: Sample | None = None
        self._free = False

    def _sample(self) -> Sample | None:
        busy = self._read_machine()
        return None if busy is None else Sample(busy, self._read_own(), self._clock())

    def free(self) -> bool:
        """Whether a second core is free: more than one core, and others busy under OTHERS_LIMIT."""
        if self.cores < 2:
            return False
        with self._lock:
            now = self._clock()
            if self._last is not None and now - self._last.at < SAMPLE_SECONDS:
                return self._free
            sample = self._sample()
            if sample is None:
                self._free = False
            elif self._last is not None:
                elapsed = sample.at - self._last.at
                others = (sample.machine_busy - self._last.machine_busy) - (sample.own - self._last.own)
                self._free = elapsed > 0 and others / elapsed < OTHERS_LIMIT
            self._last = sample
            return self._free
