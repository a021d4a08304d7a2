"""95% intervals for the numbers of an evaluation, and the rule that turns an interval into a decision.

    wilson(12, 50)                          -> (0.142, 0.374)   a rate of 24% rests on 50 replies
    mean_interval([31, 40, 28, ...])        -> (33.0, 29.1, 36.9)   mean reply tokens and its t-interval
    paired_difference(adapter, base)        -> Difference(mean=-0.02, low=-0.08, high=0.04, items=40, sd=0.2)
    decide_difference(diff, threshold=0.02, higher_is_better=True) -> Decision("inconclusive", "...")

A rate is a share of replies; with 50 replies its interval is about ±13 points, so two rates 10 points
apart can still be the same behaviour. The verdict therefore compares intervals, not points: a check
passes only when the whole interval is on the good side of its threshold, fails only when the whole
interval is on the bad side, and otherwise says "inconclusive" (and, when the interval is wider than the
threshold, how many items would make it narrow enough). Wilson's score interval is used for shares
because it stays inside 0..1 and is sensible at 0% and 100%, where the textbook ±1.96·SE interval
collapses to a point. Paired differences (the same items answered by two models) use a t-interval of
the per-item differences, which is what removes the between-item variation from the comparison.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

Z95 = 1.959963984540054
Status = Literal["pass", "fail", "inconclusive"]


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson's score interval of a share; None when nothing was counted."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # Rounding keeps 0/n's lower bound at exactly 0 rather than -1e-17.
    return max(0.0, round(centre - half, 12)), min(1.0, round(centre + half, 12))


def share(values: Sequence[bool | None]) -> dict[str, Any]:
    """{value, low, high, successes, n} of the True among the values that apply (None left out)."""
    counted = [bool(v) for v in values if v is not None]
    interval = wilson(sum(counted), len(counted))
    if interval is None:
        return {"value": None, "low": None, "high": None, "successes": 0, "n": 0}
    return {
        "value": sum(counted) / len(counted),
        "low": interval[0],
        "high": interval[1],
        "successes": sum(counted),
        "n": len(counted),
    }


def average(values: Sequence[float | int | None]) -> dict[str, Any]:
    """{value, low, high, n}: the mean of the values that apply with its t-interval."""
    found = mean_interval(values)
    n = sum(1 for v in values if v is not None)
    if found is None:
        return {"value": None, "low": None, "high": None, "n": 0}
    return {"value": found[0], "low": found[1], "high": found[2], "n": n}


def t_quantile(df: int) -> float:
    """The two-sided 95% quantile of Student's t (Cornish-Fisher expansion; within 0.3% from df=3)."""
    if df <= 0:
        return math.inf
    exact = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776}
    if df in exact:
        return exact[df]
    z = Z95
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


def mean_interval(values: Sequence[float | int | None]) -> tuple[float, float, float] | None:
    """(mean, low, high): the mean and its 95% t-interval; None without values."""
    counted = [float(v) for v in values if v is not None]
    if not counted:
        return None
    mean = statistics.fmean(counted)
    if len(counted) < 2:
        return mean, mean, mean
    half = t_quantile(len(counted) - 1) * statistics.stdev(counted) / math.sqrt(len(counted))
    return mean, mean - half, mean + half


@dataclass(frozen=True)
class Difference:
    """The mean of (a - b) over paired items, with its 95% interval and the spread of the differences."""

    mean: float
    low: float
    high: float
    items: int
    sd: float

    @property
    def width(self) -> float:
        return self.high - self.low

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def paired_difference(a: Sequence[float], b: Sequence[float]) -> Difference | None:
    """a - b item by item (the same items, in the same order); None with fewer than two pairs."""
    if len(a) != len(b):
        raise ValueError(
            f"A paired comparison needs the same items on both sides; got {len(a)} and {len(b)}."
        )
    diffs = [float(x) - float(y) for x, y in zip(a, b, strict=True)]
    if len(diffs) < 2:
        return None
    mean = statistics.fmean(diffs)
    sd = statistics.stdev(diffs)
    half = t_quantile(len(diffs) - 1) * sd / math.sqrt(len(diffs))
    return Difference(mean, mean - half, mean + half, len(diffs), sd)


def independent_difference(k1: int, n1: int, k2: int, n2: int) -> Difference | None:
    """p1 - p2 for two separate samples (Newcombe's hybrid score interval, from the two Wilson intervals)."""
    first, second = wilson(k1, n1), wilson(k2, n2)
    if first is None or second is None:
        return None
    p1, p2 = k1 / n1, k2 / n2
    below = math.sqrt((p1 - first[0]) ** 2 + (second[1] - p2) ** 2)
    above = math.sqrt((first[1] - p1) ** 2 + (p2 - second[0]) ** 2)
    # An equivalent per-item spread, so that items_needed() can be asked of this difference too.
    sd = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return Difference(p1 - p2, p1 - p2 - below, p1 - p2 + above, min(n1, n2), sd)


def items_needed(sd: float, width: float) -> int:
    """Items that would make a 95% interval of per-item spread `sd` no wider than `width` (in total)."""
    if width <= 0:
        return 0
    # A share that never varied still has unknown spread; assume the worst case of a coin flip.
    spread = sd if sd > 0 else 0.5
    return math.ceil((2 * Z95 * spread / width) ** 2)


@dataclass(frozen=True)
class Decision:
    status: Status
    why: str


def decide_difference(
    diff: Difference, threshold: float, *, higher_is_better: bool, unit: float = 100
) -> Decision:
    """Pass only when the whole interval clears the threshold, fail only when the whole interval misses it.

    For higher-is-better numbers the bar is "not worse than -threshold": pass when low >= -threshold, fail
    when high < -threshold. For lower-is-better ones it is "not above +threshold". `unit` scales the
    numbers for the words (100: shares shown as points).
    """
    bar = -threshold if higher_is_better else threshold
    low, high = diff.low, diff.high
    if higher_is_better:
        passed, failed = low >= bar - 1e-12, high < bar - 1e-12
    else:
        passed, failed = high <= bar + 1e-12, low > bar + 1e-12
    shown = f"{_points(diff.mean, unit)} ({_points(low, unit)} to {_points(high, unit)})"
    if passed:
        return Decision(
            "pass", f"difference {shown}: the whole interval is on the good side of {_points(bar, unit)}"
        )
    if failed:
        return Decision(
            "fail", f"difference {shown}: the whole interval is on the bad side of {_points(bar, unit)}"
        )
    if diff.width > threshold > 0:
        needed = items_needed(diff.sd, threshold)
        return Decision(
            "inconclusive",
            f"inconclusive: too few items. The difference {shown} rests on {diff.items} items and its "
            f"interval is wider than the {_points(threshold, unit, sign=False)} threshold; about {needed} "
            "items would be needed to decide.",
        )
    return Decision(
        "inconclusive",
        f"inconclusive: the difference {shown} straddles the threshold {_points(bar, unit)}; "
        "it is inside the noise, so it is neither a pass nor a fail.",
    )


def decide_share(
    successes: int, n: int, limit: float, *, at_most: bool, what: str = "items"
) -> tuple[Decision, tuple[float, float] | None]:
    """A share against an absolute limit (0..1): pass or fail only when its Wilson interval is clear of it."""
    interval = wilson(successes, n)
    if interval is None:
        return Decision("inconclusive", f"no {what} were scored"), None
    low, high = interval
    shown = f"{successes} of {n} ({100 * successes / n:.0f}%, interval {100 * low:.0f}–{100 * high:.0f}%)"
    bound = f"{'at most' if at_most else 'at least'} {100 * limit:g}%"
    if (high <= limit + 1e-12) if at_most else (low >= limit - 1e-12):
        return Decision("pass", f"{shown}, needs {bound}"), interval
    if (low > limit + 1e-12) if at_most else (high < limit - 1e-12):
        return Decision("fail", f"{shown}, needs {bound}"), interval
    needed = shares_needed(successes / n, limit, at_most=at_most)
    more = (
        f"; at this rate about {needed} {what} would be needed to show it"
        if needed
        else f"; at this rate no number of {what} would show it"
    )
    return (
        Decision("inconclusive", f"inconclusive: {shown} cannot show {bound} with this many {what}{more}"),
        interval,
    )


def shares_needed(rate: float, limit: float, *, at_most: bool, cap: int = 100_000) -> int | None:
    """About how many items at the observed `rate` would put the Wilson interval clear of `limit`;
    None when the rate itself is on the wrong side of the limit (more items cannot help) or past `cap`."""
    if (rate >= limit) if at_most else (rate <= limit):
        return None
    n = 1
    while n <= cap:
        interval = wilson(round(rate * n), n)
        assert interval is not None
        if (interval[1] <= limit) if at_most else (interval[0] >= limit):
            return n
        n = max(n + 1, int(n * 1.05))
    return None


def _points(value: float, unit: float, sign: bool = True) -> str:
    scaled = value * unit
    if unit == 100:
        return f"{scaled:+.1f} points" if sign else f"{abs(scaled):.1f}-point"
    return f"{scaled:+.2f}" if sign else f"{abs(scaled):.2f}"
