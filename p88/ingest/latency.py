"""Socket-to-commit latency of recent reads, for /status, /metrics and the benchmarks."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


class LatencyWindow:
    """The last `size` samples in milliseconds; quantiles over that window."""

    def __init__(self, size: int = 20_000) -> None:
        self._samples: deque[float] = deque(maxlen=size)

    def add_many(self, samples_ms: Iterable[float]) -> None:
        self._samples.extend(samples_ms)

    def quantile(self, q: float) -> float | None:
        if not self._samples:
            return None
        ordered = sorted(self._samples)
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index]

    def reset(self) -> None:
        self._samples.clear()

    def __len__(self) -> int:
        return len(self._samples)
