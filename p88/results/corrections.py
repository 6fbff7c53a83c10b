"""The timer's corrections: inputs to the engine beside the reads, never edits of them.

Each correction has the id it was stored under; ids grow in the order corrections were made.
Where two corrections set the same thing (two manual finish times for one bib), the later one
counts; revoking it (undo) brings the earlier one back. Ignored reads add up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from p88.results.clock import Hundredths

OutStatus = Literal["dnf", "dns", "dq"]


@dataclass(frozen=True, slots=True)
class ManualTime:
    """The runner passed `point` (start, a split or the finish) at `time`: wins over reads."""

    id: int
    bib: str
    point: str
    time: Hundredths


@dataclass(frozen=True, slots=True)
class SetStatus:
    id: int
    bib: str
    status: OutStatus
    reason: str

    def __post_init__(self) -> None:
        if self.status not in ("dnf", "dns", "dq"):
            raise ValueError(f"a timer sets 'dnf', 'dns' or 'dq', not {self.status!r}")
        if not self.reason.strip():
            raise ValueError(f"say why bib {self.bib} is {self.status.upper()}: a reason is needed")


@dataclass(frozen=True, slots=True)
class IgnoreRead:
    """Ignore a read: with `whole_crossing`, also the runner's other reads at the same point
    within the setup's ignore window of it (one crossing makes several reads; ignoring one of
    them alone would only move the time to the next)."""

    id: int
    tag: str
    location: str
    time: Hundredths
    whole_crossing: bool = True


@dataclass(frozen=True, slots=True)
class ChangeWave:
    id: int
    bib: str
    wave: str


@dataclass(frozen=True, slots=True)
class ChangeCourse:
    id: int
    bib: str
    course: str


@dataclass(frozen=True, slots=True)
class MoveGun:
    """Set the gun of `wave` by hand (wins over manual and hardware guns of the setup)."""

    id: int
    wave: str
    time: Hundredths


@dataclass(frozen=True, slots=True)
class ConfirmResult:
    """The timer checked a result held for review (faster than the record): place it."""

    id: int
    bib: str


@dataclass(frozen=True, slots=True)
class CloseCourse:
    """The race is over on this course: runners still out are DNF, runners never seen DNS."""

    id: int
    course: str


Correction = (
    ManualTime
    | SetStatus
    | IgnoreRead
    | ChangeWave
    | ChangeCourse
    | MoveGun
    | ConfirmResult
    | CloseCourse
)


def _target(c: Correction) -> Hashable:
    """What a correction sets: of two with one target, the later counts."""
    match c:
        case ManualTime():
            return ("time", c.bib, c.point)
        case SetStatus() | ConfirmResult():
            return (type(c).__name__, c.bib)
        case ChangeWave() | ChangeCourse():
            return (type(c).__name__, c.bib)
        case MoveGun():
            return ("gun", c.wave)
        case CloseCourse():
            return ("close", c.course)
        case IgnoreRead():
            return ("ignore", c.id)  # each counts on its own
    raise TypeError(f"not a correction: {c!r}")


@dataclass(slots=True)
class Affected:
    """Who must be recomputed after a correction changed."""

    bibs: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    waves: set[str] = field(default_factory=set)
    courses: set[str] = field(default_factory=set)


def _affects(c: Correction, into: Affected) -> None:
    match c:
        case IgnoreRead():
            into.tags.add(c.tag)
        case MoveGun():
            into.waves.add(c.wave)
        case CloseCourse():
            into.courses.add(c.course)
        case _:
            into.bibs.add(c.bib)


@dataclass(slots=True)
class CorrectionBook:
    """The corrections in force, indexed for the engine's per-runner questions."""

    _all: dict[int, Correction] = field(default_factory=dict)
    _by_target: dict[Hashable, dict[int, Correction]] = field(default_factory=dict)
    _manual_points: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _ignores: defaultdict[str, dict[int, IgnoreRead]] = field(
        default_factory=lambda: defaultdict(dict)
    )

    def add(self, c: Correction) -> Affected:
        if c.id in self._all:
            raise ValueError(f"correction {c.id} is applied already: give each one its own id")
        self._all[c.id] = c
        self._by_target.setdefault(_target(c), {})[c.id] = c
        if isinstance(c, ManualTime):
            self._manual_points[c.bib].add(c.point)
        if isinstance(c, IgnoreRead):
            self._ignores[c.tag][c.id] = c
        affected = Affected()
        _affects(c, affected)
        return affected

    def add_many(self, corrections: Iterable[Correction]) -> Affected:
        affected = Affected()
        for c in corrections:
            found = self.add(c)
            affected.bibs |= found.bibs
            affected.tags |= found.tags
            affected.waves |= found.waves
            affected.courses |= found.courses
        return affected

    def revoke(self, correction_id: int) -> tuple[Correction, Affected]:
        """Undo one correction; the one it overrode (if any) counts again."""
        c = self._all.pop(correction_id, None)
        if c is None:
            raise ValueError(f"there is no correction {correction_id} to undo")
        key = _target(c)
        del self._by_target[key][correction_id]
        if not self._by_target[key]:
            del self._by_target[key]
        if isinstance(c, ManualTime) and ("time", c.bib, c.point) not in self._by_target:
            self._manual_points[c.bib].discard(c.point)
        if isinstance(c, IgnoreRead):
            del self._ignores[c.tag][c.id]
        affected = Affected()
        _affects(c, affected)
        return c, affected

    def __iter__(self) -> Iterator[Correction]:
        return iter(sorted(self._all.values(), key=lambda c: c.id))

    def _latest(self, key: Hashable) -> Correction | None:
        found = self._by_target.get(key)
        return found[max(found)] if found else None

    def manual_times(self, bib: str) -> dict[str, Hundredths]:
        points = self._manual_points.get(bib)
        if not points:
            return {}
        times: dict[str, Hundredths] = {}
        for point in points:
            c = self._latest(("time", bib, point))
            if isinstance(c, ManualTime):
                times[point] = c.time
        return times

    def status(self, bib: str) -> SetStatus | None:
        c = self._latest(("SetStatus", bib))
        return c if isinstance(c, SetStatus) else None

    def confirmed(self, bib: str) -> bool:
        return self._latest(("ConfirmResult", bib)) is not None

    def wave(self, bib: str) -> str | None:
        c = self._latest(("ChangeWave", bib))
        return c.wave if isinstance(c, ChangeWave) else None

    def course(self, bib: str) -> str | None:
        c = self._latest(("ChangeCourse", bib))
        return c.course if isinstance(c, ChangeCourse) else None

    def gun(self, wave: str) -> Hundredths | None:
        c = self._latest(("gun", wave))
        return c.time if isinstance(c, MoveGun) else None

    def moved_guns(self) -> dict[str, Hundredths]:
        return {
            c.wave: c.time
            for key in self._by_target
            if isinstance(key, tuple) and key[0] == "gun"
            for c in [self._latest(key)]
            if isinstance(c, MoveGun)
        }

    def closed(self, course: str) -> bool:
        return self._latest(("close", course)) is not None

    def ignores(self, tag: str) -> list[IgnoreRead]:
        found = self._ignores.get(tag)
        return list(found.values()) if found else []
