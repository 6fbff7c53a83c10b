"""A synthetic race that knows its own truth (`p88 simulate --race truth`).

A 5K and a 10K on the same mats, three waves, a backup line at the finish, runners the start
mat missed, DNFs, DNSs, unregistered tags, ties to the hundredth, runners crossing mats before
their gun or walking over the finish on the way to the start. The generator decides what
really happens to every runner, makes the reads the mats would make of it, and works out the
exact results row each participant must get by the rules of docs/RESULTS.md, without p88's
results engine (p88.tcp.truth_race.expected), so a replay into p88 can be checked row by row.
"""

from p88.tcp.truth_race.race import MAX_RUNNERS, TruthRace, truth_race

__all__ = ["MAX_RUNNERS", "TruthRace", "truth_race"]
