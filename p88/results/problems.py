"""Problems are shown, never silent: what is wrong with the results, and how to fix it.

Pure detection functions over the engine's inputs and results. Each returns `Problem`s whose
message a timer reads: what went wrong, what it does to the results, what to do.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass

from p88.results.clock import format_elapsed, format_time_of_day
from p88.results.corrections import (
    CloseCourse,
    Correction,
    CorrectionBook,
    IgnoreRead,
    MoveGun,
)
from p88.results.model import (
    HELD_FASTER_THAN_RECORD,
    NO_START_READ,
    SPLIT_AFTER_FINISH,
    SPLIT_BEFORE_START,
    SPLIT_OUT_OF_ORDER,
    Entrant,
    Result,
)
from p88.results.setup import Setup
from p88.results.waves import GunTable

SHOWN = 10  # bibs named in one message before "and N more"


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str
    message: str  # what is wrong and what to do
    bibs: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    points: tuple[str, ...] = ()
    waves: tuple[str, ...] = ()


def listing(items: Sequence[str], noun: str = "bibs") -> str:
    """`bibs 1, 2, 3 and 12 more`."""
    shown = ", ".join(items[:SHOWN])
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return f"{noun} {shown}{more}"


def _wave_name(wave: str) -> str:
    return "the race (no wave)" if wave == "" else f"wave {wave!r}"


def duplicate_entrants(entrants: Sequence[Entrant]) -> list[Problem]:
    found: list[Problem] = []
    bibs = Counter(e.bib for e in entrants)
    for bib in sorted(b for b, n in bibs.items() if n > 1):
        found.append(Problem(
            "duplicate-bib",
            f"Bib {bib} is given to {bibs[bib]} participants: only the first in the file is "
            "timed. Give each participant their own bib in the participant file and import "
            "it again.",
            bibs=(bib,),
        ))  # fmt: skip
    owners: defaultdict[str, list[str]] = defaultdict(list)
    for e in entrants:
        if bibs[e.bib] == 1 or e.bib not in owners[e.tag]:
            owners[e.tag].append(e.bib)
    for tag, tag_bibs in sorted(owners.items()):
        if len(tag_bibs) > 1:
            found.append(Problem(
                "duplicate-tag",
                f"Tag {tag} is given to {listing(tag_bibs)}: its reads count for bib "
                f"{tag_bibs[0]} only. Correct the tag of the others in the participant file.",
                bibs=tuple(tag_bibs), tags=(tag,),
            ))  # fmt: skip
    return found


def unknown_tags(tags: Mapping[str, Mapping[str, int]]) -> list[Problem]:
    """Tags read that belong to no participant: listed, never shown as a person."""
    found = []
    for tag, points in sorted(tags.items()):
        where = ", ".join(f"{point} {count}" for point, count in sorted(points.items()))
        total = sum(points.values())
        found.append(Problem(
            "unknown-tag",
            f"Tag {tag} was read {total} time{'s' if total != 1 else ''} ({where}) but belongs "
            "to no participant. If a runner wore it, put it on their entry in the participant "
            "file (bib and tag may differ); if not (a spare or a staff tag), nothing to do.",
            tags=(tag,), points=tuple(sorted(points)),
        ))  # fmt: skip
    return found


def _by_wave(results: Iterable[Result]) -> dict[str, list[str]]:
    """Runners whose gun is unknown, by their wave."""
    members: defaultdict[str, list[str]] = defaultdict(list)
    for result in results:
        if result.course is not None and result.gun is None:
            members[result.wave].append(result.bib)
    return members


def _several_guns_message(bibs: Sequence[str], guns: GunTable) -> str:
    times = listing([format_time_of_day(line.time) for line in guns.unassigned], "at")
    return (
        f"{len(bibs)} runners have no wave and {len(guns.unassigned)} guns were fired "
        f"({times}): their gun time is unknown until fixed ({listing(bibs)}). If the race "
        "started in waves, list one wave per gun in Results setup and give the runners their "
        "wave: a bib range per wave, a wave column in the participant file, or 'change wave' "
        "one by one. If it started with one gun, choose that gun for the race in Results "
        "setup (the other lines were test shots)."
    )


def wave_problems(results: Iterable[Result], guns: GunTable) -> list[Problem]:
    found = []
    lines_named = False
    for wave, bibs in sorted(_by_wave(results).items()):
        if wave == "" and guns.several_guns:
            found.append(Problem("no-wave", _several_guns_message(bibs, guns), bibs=tuple(bibs)))
            lines_named = True  # its message names the lines: not each again
            continue
        if wave == "" and len(guns.guns) > 1:
            waves = ", ".join(sorted(guns.guns))
            message = (
                f"{len(bibs)} runners have no wave and the race has {len(guns.guns)} waves "
                f"({waves}): their gun time is unknown until fixed ({listing(bibs)}). Give "
                "them a wave in the participant file, with a bib range in the wave setup, or "
                "one by one with 'change wave'."
            )
            kind = "no-wave"
        elif wave not in guns.guns:
            message = (
                f"{_wave_name(wave).capitalize()} of {listing(bibs)} is not in the wave setup: "
                "their gun time is unknown. Add the wave to the setup, or move them to "
                "another wave with 'change wave'."
            )
            kind = "unknown-wave"
        else:
            message = _no_gun_message(wave, bibs, guns)
            kind = "wave-without-gun"
        found.append(Problem(kind, message, bibs=tuple(bibs), waves=(wave,)))
    return found if lines_named else found + _line_problems(guns)


def _no_gun_message(wave: str, bibs: Sequence[str], guns: GunTable) -> str:
    if wave in guns.missing_lines:
        why = f"the gun line chosen for it (id {guns.missing_lines[wave]}) does not exist"
    else:
        why = "no gun line is left for it and it has no manual gun"
    return (
        f"{_wave_name(wave).capitalize()} has no gun time ({why}): the gun times of its "
        f"{len(bibs)} runners are unknown and they cannot be ranked by gun time "
        f"({listing(bibs)}). Assign a guntime line to the wave or set its gun by hand."
    )


def _line_problems(guns: GunTable) -> list[Problem]:
    return [
        Problem(
            "unassigned-gun-line",
            f"The guntime line at {format_time_of_day(line.time)} "
            f"({line.location or 'no location'}) starts no wave. If a wave started then, "
            "assign the line to it (or add the wave); if it was a test shot, nothing to do.",
            points=(line.location,) if line.location else (),
        )
        for line in guns.unassigned
    ]


def course_problems(results: Iterable[Result], entrants: Mapping[str, Entrant]) -> list[Problem]:
    unknown: defaultdict[str, list[str]] = defaultdict(list)
    for result in results:
        if result.course is None:
            unknown[entrants[result.bib].course].append(result.bib)
    found = []
    for name, bibs in sorted(unknown.items()):
        what = "have no course" if name == "" else f"run course {name!r}, which is not set up"
        found.append(Problem(
            "no-course",
            f"{listing(bibs).capitalize()} {what}: they are not timed. Give them a course in "
            "the participant file or with 'change course', or add the course to the setup.",
            bibs=tuple(bibs),
        ))  # fmt: skip
    return found


FLAG_ADVICE = {
    NO_START_READ: (
        "have a finish but no read at the start: their chip time is their gun time",
        "If you know when they started, enter a manual start time; otherwise nothing to do.",
    ),
    SPLIT_AFTER_FINISH: (
        "have a split read after their finish",
        "The clocks of that point and the finish may disagree (compare them), or the finish "
        "read is wrong: ignore the wrong read or enter a manual time.",
    ),
    SPLIT_BEFORE_START: (
        "were read at a split between their gun and their own start",
        "The clock of that point is probably behind the start's: compare the clocks; the "
        "early reads are not used as splits.",
    ),
    SPLIT_OUT_OF_ORDER: (
        "have splits whose times run backwards along the course",
        "The clocks of those points disagree: compare them, and ignore or correct the wrong reads.",
    ),
}


def flag_problems(results: Iterable[Result]) -> list[Problem]:
    """Per course and flag, the runners whose result carries it (held results one by one)."""
    flagged: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    held = []
    for result in results:
        for flag in result.flags:
            if flag in FLAG_ADVICE and result.course is not None:
                flagged[(result.course, flag)].append(result.bib)
        if HELD_FASTER_THAN_RECORD in result.flags:
            held.append(result)
    found = []
    for (course, flag), bibs in sorted(flagged.items()):
        what, fix = FLAG_ADVICE[flag]
        found.append(Problem(
            flag,
            f"{len(bibs)} runner{'s' if len(bibs) > 1 else ''} on {course} {what} "
            f"({listing(bibs)}). {fix}",
            bibs=tuple(bibs),
        ))  # fmt: skip
    return found + [_held_problem(result) for result in held]


def _held_problem(result: Result) -> Problem:
    time = "?" if result.chip_time is None else format_elapsed(result.chip_time)
    return Problem(
        HELD_FASTER_THAN_RECORD,
        f"Bib {result.bib} finished {result.course} in {time}, faster than the course record: "
        "held for review, not placed. Check the finish read (ignore it if it is stray) or "
        "enter the right time; if the time is right, confirm the result.",
        bibs=(result.bib,),
    )


def manual_time_problems(
    results: Iterable[Result], setup: Setup, corrections: CorrectionBook
) -> list[Problem]:
    """Manual times at a point the runner's course does not have are not used: say so."""
    found = []
    for result in results:
        course = None if result.course is None else setup.course(result.course)
        if course is None:
            continue
        for point in sorted(set(corrections.manual_times(result.bib)) - set(course.point_names)):
            found.append(Problem(
                "manual-time-off-course",
                f"Bib {result.bib} has a manual time at {point}, which is not a point of "
                f"course {course.name}: it is not used. Undo it and enter it at the right "
                "point, or change the runner's course.",
                bibs=(result.bib,), points=(point,),
            ))  # fmt: skip
    return found


def _target_missing(
    c: Correction, setup: Setup, bibs: Container[str], waves: Container[str]
) -> str:
    """What a correction points at that does not exist ("" when all is there)."""
    if isinstance(c, MoveGun):
        return "" if c.wave in waves else f"wave {c.wave!r}"
    if isinstance(c, CloseCourse):
        return "" if setup.course(c.course) is not None else f"course {c.course!r}"
    if isinstance(c, IgnoreRead):
        return ""  # a read of any tag may be ignored, a stray tag's too
    return "" if c.bib in bibs else f"bib {c.bib}"


def correction_problems(
    setup: Setup, entrants: Sequence[Entrant], guns: GunTable, corrections: CorrectionBook
) -> list[Problem]:
    """Corrections for a bib, wave or course that is not there do nothing: say so."""
    bibs = {e.bib for e in entrants}
    found = []
    for c in corrections:
        missing = _target_missing(c, setup, bibs, guns.guns)
        if missing:
            found.append(Problem(
                "correction-without-target",
                f"Correction {c.id} ({type(c).__name__}) is for {missing}, which is not in "
                "this event: it does nothing. Undo it, or add what it is for.",
            ))  # fmt: skip
    return found


def all_problems(
    setup: Setup,
    entrants: Sequence[Entrant],
    results: Sequence[Result],
    guns: GunTable,
    tags_unknown: Mapping[str, Mapping[str, int]],
    corrections: CorrectionBook,
) -> list[Problem]:
    """Every problem, setup first: the ones that affect many runners come first."""
    by_bib = {e.bib: e for e in reversed(entrants)}  # the first of duplicates, as timed
    return [
        *duplicate_entrants(entrants),
        *course_problems(results, by_bib),
        *wave_problems(results, guns),
        *unknown_tags(tags_unknown),
        *flag_problems(results),
        *manual_time_problems(results, setup, corrections),
        *correction_problems(setup, entrants, guns, corrections),
    ]
