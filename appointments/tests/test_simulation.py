"""The peak-hour plan and the queue simulator: pure Python, no database."""

from typing import Any

import pytest

from appointments.simulation import (
    Arrival,
    ArrivalKind,
    DayReport,
    Ending,
    PeakPlan,
    PlanAction,
    PlanFiring,
    ServiceTime,
    call_order,
    plan_check,
    realistic_peak_day,
    simulate_day,
    wait_estimate,
)

OPENING = (9 * 60, 17 * 60)
NINE = 9 * 60
TEN_MINUTES_FLAT = ServiceTime(mean=10, sigma=0)  # every resident takes ten minutes: orders become visible
PLAN = PeakPlan(
    max_wait_minutes=20,
    max_waiting=30,
    extra_counters=2,
    online_share=0.15,
    redirect_share=0.10,
    cooldown_minutes=30,
    extend_minutes=60,
)


def walk_in(minute: float, *, priority: bool = False) -> Arrival:
    return Arrival(minute, ArrivalKind.WALK_IN, priority)


def booking(minute: float, *, slot: int) -> Arrival:
    return Arrival(minute, ArrivalKind.APPOINTMENT, slot_minute=slot)


def one_counter_day(arrivals: list[Arrival]) -> list[Arrival]:
    """The residents in the order the only counter called them."""
    report = simulate_day(
        arrivals=arrivals, counters=1, service_minutes=TEN_MINUTES_FLAT, opening=OPENING, plan=None, seed=1
    )
    served = [outcome for outcome in report.outcomes if outcome.ending is Ending.SERVED]
    return [outcome.arrival for outcome in sorted(served, key=lambda outcome: outcome.minute)]


def check(**overrides: Any) -> PlanFiring | None:
    arguments: dict[str, Any] = {
        "plan": PLAN,
        "estimated_wait": 5.0,
        "waiting": 5,
        "now_minute": 10 * 60,
        "last_fired_minute": None,
    }
    return plan_check(**{**arguments, **overrides})


# --- plan_check -------------------------------------------------------------------------------------


def test_the_plan_fires_when_the_estimated_wait_exceeds_its_threshold_and_says_by_how_much() -> None:
    firing = check(estimated_wait=26.0)

    assert firing is not None
    assert firing.cause == "estimated wait 26 min > 20 min"
    assert firing.minute == 600
    assert firing.actions == (PlanAction.OPEN_COUNTERS, PlanAction.ADVISE_ONLINE, PlanAction.REDIRECT)
    assert firing.extra_counters == 2


def test_the_estimated_wait_is_named_as_the_hall_shows_it_rounded_up() -> None:
    firing = check(estimated_wait=20.2)

    assert firing is not None
    assert firing.cause == "estimated wait 21 min > 20 min"


def test_the_plan_fires_when_too_many_residents_wait_and_says_how_many() -> None:
    firing = check(waiting=31)

    assert firing is not None
    assert firing.cause == "31 residents waiting > 30"


def test_both_thresholds_exceeded_are_both_named() -> None:
    firing = check(estimated_wait=40.0, waiting=45)

    assert firing is not None
    assert firing.cause == "estimated wait 40 min > 20 min; 45 residents waiting > 30"


def test_the_plan_stays_quiet_at_or_below_its_thresholds() -> None:
    assert check(estimated_wait=20.0, waiting=30) is None
    assert check(estimated_wait=3.0, waiting=2) is None


def test_the_plan_does_not_fire_again_within_its_cooldown() -> None:
    assert check(estimated_wait=40.0, now_minute=629, last_fired_minute=600) is None
    assert check(estimated_wait=40.0, now_minute=630, last_fired_minute=600) is not None


def test_the_plan_asks_to_extend_the_day_when_the_queue_would_not_clear_by_closing() -> None:
    firing = check(estimated_wait=25.0, waiting=10, now_minute=16 * 60 + 50, closing_minute=17 * 60)

    assert firing is not None
    assert PlanAction.EXTEND_HOURS in firing.actions
    assert firing.cause == "estimated wait 25 min > 20 min; queue clears at 17:15, after closing at 17:00"
    assert firing.extend_minutes == 60


def test_a_calm_hall_about_to_close_is_only_asked_to_extend_even_in_the_cooldown() -> None:
    firing = check(estimated_wait=12.0, now_minute=16 * 60 + 55, last_fired_minute=16 * 60 + 40, closing_minute=17 * 60)

    assert firing is not None
    assert firing.actions == (PlanAction.EXTEND_HOURS,)
    assert firing.cause == "queue clears at 17:07, after closing at 17:00"


def test_the_day_is_not_extended_once_it_cannot_be_any_more() -> None:
    firing = check(estimated_wait=25.0, now_minute=16 * 60 + 50, closing_minute=None)

    assert firing is not None
    assert PlanAction.EXTEND_HOURS not in firing.actions


def test_a_plan_with_nothing_in_reserve_does_not_ask_for_counters() -> None:
    plan = PeakPlan(
        max_wait_minutes=20, max_waiting=30, extra_counters=0, online_share=0.2, redirect_share=0,
        cooldown_minutes=30, extend_minutes=0,
    )  # fmt: skip

    firing = check(plan=plan, estimated_wait=30.0)

    assert firing is not None
    assert firing.actions == (PlanAction.ADVISE_ONLINE,)


def test_a_plan_refuses_shares_that_add_up_to_more_than_everyone() -> None:
    with pytest.raises(ValueError, match="together ≤ 1"):
        PeakPlan(
            max_wait_minutes=20, max_waiting=30, extra_counters=2, online_share=0.7, redirect_share=0.5,
            cooldown_minutes=30, extend_minutes=60,
        )  # fmt: skip


def test_the_estimated_wait_shares_the_queue_among_the_open_counters() -> None:
    assert wait_estimate(waiting=12, counters=6, mean_service=9) == 18
    assert wait_estimate(waiting=0, counters=0, mean_service=9) == 0


# --- the calling order --------------------------------------------------------------------------------


def test_an_appointment_at_its_time_is_called_before_walk_ins_who_came_earlier() -> None:
    first, second, third = walk_in(NINE), walk_in(NINE + 1), walk_in(NINE + 2)
    booked = booking(NINE + 5, slot=NINE + 10)

    assert one_counter_day([first, second, third, booked]) == [first, booked, second, third]


def test_the_elderly_are_called_before_other_walk_ins() -> None:
    first, other, elderly = walk_in(NINE), walk_in(NINE + 1), walk_in(NINE + 2, priority=True)

    assert one_counter_day([first, other, elderly]) == [first, elderly, other]


def test_a_booking_counts_only_when_he_checks_in_within_its_window() -> None:
    slot = NINE + 60

    assert call_order(booking(slot - 31, slot=slot)) == (2, slot - 31)  # too early: an ordinary ticket
    assert call_order(booking(slot - 30, slot=slot)) == (0, slot - 30)
    assert call_order(booking(slot + 15, slot=slot)) == (0, slot + 15)
    assert call_order(booking(slot + 16, slot=slot)) == (2, slot + 16)  # too late: he lost his slot


def test_the_elderly_who_missed_their_booking_keep_their_lane() -> None:
    late = Arrival(NINE + 90, ArrivalKind.APPOINTMENT, priority=True, slot_minute=NINE)

    assert call_order(late) == (1, NINE + 90)


# --- simulate_day ----------------------------------------------------------------------------------


def run_day(*, plan: PeakPlan | None, seed: int = 7, counters: int = 6) -> DayReport:
    return simulate_day(
        arrivals=realistic_peak_day(seed=seed),
        counters=counters,
        service_minutes=ServiceTime(),
        opening=OPENING,
        plan=plan,
        seed=seed,
    )


def test_a_day_replays_identically_for_a_seed_and_differently_for_another() -> None:
    assert run_day(plan=PLAN) == run_day(plan=PLAN)
    assert run_day(plan=PLAN) != run_day(plan=PLAN, seed=8)


def test_on_a_peak_day_the_plan_shortens_the_p90_wait() -> None:
    without, with_plan = run_day(plan=None), run_day(plan=PLAN)

    assert with_plan.p90_wait < without.p90_wait
    assert with_plan.firings
    assert not without.firings


@pytest.mark.parametrize("plan", [None, PLAN], ids=["without plan", "with plan"])
def test_no_resident_is_lost(plan: PeakPlan | None) -> None:
    report = run_day(plan=plan)

    assert report.served + report.advised_online + report.redirected + report.unserved == 400
    assert len(report.outcomes) == 400


def test_residents_who_booked_are_never_sent_online_or_elsewhere() -> None:
    plan = PeakPlan(
        max_wait_minutes=999, max_waiting=5, extra_counters=0, online_share=0.6, redirect_share=0.4,
        cooldown_minutes=30, extend_minutes=0,
    )  # fmt: skip
    booked = [booking(NINE - 2, slot=NINE + 30) for _ in range(10)]
    walk_ins = [walk_in(NINE - 1) for _ in range(10)]

    report = simulate_day(
        arrivals=booked + walk_ins, counters=1, service_minutes=TEN_MINUTES_FLAT, opening=OPENING, plan=plan, seed=2
    )

    endings = [outcome.ending for outcome in report.outcomes]
    assert endings[:10] == [Ending.SERVED] * 10
    assert set(endings[10:]) == {Ending.ADVISED_ONLINE, Ending.REDIRECTED}  # everyone of them takes one advice


def test_residents_who_declined_the_advice_are_not_moved_by_the_next_firing() -> None:
    plan = PeakPlan(
        max_wait_minutes=999, max_waiting=5, extra_counters=0, online_share=0.5, redirect_share=0,
        cooldown_minutes=30, extend_minutes=0,
    )  # fmt: skip
    queue_at_the_door = [walk_in(NINE - 2 + n / 10) for n in range(20)]  # and no one after them

    report = simulate_day(
        arrivals=queue_at_the_door, counters=1, service_minutes=TEN_MINUTES_FLAT, opening=OPENING, plan=plan, seed=2
    )

    assert len(report.firings) > 1
    left = {outcome.minute for outcome in report.outcomes if outcome.ending is Ending.ADVISED_ONLINE}
    assert left == {report.firings[0].minute}


def test_the_reserve_counters_open_ten_minutes_after_the_plan_fires() -> None:
    report = run_day(plan=PLAN)

    first = report.firings[0].minute
    assert (first + 10, 8) in report.counters_over_time


def test_without_the_plan_the_residents_still_waiting_at_closing_are_sent_home() -> None:
    report = run_day(plan=None, counters=4)

    assert report.unserved > 0
    assert report.closing_minute == OPENING[1]


def test_an_arrival_after_closing_is_refused() -> None:
    with pytest.raises(ValueError, match="after closing"):
        simulate_day(
            arrivals=[walk_in(OPENING[1])],
            counters=1,
            service_minutes=ServiceTime(),
            opening=OPENING,
            plan=None,
            seed=1,
        )


# --- realistic_peak_day -----------------------------------------------------------------------------


def test_a_realistic_peak_day_has_its_residents_its_bookings_and_its_morning_peak() -> None:
    day = realistic_peak_day(seed=3)

    assert len(day) == 400
    assert day == sorted(day, key=lambda arrival: arrival.minute)
    assert sum(arrival.kind is ArrivalKind.APPOINTMENT for arrival in day) == 80
    walk_ins = [arrival for arrival in day if arrival.kind is ArrivalKind.WALK_IN]
    in_peak = sum(9 * 60 <= arrival.minute < 10 * 60 + 30 for arrival in walk_ins)
    assert 0.28 < in_peak / len(walk_ins) < 0.42  # 35 % expected
    assert all(OPENING[0] <= arrival.minute < OPENING[1] for arrival in walk_ins)
    assert realistic_peak_day(seed=3) == day
