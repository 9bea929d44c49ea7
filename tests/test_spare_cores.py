"""The second core for a question: taken only while other programs leave it free."""

from __future__ import annotations

import os
from pathlib import Path

from index.spare_cores import SAMPLE_SECONDS, SpareCores, machine_busy_seconds


class Machine:
    """A machine whose busy CPU seconds, our own CPU seconds and clock the test moves by hand."""

    def __init__(self) -> None:
        self.busy, self.own, self.now = 100.0, 10.0, 0.0

    def run(self, seconds: float, ours: float, others: float) -> None:
        """``seconds`` pass; we keep ``ours`` cores busy and other programs ``others``."""
        self.now += seconds
        self.own += ours * seconds
        self.busy += (ours + others) * seconds

    def watch(self, cores: int = 2) -> SpareCores:
        return SpareCores(cores, lambda: self.busy, lambda: self.own, lambda: self.now)


def test_a_core_is_free_when_only_we_keep_the_machine_busy() -> None:
    machine = Machine()
    watch = machine.watch()
    assert not watch.free()  # nothing measured yet: one thread
    machine.run(1.0, ours=1.0, others=0.1)
    assert watch.free()


def test_another_busy_program_takes_the_second_core_away_and_gives_it_back() -> None:
    machine = Machine()
    watch = machine.watch()
    watch.free()
    machine.run(1.0, ours=0.5, others=1.0)
    assert not watch.free()
    machine.run(1.0, ours=0.5, others=0.0)
    assert watch.free()


def test_the_machine_is_sampled_at_most_every_interval() -> None:
    machine = Machine()
    watch = machine.watch()
    watch.free()
    machine.run(1.0, ours=0.0, others=0.0)
    assert watch.free()
    machine.run(SAMPLE_SECONDS / 2, ours=0.0, others=2.0)
    assert watch.free()  # the busy spell is not sampled yet
    machine.run(SAMPLE_SECONDS, ours=0.0, others=2.0)
    assert not watch.free()


def test_one_core_or_an_unknown_machine_never_has_a_spare() -> None:
    machine = Machine()
    single = machine.watch(cores=1)
    unknown = SpareCores(2, lambda: None, lambda: 0.0, lambda: machine.now)
    for _ in range(3):
        machine.run(1.0, ours=0.0, others=0.0)
        assert not single.free() and not unknown.free()


def test_proc_stat_is_read_as_busy_seconds(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n", encoding="ascii")
    busy = machine_busy_seconds(stat)
    assert busy is not None and round(busy * os.sysconf("SC_CLK_TCK")) == 150
    stat.write_text("garbage\n", encoding="ascii")
    assert machine_busy_seconds(stat) is None
    assert machine_busy_seconds(tmp_path / "missing") is None
