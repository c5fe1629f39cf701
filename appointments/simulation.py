"""Peak hours in a service centre's hall: the peak-hour plan (应急预案) and a queue simulator.

Halls overflow at peaks. A centre's plan says, as data, when it is in trouble (the estimated wait
or the number of waiting residents above a threshold) and what then happens: the manager is asked
to open reserve counters and, if the day's queue will not clear by closing, to extend the hours;
waiting residents are told which items they can finish online and which nearby centres are less
busy. `plan_check` is that decision, kept pure so that the live queue and this simulator use the
same one. `simulate_day` replays a day of arrivals with and without a plan, so that thresholds
can be chosen on figures rather than on feel. Plain Python: no models, no database.

Times are minutes since midnight. Every random draw comes from the `seed`, so a day is repeatable.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from dataclasses import dataclass
from enum import StrEnum

SLOT_MINUTES = 30  # an appointment books a 30-minute slot
CHECK_IN_OPENS_BEFORE, CHECK_IN_CLOSES_AFTER = 30, 15  # minutes around the slot start: appointments.models
GOAL_P90_WAIT = 15  # 不久等: nine residents in ten called within 15 minutes

# Assumptions of `realistic_peak_day`, not measurements (see its docstring): to be replaced by the
# live queue's ticket times once `appointments` records them.
AFTERNOON_PEAK = (14 * 60, 15 * 60)
AFTERNOON_SHARE = 0.15  # of walk-ins; smaller than the morning's
LUNCH = (12 * 60, 13 * 60 + 30)  # the hall stays open (午间不打烊) but fewer people come
LUNCH_WEIGHT = 0.5
APPOINTMENT_SHARE = 0.2
PRIORITY_SHARE = 0.1  # aged 70+, disabled, pregnant: the 优先 lane; much more and it stops being one
APPOINTMENT_EARLY, APPOINTMENT_LATE = 10, 15  # residents with a booking come 10 min early to 15 min late


class ArrivalKind(StrEnum):
    APPOINTMENT = "appointment"
    WALK_IN = "walk_in"


@dataclass(frozen=True)
class Arrival:
    """A resident taking a ticket: when, how (booked or not), and whether he may skip the line."""

    minute: float
    kind: ArrivalKind
    priority: bool = False  # elderly, disabled, pregnant
    slot_minute: int | None = None  # start of the booked slot; appointments only

    def __post_init__(self) -> None:
        if (self.kind is ArrivalKind.APPOINTMENT) != (self.slot_minute is not None):
            raise ValueError("an appointment has a slot and a walk-in has none")


def call_order(arrival: Arrival) -> tuple[int, float]:
    """Who is called first, smallest first: the rule of appointments/priority.py, in minutes and
    without the database (keep the two in step). The level is fixed when the ticket is issued:
    0 for a resident checking in for his appointment at its time (30 minutes before his slot to 15
    after it starts), 1 for the elderly and the disabled, 2 for everyone else; within a level,
    arrival order. The live rule puts the elderly before the disabled; here they share a lane, a
    difference the hall's waits would not show."""
    slot = arrival.slot_minute
    if slot is not None and slot - CHECK_IN_OPENS_BEFORE <= arrival.minute <= slot + CHECK_IN_CLOSES_AFTER:
        return (0, arrival.minute)
    return (1 if arrival.priority else 2, arrival.minute)


@dataclass(frozen=True)
class ServiceTime:
    """Minutes a counter spends on one resident: lognormal, clipped to [minimum, maximum].

    Lognormal because most affairs are short (a certificate collected, an address changed) and a
    few are long (a first 低保 application with the household's income): a long right tail and no
    negative times. Mean 9 min with sigma 0.6 gives a median of 7.5 min and one resident in twenty
    over 20 min; assumed, not measured, like the arrivals.
    """

    mean: float = 9.0
    sigma: float = 0.6
    minimum: float = 1.0
    maximum: float = 60.0

    def draw(self, rng: random.Random) -> float:
        mu = math.log(self.mean) - self.sigma**2 / 2  # so that the mean is `mean`, not the median
        return min(self.maximum, max(self.minimum, rng.lognormvariate(mu, self.sigma)))


# --- the plan --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeakPlan:
    """A centre's peak-hour plan (应急预案): thresholds and the size of each response."""

    max_wait_minutes: int
    max_waiting: int
    extra_counters: int  # reserve counters the manager can open
    online_share: float  # of waiting walk-ins, those whose item is online and who take the advice
    redirect_share: float  # of waiting walk-ins, those who go to a nearby centre with a shorter wait
    cooldown_minutes: int  # no new firing within this time of the last one
    extend_minutes: int  # added to the day when the queue would not clear by closing

    def __post_init__(self) -> None:
        counts = (self.max_wait_minutes, self.max_waiting, self.extra_counters, self.cooldown_minutes)
        if min(*counts, self.extend_minutes) < 0:
            raise ValueError("thresholds, counters and minutes cannot be negative")
        if not (self.online_share >= 0 and self.redirect_share >= 0 and self.online_share + self.redirect_share <= 1):
            raise ValueError("online_share and redirect_share are shares of one resident: each ≥ 0, together ≤ 1")


class PlanAction(StrEnum):
    OPEN_COUNTERS = "open_counters"  # to the centre manager
    EXTEND_HOURS = "extend_hours"  # to the centre manager
    ADVISE_ONLINE = "advise_online"  # to waiting residents whose item can be done online
    REDIRECT = "redirect"  # to waiting residents: nearby centres with a shorter wait


class Measure(StrEnum):
    ESTIMATED_WAIT = "estimated_wait"  # threshold: max_wait_minutes
    WAITING = "waiting"  # threshold: max_waiting
    CLEARS_AT = "clears_at"  # the minute the queue would clear; threshold: the closing minute


@dataclass(frozen=True)
class Breach:
    """One threshold exceeded, with the numbers, so that the live service can word it in Chinese."""

    measure: Measure
    value: float
    threshold: int

    def __str__(self) -> str:
        if self.measure is Measure.ESTIMATED_WAIT:
            shown = f"{math.ceil(self.value)} min" if math.isfinite(self.value) else "endless (no counter open)"
            return f"estimated wait {shown} > {self.threshold} min"  # rounded up, as the hall shows it
        if self.measure is Measure.WAITING:
            return f"{self.value:.0f} residents waiting > {self.threshold}"
        return f"queue clears at {clock(self.value)}, after closing at {clock(self.threshold)}"


def clock(minute: float) -> str:
    """hh:mm of a minute since midnight, rounded up: a queue clearing at 17:00.4 is not done at 17:00."""
    return f"{math.ceil(minute) // 60:02d}:{math.ceil(minute) % 60:02d}" if math.isfinite(minute) else "never"


@dataclass(frozen=True)
class PlanFiring:
    """What the plan asks for at `minute`, and why (`cause`, for the manager's log)."""

    minute: int
    breaches: tuple[Breach, ...]
    actions: tuple[PlanAction, ...]
    extra_counters: int
    extend_minutes: int

    @property
    def cause(self) -> str:
        return "; ".join(str(breach) for breach in self.breaches)


def wait_estimate(*, waiting: int, counters: int, mean_service: float) -> float:
    """The wait a resident taking a ticket now would be shown: the residents ahead of him shared
    among the open counters. Crude, but it is the figure the hall displays and residents act on."""
    if waiting == 0:
        return 0.0
    return waiting * mean_service / counters if counters > 0 else math.inf


def plan_check(
    *,
    plan: PeakPlan,
    estimated_wait: float,
    waiting: int,
    now_minute: int,
    last_fired_minute: int | None,
    closing_minute: int | None = None,
) -> PlanFiring | None:
    """Whether the plan fires now, why, and what it asks for; None when all is well.

    The wait and waiting thresholds fire when strictly exceeded, and not again within the
    cooldown: a resident told twice in ten minutes to go online stops reading. Pass
    `closing_minute` while the day can still be extended (the simulator: until it has been, once):
    when the queue would not clear by then, the plan asks for the extension, even in the
    cooldown (later would be too late) and even when the hall is otherwise calm, in which case it
    asks for nothing else.
    """
    cooling = last_fired_minute is not None and now_minute - last_fired_minute < plan.cooldown_minutes
    breaches = []
    if not cooling and estimated_wait > plan.max_wait_minutes:
        breaches.append(Breach(Measure.ESTIMATED_WAIT, estimated_wait, plan.max_wait_minutes))
    if not cooling and waiting > plan.max_waiting:
        breaches.append(Breach(Measure.WAITING, waiting, plan.max_waiting))
    overloaded = bool(breaches)
    late = False
    if closing_minute is not None and plan.extend_minutes > 0 and now_minute + estimated_wait > closing_minute:
        late = True
        breaches.append(Breach(Measure.CLEARS_AT, now_minute + estimated_wait, closing_minute))
    if not breaches:
        return None
    wanted = {
        PlanAction.OPEN_COUNTERS: overloaded and plan.extra_counters > 0,
        PlanAction.EXTEND_HOURS: late,
        PlanAction.ADVISE_ONLINE: overloaded and plan.online_share > 0,
        PlanAction.REDIRECT: overloaded and plan.redirect_share > 0,
    }
    actions = tuple(action for action, yes in wanted.items() if yes)
    return PlanFiring(now_minute, tuple(breaches), actions, plan.extra_counters, plan.extend_minutes)


# --- the simulator ---------------------------------------------------------------------------------


class Ending(StrEnum):
    SERVED = "served"  # called to a counter
    ADVISED_ONLINE = "advised_online"  # left to finish online: not served here
    REDIRECTED = "redirected"  # left for a nearby centre: its wait is not modelled here
    UNSERVED = "unserved"  # still waiting when the hall closed


@dataclass(frozen=True)
class Outcome:
    arrival: Arrival
    ending: Ending
    minute: float  # called, left, or sent home at closing
    wait: float  # from the later of arrival, opening and (for a booking) the slot start; ≥ 0


@dataclass(frozen=True)
class HourlyWait:
    hour: int  # the hour residents became due (arrived, or their slot began)
    residents: int
    average_wait: float
    p90_wait: float


@dataclass(frozen=True)
class DayReport:
    """The day as the manager would read it. Waits cover the residents served here and those still
    waiting at closing (their wait until then); those who left on the plan's advice are counted
    apart, neither served nor in the waits."""

    arrivals: int
    served: int
    advised_online: int
    redirected: int
    unserved: int
    average_wait: float
    p90_wait: float
    max_wait: float
    hourly: tuple[HourlyWait, ...]
    firings: tuple[PlanFiring, ...]
    counters_over_time: tuple[tuple[float, int], ...]  # (minute, counters staffed) at each change
    counter_hours: float
    closing_minute: int  # after any extension
    outcomes: tuple[Outcome, ...]


def nearest_rank(ordered: list[float], share: float) -> float:
    """Percentile by nearest rank (bench/README.md): always a real observation, never interpolated."""
    return ordered[max(0, math.ceil(share * len(ordered) - 1e-9) - 1)] if ordered else 0.0


def due_minute(arrival: Arrival, *, opening: int) -> float:
    """From when a resident's wait counts: his arrival, but not before the hall opens, nor, for a
    booking, before his slot begins (coming early is his choice, not the hall's delay)."""
    return max(arrival.minute, opening, arrival.slot_minute or 0)


def simulate_day(
    *,
    arrivals: list[Arrival],
    counters: int,
    service_minutes: ServiceTime,
    opening: tuple[int, int],
    plan: PeakPlan | None,
    seed: int,
    reserve_delay_minutes: int = 10,
) -> DayReport:
    """Replay one day of arrivals at a hall with `counters` staffed from opening to closing.

    With a plan, it is checked once a minute; a firing opens the plan's reserve counters after
    `reserve_delay_minutes` (a clerk has to come from the back office; a reserve counter closes
    again when it is idle and nobody waits), advises the waiting walk-ins (with probability
    `online_share` one leaves to finish online, with `redirect_share` for a nearby centre; booked
    residents are not advised), and extends the day once. At closing the counters finish the
    resident in front of them and call no one else; after the normal closing a counter with nobody
    waiting closes.

    Each resident's service time and inclination to take advice are drawn in input order before
    the day starts, so that a day replayed with and without a plan differs by the plan alone.
    """
    if counters < 1 or opening[0] >= opening[1]:
        raise ValueError("a hall needs at least one counter and an opening before its closing")
    if any(arrival.minute >= opening[1] for arrival in arrivals):
        raise ValueError("an arrival at or after closing: the ticket machine is off")
    return _Day(arrivals, counters, service_minutes, opening, plan, seed, reserve_delay_minutes).run()


_DEPART, _OPEN, _ARRIVE, _RESERVE, _CHECK, _CLOSE = range(6)  # order of events at the same minute


@dataclass
class _Counter:
    reserve: bool
    opened_at: float | None = None  # None while closed
    serving: int | None = None
    staffed_minutes: float = 0.0


class _Day:
    def __init__(
        self,
        arrivals: list[Arrival],
        counters: int,
        service: ServiceTime,
        opening: tuple[int, int],
        plan: PeakPlan | None,
        seed: int,
        reserve_delay: int,
    ) -> None:
        rng = random.Random(seed)  # noqa: S311 - a repeatable simulation, not a secret
        self.service = [service.draw(rng) for _ in arrivals]
        self.take_up = [rng.random() for _ in arrivals]
        self.arrivals, self.plan = arrivals, plan
        self.mean_service, self.reserve_delay = service.mean, reserve_delay
        self.opening, self.normal_closing = opening
        self.closing = opening[1]
        reserves = plan.extra_counters if plan else 0
        self.counters = [_Counter(reserve=False) for _ in range(counters)] + [_Counter(True) for _ in range(reserves)]
        self.order = [(*call_order(arrival), index) for index, arrival in enumerate(arrivals)]
        self.waiting: list[int] = []
        self.outcomes: dict[int, Outcome] = {}
        self.firings: list[PlanFiring] = []
        self.timeline: list[tuple[float, int]] = []
        self.extended = self.reserve_pending = self.calls_stopped = False
        self.events: list[tuple[float, int, int, int]] = []
        self.sequence = itertools.count()

    def push(self, minute: float, kind: int, payload: int = 0) -> None:
        heapq.heappush(self.events, (minute, kind, next(self.sequence), payload))

    def run(self) -> DayReport:
        for index, arrival in enumerate(self.arrivals):
            self.push(arrival.minute, _ARRIVE, index)
        self.push(self.opening, _OPEN)
        self.push(self.normal_closing, _CLOSE)
        if self.plan:
            self.push(self.opening, _CHECK)
        while self.events:
            now, kind, _, payload = heapq.heappop(self.events)
            if kind == _DEPART:
                self.counters[payload].serving = None
            elif kind == _OPEN:
                self.staff([counter for counter in self.counters if not counter.reserve], now)
            elif kind == _ARRIVE:
                self.waiting.append(payload)
            elif kind == _RESERVE:
                self.reserve_pending = False
                self.staff([c for c in self.counters if c.reserve and c.opened_at is None], now)
            elif kind == _CHECK:
                self.check(now)
            elif kind == _CLOSE:
                self.close(now)
            self.call(now)
            self.release_idle(now)
        return self.report()

    def end(self, index: int, ending: Ending, now: float) -> None:
        due = due_minute(self.arrivals[index], opening=self.opening)
        self.outcomes[index] = Outcome(self.arrivals[index], ending, now, max(0.0, now - due))

    def staffed(self) -> int:
        return sum(counter.opened_at is not None for counter in self.counters)

    def staff(self, counters: list[_Counter], now: float) -> None:
        for counter in counters:
            counter.opened_at = now
        self.timeline.append((now, self.staffed()))

    def call(self, now: float) -> None:
        if self.calls_stopped:
            return
        for number, counter in enumerate(self.counters):
            if not self.waiting:
                return
            if counter.opened_at is not None and counter.serving is None:
                index = min(self.waiting, key=self.order.__getitem__)
                self.waiting.remove(index)
                self.end(index, Ending.SERVED, now)
                counter.serving = index
                self.push(now + self.service[index], _DEPART, number)

    def release_idle(self, now: float) -> None:
        """Reserve clerks go back when nobody waits; after closing, every clerk does."""
        after_hours = self.calls_stopped or now >= self.normal_closing
        idle = [c for c in self.counters if c.opened_at is not None and c.serving is None]
        leaving = [c for c in idle if self.calls_stopped or (not self.waiting and (c.reserve or after_hours))]
        for counter in leaving:
            counter.staffed_minutes += now - (counter.opened_at or now)
            counter.opened_at = None
        if leaving:
            self.timeline.append((now, self.staffed()))

    def check(self, now: float) -> None:
        assert self.plan is not None
        estimate = wait_estimate(waiting=len(self.waiting), counters=self.staffed(), mean_service=self.mean_service)
        firing = plan_check(
            plan=self.plan,
            estimated_wait=estimate,
            waiting=len(self.waiting),
            now_minute=int(now),
            last_fired_minute=self.firings[-1].minute if self.firings else None,
            closing_minute=None if self.extended else self.closing,
        )
        if firing:
            self.fire(firing, now)
        if now + 1 < self.closing:
            self.push(now + 1, _CHECK)

    def fire(self, firing: PlanFiring, now: float) -> None:
        assert self.plan is not None
        self.firings.append(firing)
        closed_reserves = any(c.reserve and c.opened_at is None for c in self.counters)
        if PlanAction.OPEN_COUNTERS in firing.actions and closed_reserves and not self.reserve_pending:
            self.reserve_pending = True
            self.push(now + self.reserve_delay, _RESERVE)
        if PlanAction.EXTEND_HOURS in firing.actions:
            self.extended, self.closing = True, self.closing + firing.extend_minutes
        online = self.plan.online_share if PlanAction.ADVISE_ONLINE in firing.actions else 0.0
        redirect = self.plan.redirect_share if PlanAction.REDIRECT in firing.actions else 0.0
        # Inclinations were drawn before the day: whoever declined the advice declines it again, so
        # a later firing moves only residents who came since.
        for index in list(self.waiting):
            inclination = self.take_up[index]
            if self.arrivals[index].kind is ArrivalKind.WALK_IN and inclination < online + redirect:
                self.waiting.remove(index)
                self.end(index, Ending.ADVISED_ONLINE if inclination < online else Ending.REDIRECTED, now)

    def close(self, now: float) -> None:
        if now < self.closing:  # the plan extended the day
            self.push(self.closing, _CLOSE)
            return
        self.calls_stopped = True
        for index in self.waiting:
            self.end(index, Ending.UNSERVED, now)
        self.waiting = []

    def report(self) -> DayReport:
        outcomes = tuple(self.outcomes[index] for index in range(len(self.arrivals)))
        endings = [outcome.ending for outcome in outcomes]
        waited = [o for o in outcomes if o.ending in (Ending.SERVED, Ending.UNSERVED)]
        waits = sorted(outcome.wait for outcome in waited)
        by_hour: dict[int, list[float]] = {}
        for outcome in waited:
            by_hour.setdefault(int(due_minute(outcome.arrival, opening=self.opening) // 60), []).append(outcome.wait)
        hourly = [
            HourlyWait(hour, len(hour_waits), sum(hour_waits) / len(hour_waits), nearest_rank(sorted(hour_waits), 0.9))
            for hour, hour_waits in sorted(by_hour.items())
        ]
        changes: list[tuple[float, int]] = []
        for minute, staffed in self.timeline:
            if changes and changes[-1][0] == minute:
                changes.pop()  # several changes in one minute: the last one stands
            if not changes or changes[-1][1] != staffed:
                changes.append((minute, staffed))
        return DayReport(
            arrivals=len(outcomes),
            served=endings.count(Ending.SERVED),
            advised_online=endings.count(Ending.ADVISED_ONLINE),
            redirected=endings.count(Ending.REDIRECTED),
            unserved=endings.count(Ending.UNSERVED),
            average_wait=sum(waits) / len(waits) if waits else 0.0,
            p90_wait=nearest_rank(waits, 0.9),
            max_wait=waits[-1] if waits else 0.0,
            hourly=tuple(hourly),
            firings=tuple(self.firings),
            counters_over_time=tuple(changes),
            counter_hours=sum(counter.staffed_minutes for counter in self.counters) / 60,
            closing_minute=self.closing,
            outcomes=outcomes,
        )


# --- a day of arrivals -----------------------------------------------------------------------------


def realistic_peak_day(
    *,
    seed: int,
    day_total: int = 400,
    morning_peak: tuple[int, int] = (9 * 60, 10 * 60 + 30),
    peak_share: float = 0.35,
    opening: tuple[int, int] = (9 * 60, 17 * 60),
) -> list[Arrival]:
    """A busy day at a district centre, open 09:00-17:00 through lunch, sorted by arrival.

    Where the numbers come from: not from measurement. We have no ticket data yet, so each number
    below is a judgement, stated here so that it can be argued with and, once the live queue records
    ticket times, replaced by them:

    - `day_total` residents, of whom `APPOINTMENT_SHARE` (20 %) booked. Bookings fall evenly on the
      30-minute slots of the day (the booking channel offers the same quota in every slot) and the
      resident comes 10 minutes early to 15 minutes late.
    - Walk-ins follow an inhomogeneous Poisson process conditioned on their number: `peak_share`
      (35 %) of them in the morning peak (we guess: retirees early, people on their way to work),
      `AFTERNOON_SHARE` (15 %) between 14:00 and 15:00, the rest spread over the other open
      minutes, at half the rate over lunch (12:00-13:30). Conditioning on the count keeps days
      comparable; given the count, the times are those of the process.
    - Service times are not drawn here but by `simulate_day` (`ServiceTime`, mean 9 minutes).
    - `PRIORITY_SHARE` (10 %) of residents use the priority lane.
    """
    rng = random.Random(seed)  # noqa: S311 - a repeatable day, not a secret
    open_at, close_at = opening
    peaks = sorted([(morning_peak, peak_share), (AFTERNOON_PEAK, AFTERNOON_SHARE)])
    (first, _), (second, _) = peaks
    if not (open_at <= first[0] < first[1] <= second[0] < second[1] <= close_at):
        raise ValueError("the peaks must lie within opening hours and not overlap")
    if not (peak_share >= 0 and peak_share + AFTERNOON_SHARE < 1 and day_total >= 0):
        raise ValueError("peak_share must leave some walk-ins outside the peaks")
    minutes = list(range(open_at, close_at))
    weights = [LUNCH_WEIGHT if LUNCH[0] <= minute < LUNCH[1] else 1.0 for minute in minutes]
    off_peak = [minute for minute in minutes if not any(start <= minute < end for (start, end), _ in peaks)]
    off_peak_weight = sum(weights[minute - open_at] for minute in off_peak)
    for minute in off_peak:
        weights[minute - open_at] *= (1 - peak_share - AFTERNOON_SHARE) / off_peak_weight
    for (start, end), share in peaks:
        for minute in range(start, end):
            weights[minute - open_at] = share / (end - start)
    bookings = round(day_total * APPOINTMENT_SHARE)
    walk_in_minutes = rng.choices(minutes, weights, k=day_total - bookings)
    arrivals = [
        Arrival(minute + rng.random(), ArrivalKind.WALK_IN, rng.random() < PRIORITY_SHARE) for minute in walk_in_minutes
    ]
    slots = list(range(open_at, close_at - SLOT_MINUTES + 1, SLOT_MINUTES))
    for slot in rng.choices(slots, k=bookings):
        comes = min(close_at - 1.0, slot + rng.uniform(-APPOINTMENT_EARLY, APPOINTMENT_LATE))
        arrivals.append(Arrival(comes, ArrivalKind.APPOINTMENT, rng.random() < PRIORITY_SHARE, slot))
    return sorted(arrivals, key=lambda arrival: arrival.minute)
