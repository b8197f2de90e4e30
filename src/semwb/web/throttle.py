"""Slowing down password guessing: failed sign-ins counted per account name and per client.

After :attr:`Throttle.limit` failures within :attr:`Throttle.window` seconds, a key (an account's
look-alike name key, or a client address) is refused until the oldest of those failures leaves
the window; a successful sign-in clears the account's count. The counts live in the server's
memory (one process serves the pages), so a restart forgets them.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class Throttle:
    """Sliding-window counter of failures per key.

    Parameters
    ----------
    limit
        Failures allowed within ``window``.
    window
        Seconds a failure counts for.
    """

    def __init__(self, *, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def wait(self, key: str) -> float:
        """Return the seconds ``key`` must wait before its next try (0 when it may try now)."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(key, now)
            if len(failures) < self.limit:
                return 0.0
            return failures[-self.limit] + self.window - now

    def failed(self, key: str) -> None:
        """Count one failure of ``key``."""
        now = time.monotonic()
        with self._lock:
            self._recent(key, now).append(now)
            if len(self._failures) > 100_000:  # memory stays bounded under a spray of names
                self._failures = {k: v for k, v in self._failures.items() if v}

    def clear(self, key: str) -> None:
        """Forget the failures of ``key`` (after a successful sign-in)."""
        with self._lock:
            self._failures.pop(key, None)
