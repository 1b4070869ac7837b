"""The earliest-event scans of the fault and radiation models (twin.kernels.due) against the
numpy expressions they replace, on random states with every case: all up, all down, none pending."""
import numpy as np
import pytest

from twin.kernels.due import first_pending, next_fault_step
from twin.ops.faults import NEVER


def _numpy_next_fault_step(down_until, next_failure):
    up = down_until < 0
    first = NEVER
    if (~up).any():
        first = min(first, int(down_until[~up].min()))
    if up.any():
        first = min(first, int(next_failure[up].min()))
    return first


@pytest.mark.parametrize("down_share", [0.0, 0.3, 1.0])
def test_next_fault_step_is_the_numpy_minimum(down_share):
    rng = np.random.default_rng(1)
    for n in (1, 7, 300):
        down = rng.random(n) < down_share
        down_until = np.where(down, rng.integers(0, 10_000, n), -1).astype(np.int64)
        next_failure = np.where(rng.random(n) < 0.2, NEVER, rng.integers(0, 10_000, n)).astype(np.int64)
        assert next_fault_step(down_until, next_failure, NEVER) == _numpy_next_fault_step(down_until, next_failure)


def test_next_fault_step_of_no_event_is_never():
    assert next_fault_step(np.full(5, -1, np.int64), np.full(5, NEVER, np.int64), NEVER) == NEVER
    assert next_fault_step(np.zeros(0, np.int64), np.zeros(0, np.int64), NEVER) == NEVER


@pytest.mark.parametrize("done_share", [0.0, 0.5, 1.0])
def test_first_pending_is_the_numpy_minimum(done_share):
    rng = np.random.default_rng(2)
    for n in (1, 9, 500):
        steps = rng.integers(0, 10_000, n).astype(np.int64)
        done = rng.random(n) < done_share
        expected = int(steps[~done].min()) if (~done).any() else NEVER
        assert first_pending(steps, done, NEVER) == expected
