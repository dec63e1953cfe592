"""Exponential backoff with jitter, for reconnecting to servers that went away."""

from __future__ import annotations

import random
import time
from collections.abc import Callable


class Backoff:
    """Delays that double after each failure up to a cap, randomised so clients spread out.

    Each delay is drawn from [half, full] of the exponential step ("equal jitter"): never
    zero, so a flapping server is not hammered, and never in lock-step with other clients.
    """

    def __init__(
        self,
        initial: float = 1.0,
        maximum: float = 300.0,
        *,
        factor: float = 2.0,
        rng: random.Random | None = None,
        sleeper: Callable[[float], None] = time.sleep,
    ) -> None:
        if initial <= 0 or maximum < initial or factor < 1:
            raise ValueError("backoff needs 0 < initial <= maximum and factor >= 1")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.failures = 0
        self._rng = rng or random.Random()
        self._sleeper = sleeper

    def next_delay(self) -> float:
        """The wait before the next attempt; each call counts one more failure."""
        step = min(self.maximum, self.initial * self.factor**self.failures)
        self.failures += 1
        return self._rng.uniform(step / 2, step)

    def sleep(self) -> float:
        """Wait the next delay; returns how long it waited."""
        delay = self.next_delay()
        self._sleeper(delay)
        return delay

    def reset(self) -> None:
        """Forget past failures after a success."""
        self.failures = 0
