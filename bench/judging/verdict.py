"""The verdict of a case between David and one opponent: its rounds, forfeits, no contests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.judging.rounds import DRAW, FORFEIT_TEST, NO_CONTEST_TEST, ROUND_JUDGES, Round
from bench.store.records import DAVID, Fight
from bench.wording import capitalise, display_name, plural

# Fair mode: every fighter computes the same function from the same start on the same batches,
# so accuracy and loss are a parity check, not a contest; only what can differ is a round.
ROUNDS = {"fair": ("speed", "memory"), "native": ("accuracy", "loss", "speed", "memory")}
NO_SHOW = ("unsupported", "unavailable")


@dataclass(frozen=True)
class CaseVerdict:
    """The rounds of one case between David and one opponent, and the verdict in one sentence."""

    case: str
    opponent: str
    rounds: list[Round]
    sentence: str


@dataclass(frozen=True)
class Scoreboard:
    """Rounds won by David, won by the opponent, and drawn, over all cases."""

    opponent: str
    david: int
    opponent_wins: int
    draws: int

    def sentence(self) -> str:
        """The whole card in one line."""
        drawn = f"{plural(self.draws, 'round')} drawn"
        them = display_name(self.opponent)
        if self.david > self.opponent_wins:
            return f"David takes the card, {self.david} rounds to {self.opponent_wins} ({drawn})."
        if self.opponent_wins > self.david:
            return f"{them} takes the card, {self.opponent_wins} rounds to {self.david} ({drawn})."
        if self.david:
            return f"An even card: {plural(self.david, 'round')} each ({drawn})."
        return f"No round decided: {drawn}."


def scoreboard(verdicts: Sequence[CaseVerdict], opponent: str) -> Scoreboard:
    """Count the rounds of every verdict against `opponent`."""
    winners = [r.winner for v in verdicts if v.opponent == opponent for r in v.rounds]
    return Scoreboard(opponent, winners.count(DAVID), winners.count(opponent), winners.count(DRAW))


def judge(fights: Sequence[Fight], opponent: str) -> CaseVerdict:
    """Judge the rounds of one case (one fight per seed) between David and `opponent`."""
    if not fights:
        raise ValueError("judge needs at least one fight")
    names = sorted({fight.case_name for fight in fights})
    if len(names) > 1:
        raise ValueError(f"judge judges one case at a time; got fights of {names}")
    fights = sorted(fights, key=lambda fight: fight.seed)
    case, pair = names[0], (DAVID, opponent)
    rounds_of_mode = ROUNDS[fights[0].mode]
    # A fighter that lacks an option or is not installed did not fight: no contest, no forfeit.
    present = [f for f in fights if f.fighters[opponent].status not in NO_SHOW]
    if not present:
        return _uncontested(case, opponent, DRAW, _absence(fights, opponent), rounds_of_mode)
    fights = present
    ok = {name: [fight.fighters[name].ok for fight in fights] for name in pair}

    if not any(ok[DAVID]) and not any(ok[opponent]):
        reason = "; ".join(_absence(fights, name) for name in pair)
        return _uncontested(case, opponent, DRAW, reason, rounds_of_mode)
    for loser, winner in (pair, pair[::-1]):
        if not any(ok[loser]):
            return _uncontested(case, opponent, winner, _absence(fights, loser), rounds_of_mode)

    both_ok = [d and o for d, o in zip(ok[DAVID], ok[opponent], strict=True)]
    compared = [fight for fight, keep in zip(fights, both_ok, strict=True) if keep]
    if not compared:
        reason = "no seed where both fighters finished"
        return _uncontested(case, opponent, DRAW, reason, rounds_of_mode)
    rounds = [ROUND_JUDGES[name](compared, opponent) for name in rounds_of_mode]
    # Wins lead the sentence: they are the news; draws follow.
    parts = [r.sentence for r in rounds if r.winner != DRAW]
    parts += [r.sentence for r in rounds if r.winner == DRAW]
    sentence = capitalise("; ".join(parts))
    if len(compared) < len(fights):
        left_out = ", ".join(
            _seed_problem(fight, pair)
            for fight, keep in zip(fights, both_ok, strict=True)
            if not keep
        )
        sentence += f" ({len(compared)} of {len(fights)} seeds compared; left out: {left_out})"
    return CaseVerdict(case, opponent, rounds, sentence + ".")


def _uncontested(
    case: str, opponent: str, winner: str, reason: str, names: Sequence[str]
) -> CaseVerdict:
    """Every round decided without a fight: by forfeit, or no contest when winner is 'draw'."""
    if winner == DRAW:
        rounds = [Round(n, DRAW, f"{n}: no contest ({reason})", NO_CONTEST_TEST) for n in names]
        return CaseVerdict(case, opponent, rounds, f"No contest: {reason}.")
    who = display_name(winner)
    rounds = [
        Round(n, winner, f"{who} wins on {n} by forfeit: {reason}", FORFEIT_TEST) for n in names
    ]
    return CaseVerdict(case, opponent, rounds, f"{who} wins by forfeit: {reason}.")


def _absence(fights: Sequence[Fight], name: str) -> str:
    """Why a fighter has nothing to compare, naming seeds when the reasons differ."""
    problems = [(fight.seed, fight.fighters[name].why_not_ok()) for fight in fights]
    # "not supported by sklearn: ..." names the fighter already; "diverged at ..." does not.
    who = "" if fights[0].fighters[name].status in NO_SHOW else f"{display_name(name)} "
    if len({problem for _, problem in problems}) == 1:
        return f"{who}{problems[0][1]}"
    return who + ", ".join(f"{p} (seed {seed})" for seed, p in problems)


def _seed_problem(fight: Fight, pair: tuple[str, str]) -> str:
    """Why one seed was left out of the paired comparisons."""
    who = [
        f"{display_name(name)} {fight.fighters[name].why_not_ok()}"
        for name in pair
        if not fight.fighters[name].ok
    ]
    return f"seed {fight.seed}: " + " and ".join(who)
